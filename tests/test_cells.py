"""The bcf_* cell functions, called with exactly the values Excel passes through xlwings.

Numbers arrive as floats, blanks as None, text as str, TRUE/FALSE as bool, Excel errors as their
text (err_to_str), a one-cell range as a scalar, a row or column as a flat list, a block as a list
of rows. Bad input gives a one-line #BCF! text naming the argument and what arrived.
"""

from __future__ import annotations

import inspect
from decimal import Decimal as D
from unittest import mock

import pytest
from hypothesis import given, settings, strategies as st

from bcf_xl import cells
from bcf_xl.cells import (
    CATALOGUE,
    bcf_achieved,
    bcf_passport,
    bcf_progress,
    bcf_quarter,
    bcf_rag,
    bcf_rate,
    bcf_share,
    bcf_shortfall,
    bcf_total,
    bcf_uplift,
    catalogue_text,
    is_error,
)
from bcf_xl.money import allocate, to_pence
from bcf_xl.risk import share_risk

# --- the examples the catalogue promises --------------------------------------------------------


def test_issue_examples() -> None:
    """The worked examples of the function catalogue hold."""
    assert bcf_uplift(10000000.0, 0.0566) == 10566000.0
    assert bcf_passport(100.0, [1.0, 1.0, 1.0]) == [[33.34], [33.33], [33.33]]
    assert bcf_rag(620.0, 600.0, 650.0) == "Amber"
    assert bcf_rag(620.0, 600.0, None, False, 0.02) == "Red"
    assert bcf_rag(0.9, 0.85, None, True) == "Green"
    assert bcf_quarter(1000.0, 4.0) == 250.0


# --- bcf_uplift ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((10000000.0, 0.0566, 2.0), 11164035.6),  # 10,000,000 x 1.0566^2 = 11,164,035.60
        ((11250000.0, 0.0566, None), 11886750.0),  # years omitted: 1
        (("£1,000.00", "0.039", 1.0), 1039.0),  # text numbers as officers paste them
        ((100.0, 0.1, 0.0), 100.0),
        ((0.1, 0.0, 1.0), 0.1),  # 0.1 stays 0.1 (read through repr)
        ((2.675, 0.0, 1.0), 2.68),  # half-up, not banker's rounding
        ((-500.0, 0.05, 1.0), -525.0),
    ],
)
def test_uplift(args: tuple[object, ...], expected: float) -> None:
    """amount x (1 + rate)^years, half-up to the penny."""
    assert bcf_uplift(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100.0, 566.0), "#BCF! rate: must be a fraction from -0.5 to 0.5, such as 0.0566 for 5.66% (got 566)"),
        ((100.0, 5.66), "#BCF! rate: must be a fraction from -0.5 to 0.5, such as 0.0566 for 5.66% (got 5.66)"),
        (("ten", 0.05), '#BCF! amount: must be a number such as 1234.50 or £1,234.50 (got "ten")'),
        ((None, 0.05), "#BCF! amount: a number is required (got a blank)"),
        (("#REF!", 0.05), "#BCF! amount: the input holds the Excel error #REF!"),
        ((100.0, "#N/A"), "#BCF! rate: the input holds the Excel error #N/A"),
        ((100.0, 0.05, 1.5), "#BCF! years: must be a whole number (got 1.5)"),
        ((100.0, 0.05, -1.0), "#BCF! years: must be from 0 to 100 (got -1)"),
        ((100.0, True), "#BCF! rate: must be a number, not TRUE/FALSE (got TRUE)"),
        (([1.0, 2.0], 0.05), "#BCF! amount: must be a single cell, not a range of 2 cells"),
    ],
)
def test_uplift_bad_input(args: tuple[object, ...], message: str) -> None:
    """Bad input shows one line naming the argument, the rule and what arrived; a rate of 566 is refused."""
    assert bcf_uplift(*args) == message


