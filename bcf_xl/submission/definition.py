"""Per-year definitions of the NHS England BCF planning template.

A framework year is described here as data: its plan years, the funding lines of its Income tab,
its national metrics and its national conditions. The layout (which cell holds what) is worked
out from a definition once, in :mod:`bcf_xl.submission.layout`; the builder, reader, validator
and tests all use that layout. A new year is a new :class:`TemplateYear` here, not new code.

The real blank templates sit behind a login and change every year. Where a detail could not be
confirmed from public documents the definition follows the conventions in docs/domain.md section 8 and
says so in ``unconfirmed``, which the Guidance tab lists for the officer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import MetricUnit, Polarity, SourceKind


@dataclass(frozen=True, slots=True)
class NationalMetric:
    """A metric the template asks every area to plan for."""

    code: str
    name: str
    unit: MetricUnit
    polarity: Polarity
    per: int = 100_000


@dataclass(frozen=True, slots=True)
class NationalCondition:
    """A national condition the plan answers: its official name and, where the year asks for one, the assurance
    statement the area confirms (Yes, or No with an explanation)."""

    code: str
    text: str
    statement: str = ""


@dataclass(frozen=True, slots=True)
class Folded:
    """A kind of funding the year has no line for, and the line that now holds it."""

    kind: SourceKind
    into: SourceKind
    why: str


# The Cover inputs a template may ask for, by key: its label. Each year lists the ones it asks for.
COVER_INPUTS = {
    "area": "Health and Wellbeing Board",
    "area_kind": "Area type (Unitary or Two-tier)",
    "completed_by": "Completed by",
    "job_title": "Job title",
    "email": "E-mail",
    "telephone": "Telephone",
    "signed_off_by": "Signed off on behalf of the Health and Wellbeing Board by",
    "hwb_chair": "Chair of the Health and Wellbeing Board",
    "director_asc": "Director of Adult Social Services",
    "section151": "Section 151 officer of the council",
    "hwb_signed_off": "Has the plan been signed off by the Health and Wellbeing Board at the time of submission? "
    "(Yes/No)",
    "sign_off_date": "Date of Health and Wellbeing Board sign-off (YYYY-MM-DD)",
}
_CONTACT_DETAILS = ("area", "area_kind", "completed_by", "job_title", "email", "telephone")


@dataclass(frozen=True, slots=True)
class TemplateYear:
    """One framework year's planning template: everything that differs between years, as data.

    Attributes:
        name: the year as the Cover names it ("2025-26").
        title: the title atop every sheet; the Cover's status cell sits directly below it.
        plan_years: the plan years the template holds.
        income_lines: the Income tab's funding lines, (kind, label).
        folded: kinds of funding the year has no line for, shown in the line that now holds them.
        label_aliases: other labels a reader accepts for a line, (label, kind).
        metrics: the national metrics.
        conditions: the national conditions, on the tab named ``conditions_sheet``.
        condition_heading: the header of the Yes/No column.
        cover_inputs: the keys of :data:`COVER_INPUTS` the Cover asks for, in order.
        partner_sign_off: each partner's chief executive signs the plan off (a column of the Partners table).
        unconfirmed: what could not be confirmed from public documents, shown on the Guidance tab.
    """

    name: str
    title: str
    plan_years: tuple[str, ...]
    income_lines: tuple[tuple[SourceKind, str], ...]
    metrics: tuple[NationalMetric, ...]
    conditions: tuple[NationalCondition, ...]
    conditions_sheet: str
    condition_heading: str
    cover_inputs: tuple[str, ...]
    unconfirmed: tuple[str, ...]
    folded: tuple[Folded, ...] = ()
    label_aliases: tuple[tuple[str, SourceKind], ...] = ()
    partner_sign_off: bool = False

    def line_kind(self, kind: SourceKind) -> SourceKind:
        """The kind of the Income line that holds funding of ``kind`` in this year (itself, or where it folded)."""
        return next((f.into for f in self.folded if f.kind is kind), kind)

    def label(self, kind: SourceKind) -> str:
        """The Income tab's words for a kind of funding source in this year (a folded kind shows as its line)."""
        line = self.line_kind(kind)
        for line_kind, label in self.income_lines:
            if line_kind is line:
                return label
        raise BcfInputError(
            Location(sheet="Income", field="Funding source"),
            f"the {self.name} template has no line for {kind.value}",
            kind.value,
        )

    def kind(self, label: str) -> SourceKind | None:
        """The kind of funding source an Income tab label stands for (trimmed, any case)."""
        wanted = label.strip().casefold()
        lines = (*self.income_lines, *((kind, text) for text, kind in self.label_aliases))
        return next((kind for kind, text in lines if text.casefold() == wanted), None)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for _, label in self.income_lines)


