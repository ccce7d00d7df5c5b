"""The two readers of cell values behind load_cells (python-calamine and openpyxl) give the same values, book
and findings, on generated workbooks and on copies edited as officers and other programs edit them; calamine
is kept away from what it cannot hold safely; and reading works without calamine (Pyodide)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import os
import re
import string
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bcf_xl.planbook import reader as planbook_reader
from bcf_xl.planbook.checking import findings as planbook_findings
from bcf_xl.policy import Policy
from bcf_xl.sample import sample_plan
from bcf_xl.submission.builder import write
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26, TemplateYear
from bcf_xl.submission.layout import COVER, EXPENDITURE, INCOME, SCHEME_ROWS_NAME, Layout
from bcf_xl.submission.reader import READ_BOUNDS, load_values
from bcf_xl.submission.validator import validate
from bcf_xl.workbook import reading
from bcf_xl.workbook.reading import CALAMINE, OPENPYXL, READER_VARIABLE, backend
from bcf_xl.workbook.references import column_index, column_letter
from tests import commands
from tests.plans import balanced_plan, plans

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = Layout(YEAR_2023_25, 100)
FIRST_SCHEME = LAYOUT.expenditure.data_rows[0]


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Choose the reader of cell values for the rest of the test."""

    def choose(name: str) -> None:
        monkeypatch.setenv(READER_VARIABLE, name)
        assert backend() == name

    return choose


def both(path: Path, use: Callable[[str], None], read: Callable[[Path], object]) -> tuple[object, object]:
    """What ``read`` gives for ``path`` through calamine, and through openpyxl."""
    use(CALAMINE)
    fast = read(path)
    use(OPENPYXL)
    return fast, read(path)


def validation_view(path: Path, policy: Policy) -> object:
    """Everything a validation reports, as data: values, plan, findings with their cells, checklist outcome."""
    outcome = validate(path, policy)
    return (outcome.submission.values, outcome.submission.plan, outcome.findings, outcome.complete)


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> Path:
    path = tmp_path_factory.mktemp("backends") / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, policy, path)
    return path


