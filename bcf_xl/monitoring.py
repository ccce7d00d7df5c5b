"""Monitoring a plan through its year: quarterly actuals, spend against profile, progress, the year-end outturn.

After the plan come three quarterly returns and an end-of-year return (docs/domain.md section 7).
The actuals are records of their own, kept apart from the :class:`~bcf_xl.model.Plan` they report on:

- :class:`SchemeSpend`: a scheme's spend in each quarter of a plan year (blank: not yet reported),
  with an optional typed profile (the quarters the plan expects) and a typed forecast outturn;
- :class:`IncomeReceived`: the income a funding source paid in each quarter;
- :class:`MetricReport`: a metric's latest figure as reported for a quarter, with the date of its
  data and the return's free text "Challenges and any Support Needs" and "Achievements";
- :class:`ConditionStatus`: whether a national condition is still met, with its explanation.

Records check their own fields on construction (an enum field takes a member or its exact text);
rules between the actuals and the plan (unknown IDs, figures after the reporting quarter, a
condition no longer met) are findings of :func:`bcf_xl.monitoring_checks.check_actuals`, so actuals
of well-typed records always build and every problem is reported. A return's figures and findings
together are :func:`bcf_xl.monitoring_report.monitoring_report`.

What is worked out, all in exact Decimal pounds:

- a scheme's profile: the quarters typed, else the plan's annual amount split by
  :func:`bcf_xl.money.quarters` (quarters 1 to 3 equal, the fourth taking the pennies left), so
  the profile always adds up exactly to the plan;
- spend to date against the profile to date, the variance in pounds (positive: spent more than
  profiled) and as a fraction of the profile rounded half-up to :data:`VARIANCE_PLACES`;
- the forecast outturn: the typed forecast, else the actual to date plus the profile still to come;
- the same figures totalled by funding source, scheme type, area of spend and commissioner (a joint
  scheme split by its NHS share as the plan's totals are);
- each metric's progress words for the quarter and, at year end, its achievement words;
- at year end (quarter 4): actual income and expenditure, the ASC and out-of-hospital minimums as
  actually spent, and the Section 75 year-end statement per pool from the actual spend.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, cast

from bcf_xl.errors import BcfInputError, Location, PlanError
from bcf_xl.mapping import record_from_mapping, record_to_mapping
from bcf_xl.metrics import Achievement, Progress, achievement, measure, progress
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import Metric, Plan, Scheme, _member, _text, check_year
from bcf_xl.money import ZERO, quarters, total
from bcf_xl.policy import Policy
from bcf_xl.pooling import commissioner_parts
from bcf_xl.uplift import MinimumSpend

QUARTERS = (1, 2, 3, 4)
#: A figure for each quarter of a plan year, Q1 to Q4; None where nothing is reported yet.
Quarterly = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]
NOTHING_YET: Quarterly = (None, None, None, None)
#: Variances as a fraction of the profile are rounded half-up to four places: 12.34% is 0.1234.
VARIANCE_PLACES = Decimal("0.0001")


class Answer(StrEnum):
    """The answer to "still met?" for a national condition, as the returns' dropdown gives it."""

    YES = "Yes"
    NO = "No"


# --- the records ----------------------------------------------------------------------------------------


def _quarter(value: int, where: Location) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value not in QUARTERS:
        raise BcfInputError(where, "must be a quarter, 1 to 4", value)


def _quarterly(record: object, name: str, where: Location, *, blanks: bool = True) -> None:
    """A per-quarter field becomes a tuple of four Decimals (None allowed where ``blanks``)."""
    value = getattr(record, name)
    if isinstance(value, list):
        value = tuple(value)
        object.__setattr__(record, name, value)
    if not isinstance(value, tuple) or len(value) != 4:
        raise BcfInputError(where, "must hold one figure per quarter, 4 in all", value)
    for number, figure in zip(QUARTERS, value, strict=True):
        if figure is None and blanks:
            continue
        if not isinstance(figure, Decimal) or not figure.is_finite():
            raise BcfInputError(
                Location(field=f"{where.field} {quarter_name(number)}", item=where.item), "must be a Decimal", figure
            )


def _optional_amount(value: object, where: Location) -> None:
    if value is not None and (not isinstance(value, Decimal) or not value.is_finite()):
        raise BcfInputError(where, "must be a Decimal or None", value)