_NC_2023 = (
    NationalCondition(
        "NC1",
        "A jointly agreed plan between local health and social care commissioners, signed off by "
        "the Health and Wellbeing Board",
    ),
    NationalCondition(
        "NC2",
        "Implementing BCF policy objective 1: enabling people to stay well, safe and independent at home for longer",
    ),
    NationalCondition(
        "NC3", "Implementing BCF policy objective 2: providing the right care in the right place at the right time"
    ),
    NationalCondition(
        "NC4",
        "Maintaining the NHS's contribution to adult social care and investment in NHS "
        "commissioned out-of-hospital services",
    ),
)

# The official names of the 2025-26 conditions (NC4's as widely reported); the assurance statements are
# bcf-xl's wording of what each condition asks the area to confirm.
_NC_2025 = (
    NationalCondition(
        "NC1",
        "Plans to be jointly agreed",
        "The plan has been jointly agreed by the local authority and the ICB(s), and signed off by the chief "
        "executive of each partner and the council's Section 151 officer.",
    ),
    NationalCondition(
        "NC2",
        "Implementing the objectives of the BCF",
        "The plan sets out how the area will deliver the BCF objectives for 2025-26: supporting the shift from "
        "sickness to prevention, and supporting people to live independently and the shift from hospital to home.",
    ),
    NationalCondition(
        "NC3",
        "Complying with grant and funding conditions, including maintaining the NHS minimum contribution to adult "
        "social care",
        "The area will meet the grant and funding conditions, including maintaining the NHS minimum contribution "
        "to adult social care and passing the Disabled Facilities Grant to district councils (two-tier areas).",
    ),
    NationalCondition(
        "NC4",
        "Complying with oversight and support processes",
        "The area will take part in BCF oversight and support processes, including quarterly and end-of-year "
        "reporting.",
    ),
)

_WINTER_PRESSURES = Folded(SourceKind.WINTER_PRESSURES, SourceKind.IBCF, "merged into the iBCF in 2020-21")

YEAR_2023_25 = TemplateYear(
    name="2023-25",
    title="Better Care Fund 2023-25 Template",
    plan_years=("2023-24", "2024-25"),
    income_lines=(
        (SourceKind.NHS_MINIMUM, "Minimum NHS Contribution"),
        (SourceKind.DFG, "Disabled Facilities Grant"),
        (SourceKind.IBCF, "iBCF"),
        (SourceKind.DISCHARGE_ICB, "ICB Discharge Funding"),
        (SourceKind.DISCHARGE_LA, "Local Authority Discharge Funding"),
        (SourceKind.ADDITIONAL, "Additional Contribution"),
    ),
    folded=(_WINTER_PRESSURES,),
    metrics=(
        NationalMetric(
            "AVOID",
            "Avoidable admissions (unplanned hospitalisation for chronic ambulatory care sensitive "
            "conditions) per 100,000 population",
            MetricUnit.RATE,
            Polarity.LOWER_IS_BETTER,
        ),
        NationalMetric(
            "FALLS",
            "Emergency hospital admissions due to falls in people aged 65 and over directly age standardised rate "
            "per 100,000",
            MetricUnit.STANDARDISED,
            Polarity.LOWER_IS_BETTER,
        ),
        NationalMetric("HOME", "Discharge to usual place of residence", MetricUnit.PERCENT, Polarity.HIGHER_IS_BETTER),
        NationalMetric(
            "RESID",
            "Permanent admissions of older people (65+) to residential and nursing care homes per 100,000",
            MetricUnit.RATE,
            Polarity.LOWER_IS_BETTER,
        ),
        NationalMetric(
            "REABLE",
            "Proportion of older people (65+) still at home 91 days after discharge from hospital into reablement",
            MetricUnit.PERCENT,
            Polarity.HIGHER_IS_BETTER,
        ),
    ),
    conditions=_NC_2023,
    conditions_sheet="Planning Requirements",
    condition_heading="National condition met? (Yes/No)",
    cover_inputs=(*_CONTACT_DETAILS, "signed_off_by", "sign_off_date"),
    unconfirmed=(
        "The order and wording of the Income and Expenditure columns are bcf-xl's, not a copy of NHS England's "
        "template.",
        "The wording of the national conditions is bcf-xl's.",
        "Metric targets are one figure per metric for the plan, not the template's quarterly trajectories.",
        "The Capacity and Demand plan for intermediate care (required in 2023-24 and 2024-25) is not part of this "
        "template and has not been reproduced.",
    ),
)

