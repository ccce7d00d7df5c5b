"""Hostile workbooks against the one reading policy: small files whose records claim huge sheets are read in
bounded time and memory, only within the rows and columns the layouts declare.

Every hostile file is built here from a workbook bcf-xl wrote, by editing the XML parts of its zip container.
Each is read by the bcf-xl command in a subprocess under a memory limit and a timeout; the test asserts the exit
code, the one-line message (or that the output is exactly the clean file's) and that the input is unchanged.
"""

from __future__ import annotations

import html
import random
import re
import string
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from bcf_xl.files import MAX_FILE_RATIO, MAX_SHEETS
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.reader import MAX_SCHEME_ROWS, READ_BOUNDS
from bcf_xl.submission.layout import INCOME, SCHEME_ROWS_NAME
from bcf_xl.workbook.reading import MAX_CELL_CHARS
from tests import commands
from tests.commands import digest

MEMORY_LIMIT = 500 * 2**20  # bytes of address space the command may use
TIMEOUT = 30  # seconds a command may take before it counts as hung (WORK_SECONDS bounds its work)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# The hostile files that take seconds to build are built once for the session (fixtures in tests/conftest.py):
# tests/test_reading_hostile_openpyxl.py runs these tests again with its own reader, on the same files (no command
# changes its input: each test checks that); with parallel workers both files run on one worker.

Edit = Callable[[str], str]


