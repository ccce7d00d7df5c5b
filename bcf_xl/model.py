"""The plan: frozen records and enums for everything a BCF plan holds.

Records validate their own fields on construction and raise :class:`BcfInputError` naming the
field: an enum field takes a member or its exact text (converted), sequences become tuples.
Rules between records (unique IDs, one amount per plan year, references) are plan checks
(:mod:`bcf_xl.checks`), so a plan of well-typed records always builds and every problem is reported.
Amounts per plan year are tuples aligned with :attr:`Plan.years`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.money import ZERO, total

E = TypeVar("E", bound=StrEnum)
_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


class AreaKind(StrEnum):
    """Unitary councils receive the DFG themselves; two-tier counties pass it to districts."""

    UNITARY = "Unitary"
    TWO_TIER = "Two-tier"


class PartnerKind(StrEnum):
    COUNCIL = "Council"
    ICB = "ICB"


class SourceKind(StrEnum):
    """Funding sources, docs/domain.md section 2."""

    NHS_MINIMUM = "NHS minimum contribution"
    DFG = "Disabled Facilities Grant"
    IBCF = "iBCF / Local Authority Better Care Grant"
    WINTER_PRESSURES = "Winter Pressures grant"
    DISCHARGE_ICB = "Discharge funding (ICB)"
    DISCHARGE_LA = "Discharge funding (LA)"
    ADDITIONAL = "Additional contribution"

    @property
    def is_capital(self) -> bool:
        """DFG is capital money and is kept apart from revenue."""
        return self is SourceKind.DFG


class Commissioner(StrEnum):
    LOCAL_AUTHORITY = "Local Authority"
    ICB = "ICB"
    JOINT = "Joint"


class AreaOfSpend(StrEnum):
    SOCIAL_CARE = "Social Care"
    COMMUNITY_HEALTH = "Community Health"
    MENTAL_HEALTH = "Mental Health"
    PRIMARY_CARE = "Primary Care"
    ACUTE = "Acute"
    OTHER = "Other"


class SchemeStatus(StrEnum):
    NEW = "New"
    EXISTING = "Existing"


class Polarity(StrEnum):
    LOWER_IS_BETTER = "Lower is better"
    HIGHER_IS_BETTER = "Higher is better"
    NONE = "Not set"


class MetricUnit(StrEnum):
    """How a metric's values read: a count rated per population, a percentage, or a plain number."""

    RATE = "Rate per population"
    PERCENT = "Percentage"
    NUMBER = "Number"
    #: A directly age-standardised rate (per ``per``), given as a rate or worked out from age bands.
    STANDARDISED = "Age-standardised rate"


class RagRule(StrEnum):
    BASELINE = "Against baseline"
    TOLERANCE = "Against tolerance"


def check_year(year: str, where: Location | str = "plan years") -> str:
    """A plan year reads like ``2025-26``: a start year and the next year's last two digits."""
    match = _YEAR.match(year) if isinstance(year, str) else None
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise BcfInputError(where, "a plan year must read like 2025-26", year)
    return year


# Where a field is, as a Location or as (field, item) made into one only when a value is refused (a record read from a
# table row checks a dozen fields, nearly always valid).
Where = Location | tuple[str, str | None]


def _where(where: Where) -> Location:
    return where if isinstance(where, Location) else Location(field=where[0], item=where[1])


