"""bcf_xl.workbook.rules and the rules of the planning template: formula text, Excel's evaluation, cached values,
and the Python evaluation against LibreOffice's recalculation of randomly edited templates."""

from __future__ import annotations

import tempfile
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from bcf_xl.errors import BcfInputError
from bcf_xl.policy import load_policy
from bcf_xl.sample import sample_plan
from bcf_xl.submission import checklist
from bcf_xl.submission.builder import build, list_ranges, lists_for, store_cached_values, write
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.layout import COVER, EXPENDITURE, INCOME, METRICS, STATUS_CELL, SUMMARY, Layout
from bcf_xl.submission.reader import load_values
from bcf_xl.submission.totals import computed_cells
from bcf_xl.workbook import rules as r
from bcf_xl.workbook.rules import NA, Calculation, ExcelError, Range, Ref
from tests.libreoffice import computed_values_each

POLICY = load_policy()
A1, A2, A3 = Ref("S", "A1"), Ref("S", "A2"), Ref("S", "A3")
COLUMN = Range("S", "$B$1:$B$4")


def _cells(*values: object, column: str = "B") -> dict[tuple[str, str], object]:
    return {("S", f"{column}{row}"): value for row, value in enumerate(values, start=1) if value is not None}


# --- formula text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (A1 - (A2 - A3), "S!A1-(S!A2-S!A3)"),
        (A1 - A2 - A3, "S!A1-S!A2-S!A3"),
        ((A1 + A2) * A3, "(S!A1+S!A2)*S!A3"),
        (A1 * A2 + A3, "S!A1*S!A2+S!A3"),
        (A1 / A2 * 100000, "S!A1/S!A2*100000"),
        (A1 / (A2 * A3), "S!A1/(S!A2*S!A3)"),
        (A1.gt(0) * A2.eq("x"), '(S!A1>0)*(S!A2="x")'),
        (r.group(r.not_(r.isnumber(A1))) + A1.lt(0), "(NOT(ISNUMBER(S!A1)))+(S!A1<0)"),
        (A1.eq('say "hi"'), 'S!A1="say ""hi"""'),
        (r.vlookup(A1, Range("Income", "$A$4:$B$23"), 2), "VLOOKUP(S!A1,Income!$A$4:$B$23,2,FALSE)"),
        (A1.le(D("1E+9")), "S!A1<=1000000000"),
        (Ref("Planning Requirements", "C4").eq("Yes"), "'Planning Requirements'!C4=\"Yes\""),
        (Ref("Bob's", "A1").ne(""), "'Bob''s'!A1<>\"\""),
        (
            r.sumifs(COLUMN, (COLUMN, "Social Care"), (COLUMN, ">0")),
            'SUMIFS(S!$B$1:$B$4,S!$B$1:$B$4,"Social Care",S!$B$1:$B$4,">0")',
        ),
    ],
)
def test_formula_text(expr: r.Expr, text: str) -> None:
    """A rule writes Excel's formula text: brackets only where precedence needs them or a group asks, quoted
    sheet names where Excel needs quotes, text with doubled quotes, numbers without exponents."""
    assert expr.formula() == text


def test_references_to_the_home_sheet_are_bare() -> None:
    """A formula written on a sheet refers to that sheet's own cells without the sheet name."""
    assert (Ref("Summary", "C5") - Ref("Summary", "C20") + Ref("Income", "E9")).formula("Summary") == "C5-C20+Income!E9"


def test_references_are_parsed_and_refused_with_the_text() -> None:
    """Sheet!Cell and 'Sheet name'!First:Last parse; a reference without a sheet, or of the wrong shape, is refused."""
    assert r.cell_at("'Planning Requirements'!C4") == Ref("Planning Requirements", "C4")
    assert r.range_at("Lists!$D$2:$D$20") == Range("Lists", "$D$2:$D$20")
    with pytest.raises(ValueError, match="must be Sheet!Cell or Sheet!First:Last \\(got 'C4'\\)"):
        r.cell_at("C4")
    with pytest.raises(ValueError, match="names one cell"):
        r.cell_at("S!A1:A2")
    with pytest.raises(ValueError, match="names first and last cells"):
        r.range_at("S!A1")
    with pytest.raises(ValueError, match="got 'INDIRECT'"):
        r.Call("INDIRECT", (A1,))