# --- bcf_total ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.1,), 0.1),  # a one-cell range arrives as a scalar
        (([0.1, 0.2, None, 0.3],), 0.6),  # exact: float addition would give 0.6000000000000001
        (([[1.5, None], [2.25, 3.0]],), 6.75),  # a block arrives as a list of rows
        (([None, None],), 0.0),
        ((["£1,000.50", 2.0],), 1002.5),
        (([10.0, 20.0, 30.0], ["Carers", " carers ", "Mental Health"], "CARERS"), 30.0),
        (([[10.0], [20.0], [30.0]], [["Carers"], [None], ["Mental Health"]], "mental health"), 30.0),
        (([10.0, 20.0], [2023.0, "2024"], 2024.0), 20.0),  # number categories compare as written
        (([10.0, 20.0], ["A", "B"], "C"), 0.0),
    ],
)
def test_total(args: tuple[object, ...], expected: float) -> None:
    """Exact sum with blanks ignored; with categories only the trimmed, case-insensitive matches."""
    assert bcf_total(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, "abc", 3.0],), '#BCF! amounts cell 2: must be a number such as 1234.50 or £1,234.50 (got "abc")'),
        (([1.0, "#DIV/0!"],), "#BCF! amounts cell 2: the input holds the Excel error #DIV/0!"),
        (([1.0, 2.0], ["a", "b", "c"], "a"), '#BCF! categories: must be the same shape as amounts (2x1) (got "3x1")'),
        (([[1.0, 2.0]], [["a"], ["b"]], "a"), '#BCF! categories: must be the same shape as amounts (1x2) (got "2x1")'),
        (([1.0, 2.0], ["a", "b"]), "#BCF! category: is required when categories are given (got a blank)"),
        (([1.0, 2.0], ["a", "#REF!"], "a"), "#BCF! categories cell 2: the input holds the Excel error #REF!"),
        (([1.0, True],), "#BCF! amounts cell 2: must be a number, not TRUE/FALSE (got TRUE)"),
    ],
)
def test_total_bad_input(args: tuple[object, ...], message: str) -> None:
    """Text or an Excel error where a number belongs, and mismatched shapes, are named, never summed silently."""
    assert bcf_total(*args) == message


# --- bcf_passport and bcf_share -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((100000.0, [0.4, 0.3, 0.2, 0.1]), [[40000.0], [30000.0], [20000.0], [10000.0]]),
        ((10000.0, [1134000.0, 966000.0, 840000.0]), [[3857.14], [3285.72], [2857.14]]),
        ((100.0, [[1.0, 1.0, 1.0]]), [[33.34], [33.33], [33.33]]),  # a row of weights still spills down
        ((0.05, [1.0, None, 1.0]), [[0.03], [0.0], [0.02]]),  # a blank weight gets nothing
        ((100.005, [1.0, 1.0]), [[50.01], [50.0]]),  # total rounded half-up to 100.01 first
        ((7.0, 1.0), [[7.0]]),
    ],
)
def test_passport(args: tuple[object, ...], expected: list[list[float]]) -> None:
    """One amount per weight, largest remainder, summing exactly to the total."""
    assert bcf_passport(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100.0, [0.0, 0.0]), "#BCF! weights: weights must not all be zero (got 0)"),
        ((100.0, [1.0, -1.0]), "#BCF! weights: weight 2 must not be negative (got -1)"),
        ((100.0, [1.0, "x"]), '#BCF! weights cell 2: must be a number such as 1234.50 or £1,234.50 (got "x")'),
        (("#REF!", [1.0]), "#BCF! total: the input holds the Excel error #REF!"),
    ],
)
def test_passport_bad_input(args: tuple[object, ...], message: str) -> None:
    """Weights that cannot split a total are refused with the weight named."""
    assert bcf_passport(*args) == message


def _engine_shares(amount: str, contributions: list[str]) -> list[list[float]]:
    """What the engine's risk share gives, as the cell spills it."""
    shared = share_risk(D(amount), [(f"P{i}", D(c)) for i, c in enumerate(contributions)])
    return [[float(part)] for _, part in shared.shares]