YEAR_2025_26 = TemplateYear(
    name="2025-26",
    title="Better Care Fund 2025-26 Template",
    plan_years=("2025-26",),
    income_lines=(
        (SourceKind.NHS_MINIMUM, "NHS Minimum Contribution"),
        (SourceKind.DFG, "Disabled Facilities Grant"),
        (SourceKind.IBCF, "Local Authority Better Care Grant"),
        (SourceKind.ADDITIONAL, "Additional Contribution"),
    ),
    folded=(
        _WINTER_PRESSURES,
        Folded(SourceKind.DISCHARGE_ICB, SourceKind.NHS_MINIMUM, "folded into the NHS minimum contribution in 2025-26"),
        Folded(
            SourceKind.DISCHARGE_LA, SourceKind.IBCF, "folded into the Local Authority Better Care Grant in 2025-26"
        ),
    ),
    label_aliases=(("Local Authority Better Care Fund Grant", SourceKind.IBCF),),
    metrics=(
        NationalMetric(
            "EA65",
            "Emergency admissions to hospital for people aged 65 and over per 100,000 population",
            MetricUnit.RATE,
            Polarity.LOWER_IS_BETTER,
        ),
        NationalMetric(
            "DELAY",
            "Average length of discharge delay for all acute adult patients (days)",
            MetricUnit.NUMBER,
            Polarity.LOWER_IS_BETTER,
        ),
        NationalMetric(
            "LTA65",
            "Long-term admissions to residential and nursing care homes for people aged 65 and "
            "over per 100,000 population",
            MetricUnit.RATE,
            Polarity.LOWER_IS_BETTER,
        ),
    ),
    conditions=_NC_2025,
    conditions_sheet="National Conditions",
    condition_heading="Assurance confirmed? (Yes/No)",
    cover_inputs=(*_CONTACT_DETAILS, "hwb_chair", "director_asc", "section151", "hwb_signed_off", "sign_off_date"),
    partner_sign_off=True,
    unconfirmed=(
        "The assurance statement under each national condition is bcf-xl's wording; the condition names are NHS "
        "England's (NC4's name as widely reported).",
        "The order and wording of the Income and Expenditure columns are bcf-xl's, not a copy of NHS England's "
        "template.",
        "The NHS minimum contribution's own growth for 2025-26 is not confirmed (the 3.9% rise of the contribution "
        "to adult social care is).",
        "The headline metrics' exact definitions and their monthly or quarterly goals are not reproduced: one "
        "target per metric is asked for.",
        "Capacity and Demand (intermediate care) is a separate NHS England workbook; it is not part of this "
        "template and its layout has not been reproduced.",
    ),
)

YEARS: dict[str, TemplateYear] = {YEAR_2025_26.name: YEAR_2025_26, YEAR_2023_25.name: YEAR_2023_25}
DEFAULT_YEAR = YEAR_2025_26.name


def template_year(name: str) -> TemplateYear:
    """The definition of a framework year, or an error listing the years known."""
    try:
        return YEARS[name]
    except KeyError:
        raise BcfInputError(Location(field="--year"), f"must be one of {', '.join(YEARS)}", name) from None


def year_for_plan(plan_years: tuple[str, ...]) -> TemplateYear | None:
    """The template whose plan years are the plan's, if any."""
    return next((year for year in YEARS.values() if year.plan_years == plan_years), None)