# --- evaluation as Excel -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "cells", "expected"),
    [
        # blanks: 0 beside numbers, "" beside text
        (A1.eq(0), {}, True),
        (A1.eq(""), {}, True),
        (A1 + 5, {}, D(5)),
        # text: case-insensitive =, above every number, not a number
        (A1.eq("Joint"), {("S", "A1"): "JOINT"}, True),
        (A1.gt(1000000000), {("S", "A1"): "abc"}, True),
        (A1.lt(0), {("S", "A1"): "abc"}, False),
        (r.isnumber(A1), {("S", "A1"): "5"}, False),
        (r.isnumber(A1), {("S", "A1"): True}, False),
        (r.n(A1), {("S", "A1"): "5"}, D(0)),
        (r.n(A1), {("S", "A1"): True}, D(1)),
        (r.n(A1), {("S", "A1"): 0.1}, D("0.1")),
        (A1 * 2, {("S", "A1"): "5"}, D(10)),
        (A1 * 2, {("S", "A1"): "five"}, ExcelError("#VALUE!")),
        (A1 / A2, {("S", "A1"): 1}, ExcelError("#DIV/0!")),
        # ROUND is half away from zero (Python's round and Decimal's default are not)
        (r.round_(A1, 2), {("S", "A1"): 2.675}, D("2.68")),
        (r.round_(A1, 2), {("S", "A1"): 0.125}, D("0.13")),
        (r.round_(A1, 0), {("S", "A1"): -2.5}, D("-3")),
        (r.round_(A1, 2), {("S", "A1"): 1e300}, D("1e300")),
        # ROUND to more places than a number holds, or to a power of ten far above it, as Excel gives it
        (r.round_(A1, 1000), {("S", "A1"): 1.25}, D("1.25")),
        (r.round_(A1, 200), {("S", "A1"): 1e300}, D("1e300")),
        (r.round_(A1, -3), {("S", "A1"): 60}, D(0)),
        (r.round_(A1, -2), {("S", "A1"): -60}, D(-100)),
        (r.round_(A1, -400), {("S", "A1"): 1e300}, D(0)),
        (r.max_(0, A1), {("S", "A1"): -3}, D(0)),
        # SUM skips text and TRUE in ranges; an error passes on
        (r.sum_(COLUMN), _cells(1.5, "2", True, 3), D("4.5")),
        (r.sum_(COLUMN), _cells(1, "#N/A"), NA),
        # SUMIF(S)/COUNTIF criteria: case-insensitive, wildcards, operators
        (
            r.sumif(COLUMN, "s*", Range("S", "$C$1:$C$4")),
            {**_cells("S1", "x", "s2"), **_cells(1, 2, 4, column="C")},
            D(5),
        ),
        (r.countif(COLUMN, ">1"), _cells(1, 2, "3", 5), D(2)),
        (r.countif(COLUMN, "<>a"), _cells("A", "b", None, 1), D(3)),
        (r.countif(COLUMN, "~*"), _cells("*", "x"), D(1)),
        (r.sumproduct(r.countif(COLUMN, COLUMN).gt(1) * 1), _cells("S1", "s1", "S2", None), D(2)),
        # MATCH and VLOOKUP: exact, text case-insensitive, a number is not its text
        (r.match("b", COLUMN), _cells("a", "B"), D(2)),
        (r.isna(r.match(A1, COLUMN)), {**_cells("1"), ("S", "A1"): 1}, True),
        (r.vlookup("x", Range("S", "$B$1:$C$2"), 2), {**_cells("x"), **_cells(None, column="C")}, D(0)),
        (r.iferror(r.vlookup("y", Range("S", "$B$1:$C$2"), 2), ""), _cells("x"), ""),
        # LEN, TRIM, SEARCH
        (r.len_(r.trim(A1)), {("S", "A1"): "  two   words "}, D(9)),
        (r.len_(A1), {("S", "A1"): 1234.5}, D(6)),
        (r.isnumber(r.search("@", A1)), {("S", "A1"): "Officer@Council.gov.uk"}, True),
        (r.search("@", A1), {("S", "A1"): "none"}, ExcelError("#VALUE!")),
        # IF evaluates only the branch it takes; AND/OR of tests; errors from a file are errors
        (r.if_(A1.eq(0), "zero", A1 / 0), {}, "zero"),
        (r.and_(A1.gt(0), A2.eq("x")), {("S", "A1"): 1, ("S", "A2"): "X"}, True),
        (r.or_(A1.eq("a"), A1.eq("b")), {("S", "A1"): "#REF!"}, ExcelError("#REF!")),
        (r.n(A1), {("S", "A1"): float("inf")}, ExcelError("#NUM!")),
    ],
)
def test_evaluates_as_excel(expr: r.Expr, cells: dict[tuple[str, str], object], expected: object) -> None:
    """A rule evaluates as Excel computes the same formula: blanks, text in number cells, case-insensitive text,
    half-up ROUND, criteria and wildcards, exact lookups, errors passed on."""
    got = expr.evaluate(cells)
    assert got == expected
    assert type(got) is type(expected)