@pytest.mark.parametrize(
    ("args", "amount", "contributions"),
    [
        ((293900.0, [12060000.0, 1400000.0, 21865123.45]), "293900", ["12060000", "1400000", "21865123.45"]),
        ((-293900.0, [[12060000.0], [1400000.0], [21865123.45]]), "-293900", ["12060000", "1400000", "21865123.45"]),
        ((100.0, [[600.0, 400.0], [None, 250.0]]), "100", ["600", "400", "0", "250"]),  # a block, row by row
        (("£1,000.005", ["2,000", 1000.0]), "1000.01", ["2000", "1000"]),  # text as pasted; rounded half-up first
        ((5000.0, [3000.0, 1000.0]), "5000", ["3000", "1000"]),  # beyond the pool: capped
        ((-5000.0, [3000.0, None]), "-5000", ["3000", "0"]),  # an underspend beyond the pool is capped too
        ((7.0, 10.0), "7", ["10"]),  # a one-cell range arrives as a scalar
    ],
)
def test_share_is_the_engines_capped_risk_share(
    args: tuple[object, ...], amount: str, contributions: list[str]
) -> None:
    """bcf_share gives, for the values Excel passes (floats, text, blanks, rows, columns, blocks), exactly the
    engine's risk share: pro rata to contributions, to the penny, each share capped at its contribution."""
    assert bcf_share(*args) == _engine_shares(amount, contributions)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((300.0, [600.0, 400.0]), [[180.0], [120.0]]),  # within the pool: shares add up to the amount
        ((-100.0, [2.0, 1.0]), [[-2.0], [-1.0]]),  # an underspend of 100 on a pool of 3 returns 3
        ((5000.0, [3000.0, 1000.0]), [[3000.0], [1000.0]]),  # 1,000 is left to resources outside the pool
        ((100.0, [1.0, 1.0, 1.0]), [[1.0], [1.0], [1.0]]),
        ((2.0, [1.0, 1.0, 1.0]), [[0.67], [0.67], [0.66]]),  # pennies by largest remainder, ties to the first
    ],
)
def test_share_never_exceeds_a_contribution(args: tuple[object, ...], expected: list[list[float]]) -> None:
    """A partner's share of an over- or underspend never goes beyond what it contributed (unlike bcf_passport)."""
    assert bcf_share(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100.0, []), "#BCF! contributions: at least one weight is needed (got nothing)"),
        ((100.0, [None, 0.0]), "#BCF! contributions: weights must not all be zero (got 0)"),
        ((100.0, [1.0, -1.0]), "#BCF! contributions: weight 2 must not be negative (got -1)"),
        ((0.0, [-1e26]), "#BCF! contributions: weight 1 must not be negative (got -100000000000000000000000000)"),
        ((100.0, [1.0, "#DIV/0!"]), "#BCF! contributions cell 2: the input holds the Excel error #DIV/0!"),
        (
            (100.0, [[1.0], ["lots"]]),
            '#BCF! contributions cell 2: must be a number such as 1234.50 or £1,234.50 (got "lots")',
        ),
        (("#N/A", [1.0]), "#BCF! amount: the input holds the Excel error #N/A"),
        ((None, [1.0]), "#BCF! amount: a number is required (got a blank)"),
        (([1.0, 2.0], [1.0]), "#BCF! amount: must be a single cell, not a range of 2 cells"),
        ((True, [1.0]), "#BCF! amount: must be a number, not TRUE/FALSE (got TRUE)"),
    ],
)
def test_share_bad_input(args: tuple[object, ...], message: str) -> None:
    """Contributions that cannot share an amount, and an amount that is not one number, are named with what arrived."""
    assert bcf_share(*args) == message


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=-(10**11), max_value=10**11),
    st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=6).filter(any),
)
def test_share_equals_the_engine_for_any_float_input(amount_pence: int, contributions_pence: list[int]) -> None:
    """For any amount and contributions in pence, as the floats Excel passes, bcf_share is the engine's risk share:
    no share beyond its contribution, and shares plus what is left outside the pool make the amount."""
    amount = D(amount_pence).scaleb(-2)
    contributions = [D(c).scaleb(-2) for c in contributions_pence]
    got = bcf_share(float(amount), [float(c) for c in contributions])
    assert got == _engine_shares(str(amount), [str(c) for c in contributions])
    assert isinstance(got, list)
    shares = [D(repr(row[0])) for row in got]
    assert all(abs(s) <= c for s, c in zip(shares, contributions, strict=True))
    outside = share_risk(amount, [(str(i), c) for i, c in enumerate(contributions)]).outside_pool
    assert sum(shares, D(0)) + outside == amount