def test_calamine_is_the_reader_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine reads by default where it is installed; BCF_XL_READER=openpyxl (any case) chooses openpyxl."""
    monkeypatch.delenv(READER_VARIABLE, raising=False)
    assert importlib.util.find_spec("python_calamine") is not None
    assert backend() == CALAMINE
    monkeypatch.setenv(READER_VARIABLE, " OpenPyXL ")
    assert backend() == OPENPYXL


@pytest.mark.parametrize("year", [YEAR_2023_25, YEAR_2025_26], ids=lambda y: y.name)
def test_generated_templates_read_the_same(
    year: TemplateYear, tmp_path: Path, policy: Policy, use: Callable[[str], None]
) -> None:
    """A generated template of each year gives the same book, values (types too), plan and findings both ways."""
    path = tmp_path / "template.xlsx"
    write(sample_plan() if year is YEAR_2023_25 else balanced_plan(year), year, policy, path)
    same_both_ways(path, use, policy)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_plans_read_the_same(data: st.DataObject, tmp_path: Path, policy: Policy) -> None:
    """Templates of random plans (odd text, amounts, blanks, either year) read the same both ways."""
    year = data.draw(st.sampled_from([YEAR_2023_25, YEAR_2025_26]))
    plan = data.draw(plans(year))
    path = tmp_path / "random.xlsx"
    write(plan, year, policy, path, overwrite=True)
    with pytest.MonkeyPatch.context() as patch:
        same_both_ways(path, lambda name: patch.setenv(READER_VARIABLE, name), policy)


def same_both_ways(path: Path, use: Callable[[str], None], policy: Policy) -> None:
    """The book, values (types too), plan and findings of a file are the same through either reader."""
    (book_a, values_a), (book_b, values_b) = both(path, use, load_values)  # type: ignore[misc]
    assert book_a == book_b
    assert {k: (v, type(v)) for k, v in values_a.items()} == {k: (v, type(v)) for k, v in values_b.items()}
    assert len(values_a) > 200
    fast, slow = both(path, use, lambda p: validation_view(p, policy))
    assert fast == slow


def edit_cells(changes: dict[tuple[str, str], object]) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        for (sheet, cell), value in changes.items():
            book[sheet][cell] = value

    return edit


def error_value(book: openpyxl.Workbook) -> None:
    cell = book[EXPENDITURE][LAYOUT.expenditure.cell("amount1", FIRST_SCHEME + 3)]
    cell.value = "#DIV/0!"
    cell.data_type = "e"


def no_scheme_rows_name(book: openpyxl.Workbook) -> None:
    """Without the defined name, the table is as long as the last row holding a cell record, value or not."""
    del book.defined_names[SCHEME_ROWS_NAME]
    blank = book[EXPENDITURE][LAYOUT.expenditure.cell("name", FIRST_SCHEME + 150)]
    blank.number_format = "0.00"  # a formatted cell with no value: a cell record all the same


def amount(row: int = FIRST_SCHEME, key: str = "amount1") -> tuple[str, str]:
    return (EXPENDITURE, LAYOUT.expenditure.cell(key, row))


EDITS: dict[str, Callable[[openpyxl.Workbook], None]] = {
    "text in an amount": edit_cells({amount(): "lots", amount(FIRST_SCHEME + 1): "£1,234.50"}),
    "date, time and TRUE in amounts": edit_cells(
        {amount(): dt.datetime(2024, 4, 1), amount(FIRST_SCHEME + 1): dt.time(9, 30), amount(FIRST_SCHEME + 2): True}
    ),
    "fractions and huge numbers": edit_cells(
        {amount(): 1234.565, amount(FIRST_SCHEME + 1): 1e20, amount(FIRST_SCHEME + 2): -0.0}
    ),
    "an Excel error value": error_value,
    "unusual text": edit_cells(
        {
            (EXPENDITURE, LAYOUT.expenditure.cell("name", FIRST_SCHEME)): "Carers \u2764 support\nline two",
            (COVER, LAYOUT.cover_cell("area")): "  Northmoor  ",
            (COVER, LAYOUT.cover_cell("sign_off_date")): dt.date(2024, 3, 28),
        }
    ),
    "no scheme-rows name, a formatted blank below": no_scheme_rows_name,
    "a source typed in lower case": edit_cells({(INCOME, LAYOUT.income.cell("kind", 5)): "disabled facilities grant"}),
    # A scheme ID of one space is a row with an ID to Excel (LEN 1): calamine alone would read no value.
    "an ID of only a space, its amount blanked": edit_cells(
        {(EXPENDITURE, LAYOUT.expenditure.cell("scheme_id", FIRST_SCHEME)): " ", amount(): None}
    ),
}


@pytest.mark.parametrize("name", EDITS)
def test_hand_edited_templates_read_the_same(
    name: str, sample_file: Path, tmp_path: Path, policy: Policy, use: Callable[[str], None]
) -> None:
    """A template edited (and saved by another program) gives the same values, plan and findings both ways."""
    book = openpyxl.load_workbook(sample_file)
    EDITS[name](book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    (book_a, values_a), (book_b, values_b) = both(path, use, load_values)  # type: ignore[misc]
    assert (book_a, values_a) == (book_b, values_b)
    assert {k: type(v) for k, v in values_a.items()} == {k: type(v) for k, v in values_b.items()}
    fast, slow = both(path, use, lambda p: validation_view(p, policy))
    assert fast == slow


def test_the_edits_reach_the_findings(sample_file: Path, tmp_path: Path, policy: Policy) -> None:
    """The edited copies differ from the clean one where it matters (so the comparisons above can fail)."""
    book = openpyxl.load_workbook(sample_file)
    EDITS["text in an amount"](book)
    error_value(book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    messages = [str(f) for f in validate(path, policy).findings]
    assert any('(got "lots")' in m for m in messages)
    assert any("#DIV/0!" in m for m in messages)


@pytest.mark.parametrize("workbook", ["bcf_planning_sample.xlsm", "bcf_planning.xlsm"])
def test_planning_workbooks_read_the_same(workbook: str, policy: Policy, use: Callable[[str], None]) -> None:
    """The planning workbooks (XlsxWriter's, with formatted blank rows) give the same values, rows and findings."""
    path = ROOT / "workbooks" / workbook
    fast, slow = both(path, use, planbook_reader.load)
    assert fast == slow
    found_a, found_b = both(path, use, lambda p: planbook_findings(planbook_reader.read(p), policy))
    assert found_a == found_b


def scan_of(path: Path, sheet: str) -> object:
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
    index = openpyxl.load_workbook(path, read_only=True).sheetnames.index(sheet) + 1
    assert f'name="{sheet}"' in book
    with zipfile.ZipFile(path) as archive:
        return reading._scan(archive, f"xl/worksheets/sheet{index}.xml", *READ_BOUNDS[sheet])


def rewrite_sheet(source: Path, target: Path, sheet_index: int, edit: Callable[[str], str]) -> Path:
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item.filename, edit(data.decode()).encode() if item.filename == member else data)
    return target


def cover_index(path: Path) -> int:
    return openpyxl.load_workbook(path, read_only=True).sheetnames.index(COVER) + 1


