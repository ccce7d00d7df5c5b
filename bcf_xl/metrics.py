"""Metric rates, standardised rates, RAG ratings and the national progress and achievement words.

See docs/domain.md section 6. The words are NHS England's, from the policy data; the directly
age-standardised rate (:func:`dsr`) and its confidence interval by Dobson's method
(:func:`dsr_ci`) are the ones England's public health statistics publish for the falls metric.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import TypeVar

from bcf_xl.distributions import poisson_limits
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import AgeBand, Metric, MetricUnit, Polarity, RagRule
from bcf_xl.policy import achievement_words, earlier_words, load_policy, progress_words

_WORDS = progress_words()
_YEAR_END = achievement_words()
_EARLIER = earlier_words()


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


class Achievement(StrEnum):
    """The words of the national end-of-year return, taken from the policy data (``[metric_achievement]``)."""

    ACHIEVED = _YEAR_END["achieved"]
    NOT_ACHIEVED = _YEAR_END["not_achieved"]
    NO_DATA = _YEAR_END["no_data"]


W = TypeVar("W", Progress, Achievement)


def _by_text(words: type[W], keys: Sequence[str]) -> Mapping[str, W]:
    """Every text a reader accepts for a kind of words, trimmed and case-folded: today's and earlier ones."""
    accepted = {member.value.casefold(): member for member in words}
    for key, member in zip(keys, words, strict=True):
        if key in _EARLIER:
            accepted.setdefault(_EARLIER[key].casefold(), member)
    return accepted


_PROGRESS_TEXT = _by_text(Progress, ("on_track", "not_on_track", "no_data"))
_ACHIEVEMENT_TEXT = _by_text(Achievement, ("achieved", "not_achieved", "no_data"))


def _read_words(accepted: Mapping[str, W], value: object, where: Location | str) -> W | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().casefold() in accepted:
        return accepted[value.strip().casefold()]
    words = "; ".join(dict.fromkeys(member.value for member in accepted.values()))
    raise BcfInputError(where, f"must be one of the national words: {words}", value)


def read_progress(value: object, where: Location | str = "progress") -> Progress | None:
    """A progress cell's words as :class:`Progress`; a blank gives None.

    Today's words are accepted, and so are the short ones earlier versions of bcf-xl wrote ("On
    track", "Not on track", "Data not available"), each read as today's words; any case, trimmed.

    Raises:
        BcfInputError: any other value, naming ``where`` and what arrived.
    """
    return _read_words(_PROGRESS_TEXT, value, where)


def read_achievement(value: object, where: Location | str = "achievement") -> Achievement | None:
    """An end-of-year cell's words as :class:`Achievement`; a blank gives None.

    "Achieved", "Not Achieved" and "Data not available to assess progress" are accepted in any
    case, and so is the earlier short "Data not available".

    Raises:
        BcfInputError: any other value, naming ``where`` and what arrived.
    """
    return _read_words(_ACHIEVEMENT_TEXT, value, where)


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


def achievement(actual: Decimal | None, target: Decimal | None, polarity: Polarity) -> Achievement:
    """The end-of-year return's words for a year's actual against its target.

    >>> achievement(Decimal("0.934"), Decimal("0.93"), Polarity.HIGHER_IS_BETTER).value
    'Achieved'
    """
    if actual is None or target is None or polarity is Polarity.NONE:
        return Achievement.NO_DATA
    return Achievement.ACHIEVED if meets(actual, target, polarity) else Achievement.NOT_ACHIEVED


# --- directly age-standardised rates ------------------------------------------------------------------


def default_weights(bands: int, where: Location | str = "weights") -> tuple[Decimal, ...]:
    """The standard population's weights for ``bands`` age bands: ESP2013's six bands of 65+ by default.

    Raises:
        BcfInputError: any other number of bands, whose weights must then be given.
    """
    standard = load_policy().standard_population
    older = standard.older_people
    if bands != len(older):
        names = ", ".join(band for band, _ in older)
        raise BcfInputError(
            where,
            f"are required unless the {len(older)} bands of people aged 65 and over ({names}) are given",
            f"{bands} band{'s' if bands != 1 else ''}",
        )
    return tuple(weight for _, weight in older)


