"""The registry of plan checks.

Each check is a pure function of a plan and the national policy that yields :class:`Finding`
records. A finding names what it concerns as data (a :class:`Target`: record kind, ID, field, plan
year), never a sheet; each workbook layout places it on its own cell. Errors must be fixed before
submission; warnings must be explained; notes inform. :func:`run_checks` runs every registered
check and never stops at the first problem.

Rules between records (unique IDs of every kind, one amount per plan year, references between
records) are checks too: a plan built from well-typed records always builds, and one reading of a
broken workbook reports every problem.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import TypeVar

from bcf_xl.dfg import passport_plan
from bcf_xl.errors import BcfInputError, one_line
from bcf_xl.findings import Finding, Severity, Target, by_severity, errors, tally
from bcf_xl.metrics import Rag, assess
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import AreaKind, FundingSource, Metric, Plan, Polarity, Pool, Scheme, SourceKind
from bcf_xl.money import ZERO, format_pounds, is_pence
from bcf_xl.policy import Policy
from bcf_xl.pooling import SourceBalance, balance, running_balances
from bcf_xl.uplift import roll_forward

__all__ = ["CHECKS", "Finding", "Severity", "Target", "by_severity", "errors", "run_checks", "shape_findings", "tally"]

Check = Callable[[Plan, Policy], Iterable[Finding]]
CHECKS: dict[str, Check] = {}


# What a check's finding concerns when the check cannot run at all (its rule's inputs are broken).
CONCERNS: dict[str, Target] = {}


THE_PLAN = Target("plan")


def check(code: str, concerns: Target = THE_PLAN) -> Callable[[Check], Check]:
    """Register a check under a short code shown with each of its findings.

    ``concerns`` is what the check's finding is about when the plan breaks a rule the check relies
    on (an allocation that cannot be split, a year with no uplift), so even that finding has a place.
    """

    def register(function: Check) -> Check:
        if code in CHECKS:
            raise ValueError(f"check {code} is registered twice")
        CHECKS[code] = function
        CONCERNS[code] = concerns
        return function

    return register


def run_checks(plan: Plan, policy: Policy) -> tuple[Finding, ...]:
    """Run every registered check, errors first, then warnings, then notes, each in plan order.

    A plan whose per-year amounts do not match its plan years (:func:`shape_findings`) cannot be
    totalled: only those findings and the other rules between records are reported. A check that
    cannot run because the plan breaks a rule it relies on reports that as an error finding of its
    own instead of stopping the others.
    """
    shape = shape_findings(plan)
    if shape:
        return by_severity([*shape, *unique_ids(plan, policy)])
    findings: list[Finding] = []
    for code, function in CHECKS.items():
        try:
            findings.extend(function(plan, policy))
        except BcfInputError as exc:
            year = exc.location.item if exc.location.item in plan.years else None
            target = dataclasses.replace(CONCERNS[code], year=year)
            findings.append(Finding(Severity.ERROR, code, target, str(exc).split(": ", 1)[-1]))
    return by_severity(findings)


T = TypeVar("T")


def _nth(records: Sequence[T], index: int, ident: Callable[[T], str]) -> int:
    """The occurrence of the record at ``index`` among records of the same ID (0 the first), so a finding about a
    repeated ID is placed on the row that holds that one. Worked out only for a finding: nearly every record has none.
    """
    key = ident(records[index])
    return sum(1 for record in records[:index] if ident(record) == key)


def _scheme_id(scheme: Scheme) -> str:
    return scheme.scheme_id


def _source_id(source: FundingSource) -> str:
    return source.source_id


def _pool_id(pool: Pool) -> str:
    return pool.pool_id


def _metric_id(metric: Metric) -> str:
    return metric.metric_id


def _balance_id(line: SourceBalance) -> str:
    return line.source_id


def _error(code: str, target: Target, message: str) -> Finding:
    return Finding(Severity.ERROR, code, target, message)


def _warning(code: str, target: Target, message: str) -> Finding:
    return Finding(Severity.WARNING, code, target, message)


SHAPE = "BCF00"


def shape_findings(plan: Plan) -> tuple[Finding, ...]:
    """Every per-year series holds one value per plan year (code BCF00)."""
    n = len(plan.years)
    found: list[Finding] = []

    def need(values: tuple[object, ...], target: Callable[[], Target], *, optional: bool = False) -> None:
        if (values or not optional) and len(values) != n:  # the target named only for a finding
            found.append(
                _error(SHAPE, target(), f"needs one value per plan year ({n}) (got {len(values)})"),
            )

    sources, schemes = plan.sources, plan.schemes
    for index, source in enumerate(sources):
        if len(source.amounts) != n:
            need(
                source.amounts,
                partial(Target, "source", source.source_id, "amounts", occurrence=_nth(sources, index, _source_id)),
            )
    for index, scheme in enumerate(schemes):
        if len(scheme.amounts) != n or (scheme.outturn and len(scheme.outturn) != n):
            nth = _nth(schemes, index, _scheme_id)
            need(scheme.amounts, partial(Target, "scheme", scheme.scheme_id, "amounts", occurrence=nth))
            need(scheme.outturn, partial(Target, "scheme", scheme.scheme_id, "outturn", occurrence=nth), optional=True)
    for district in plan.area.districts:
        need(district.dfg_allocation, partial(Target, "district", district.district_id, "dfg_allocation"))
    need(plan.dfg, partial(Target, "dfg", field="years"), optional=True)
    need(plan.ooh_minimum, partial(Target, "ooh_minimum", field="required"), optional=True)
    if plan.asc_minimum is not None:
        need(plan.asc_minimum.agreed, partial(Target, "asc_minimum", field="agreed"), optional=True)
    return tuple(found)


def _duplicates(record: str, field: str, ids: Iterable[str], what: str, code: str) -> Iterator[Finding]:
    seen: Counter[str] = Counter()
    for ident in ids:
        if seen[ident]:
            yield _error(
                code,
                Target(record, ident, field, occurrence=seen[ident]),
                f"{what} must be unique (got {ident!r} again)",
            )
        seen[ident] += 1


@check("BCF01")
def unique_scheme_ids(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Scheme IDs are unique."""
    yield from _duplicates("scheme", "scheme_id", (s.scheme_id for s in plan.schemes), "scheme ID", "BCF01")


