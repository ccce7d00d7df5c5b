"""Directly age-standardised rates (bcf_dsr), their Dobson intervals (bcf_dsr_ci) and the Poisson limits beneath.

The intervals are checked against numbers computed independently: published tables of exact
Poisson limits, a 50-digit Decimal series, and SciPy (a test-only dependency).
"""

from __future__ import annotations

import math
import subprocess
import sys
from decimal import Decimal as D, localcontext

import pytest
from hypothesis import given, settings, strategies as st
from scipy import special, stats  # a test-only dependency (pyproject's dev extra): never imported by bcf_xl

from bcf_xl.cells import bcf_dsr, bcf_dsr_ci
from bcf_xl.distributions import gamma_p, gamma_quantile, poisson_limits
from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import dsr, dsr_ci
from bcf_xl.policy import Policy

# Six bands of people aged 65 and over: 65-69, 70-74, 75-79, 80-84, 85-89, 90+.
COUNTS = [120, 180, 260, 330, 310, 240]
POPULATIONS = [52_000, 44_000, 33_000, 24_000, 15_000, 8_000]
ESP2013_65 = [5500, 5000, 4000, 2500, 1500, 1000]  # sum 19,500

# The DSR by hand. Each band's crude rate per 100,000 times its ESP2013 weight:
#   65-69: 120 / 52,000 x 100,000 = 230.769230769...  x 5,500 = 1,269,230.769230769...
#   70-74: 180 / 44,000 x 100,000 = 409.090909090...  x 5,000 = 2,045,454.545454545...
#   75-79: 260 / 33,000 x 100,000 = 787.878787878...  x 4,000 = 3,151,515.151515151...
#   80-84: 330 / 24,000 x 100,000 = 1,375             x 2,500 = 3,437,500
#   85-89: 310 / 15,000 x 100,000 = 2,066.666666666...x 1,500 = 3,100,000
#   90+:   240 /  8,000 x 100,000 = 3,000             x 1,000 = 3,000,000
# Sum of the weighted rates: 16,003,700.466200466... (exactly 6,865,587,500 / 429);
# divided by the weights' sum 19,500: 820.70258801028032... (exactly 13,731,175 / 16,731).
HAND_WORKED_DSR = 820.7025880102803


def _d(values: list[int]) -> list[D]:
    return [D(v) for v in values]


def test_dsr_matches_the_hand_worked_example() -> None:
    """The DSR of six 65+ bands is sum(w x count / population) / sum(w) x 100,000, to 1e-9."""
    result = dsr(_d(COUNTS), _d(POPULATIONS), _d(ESP2013_65))
    assert abs(float(result) - HAND_WORKED_DSR) < 1e-9
    with localcontext() as context:
        context.prec = 28
        assert result == D(13_731_175) / D(16_731)  # the exact fraction, to Decimal's 28 digits


