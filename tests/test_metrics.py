"""bcf_xl.metrics: rates, proportions, RAG ratings by baseline and tolerance, progress words, assess()."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bcf_xl.cells import bcf_progress
from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import (
    Achievement,
    Progress,
    Rag,
    achievement,
    assess,
    dsr,
    progress,
    proportion,
    rag,
    rate,
    read_achievement,
    read_progress,
)
from bcf_xl.model import AgeBand, Metric, MetricUnit, Polarity, RagRule
from bcf_xl.policy import ACHIEVEMENT_KEYS, PROGRESS_KEYS, Policy

D = Decimal
LOWER = Polarity.LOWER_IS_BETTER
HIGHER = Polarity.HIGHER_IS_BETTER


@pytest.mark.parametrize(
    ("count", "population", "per", "expected"),
    [
        ("450", "180000", "100000", "250"),
        ("0", "180000", "100000", "0"),
        ("45", "18000", "1000", "2.5"),
        ("1116", "180000", "100000", "620"),
        ("1", "3", "100000", "33333.33333333333333333333333"),
    ],
)
def test_rate_is_count_over_population_times_per(count: str, population: str, per: str, expected: str) -> None:
    """rate = count / population x per: 450 admissions in 180,000 people is 250 per 100,000."""
    assert rate(D(count), D(population), D(per)) == D(expected)


def test_rate_defaults_to_per_100000() -> None:
    """Without ``per`` the rate is per 100,000 population."""
    assert rate(D(450), D(180000)) == D(250)


@pytest.mark.parametrize(
    ("count", "population", "per", "message"),
    [
        ("-1", "180000", "100000", r"^count: must not be negative \(got -1\)$"),
        ("450", "0", "100000", r"^population: must be above 0 \(got 0\)$"),
        ("450", "-180000", "100000", r"^population: must be above 0 \(got -180000\)$"),
        ("450", "180000", "0", r"^per: must be above 0 \(got 0\)$"),
    ],
)
def test_rate_rejects_impossible_inputs(count: str, population: str, per: str, message: str) -> None:
    """A negative count, or a population or 'per' of zero or less, raises naming the field."""
    with pytest.raises(BcfInputError, match=message):
        rate(D(count), D(population), D(per))


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [("82", "100", "0.82"), ("0", "5", "0"), ("7", "7", "1"), ("3", "8", "0.375")],
)
def test_proportion_is_a_fraction(numerator: str, denominator: str, expected: str) -> None:
    """A percentage is numerator / denominator as a fraction (82 of 100 is 0.82) for a % cell format."""
    assert proportion(D(numerator), D(denominator)) == D(expected)


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [("-1", "100", r"^numerator: must not be negative"), ("1", "0", r"^denominator: must be above 0")],
)
def test_proportion_rejects_impossible_inputs(numerator: str, denominator: str, message: str) -> None:
    """A negative numerator or a denominator of zero or less raises naming the field."""
    with pytest.raises(BcfInputError, match=message):
        proportion(D(numerator), D(denominator))


# --- RAG -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "polarity", "baseline", "tolerance", "expected"),
    [
        # docs/domain.md section 6: 620 against 600, lower is better, baseline 650 -> Amber by rule 1.
        ("620", "600", LOWER, "650", None, Rag.AMBER),
        # ... and with a 2% tolerance and no baseline -> Red (620 is 3.3% worse than 600).
        ("620", "600", LOWER, None, "0.02", Rag.RED),
        # A 5% tolerance allows a miss of 30: Amber.
        ("620", "600", LOWER, None, "0.05", Rag.AMBER),
        # Met exactly or beaten: Green, whichever the polarity.
        ("600", "600", LOWER, "650", None, Rag.GREEN),
        ("580", "600", LOWER, None, None, Rag.GREEN),
        ("0.85", "0.85", HIGHER, None, None, Rag.GREEN),
        ("0.9", "0.85", HIGHER, None, None, Rag.GREEN),
        # Amber needs strictly better than the baseline: equal is no improvement, Red.
        ("620", "600", LOWER, "620", None, Rag.RED),
        ("620", "600", LOWER, "619", None, Rag.RED),
        ("0.80", "0.85", HIGHER, "0.78", None, Rag.AMBER),
        ("0.80", "0.85", HIGHER, "0.80", None, Rag.RED),
        # Tolerance boundary: a miss of exactly tolerance x target is Amber, a penny more is Red.
        ("612", "600", LOWER, None, "0.02", Rag.AMBER),
        ("612.01", "600", LOWER, None, "0.02", Rag.RED),
        ("0.8075", "0.85", HIGHER, None, "0.05", Rag.AMBER),
        ("0.8074", "0.85", HIGHER, None, "0.05", Rag.RED),
        # A zero tolerance allows no miss at all.
        ("600.01", "600", LOWER, None, "0", Rag.RED),
        # Missed with neither rule available: Red.
        ("601", "600", LOWER, None, None, Rag.RED),
        # Either rule can give Amber when both are given.
        ("620", "600", LOWER, "610", "0.05", Rag.AMBER),
        ("620", "600", LOWER, "650", "0.01", Rag.AMBER),
        ("640", "600", LOWER, "630", "0.05", Rag.RED),
    ],
)
def test_rag(
    actual: str, target: str, polarity: Polarity, baseline: str | None, tolerance: str | None, expected: Rag
) -> None:
    """Green when met or beaten; Amber when strictly better than baseline or within tolerance x target; else Red."""
    result = rag(
        D(actual),
        D(target),
        polarity,
        baseline=None if baseline is None else D(baseline),
        tolerance=None if tolerance is None else D(tolerance),
    )
    assert result is expected


def test_rag_without_actual_is_no_data() -> None:
    """No actual value means 'No data', whatever the target and baseline."""
    assert rag(None, D(600), LOWER, baseline=D(650)) is Rag.NO_DATA
    assert rag(None, D("0.85"), HIGHER, tolerance=D("0.05")) is Rag.NO_DATA


@pytest.mark.parametrize("actual", [D(620), None])
def test_rag_without_polarity_raises(actual: Decimal | None) -> None:
    """A metric without polarity cannot be rated: rag raises naming 'polarity', even with no actual."""
    with pytest.raises(
        BcfInputError, match=r"^polarity: a metric without polarity cannot be rated \(got \"Not set\"\)$"
    ):
        rag(actual, D(600), Polarity.NONE, baseline=D(650))


def test_rag_rejects_negative_tolerance() -> None:
    """A negative tolerance is refused, naming 'tolerance'."""
    with pytest.raises(BcfInputError, match=r"^tolerance: must be 0 or more"):
        rag(D(620), D(600), LOWER, tolerance=D("-0.02"))


@pytest.mark.parametrize(
    ("forecast", "target", "polarity", "expected"),
    [
        ("590", "600", LOWER, Progress.ON_TRACK),
        ("600", "600", LOWER, Progress.ON_TRACK),
        ("611", "600", LOWER, Progress.NOT_ON_TRACK),
        ("0.86", "0.85", HIGHER, Progress.ON_TRACK),
        ("0.84", "0.85", HIGHER, Progress.NOT_ON_TRACK),
        (None, "600", LOWER, Progress.NO_DATA),
        ("590", None, LOWER, Progress.NO_DATA),
        ("590", "600", Polarity.NONE, Progress.NO_DATA),
    ],
)
def test_progress_words(forecast: str | None, target: str | None, polarity: Polarity, expected: Progress) -> None:
    """On track when the forecast meets or beats the target; data not available without forecast, target or polarity."""
    result = progress(None if forecast is None else D(forecast), None if target is None else D(target), polarity)
    assert result is expected


def test_progress_words_read_as_the_national_return() -> None:
    """The progress values are the words shown in the quarterly return."""
    assert [p.value for p in Progress] == [
        "On track to meet target",
        "Not on track to meet target",
        "Data not available to assess progress",
    ]


def test_achievement_words_read_as_the_end_of_year_return(policy: Policy) -> None:
    """The year-end values are the end-of-year return's words, from the policy data."""
    assert [a.value for a in Achievement] == ["Achieved", "Not Achieved", "Data not available to assess progress"]
    assert dict(zip(ACHIEVEMENT_KEYS, Achievement, strict=True)) == dict(policy.achievement_words)


