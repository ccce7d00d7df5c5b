"""Validation's shared evaluation: the Summary and checklist rules built once per template year and table length,
every computed cell worked out once per file (the grey cells of empty rows once per shape of rule), and exact
lookups found in one step, give the same outcome as each rule evaluated on its own over the cells; and the cell
functions' whole-pence ways give the engine's figures."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from bcf_xl.cells import bcf_passport, bcf_total
from bcf_xl.money import allocate, allocate_pence
from bcf_xl.policy import Policy, load_policy
from bcf_xl.sample import sample_plan
from bcf_xl.submission import checklist
from bcf_xl.submission.builder import list_ranges, lists_for, write
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.layout import COVER, Layout, layout_of
from bcf_xl.submission.reader import read
from bcf_xl.submission.validator import validate
from bcf_xl.workbook import rules
from bcf_xl.workbook.rules import Calculation, Range, Ref

POLICY = load_policy()
LAYOUT = Layout(YEAR_2023_25, 100)


@pytest.fixture(scope="module")
def sample_values(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    """The cell values of the sample's generated template, as the validator reads them."""
    path = tmp_path_factory.mktemp("once") / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, POLICY, path)
    return dict(read(path, POLICY).values)


def _input_cells() -> list[tuple[str, str]]:
    """Cells an officer types in: Expenditure's and Income's input columns over their first rows, and the Cover's."""
    found = [(COVER, LAYOUT.cover_cell(key)) for key in LAYOUT.year.cover_inputs]
    for table, rows in ((LAYOUT.expenditure, 50), (LAYOUT.income, 12)):
        for field in table.fields:
            if not field.computed:
                found += [(table.sheet, table.cell(field.key, row)) for row in table.data_rows[:rows]]
    return found


CELLS = _input_cells()
TYPED = st.one_of(
    st.none(),
    st.sampled_from(["ICB", "Joint", "LA", "lots", "", " ", "S001", "NHS1", "#N/A", "Social Care", "Acute", "s00?"]),
    st.integers(min_value=-5, max_value=2_000_000_000),
    st.decimals(min_value=-1000, max_value=10**9, places=2, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(CELLS), TYPED), min_size=1, max_size=8))
def test_one_calculation_per_file_gives_what_each_rule_gives_alone(
    sample_values: dict[tuple[str, str], object], edits: list[tuple[tuple[str, str], object]]
) -> None:
    """On randomly edited templates (text in amounts, blanks, repeated IDs, errors, out-of-list words), the
    checklist items and Summary differences that fail, and each difference's value, are the same when one
    calculation serves them all as when each rule is evaluated over a calculation of its own."""
    values = dict(sample_values)
    for cell, value in edits:
        values[cell] = value.strip() if isinstance(value, str) and value.strip() else value
    lists = lists_for(POLICY, LAYOUT.year)
    items = checklist.items(LAYOUT, lists, list_ranges(lists), POLICY)
    shared = checklist.calculation(LAYOUT, values)
    assert [i.key for i in items if not rules.holds(i.rule, shared)] == [i.key for i in items if not i.holds(values)]
    differences = checklist.differences(LAYOUT)
    failing = [(d.key, d.year) for d in differences if not rules.holds(d.rule, shared)]
    assert failing == [(d.key, d.year) for d in differences if not d.holds(values)]
    for d in differences:
        assert shared[(d.sheet, d.cell)] == d.value(values)
    for key, rule in checklist.computed_rules(LAYOUT).items():  # each grey cell as its own rule gives it
        assert shared[key] == rules._scalar_of(rule.evaluate(shared))


def test_rules_are_built_once_per_template_year_and_length() -> None:
    """The Summary differences and computed-cell rules of one template year and table length are one object,
    whichever file asks; another length gets its own."""
    assert checklist.differences(LAYOUT) is checklist.differences(Layout(YEAR_2023_25, 100))
    assert checklist.computed_rules(LAYOUT) is checklist.computed_rules(Layout(YEAR_2023_25, 100))
    longer = checklist.computed_rules(Layout(YEAR_2023_25, 120))
    assert longer is not checklist.computed_rules(LAYOUT)
    assert len(longer) > len(checklist.computed_rules(LAYOUT))  # the 20 more rows' grey cells


