"""Metric rates, RAG ratings and the national progress words (docs/domain.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import Metric, MetricUnit, Polarity, RagRule
from bcf_xl.policy import progress_words

_WORDS = progress_words()


class Rag(StrEnum):
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    NO_DATA = "No data"
    NOT_RATED = "Not rated"


class Progress(StrEnum):
    """The words of the national quarterly return, taken from the policy data (``[metric_progress]`` in
    ``bcf_xl/policy/national.toml``), their one source for the engine, ``bcf_progress`` and the workbooks."""

    ON_TRACK = _WORDS["on_track"]
    NOT_ON_TRACK = _WORDS["not_on_track"]
    NO_DATA = _WORDS["no_data"]


def rate(count: Decimal, population: Decimal, per: Decimal = Decimal(100_000)) -> Decimal:
    """A rate: count / population x per (per 100,000 unless said otherwise).

    >>> rate(Decimal(450), Decimal(180000))
    Decimal('250')
    """
    if count < 0:
        raise BcfInputError("count", "must not be negative", count)
    if population <= 0:
        raise BcfInputError("population", "must be above 0", population)
    if per <= 0:
        raise BcfInputError("per", "must be above 0", per)
    with localcontext() as context:
        context.prec = 28
        return count * per / population


def proportion(numerator: Decimal, denominator: Decimal) -> Decimal:
    """A percentage as a fraction for a % cell format: 82 of 100 is 0.82."""
    if numerator < 0:
        raise BcfInputError("numerator", "must not be negative", numerator)
    if denominator <= 0:
        raise BcfInputError("denominator", "must be above 0", denominator)
    return numerator / denominator


def _better(a: Decimal, b: Decimal, polarity: Polarity) -> bool:
    """True when ``a`` is strictly better than ``b``."""
    return a < b if polarity is Polarity.LOWER_IS_BETTER else a > b


def meets(value: Decimal, target: Decimal, polarity: Polarity) -> bool:
    """True when a value meets or beats the target."""
    return value == target or _better(value, target, polarity)


def rag(
    actual: Decimal | None,
    target: Decimal,
    polarity: Polarity,
    baseline: Decimal | None = None,
    tolerance: Decimal | None = None,
) -> Rag:
    """Rate an actual against its target, by the baseline rule, the tolerance rule or both.

    Green when the target is met or beaten. Otherwise Amber when the actual is strictly better
    than the baseline (rule 1) or misses the target by no more than tolerance x target (rule 2);
    otherwise Red. No data when there is no actual.

    >>> rag(Decimal(620), Decimal(600), Polarity.LOWER_IS_BETTER, baseline=Decimal(650))
    <Rag.AMBER: 'Amber'>
    >>> rag(Decimal(620), Decimal(600), Polarity.LOWER_IS_BETTER, tolerance=Decimal("0.02"))
    <Rag.RED: 'Red'>
    """
    if polarity is Polarity.NONE:
        raise BcfInputError("polarity", "a metric without polarity cannot be rated", polarity.value)
    if tolerance is not None and tolerance < 0:
        raise BcfInputError("tolerance", "must be 0 or more (0.05 for 5%)", tolerance)
    if actual is None:
        return Rag.NO_DATA
    if meets(actual, target, polarity):
        return Rag.GREEN
    if baseline is not None and _better(actual, baseline, polarity):
        return Rag.AMBER
    if tolerance is not None and abs(actual - target) <= tolerance * abs(target):
        return Rag.AMBER
    return Rag.RED


def progress(forecast: Decimal | None, target: Decimal | None, polarity: Polarity) -> Progress:
    """The national progress words for a year-end forecast against the target."""
    if forecast is None or target is None or polarity is Polarity.NONE:
        return Progress.NO_DATA
    return Progress.ON_TRACK if meets(forecast, target, polarity) else Progress.NOT_ON_TRACK


@dataclass(frozen=True, slots=True)
class MetricResult:
    """A metric's values as they are rated (rates worked out), its RAG and progress words."""

    metric_id: str
    name: str
    unit: MetricUnit
    baseline: Decimal | None
    target: Decimal | None
    actual: Decimal | None
    forecast: Decimal | None
    rag: Rag
    progress: Progress


def measure(metric: Metric, value: Decimal | None) -> Decimal | None:
    """The value that is rated: a rate for RATE metrics (count / population x per), else the value."""
    if value is None or metric.unit is not MetricUnit.RATE or metric.population is None:
        return value
    try:
        return rate(value, Decimal(metric.population), Decimal(metric.per))
    except BcfInputError as exc:
        raise BcfInputError(Location(field=exc.location.field, item=metric.metric_id), exc.rule, exc.got) from None


def assess(metric: Metric) -> MetricResult:
    """Rate one metric of a plan by its own rule; a metric without polarity or target is not rated."""
    baseline, target = measure(metric, metric.baseline), measure(metric, metric.target)
    actual, forecast = measure(metric, metric.actual), measure(metric, metric.forecast)
    if metric.polarity is Polarity.NONE or target is None:
        rating = Rag.NOT_RATED
    elif metric.rag_rule is RagRule.BASELINE:
        rating = rag(actual, target, metric.polarity, baseline=baseline)
    else:
        rating = rag(actual, target, metric.polarity, tolerance=metric.tolerance)
    return MetricResult(
        metric.metric_id,
        metric.name,
        metric.unit,
        baseline,
        target,
        actual,
        forecast,
        rating,
        progress(forecast, target, metric.polarity),
    )