# --- bcf_quarter, bcf_shortfall, bcf_rate --------------------------------------------------------


@pytest.mark.parametrize(
    ("annual", "expected"),
    [(1000.0, [250.0] * 4), (1000.03, [250.0, 250.0, 250.0, 250.03]), (13571475.0, [3392868.75] * 4)],
)
def test_quarter(annual: float, expected: list[float]) -> None:
    """Quarters 1-3 are equal to the penny, the fourth absorbs the rounding; the four sum to the year."""
    assert [bcf_quarter(annual, float(q)) for q in (1, 2, 3, 4)] == expected


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        (5.0, "#BCF! quarter: must be from 1 to 4 (got 5)"),
        (0.0, "#BCF! quarter: must be from 1 to 4 (got 0)"),
        (2.5, "#BCF! quarter: must be a whole number (got 2.5)"),
        (None, "#BCF! quarter: a number is required (got a blank)"),
    ],
)
def test_quarter_bad_input(quarter: object, message: str) -> None:
    """A quarter outside 1-4 is refused."""
    assert bcf_quarter(1000.0, quarter) == message


def test_shortfall() -> None:
    """max(0, required - planned) to the penny."""
    assert bcf_shortfall(13065000.0, 11886750.0) == 0.0
    assert bcf_shortfall(100.0, 250.555) == 150.56
    assert bcf_shortfall(None, 1.0) == "#BCF! planned: a number is required (got a blank)"


@pytest.mark.parametrize(
    ("args", "expected"),
    [((450.0, 180000.0), 250.0), ((5010.0, 812400.0), 616.6912850812408), ((9.0, 1000.0, 1000.0), 9.0)],
)
def test_rate(args: tuple[object, ...], expected: float) -> None:
    """count / population x per, per 100,000 when omitted."""
    assert bcf_rate(*args) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.0, -5.0), "#BCF! population: must be above 0 (got -5)"),
        ((1.0, 0.0), "#BCF! population: must be above 0 (got 0)"),
        ((-1.0, 5.0), "#BCF! count: must not be negative (got -1)"),
        (("x", 5.0), '#BCF! count: must be a number such as 1234.50 or £1,234.50 (got "x")'),
    ],
)
def test_rate_bad_input(args: tuple[object, ...], message: str) -> None:
    """A negative or zero population, or a negative count, is refused."""
    assert bcf_rate(*args) == message