_COUNTED = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(
        ["S1", "s1", "S 1", "=S1", "\u017f1", "K", "\u212a", "\u0130", "i", "*", "~*", "", "1", " 1 ", ">0", "<>s1"]
    ),
    st.text(alphabet="sSkKiI1*?~=<> \u212a\u017f\u0130", max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_COUNTED, min_size=1, max_size=8), st.lists(_COUNTED, min_size=1, max_size=4))
@example(["\u017f1", "S1", "\u212a", "\u0130", "s*"], ["s1", "k", "i", "S~*", "=s1"])
def test_countif_counts_as_testing_each_cell(tested: list[object], criteria: list[object]) -> None:
    """COUNTIF gives every criterion (plain text counted by its lower case, wildcards, operators, numbers) the
    count of cells that the criterion's own test accepts one by one, also for letters whose case Unicode folds
    specially (the Kelvin sign, the long s, the dotted capital I)."""
    cells = {**_cells(*tested), **_cells(*criteria, column="C")}
    column = Range("S", f"$B$1:$B${len(tested)}")
    got = r.countif(column, Range("S", f"$C$1:$C${len(criteria)}")).evaluate(cells)
    values = [r.scalar(value) for value in tested]
    assert got == tuple(D(sum(1 for v in values if r._criterion(r.scalar(c))(v))) for c in criteria)


def test_a_formula_cell_is_recalculated_from_its_rule() -> None:
    """A calculation reads a formula cell as its rule computes it from the inputs, never the stale stored value."""
    values = {("S", "A1"): 2, ("S", "A2"): 999}
    calculation = Calculation(values, {("S", "A2"): A1 * 3, ("S", "A3"): A2 + 1})
    assert calculation[("S", "A3")] == D(7)
    assert dict(calculation) == {("S", "A1"): 2, ("S", "A2"): D(6), ("S", "A3"): D(7)}


def test_a_block_is_read_with_the_formulas_of_each_calculation() -> None:
    """Whether a block holds a formula cell is kept for each set of formulas: a block read first where it holds none
    is read again where its second cell is computed (the rule's value, not the stored one), and the other way."""
    values = {("S", "A1"): 2, ("S", "A2"): 999}
    none, computed = {("S", "B1"): A1 + 1}, {("S", "A2"): A1 * 3}
    assert Calculation(values, none).flat("S", "$A$1:$A$2") == (D(2), D(999))
    assert Calculation(values, computed).flat("S", "$A$1:$A$2") == (D(2), D(6))
    assert Calculation(values, none).flat("S", "$A$1:$A$2") == (D(2), D(999))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [(A1.eq("x"), True), (A1 + 1, False), (r.if_(True, "TRUE", "no"), False), (A2 + 1, False)],
    ids=["TRUE", "a number", "text TRUE", "an error"],
)
def test_only_true_holds(rule: r.Expr, expected: bool) -> None:
    """A checker shows Yes only for TRUE: a number, text or an error does not hold."""
    assert r.holds(rule, {("S", "A1"): "X", ("S", "A2"): "#N/A"}) is expected