def _bands(
    counts: Sequence[Decimal], populations: Sequence[Decimal], weights: Sequence[Decimal] | None
) -> tuple[Sequence[Decimal], Sequence[Decimal], Sequence[Decimal]]:
    """Check the age bands of a standardised rate; weights default to the standard population's."""
    if not counts:
        raise BcfInputError("counts", "must give at least one age band", "none")
    if len(populations) != len(counts):
        raise BcfInputError("populations", f"must have one population per count ({len(counts)})", f"{len(populations)}")
    chosen = tuple(weights) if weights is not None else default_weights(len(counts))
    if len(chosen) != len(counts):
        raise BcfInputError("weights", f"must have one weight per count ({len(counts)})", f"{len(chosen)}")
    for name, values in (("counts", counts), ("weights", chosen)):
        for index, value in enumerate(values, start=1):
            if value < 0:
                raise BcfInputError(f"{name} band {index}", "must not be negative", value)
    for index, population in enumerate(populations, start=1):
        if population <= 0:
            raise BcfInputError(f"populations band {index}", "must be above 0", population)
    if sum(chosen, Decimal(0)) <= 0:
        raise BcfInputError("weights", "must not all be 0", "all 0")
    return counts, populations, chosen


def dsr(
    counts: Sequence[Decimal],
    populations: Sequence[Decimal],
    weights: Sequence[Decimal] | None = None,
    per: Decimal = Decimal(100_000),
) -> Decimal:
    """The directly age-standardised rate: each band's crude rate weighted by a standard population.

    DSR = sum(w_i x count_i / population_i) / sum(w_i) x per. Worked in Decimal at 40 significant
    digits and given to 28; rounded only for display.

    Args:
        counts: events per age band (e.g. emergency admissions after a fall), 0 or more.
        populations: the population of each band, above 0.
        weights: the standard population of each band; if None, ESP2013's six bands of people
            aged 65 and over (65-69 ... 90+) when six bands are given, otherwise an error.
        per: the rate base, above 0 (per 100,000 unless said otherwise).

    Raises:
        BcfInputError: bands of different lengths, a negative count or weight, a population of
            0 or less, all weights 0, or no weights for other than six bands; naming the argument.

    >>> dsr([Decimal(10)] * 6, [Decimal(1000)] * 6)
    Decimal('1000')
    """
    if per <= 0:
        raise BcfInputError("per", "must be above 0", per)
    counts, populations, weights = _bands(counts, populations, weights)
    with localcontext() as context:
        context.prec = 40
        weighted = sum((w * c / n for w, c, n in zip(weights, counts, populations, strict=True)), Decimal(0))
        rate = weighted * per / sum(weights, Decimal(0))
        context.prec = 28
        return +rate


#: The largest total count :func:`dsr_ci` takes: its Poisson limits are checked to ten million events.
_MOST_EVENTS = 10_000_000


