"""bcf_xl.money: reading cell values, half-up rounding, exact allocation, quarters and display."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.money import (
    allocate,
    allocate_pence,
    excel_error,
    format_pounds,
    format_thousands,
    is_pence,
    parse_amount,
    quarters,
    to_decimal,
    to_pence,
    to_thousands,
    total,
)
from tests.strategies import pence, scale_factors, sub_pence, weights

D = Decimal
PENNY = D("0.01")
INCOME_F12 = Location(sheet="4. Income", cell="F12", field="DFG")


# --- reading cell values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (12, "12"),
        (-7, "-7"),
        (0.1, "0.1"),
        (1234.5, "1234.5"),
        (2.675, "2.675"),
        (1e-7, "1E-7"),
        (D("3.10"), "3.10"),
        ("£1,234.50", "1234.50"),
        ("(1,234.50)", "-1234.50"),
        ("(£5)", "-5"),
        ("-£5", "-5"),
        ("£-5", "-5"),
        ("+7.5", "7.5"),
        (" 12 ", "12"),
        (".5", "0.5"),
        ("12,345,678.9", "12345678.9"),
        ("1234", "1234"),
    ],
)
def test_parse_amount_reads_cell_values(value: object, expected: str) -> None:
    """Ints, floats (through repr), Decimals and currency text read as the Decimal a person would write."""
    result = parse_amount(value)
    assert result == D(expected)
    assert str(result) == expected  # same digits and exponent: 0.1 stays 0.1, not 0.1000000000000000055...


def test_float_is_read_through_repr_not_binary_value() -> None:
    """0.1 as a float becomes exactly Decimal('0.1'), never Decimal(0.1)'s 55 binary digits."""
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal(0.1) != D(0.1)
    assert to_decimal(0.1) + to_decimal(0.2) == D("0.3")


def test_negative_zero_float_reads_as_plain_zero() -> None:
    """-0.0 from a cell is normalised to an unsigned zero (it would otherwise print as -0.0)."""
    result = to_decimal(-0.0)
    assert result == 0
    assert not result.is_signed()


@pytest.mark.parametrize("blank", [None, "", "   ", "\t"])
def test_blank_cells_parse_to_none(blank: object) -> None:
    """A blank cell (None or whitespace-only text) is no amount at all, not zero."""
    assert parse_amount(blank) is None


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_to_decimal_blank_uses_the_supplied_default(blank: object) -> None:
    """to_decimal gives the caller's blank value for a blank cell, as SUM treats a blank as zero."""
    assert to_decimal(blank, blank=D("0")) == 0
    assert to_decimal(blank, blank=D("-1")) == D("-1")


def test_to_decimal_blank_without_default_is_an_error_naming_the_place() -> None:
    """A blank where a number is required raises, naming the cell and saying a blank arrived."""
    with pytest.raises(BcfInputError) as info:
        to_decimal(None, INCOME_F12)
    assert str(info.value) == "'4. Income'!F12 DFG: a number is required (got a blank)"
    assert info.value.location == INCOME_F12


@pytest.mark.parametrize(
    ("value", "rule", "shown"),
    [
        (True, "must be a number, not TRUE/FALSE", "TRUE"),
        (False, "must be a number, not TRUE/FALSE", "FALSE"),
        (float("nan"), "must be a finite number", "nan"),
        (float("inf"), "must be a finite number", "inf"),
        (float("-inf"), "must be a finite number", "-inf"),
        (D("NaN"), "must be a finite number", "NaN"),
        (D("Infinity"), "must be a finite number", "Infinity"),
        ("twelve", "must be a number such as 1234.50 or £1,234.50", '"twelve"'),
        ("1,23", "must be a number such as 1234.50 or £1,234.50", '"1,23"'),
        ("12,3456", "must be a number such as 1234.50 or £1,234.50", '"12,3456"'),
        ("1,234,5", "must be a number such as 1234.50 or £1,234.50", '"1,234,5"'),
        ("1e5", "must be a number such as 1234.50 or £1,234.50", '"1e5"'),
        ("£", "must be a number such as 1234.50 or £1,234.50", '"£"'),
        ("-(5)", "must be a number such as 1234.50 or £1,234.50", '"-(5)"'),
        ("--5", "must be a number such as 1234.50 or £1,234.50", '"--5"'),
        ("(-5)", "must be a number such as 1234.50 or £1,234.50", '"(-5)"'),
        ("-£-5", "must be a number such as 1234.50 or £1,234.50", '"-£-5"'),
        ([1], "must be a number", "a range of 1 cell"),
    ],
)
def test_bad_cell_values_are_rejected_naming_place_rule_and_value(value: object, rule: str, shown: str) -> None:
    """Booleans, NaN, infinities and non-numeric text raise BcfInputError: place, rule and what arrived."""
    with pytest.raises(BcfInputError) as info:
        to_decimal(value, INCOME_F12)
    assert str(info.value) == f"'4. Income'!F12 DFG: {rule} (got {shown})"