# --- the template's rules ------------------------------------------------------------------------------------


def test_checklist_items_take_the_bound_from_the_policy(tmp_path: Path) -> None:
    """The amount bound of the checklist, its wording and the cells' validation come from the policy's
    planning bound, so a --policy file changes all three."""
    override = tmp_path / "policy.toml"
    override.write_text('[bounds]\nplanning = { min = "0", max = "500", source = "test" }\n', encoding="utf-8")
    policy = load_policy(override)
    layout = Layout(YEAR_2023_25, 100)
    lists = lists_for(policy, YEAR_2023_25)
    items = {item.key: item for item in checklist.items(layout, lists, list_ranges(lists), policy)}
    amounts = items["schemes_amounts:2023-24"]
    assert amounts.description == "Every scheme has its 2023-24 expenditure, from £0 to £500"
    assert amounts.formula.endswith(f"({layout.scheme_range('amount:2023-24')}>500)))=0")
    row = {("Expenditure", "A4"): "S1", ("Expenditure", "K4"): 600}
    assert not amounts.holds(row)
    assert amounts.holds({**row, ("Expenditure", "K4"): 500})
    book = build(sample_plan(), YEAR_2023_25, policy)
    bounds = {
        (v.formula1, v.formula2) for v in book[EXPENDITURE].data_validations.dataValidation if v.type == "decimal"
    }
    assert ("0", "500") in bounds
    assert ("0", "1000000000") not in bounds


def test_shipped_bound_reads_as_before() -> None:
    """With the shipped policy the amount items read '£0 to £1,000,000,000' and test the same cells."""
    layout = Layout(YEAR_2023_25, 100)
    lists = lists_for(POLICY, YEAR_2023_25)
    item = next(i for i in checklist.items(layout, lists, list_ranges(lists)) if i.key == "income_amounts:2023-24")
    assert item.description == "Every income line has its 2023-24 amount, from £0 to £1,000,000,000"
    assert item.formula == (
        "SUMPRODUCT((LEN(Income!$A$4:$A$23)>0)*((NOT(ISNUMBER(Income!$E$4:$E$23)))+(Income!$E$4:$E$23<0)"
        "+(Income!$E$4:$E$23>1000000000)))=0"
    )


def test_differences_recalculate_the_summary_instead_of_trusting_stored_values(tmp_path: Path) -> None:
    """A Summary difference is read as its rules compute it from the inputs: a stale stored total neither
    hides an imbalance nor invents one."""
    path = tmp_path / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, POLICY, path)
    stored = load_values(path)[1]
    balance = next(d for d in checklist.differences(LAYOUT) if (d.key, d.year) == ("balance", "2023-24"))
    income_total = (SUMMARY, LAYOUT.summary_cell("income", 0))
    assert stored[income_total] == pytest.approx(61410123.45)
    assert balance.holds({**stored, income_total: 0})
    first_amount = (EXPENDITURE, f"{LAYOUT.scheme_columns['amount:2023-24']}{LAYOUT.scheme_rows_range[0]}")
    assert not balance.holds({**stored, first_amount: float(stored[first_amount]) + 0.01})  # type: ignore[arg-type]