# --- bcf_rag and bcf_progress -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((600.0, 600.0), "Green"),  # target met exactly
        ((650.0, 600.0, 650.0), "Red"),  # equal to the baseline is no improvement
        ((612.0, 600.0, None, None, 0.02), "Amber"),  # 12 is exactly 2% of 600
        ((None, 600.0, 650.0), "No data"),
        (("", 600.0, 650.0), "No data"),
        ((0.84, 0.85, 0.8, True), "Amber"),
        ((0.84, 0.85, 0.8, "TRUE"), "Amber"),
        ((0.84, 0.85, 0.8, 1.0), "Amber"),
        ((0.79, 0.85, 0.8, True), "Red"),
        ((620.0, 600.0, 610.0, False, 0.05), "Amber"),  # worse than baseline but within 5%
    ],
)
def test_rag(args: tuple[object, ...], expected: str) -> None:
    """Green meets target; Amber beats the baseline or is within tolerance; else Red; blank actual is No data."""
    assert bcf_rag(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((620.0, None), "#BCF! target: a number is required (got a blank)"),
        ((620.0, 600.0, "#REF!"), "#BCF! baseline: the input holds the Excel error #REF!"),
        (("#N/A", 600.0), "#BCF! actual: the input holds the Excel error #N/A"),
        ((620.0, 600.0, None, "maybe"), '#BCF! higher_is_better: must be TRUE or FALSE (got "maybe")'),
        ((620.0, 600.0, None, False, -0.1), "#BCF! tolerance: must be 0 or more (0.05 for 5%) (got -0.1)"),
    ],
)
def test_rag_bad_input(args: tuple[object, ...], message: str) -> None:
    """An Excel error is never mistaken for a blank: #N/A in actual is an error, not No data."""
    assert bcf_rag(*args) == message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((4980.0, 4950.0), "Not on track to meet target"),
        ((4950.0, 4950.0), "On track to meet target"),
        ((0.845, 0.84, True), "On track to meet target"),
        ((None, 0.84, True), "Data not available to assess progress"),
        ((0.8, None, True), "Data not available to assess progress"),
        (("#N/A", 0.84), "#BCF! forecast: the input holds the Excel error #N/A"),
    ],
)
def test_progress(args: tuple[object, ...], expected: str) -> None:
    """The national words for a forecast against its target."""
    assert bcf_progress(*args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((93.4, 93.0, True), "Achieved"),
        ((0.934, 0.93, True), "Achieved"),
        ((92.9, 93.0, True), "Not Achieved"),
        ((4950.0, 4950.0), "Achieved"),  # meeting the target exactly is achieving it
        ((4980.0, 4950.0), "Not Achieved"),  # lower is better unless said otherwise
        ((4980.0, 4950.0, False), "Not Achieved"),
        ((4900.0, 4950.0, "FALSE"), "Achieved"),
        ((None, 93.0, True), "Data not available to assess progress"),
        ((93.4, None, True), "Data not available to assess progress"),
        ((93.4, 93.0, "maybe"), '#BCF! higher_is_better: must be TRUE or FALSE (got "maybe")'),
        (("#DIV/0!", 93.0), "#BCF! actual: the input holds the Excel error #DIV/0!"),
        (("lots", 93.0), '#BCF! actual: must be a number such as 1234.50 or £1,234.50 (got "lots")'),
    ],
)
def test_achieved(args: tuple[object, ...], expected: str) -> None:
    """The end-of-year words: Achieved when the actual meets or beats the target, Not Achieved otherwise."""
    assert bcf_achieved(*args) == expected


# --- behaviour common to all --------------------------------------------------------------------


def test_internal_fault_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected fault in the engine shows one #BCF! line, not a traceback."""

    def explode(*_: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cells, "shortfall", explode)
    assert bcf_shortfall(1.0, 2.0) == "#BCF! internal error in bcf_shortfall (ZeroDivisionError: boom)"


def test_catalogue_lists_every_function_with_help() -> None:
    """Every function is catalogued with a wizard summary under 255 characters and help for every argument."""
    assert list(CATALOGUE) == [
        "bcf_uplift",
        "bcf_total",
        "bcf_passport",
        "bcf_share",
        "bcf_quarter",
        "bcf_shortfall",
        "bcf_rate",
        "bcf_rag",
        "bcf_progress",
        "bcf_achieved",
        "bcf_dsr",
        "bcf_dsr_ci",
    ]
    for spec in CATALOGUE.values():
        assert 20 < len(spec.summary) <= 255
        assert [a.name for a in spec.args] == list(inspect.signature(spec.function).parameters)
        assert all(len(a.help) > 10 for a in spec.args)
    assert CATALOGUE["bcf_rag"].signature == "bcf_rag(actual, target, [baseline], [higher_is_better], [tolerance])"
    assert [name for name, spec in CATALOGUE.items() if spec.spills] == ["bcf_passport", "bcf_share", "bcf_dsr_ci"]
    assert CATALOGUE["bcf_dsr"].signature == "bcf_dsr(counts, populations, [weights], [per])"
    assert CATALOGUE["bcf_dsr_ci"].signature == "bcf_dsr_ci(counts, populations, [weights], [per], [level])"
    assert CATALOGUE["bcf_achieved"].signature == "bcf_achieved(actual, target, [higher_is_better])"