def test_six_bands_default_to_esp2013_65_plus(policy: Policy) -> None:
    """Without weights, six bands take ESP2013's 65-69 ... 90+ weights from the policy data (sum 19,500)."""
    assert dsr(_d(COUNTS), _d(POPULATIONS)) == dsr(_d(COUNTS), _d(POPULATIONS), _d(ESP2013_65))
    older = policy.standard_population.older_people
    assert [band for band, _ in older] == ["65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
    assert sum(weight for _, weight in older) == 19_500
    assert sum(policy.standard_population.weights) == 100_000
    assert "Eurostat" in policy.standard_population.source


def test_equal_crude_rates_give_that_rate_whatever_the_weights() -> None:
    """When every band has the same crude rate, the standardised rate is that rate."""
    assert dsr(_d([5, 10, 20]), _d([1000, 2000, 4000]), _d([7, 1, 3]), D(1000)) == D(5)


@pytest.mark.parametrize(
    ("counts", "populations", "weights", "message"),
    [
        ([1, 2], [10, 10, 10], None, r"^populations: must have one population per count \(2\) \(got \"3\"\)"),
        ([1, 2, 3], [10, 10, 10], None, r"^weights: are required unless the 6 bands .*65-69.*90\+"),
        ([1, 2], [10, 10], [1], r"^weights: must have one weight per count \(2\)"),
        ([1, -2], [10, 10], [1, 1], r"^counts band 2: must not be negative \(got -2\)"),
        ([1, 2], [10, 0], [1, 1], r"^populations band 2: must be above 0 \(got 0\)"),
        ([1, 2], [10, -5], [1, 1], r"^populations band 2: must be above 0"),
        ([1, 2], [10, 10], [0, 0], r"^weights: must not all be 0"),
        ([], [], None, r"^counts: must give at least one age band"),
    ],
)
def test_bad_bands_name_the_argument(
    counts: list[int], populations: list[int], weights: list[int] | None, message: str
) -> None:
    """Bad shapes, negative counts, populations of 0 or less and missing weights are refused by argument name."""
    with pytest.raises(BcfInputError, match=message):
        dsr(_d(counts), _d(populations), None if weights is None else _d(weights))


# --- the Poisson limits beneath Dobson's method ----------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "lower", "upper"),
    [
        # Exact 95% limits of a Poisson count, as tabulated (e.g. the APHO/PHE technical briefing on
        # confidence intervals, and Garwood 1936): 1 -> 0.0253 to 5.5716, 5 -> 1.6235 to 11.6683,
        # 10 -> 4.7954 to 18.3904, 20 -> 12.2165 to 30.8884.
        (1, 0.0253, 5.5716),
        (5, 1.6235, 11.6683),
        (10, 4.7954, 18.3904),
        (20, 12.2165, 30.8884),
    ],
)
def test_poisson_limits_match_the_published_table(observed: int, lower: float, upper: float) -> None:
    """The exact Poisson limits (half the chi-square quantiles) match the published 95% table to 4 places."""
    low, high = poisson_limits(observed, 0.95)
    assert round(low, 4) == lower and round(high, 4) == upper


def test_no_events_has_lower_limit_zero() -> None:
    """With no events the lower Poisson limit is 0 and the upper is -ln(0.025) = 3.6889 (the 95% table)."""
    low, high = poisson_limits(0, 0.95)
    assert low == 0.0
    assert math.isclose(high, -math.log(0.025), rel_tol=1e-12)


def _decimal_gamma_p(a: int, x: float) -> float:
    """P(a, x) for a whole shape by its series in 50-digit Decimal, with log Gamma(a) = log((a - 1)!)."""
    with localcontext() as context:
        context.prec = 50
        big_a, big_x = D(a), D(repr(x))
        log_gamma = sum((D(k).ln() for k in range(2, a)), D(0))
        term = total = 1 / big_a
        n = big_a
        while term > total * D("1e-40"):
            n += 1
            term *= big_x / n
            total += term
        return float(total * (-big_x + big_a * big_x.ln() - log_gamma).exp())


@pytest.mark.parametrize(
    ("a", "p"), [(1, 0.025), (7, 0.975), (60, 0.025), (1_431, 0.025), (1_431, 0.999), (25_000, 1e-6)]
)
def test_gamma_quantile_against_a_decimal_series(a: int, p: float) -> None:
    """The gamma quantile x solves P(a, x) = p, P worked independently in 50-digit Decimal (to 1e-11 relative)."""
    x = gamma_quantile(a, p)
    assert math.isclose(_decimal_gamma_p(a, x), p, rel_tol=1e-11)
    assert math.isclose(gamma_p(a, x), p, rel_tol=1e-12)