def test_cached_values_carry_their_type(tmp_path: Path) -> None:
    """Stored values are typed as Excel expects: numbers plain, text t="str", TRUE/FALSE t="b", errors t="e";
    other cells, the hyperlinks' namespace and a declared but unused namespace are kept."""
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Rules and sums"
    sheet["A1"] = 20
    for cell in ("B1", "B2", "B3", "B4", "B5"):
        sheet[cell] = "=A1"
    sheet["C1"] = "linked"
    sheet["C1"].hyperlink = "https://example.org"
    path = tmp_path / "typed.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    part = "xl/worksheets/sheet1.xml"
    parts[part] = parts[part].replace(
        b"<worksheet ",
        b'<worksheet xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac" ',
        1,
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    cached = {
        ("Rules and sums", c): v
        for c, v in zip(["B1", "B2", "B3", "B4", "B5"], [D("2.5"), "a<b", True, NA, ""], strict=True)
    }
    store_cached_values(path, cached)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part).decode()
    assert '<c r="B1"><f>A1</f><v>2.5</v></c>' in xml
    assert '<c r="B2" t="str"><f>A1</f><v>a&lt;b</v></c>' in xml
    assert '<c r="B3" t="b"><f>A1</f><v>1</v></c>' in xml
    assert '<c r="B4" t="e"><f>A1</f><v>#N/A</v></c>' in xml
    assert 'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"' in xml
    assert 'mc:Ignorable="x14ac"' in xml
    read = openpyxl.load_workbook(path, data_only=True)["Rules and sums"]
    assert [read[c].value for c in ("A1", "B1", "B2", "B3", "B4", "C1")] == [20, 2.5, "a<b", True, "#N/A", "linked"]
    assert read["C1"].hyperlink.target == "https://example.org"


def test_writing_refuses_an_existing_file(tmp_path: Path) -> None:
    """The template with its cached values is written atomically: an existing file is kept unless overwritten."""
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"keep")
    with pytest.raises(BcfInputError, match="already exists"):
        write(sample_plan(), YEAR_2023_25, POLICY, target)
    assert target.read_bytes() == b"keep"


# --- Python evaluation against LibreOffice, on random edits ----------------------------------------------------

LAYOUT = Layout(YEAR_2023_25, 100)
AMOUNTS = st.one_of(
    st.none(),
    st.decimals(min_value=-1000, max_value=2_000_000_000, places=2).map(float),
    st.integers(min_value=0, max_value=5_000_000),
    st.sampled_from(["12", "abc", " ", "1e3", 0, 1_000_000_000, 1_000_000_000.01]),
)
SHARES = st.one_of(st.sampled_from([0, 0.5, 1, 1.5, -0.1, "half", None]), st.floats(min_value=0, max_value=1))
TEXT = st.sampled_from([None, " ", "  x ", "text"])