FAR = "XFD1048576"
TEXT = "<is><t>far</t></is></c></row></sheetData>"
# Cells calamine would place at the sheet's last cell, or place without a reference: it would allocate the whole span
# and end the process. Each start tag is written as no spreadsheet program writes it, and as calamine still reads it.
HOSTILE_CELLS = {
    "a cell at the sheet's last cell": f'<row r="1048576"><c r="{FAR}" t="inlineStr">{TEXT}',
    "a cell without a reference": '<row r="30"><c t="inlineStr"><is><t>where?</t></is></c></row></sheetData>',
    "a far cell whose tag breaks a line": f'<row r="1048576"><c\nr="{FAR}" t="inlineStr">{TEXT}',
    "a far cell whose tag has a tab": f'<row r="1048576"><c\tr="{FAR}" t="inlineStr">{TEXT}',
    "a second, far reference": f'<row r="30"><c r="A30" r="{FAR}" t="inlineStr">{TEXT}',
    "a second reference after a tab": f'<row r="30"><c r="A30"\tr="{FAR}" t="inlineStr">{TEXT}',
    "a second reference with no space": f'<row r="30"><c r="A30"r="{FAR}" t="inlineStr">{TEXT}',
    "a second reference after a quoted >": f'<row r="30"><c r="A30" ph=">" r="{FAR}" t="inlineStr">{TEXT}',
}


@pytest.mark.parametrize(("name", "xml"), HOSTILE_CELLS.items(), ids=list(HOSTILE_CELLS))
def test_what_calamine_cannot_hold_is_read_by_openpyxl(name: str, xml: str, sample_file: Path, tmp_path: Path) -> None:
    """A sheet whose cells span the whole grid, or a cell whose place calamine would find otherwise than the scan
    (no reference, a start tag broken by white space, a second reference), is left to openpyxl (calamine would
    allocate the whole span and end the process): the scan says no, and the file reads as openpyxl reads it."""
    path = rewrite_sheet(
        sample_file, tmp_path / "far.xlsx", cover_index(sample_file), lambda text: text.replace("</sheetData>", xml, 1)
    )
    assert scan_of(path, COVER) is None
    assert scan_of(sample_file, COVER) is not None
    with zipfile.ZipFile(path) as archive:  # the search within the dimension's claim says no on its own
        xml = archive.read(f"xl/worksheets/sheet{cover_index(path)}.xml")
        claim = reading._DIMENSION.search(xml)
        assert claim is not None
        assert reading._last_row_within_claim(xml, claim[1].decode(), claim[2].decode(), *READ_BOUNDS[COVER]) is None
        assert reading._calamine_cells(path, archive, READ_BOUNDS) is None
    outputs = []
    for chosen in (CALAMINE, OPENPYXL):
        result = commands.bcf_xl(
            "validate",
            "--json",
            path.name,
            cwd=path.parent,
            memory=1500 * 2**20,
            timeout=60,
            env={**os.environ, READER_VARIABLE: chosen},
        )
        assert result.returncode in (0, 1, 2), result.stderr
        assert "Traceback" not in result.stderr
        outputs.append((result.returncode, result.stdout, result.stderr))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("name", "count", "readable"),
    [
        ("two thousand million", ' uniqueCount="2000000000"', True),
        ("written with a plus", ' uniqueCount="+2000000000"', True),
        ("given twice", ' uniqueCount="1" uniqueCount="2000000000"', False),  # not XML: openpyxl refuses it
    ],
)
def test_shared_strings_claiming_more_than_they_hold_are_read_by_openpyxl(
    name: str, count: str, readable: bool, tmp_path: Path
) -> None:
    """A planning workbook whose shared strings claim far more strings than the part holds is left to openpyxl
    (calamine makes room for the claimed count first, and ends the process when it cannot): whichever reader is
    chosen, the checks are those of the workbook as it is, or openpyxl's refusal of a part that is not XML."""
    source = ROOT / "workbooks" / "bcf_planning_sample.xlsm"
    path = tmp_path / source.name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/sharedStrings.xml":
                edited = re.sub(rb' uniqueCount="[0-9]+"', count.encode(), data, count=1)
                assert edited != data
                data = edited
            new.writestr(item, data)
    with zipfile.ZipFile(path) as archive:
        assert reading._shared_strings_unread(archive)
    with zipfile.ZipFile(source) as archive:
        assert not reading._shared_strings_unread(archive)
    outputs = []
    for folder, chosen in ((tmp_path, CALAMINE), (tmp_path, OPENPYXL), (source.parent, CALAMINE)):
        result = commands.bcf_xl(
            "check", path.name, cwd=folder, memory=1500 * 2**20, timeout=60, env={**os.environ, READER_VARIABLE: chosen}
        )
        assert "Traceback" not in result.stderr
        outputs.append((result.returncode, result.stdout, result.stderr))
    edited_calamine, edited_openpyxl, original = outputs
    assert edited_calamine == edited_openpyxl
    if readable:
        assert edited_calamine == original
    else:
        assert edited_calamine[0] == 2
        assert "cannot be read as a workbook" in edited_calamine[2]