def test_files_of_one_template_year_and_length_share_one_layout(tmp_path: Path, policy: Policy) -> None:
    """Two files of the same template year and table length are read with one layout object (its tables and lines
    worked out once for both); another length gets its own."""
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    write(sample_plan(), YEAR_2023_25, policy, first)
    write(sample_plan(), YEAR_2023_25, policy, second)
    layout = read(first, policy).layout
    assert read(second, policy).layout is layout
    assert layout_of(YEAR_2023_25, layout.scheme_rows + 20) is not layout


def test_a_file_validated_after_others_gets_its_own_findings(tmp_path: Path, policy: Policy) -> None:
    """Validating one file after another (the rules cached between them) reports each file's own findings: an
    error planted in the second file is reported, and validating the first again gives what it gave."""
    clean, broken = tmp_path / "clean.xlsx", tmp_path / "broken.xlsx"
    write(sample_plan(), YEAR_2023_25, policy, clean)
    plan = sample_plan()
    first, second = plan.schemes[0], plan.schemes[1]
    write(
        dataclasses.replace(
            plan, schemes=(first, dataclasses.replace(second, scheme_id=first.scheme_id), *plan.schemes[2:])
        ),
        YEAR_2023_25,
        policy,
        broken,
    )
    before = validate(clean, policy).findings
    repeated = [f for f in validate(broken, policy).findings if f.code == "SUMMARY"]
    assert [f.target.ident for f in repeated] == ["repeated_ids"]
    assert validate(clean, policy).findings == before


LOOKED_UP = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3).map(D),
    st.sampled_from(["a", "A", "b", "é", "É", "a*", "?", "~*", "", "1", "S001", "s001"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LOOKED_UP, LOOKED_UP), min_size=1, max_size=8), LOOKED_UP)
def test_vlookup_in_one_step_finds_what_a_scan_finds(table: list[tuple[object, object]], lookup: object) -> None:
    """VLOOKUP through a calculation's index of the first column gives the first row whose first cell matches as
    Excel's exact match does (text in any case, wildcards, a blank looking up 0, TRUE only TRUE), or #N/A."""
    values: dict[tuple[str, str], object] = {}
    for row, (key, value) in enumerate(table, start=1):
        values[("T", f"A{row}")], values[("T", f"B{row}")] = key, value
    values[("T", "D1")] = lookup
    block = Range("T", f"$A$1:$B${len(table)}")
    got = rules.vlookup(Ref("T", "D1"), block, 2).evaluate(Calculation(values, {}))
    wanted = rules.scalar(lookup)
    same = rules._same(wanted)  # Excel's exact match, cell by cell
    found = next((rules.scalar(v) for k, v in table if same(rules.scalar(k))), None)
    if isinstance(wanted, rules.ExcelError):
        assert got == wanted
    elif found is None and not any(same(rules.scalar(k)) for k, _ in table):
        assert got == rules.NA
    else:
        assert got == (D(0) if found is None else found)


@example(6, [1, 2, 3])  # the total is the weights' sum: each part its weight
@example(-6, [0, 2, 4])
@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(any),
)
def test_largest_remainder_in_pence_is_the_exact_split(pennies: int, weights: list[int]) -> None:
    """allocate_pence gives each part its exact share cut to the penny plus one penny each to the largest
    remainders, ties to the earlier part, summing to the total: as worked out here with exact fractions."""
    size = abs(pennies)
    total = sum(weights)
    floors = [w * size // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(weights[i] * size % total), i))
    for index in order[: size - sum(floors)]:
        floors[index] += 1
    expected = [-f for f in floors] if pennies < 0 else floors
    assert allocate_pence(pennies, weights) == expected
    assert sum(expected) == pennies


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=-(10**11), max_value=10**11),
    st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=30).filter(any),
)
def test_passport_in_pence_is_the_engines_split(total_pence: int, weights_pence: list[int]) -> None:
    """bcf_passport over weights in pence (the whole-pence way) spills exactly the engine's allocate of the total."""
    total = D(total_pence).scaleb(-2)
    weights = [D(w).scaleb(-2) for w in weights_pence]
    got = bcf_passport(float(total), [float(w) for w in weights])
    assert got == [[float(part)] for part in allocate(total, weights)]


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False),
    st.sampled_from([D("1"), D("1.00"), D("0"), D("-0.0")]),
    st.sampled_from(["", "a", "A", "b", "é", "É", "1", " 2 ", "x y", "ICB", "icb"]),
    st.sampled_from([rules.NA, rules.VALUE]),
)