def _editable() -> list[tuple[str, str, st.SearchStrategy[object]]]:
    """The input cells a random edit may change, each with the values an officer might type there."""
    plan = sample_plan()
    sources = [s.source_id for s in plan.sources]
    partners = [p.partner_id for p in plan.partners]
    labels = list(YEAR_2023_25.labels)
    cols = LAYOUT.scheme_columns
    lists = lists_for(POLICY, YEAR_2023_25)
    cells: list[tuple[str, str, st.SearchStrategy[object]]] = [
        (
            COVER,
            LAYOUT.cover_cell("area_kind"),
            st.sampled_from(["Unitary", "Two-tier", "two-tier", " Two-tier", None]),
        ),
        (COVER, LAYOUT.cover_cell("email"), st.sampled_from(["a@b.org", "no-at", None, "@"])),
        (COVER, LAYOUT.cover_cell("area"), TEXT),
    ]
    for row in list(LAYOUT.partner_rows)[:4]:
        cells += [
            (COVER, f"B{row}", st.sampled_from([*partners, None, "NEW"])),
            (COVER, f"C{row}", TEXT),
            (COVER, f"D{row}", st.sampled_from(["Council", "ICB", "icb", "Trust", None])),
        ]
    for row in list(LAYOUT.income_rows)[:10]:
        cells += [
            (INCOME, f"A{row}", st.sampled_from([*sources, None, "NEW1", "nhs1"])),
            (INCOME, f"B{row}", st.sampled_from([*labels, None, "junk", labels[0].upper()])),
            (INCOME, f"C{row}", st.sampled_from([*partners, None, "X"])),
            (INCOME, f"D{row}", TEXT),
        ]
        cells += [(INCOME, f"{LAYOUT.income_amount_col(i)}{row}", AMOUNTS) for i in range(2)]
    for index in range(2):
        for cell in (
            LAYOUT.asc_minimum_cell(index),
            LAYOUT.ooh_minimum_cell(index),
            LAYOUT.dfg_received_cell(index),
            LAYOUT.dfg_top_up_cell(index),
        ):
            cells.append((INCOME, cell, AMOUNTS))
        for row in list(LAYOUT.district_rows)[:3]:
            cells += [
                (INCOME, f"{LAYOUT.district_col('allocation', index)}{row}", AMOUNTS),
                (INCOME, f"{LAYOUT.district_col('retained', index)}{row}", AMOUNTS),
                (INCOME, f"{LAYOUT.district_col('reference', index)}{row}", TEXT),
            ]
    for row in [*list(LAYOUT.scheme_rows_range)[:8], 50]:
        cells += [
            (EXPENDITURE, f"{cols['scheme_id']}{row}", st.sampled_from(["S001", "s001", "S002", "NEW", " ", None])),
            (EXPENDITURE, f"{cols['name']}{row}", TEXT),
            (
                EXPENDITURE,
                f"{cols['scheme_type']}{row}",
                st.sampled_from([*list(POLICY.scheme_types)[:2], "junk", None]),
            ),
            (EXPENDITURE, f"{cols['sub_type']}{row}", st.sampled_from([None, lists["sub_types"][0], "junk"])),
            (
                EXPENDITURE,
                f"{cols['area_of_spend']}{row}",
                st.sampled_from([*lists["area_of_spend"], "social care", "x", None]),
            ),
            (
                EXPENDITURE,
                f"{cols['commissioner']}{row}",
                st.sampled_from([*lists["commissioner"], "joint", "icb", None]),
            ),
            (EXPENDITURE, f"{cols['nhs_share']}{row}", SHARES),
            (EXPENDITURE, f"{cols['provider']}{row}", st.sampled_from([lists["provider"][0], "junk", None])),
            (EXPENDITURE, f"{cols['source']}{row}", st.sampled_from([*sources, "nhs1", "nope", None])),
            (EXPENDITURE, f"{cols['status']}{row}", st.sampled_from(["New", "existing", "Maybe", None])),
        ]
        cells += [(EXPENDITURE, f"{cols[f'amount:{year}']}{row}", AMOUNTS) for year in LAYOUT.years]
    columns = LAYOUT.METRIC_COLUMNS
    for row in LAYOUT.metric_rows:
        cells += [(METRICS, f"{columns[key]}{row}", AMOUNTS) for key in ("baseline", "target", "population")]
    conditions, sheet = LAYOUT.condition_columns, LAYOUT.conditions_sheet
    for row in LAYOUT.condition_rows:
        cells += [
            (sheet, f"{conditions['met']}{row}", st.sampled_from(["Yes", "No", "yes", "Maybe", None])),
            (sheet, f"{conditions['explanation']}{row}", TEXT),
        ]
    return cells


EDITABLE = _editable()


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, str, object]]:
    """A handful of cells of the template, each given a value an officer might type there."""
    chosen = draw(st.lists(st.sampled_from(range(len(EDITABLE))), min_size=1, max_size=12, unique=True))
    return [(EDITABLE[i][0], EDITABLE[i][1], draw(EDITABLE[i][2])) for i in chosen]


def _same(ours: object, theirs: object) -> bool:
    if isinstance(ours, D) and not isinstance(ours, bool):
        return (
            isinstance(theirs, int | float)
            and not isinstance(theirs, bool)
            and abs(ours - D(repr(theirs))) < D("0.005")
        )
    if isinstance(ours, ExcelError):
        return theirs == ours.code
    return (ours if ours != "" else None) == (theirs if theirs != "" else None)


@pytest.fixture(scope="module")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, POLICY, path)
    return path


