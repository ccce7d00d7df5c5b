"""Checks on the actuals reported against a plan (docs/domain.md section 7): each returns findings.

A finding names what it concerns as data, a :class:`~bcf_xl.findings.Target` whose record is one of
the kinds below and whose field is the record's own (a quarter of a per-quarter field is
``<field>_q<n>``, see :func:`quarter_field`); each return's layout places it on its cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Protocol

from bcf_xl.findings import Finding, Severity, Target, by_severity
from bcf_xl.metrics import Progress
from bcf_xl.money import total
from bcf_xl.monitoring import NOTHING_YET, QUARTERS, Actuals, Answer, Quarterly, check_period, quarter_name

SCHEME_SPEND = "scheme_spend"
INCOME_RECEIVED = "income_received"
METRIC_REPORT = "metric_report"
CONDITION_STATUS = "condition_status"


class _Scheme(Protocol):
    @property
    def scheme_id(self) -> str: ...
    @property
    def amounts(self) -> tuple[Decimal, ...]: ...


class _Source(Protocol):
    @property
    def source_id(self) -> str: ...


class _Metric(Protocol):
    @property
    def metric_id(self) -> str: ...


class _Condition(Protocol):
    @property
    def code(self) -> str: ...


class Reference(Protocol):
    """What the checks need of the plan the actuals report on: a :class:`~bcf_xl.model.Plan`, or the plan's
    columns a return holds (:class:`bcf_xl.returns.reader.ReturnedPlan`)."""

    @property
    def years(self) -> tuple[str, ...]: ...
    @property
    def schemes(self) -> Sequence[_Scheme]: ...
    @property
    def sources(self) -> Sequence[_Source]: ...
    @property
    def metrics(self) -> Sequence[_Metric]: ...
    @property
    def conditions(self) -> Sequence[_Condition]: ...
    def year_index(self, year: str) -> int: ...


def quarter_field(name: str, quarter: int) -> str:
    """The field a finding about one quarter of a per-quarter field names: ``spend_q2``."""
    return f"{name}_q{quarter}"


def check_actuals(plan: Reference, actuals: Actuals, year: str, quarter: int) -> tuple[Finding, ...]:
    """Every problem of the actuals for a return of ``quarter`` of ``year``: errors, then warnings, then notes.

    The codes:

    - MON01 (error): a scheme, source, metric or condition the plan does not have.
    - MON02 (error): a year that is not one of the plan's.
    - MON03 (error): the same scheme, source, metric or condition reported twice for a year (and quarter).
    - MON04 (error): negative spend or income.
    - MON05 (error): a figure for a quarter after the reporting quarter.
    - MON06: a condition answered No for the reporting quarter: an error without its explanation, a
      warning with it.
    - MON07 (error): a condition of the plan not answered for the reporting quarter.
    - MON08 (warning): a metric of the plan with no figure for the reporting quarter.
    - MON09 (warning): a scheme with no spend reported for a quarter up to the reporting quarter.
    - MON10 (warning): a typed profile that does not add up to the plan's annual amount.

    Raises:
        BcfInputError: ``year`` is not one of the plan's years or ``quarter`` is not 1 to 4.
    """
    check_period(year, quarter)
    index = plan.year_index(year)
    findings = [
        *_references(plan, actuals),
        *_repeats(actuals),
        *_negatives(actuals),
        *_after(actuals, year, quarter),
        *_conditions(plan, actuals, year, quarter),
        *_metrics_without_data(plan, actuals, year, quarter),
        *_spend_not_reported(plan, actuals, year, quarter),
        *_profiles(plan, actuals, index, year),
    ]
    return by_severity(findings)


def _error(code: str, target: Target, message: str) -> Finding:
    return Finding(Severity.ERROR, code, target, message)


def _references(plan: Reference, actuals: Actuals) -> Iterator[Finding]:
    known: list[tuple[str, str, Iterable[tuple[str, str]], set[str]]] = [
        (SCHEME_SPEND, "scheme_id", ((r.scheme_id, r.year) for r in actuals.schemes), _ids(plan.schemes, "scheme_id")),
        (
            INCOME_RECEIVED,
            "source_id",
            ((r.source_id, r.year) for r in actuals.income),
            _ids(plan.sources, "source_id"),
        ),
        (METRIC_REPORT, "metric_id", ((r.metric_id, r.year) for r in actuals.metrics), _ids(plan.metrics, "metric_id")),
        (CONDITION_STATUS, "code", ((r.code, r.year) for r in actuals.conditions), _ids(plan.conditions, "code")),
    ]
    words = {SCHEME_SPEND: "scheme", INCOME_RECEIVED: "funding source", METRIC_REPORT: "metric"}
    for record, field, pairs, ids in known:
        for ident, year in pairs:
            if ident not in ids and (record != CONDITION_STATUS or plan.conditions):
                what = words.get(record, "national condition")
                yield _error("MON01", Target(record, ident, field, year), f"the plan has no {what} {ident!r}")
            if year not in plan.years:
                yield _error(
                    "MON02",
                    Target(record, ident, "year", year),
                    f"must be one of the plan's years, {', '.join(plan.years)} (got {year!r})",
                )


def _ids(records: Iterable[object], name: str) -> set[str]:
    return {getattr(record, name) for record in records}


def _repeats(actuals: Actuals) -> Iterator[Finding]:
    groups: list[tuple[str, str, Sequence[tuple[str, str, int | None]]]] = [
        (SCHEME_SPEND, "scheme_id", [(r.scheme_id, r.year, None) for r in actuals.schemes]),
        (INCOME_RECEIVED, "source_id", [(r.source_id, r.year, None) for r in actuals.income]),
        (METRIC_REPORT, "metric_id", [(r.metric_id, r.year, r.quarter) for r in actuals.metrics]),
        (CONDITION_STATUS, "code", [(r.code, r.year, r.quarter) for r in actuals.conditions]),
    ]
    for record, field, keys in groups:
        seen: Counter[tuple[str, str, int | None]] = Counter()
        for key in keys:
            ident, year, number = key
            if seen[key]:
                when = f"{year} {quarter_name(number)}" if number else year
                yield _error(
                    "MON03",
                    Target(record, ident, field, year, occurrence=seen[key]),
                    f"{ident!r} is reported for {when} already: report it once",
                )
            seen[key] += 1


def _figures(actuals: Actuals) -> Iterator[tuple[Target, str, int, Decimal]]:
    """Every figure of the per-quarter fields: where it is (its target), what it is, its quarter and value."""
    rows: list[tuple[str, str, str, str, str, Quarterly]] = [
        *((SCHEME_SPEND, r.scheme_id, r.year, "spend", "spend", r.spend) for r in actuals.schemes),
        *((INCOME_RECEIVED, r.source_id, r.year, "received", "income received", r.received) for r in actuals.income),
    ]
    for record, ident, year, name, what, values in rows:
        for number, value in zip(QUARTERS, values, strict=True):
            if value is not None:
                yield Target(record, ident, quarter_field(name, number), year), what, number, value


def _negatives(actuals: Actuals) -> Iterator[Finding]:
    for target, what, number, value in _figures(actuals):
        if value < 0:
            yield _error(
                "MON04",
                target,
                f"{what} in {quarter_name(number)} must not be negative (got {value}); "
                "enter a refund against the quarter it reduces",
            )


def _after(actuals: Actuals, year: str, quarter: int) -> Iterator[Finding]:
    def late(what: str, number: int) -> str:
        return f"{what} is for {quarter_name(number)}, after the reporting quarter {quarter_name(quarter)} of {year}"

    for target, what, number, _ in _figures(actuals):
        if target.year == year and number > quarter:
            yield _error("MON05", target, late(what, number))
    for report in (m for m in actuals.metrics if m.year == year and m.quarter > quarter):
        yield _error(
            "MON05", Target(METRIC_REPORT, report.metric_id, "quarter", year), late("the report", report.quarter)
        )
    for status in (c for c in actuals.conditions if c.year == year and c.quarter > quarter):
        yield _error(
            "MON05", Target(CONDITION_STATUS, status.code, "quarter", year), late("the answer", status.quarter)
        )


def _conditions(plan: Reference, actuals: Actuals, year: str, quarter: int) -> Iterator[Finding]:
    for status in actuals.conditions:
        if status.met is not Answer.NO or (status.year, status.quarter) != (year, quarter):
            continue
        target = Target(CONDITION_STATUS, status.code, "explanation", status.year)
        if status.explanation.strip():
            yield Finding(
                Severity.WARNING,
                "MON06",
                target,
                f"{status.code} is not met at {quarter_name(status.quarter)}: "
                "NHS England will follow up the explanation given",
            )
        else:
            yield _error(
                "MON06",
                target,
                f"{status.code} is answered No at {quarter_name(status.quarter)}: explain why and what is being done",
            )
    for answer in plan.conditions:
        given = actuals.condition(answer.code, year, quarter)
        if given is None or given.met is None:
            yield _error(
                "MON07",
                Target(CONDITION_STATUS, answer.code, "met", year),
                f"is {answer.code} still met at {quarter_name(quarter)}? Answer Yes or No",
            )


def _metrics_without_data(plan: Reference, actuals: Actuals, year: str, quarter: int) -> Iterator[Finding]:
    for metric in plan.metrics:
        report = actuals.metric(metric.metric_id, year, quarter)
        if report is None or report.actual is None:
            yield Finding(
                Severity.WARNING,
                "MON08",
                Target(METRIC_REPORT, metric.metric_id, "actual", year),
                f"no figure for {quarter_name(quarter)}: the return will say {Progress.NO_DATA.value!r}; "
                "say why in the challenges",
            )


def _spend_not_reported(plan: Reference, actuals: Actuals, year: str, quarter: int) -> Iterator[Finding]:
    for scheme in plan.schemes:
        record = actuals.spend(scheme.scheme_id, year)
        spend = record.spend if record else NOTHING_YET
        missing = [n for n, value in zip(QUARTERS, spend, strict=True) if n <= quarter and value is None]
        if missing:
            words = ", ".join(quarter_name(n) for n in missing)
            yield Finding(
                Severity.WARNING,
                "MON09",
                Target(SCHEME_SPEND, scheme.scheme_id, quarter_field("spend", missing[0]), year),
                f"no spend reported for {words}: counted as £0 spent; enter 0 if nothing was spent",
            )


def _profiles(plan: Reference, actuals: Actuals, index: int, year: str) -> Iterator[Finding]:
    schemes = {s.scheme_id: s for s in plan.schemes}
    for record in actuals.schemes:
        scheme = schemes.get(record.scheme_id)
        if record.year != year or record.profile is None or scheme is None:
            continue
        profiled, planned = total(record.profile), scheme.amounts[index]
        if profiled != planned:
            yield Finding(
                Severity.WARNING,
                "MON10",
                Target(SCHEME_SPEND, record.scheme_id, "profile", year),
                f"the profile adds up to {profiled}, not the plan's {planned}: variances are against the profile",
            )