@dataclass(frozen=True, slots=True)
class SchemeSpend:
    """A scheme's actual spend in each quarter of a plan year.

    ``profile`` is the spend the plan expects in each quarter when it is not straight-line (it
    should add up to the plan's annual amount); ``forecast`` the outturn the officer expects for the
    year, when typed. Without them the profile is the plan's amount in four quarters and the
    forecast the actual to date plus the profile still to come.
    """

    scheme_id: str
    year: str
    spend: Quarterly = NOTHING_YET
    profile: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    forecast: Decimal | None = None

    def __post_init__(self) -> None:
        _text(self.scheme_id, Location(field="Scheme ID"))
        check_year(self.year, Location(field="Year", item=self.scheme_id))
        _quarterly(self, "spend", Location(field="Spend", item=self.scheme_id))
        if self.profile is not None:
            _quarterly(self, "profile", Location(field="Profile", item=self.scheme_id), blanks=False)
        _optional_amount(self.forecast, Location(field="Forecast outturn", item=self.scheme_id))


@dataclass(frozen=True, slots=True)
class IncomeReceived:
    """The income a funding source paid into the BCF in each quarter of a plan year."""

    source_id: str
    year: str
    received: Quarterly = NOTHING_YET

    def __post_init__(self) -> None:
        _text(self.source_id, Location(field="Source ID"))
        check_year(self.year, Location(field="Year", item=self.source_id))
        _quarterly(self, "received", Location(field="Income received", item=self.source_id))


@dataclass(frozen=True, slots=True)
class MetricReport:
    """A metric as reported for one quarter: its latest figure, the date of that data, and the commentary.

    ``actual`` is the latest figure available when the quarter is reported, in the same terms as
    the plan's target (a count over a year for a rate per population, such as the twelve months to
    ``data_date``; a fraction for a percentage). Blank when there is no data.
    """

    metric_id: str
    year: str
    quarter: int
    actual: Decimal | None = None
    data_date: str = ""
    challenges: str = ""
    achievements: str = ""

    def __post_init__(self) -> None:
        item = self.metric_id
        _text(self.metric_id, Location(field="Metric ID"))
        check_year(self.year, Location(field="Year", item=item))
        _quarter(self.quarter, Location(field="Quarter", item=item))
        _optional_amount(self.actual, Location(field="Actual", item=item))
        _text(self.data_date, Location(field="Date of data", item=item), required=False)
        _text(self.challenges, Location(field="Challenges and any Support Needs", item=item), required=False)
        _text(self.achievements, Location(field="Achievements", item=item), required=False)


@dataclass(frozen=True, slots=True)
class ConditionStatus:
    """Whether a national condition is still met at a quarter (Yes or No, None unanswered), and why."""

    code: str
    year: str
    quarter: int
    met: Answer | None = None
    explanation: str = ""

    def __post_init__(self) -> None:
        _text(self.code, Location(field="Condition"))
        check_year(self.year, Location(field="Year", item=self.code))
        _quarter(self.quarter, Location(field="Quarter", item=self.code))
        if self.met is not None:
            _member(self, "met", Answer, Location(field="Still met?", item=self.code))
        _text(self.explanation, Location(field="Explanation", item=self.code), required=False)


@dataclass(frozen=True, slots=True)
class Actuals:
    """Everything reported against one plan after it was agreed, for any of its plan years."""

    schemes: tuple[SchemeSpend, ...] = ()
    income: tuple[IncomeReceived, ...] = ()
    metrics: tuple[MetricReport, ...] = ()
    conditions: tuple[ConditionStatus, ...] = ()

    def __post_init__(self) -> None:
        for name in ("schemes", "income", "metrics", "conditions"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))

    def spend(self, scheme_id: str, year: str) -> SchemeSpend | None:
        """The first spend record of a scheme for a year (a repeated one is check MON03's)."""
        return next((s for s in self.schemes if s.scheme_id == scheme_id and s.year == year), None)

    def received(self, source_id: str, year: str) -> IncomeReceived | None:
        """The first income record of a funding source for a year."""
        return next((s for s in self.income if s.source_id == source_id and s.year == year), None)

    def metric(self, metric_id: str, year: str, quarter: int) -> MetricReport | None:
        """The first report of a metric for a quarter of a year."""
        return next(
            (m for m in self.metrics if (m.metric_id, m.year, m.quarter) == (metric_id, year, quarter)),
            None,
        )

    def condition(self, code: str, year: str, quarter: int) -> ConditionStatus | None:
        """The first answer for a national condition at a quarter of a year."""
        return next((c for c in self.conditions if (c.code, c.year, c.quarter) == (code, year, quarter)), None)