def bcf_xl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The bcf-xl command run under the memory limit; it must finish within the timeout."""
    return commands.bcf_xl(*args, cwd=cwd, memory=MEMORY_LIMIT, timeout=TIMEOUT)


def sheet_parts(path: Path) -> dict[str, str]:
    """Each sheet's name and the zip member that holds it."""
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    targets = {
        str(rel.get("Id")): str(rel.get("Target"))
        for rel in ElementTree.fromstring(rels)
        if rel.tag.endswith("}Relationship")
    }
    sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+"[^>]*r:id="([^"]+)"', book)
    return {html.unescape(name): "xl/" + targets[rid].lstrip("/").removeprefix("xl/") for name, rid in sheets}


def rewrite(source: Path, target: Path, edits: dict[str, Edit], extra: dict[str, bytes] | None = None) -> Path:
    """A copy of a workbook with some members' text edited and some members added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename in edits:
                data = edits[item.filename](data.decode()).encode()
            new.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def before_sheet_data_end(xml: str) -> Edit:
    return lambda text: text.replace("</sheetData>", xml + "</sheetData>", 1)


def after_sheet_data(xml: str) -> Edit:
    return lambda text: text.replace("</sheetData>", "</sheetData>" + xml, 1)


def claim_dimension(ref: str) -> Edit:
    return lambda text: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', text, count=1)


def chain(*edits: Edit) -> Edit:
    def run(text: str) -> str:
        for edit in edits:
            text = edit(text)
        return text

    return run


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    result = bcf_xl("new-plan", "--sample", "-o", "plan.xlsm", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "plan.xlsm"


@pytest.fixture(scope="module")
def plan_check(plan_file: Path) -> subprocess.CompletedProcess[str]:
    result = bcf_xl("check", plan_file.name, cwd=plan_file.parent)
    assert result.returncode in (0, 1) and result.stderr == ""
    return result


@pytest.fixture(scope="module")
def template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    result = bcf_xl("generate", "--sample", "-o", "template.xlsx", cwd=folder)
    assert result.returncode in (0, 1), result.stderr
    return folder / "template.xlsx"


def check_as_clean(path: Path, clean: subprocess.CompletedProcess[str]) -> None:
    """``check`` of a hostile copy prints exactly what it printed for the clean plan, and leaves the copy as it was."""
    before = digest(path)
    result = bcf_xl("check", path.name, cwd=path.parent)
    assert result.stderr == ""
    assert result.returncode == clean.returncode
    assert result.stdout == clean.stdout.replace(clean.stdout.split(":")[0], path.name, 1)
    assert digest(path) == before


def refused(path: Path, command: str = "check") -> str:
    """The one line a command refuses a hostile file with (exit 2), the file left as it was."""
    before = digest(path)
    result = bcf_xl(command, path.name, cwd=path.parent)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("bcf-xl: ")
    assert "Traceback" not in result.stderr
    assert digest(path) == before
    return result.stderr.strip()


@pytest.mark.parametrize("sheet", [L.COVER, L.SCHEMES, L.CHECKS])
def test_a_cell_at_the_last_cell_of_a_sheet_is_ignored(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path, sheet: str
) -> None:
    """A cell at XFD1048576 (with a dimension claiming the whole sheet) is outside the layout: it is never read."""
    part = sheet_parts(plan_file)[sheet]
    cell = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row>'
    edit = chain(before_sheet_data_end(cell), claim_dimension("A1:XFD1048576"))
    check_as_clean(rewrite(plan_file, tmp_path / "far.xlsm", {part: edit}), plan_check)


def test_a_row_numbered_two_billion_is_ignored(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """A row numbered 2,000,000,000 lies beyond every row the layout declares: reading stops before it."""
    part = sheet_parts(plan_file)[L.SCHEMES]
    row = '<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'
    check_as_clean(rewrite(plan_file, tmp_path / "rows.xlsm", {part: before_sheet_data_end(row)}), plan_check)


def test_a_merge_over_the_whole_cover_is_ignored(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """A merged range A1:XFD1048576 on the Cover is a record bcf-xl does not use: the Cover reads as before."""
    part = sheet_parts(plan_file)[L.COVER]
    merge = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    check_as_clean(rewrite(plan_file, tmp_path / "merged.xlsm", {part: after_sheet_data(merge)}), plan_check)


def test_a_hyperlink_over_a_whole_sheet_is_ignored(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """A hyperlink whose range is a whole sheet is a record bcf-xl does not use: the sheet reads as before."""
    part = sheet_parts(plan_file)[L.FUNDING]
    link = '<hyperlinks><hyperlink ref="A1:XFD1048576" location="\'Cover\'!A1" display="x"/></hyperlinks>'
    check_as_clean(rewrite(plan_file, tmp_path / "linked.xlsm", {part: after_sheet_data(link)}), plan_check)


def test_a_long_text_outside_the_layout_is_ignored(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """A cell beyond the columns the layout declares is not read, however long its text."""
    last_row, last_column = READ_BOUNDS[L.COVER]
    column = openpyxl.utils.get_column_letter(last_column + 1)
    text = "".join(random.Random(14).choices(string.ascii_letters, k=2**20))  # 1 MB that does not compress away
    cell = f'<row r="{last_row + 1}"><c r="{column}{last_row + 1}" t="inlineStr"><is><t>{text}</t></is></c></row>'
    part = sheet_parts(plan_file)[L.COVER]
    check_as_clean(rewrite(plan_file, tmp_path / "long.xlsm", {part: before_sheet_data_end(cell)}), plan_check)


def test_a_cell_text_beyond_the_limit_is_refused_with_its_cell(plan_file: Path, tmp_path: Path) -> None:
    """A read cell holding more text than a cell may hold is refused, naming the sheet, the cell and the limit."""
    cell = L.cover_cell("area")
    text = "A" * (MAX_CELL_CHARS + 1)

    def fill(xml: str) -> str:
        found = re.search(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', xml)
        assert found, f"the sample plan has a cell record at {cell}"
        return xml.replace(found.group(0), f'<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>', 1)

    path = rewrite(plan_file, tmp_path / "huge-text.xlsm", {sheet_parts(plan_file)[L.COVER]: fill})
    assert refused(path) == (
        f"bcf-xl: '{L.COVER}'!{cell}: holds {MAX_CELL_CHARS + 1:,} characters of text, "
        f"more than the {MAX_CELL_CHARS:,} a cell may hold"
    )


def test_a_schemes_table_longer_than_the_limit_is_refused(plan_file: Path, tmp_path: Path) -> None:
    """A value on the row after the longest Schemes table means the table goes on beyond it: refused with its cell."""
    row = L.schemes_table(1).header_row + MAX_SCHEME_ROWS + 1
    xml = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>S999</t></is></c></row>'
    path = rewrite(
        plan_file, tmp_path / "long-table.xlsm", {sheet_parts(plan_file)[L.SCHEMES]: before_sheet_data_end(xml)}
    )
    assert refused(path) == (
        f"bcf-xl: '{L.SCHEMES}'!A{row}: the Schemes table may have at most {MAX_SCHEME_ROWS:,} rows; "
        "this one goes on beyond them"
    )


@pytest.mark.parametrize("command", ["read", "validate"])
def test_a_scheme_rows_name_stretched_to_a_billion_rows_is_refused(
    template_file: Path, tmp_path: Path, command: str
) -> None:
    """The template's BCF_SCHEME_ROWS may name at most the stated number of rows; row 999,999,999 is refused."""
    stretched = {}

    def stretch(xml: str) -> str:
        found = re.search(rf'(<definedName name="{SCHEME_ROWS_NAME}"[^>]*>)([^<]*)\$(\d+)</definedName>', xml)
        assert found, "the template keeps its scheme rows in a defined name"
        stretched["reference"] = found.group(2) + "$999999999"
        return xml.replace(found.group(0), f"{found.group(1)}{stretched['reference']}</definedName>")

    path = rewrite(template_file, tmp_path / "stretched.xlsx", {"xl/workbook.xml": stretch})
    first = int(re.findall(r"\$(\d+):", stretched["reference"])[0])
    assert refused(path, command) == (
        f"bcf-xl: 'stretched.xlsx' defined name {SCHEME_ROWS_NAME}: may name at most {MAX_SCHEME_ROWS:,} rows, "
        f'not {999_999_999 - first + 1:,} (got "{stretched["reference"]}")'
    )


def _filler_sheet(size: int) -> bytes:
    """A worksheet part of about ``size`` bytes, full of numbers, with no dimension record."""
    row = "".join(
        f'<c r="{openpyxl.utils.get_column_letter(c)}{{r}}"><v>{c * 7919 % 10007}</v></c>' for c in range(1, 21)
    )
    rows, r = [], 1
    total = 0
    while total < size:
        text = f'<row r="{r}">' + row.format(r=r) + "</row>"
        rows.append(text)
        total += len(text)
        r += 1
    head = f'<worksheet xmlns="{MAIN}"><sheetData>'
    return (head + "".join(rows) + "</sheetData></worksheet>").encode()


def with_extra_sheets(source: Path, target: Path, count: int, size: int, data: bytes | None = None) -> Path:
    """A copy of a workbook with ``count`` more sheets (``data``, or numbers filling about ``size`` bytes each)."""
    data = data or _filler_sheet(size)
    names = [f"Extra{i}" for i in range(count)]
    sheets = "".join(f'<sheet name="{n}" sheetId="{1000 + i}" r:id="rIdX{i}"/>' for i, n in enumerate(names))
    rels = "".join(
        f'<Relationship Id="rIdX{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/extra{i}.xml"/>'
        for i in range(count)
    )
    types = "".join(
        f'<Override PartName="/xl/worksheets/extra{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(count)
    )
    edits: dict[str, Edit] = {
        "xl/workbook.xml": lambda xml: xml.replace("</sheets>", sheets + "</sheets>", 1),
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace("</Relationships>", rels + "</Relationships>", 1),
        "[Content_Types].xml": lambda xml: xml.replace("</Types>", types + "</Types>", 1),
    }
    return rewrite(source, target, edits, {f"xl/worksheets/extra{i}.xml": data for i in range(count)})


def megabyte_sheets_file(folder: Path) -> Path:
    """The sample plan with 480 extra sheets of 1 MB each (the session fixture ``megabyte_sheets``)."""
    result = bcf_xl("new-plan", "--sample", "-o", "plan.xlsm", cwd=folder)
    assert result.returncode == 0, result.stderr
    return with_extra_sheets(folder / "plan.xlsm", folder / "sheets.xlsm", 480, 2**20)


def test_480_extra_sheets_of_a_megabyte_are_refused(megabyte_sheets: Path) -> None:
    """480 extra 1 MB sheets (unpacking to 480 MB) are refused, by their count, before any sheet is parsed."""
    path = megabyte_sheets
    sheets = len(L.SHEETS) + 480
    assert refused(path) == f"bcf-xl: 'sheets.xlsm': holds {sheets} sheets, more than the {MAX_SHEETS} allowed"


def test_small_parts_unpacking_far_beyond_the_file_are_refused(plan_file: Path, tmp_path: Path) -> None:
    """Parts each under 1 MB that together unpack to over 100 times the file's size are refused as a zip bomb."""
    repeated = '<c t="inlineStr"><is><t>same</t></is></c>' * (2**20 // 64)
    part = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{repeated}</row></sheetData></worksheet>'.encode()
    path = rewrite(plan_file, tmp_path / "bomb.xlsm", {}, {f"xl/media/part{i}.xml": part for i in range(60)})
    size = path.stat().st_size
    unpacked = sum(item.file_size for item in zipfile.ZipFile(path).infolist())
    assert all(item.file_size < 2**20 for item in zipfile.ZipFile(path).infolist())
    assert refused(path) == (
        f"bcf-xl: 'bomb.xlsm': unpacks to {unpacked // size} times its size, "
        f"more than the {MAX_FILE_RATIO} allowed (a zip bomb?)"
    )


def test_more_sheets_than_allowed_are_refused(plan_file: Path, tmp_path: Path) -> None:
    """A workbook may hold at most the stated number of sheets: one with more is refused, with the count."""
    path = with_extra_sheets(plan_file, tmp_path / "many.xlsm", MAX_SHEETS, 2_000)
    sheets = len(L.SHEETS) + MAX_SHEETS
    assert refused(path) == f"bcf-xl: 'many.xlsm': holds {sheets} sheets, more than the {MAX_SHEETS} allowed"


def test_extra_sheets_within_the_limits_are_ignored(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """Sheets bcf-xl does not use are not read: with 60 extra sheets the plan checks exactly as before."""
    check_as_clean(with_extra_sheets(plan_file, tmp_path / "extra.xlsm", 60, 100_000), plan_check)


def test_openpyxl_parses_through_defusedxml() -> None:
    """openpyxl finds defusedxml installed and uses it for every part it parses, as advised for untrusted files."""
    assert openpyxl.DEFUSEDXML is True


def test_a_scheme_rows_name_that_is_not_a_range_is_refused(template_file: Path, tmp_path: Path) -> None:
    """A BCF_SCHEME_ROWS that names no range of rows (here #REF!) is refused with the name and what it holds."""

    def break_name(xml: str) -> str:
        found = re.search(rf'(<definedName name="{SCHEME_ROWS_NAME}"[^>]*>)[^<]*</definedName>', xml)
        assert found, "the template keeps its scheme rows in a defined name"
        return xml.replace(found.group(0), f"{found.group(1)}#REF!</definedName>")

    path = rewrite(template_file, tmp_path / "broken.xlsx", {"xl/workbook.xml": break_name})
    assert refused(path, "read") == (
        f"bcf-xl: 'broken.xlsx' defined name {SCHEME_ROWS_NAME}: must name the Expenditure table's rows "
        'as a range of cells (got "#REF!")'
    )


def test_a_sheet_bcf_xl_does_not_use_is_never_parsed(
    plan_file: Path, plan_check: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    """An extra sheet is never parsed, not even to find its size: one of broken XML leaves the check as before."""
    broken = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c'.encode()
    check_as_clean(with_extra_sheets(plan_file, tmp_path / "broken.xlsm", 3, 0, broken), plan_check)


def test_generate_from_a_plan_with_a_far_cell_ignores_it(plan_file: Path, tmp_path: Path) -> None:
    """generate recognises and reads a plan whose Schemes sheet claims XFD1048576 as it reads the clean plan."""
    part = sheet_parts(plan_file)[L.SCHEMES]
    cell = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    edit = chain(before_sheet_data_end(cell), claim_dimension("A1:XFD1048576"))
    path = rewrite(plan_file, tmp_path / "far.xlsm", {part: edit})
    before = digest(path)
    clean = bcf_xl("generate", plan_file, "-o", tmp_path / "clean.xlsx", cwd=tmp_path)
    result = bcf_xl("generate", path.name, "-o", "far.xlsx", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (clean.returncode, "") and clean.returncode in (0, 1)
    assert result.stdout.replace("far.xlsx", "clean.xlsx") == clean.stdout.replace(
        str(tmp_path / "clean.xlsx"), "clean.xlsx"
    )
    assert digest(path) == before


def as_chart_sheet(source: Path, target: Path, sheet: str) -> Path:
    """A copy of a workbook whose sheet ``sheet`` is a chart sheet (of the same name, at the same place)."""
    with zipfile.ZipFile(source) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    part = sheet_parts(source)[sheet].removeprefix("xl/")
    chart = (
        b'<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>'
    )
    found = re.search(rf'<Relationship [^>]*Target="/?(xl/)?{re.escape(part)}"[^>]*?/>', rels)
    assert found, f"the workbook names a part for {sheet}"
    relationship = re.sub(r"relationships/worksheet\"", 'relationships/chartsheet"', found.group(0))
    relationship = relationship.replace(part, "chartsheets/chart1.xml")
    chart_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"
    edits: dict[str, Edit] = {
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(found.group(0), relationship),
        "[Content_Types].xml": lambda xml: xml.replace(
            "</Types>", f'<Override PartName="/xl/chartsheets/chart1.xml" ContentType="{chart_type}"/></Types>'
        ),
    }
    return rewrite(source, target, edits, {"xl/chartsheets/chart1.xml": chart})


@pytest.mark.parametrize(
    ("workbook", "sheet", "command"),
    [("plan", L.FUNDING, "check"), ("plan", L.SCHEMES, "generate"), ("template", INCOME, "validate")],
)
def test_a_chart_sheet_where_a_sheet_of_cells_belongs_is_named_as_such(
    plan_file: Path, template_file: Path, tmp_path: Path, workbook: str, sheet: str, command: str
) -> None:
    """A sheet bcf-xl reads that is a chart sheet is refused as one (exit 2, one line), not as a missing sheet."""
    source = plan_file if workbook == "plan" else template_file
    path = as_chart_sheet(source, tmp_path / f"chart{source.suffix}", sheet)
    if command == "generate":
        before = digest(path)
        result = bcf_xl("generate", path.name, "-o", "out.xlsx", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"bcf-xl: '{sheet}': is a chart sheet, not a worksheet of cells as bcf-xl expects\n"
        assert digest(path) == before and not (tmp_path / "out.xlsx").exists()
        return
    assert refused(path, command) == f"bcf-xl: '{sheet}': is a chart sheet, not a worksheet of cells as bcf-xl expects"


# --- many bad rows: findings placed in linear time ------------------------------------------------------------

BAD_ROWS = MAX_SCHEME_ROWS  # a full table: the plan's and the template's limit
WORK_SECONDS = 10  # processor time a command may take; its wall time on a shared machine counts the others' work


def _large_plan(count: int = BAD_ROWS) -> object:
    """The sample plan with its schemes repeated to make ``count`` schemes."""
    import bcf_xl

    data = bcf_xl.plan_to_mapping(bcf_xl.sample_plan())
    schemes = data["schemes"]
    data["schemes"] = [dict(schemes[i % len(schemes)], scheme_id=f"S{i:05d}") for i in range(count)]
    return bcf_xl.plan_from_mapping(data)


def _spoil(path: Path, target: Path, sheet: str, cells: list[tuple[str, str]], *, keep_vba: bool, size: int) -> Path:
    """A copy of a workbook with text where amounts belong (``"lots"``) and ``size`` random letters in a text
    column, on every data row: (amount cell, text cell) pairs in ``cells``."""
    letters = random.Random(5)
    book = openpyxl.load_workbook(path, keep_vba=keep_vba)
    for amount, text in cells:
        book[sheet][amount] = "lots"
        book[sheet][text] = "".join(letters.choices(string.ascii_letters, k=size))
    book.save(target)
    return target


def _checked_within_limits(path: Path, command: str, bad_cells: list[str]) -> None:
    """``command`` reports every bad cell (exit 1) within the memory limit and WORK_SECONDS, input unchanged."""
    before = digest(path)
    runs: list[subprocess.CompletedProcess[str]] = []
    seconds = commands.cpu_seconds(
        lambda: runs.append(commands.bcf_xl(command, path.name, cwd=path.parent, memory=MEMORY_LIMIT, timeout=120))
    )
    [result] = runs
    assert (result.returncode, result.stderr) == (1, "")
    reported = set(re.findall(r"^  Error READ01 '[^']+'!([A-Z]+\d+):", result.stdout, re.MULTILINE))
    assert reported >= set(bad_cells)
    assert seconds < WORK_SECONDS
    assert digest(path) == before


def large_bad_plan_file(folder: Path) -> tuple[Path, list[str]]:
    """A plan of 2,000 schemes (a full table), each with a text amount and 400 random letters in its description,
    and its bad cells (the session fixture ``large_bad_plan``)."""
    from bcf_xl.planbook.builder import write
    from bcf_xl.policy import load_policy

    write(folder / "large.xlsm", _large_plan(), load_policy())  # type: ignore[arg-type]
    table = L.schemes_table(BAD_ROWS)
    cells = [(table.cell("amount1", row), table.cell("description", row)) for row in table.data_rows]
    path = _spoil(folder / "large.xlsm", folder / "bad.xlsm", L.SCHEMES, cells, keep_vba=True, size=400)
    return path, [amount for amount, _ in cells]


def test_a_large_plan_with_a_bad_amount_on_every_row_is_checked_in_time(large_bad_plan: tuple[Path, list[str]]) -> None:
    """`check` of a plan of 2,000 schemes (about 1.2 MB), each with a text amount, reports each at its cell within
    the memory limit and in linear time."""
    path, bad_cells = large_bad_plan
    assert path.stat().st_size > 1_000_000
    _checked_within_limits(path, "check", bad_cells)


def large_bad_template_file(folder: Path) -> tuple[Path, list[str]]:
    """A template of 2,000 schemes (a full table), each with a text amount and 1,200 random letters in its
    description, and its bad cells (the session fixture ``large_bad_template``)."""
    from bcf_xl.policy import load_policy
    from bcf_xl.submission.builder import write
    from bcf_xl.submission.definition import YEAR_2023_25
    from bcf_xl.submission.layout import EXPENDITURE, Layout, scheme_rows_for

    count = MAX_SCHEME_ROWS
    write(_large_plan(count), YEAR_2023_25, load_policy(), folder / "large.xlsx")  # type: ignore[arg-type]
    table = Layout(YEAR_2023_25, scheme_rows_for(count)).expenditure
    assert len(table.data_rows) == MAX_SCHEME_ROWS
    rows = table.data_rows[:count]
    cells = [(table.cell("amount1", row), table.cell("description", row)) for row in rows]
    path = _spoil(folder / "large.xlsx", folder / "bad.xlsx", EXPENDITURE, cells, keep_vba=False, size=1_200)
    return path, [amount for amount, _ in cells]


def test_a_large_template_with_a_bad_amount_on_every_row_is_validated_in_time(
    large_bad_template: tuple[Path, list[str]],
) -> None:
    """`validate` of a template of 2,000 schemes (about 1.9 MB, a full table), each with a text
    amount, reports each at its cell within the memory limit and in linear time."""
    path, bad_cells = large_bad_template
    assert path.stat().st_size > 1_800_000
    _checked_within_limits(path, "validate", bad_cells)


@pytest.mark.parametrize("what", ["planning workbook", "template"])
def test_a_plan_with_more_schemes_than_a_table_holds_is_refused(tmp_path: Path, what: str) -> None:
    """A plan of 2,001 schemes gets no workbook the readers would refuse: the builder refuses it, naming the
    schemes, the room and the count, and writes nothing."""
    from bcf_xl.errors import BcfInputError
    from bcf_xl.planbook.builder import write as write_plan
    from bcf_xl.policy import load_policy
    from bcf_xl.submission.builder import write as write_template
    from bcf_xl.submission.definition import YEAR_2023_25

    plan = _large_plan(MAX_SCHEME_ROWS + 1)
    target = tmp_path / ("plan.xlsm" if what == "planning workbook" else "template.xlsx")

    def build() -> None:
        if what == "planning workbook":
            write_plan(target, plan, load_policy())  # type: ignore[arg-type]
        else:
            write_template(plan, YEAR_2023_25, load_policy(), target)  # type: ignore[arg-type]

    with pytest.raises(BcfInputError) as refusal:
        build()
    assert str(refusal.value) == f'schemes: the {what} has room for 2,000 (got "2,001")'
    assert list(tmp_path.iterdir()) == []


def test_generate_from_a_template_whose_scheme_rows_name_is_stretched_is_refused(
    template_file: Path, tmp_path: Path
) -> None:
    """`generate` from a template whose BCF_SCHEME_ROWS reaches row 999,999,999 is refused as read and validate
    refuse it (exit 2, one line), writing nothing."""

    def stretch(xml: str) -> str:
        return re.sub(
            rf'(<definedName name="{SCHEME_ROWS_NAME}"[^>]*>[^<]*\$)\d+(</definedName>)', r"\g<1>999999999\2", xml
        )

    path = rewrite(template_file, tmp_path / "stretched.xlsx", {"xl/workbook.xml": stretch})
    before = digest(path)
    result = bcf_xl("generate", path.name, "-o", "out.xlsx", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"bcf-xl: 'stretched.xlsx' defined name {SCHEME_ROWS_NAME}: may name at most ")
    assert result.stderr.count("\n") == 1
    assert digest(path) == before and not (tmp_path / "out.xlsx").exists()