@pytest.mark.parametrize("a", [3.276843518218324e-281, 1e-300, 1e-100, 1e-10, 1e-3])
@pytest.mark.parametrize("p", [0.025, 0.975])
def test_gamma_quantile_of_a_tiny_shape_is_found_without_overflow(a: float, p: float) -> None:
    """A shape so small that Wilson and Hilferty's starting guess would overflow (a count of 3e-281 events, as a cell
    can pass) still gives a quantile, within 1e-60 of SciPy's (or 1e-9 relative): the search starts from its bracket
    instead."""
    assert math.isclose(gamma_quantile(a, p), float(special.gammaincinv(a, p)), rel_tol=1e-9, abs_tol=1e-60)


@settings(max_examples=200, deadline=None)
@given(
    a=st.floats(min_value=0.5, max_value=1e5),
    p=st.floats(min_value=1e-9, max_value=1 - 1e-9),
)
def test_gamma_quantile_agrees_with_scipy(a: float, p: float) -> None:
    """The pure-Python gamma quantile (used in Pyodide) agrees with SciPy's to 1e-11 relative."""
    assert math.isclose(gamma_quantile(a, p), float(special.gammaincinv(a, p)), rel_tol=1e-11)


# --- Dobson's interval -------------------------------------------------------------------------------


def _dobson_by_scipy(
    counts: list[int], populations: list[int], weights: list[int], level: float
) -> tuple[float, float]:
    """Dobson's interval worked with SciPy's chi-square quantiles, in floats: an independent computation."""
    total = sum(weights)
    rate = sum(w * c / n for w, c, n in zip(weights, counts, populations, strict=True)) / total * 1e5
    variance = sum((w / total) ** 2 * c / n**2 for w, c, n in zip(weights, counts, populations, strict=True)) * 1e10
    observed = sum(counts)
    low = stats.chi2.ppf((1 - level) / 2, 2 * observed) / 2
    high = stats.chi2.ppf((1 + level) / 2, 2 * observed + 2) / 2
    spread = math.sqrt(variance / observed)
    return rate + spread * (low - observed), rate + spread * (high - observed)


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_dobson_interval_matches_an_independent_computation(level: float) -> None:
    """bcf_dsr_ci's limits equal Dobson's formula worked with SciPy's chi-square quantiles, to 1e-9."""
    lower, upper = dsr_ci(_d(COUNTS), _d(POPULATIONS), level=D(repr(level)))
    expected = _dobson_by_scipy(COUNTS, POPULATIONS, ESP2013_65, level)
    assert abs(float(lower) - expected[0]) < 1e-9
    assert abs(float(upper) - expected[1]) < 1e-9
    assert float(lower) < HAND_WORKED_DSR < float(upper)


def test_dobson_interval_by_hand_for_equal_bands() -> None:
    """With equal weights, populations and counts, Dobson's interval is the crude rate's exact Poisson interval.

    Six bands of 10 events in 1,000 people and equal weights: DSR = 1,000 per 100,000, O = 60, and
    V = 6 x (1/6)^2 x 10 / 1,000^2 x 100,000^2 = 16,666.67, so sqrt(V / O) = 1,000 / 60 and the
    limits are O_L and O_U times 1,000 / 60: the exact 95% limits of 60 (45.7863 and 77.2319, half
    chi-square's 2.5% point on 120 and 97.5% point on 122 degrees of freedom) give 763.11 and 1,287.20.
    """
    lower, upper = dsr_ci([D(10)] * 6, [D(1000)] * 6, [D(1)] * 6)
    low, high = poisson_limits(60, 0.95)
    assert math.isclose(float(lower), low * 1000 / 60, rel_tol=1e-12)
    assert math.isclose(float(upper), high * 1000 / 60, rel_tol=1e-12)
    assert (round(float(lower), 2), round(float(upper), 2)) == (763.11, 1287.20)


