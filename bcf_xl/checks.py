"""The registry of plan checks.

Each check is a pure function of a plan and the national policy that yields :class:`Finding`
records. A finding names where the problem is (sheet, field, item such as a scheme ID), the rule
and what arrived. Errors must be fixed before submission; warnings must be explained; notes
inform. :func:`run_checks` runs every registered check and never stops at the first problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bcf_xl.dfg import passport_plan
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.metrics import Rag, assess
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import AreaKind, Plan, Polarity, SourceKind
from bcf_xl.money import ZERO, format_pounds, is_pence
from bcf_xl.policy import Policy
from bcf_xl.pooling import balance, running_balances
from bcf_xl.uplift import roll_forward

FUNDING = "Funding"
SCHEMES = "Schemes"
DFG = "DFG"
METRICS = "Metrics"
COVER = "Cover"
POOLS = "Pools"


class Severity(StrEnum):
    ERROR = "Error"
    WARNING = "Warning"
    NOTE = "Note"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem or remark about a plan."""

    severity: Severity
    code: str
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.severity.value} {self.code} {self.location}: {self.message}"


Check = Callable[[Plan, Policy], Iterable[Finding]]
CHECKS: dict[str, Check] = {}


def check(code: str) -> Callable[[Check], Check]:
    """Register a check under a short code shown with each of its findings."""

    def register(function: Check) -> Check:
        if code in CHECKS:
            raise ValueError(f"check {code} is registered twice")
        CHECKS[code] = function
        return function

    return register


def run_checks(plan: Plan, policy: Policy) -> tuple[Finding, ...]:
    """Run every registered check, errors first, then warnings, then notes, each in plan order.

    A check that cannot run because the plan breaks a rule it relies on reports that as an error
    finding of its own instead of stopping the others.
    """
    findings: list[Finding] = []
    for code, function in CHECKS.items():
        try:
            findings.extend(function(plan, policy))
        except BcfInputError as exc:
            findings.append(Finding(Severity.ERROR, code, exc.location, str(exc).split(": ", 1)[-1]))
    return by_severity(findings)