def dsr_ci(
    counts: Sequence[Decimal],
    populations: Sequence[Decimal],
    weights: Sequence[Decimal] | None = None,
    per: Decimal = Decimal(100_000),
    level: Decimal = Decimal("0.95"),
) -> tuple[Decimal, Decimal]:
    """The confidence interval of a directly standardised rate by Dobson's method: (lower, upper).

    Dobson et al. (1991), as OHID's Fingertips uses it: with O the total count, the DSR's variance
    V = sum((w_i / sum w)^2 x count_i / population_i^2) x per^2, and O_L, O_U the exact Poisson
    limits of O (:func:`bcf_xl.distributions.poisson_limits`), the limits are
    DSR + sqrt(V / O) x (O_L - O) and DSR + sqrt(V / O) x (O_U - O). The DSR and V are exact
    Decimals; the Poisson limits and the square root are floating point (about 15 digits).

    Args:
        counts, populations, weights, per: as for :func:`dsr`.
        level: the confidence level, a fraction between 0.5 and 1 (0.95 for 95%, 0.998 for 99.8%).

    Raises:
        BcfInputError: what :func:`dsr` refuses, a level outside (0.5, 1), or counts that add up to 0
            (the method needs at least one event) or to more than ten million.
    """
    if not Decimal("0.5") < level < 1:
        raise BcfInputError("level", "must be a fraction between 0.5 and 1, such as 0.95 for 95%", level)
    rate = dsr(counts, populations, weights, per)
    counts, populations, weights = _bands(counts, populations, weights)
    observed = sum(counts, Decimal(0))
    if observed == 0:
        raise BcfInputError("counts", "add up to 0; Dobson's interval needs at least one event", "0 events")
    if observed > _MOST_EVENTS:
        raise BcfInputError(
            "counts", f"add up to more than {_MOST_EVENTS:,}, beyond what this interval is computed for", observed
        )
    with localcontext() as context:
        context.prec = 40
        total = sum(weights, Decimal(0))
        variance = (
            sum(((w / total) ** 2 * c / n**2 for w, c, n in zip(weights, counts, populations, strict=True)), Decimal(0))
            * per**2
        )
    low, high = poisson_limits(float(observed), float(level))
    spread = math.sqrt(float(variance / observed))
    lower = float(rate) + spread * (low - float(observed))
    upper = float(rate) + spread * (high - float(observed))
    if not (math.isfinite(lower) and math.isfinite(upper)):
        raise BcfInputError("populations", "are too small for the interval to be computed", show_got=False)
    return Decimal(repr(lower)), Decimal(repr(upper))


#: Decimal places a standardised rate is submitted to, as OHID's Fingertips publishes DSRs.
SUBMITTED_PLACES = 1


def as_submitted(unit: MetricUnit, value: Decimal | None) -> Decimal | None:
    """A metric's value as a template carries it: a standardised rate rounded half-up to one decimal place
    (``SUBMITTED_PLACES``), anything else as it is.

    >>> as_submitted(MetricUnit.STANDARDISED, Decimal("2060.2287631"))
    Decimal('2060.2')
    """
    if value is None or unit is not MetricUnit.STANDARDISED:
        return value
    return value.quantize(Decimal(1).scaleb(-SUBMITTED_PLACES), rounding=ROUND_HALF_UP)


def bands_rate(bands: Sequence[AgeBand], kind: str, per: int) -> Decimal | None:
    """The standardised rate of one kind of count (``baseline``, ``target``, ``actual`` or ``forecast``) of
    a metric's age bands, or None when no band has that count.

    Raises:
        BcfInputError: some bands have the count and others not, or :func:`dsr` refuses the bands.
    """
    values = [getattr(band, kind) for band in bands]
    if all(value is None for value in values):
        return None
    blank = [
        band.band or str(index)
        for index, (band, value) in enumerate(zip(bands, values, strict=True), start=1)
        if value is None
    ]
    if blank:
        raise BcfInputError(kind, f"every age band needs a count, or none; blank in {', '.join(blank)}", show_got=False)
    weights = [band.weight for band in bands]
    if all(weight is None for weight in weights):
        chosen = None
    elif any(weight is None for weight in weights):
        raise BcfInputError(
            "weight", "give every age band a weight, or none for the standard 65+ bands", show_got=False
        )
    else:
        chosen = [Decimal(weight) for weight in weights if weight is not None]
    return dsr([Decimal(value) for value in values], [Decimal(band.population) for band in bands], chosen, Decimal(per))


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
    achievement: Achievement


def measure(metric: Metric, value: Decimal | None) -> Decimal | None:
    """The value that is rated: a rate for RATE metrics (count / population x per), else the value.

    A standardised rate (``MetricUnit.STANDARDISED``) is already a rate: its values are rated as they are.
    """
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
        achievement(actual, target, metric.polarity),
    )