def _text(value: str, where: Where, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise BcfInputError(_where(where), "must be text", value)
    if required and not value.strip():
        raise BcfInputError(_where(where), "is required", value)
    return value


def _member(record: object, name: str, enum: type[E], where: Where) -> None:
    """An enum field takes a member or its exact text value (converted here); anything else is refused."""
    value = getattr(record, name)
    if isinstance(value, enum):
        return
    if isinstance(value, str) and not isinstance(value, StrEnum):
        for member in enum:
            if member.value == value:
                object.__setattr__(record, name, member)
                return
    words = ", ".join(member.value for member in enum)
    raise BcfInputError(_where(where), f"must be one of {words}", value)


def _tuples(record: object, *names: str) -> None:
    """Sequence fields become tuples, so a frozen record holds nothing that can change under it."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, list):
            object.__setattr__(record, name, tuple(value))


def _amounts(values: tuple[Decimal | None, ...], where: Where, *, optional: bool = False) -> None:
    if not isinstance(values, tuple):
        raise BcfInputError(_where(where), "must be a tuple of amounts, one per plan year", values)
    for value in values:
        if value is None and optional:
            continue
        if not isinstance(value, Decimal) or not value.is_finite():
            raise BcfInputError(_where(where), "each amount must be a Decimal", value)


@dataclass(frozen=True, slots=True)
class Partner:
    """A party to the Section 75 agreement: the council or an ICB."""

    partner_id: str
    name: str
    kind: PartnerKind
    chief_executive: str = ""  # signs the plan off (2025-26 onwards); the role cannot be delegated

    def __post_init__(self) -> None:
        _text(self.partner_id, Location(field="Partner ID"))
        _member(self, "kind", PartnerKind, Location(field="Partner type", item=self.partner_id))
        _text(self.name, Location(field="Partner name", item=self.partner_id))


@dataclass(frozen=True, slots=True)
class District:
    """A district council in a two-tier area, with its DFG allocation from the grant letter per year."""

    district_id: str
    name: str
    dfg_allocation: tuple[Decimal, ...]

    def __post_init__(self) -> None:
        _text(self.district_id, Location(field="District ID"))
        _tuples(self, "dfg_allocation")
        _text(self.name, Location(field="District name", item=self.district_id))
        _amounts(self.dfg_allocation, Location(field="DFG allocation", item=self.district_id))


@dataclass(frozen=True, slots=True)
class Area:
    """The Health and Wellbeing Board area."""

    name: str
    kind: AreaKind
    districts: tuple[District, ...] = ()

    def __post_init__(self) -> None:
        _text(self.name, Location(field="Area name"))
        _member(self, "kind", AreaKind, Location(field="Area type"))
        _tuples(self, "districts")
        if self.kind is AreaKind.UNITARY and self.districts:
            raise BcfInputError(Location(field="Districts"), "a unitary area has no districts", len(self.districts))
        if self.kind is AreaKind.TWO_TIER and not self.districts:
            raise BcfInputError(Location(field="Districts"), "a two-tier area needs its districts", 0)


@dataclass(frozen=True, slots=True)
class FundingSource:
    """Money into the BCF: a kind of source, who pays it, and the amount per plan year."""

    source_id: str
    kind: SourceKind
    contributor: str
    amounts: tuple[Decimal, ...]
    description: str = ""

    def __post_init__(self) -> None:
        _text(self.source_id, Location(field="Source ID"))
        _member(self, "kind", SourceKind, Location(field="Funding source", item=self.source_id))
        _tuples(self, "amounts")
        _amounts(self.amounts, Location(field="Income", item=self.source_id))
        if self.kind is SourceKind.ADDITIONAL and not self.description.strip():
            raise BcfInputError(
                Location(field="Description", item=self.source_id),
                "an additional contribution must be described",
                self.description,
            )


@dataclass(frozen=True, slots=True)
class Pool:
    """A Section 75 pooled fund and the partner that hosts it."""

    pool_id: str
    name: str
    host: str
    is_risk_pool: bool = False

    def __post_init__(self) -> None:
        _text(self.pool_id, Location(field="Pool ID"))
        _text(self.name, Location(field="Pool name", item=self.pool_id))


@dataclass(frozen=True, slots=True)
class Scheme:
    """One line of the expenditure plan (docs/domain.md section 5), with its local theme and pool.

    Theme and pool are the area's own grouping; a plan read back from an NHS England submission,
    which does not hold them, has them blank.
    ``nhs_share`` is the NHS fraction of a jointly commissioned scheme (0.6 for 60% NHS, 40%
    LA); it is ignored for single commissioners. ``outturn`` holds actual expenditure per plan
    year once known. ``prior_year_budget`` plus ``additional_investment`` rolls forward to the
    first plan year's amount.
    """

    scheme_id: str
    name: str
    description: str
    scheme_type: str
    sub_type: str
    area_of_spend: AreaOfSpend
    commissioner: Commissioner
    provider: str
    source: str
    amounts: tuple[Decimal, ...]
    status: SchemeStatus
    theme: str
    pool: str
    nhs_share: Decimal | None = None
    prior_year_budget: Decimal | None = None
    additional_investment: Decimal | None = None
    outturn: tuple[Decimal | None, ...] = ()

    def __post_init__(self) -> None:
        if not _plainly_valid(self):
            _check_scheme(self)

    @property
    def la_share(self) -> Decimal:
        """The local-authority fraction of a joint scheme: 1 - NHS share."""
        return 1 - (self.nhs_share or ZERO)


def _plainly_valid(scheme: Scheme) -> bool:
    """Whether a scheme's fields are already of their exact types and within every rule :func:`_check_scheme` holds
    them to, so checking them field by field would find nothing and convert nothing (a scheme read from a template
    row nearly always is). False says only that the full check must decide."""
    share = scheme.nhs_share
    texts = (
        scheme.scheme_id,
        scheme.name,
        scheme.description,
        scheme.scheme_type,
        scheme.sub_type,
        scheme.provider,
        scheme.theme,
        scheme.pool,
    )
    return (
        set(map(type, texts)) == {str}
        and type(scheme.area_of_spend) is AreaOfSpend
        and type(scheme.commissioner) is Commissioner
        and type(scheme.status) is SchemeStatus
        and type(scheme.amounts) is tuple
        and type(scheme.outturn) is tuple
        and bool(scheme.scheme_id.strip() and scheme.name.strip())
        and bool(scheme.scheme_type.strip() and scheme.provider.strip())
        and all(type(value) is Decimal and value.is_finite() for value in scheme.amounts)
        and all(value is None or (type(value) is Decimal and value.is_finite()) for value in scheme.outturn)
        and (
            scheme.commissioner is not Commissioner.JOINT
            or (type(share) is Decimal and share.is_finite() and ZERO <= share <= 1)
        )
    )


def _check_scheme(scheme: Scheme) -> None:
    """Check each field of a scheme, converting an enum's text to its member and a list to a tuple.

    Raises:
        BcfInputError: the first field that breaks its rule, named with the scheme's ID.
    """
    item = scheme.scheme_id
    _text(scheme.scheme_id, ("Scheme ID", None))
    _text(scheme.name, ("Scheme Name", item))
    _text(scheme.description, ("Description", item), required=False)
    _member(scheme, "area_of_spend", AreaOfSpend, ("Area of Spend", item))
    _member(scheme, "commissioner", Commissioner, ("Commissioner", item))
    _member(scheme, "status", SchemeStatus, ("New/Existing", item))
    _tuples(scheme, "amounts", "outturn")
    _text(scheme.scheme_type, ("Scheme Type", item))
    _text(scheme.sub_type, ("Sub Type", item), required=False)
    _text(scheme.provider, ("Provider", item))
    _text(scheme.theme, ("Theme", item), required=False)
    _text(scheme.pool, ("Pool", item), required=False)
    _amounts(scheme.amounts, ("Planned expenditure", item))
    _amounts(scheme.outturn, ("Outturn", item), optional=True)
    if scheme.commissioner is Commissioner.JOINT:
        share = scheme.nhs_share
        if share is None or not ZERO <= share <= 1:
            raise BcfInputError(
                Location(field="NHS share", item=item),
                "a joint scheme needs its NHS share as a fraction from 0 to 1",
                share,
            )


@dataclass(frozen=True, slots=True)
class AgeBand:
    """One age band of a metric rated as a directly age-standardised rate (e.g. falls, 65+).

    ``weight`` is the band's standard population; leave every band's weight None to use
    ESP2013's six bands of people aged 65 and over. The counts are events in the band (e.g.
    emergency admissions after a fall) for the baseline, target, latest actual and forecast.
    """

    band: str
    population: int
    weight: Decimal | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    actual: Decimal | None = None
    forecast: Decimal | None = None

    def __post_init__(self) -> None:
        _text(self.band, Location(field="Age band"))
        if isinstance(self.population, bool) or not isinstance(self.population, int) or self.population <= 0:
            raise BcfInputError(
                Location(field="Population", item=self.band), "an age band needs a population above 0", self.population
            )
        for name in ("weight", *_COUNTS):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value < 0):
                raise BcfInputError(Location(field=name.capitalize(), item=self.band), "must be 0 or more", value)


_COUNTS = ("baseline", "target", "actual", "forecast")


@dataclass(frozen=True, slots=True)
class Metric:
    """A national or local metric with its polarity and how it is rated.

    For a RATE metric the values are counts (e.g. admissions) and the rate is count /
    population x ``per``; for PERCENT and NUMBER the values are read as they are. ``actual``
    is the latest outturn, ``forecast`` the year-end forecast used for the progress words.

    A STANDARDISED metric's values are rates. With ``bands`` (counts and populations per age
    band) each value whose bands all have a count is worked out from them by
    :func:`bcf_xl.metrics.dsr`; a value also given must equal it.
    """

    metric_id: str
    name: str
    polarity: Polarity
    unit: MetricUnit
    baseline: Decimal | None
    target: Decimal | None
    actual: Decimal | None = None
    forecast: Decimal | None = None
    population: int | None = None
    per: int = 100_000
    population_source: str = ""
    rag_rule: RagRule = RagRule.BASELINE
    tolerance: Decimal | None = None
    bands: tuple[AgeBand, ...] = ()

    def __post_init__(self) -> None:
        item = self.metric_id
        _tuples(self, "bands")
        _text(self.metric_id, Location(field="Metric ID"))
        _member(self, "polarity", Polarity, Location(field="Polarity", item=item))
        _member(self, "unit", MetricUnit, Location(field="Unit", item=item))
        _member(self, "rag_rule", RagRule, Location(field="RAG rule", item=item))
        _text(self.name, Location(field="Metric name", item=item))
        if self.unit is MetricUnit.RATE and (self.population is None or self.population <= 0):
            raise BcfInputError(
                Location(field="Population", item=item), "a rate needs a population above 0", self.population
            )
        if self.per <= 0:
            raise BcfInputError(Location(field="Per", item=item), "must be above 0", self.per)
        if self.unit in (MetricUnit.RATE, MetricUnit.STANDARDISED):
            what = "a count rated per population" if self.unit is MetricUnit.RATE else "a standardised rate"
            for name in _COUNTS:
                value = getattr(self, name)
                if value is not None and value < 0:
                    raise BcfInputError(
                        Location(field=name.capitalize(), item=item), f"{what} must not be negative", value
                    )
        if self.rag_rule is RagRule.TOLERANCE and (self.tolerance is None or self.tolerance < 0):
            raise BcfInputError(
                Location(field="Tolerance", item=item),
                "the tolerance rule needs a tolerance of 0 or more (0.05 for 5%)",
                self.tolerance,
            )
        if self.bands:
            self._standardise()

    def _standardise(self) -> None:
        """Work each value out from the age bands (see the class docstring)."""
        from bcf_xl.metrics import bands_rate  # the arithmetic is the engine's; it imports this module

        item = self.metric_id
        if self.unit is not MetricUnit.STANDARDISED:
            raise BcfInputError(
                Location(field="Unit", item=item),
                f"a metric with age bands must be an {MetricUnit.STANDARDISED.value}",
                self.unit.value,
            )
        if not all(isinstance(band, AgeBand) for band in self.bands):
            raise BcfInputError(Location(field="Age bands", item=item), "must be AgeBand records", self.bands)
        for name in _COUNTS:
            try:
                rate = bands_rate(self.bands, name, self.per)
            except BcfInputError as exc:
                field_name = f"Age bands, {name}" if exc.location.field == name else f"Age bands, {exc.location.field}"
                raise BcfInputError(Location(field=field_name, item=item), exc.rule, exc.got) from None
            given = getattr(self, name)
            if rate is None:
                continue
            if given is not None and given != rate:
                raise BcfInputError(
                    Location(field=name.capitalize(), item=item),
                    f"is worked out from the age bands ({rate:.1f} per {self.per:,}); leave it blank",
                    given,
                )
            object.__setattr__(self, name, rate)


@dataclass(frozen=True, slots=True)
class Retention:
    """DFG a district agreed the county may keep for other social-care capital projects."""

    district_id: str
    amount: Decimal
    agreement_reference: str = ""


@dataclass(frozen=True, slots=True)
class DfgYear:
    """The DFG of one plan year: the grant letter total, in-year top-ups and agreed retentions."""

    received: Decimal
    top_ups: tuple[Decimal, ...] = ()
    retentions: tuple[Retention, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "top_ups", "retentions")


@dataclass(frozen=True, slots=True)
class AscMinimum:
    """The NHS contribution to adult social care: last year's figure and any agreed figures per year."""

    prior_year: Decimal
    agreed: tuple[Decimal | None, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "agreed")