@pytest.mark.parametrize(
    ("actual", "target", "polarity", "expected"),
    [
        ("93.4", "93", HIGHER, Achievement.ACHIEVED),
        ("93", "93", HIGHER, Achievement.ACHIEVED),
        ("92.99", "93", HIGHER, Achievement.NOT_ACHIEVED),
        ("590", "600", LOWER, Achievement.ACHIEVED),
        ("601", "600", LOWER, Achievement.NOT_ACHIEVED),
        (None, "600", LOWER, Achievement.NO_DATA),
        ("590", None, LOWER, Achievement.NO_DATA),
        ("590", "600", Polarity.NONE, Achievement.NO_DATA),
    ],
)
def test_achievement(actual: str | None, target: str | None, polarity: Polarity, expected: Achievement) -> None:
    """Achieved when the actual meets or beats the target; no data without actual, target or polarity."""
    result = achievement(None if actual is None else D(actual), None if target is None else D(target), polarity)
    assert result is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On track to meet target", Progress.ON_TRACK),
        ("  not on track to meet target ", Progress.NOT_ON_TRACK),
        ("Data not available to assess progress", Progress.NO_DATA),
        ("On track", Progress.ON_TRACK),  # the short forms earlier versions wrote
        ("Not on track", Progress.NOT_ON_TRACK),
        ("data not available", Progress.NO_DATA),
        ("", None),
        (None, None),
    ],
)
def test_read_progress_accepts_todays_and_earlier_words(text: str | None, expected: Progress | None) -> None:
    """Readers take the national words and the earlier short forms (any case, trimmed) as today's words."""
    assert read_progress(text) is expected