def latest_quarter(actuals: Actuals, year: str) -> int | None:
    """The latest quarter of a year with any figure or answer reported, or None when there is none."""
    found = [
        number
        for record in actuals.schemes
        if record.year == year
        for number, figure in zip(QUARTERS, record.spend, strict=True)
        if figure is not None
    ]
    found += [
        number
        for record in actuals.income
        if record.year == year
        for number, figure in zip(QUARTERS, record.received, strict=True)
        if figure is not None
    ]
    found += [m.quarter for m in actuals.metrics if m.year == year]
    found += [c.quarter for c in actuals.conditions if c.year == year]
    return max(found, default=None)


def as_at(actuals: Actuals, year: str, quarter: int) -> Actuals:
    """The actuals as they stood when a quarter of a year was reported: every later figure of that year blank.

    Typed profiles and forecasts are kept, as are figures of other years.
    """
    check_period(year, quarter)

    def cut(values: Quarterly) -> Quarterly:
        return cast(Quarterly, tuple(v if n <= quarter else None for n, v in zip(QUARTERS, values, strict=True)))

    return Actuals(
        schemes=tuple(dataclasses.replace(s, spend=cut(s.spend)) if s.year == year else s for s in actuals.schemes),
        income=tuple(dataclasses.replace(i, received=cut(i.received)) if i.year == year else i for i in actuals.income),
        metrics=tuple(m for m in actuals.metrics if m.year != year or m.quarter <= quarter),
        conditions=tuple(c for c in actuals.conditions if c.year != year or c.quarter <= quarter),
    )


def check_period(year: str, quarter: int) -> None:
    """Refuse a reporting period that cannot be: a year not like 2023-24, or a quarter other than 1 to 4.

    Raises:
        BcfInputError: naming ``year`` or ``quarter`` and what arrived.
    """
    check_year(year, Location(field="year"))
    _quarter(quarter, Location(field="quarter"))


def quarter_name(quarter: int) -> str:
    """A quarter as the returns name it: "Q3"."""
    return f"Q{quarter}"


# --- spend against profile -----------------------------------------------------------------------------


def variance_fraction(variance: Decimal, against: Decimal) -> Decimal | None:
    """A variance as a fraction of what it is against, half-up to four places; None against zero.

    >>> variance_fraction(Decimal("12345"), Decimal("100000"))
    Decimal('0.1235')
    """
    if against == 0:
        return None
    return (variance / abs(against)).quantize(VARIANCE_PLACES, rounding=ROUND_HALF_UP)


def profile(planned: Decimal, typed: Sequence[Decimal] | None = None) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The spend expected in each quarter: the typed profile, else the plan's amount straight-line.

    A straight-line profile is :func:`bcf_xl.money.quarters` of the amount (the split the quarterly
    invoices use), so its four quarters add up exactly to the amount rounded to the penny.

    >>> profile(Decimal("1000.03"))
    (Decimal('250.00'), Decimal('250.00'), Decimal('250.00'), Decimal('250.03'))
    """
    if typed is not None:
        first, second, third, fourth = typed
        return first, second, third, fourth
    return quarters(planned)


@dataclass(frozen=True, slots=True)
class SpendFigures:
    """Spend against profile for one line (a scheme, or a total), in pounds.

    ``variance`` is actual less profile to date: positive is spent ahead of profile (an overspend
    so far), negative behind it. ``forecast_variance`` is the forecast outturn less the plan.
    """

    planned: Decimal
    profile_to_date: Decimal
    actual_to_date: Decimal
    forecast: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual_to_date - self.profile_to_date

    @property
    def variance_fraction(self) -> Decimal | None:
        """The variance as a fraction of the profile to date (0.1234 for 12.34%), None when nothing is profiled."""
        return variance_fraction(self.variance, self.profile_to_date)

    @property
    def forecast_variance(self) -> Decimal:
        return self.forecast - self.planned

    def __add__(self, other: SpendFigures) -> SpendFigures:
        return SpendFigures(
            self.planned + other.planned,
            self.profile_to_date + other.profile_to_date,
            self.actual_to_date + other.actual_to_date,
            self.forecast + other.forecast,
        )


NO_SPEND = SpendFigures(ZERO, ZERO, ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class SchemeProgress:
    """One scheme's spend to date against its profile at a reporting quarter."""

    scheme: Scheme
    year: str
    quarter: int
    profile: tuple[Decimal, Decimal, Decimal, Decimal]
    spend: Quarterly
    figures: SpendFigures
    forecast_typed: bool

    @property
    def scheme_id(self) -> str:
        return self.scheme.scheme_id