def _cells_of(values: list[object]) -> dict[tuple[str, str], object]:
    return {("T", f"A{row}"): value for row, value in enumerate(values, start=1)}


@settings(max_examples=300, deadline=None)
@given(st.lists(SCALARS, min_size=1, max_size=6), SCALARS, st.sampled_from(["=", "<>", "<", ">", "<=", ">="]))
def test_a_range_compared_in_one_pass_is_compared_cell_by_cell(values: list[object], other: object, op: str) -> None:
    """A range compared with one value gives, cell by cell, what Excel's order gives: numbers below text below
    TRUE/FALSE, text in any case, a blank as 0, "" or FALSE, an error passed on."""
    block = Range("T", f"$A$1:$A${len(values)}")
    got = rules.Comparison(op, block, Ref("T", "C1")).evaluate({**_cells_of(values), ("T", "C1"): other})
    wanted = []
    for value in values:
        order = rules._compare(rules.scalar(value), rules.scalar(other))
        wanted.append(order if isinstance(order, rules.ExcelError) else rules._ORDER[op](order))
    assert got == tuple(wanted)


@settings(max_examples=300, deadline=None)
@given(st.lists(SCALARS, min_size=1, max_size=6), st.lists(SCALARS, min_size=1, max_size=6), st.sampled_from("+-*"))
def test_ranges_added_in_one_pass_are_added_cell_by_cell(left: list[object], right: list[object], op: str) -> None:
    """Two ranges (or a range and a value) in arithmetic give, cell by cell, Excel's result: a blank 0, TRUE 1,
    number text as its number, other text #VALUE!, the first error passed on; ranges of two sizes #N/A."""
    cells = {**_cells_of(left), **{("T", f"B{row}"): v for row, v in enumerate(right, start=1)}}
    a, b = Range("T", f"$A$1:$A${len(left)}"), Range("T", f"$B$1:$B${len(right)}")
    got = rules.Arithmetic(op, a, b).evaluate(cells)

    def cell(x: object, y: object) -> object:
        m, n = rules._number(rules.scalar(x)), rules._number(rules.scalar(y))
        if isinstance(m, rules.ExcelError):
            return m
        if isinstance(n, rules.ExcelError):
            return n
        return m + n if op == "+" else m - n if op == "-" else m * n

    if len(left) != len(right):
        assert got == tuple(rules.NA for _ in range(max(len(left), len(right))))
    else:
        assert got == tuple(cell(x, y) for x, y in zip(left, right, strict=True))
    one = rules.Arithmetic(op, a, Ref("T", "B1")).evaluate(cells)
    assert one == tuple(cell(x, right[0]) for x in left)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 10**9).map(lambda pence: pence / 100), st.floats(0, 1e14, allow_nan=False)),
            st.sampled_from(["Carers", " carers ", "CARERS", "Mental Health", None, 2024.0, "2024", ""]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["carers", "Mental health", "2024", 2024.0, "none"]),
)
def test_total_by_category_in_pence_is_the_exact_sum(rows: list[tuple[float, object]], category: str | float) -> None:
    """bcf_total with categories, which adds whole pence where every amount is in pounds and pence, gives exactly
    the Decimal sum of the amounts (each read through repr) whose trimmed, case-insensitive category matches."""
    amounts, labels = [a for a, _ in rows], [label for _, label in rows]

    def words(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip().casefold()

    wanted = words(category)
    exact = sum((D(repr(a)) for a, label in rows if words(label) == wanted), D(0))
    assert bcf_total(amounts, labels, category) == float(exact)


# --- the compiled functions against the expressions they are compiled from ---------------------------------------


def _exactly(value: object) -> str:
    """A value with its kind and, for a number, its exponent (1.0 and 1 told apart, as cached values would be)."""
    return f"{type(value).__name__}:{value!r}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(CELLS), TYPED), min_size=1, max_size=10))
def test_compiled_template_rules_give_what_the_expressions_give(
    sample_values: dict[tuple[str, str], object], edits: list[tuple[tuple[str, str], object]]
) -> None:
    """On randomly edited templates every checklist item, Summary difference and computed cell (grey cells, Summary
    lines) worked out by its compiled function gives exactly the value, kind and exponent that walking its
    expression gives, errors included."""
    values = dict(sample_values)
    for cell, value in edits:
        values[cell] = value
    lists = lists_for(POLICY, LAYOUT.year)
    computed = checklist.computed_rules(LAYOUT)
    fast, walked = Calculation(values, computed), Calculation(values, computed, interpreted=True)
    rules_checked = [item.rule for item in checklist.items(LAYOUT, lists, list_ranges(lists), POLICY)]
    rules_checked += [difference.rule for difference in checklist.differences(LAYOUT)]
    for rule in rules_checked:
        assert _exactly(rules.compiled(rule)(fast)) == _exactly(rule.evaluate(walked)), rule.formula()
    for key in computed:
        assert _exactly(fast[key]) == _exactly(walked[key]), key


GRID_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False),
    st.sampled_from([D("1"), D("1.00"), D("0"), D("-0.0"), D("1E+3")]),
    st.sampled_from(["", "a", "A", "a*", "é", "1", " 2 ", "x  y ", ">0", "<>a", "=A", "@", "Joint", "ICB"]),
    st.sampled_from(["#N/A", "#VALUE!", "#DIV/0!"]),
)
# Cells A1:C4 of sheet T: three columns of four rows, and D1:D3, a range of another size.
GRID = [("T", f"{column}{row}") for column in "ABC" for row in range(1, 5)] + [("T", f"D{row}") for row in (1, 2, 3)]
RANGES = [rules.Range("T", f"${c}$1:${c}$4") for c in "ABC"] + [
    rules.Range("T", "$D$1:$D$3"),
    rules.Range("T", "A1:B4"),
]
SINGLES = st.one_of(
    st.sampled_from([rules.Ref("T", f"{c}{r}") for c in "ABCD" for r in (1, 2, 3)]),
    st.sampled_from([rules.lift(value) for value in (0, 1, 2, D("0.5"), "a", "", ">0", "*", True, False)]),
)


