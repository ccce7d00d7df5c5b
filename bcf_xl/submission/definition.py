"""Per-year definitions of the NHS England BCF planning template.

A framework year is described here as data: its plan years, the funding lines of its Income tab,
its national metrics and its national conditions. The layout (which cell holds what) is worked
out from a definition once, in :mod:`bcf_xl.submission.layout`; the builder, reader, validator
and tests all use that layout. A new year is a new :class:`TemplateYear` here, not new code.

The real blank templates sit behind a login and change every year. Where a detail could not be
confirmed from public documents the definition follows the conventions in docs/domain.md section 8 and
says so in ``unconfirmed``.
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
    """A national condition the plan confirms (Yes, or No with an explanation)."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class TemplateYear:
    """One framework year's planning template."""

    name: str
    title: str
    plan_years: tuple[str, ...]
    income_lines: tuple[tuple[SourceKind, str], ...]
    metrics: tuple[NationalMetric, ...]
    conditions: tuple[NationalCondition, ...]
    condition_heading: str
    unconfirmed: tuple[str, ...]

    def label(self, kind: SourceKind) -> str:
        """The Income tab's words for a kind of funding source in this year."""
        for line_kind, label in self.income_lines:
            if line_kind is kind:
                return label
        raise BcfInputError(
            Location(sheet="Income", field="Funding source"),
            f"the {self.name} template has no line for {kind.value}",
            kind.value,
        )

    def kind(self, label: str) -> SourceKind | None:
        """The kind of funding source an Income tab label stands for (trimmed, any case)."""
        wanted = label.strip().casefold()
        return next((kind for kind, text in self.income_lines if text.casefold() == wanted), None)

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

_NC_2025 = (
    NationalCondition(
        "NC1",
        "The plan is jointly agreed by the local authority and the ICB and signed off by the "
        "Health and Wellbeing Board",
    ),
    NationalCondition(
        "NC2",
        "The plan implements the objectives of the BCF: reform to support the shift from sickness "
        "to prevention, and to support people living independently and the shift from hospital to home",
    ),
    NationalCondition(
        "NC3",
        "Grant and funding conditions are complied with, including maintaining the NHS minimum "
        "contribution to adult social care",
    ),
    NationalCondition("NC4", "The area takes part in BCF oversight and support processes"),
)

YEAR_2023_25 = TemplateYear(
    name="2023-25",
    title="Better Care Fund 2023-25 Planning Template",
    plan_years=("2023-24", "2024-25"),
    income_lines=(
        (SourceKind.NHS_MINIMUM, "Minimum NHS Contribution"),
        (SourceKind.DFG, "Disabled Facilities Grant"),
        (SourceKind.IBCF, "iBCF"),
        (SourceKind.WINTER_PRESSURES, "Winter Pressures Grant"),
        (SourceKind.DISCHARGE_ICB, "ICB Discharge Funding"),
        (SourceKind.DISCHARGE_LA, "Local Authority Discharge Funding"),
        (SourceKind.ADDITIONAL, "Additional Contribution"),
    ),
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
    condition_heading="National condition met? (Yes/No)",
    unconfirmed=(
        "Income and Expenditure column order and wording follow bcf-xl's docs/domain.md, not a copy of the template.",
        "Winter Pressures Grant was folded into iBCF from 2020-21; the line is kept for a carried-forward balance.",
        "Metric targets are one figure per metric for the plan, not the template's quarterly trajectories.",
    ),
)

YEAR_2025_26 = TemplateYear(
    name="2025-26",
    title="Better Care Fund 2025-26 Planning Template",
    plan_years=("2025-26",),
    income_lines=(
        (SourceKind.NHS_MINIMUM, "NHS Minimum Contribution"),
        (SourceKind.DFG, "Disabled Facilities Grant"),
        (SourceKind.IBCF, "Local Authority Better Care Grant"),
        (SourceKind.ADDITIONAL, "Additional Contribution"),
    ),
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
    condition_heading="Assurance confirmed? (Yes/No)",
    unconfirmed=(
        "The wording of the four national conditions as assurance statements is paraphrased.",
        "Discharge funding is no longer a separate line from 2025-26; the iBCF line is the Local Authority Better "
        "Care Grant.",
        "The headline metrics' exact definitions and any quarterly trajectories are not reproduced.",
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