@dataclass(frozen=True, slots=True)
class RiskShareTerms:
    """The Section 75 risk-share terms: agreed partner percentages override pro rata (both FDs agreed)."""

    override: tuple[tuple[str, Decimal], ...] = ()
    risk_pool_balance: Decimal = ZERO
    uncommitted: Decimal = ZERO

    def __post_init__(self) -> None:
        if isinstance(self.override, list):
            object.__setattr__(self, "override", tuple(tuple(pair) for pair in self.override))


@dataclass(frozen=True, slots=True)
class Contacts:
    """Who completed the plan and who signed it off: for the Health and Wellbeing Board, and (from 2025-26) by role.

    ``hwb_signed_off`` answers "has the HWB signed the plan off at the time of submission?": "Yes", "No" or ""
    (not answered). Each partner's chief executive is held by its :class:`Partner`.
    """

    completed_by: str = ""
    job_title: str = ""
    email: str = ""
    telephone: str = ""
    signed_off_by: str = ""
    sign_off_date: str = ""
    hwb_chair: str = ""
    director_asc: str = ""
    section151: str = ""
    hwb_signed_off: str = ""

    def __post_init__(self) -> None:
        if self.hwb_signed_off not in ("", "Yes", "No"):
            raise BcfInputError(
                Location(field="Signed off by the HWB at submission"), "must be Yes or No", self.hwb_signed_off
            )