def test_catalogue_text_is_generated_from_the_functions() -> None:
    """bcf-xl functions prints each signature, its summary and each argument's help."""
    text = catalogue_text()
    assert "bcf_uplift(amount, rate, [years])\n    Uplift an amount by a yearly rate" in text
    assert "      rate: The yearly uplift as a fraction: 0.0566 for 5.66% (566 or 5.66 is refused)" in text
    assert "bcf_passport(total, weights)  (spills down)" in text


def test_is_error() -> None:
    """#BCF! messages are recognised; ordinary text and numbers are not."""
    assert is_error(bcf_uplift("x", 0.1))
    assert not is_error("Amber")
    assert not is_error(1.0)


# --- any input at all ------------------------------------------------------------------------------

EXCEL_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e12, max_value=1e12),
    st.sampled_from(["", " ", "#REF!", "#N/A", "#DIV/0!", "£1,234.50", "(12)", "abc", "TRUE", "1e5", "-0", "Carers"]),
    st.text(max_size=12),
)
EXCEL_VALUES = st.one_of(
    EXCEL_SCALARS,
    st.lists(EXCEL_SCALARS, max_size=6),
    st.lists(st.lists(EXCEL_SCALARS, min_size=2, max_size=2), max_size=4),
)


@pytest.mark.parametrize("name", list(CATALOGUE))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_input_gives_a_cell_value_never_an_exception(name: str, data: st.DataObject) -> None:
    """Whatever Excel passes, a function returns a number, words, rows of numbers or one #BCF! line naming the
    argument, and never fails inside (no 'internal error')."""
    spec = CATALOGUE[name]
    args = [data.draw(EXCEL_VALUES, label=arg.name) for arg in spec.args]
    result = spec.function(*args)
    if isinstance(result, str):
        assert "\n" not in result
        assert "internal error" not in result, result
        if result.startswith("#BCF!"):
            assert any(result.startswith(f"#BCF! {arg.name}") for arg in spec.args), result
    elif isinstance(result, list):
        assert all(isinstance(row, list) and len(row) == 1 and isinstance(row[0], float) for row in result)
    else:
        assert isinstance(result, float)


_CELL_FLOATS = st.one_of(
    st.integers(0, 10**9).map(lambda pence: pence / 100),  # amounts in pounds and pence, as cells hold them
    st.floats(0, 1e14, allow_nan=False),  # any float: most have more than two decimals
    st.sampled_from([0.1, 0.29, 1e13 - 0.01, 9999999999999.99, 123456789012.35, 5e-324]),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_CELL_FLOATS, min_size=1, max_size=40), total=st.integers(-(10**8), 10**8))
def test_quick_sums_and_splits_equal_the_exact_ones(values: list[float], total: int) -> None:
    """bcf_total and bcf_passport, which add and split whole pence without Decimal when every cell is an amount in
    pounds and pence, give exactly what the Decimal reading of each cell (through repr) gives."""
    exact = [D(repr(v)) for v in values]
    assert bcf_total(values) == float(sum(exact, D(0)))
    assert bcf_total([values]) == float(sum(exact, D(0)))  # a row of cells, as a block
    if any(exact):
        amount = total / 100
        expected = [[float(part)] for part in allocate(D(total).scaleb(-2), exact)]
        assert bcf_passport(amount, values) == expected