def _expressions(children: st.SearchStrategy[rules.Expr]) -> st.SearchStrategy[rules.Expr]:
    pair = st.tuples(children, children)
    ranges = st.sampled_from(RANGES)
    return st.one_of(
        pair.flatmap(lambda p: st.sampled_from("+-*/").map(lambda op: rules.Arithmetic(op, *p))),
        pair.flatmap(
            lambda p: st.sampled_from(["=", "<>", "<", ">", "<=", ">="]).map(lambda op: rules.Comparison(op, *p))
        ),
        st.tuples(st.sampled_from(["LEN", "TRIM", "ISNA", "ISNUMBER", "N", "NOT"]), children).map(
            lambda a: rules.Call(a[0], (a[1],))
        ),
        st.tuples(st.sampled_from(["ROUND", "SEARCH", "IFERROR"]), children, children).map(
            lambda a: rules.Call(a[0], (a[1], a[2]))
        ),
        st.lists(children, min_size=1, max_size=3).map(lambda a: rules.and_(*a)),
        st.lists(children, min_size=1, max_size=3).map(lambda a: rules.or_(*a)),
        st.lists(children, min_size=1, max_size=3).map(lambda a: rules.sum_(*a)),
        st.lists(children, min_size=1, max_size=3).map(lambda a: rules.max_(*a)),
        st.tuples(children, children, children).map(lambda a: rules.if_(*a)),
        st.tuples(ranges, children, ranges).map(lambda a: rules.sumif(*a)),
        st.tuples(ranges, ranges, children, ranges, children).map(
            lambda a: rules.sumifs(a[0], (a[1], a[2]), (a[3], a[4]))
        ),
        children.map(rules.sumproduct),
        st.tuples(ranges, children).map(lambda a: rules.countif(*a)),
        st.tuples(children, ranges).map(lambda a: rules.match(*a)),
        st.tuples(children, st.integers(1, 3)).map(lambda a: rules.vlookup(a[0], rules.Range("T", "$A$1:$B$4"), a[1])),
        children.map(rules.group),
    )


EXPRESSIONS = st.recursive(st.one_of(SINGLES, st.sampled_from(RANGES)), _expressions, max_leaves=8)


def _outcome(work: Callable[[], object]) -> str:
    try:
        return _exactly(work())
    except Exception as error:  # the same failure either way (a ROUND to 10**9 places, say) is the same outcome
        return f"raised {type(error).__name__}"