def test_read_progress_refuses_other_words_naming_the_place() -> None:
    """Other text is refused, naming the place, listing the national words and showing what arrived."""
    with pytest.raises(BcfInputError, match=r"^Metrics!P5: must be one of the national words: On track to meet"):
        read_progress("Green", "Metrics!P5")
    with pytest.raises(BcfInputError, match=r'\(got "Green"\)$'):
        read_progress("Green")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Achieved", Achievement.ACHIEVED),
        ("NOT ACHIEVED", Achievement.NOT_ACHIEVED),
        ("Data not available to assess progress", Achievement.NO_DATA),
        ("Data not available", Achievement.NO_DATA),
        (" ", None),
    ],
)
def test_read_achievement(text: str, expected: Achievement | None) -> None:
    """Year-end words are read in any case; the earlier short "Data not available" reads as today's words."""
    assert read_achievement(text) is expected
    with pytest.raises(BcfInputError, match="must be one of the national words"):
        read_achievement("On track")


def test_progress_words_come_from_the_policy_data(policy: Policy) -> None:
    """The policy data is the progress words' one source: each word the engine (and bcf_progress) shows is the
    shipped policy's word for that outcome."""
    assert dict(zip(PROGRESS_KEYS, Progress, strict=True)) == dict(policy.progress_words)
    assert bcf_progress(4950.0, 4950.0) == policy.progress_words["on_track"]
    assert bcf_progress(4980.0, 4950.0) == policy.progress_words["not_on_track"]
    assert bcf_progress(None, 4950.0) == policy.progress_words["no_data"]


# --- assess() ------------------------------------------------------------------------------------


def _metric(**changes: object) -> Metric:
    base: dict[str, object] = {
        "metric_id": "ADM65",
        "name": "Permanent admissions 65+ to care homes",
        "polarity": LOWER,
        "unit": MetricUnit.RATE,
        "baseline": D(1170),
        "target": D(1080),
        "actual": D(1116),
        "forecast": D(1062),
        "population": 180000,
    }
    base.update(changes)
    return Metric(**base)  # type: ignore[arg-type]