@pytest.mark.libreoffice
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],
)
@given(batch=st.lists(edits(), min_size=6, max_size=6))
def test_python_evaluation_equals_libreoffice_on_random_edits(
    sample_template: Path, batch: list[list[tuple[str, str, object]]]
) -> None:
    """After random edits to a generated template, every Summary line, grey cell and checklist item evaluates in
    Python to what LibreOffice computes for the same file."""
    lists = lists_for(POLICY, YEAR_2023_25)
    items = checklist.items(LAYOUT, lists, list_ranges(lists), POLICY)
    computed = computed_cells(LAYOUT)
    with tempfile.TemporaryDirectory(prefix="bcf-rules-") as folder:
        paths = []
        for number, changes in enumerate(batch):
            book = openpyxl.load_workbook(sample_template)
            for sheet, cell, value in changes:
                book[sheet][cell].value = value
            paths.append(Path(folder) / f"edited{number}.xlsx")
            book.save(paths[-1])
        theirs_all = computed_values_each(paths, Path(folder) / "lo")
        for path, changes in zip(paths, batch, strict=True):
            theirs = theirs_all[path]
            values = load_values(path)[1]
            calculation = Calculation(values, computed)
            wrong = [
                f"{sheet}!{cell}: Python {calculation[(sheet, cell)]!r}, LibreOffice {theirs.get((sheet, cell))!r}"
                for sheet, cell in computed
                if not _same(calculation[(sheet, cell)], theirs.get((sheet, cell)))
            ]
            table = LAYOUT.checklist
            described = [
                (COVER, table.cell("item", row)) for row in range(table.header_row + 1, table.header_row + 200)
            ]
            rows = {theirs[cell]: int(cell[1][1:]) for cell in described if cell in theirs}
            shown = {item.key: theirs.get((COVER, table.cell("complete", rows[item.description]))) for item in items}
            wrong += [
                f"{item.key}: Python {item.holds(values)}, LibreOffice {shown[item.key]!r}"
                for item in items
                if item.holds(values) != (shown[item.key] == "Yes")
            ]
            complete = all(item.holds(values) for item in items)
            assert theirs[(COVER, STATUS_CELL)] == ("Complete Template" if complete else "Incomplete Template")
            assert not wrong, f"after {changes}:\n" + "\n".join(wrong[:20])
    assert SUMMARY in {sheet for sheet, _ in computed}


_LOOKUP_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["Joint", "joint", "ICB", "Straße", "STRASSE", "S*", "a?c", "~*", "", " x "]),
    st.integers(-2, 3).map(D),
    st.sampled_from([D("1.0"), D("0"), "1", "=1", "<>Joint", ">0"]),
)


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(_LOOKUP_VALUES, min_size=1, max_size=12), lookups=st.lists(_LOOKUP_VALUES, min_size=1, max_size=6)
)
def test_match_and_countif_find_what_a_scan_finds(cells: list[object], lookups: list[object]) -> None:
    """MATCH and COUNTIF, which look plain values up in an index, give what Excel's rules give by scanning every
    cell: case-insensitive text, wildcards, a blank as 0, TRUE/FALSE apart from numbers, criteria with operators."""
    values = {("S", f"A{i}"): v for i, v in enumerate(cells, start=1)}
    values |= {("S", f"B{i}"): v for i, v in enumerate(lookups, start=1)}
    tested, wanted = r.range_at(f"S!A1:A{len(cells)}"), r.range_at(f"S!B1:B{len(lookups)}")
    scanned = [r.scalar(v) for v in cells]
    expected_positions = []
    expected_counts = []
    for lookup in (r.scalar(v) for v in lookups):
        same = r._same(lookup)
        expected_positions.append(next((D(i) for i, v in enumerate(scanned, start=1) if same(v)), NA))
        test = r._criterion(lookup)
        expected_counts.append(D(sum(1 for v in scanned if test(v))))
    assert r.match(wanted, tested).evaluate(values) == tuple(expected_positions)
    assert r.countif(tested, wanted).evaluate(values) == tuple(expected_counts)
