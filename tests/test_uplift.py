"""bcf_xl.uplift: inflation uplifts, compounding, minimum spends and budget roll-forward."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from bcf_xl.errors import BcfInputError
from bcf_xl.money import to_pence
from bcf_xl.uplift import MinimumSpend, roll_forward, shortfall, uplift, uplift_series
from tests.strategies import amounts, pence, rates, sub_pence

D = Decimal


def test_uplift_domain_example() -> None:
    """A £10,000,000 ASC minimum at 5.66% is £10,566,000.00 the next year (docs/domain.md section 3)."""
    result = uplift(D("10000000"), D("0.0566"))
    assert result == D("10566000.00")
    assert str(result) == "10566000.00"


@pytest.mark.parametrize(
    ("amount", "rate", "years", "expected"),
    [
        # 1.0566 ** 2 = 1.11640356, so £10m becomes £11,164,035.60.
        ("10000000", "0.0566", 2, "11164035.60"),
        # 1.039 ** 3 = 1.121622319; £1,000 becomes £1,121.622319 -> £1,121.62.
        ("1000", "0.039", 3, "1121.62"),
        # 100 x 1.005 ** 2 = 101.0025 -> 101.00 (one rounding, at the end).
        ("100", "0.005", 2, "101.00"),
        # A fall: 200 x 0.95 ** 2 = 180.50.
        ("200", "-0.05", 2, "180.50"),
        # 2017-18's 1.79% on £1,234,567.89 = 1,256,666.655231 -> 1,256,666.66.
        ("1234567.89", "0.0179", 1, "1256666.66"),
        # Half a penny rounds up: 0.50 x 1.01 = 0.505 -> 0.51.
        ("0.50", "0.01", 1, "0.51"),
        # Negative amounts round half away from zero too: -0.50 x 1.01 = -0.505 -> -0.51.
        ("-0.50", "0.01", 1, "-0.51"),
    ],
)
def test_uplift_compounds_then_rounds_half_up_once(amount: str, rate: str, years: int, expected: str) -> None:
    """uplift = amount x (1 + rate) ** years, rounded half-up to the penny once at the end."""
    assert uplift(D(amount), D(rate), years) == D(expected)


@pytest.mark.parametrize(("amount", "expected"), [("123.456", "123.46"), ("123.455", "123.46"), ("5", "5.00")])
def test_uplift_zero_years_returns_the_amount_to_the_penny(amount: str, expected: str) -> None:
    """No years of uplift returns the amount itself, rounded half-up to the penny."""
    result = uplift(D(amount), D("0.0566"), 0)
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize("years", [-1, -10, True, 1.0, "2"])
def test_uplift_rejects_years_that_are_not_whole_and_non_negative(years: object) -> None:
    """Years must be an int of 0 or more (a bool or float is refused), and the error names 'years'."""
    with pytest.raises(BcfInputError, match=r"^years: must be a whole number of years, 0 or more"):
        uplift(D("100"), D("0.0566"), years)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", ["-1", "-1.5", "-100"])
def test_uplift_rejects_rate_at_or_below_minus_one(rate: str) -> None:
    """A rate of -100% or less is refused: the error names 'rate' and the value received."""
    with pytest.raises(BcfInputError, match=rf"^rate: must be above -1 .*\(got {rate}\)$"):
        uplift(D("100"), D(rate))


def test_uplift_accepts_rate_just_above_minus_one() -> None:
    """-0.99 is a legal (if dramatic) rate: 100 x 0.01 = 1.00."""
    assert uplift(D("100"), D("-0.99")) == D("1.00")


def test_uplift_series_rounds_each_year() -> None:
    """Each year's figure is rounded before the next year's uplift, so it can differ from compounding once.

    £1.00 at 0.5%: year 1 is 1.005 -> 1.01; year 2 is 1.01 x 1.005 = 1.01505 -> 1.02.
    Compounding once: 1.00 x 1.005 ** 2 = 1.010025 -> 1.01, a penny less.
    """
    assert uplift_series(D("1.00"), [D("0.005"), D("0.005")]) == (D("1.01"), D("1.02"))
    assert uplift(D("1.00"), D("0.005"), 2) == D("1.01")


def test_uplift_series_with_different_rates_per_year() -> None:
    """A series applies each year's own rate: £10m at 5.66% then 3.9% is 10,566,000.00 then 10,978,074.00."""
    assert uplift_series(D("10000000"), [D("0.0566"), D("0.039")]) == (D("10566000.00"), D("10978074.00"))