def test_assess_rate_metric_converts_counts_to_rates() -> None:
    """A RATE metric's counts become rates per 100,000 before rating: 1170/1080/1116/1062 in 180,000."""
    result = assess(_metric())
    assert (result.baseline, result.target, result.actual, result.forecast) == (D(650), D(600), D(620), D(590))
    assert result.rag is Rag.AMBER
    assert result.progress is Progress.ON_TRACK
    assert (result.metric_id, result.name, result.unit) == (
        "ADM65",
        "Permanent admissions 65+ to care homes",
        MetricUnit.RATE,
    )


def test_assess_rate_metric_uses_its_own_per() -> None:
    """'per' changes the scale: 25 falls in 50,000 people is 0.5 per 1,000, against a target of 0.4."""
    result = assess(
        _metric(population=50000, per=1000, baseline=D(30), target=D(20), actual=D(25), forecast=D(25), tolerance=None)
    )
    assert (result.baseline, result.target, result.actual) == (D("0.6"), D("0.4"), D("0.5"))
    assert result.rag is Rag.AMBER
    assert result.progress is Progress.NOT_ON_TRACK


def test_assess_rate_metric_tolerance_rule_on_rates() -> None:
    """The domain example by the tolerance rule: 620 per 100k against 600 with 2% tolerance is Red."""
    result = assess(_metric(rag_rule=RagRule.TOLERANCE, tolerance=D("0.02")))
    assert result.rag is Rag.RED


def test_assess_rate_metric_tolerance_compares_rates_not_counts() -> None:
    """Tolerance x target applies to the rate: 1101.6 in 180,000 is 612 per 100k, exactly 2% over 600: Amber."""
    result = assess(_metric(rag_rule=RagRule.TOLERANCE, tolerance=D("0.02"), actual=D("1101.6")))
    assert result.actual == D(612)
    assert result.rag is Rag.AMBER


def test_assess_percent_metric_reads_values_as_they_are() -> None:
    """A PERCENT metric is rated on its fractions directly: 0.82 against 0.85 with 5% tolerance is Amber."""
    metric = Metric(
        "REAB91",
        "Still at home 91 days after reablement",
        HIGHER,
        MetricUnit.PERCENT,
        baseline=D("0.83"),
        target=D("0.85"),
        actual=D("0.82"),
        forecast=D("0.86"),
        rag_rule=RagRule.TOLERANCE,
        tolerance=D("0.05"),
    )
    result = assess(metric)
    assert (result.baseline, result.target, result.actual, result.forecast) == (
        D("0.83"),
        D("0.85"),
        D("0.82"),
        D("0.86"),
    )
    assert result.rag is Rag.AMBER
    assert result.progress is Progress.ON_TRACK


def test_assess_percent_metric_baseline_rule_worse_than_baseline_is_red() -> None:
    """By the baseline rule 0.82 against target 0.85 and baseline 0.83 is no improvement: Red."""
    metric = Metric(
        "REAB91", "Reablement", HIGHER, MetricUnit.PERCENT, baseline=D("0.83"), target=D("0.85"), actual=D("0.82")
    )
    result = assess(metric)
    assert result.rag is Rag.RED
    assert result.progress is Progress.NO_DATA


def test_assess_number_metric_without_polarity_is_not_rated() -> None:
    """A metric without polarity is 'Not rated' by assess (it does not raise) and has no progress words."""
    metric = Metric("SAT", "Patient satisfaction", Polarity.NONE, MetricUnit.NUMBER, D(70), D(75), D(80), D(80))
    result = assess(metric)
    assert result.rag is Rag.NOT_RATED
    assert result.progress is Progress.NO_DATA
    assert result.actual == D(80)


def test_assess_metric_without_target_is_not_rated() -> None:
    """Without a target there is nothing to rate against: 'Not rated', progress 'Data not available'."""
    result = assess(_metric(target=None))
    assert result.rag is Rag.NOT_RATED
    assert result.progress is Progress.NO_DATA
    assert result.actual == D(620)


def test_assess_metric_without_actual_is_no_data() -> None:
    """A rated metric without an actual yet is 'No data'; its forecast still gives progress words."""
    result = assess(_metric(actual=None))
    assert result.actual is None
    assert result.rag is Rag.NO_DATA
    assert result.progress is Progress.ON_TRACK