@settings(max_examples=1500, deadline=None)
@given(EXPRESSIONS, st.lists(GRID_VALUES, min_size=len(GRID), max_size=len(GRID)))
def test_a_compiled_rule_gives_what_its_expression_gives(expr: rules.Expr, grid: list[object]) -> None:
    """Any rule built from the supported functions, operators, cells and ranges (ranges cell by cell inside
    SUMPRODUCT, ranges of different sizes, rows of blanks, errors, text, TRUE/FALSE) gives through its compiled
    function exactly the value walking its expression gives, over plain cells and inside a calculation."""
    cells = {key: value for key, value in zip(GRID, grid, strict=True) if value is not None}
    walked = _outcome(lambda: expr.evaluate(cells))
    assert _outcome(lambda: rules.compiled(expr)(Calculation(cells, {}))) == walked
    if walked.startswith("bool:"):
        assert rules.holds(expr, cells) is (walked == "bool:True")


# Every kind of value a cell holds, for the parts of a SUMPRODUCT row worked out in place.
KINDS = [None, True, False, D("0"), D("2.50"), D("-1"), D("1E+3"), "", "a", "A", " 2 ", "#N/A", "#DIV/0!"]
PAIRS = [(x, y) for x in KINDS for y in KINDS]


LOOKED_IN = Range("T", "$C$1:$C$3")  # what MATCH and COUNTIF look in: "A", 0 and TRUE


def _row_parts(x: rules.Expr, y: rules.Expr) -> list[rules.Expr]:
    """Parts of a row whose kinds settle how each is worked out: the cells themselves, TRUE/FALSE from comparisons
    and ISNA/ISNUMBER/NOT, numbers from LEN, arithmetic, MATCH and COUNTIF, each under every operator."""
    parts: list[rules.Expr] = [x, y, rules.Comparison(">", x, y), rules.isna(x), rules.isnumber(y), rules.not_(x)]
    parts += [rules.len_(x), rules.Arithmetic("+", x, y), rules.Comparison("=", x, rules.lift("a"))]
    parts += [rules.Comparison("<", x, rules.lift(D("0.5"))), rules.Arithmetic("-", rules.isna(x), rules.isna(y))]
    parts += [rules.match(x, LOOKED_IN), rules.countif(LOOKED_IN, y)]
    binary = [rules.Arithmetic(op, left, right) for op in "+-*/" for left in parts[:8] for right in parts[:8]] + [
        rules.Comparison(op, left, right)
        for op in ("=", "<>", "<", ">", "<=", ">=")
        for left in parts
        for right in parts[:3]
    ]
    return parts + binary


ROW_RULES = [
    rules.sumproduct(whole)
    for part in _row_parts(Range("T", "$A$1:$A$3"), Range("T", "$B$1:$B$3"))
    for whole in (part, rules.Arithmetic("*", part, rules.lift(1)))  # TRUE/FALSE counted as 1/0 too
]


@pytest.mark.parametrize(("x", "y"), PAIRS, ids=[f"{x!r}-{y!r}" for x, y in PAIRS])
def test_a_sumproduct_row_worked_out_in_place_gives_what_its_expression_gives(x: object, y: object) -> None:
    """For every pair of kinds of cell value, each operator and function a SUMPRODUCT row works out in place (numbers
    compared and added, TRUE/FALSE added and multiplied, LEN, ISNA, text compared with a text) gives exactly what
    walking the expression gives: value, kind and exponent, or the same error. The rows hold the pair, the pair the
    other way round, and the pair again: a lookup's result kept from the first row is the third's, and values of
    two kinds are looked up in one range."""
    rows = {("T", f"A{row}"): a for row, a in ((1, x), (2, y), (3, x))} | {
        ("T", f"B{row}"): b for row, b in ((1, y), (2, x), (3, y))
    }
    cells = {key: value for key, value in rows.items() if value is not None}
    cells |= {("T", "C1"): "A", ("T", "C2"): D("0"), ("T", "C3"): True}
    for rule in ROW_RULES:
        walked = _outcome(lambda rule=rule: rule.evaluate(cells))
        assert _outcome(lambda rule=rule: rules.compiled(rule)(Calculation(cells, {}))) == walked, rule.formula()