def scheme_progress(plan: Plan, actuals: Actuals, year: str, quarter: int) -> tuple[SchemeProgress, ...]:
    """Every scheme of the plan at a reporting quarter, in the plan's order.

    Spend after the reporting quarter is left out (check MON05 reports it); a blank quarter counts
    as nothing spent (check MON09). The forecast is the typed one, else the actual to date plus the
    profile of the quarters still to come.
    """
    check_period(year, quarter)
    index = plan.year_index(year)
    lines = []
    for scheme in plan.schemes:
        record = actuals.spend(scheme.scheme_id, year)
        planned = scheme.amounts[index]
        expected = profile(planned, record.profile if record else None)
        spend = record.spend if record else NOTHING_YET
        to_date = total([v for n, v in zip(QUARTERS, spend, strict=True) if v is not None and n <= quarter])
        typed = record.forecast if record else None
        forecast = typed if typed is not None else to_date + total(list(expected[quarter:]))
        figures = SpendFigures(planned, total(list(expected[:quarter])), to_date, forecast)
        lines.append(SchemeProgress(scheme, year, quarter, expected, spend, figures, typed is not None))
    return tuple(lines)


class Grouping(StrEnum):
    """The views a return totals spend by."""

    SOURCE = "funding source"
    SCHEME_TYPE = "scheme type"
    AREA_OF_SPEND = "area of spend"
    COMMISSIONER = "commissioner"


@dataclass(frozen=True, slots=True)
class SpendTotal:
    """Spend against profile summed over the schemes of one group (a funding source, a scheme type...)."""

    grouping: Grouping
    key: str
    figures: SpendFigures


def spend_totals(plan: Plan, lines: Sequence[SchemeProgress]) -> tuple[SpendTotal, ...]:
    """Spend against profile by funding source, scheme type, area of spend and commissioner.

    Sources come in the plan's order (an unknown one after them), commissioners NHS then Local
    Authority, scheme types and areas of spend in order of first appearance. Each figure of a joint
    scheme is split by its NHS share (NHS part half-up to the penny, the rest to the council), so
    every grouping adds up exactly to the schemes' total.
    """
    keys: dict[Grouping, Callable[[Scheme], str]] = {
        Grouping.SOURCE: lambda s: s.source,
        Grouping.SCHEME_TYPE: lambda s: s.scheme_type,
        Grouping.AREA_OF_SPEND: lambda s: s.area_of_spend.value,
    }
    result: list[SpendTotal] = []
    for grouping in Grouping:
        sums: dict[str, SpendFigures] = {}
        if grouping is Grouping.SOURCE:
            sums = {s.source_id: NO_SPEND for s in plan.sources}
        for line in lines:
            for key, part in _parts(grouping, line, keys):
                sums[key] = sums.get(key, NO_SPEND) + part
        result.extend(SpendTotal(grouping, key, figures) for key, figures in sums.items())
    return tuple(result)


def _parts(
    grouping: Grouping, line: SchemeProgress, keys: Mapping[Grouping, Callable[[Scheme], str]]
) -> Iterator[tuple[str, SpendFigures]]:
    if grouping is not Grouping.COMMISSIONER:
        yield keys[grouping](line.scheme), line.figures
        return
    f = line.figures
    columns = [
        commissioner_parts(line.scheme, amount)
        for amount in (f.planned, f.profile_to_date, f.actual_to_date, f.forecast)
    ]
    for (who, planned), (_, profiled), (_, actual), (_, forecast) in zip(*columns, strict=True):
        yield who, SpendFigures(planned, profiled, actual, forecast)


def grand_total(lines: Iterable[SchemeProgress]) -> SpendFigures:
    """Spend against profile over every scheme."""
    result = NO_SPEND
    for line in lines:
        result = result + line.figures
    return result


@dataclass(frozen=True, slots=True)
class IncomeProgress:
    """A funding source's income received to date against what the plan expects by then."""

    source_id: str
    year: str
    quarter: int
    planned: Decimal
    expected_to_date: Decimal
    received_to_date: Decimal

    @property
    def difference(self) -> Decimal:
        """Received less expected: negative is income still to come."""
        return self.received_to_date - self.expected_to_date