def test_parse_amount_names_a_plain_field_as_the_place() -> None:
    """A string place becomes the field named at the start of the message."""
    with pytest.raises(BcfInputError, match=re.escape("Planned expenditure: must be a number such as")):
        parse_amount("twelve", "Planned expenditure")


# --- rounding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("2.675", "2.68"),
        ("-2.675", "-2.68"),
        ("2.665", "2.67"),
        ("2.6649999", "2.66"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("0.00499", "0.00"),
        ("1", "1.00"),
        ("1234567.125", "1234567.13"),
    ],
)
def test_to_pence_rounds_half_up_away_from_zero(amount: str, expected: str) -> None:
    """to_pence rounds half-up as Excel's ROUND does (banker's rounding would give 2.66 for 2.665)."""
    result = to_pence(D(amount))
    assert result == D(expected)
    assert str(result) == expected


def test_to_pence_of_float_cell_value_2_675() -> None:
    """The float 2.675 (binary 2.67499...) read through repr still rounds to 2.68, unlike round(2.675, 2)."""
    assert round(2.675, 2) == 2.67  # the trap this engine avoids
    assert to_pence(to_decimal(2.675)) == D("2.68")


@pytest.mark.parametrize(
    ("amount", "places", "expected"),
    [
        ("1234500", 0, "1235"),
        ("1234499.99", 0, "1234"),
        ("-1234500", 0, "-1235"),
        ("500", 0, "1"),
        ("1234450", 1, "1234.5"),
        ("1234567", 2, "1234.57"),
        ("0", 0, "0"),
    ],
)
def test_to_thousands_rounds_half_up_to_places(amount: str, places: int, expected: str) -> None:
    """to_thousands divides by 1,000 and rounds half-up (500 is £1k, not banker's £0k)."""
    result = to_thousands(D(amount), places)
    assert result == D(expected)
    assert str(result) == expected


def test_to_thousands_rejects_negative_places() -> None:
    """Negative decimal places are refused with a message naming 'places'."""
    with pytest.raises(BcfInputError, match=r"^places: must be 0 or more \(got -1\)$"):
        to_thousands(D("1000"), -1)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.00", True), ("1", True), ("-3.07", True), ("100.005", False), ("0.001", False), ("-0.999", False)],
)
def test_is_pence(amount: str, expected: bool) -> None:
    """is_pence is true only for whole numbers of pence, whatever the exponent."""
    assert is_pence(D(amount)) is expected


# --- allocation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "parts_weights", "expected"),
    [
        ("100", ["1", "1", "1"], ["33.34", "33.33", "33.33"]),
        ("-100", ["1", "1", "1"], ["-33.34", "-33.33", "-33.33"]),
        ("0.02", ["1", "1", "1"], ["0.01", "0.01", "0.00"]),
        ("10.00", ["3", "3", "1"], ["4.29", "4.28", "1.43"]),
        ("1.00", ["1"] * 7, ["0.15", "0.15", "0.14", "0.14", "0.14", "0.14", "0.14"]),
        ("100", ["1", "0", "1"], ["50.00", "0.00", "50.00"]),
        ("0.01", ["0", "1", "1"], ["0.00", "0.01", "0.00"]),
        ("10", ["0.333", "0.667"], ["3.33", "6.67"]),
        ("100000", ["0.4", "0.3", "0.2", "0.1"], ["40000.00", "30000.00", "20000.00", "10000.00"]),
        ("0", ["2", "5"], ["0.00", "0.00"]),
        ("123.45", ["7"], ["123.45"]),
    ],
)
def test_allocate_largest_remainder(amount: str, parts_weights: list[str], expected: list[str]) -> None:
    """Floor each share to the penny, give left-over pennies to the largest remainders (ties to the earlier)."""
    result = allocate(D(amount), [D(w) for w in parts_weights])
    assert result == tuple(D(e) for e in expected)
    assert [str(part) for part in result] == expected