def test_uplift_series_empty_rates_gives_no_figures() -> None:
    """No rates, no years: the series is empty."""
    assert uplift_series(D("100"), []) == ()


@pytest.mark.parametrize(
    ("calculated", "agreed", "planned", "required", "under_spend", "override_difference"),
    [
        ("100000.00", None, "80000.00", "100000.00", "20000.00", "0"),
        ("100000.00", None, "150000.00", "100000.00", "0.00", "0"),
        ("100000.00", None, "100000.00", "100000.00", "0.00", "0"),
        ("100000.00", "120000.00", "80000.00", "120000.00", "40000.00", "20000.00"),
        ("11164035.60", "10900000.00", "10900000.00", "10900000.00", "0.00", "-264035.60"),
        ("100000.00", "0.00", "5.00", "0.00", "0.00", "-100000.00"),
    ],
)
def test_minimum_spend_required_under_spend_and_override(
    calculated: str,
    agreed: str | None,
    planned: str,
    required: str,
    under_spend: str,
    override_difference: str,
) -> None:
    """required is the agreed figure when there is one; under-spend = max(0, required - planned)."""
    spend = MinimumSpend("2024-25", D(calculated), None if agreed is None else D(agreed), D(planned))
    assert spend.required == D(required)
    assert spend.under_spend == D(under_spend)
    assert spend.override_difference == D(override_difference)


@pytest.mark.parametrize(
    ("planned", "required", "expected"),
    [
        ("80", "100", "20.00"),
        ("100", "100", "0.00"),
        ("120", "100", "0.00"),
        ("99.995", "100", "0.01"),
        ("99.996", "100", "0.00"),
        ("-10", "0", "10.00"),
    ],
)
def test_shortfall_is_max_zero_rounded_half_up(planned: str, required: str, expected: str) -> None:
    """shortfall = max(0, required - planned), rounded half-up to the penny."""
    result = shortfall(D(planned), D(required))
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("budget", "investment", "expected"),
    [("1000.00", "250.50", "1250.50"), ("1000.00", "-250.50", "749.50"), ("500", "-500", "0"), ("0", "0.01", "0.01")],
)
def test_roll_forward_adds_investment_which_may_be_negative(budget: str, investment: str, expected: str) -> None:
    """Next year's line = this year's budget + additional investment (negative investment reduces it)."""
    assert roll_forward(D(budget), D(investment)) == D(expected)


# --- properties ----------------------------------------------------------------------------------


@given(
    pence(-10_000_000, 100_000_000),
    rates("-0.05", "0.10"),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=5),
)
def test_uplift_compounds_consistently(amount: Decimal, rate: Decimal, a: int, b: int) -> None:
    """Uplifting a+b years at once agrees with a years then b years, to within two pence of rounding."""
    at_once = uplift(amount, rate, a + b)
    in_two_steps = uplift(uplift(amount, rate, a), rate, b)
    assert abs(at_once - in_two_steps) <= D("0.02")


@given(sub_pence(places=5, limit=100_000_000), st.integers(min_value=0, max_value=10))
def test_uplift_at_zero_rate_is_the_amount_to_the_penny(amount: Decimal, years: int) -> None:
    """A 0% uplift over any number of years only rounds the amount half-up to the penny."""
    assert uplift(amount, D(0), years) == to_pence(amount)


@given(amounts(100_000_000), rates("-0.5", "0.5"), rates("-0.5", "0.5"), st.integers(min_value=0, max_value=5))
def test_uplift_is_monotonic_in_rate_for_positive_amounts(
    amount: Decimal, rate_a: Decimal, rate_b: Decimal, years: int
) -> None:
    """For a non-negative amount, a higher rate never gives a smaller uplifted figure."""
    low, high = sorted((rate_a, rate_b))
    assert uplift(amount, low, years) <= uplift(amount, high, years)


@given(amounts(100_000_000), st.lists(rates("0", "0.10"), min_size=1, max_size=5))
def test_uplift_series_stays_within_pennies_of_one_compound(amount: Decimal, year_rates: list[Decimal]) -> None:
    """Rounding each year drifts from compounding once by at most a penny per year (rates 0-10%)."""
    series = uplift_series(amount, year_rates)
    assert len(series) == len(year_rates)
    exact = Fraction(amount)
    for r in year_rates:
        exact *= 1 + Fraction(r)
    assert abs(Fraction(series[-1]) - exact) <= Fraction(len(year_rates), 100)