def test_negative_count_is_refused_naming_the_metric_and_field() -> None:
    """A negative count in a RATE metric is refused when the metric is made, naming its ID and the field."""
    with pytest.raises(
        BcfInputError,
        match=r"^\[ADM65\] Actual: a count rated per population must not be negative "
        r"\(got -5\)$",
    ):
        _metric(actual=D(-5))


@pytest.mark.parametrize("population", [None, 0, -1])
def test_rate_metric_needs_a_population(population: int | None) -> None:
    """A RATE metric without a population above 0 cannot even be recorded."""
    with pytest.raises(BcfInputError, match=r"^\[ADM65\] Population: a rate needs a population above 0"):
        _metric(population=population)


# --- metrics rated as directly age-standardised rates -----------------------------------------------

BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
POPULATIONS = (52_000, 44_000, 33_000, 24_000, 15_000, 8_000)


def _bands(baseline: list[int], actual: list[int | None]) -> tuple[AgeBand, ...]:
    return tuple(
        AgeBand(band, population, baseline=D(b), actual=None if a is None else D(a))
        for band, population, b, a in zip(BANDS, POPULATIONS, baseline, actual, strict=True)
    )


def _falls(**options: object) -> Metric:
    fields: dict[str, object] = {
        "target": D(800),
        "bands": _bands([130, 190, 270, 340, 320, 250], [120, 180, 260, 330, 310, 240]),
    }
    fields.update(options)
    return Metric("FALLS", "Falls, 65+", LOWER, MetricUnit.STANDARDISED, None, **fields)  # type: ignore[arg-type]


def test_age_bands_give_the_metric_its_standardised_rates() -> None:
    """A metric with age bands takes each value with counts in every band from bcf_dsr (ESP2013 65+ weights);
    the rates are rated as they are."""
    metric = _falls()
    populations = [D(p) for p in POPULATIONS]
    assert metric.actual == dsr([D(c) for c in (120, 180, 260, 330, 310, 240)], populations)
    assert metric.baseline == dsr([D(c) for c in (130, 190, 270, 340, 320, 250)], populations)
    assert metric.target == D(800) and metric.forecast is None  # no band counts: as given
    result = assess(metric)
    assert result.actual == metric.actual  # 820.70..., not a crude rate of it
    assert result.rag is Rag.AMBER  # 820.7 misses the target of 800 but beats the baseline (855.05)
    assert result.achievement is Achievement.NOT_ACHIEVED


def test_age_band_value_typed_as_well_must_agree() -> None:
    """A value also typed beside the bands must equal their rate; otherwise it is refused, naming the field."""
    same = _falls()
    assert _falls(actual=same.actual) == same
    with pytest.raises(
        BcfInputError, match=r"\[FALLS\] Actual: is worked out from the age bands \(820\.7 per 100,000\)"
    ):
        _falls(actual=D(700))


def test_age_bands_with_a_blank_count_are_refused() -> None:
    """Some bands with a count and others blank is refused, naming the value and the blank bands."""
    with pytest.raises(
        BcfInputError, match=r"\[FALLS\] Age bands, actual: every age band needs a count, or none; blank in 85-89"
    ):
        _falls(bands=_bands([1] * 6, [1, 1, 1, 1, None, 1]))


def test_age_bands_need_a_standardised_unit() -> None:
    """Age bands on a metric that is not an age-standardised rate are refused, naming the unit."""
    with pytest.raises(
        BcfInputError, match=r"\[FALLS\] Unit: a metric with age bands must be an Age-standardised rate"
    ):
        Metric("FALLS", "Falls", LOWER, MetricUnit.NUMBER, None, None, bands=_bands([1] * 6, [1] * 6))


def test_age_band_rejects_a_population_of_zero() -> None:
    """An age band's population must be a whole number above 0, named with the band."""
    with pytest.raises(BcfInputError, match=r"\[90\+\] Population: an age band needs a population above 0"):
        AgeBand("90+", 0)