@pytest.mark.parametrize(
    ("counts", "level", "message"),
    [
        ([0] * 6, "0.95", r"^counts: add up to 0; Dobson's interval needs at least one event"),
        ([1] * 6, "95", r"^level: must be a fraction between 0.5 and 1"),
        ([1] * 6, "0.4", r"^level: must be a fraction between 0.5 and 1"),
        ([2_000_000] * 6, "0.95", r"^counts: add up to more than 10,000,000"),
    ],
)
def test_dobson_refusals_name_the_argument(counts: list[int], level: str, message: str) -> None:
    """No events, a level that is not a fraction above 0.5, and counts beyond ten million are refused by name."""
    with pytest.raises(BcfInputError, match=message):
        dsr_ci(_d(counts), _d(POPULATIONS), level=D(level))


def test_dobson_refuses_populations_too_small_for_floating_point() -> None:
    """Populations so small that the interval overflows floating point are refused by name, never shown as infinity."""
    with pytest.raises(BcfInputError, match=r"^populations: are too small for the interval to be computed"):
        dsr_ci([D(1), D(1)], [D("1e-300"), D("1e-300")], [D(1), D(1)])


# --- the cell functions ---------------------------------------------------------------------------------


def test_bcf_dsr_as_excel_passes_a_column() -> None:
    """A column of six counts and six populations (lists of one-item rows) gives the hand-worked DSR."""
    result = bcf_dsr([[float(c)] for c in COUNTS], [[float(n)] for n in POPULATIONS])
    assert isinstance(result, float) and abs(result - HAND_WORKED_DSR) < 1e-9
    assert bcf_dsr([float(c) for c in COUNTS], [float(n) for n in POPULATIONS], None, 1000.0) == pytest.approx(
        HAND_WORKED_DSR / 100, abs=1e-9
    )


def test_bcf_dsr_ci_spills_lower_then_upper() -> None:
    """bcf_dsr_ci spills two rows, the lower limit above the upper, equal to the engine's interval."""
    result = bcf_dsr_ci([[float(c)] for c in COUNTS], [[float(n)] for n in POPULATIONS])
    lower, upper = dsr_ci(_d(COUNTS), _d(POPULATIONS))
    assert result == [[float(lower)], [float(upper)]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([[1.0], [None], [3.0]], [[10.0], [10.0], [10.0]], [1.0, 1.0, 1.0]), "#BCF! counts cell 2: every age band"),
        (([1.0, 2.0, 3.0], [10.0, None, 10.0], [1.0, 1.0, 1.0]), "#BCF! populations cell 2: every age band"),
        (([1.0, 2.0], [[10.0, 10.0]], None), "#BCF! populations: must be the same shape as counts (2x1)"),
        (([1.0, 2.0], [10.0, 10.0], [[1.0, 1.0]]), "#BCF! weights: must be the same shape as counts (2x1)"),
        (([1.0, 2.0], [10.0, 0.0], [1.0, 1.0]), "#BCF! populations band 2: must be above 0 (got 0)"),
        (([1.0, 2.0], [10.0, -3.0], [1.0, 1.0]), "#BCF! populations band 2: must be above 0 (got -3)"),
        (([1.0, "#N/A"], [10.0, 10.0], [1.0, 1.0]), "#BCF! counts cell 2: the input holds the Excel error #N/A"),
        (([1.0, 2.0], [10.0, 10.0]), "#BCF! weights: are required unless the 6 bands"),
    ],
)
def test_bcf_dsr_bad_input_names_the_argument(args: tuple[object, ...], message: str) -> None:
    """A blank band, a range of another shape, a population of 0 or less and an Excel error name their argument."""
    result = bcf_dsr(*args)
    assert isinstance(result, str) and result.startswith(message), result
    assert bcf_dsr_ci(*args) == result


def test_standardised_rates_need_nothing_beyond_the_standard_library() -> None:
    """bcf_dsr and bcf_dsr_ci run where SciPy cannot (Pyodide): computing an interval imports no SciPy or NumPy."""
    code = (
        "import sys; from bcf_xl.cells import bcf_dsr_ci; "
        "bcf_dsr_ci([1.0, 2.0], [10.0, 10.0], [1.0, 1.0]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'numpy', 'pandas'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