@check("BCF15")
def unique_ids(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Partner, source, pool, district and metric IDs are each unique."""
    yield from _duplicates("partner", "partner_id", (p.partner_id for p in plan.partners), "partner ID", "BCF15")
    yield from _duplicates("source", "source_id", (s.source_id for s in plan.sources), "source ID", "BCF15")
    yield from _duplicates("pool", "pool_id", (p.pool_id for p in plan.pools), "pool ID", "BCF15")
    yield from _duplicates(
        "district", "district_id", (d.district_id for d in plan.area.districts), "district ID", "BCF15"
    )
    yield from _duplicates("metric", "metric_id", (m.metric_id for m in plan.metrics), "metric ID", "BCF15")


@check("BCF02")
def known_references(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Every scheme names a known funding source and pool; sources and pools name known partners."""
    partners = {p.partner_id for p in plan.partners}
    for index, source in enumerate(plan.sources):
        if source.contributor not in partners:
            yield _error(
                "BCF02",
                Target("source", source.source_id, "contributor", occurrence=_nth(plan.sources, index, _source_id)),
                f"contributor must be one of the partners (got {source.contributor!r})",
            )
    for index, pool in enumerate(plan.pools):
        if pool.host not in partners:
            yield _error(
                "BCF02",
                Target("pool", pool.pool_id, "host", occurrence=_nth(plan.pools, index, _pool_id)),
                f"host must be one of the partners (got {pool.host!r})",
            )
    sources = {s.source_id for s in plan.sources}
    pools = {p.pool_id for p in plan.pools}
    for index, scheme in enumerate(plan.schemes):
        if scheme.source not in sources:
            yield _error(
                "BCF02",
                Target("scheme", scheme.scheme_id, "source", occurrence=_nth(plan.schemes, index, _scheme_id)),
                f"source of funding must be one of {one_line(', '.join(sorted(sources)))} (got {scheme.source!r})",
            )
        if (scheme.pool or pools) and scheme.pool not in pools:
            yield _error(
                "BCF02",
                Target("scheme", scheme.scheme_id, "pool", occurrence=_nth(plan.schemes, index, _scheme_id)),
                f"pool must be one of {one_line(', '.join(sorted(pools)))} (got {scheme.pool!r})",
            )


@check("BCF03")
def vocabularies(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Scheme type, sub-type and provider come from the national lists."""
    providers = policy.vocabularies.get("provider", ())
    for index, scheme in enumerate(plan.schemes):
        subs = policy.scheme_types.get(scheme.scheme_type)
        if subs is None:
            yield _error(
                "BCF03",
                Target("scheme", scheme.scheme_id, "scheme_type", occurrence=_nth(plan.schemes, index, _scheme_id)),
                f"scheme type must come from the national list (got {scheme.scheme_type!r})",
            )
        elif subs and scheme.sub_type not in subs:
            yield _error(
                "BCF03",
                Target("scheme", scheme.scheme_id, "sub_type", occurrence=_nth(plan.schemes, index, _scheme_id)),
                f"sub type must be one of the sub types of {scheme.scheme_type!r} (got {scheme.sub_type!r})",
            )
        if providers and scheme.provider not in providers:
            yield _error(
                "BCF03",
                Target("scheme", scheme.scheme_id, "provider", occurrence=_nth(plan.schemes, index, _scheme_id)),
                f"provider must come from the national list (got {scheme.provider!r})",
            )


@check("BCF04")
def amounts_in_bounds(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Every income and planned amount is in pounds and pence, within the template's numeric bounds."""
    bound = policy.bound("planning")
    rule = f"must be between {format_pounds(bound.low)} and {format_pounds(bound.high)}"
    for index, source in enumerate(plan.sources):
        for year, amount in zip(plan.years, source.amounts, strict=True):
            in_bounds, pence = bound.contains(amount), is_pence(amount)
            if not (in_bounds and pence):  # the target named only for a finding
                where = Target(
                    "source", source.source_id, "amounts", year, occurrence=_nth(plan.sources, index, _source_id)
                )
                yield from _amount_findings(where, amount, in_bounds, pence, rule)
    for index, scheme in enumerate(plan.schemes):
        for year, amount in zip(plan.years, scheme.amounts, strict=True):
            in_bounds, pence = bound.contains(amount), is_pence(amount)
            if not (in_bounds and pence):
                where = Target(
                    "scheme", scheme.scheme_id, "amounts", year, occurrence=_nth(plan.schemes, index, _scheme_id)
                )
                yield from _amount_findings(where, amount, in_bounds, pence, rule)


def _amount_findings(where: Target, amount: Decimal, in_bounds: bool, pence: bool, rule: str) -> Iterator[Finding]:
    if not in_bounds:
        yield _error("BCF04", where, f"{rule} (got {amount})")
    if not pence:
        yield _error("BCF04", where, f"must be in pounds and pence (got {amount})")


@check("BCF05")
def capital_kept_apart(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """DFG is capital: it funds DFG-related schemes only, never revenue spending."""
    capital = {s.source_id for s in plan.sources if s.kind.is_capital}
    for index, scheme in enumerate(plan.schemes):
        if scheme.source in capital and scheme.scheme_type != "DFG Related Schemes":
            yield _error(
                "BCF05",
                Target("scheme", scheme.scheme_id, "source", occurrence=_nth(plan.schemes, index, _scheme_id)),
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
                Target("plan", field="balance", year=year),
                f"income must equal expenditure (income {format_pounds(result.income)}, "
                f"expenditure {format_pounds(result.expenditure)}, "
                f"difference {format_pounds(result.difference)})",
            )


@check("BCF07")
def source_balances(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """No funding source is overcommitted; money left unspent in a source must be explained."""
    for year in plan.years:
        lines = running_balances(plan, year)
        for index, line in enumerate(lines):
            if not line.balance:
                continue
            where = Target("source", line.source_id, "balance", year, _nth(lines, index, _balance_id))
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


@check("BCF08", concerns=Target("policy", field="uplift"))
def asc_minimum_met(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Planned NHS contribution to adult social care meets the required minimum."""
    for result in asc_minimum(plan, policy):
        where = Target("asc_minimum", field="required", year=result.year)
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


@check("BCF09", concerns=Target("ooh_minimum", field="required"))
def ooh_minimum_met(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Planned NHS-commissioned out-of-hospital spend meets the minimum NHS England set."""
    for result in ooh_minimum(plan):
        if result.under_spend > 0:
            yield _error(
                "BCF09",
                Target("ooh_minimum", field="required", year=result.year),
                f"planned NHS-commissioned out-of-hospital spend must be at least "
                f"{format_pounds(result.required)} (got {format_pounds(result.planned)}, "
                f"short by {format_pounds(result.under_spend)})",
            )


@check("BCF10", concerns=Target("dfg", field="allocations"))
def dfg_passported(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """The DFG is split to districts exactly and passported in full, unless a district agreed otherwise."""
    dfg_sources = [s for s in plan.sources if s.kind is SourceKind.DFG]
    if plan.area.kind is AreaKind.TWO_TIER and dfg_sources and not plan.dfg:
        yield _error(
            "BCF10", Target("dfg", field="received"), "a two-tier area with DFG income must show how it is passported"
        )
    for index, split in enumerate(passport_plan(plan)):
        income = sum((s.amounts[index] for s in dfg_sources), ZERO)
        if income != split.total_available:
            yield _error(
                "BCF10",
                Target("dfg", field="received", year=split.year),
                f"DFG received plus top-ups ({format_pounds(split.total_available)}) must equal the DFG "
                f"income on the Funding sheet ({format_pounds(income)})",
            )
        if plan.area.kind is AreaKind.UNITARY:
            continue
        if split.allocated != split.received:
            yield _error(
                "BCF10",
                Target("dfg", field="allocations", year=split.year),
                f"district allocations must add up to the DFG received {format_pounds(split.received)} "
                f"(got {format_pounds(split.allocated)}, "
                f"difference {format_pounds(split.allocated - split.received)})",
            )
        for district in split.districts:
            if district.retained and not all(ref.strip() for ref in district.agreement_references):
                yield _error(
                    "BCF10",
                    Target("district", district.district_id, "agreement_reference", split.year),
                    f"{format_pounds(district.retained)} retained from {district.name} needs the "
                    "district's recorded agreement (got no agreement reference)",
                )
            if district.retained > district.allocation + district.top_up:
                yield _error(
                    "BCF10",
                    Target("district", district.district_id, "retained", split.year),
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
                    Target("district", retention.district_id, "retained", year),
                    f"retention must name one of the districts (got {retention.district_id!r})",
                )


@check("BCF11")
def budgets_roll_forward(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Where a prior-year budget is shown, prior budget + additional investment = the first year's line."""
    for index, scheme in enumerate(plan.schemes):
        if scheme.prior_year_budget is None:
            continue
        expected = roll_forward(scheme.prior_year_budget, scheme.additional_investment or ZERO)
        if expected != scheme.amounts[0]:
            yield _error(
                "BCF11",
                Target(
                    "scheme",
                    scheme.scheme_id,
                    "amounts",
                    plan.years[0],
                    occurrence=_nth(plan.schemes, index, _scheme_id),
                ),
                f"prior-year budget {format_pounds(scheme.prior_year_budget)} plus additional investment "
                f"{format_pounds(scheme.additional_investment or ZERO)} must equal "
                f"{format_pounds(expected)} (got {format_pounds(scheme.amounts[0])})",
            )


@check("BCF12")
def metrics_rateable(plan: Plan, policy: Policy) -> Iterator[Finding]:
    """Every metric has a polarity and a target so it can be rated; missing actuals are noted."""
    for index, metric in enumerate(plan.metrics):
        if metric.polarity is Polarity.NONE:
            yield _error(
                "BCF12",
                Target("metric", metric.metric_id, "polarity", occurrence=_nth(plan.metrics, index, _metric_id)),
                "a metric without polarity cannot be rated: say whether lower or higher is better",
            )
        if metric.target is None:
            yield _error(
                "BCF12",
                Target("metric", metric.metric_id, "target", occurrence=_nth(plan.metrics, index, _metric_id)),
                "a metric needs a target (got a blank)",
            )
        elif assess(metric).rag is Rag.NO_DATA:
            where = Target("metric", metric.metric_id, "actual", occurrence=_nth(plan.metrics, index, _metric_id))
            yield Finding(Severity.NOTE, "BCF12", where, f"{metric.name}: no actual yet, so it is not rated")


@check("BCF14", concerns=Target("policy", field="uplift"))
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
                Target("policy", field="uplift", year=year),
                f"the {year} uplift {uplift.rate} ({uplift.source}) is not confirmed: "
                "check it against the published framework",
            )