def test_allocate_largest_remainder_beats_position() -> None:
    """The left-over penny goes to the part with the largest remainder, even when it comes last.

    0.10 by 1:1:2 is 2.5p, 2.5p, 5p: floors 2+2+5 = 9p; the tie between parts 1 and 2 goes to part 1.
    0.10 by 2:2:3 is 2.857p, 2.857p, 4.286p: floors 2+2+4 = 8p; remainders .857, .857, .286 -> parts 1 and 2.
    """
    assert allocate(D("0.10"), [D(1), D(1), D(2)]) == (D("0.03"), D("0.02"), D("0.05"))
    assert allocate(D("0.10"), [D(2), D(2), D(3)]) == (D("0.03"), D("0.03"), D("0.04"))


@pytest.mark.parametrize(
    ("amount", "bad_weights", "message"),
    [
        ("100", [D(1), D(-1)], r"^risk: weight 2 must not be negative \(got -1\)$"),
        ("100", [D(0), D(0)], r"^risk: weights must not all be zero \(got 0\)$"),
        ("100", [], r"^risk: at least one weight is needed"),
        ("100.005", [D(1)], r"^total: must be a whole number of pence to be split exactly \(got 100\.005\)$"),
        ("-0.001", [D(1)], r"^total: must be a whole number of pence"),
    ],
)
def test_allocate_rejects_bad_input(amount: str, bad_weights: list[Decimal], message: str) -> None:
    """A negative weight, all-zero or no weights, or a total in fractions of a penny cannot be split exactly."""
    with pytest.raises(BcfInputError, match=message):
        allocate(D(amount), bad_weights, "risk")


@given(pence(), weights())
def test_allocate_parts_sum_exactly_to_total(amount: Decimal, ws: list[Decimal]) -> None:
    """Allocated parts always add back to the total, to the penny: nothing lost, nothing invented."""
    parts = allocate(amount, ws)
    assert len(parts) == len(ws)
    assert total(parts) == amount


@given(pence(), weights())
def test_allocate_parts_are_whole_pence_within_a_penny_of_exact_share(amount: Decimal, ws: list[Decimal]) -> None:
    """Each part is whole pence and strictly less than a penny from its exact (rational) share."""
    parts = allocate(amount, ws)
    weight_sum = sum((Fraction(w) for w in ws), Fraction(0))
    for part, w in zip(parts, ws, strict=True):
        assert part == part.quantize(PENNY)
        exact = Fraction(amount) * Fraction(w) / weight_sum
        assert abs(Fraction(part) - exact) < Fraction(1, 100)


@given(pence(), weights())
def test_allocate_zero_weight_gets_zero_and_sign_follows_total(amount: Decimal, ws: list[Decimal]) -> None:
    """A zero weight always gets zero; no part has the opposite sign to the total."""
    parts = allocate(amount, ws)
    for part, w in zip(parts, ws, strict=True):
        if w == 0:
            assert part == 0
        assert part * amount >= 0


@given(pence(), weights())
def test_allocate_negative_total_mirrors_positive(amount: Decimal, ws: list[Decimal]) -> None:
    """Splitting -x gives exactly the negated parts of splitting x (a refund mirrors a payment)."""
    assert allocate(-amount, ws) == tuple(-part for part in allocate(amount, ws))


@given(pence(), weights(), scale_factors())
def test_allocate_is_deterministic_and_scale_free(amount: Decimal, ws: list[Decimal], factor: Decimal) -> None:
    """The same input gives the same parts, and scaling every weight by a positive factor changes nothing."""
    first = allocate(amount, ws)
    assert allocate(amount, list(ws)) == first
    assert allocate(amount, [w * factor for w in ws]) == first


# --- quarters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annual", "expected"),
    [
        ("1000", ["250.00", "250.00", "250.00", "250.00"]),
        ("1000.01", ["250.00", "250.00", "250.00", "250.01"]),
        ("1000.02", ["250.00", "250.00", "250.00", "250.02"]),
        ("1000.03", ["250.00", "250.00", "250.00", "250.03"]),
        ("1000.07", ["250.01", "250.01", "250.01", "250.04"]),
        ("1000.005", ["250.00", "250.00", "250.00", "250.01"]),
        ("-1000.03", ["-250.00", "-250.00", "-250.00", "-250.03"]),
        ("0.02", ["0.00", "0.00", "0.00", "0.02"]),
        ("0", ["0.00", "0.00", "0.00", "0.00"]),
    ],
)
def test_quarters_three_equal_and_fourth_settles(annual: str, expected: list[str]) -> None:
    """Q1-Q3 are a quarter cut to the penny; Q4 takes the 0-3p rest (annual first rounded half-up to pence)."""
    result = quarters(D(annual))
    assert result == tuple(D(e) for e in expected)
    assert [str(q) for q in result] == expected