_SPLIT_FLOATS = st.one_of(
    st.integers(0, 10**6).map(lambda pence: pence / 100),
    st.sampled_from([0.0, -0.0, 0.25, 0.29, 1.0, 9625.25]),  # repeated values make equal remainders
    st.floats(0, 1e14, allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(_SPLIT_FLOATS, min_size=1, max_size=40),
    rows=st.booleans(),
    amount=st.integers(-(10**10), 10**10),
)
def test_quick_splits_of_rows_columns_and_blocks_equal_the_engines(
    values: list[float], rows: bool, amount: int
) -> None:
    """bcf_passport and bcf_share over floats, as a column or as a block of one-cell rows, spill exactly what the
    engine's Decimal allocate and risk share give for the same cells read through repr (-0.0 as 0, equal
    weights sharing pennies first come first)."""
    weights: list[float] | list[list[float]] = [[v] for v in values] if rows else values
    exact = [D(repr(v)) + 0 for v in values]  # the general way's reading of each cell, -0.0 as 0
    total = D(amount).scaleb(-2)
    if any(exact):
        assert bcf_passport(amount / 100, weights) == [[float(p)] for p in allocate(total, exact)]
        assert bcf_share(amount / 100, weights) == _engine_shares(str(total), [str(c) for c in exact])
    else:
        assert bcf_passport(amount / 100, weights) == "#BCF! weights: weights must not all be zero (got 0)"


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1.0, float("nan")], "#BCF! weights cell 2: must be a finite number (got nan)"),
        ([[1.0], [float("inf")]], "#BCF! weights cell 2: must be a finite number (got inf)"),
        ([1.0, True], "#BCF! weights cell 2: must be a number, not TRUE/FALSE (got TRUE)"),
    ],
)
def test_passport_cells_the_quick_way_refuses_go_the_general_way(weights: list[object], message: str) -> None:
    """Cells the whole-pence way cannot take (NaN, infinity, TRUE) are refused with the general way's message
    naming the cell, in a column as in a block."""
    assert bcf_passport(100.0, weights) == message


_LONG_WEIGHTS = st.lists(_SPLIT_FLOATS, min_size=cells._ARRAYS_FROM, max_size=300)


@settings(max_examples=200, deadline=None)
@given(
    values=_LONG_WEIGHTS,
    rows=st.booleans(),
    amount=st.one_of(st.integers(-(10**10), 10**10), st.integers(-(10**16), 10**16)),
)
def test_long_splits_with_numpy_equal_the_pure_python_ones(values: list[float], rows: bool, amount: int) -> None:
    """bcf_passport over a long range, split with numpy's arrays when installed, spills exactly what the pure Python
    whole-pence split and the engine's Decimal allocate give (equal remainders first come first, -0.0 as 0), up to
    totals beyond numpy's 64-bit whole numbers, which the pure Python way takes."""
    weights: list[float] | list[list[float]] = [[v] for v in values] if rows else values
    exact = [D(repr(v)) + 0 for v in values]
    total = to_pence(D(repr(amount / 100)))  # the total as the cell passes it, to the penny
    spilled = cells._passport_in_arrays(int(total * 100), weights)
    with mock.patch.object(cells, "_numpy", return_value=None):
        pure = bcf_passport(amount / 100, weights)
    if not any(exact):
        assert spilled is None
        assert pure == "#BCF! weights: weights must not all be zero (got 0)"
        return
    in_pence = all(e.as_tuple().exponent >= -2 for e in exact)  # type: ignore[operator]
    if abs(amount) < 10**12 and sum(exact) < 10**12 and in_pence:  # a worksheet's sizes: numpy takes them
        assert spilled is not None
    expected = [[float(p)] for p in allocate(total, exact)]
    assert pure == expected
    assert spilled is None or spilled == expected
    assert bcf_passport(amount / 100, weights) == expected


def test_long_splits_take_numpy_only_for_exact_pence_weights() -> None:
    """The numpy split declines what the whole-pence way declines (a weight of more than two decimals, a negative,
    a NaN, text, TRUE), and a short range, so those go the general way with its messages."""
    long = [1.25] * cells._ARRAYS_FROM
    assert cells._passport_in_arrays(10000, long) is not None
    for bad in (0.123, -1.0, float("nan"), "1", True, None):
        assert cells._passport_in_arrays(10000, [*long[1:], bad]) is None
    assert cells._passport_in_arrays(10000, long[1:]) is None
    assert bcf_passport(100.0, [*long[1:], True]) == (
        f"#BCF! weights cell {cells._ARRAYS_FROM}: must be a number, not TRUE/FALSE (got TRUE)"
    )
    assert str(bcf_passport(100.0, [*long[1:], -1.0])).startswith("#BCF! weights")