def income_progress(plan: Plan, actuals: Actuals, year: str, quarter: int) -> tuple[IncomeProgress, ...]:
    """Every funding source's income to date against its annual amount in four straight-line quarters."""
    check_period(year, quarter)
    index = plan.year_index(year)
    lines = []
    for source in plan.sources:
        record = actuals.received(source.source_id, year)
        received = record.received if record else NOTHING_YET
        to_date = total([v for n, v in zip(QUARTERS, received, strict=True) if v is not None and n <= quarter])
        planned = source.amounts[index]
        expected = total(list(quarters(planned)[:quarter]))
        lines.append(IncomeProgress(source.source_id, year, quarter, planned, expected, to_date))
    return tuple(lines)


# --- metrics -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetricProgress:
    """A metric at a reporting quarter: its figure as rated, the progress words and the commentary.

    ``target`` and ``measured`` are the values as rated (a rate per population worked out from
    counts, as :func:`bcf_xl.metrics.measure` does); ``actual`` the figure as reported.
    ``achievement`` is the end-of-year words, given at quarter 4 only.
    """

    metric: Metric
    year: str
    quarter: int
    actual: Decimal | None
    measured: Decimal | None
    target: Decimal | None
    data_date: str
    progress: Progress
    achievement: Achievement | None
    challenges: str
    achievements: str

    @property
    def metric_id(self) -> str:
        return self.metric.metric_id


def metric_progress(plan: Plan, actuals: Actuals, year: str, quarter: int) -> tuple[MetricProgress, ...]:
    """Every metric of the plan at a reporting quarter, in the plan's order.

    The progress words rate the quarter's latest figure against the plan's target with
    :func:`bcf_xl.metrics.progress` (met or beaten is on track); a metric without a figure has the
    no-data words. At quarter 4 the figure is the year's, and :func:`achievement` gives the
    end-of-year words too.
    """
    check_period(year, quarter)
    plan.year_index(year)
    lines = []
    for metric in plan.metrics:
        report = actuals.metric(metric.metric_id, year, quarter)
        actual = report.actual if report else None
        measured, target = measure(metric, actual), measure(metric, metric.target)
        lines.append(
            MetricProgress(
                metric,
                year,
                quarter,
                actual,
                measured,
                target,
                report.data_date if report else "",
                progress(measured, target, metric.polarity),
                achievement(measured, target, metric.polarity) if quarter == 4 else None,
                report.challenges if report else "",
                report.achievements if report else "",
            )
        )
    return tuple(lines)


# --- the year end --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outturn:
    """A plan year's actual income and expenditure against the plan, and the minimums as actually spent.

    ``asc_minimum`` and ``ooh_minimum`` are the plan's minimum spends with ``planned`` holding the
    actual spend against each (None when the plan records no such minimum). A scheme with no spend
    reported for the year counts at its plan and is counted in ``estimated_schemes``.
    """

    year: str
    planned_income: Decimal
    actual_income: Decimal
    planned_expenditure: Decimal
    actual_expenditure: Decimal
    asc_minimum: MinimumSpend | None
    ooh_minimum: MinimumSpend | None
    estimated_schemes: int

    @property
    def difference(self) -> Decimal:
        """Actual income less actual expenditure: positive is money left in the fund."""
        return self.actual_income - self.actual_expenditure

    @property
    def asc_met(self) -> bool | None:
        """True when the actual NHS spend on adult social care reaches the required minimum."""
        return None if self.asc_minimum is None else self.asc_minimum.planned >= self.asc_minimum.required

    @property
    def ooh_met(self) -> bool | None:
        """True when the actual NHS-commissioned out-of-hospital spend reaches the required minimum."""
        return None if self.ooh_minimum is None else self.ooh_minimum.planned >= self.ooh_minimum.required


def actual_spend(plan: Plan, actuals: Actuals, year: str) -> dict[str, Decimal]:
    """Each scheme's actual spend over a whole year (a blank quarter counts as nothing), by scheme ID.

    Only schemes of the plan with a spend record holding at least one figure for the year are given.
    """
    result = {}
    for scheme in plan.schemes:
        record = actuals.spend(scheme.scheme_id, year)
        if record is not None and any(v is not None for v in record.spend):
            result[scheme.scheme_id] = total([v for v in record.spend if v is not None])
    return result