@given(sub_pence(places=4))
def test_quarters_sum_to_the_annual_in_pence(annual: Decimal) -> None:
    """The four quarters add up exactly to the annual amount rounded to the penny; Q1-Q3 are equal; Q4 is
    0 to 3 pence further from zero and never of the other sign."""
    q1, q2, q3, q4 = quarters(annual)
    assert q1 + q2 + q3 + q4 == to_pence(annual)
    assert q1 == q2 == q3
    assert D("0") <= abs(q4) - abs(q1) <= D("0.03")
    assert q1 * to_pence(annual) >= 0 and q4 * to_pence(annual) >= 0


# --- rounding properties -------------------------------------------------------------------------


@given(sub_pence())
def test_to_pence_is_idempotent_and_within_half_a_penny(amount: Decimal) -> None:
    """Rounding twice changes nothing, and the rounded amount is never more than half a penny away."""
    once = to_pence(amount)
    assert to_pence(once) == once
    assert is_pence(once)
    assert abs(once - amount) <= D("0.005")


@given(sub_pence())
def test_to_pence_is_symmetric(amount: Decimal) -> None:
    """Half-up rounds halves away from zero, so rounding -x is -(rounding x)."""
    assert to_pence(-amount) == -to_pence(amount)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_to_decimal_reads_ints_exactly(value: int) -> None:
    """Whole numbers of any size come through unchanged."""
    assert to_decimal(value) == D(value)


# --- display -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.5", "£1,234.50"),
        ("-1234.5", "-£1,234.50"),
        ("0", "£0.00"),
        ("-0.004", "£0.00"),
        ("2.675", "£2.68"),
        ("1234567.891", "£1,234,567.89"),
        ("-0.005", "-£0.01"),
    ],
)
def test_format_pounds(amount: str, expected: str) -> None:
    """Pounds show with a leading minus, £, thousands separators and pence rounded half-up; no '-£0.00'."""
    assert format_pounds(D(amount)) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234500", "£1,235k"),
        ("-1234500", "-£1,235k"),
        ("499.99", "£0k"),
        ("500", "£1k"),
        ("-400", "£0k"),
        ("1000000000", "£1,000,000k"),
    ],
)
def test_format_thousands(amount: str, expected: str) -> None:
    """£000 display rounds half-up to whole thousands and never shows '-£0k'."""
    assert format_thousands(D(amount)) == expected


def test_absurdly_large_amounts_are_refused() -> None:
    """An amount of a quadrillion pounds or more is refused by name (pence must fit Decimal's precision)."""
    assert parse_amount("999,999,999,999,999.99") == D("999999999999999.99")
    with pytest.raises(BcfInputError, match="is too large: amounts must be below 1,000,000,000,000,000"):
        parse_amount(1e15)
    with pytest.raises(BcfInputError, match="is too large"):
        parse_amount(-1e26)


def test_messages_stay_on_one_line() -> None:
    """Line breaks in what arrived are shown escaped, so an error is always one line."""
    with pytest.raises(BcfInputError) as caught:
        parse_amount("12\nthirteen", "Income")
    assert str(caught.value) == 'Income: must be a number such as 1234.50 or £1,234.50 (got "12\\nthirteen")'


# --- Excel error values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#N/A", "#N/A"),
        (" #div/0! ", "#DIV/0!"),
        ("#REF!", "#REF!"),
        ("#SPILL!", "#SPILL!"),
        ("#GETTING_DATA", "#GETTING_DATA"),
        ("N/A", None),
        ("#BCF! amount: a number is required", None),
        ("#", None),
        ("", None),
        (None, None),
        (0.0, None),
        (True, None),
    ],
)
def test_excel_error_recognises_every_error_value_and_nothing_else(value: object, expected: str | None) -> None:
    """An Excel error value is recognised whatever its case and spacing, and given back in capitals; other text,
    blanks, numbers and a #BCF! message are not Excel errors."""
    assert excel_error(value) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.lists(
        st.one_of(st.sampled_from([0, 1, 7, 25, 9625]), st.integers(min_value=0, max_value=10**13)),
        min_size=1,
        max_size=60,
    ).filter(any),
)
def test_allocate_in_pence_is_allocate(pennies: int, weights: list[int]) -> None:
    """allocate_pence gives exactly the parts allocate gives in Decimal for the same total and weights, also when
    many weights are equal (equal remainders: the pennies go to the earlier parts) and amounts are large."""
    expected = allocate(D(pennies).scaleb(-2), [D(w) for w in weights])
    assert allocate_pence(pennies, weights) == [int(part.scaleb(2)) for part in expected]