def test_reading_works_without_calamine(
    sample_file: Path, monkeypatch: pytest.MonkeyPatch, policy: Policy, use: Callable[[str], None]
) -> None:
    """Where python-calamine cannot be imported (Pyodide), openpyxl reads, and gives what calamine gives."""
    use(CALAMINE)
    expected = validation_view(sample_file, policy)
    monkeypatch.delenv(READER_VARIABLE)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "python_calamine" else real(name, *a)
    )
    assert backend() == OPENPYXL
    assert validation_view(sample_file, policy) == expected


def test_a_long_text_is_refused_at_its_cell_either_way(
    sample_file: Path, tmp_path: Path, use: Callable[[str], None]
) -> None:
    """A cell over the text limit is refused naming its sheet and cell, by either reader."""
    book = openpyxl.load_workbook(sample_file)
    cell = LAYOUT.expenditure.cell("name", FIRST_SCHEME + 2)
    book[EXPENDITURE][cell] = "x" * (reading.MAX_CELL_CHARS + 1)
    path = tmp_path / "long.xlsx"
    book.save(path)
    messages = []
    for chosen in (CALAMINE, OPENPYXL):
        use(chosen)
        with pytest.raises(reading.BcfInputError) as caught:
            load_values(path)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert f"'{EXPENDITURE}'!{cell}" in messages[0]


_TEXT_PIECES = st.sampled_from(
    [
        "<t>",
        "</t>",
        "<x:t>",
        "</x:t>",
        '<t xml:space="preserve">',
        '<x:t xml:space="preserve">',
        " ",
        "\t",
        "\n",
        "a",
        "<is>",
        "</is>",
        '<c r="A1" t="inlineStr">',
        "</c>",
        "<tableParts/>",
        ":t",
        ">",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXT_PIECES, max_size=14).map("".join))
def test_the_quick_search_for_blank_text_finds_what_the_full_pattern_finds(xml: str) -> None:
    """A sheet's text of only white space (which calamine reads as no value, so openpyxl reads that sheet) is found
    by the quick search exactly where the full pattern, with namespace prefixes, finds it."""
    from bcf_xl.workbook import reading

    data = xml.encode()
    assert reading._blank_text(data) == (reading._BLANK_TEXT.search(data) is not None)


_CELLS = st.lists(
    st.tuples(st.sampled_from(["A", "B", "H", "Z", "AA", "AB"]), st.integers(1, 40)), min_size=0, max_size=30
)


# A dimension record claiming where the cells end (any column from A to AC, any row to 45), or none.
_CLAIMS = st.one_of(st.none(), st.tuples(st.integers(1, 29), st.integers(1, 45)))


@settings(max_examples=400, deadline=None)
@given(_CELLS, st.integers(1, 40), st.integers(1, 28), st.booleans(), _CLAIMS)
def test_the_scan_finds_the_last_row_within_the_bounds(
    cells: list[tuple[str, int]], max_row: int, max_col: int, padded: bool, claim: tuple[int, int] | None
) -> None:
    """The scan of a sheet's XML gives the last row that has a cell within the bounds' rows and columns, as a walk
    over each cell gives it, whatever the sheet's dimension claims (true, beyond its cells, short of them, or no
    claim at all), with row numbers written with leading zeros too, and cells out of order."""
    rows = "".join(
        f'<row r="{row}"><c r="{letters}{row:03d}" s="1"/></row>' if padded else f'<c r="{letters}{row}" t="s"/>'
        for letters, row in cells
    )
    dimension = "" if claim is None else f'<dimension ref="A1:{column_letter(claim[0])}{claim[1]}"/>'
    xml = f"<worksheet>{dimension}<sheetData>{rows}</sheetData></worksheet>".encode()
    with zipfile.ZipFile(io.BytesIO(), "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
        scan = reading._scan(archive, "xl/worksheets/sheet1.xml", max_row, max_col)
    within = [row for letters, row in cells if row <= max_row and column_index(letters) <= max_col]
    assert scan == max(within, default=0)


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 18_278), st.integers(1, 18_278), st.integers(1, 9_999_999), st.integers(1, 9_999_999))
def test_the_patterns_of_columns_and_rows_up_to_a_limit_take_exactly_those(
    limit_column: int, column: int, limit_row: int, row: int
) -> None:
    """The pattern of the columns up to a limit matches a column's letters exactly when it is no further right, and
    that of the rows up to a limit a row number exactly when it is no further down (a leading zero never)."""
    columns = reading._at_most(column_letter(limit_column), string.ascii_uppercase, string.ascii_uppercase)
    rows = reading._at_most(str(limit_row), string.digits[1:], string.digits)
    assert (re.fullmatch(columns, column_letter(column)) is not None) == (column <= limit_column)
    assert (re.fullmatch(rows, str(row)) is not None) == (row <= limit_row)
    assert re.fullmatch(rows, f"0{row}") is None