@dataclass(frozen=True, slots=True)
class ConditionAnswer:
    """The plan's answer to a national condition: met (True) or not, with its explanation."""

    code: str
    met: bool | None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class PerformanceFund:
    """A performance fund held back and released against a reduction in non-elective admissions."""

    fund: Decimal
    target_reduction: Decimal
    achieved_by_quarter: tuple[Decimal, Decimal, Decimal, Decimal]

    def __post_init__(self) -> None:
        _tuples(self, "achieved_by_quarter")


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole BCF plan for one HWB area over one or two plan years."""

    area: Area
    years: tuple[str, ...]
    partners: tuple[Partner, ...]
    sources: tuple[FundingSource, ...]
    pools: tuple[Pool, ...]
    schemes: tuple[Scheme, ...]
    metrics: tuple[Metric, ...] = ()
    asc_minimum: AscMinimum | None = None
    ooh_minimum: tuple[Decimal, ...] = ()
    dfg: tuple[DfgYear, ...] = ()
    risk_terms: RiskShareTerms = field(default_factory=RiskShareTerms)
    performance_fund: PerformanceFund | None = None
    contacts: Contacts = field(default_factory=Contacts)
    conditions: tuple[ConditionAnswer, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self, "years", "partners", "sources", "pools", "schemes", "metrics", "ooh_minimum", "dfg", "conditions")
        if not 1 <= len(self.years) <= 2:
            raise BcfInputError(Location(field="Plan years"), "a plan covers one or two years", len(self.years))
        for year in self.years:
            check_year(year)
        if len(self.years) == 2 and int(self.years[1][:4]) != int(self.years[0][:4]) + 1:
            raise BcfInputError(Location(field="Plan years"), "the two plan years must follow each other", self.years)

    def partner(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.partner_id == partner_id), None)

    def source(self, source_id: str) -> FundingSource | None:
        return next((s for s in self.sources if s.source_id == source_id), None)

    def pool(self, pool_id: str) -> Pool | None:
        return next((p for p in self.pools if p.pool_id == pool_id), None)

    @property
    def council(self) -> Partner | None:
        return next((p for p in self.partners if p.kind is PartnerKind.COUNCIL), None)

    @property
    def icbs(self) -> tuple[Partner, ...]:
        return tuple(p for p in self.partners if p.kind is PartnerKind.ICB)

    def year_index(self, year: str) -> int:
        """The position of a plan year in the amount tuples."""
        try:
            return self.years.index(year)
        except ValueError:
            raise BcfInputError(Location(field="year"), f"must be one of {', '.join(self.years)}", year) from None

    def income(self, year: str) -> Decimal:
        index = self.year_index(year)
        return total([s.amounts[index] for s in self.sources])

    def expenditure(self, year: str) -> Decimal:
        index = self.year_index(year)
        return total([s.amounts[index] for s in self.schemes])