def with_outturn(plan: Plan, actuals: Actuals, year: str) -> Plan:
    """The plan with each reported scheme's outturn for the year set from the actual spend.

    This is the plan the Section 75 year-end statement is drawn from (:func:`bcf_xl.risk.year_end_statement`):
    contributions stay the plan's, expenditure is the actual spend, and a scheme not reported keeps
    its own outturn (or counts at plan, as an estimate).
    """
    index = plan.year_index(year)
    spent = actual_spend(plan, actuals, year)

    def reported(scheme: Scheme) -> Scheme:
        if scheme.scheme_id not in spent:
            return scheme
        outturn: list[Decimal | None] = list(scheme.outturn) if scheme.outturn else [None] * len(plan.years)
        outturn[index] = spent[scheme.scheme_id]
        return dataclasses.replace(scheme, outturn=tuple(outturn))

    return dataclasses.replace(plan, schemes=tuple(reported(s) for s in plan.schemes))


def _as_spent(plan: Plan, spent: Mapping[str, Decimal], index: int) -> Plan:
    """The plan with each reported scheme's amount for a year replaced by its actual spend."""

    def actual(scheme: Scheme) -> Scheme:
        if scheme.scheme_id not in spent:
            return scheme
        amounts = list(scheme.amounts)
        amounts[index] = spent[scheme.scheme_id]
        return dataclasses.replace(scheme, amounts=tuple(amounts))

    return dataclasses.replace(plan, schemes=tuple(actual(s) for s in plan.schemes))


def outturn(plan: Plan, actuals: Actuals, year: str, policy: Policy) -> Outturn:
    """The year's actual income and expenditure, and the ASC and out-of-hospital minimums as actually spent.

    Actual income is what each source paid in over the four quarters (a source with nothing
    reported paid nothing). The minimums are worked out as for the plan
    (:mod:`bcf_xl.minimums`), over the actual spend of each scheme in place of its plan.
    """
    index = plan.year_index(year)
    spent = actual_spend(plan, actuals, year)
    as_spent = _as_spent(plan, spent, index)
    received = [r for s in plan.sources if (r := actuals.received(s.source_id, year)) is not None]
    try:
        asc: MinimumSpend | None = asc_minimum(as_spent, policy)[index] if plan.asc_minimum else None
    except BcfInputError:
        asc = None  # no uplift for a plan year: plan check BCF14 reports it
    return Outturn(
        year=year,
        planned_income=plan.income(year),
        actual_income=total([v for r in received for v in r.received if v is not None]),
        planned_expenditure=plan.expenditure(year),
        actual_expenditure=as_spent.expenditure(year),
        asc_minimum=asc,
        ooh_minimum=ooh_minimum(as_spent)[index] if plan.ooh_minimum else None,
        estimated_schemes=sum(1 for s in plan.schemes if s.scheme_id not in spent),
    )


# --- plain data ----------------------------------------------------------------------------------------


class ActualsError(PlanError):
    """Actuals given as plain data that cannot be built: every problem, each with its path and what arrived."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(problems)
        count = len(self.problems)
        heading = f"the actuals have {count} problem{'s' if count != 1 else ''}:"
        self.args = ("\n".join([heading, *(f"  {line}" for line in self.problems)]),)


def actuals_from_mapping(data: Mapping[str, Any]) -> Actuals:
    """Build actuals from plain data, checking every field.

    The keys are the records' field names: ``schemes`` (``scheme_id``, ``year``, ``spend`` a list of
    four figures with ``None`` or ``""`` for a blank quarter, ``profile`` a list of four or none,
    ``forecast``), ``income`` (``source_id``, ``year``, ``received``), ``metrics`` (``metric_id``,
    ``year``, ``quarter``, ``actual``, ``data_date``, ``challenges``, ``achievements``) and
    ``conditions`` (``code``, ``year``, ``quarter``, ``met`` "Yes" or "No", ``explanation``).
    Figures are taken as :func:`bcf_xl.mapping.plan_from_mapping` takes them (exact, from int,
    float through ``repr``, text or Decimal).

    Raises:
        ActualsError: the data cannot make actuals; it lists every problem with its path, such as
            ``schemes[2].spend[1]: must be an amount (got "lots")``.
    """
    actuals, problems = record_from_mapping(Actuals, data)
    if actuals is None:
        raise ActualsError(problems)
    return actuals


def actuals_to_mapping(actuals: Actuals) -> dict[str, Any]:
    """Actuals as plain, JSON-safe data that :func:`actuals_from_mapping` turns back into equal actuals.

    Figures are text in plain notation (exact to the last digit), enums their text, tuples lists.
    """
    return record_to_mapping(actuals)