def by_severity(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Errors first, then warnings, then notes, each kept in the order found."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))


def tally(findings: Iterable[Finding]) -> str:
    """How many findings of each severity, as a person reads it: "0 errors, 1 warning, 2 notes"."""
    found = list(findings)
    words = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
    parts = []
    for severity, word in words.items():
        count = sum(1 for f in found if f.severity is severity)
        parts.append(f"{count} {word}" if count == 1 else f"{count} {word}s")
    return ", ".join(parts)


# The scheme fields the checks name, and the key each workbook layout gives that column.
SCHEME_FIELD_KEYS = {
    "Scheme ID": "scheme_id",
    "Scheme Name": "name",
    "Description": "description",
    "Scheme Type": "scheme_type",
    "Sub Type": "sub_type",
    "Provider": "provider",
    "Source of Funding": "source",
    "Pool": "pool",
    "NHS share": "nhs_share",
    "Theme": "theme",
}


def errors(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is Severity.ERROR)


def _error(code: str, where: Location, message: str) -> Finding:
    return Finding(Severity.ERROR, code, where, message)


def _warning(code: str, where: Location, message: str) -> Finding:
    return Finding(Severity.WARNING, code, where, message)


@check("BCF01")
def unique_scheme_ids(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Scheme IDs are unique."""
    seen: set[str] = set()
    for scheme in plan.schemes:
        if scheme.scheme_id in seen:
            yield _error(
                "BCF01",
                Location(SCHEMES, field="Scheme ID", item=scheme.scheme_id),
                f"scheme ID must be unique (got {scheme.scheme_id!r} again)",
            )
        seen.add(scheme.scheme_id)


@check("BCF02")
def known_references(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Every scheme names a known funding source and pool; sources and pools name known partners."""
    partners = {p.partner_id for p in plan.partners}
    for source in plan.sources:
        if source.contributor not in partners:
            yield _error(
                "BCF02",
                Location(FUNDING, field="Contributor", item=source.source_id),
                f"contributor must be one of the partners (got {source.contributor!r})",
            )
    for pool in plan.pools:
        if pool.host not in partners:
            yield _error(
                "BCF02",
                Location(POOLS, field="Host", item=pool.pool_id),
                f"host must be one of the partners (got {pool.host!r})",
            )
    sources = {s.source_id for s in plan.sources}
    pools = {p.pool_id for p in plan.pools}
    for scheme in plan.schemes:
        if scheme.source not in sources:
            yield _error(
                "BCF02",
                Location(SCHEMES, field="Source of Funding", item=scheme.scheme_id),
                f"source of funding must be one of {', '.join(sorted(sources))} (got {scheme.source!r})",
            )
        if (scheme.pool or pools) and scheme.pool not in pools:
            yield _error(
                "BCF02",
                Location(SCHEMES, field="Pool", item=scheme.scheme_id),
                f"pool must be one of {', '.join(sorted(pools))} (got {scheme.pool!r})",
            )


@check("BCF03")
def vocabularies(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Scheme type, sub-type and provider come from the national lists."""
    providers = policy.vocabularies.get("provider", ())
    for scheme in plan.schemes:
        where = Location(SCHEMES, item=scheme.scheme_id)
        subs = policy.scheme_types.get(scheme.scheme_type)
        if subs is None:
            yield _error(
                "BCF03",
                Location(SCHEMES, field="Scheme Type", item=scheme.scheme_id),
                f"scheme type must come from the national list (got {scheme.scheme_type!r})",
            )
        elif subs and scheme.sub_type not in subs:
            yield _error(
                "BCF03",
                Location(SCHEMES, field="Sub Type", item=scheme.scheme_id),
                f"sub type must be one of the sub types of {scheme.scheme_type!r} (got {scheme.sub_type!r})",
            )
        if providers and scheme.provider not in providers:
            yield _error(
                "BCF03",
                Location(where.sheet, field="Provider", item=scheme.scheme_id),
                f"provider must come from the national list (got {scheme.provider!r})",
            )


@check("BCF04")
def amounts_in_bounds(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Every income and planned amount is in pounds and pence, within the template's numeric bounds."""
    bound = policy.bound("planning")
    rule = f"must be between {format_pounds(bound.low)} and {format_pounds(bound.high)}"
    for source in plan.sources:
        for year, amount in zip(plan.years, source.amounts, strict=True):
            where = Location(FUNDING, field=f"Income {year}", item=source.source_id)
            yield from _amount_findings(where, amount, bound.contains(amount), rule)
    for scheme in plan.schemes:
        for year, amount in zip(plan.years, scheme.amounts, strict=True):
            where = Location(SCHEMES, field=f"Expenditure {year}", item=scheme.scheme_id)
            yield from _amount_findings(where, amount, bound.contains(amount), rule)


def _amount_findings(where: Location, amount: Decimal, in_bounds: bool, rule: str) -> Iterator[Finding]:
    if not in_bounds:
        yield _error("BCF04", where, f"{rule} (got {amount})")
    if not is_pence(amount):
        yield _error("BCF04", where, f"must be in pounds and pence (got {amount})")


@check("BCF05")
def capital_kept_apart(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """DFG is capital: it funds DFG-related schemes only, never revenue spending."""
    capital = {s.source_id for s in plan.sources if s.kind.is_capital}
    for scheme in plan.schemes:
        if scheme.source in capital and scheme.scheme_type != "DFG Related Schemes":
            yield _error(
                "BCF05",
                Location(SCHEMES, field="Source of Funding", item=scheme.scheme_id),
                f"capital DFG money may fund only DFG Related Schemes (got scheme type {scheme.scheme_type!r})",
            )


@check("BCF06")
def income_matches_expenditure(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Total income equals total planned expenditure in every plan year."""
    for year in plan.years:
        result = balance(plan, year)
        if result.difference != 0:
            yield _error(
                "BCF06",
                Location(FUNDING, field=f"Total {year}"),
                f"income must equal expenditure (income {format_pounds(result.income)}, "
                f"expenditure {format_pounds(result.expenditure)}, "
                f"difference {format_pounds(result.difference)})",
            )


@check("BCF07")
def source_balances(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """No funding source is overcommitted; money left unspent in a source must be explained."""
    for year in plan.years:
        for line in running_balances(plan, year):
            where = Location(FUNDING, field=f"Balance {year}", item=line.source_id)
            if line.balance < 0:
                yield _error(
                    "BCF07",
                    where,
                    f"planned spend exceeds income by {format_pounds(-line.balance)} "
                    f"(income {format_pounds(line.income)}, spend {format_pounds(line.expenditure)})",
                )
            elif line.balance > 0:
                yield _warning(
                    "BCF07",
                    where,
                    f"{format_pounds(line.balance)} of income is not planned to be spent: explain it in the narrative",
                )


@check("BCF08")
def asc_minimum_met(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Planned NHS contribution to adult social care meets the required minimum."""
    for result in asc_minimum(plan, policy):
        where = Location(COVER, field=f"ASC minimum {result.year}")
        if result.under_spend > 0:
            yield _error(
                "BCF08",
                where,
                f"planned ASC spend from the NHS minimum must be at least "
                f"{format_pounds(result.required)} (got {format_pounds(result.planned)}, "
                f"short by {format_pounds(result.under_spend)})",
            )
        if result.override_difference != 0:
            yield _warning(
                "BCF08",
                where,
                f"the agreed minimum {format_pounds(result.required)} differs from "
                f"the calculated {format_pounds(result.calculated)} by "
                f"{format_pounds(result.override_difference)}: keep the agreement on file",
            )


@check("BCF09")
def ooh_minimum_met(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Planned NHS-commissioned out-of-hospital spend meets the minimum NHS England set."""
    for result in ooh_minimum(plan):
        if result.under_spend > 0:
            yield _error(
                "BCF09",
                Location(COVER, field=f"Out-of-hospital minimum {result.year}"),
                f"planned NHS-commissioned out-of-hospital spend must be at least "
                f"{format_pounds(result.required)} (got {format_pounds(result.planned)}, "
                f"short by {format_pounds(result.under_spend)})",
            )


@check("BCF10")
def dfg_passported(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """The DFG is split to districts exactly and passported in full, unless a district agreed otherwise."""
    dfg_sources = [s for s in plan.sources if s.kind is SourceKind.DFG]
    if plan.area.kind is AreaKind.TWO_TIER and dfg_sources and not plan.dfg:
        yield _error("BCF10", Location(DFG), "a two-tier area with DFG income must show how it is passported")
    for index, split in enumerate(passport_plan(plan)):
        income = sum((s.amounts[index] for s in dfg_sources), ZERO)
        if income != split.total_available:
            yield _error(
                "BCF10",
                Location(DFG, field=f"DFG received {split.year}"),
                f"DFG received plus top-ups ({format_pounds(split.total_available)}) must equal the DFG "
                f"income on the Funding sheet ({format_pounds(income)})",
            )
        if plan.area.kind is AreaKind.UNITARY:
            continue
        if split.allocated != split.received:
            yield _error(
                "BCF10",
                Location(DFG, field=f"District allocations {split.year}"),
                f"district allocations must add up to the DFG received {format_pounds(split.received)} "
                f"(got {format_pounds(split.allocated)}, "
                f"difference {format_pounds(split.allocated - split.received)})",
            )
        for district in split.districts:
            if district.retained and not all(ref.strip() for ref in district.agreement_references):
                yield _error(
                    "BCF10",
                    Location(DFG, field=f"Agreement reference {split.year}", item=district.district_id),
                    f"{format_pounds(district.retained)} retained from {district.name} needs the "
                    "district's recorded agreement (got no agreement reference)",
                )
            if district.retained > district.allocation + district.top_up:
                yield _error(
                    "BCF10",
                    Location(DFG, field=f"Retained {split.year}", item=district.district_id),
                    f"retention must not exceed the district's DFG "
                    f"{format_pounds(district.allocation + district.top_up)} "
                    f"(got {format_pounds(district.retained)})",
                )
    known = {d.district_id for d in plan.area.districts}
    for year, dfg in zip(plan.years, plan.dfg, strict=False):
        for retention in dfg.retentions:
            if retention.district_id not in known:
                yield _error(
                    "BCF10",
                    Location(DFG, field=f"Retained {year}", item=retention.district_id),
                    f"retention must name one of the districts (got {retention.district_id!r})",
                )


@check("BCF11")
def budgets_roll_forward(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Where a prior-year budget is shown, prior budget + additional investment = the first year's line."""
    for scheme in plan.schemes:
        if scheme.prior_year_budget is None:
            continue
        expected = roll_forward(scheme.prior_year_budget, scheme.additional_investment or ZERO)
        if expected != scheme.amounts[0]:
            yield _error(
                "BCF11",
                Location(SCHEMES, field=f"Expenditure {plan.years[0]}", item=scheme.scheme_id),
                f"prior-year budget {format_pounds(scheme.prior_year_budget)} plus additional investment "
                f"{format_pounds(scheme.additional_investment or ZERO)} must equal "
                f"{format_pounds(expected)} (got {format_pounds(scheme.amounts[0])})",
            )


@check("BCF12")
def metrics_rateable(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Every metric has a polarity and a target so it can be rated; missing actuals are noted."""
    for metric in plan.metrics:
        where = Location(METRICS, item=metric.metric_id)
        if metric.polarity is Polarity.NONE:
            yield _error(
                "BCF12",
                Location(METRICS, field="Polarity", item=metric.metric_id),
                "a metric without polarity cannot be rated: say whether lower or higher is better",
            )
        if metric.target is None:
            yield _error(
                "BCF12",
                Location(METRICS, field="Target", item=metric.metric_id),
                "a metric needs a target (got a blank)",
            )
        elif assess(metric).rag is Rag.NO_DATA:
            yield Finding(Severity.NOTE, "BCF12", where, f"{metric.name}: no actual yet, so it is not rated")


@check("BCF14")
def uplift_known(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """An uplift rate is known for every plan year, and unchecked rates are flagged."""
    if plan.asc_minimum is None:
        return
    for year in plan.years:
        uplift = policy.uplift(year)
        if not uplift.checked:
            yield Finding(
                Severity.NOTE,
                "BCF14",
                Location(COVER, field=f"Uplift {year}"),
                f"the {year} uplift {uplift.rate} ({uplift.source}) is not confirmed: "
                "check it against the published framework",
            )
