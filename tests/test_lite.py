"""The xlwings Lite face in CPython: the custom functions, the scripts over a stand-in book, main.py, the
Lite planning workbook and ``bcf-xl lite``. (tests/test_pyodide.py runs the same inside Pyodide.)"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import bcf_lite
import bcf_macros.lite
from bcf_macros import WorkbookFile, check_plan
from bcf_xl import cli, load_policy, sample_plan
from bcf_xl.cells import CATALOGUE, Arg, CellFunction
from bcf_xl.errors import BcfInputError
from bcf_xl.lite import main_py, requirements_txt, wheel_name
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.builder import write as write_planbook
from bcf_xl.planbook.buttons import LITE_SCRIPTS, lite_button
from bcf_xl.planbook.reader import load, read as read_planbook
from tests.libreoffice import convert
from tests.pyodide.checks import EXAMPLES, EXCEL_VALUES, Registry, StandInBook, registered_by, stand_in_xlwings


@pytest.fixture(scope="module")
def faces() -> dict[str, Any]:
    registry = Registry()
    return {"registry": registry, "functions": bcf_lite.custom_functions(registry.func, registry.arg)}


@pytest.fixture
def lite_book(tmp_path: Path) -> Path:
    path = tmp_path / "plan.xlsx"
    write_planbook(path, sample_plan(), load_policy(), lite_buttons=True)
    return path


def stand_in(path: Path) -> StandInBook:
    return StandInBook.from_values(path.name, load(path)[1])


# --- custom functions ------------------------------------------------------------------------------------


def test_one_lite_function_per_catalogued_function(faces: dict[str, Any]) -> None:
    """Every catalogued cell function becomes a Lite custom function of the same name, and nothing else does."""
    assert sorted(faces["functions"]) == sorted(CATALOGUE)
    assert all(f.__name__ == name for name, f in faces["functions"].items())


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_lite_function_has_the_catalogues_arguments_and_help(name: str, faces: dict[str, Any]) -> None:
    """A Lite function has the cell function's parameters (optional ones default to a blank), its summary as
    help, each argument's help, and asks Lite for Excel errors as text."""
    spec = CATALOGUE[name]
    registered = faces["registry"].functions[name]
    assert registered["doc"] == spec.summary
    assert registered["parameters"] == [[a.name, a.optional] for a in spec.args]
    assert registered["args"] == [[a.name, {"doc": a.help, "err_to_str": True}] for a in spec.args]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_lite_function_returns_what_the_cell_function_returns(name: str, faces: dict[str, Any]) -> None:
    """On every Excel-shaped input Lite passes (floats, None, text, errors, lists of lists), the Lite function
    gives the cell function's value or #BCF! message."""
    spec = CATALOGUE[name]
    for value in EXCEL_VALUES:
        for position in range(len(spec.args)):
            args: list[object] = [*EXAMPLES.get(name, [[]])[0], *[1.0] * len(spec.args)][: len(spec.args)]
            args[position] = value
            assert faces["functions"][name](*args) == spec.function(*args), args


def test_lite_function_gives_exact_money_as_floats(faces: dict[str, Any]) -> None:
    """Money comes back as floats (Lite refuses Decimals), to the penny: 1000 at 5.66% for 3 years is 1179.5918."""
    result = faces["functions"]["bcf_uplift"](1000.0, 0.0566, 3.0)
    assert type(result) is float
    assert result == 1179.59


def test_lite_function_spills_as_a_list_of_rows(faces: dict[str, Any]) -> None:
    """A spilling function returns rows Lite can spill: £100 split 1:1:1 is 33.34, 33.33, 33.33."""
    assert faces["functions"]["bcf_passport"](100.0, [[1.0], [1.0], [1.0]]) == [[33.34], [33.33], [33.33]]


def test_lite_function_reports_bad_input_with_the_cells_message(faces: dict[str, Any]) -> None:
    """A #REF! in an input cell is reported, never taken for a blank."""
    assert faces["functions"]["bcf_shortfall"]("#REF!", 1.0) == "#BCF! planned: the input holds the Excel error #REF!"


def test_cell_values_become_what_lite_accepts() -> None:
    """Decimals become floats and tuples lists, inside ranges too; other values pass unchanged."""
    assert bcf_lite.cell_value(Decimal("12.50")) == 12.5
    assert bcf_lite.cell_value(((Decimal("1.10"),), (Decimal("2"),))) == [[1.1], [2.0]]
    assert bcf_lite.cell_value("#BCF! x") == "#BCF! x"


def test_a_function_added_to_the_catalogue_appears_in_lite(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell function catalogued later (as other parts add them) is a Lite function with no change here."""

    def bcf_double(amount: object) -> float:
        """Twice an amount."""
        return 2 * float(str(amount))

    spec = CellFunction("bcf_double", bcf_double, "Twice an amount.", (Arg("amount", "An amount"),), False)
    monkeypatch.setitem(CATALOGUE, "bcf_double", spec)
    registry = Registry()
    functions = bcf_lite.custom_functions(registry.func, registry.arg)
    assert functions["bcf_double"](2.5) == 5.0
    assert registry.functions["bcf_double"]["args"] == [["amount", {"doc": "An amount", "err_to_str": True}]]


# --- scripts over a stand-in book ----------------------------------------------------------------------------


def test_check_plan_script_lists_the_findings_the_file_button_lists(lite_book: Path, tmp_path: Path) -> None:
    """Check plan in Lite writes the same findings on the Checks sheet as the classic button over the file."""
    book = stand_in(lite_book)
    found = bcf_lite.check_plan(book)
    classic = tmp_path / "classic.xlsm"
    write_planbook(classic, sample_plan(), load_policy())
    assert found is not None and found == check_plan(WorkbookFile(classic))
    writes = {(sheet, cell): value for sheet, cell, value in book.writes}
    assert writes[(L.CHECKS, L.CHECK_STATUS_CELL)].startswith("Plan checked: ")
    first = re.fullmatch(r"([A-Z]+)(\d+)", L.CHECK_FIRST_CELL)
    assert first is not None
    assert writes[(L.CHECKS, f"G{first.group(2)}")] == found[0].message
    assert {sheet for sheet, _, _ in book.writes} == {L.CHECKS}


def test_generate_submission_script_writes_the_template_to_data(
    lite_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generate submission in Lite writes a complete NHS England template into Lite's /data folder and says so
    on the Checks sheet."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(bcf_macros.lite, "DATA_FOLDER", data)
    book = stand_in(lite_book)
    written = bcf_lite.generate_submission(book)
    assert written == data / "BCF submission 2023-25 Northmoor.xlsx"
    status = next(v for s, c, v in book.writes if (s, c) == (L.CHECKS, L.CHECK_STATUS_CELL))
    assert status.startswith(f"Wrote {written.name}: Complete Template")
    assert openpyxl.load_workbook(written).sheetnames


def test_roll_forward_script_writes_next_years_lite_workbook(lite_book: Path, tmp_path: Path) -> None:
    """Roll forward in Lite writes next year's planning workbook as an .xlsx with Lite buttons, no VBA."""
    written = bcf_lite.roll_forward(stand_in(lite_book), tmp_path)
    assert written == tmp_path / "BCF plan 2024-25 and 2025-26 Northmoor.xlsx"
    assert read_planbook(written).plan is not None
    assert read_planbook(written).plan.years == ("2024-25", "2025-26")  # type: ignore[union-attr]
    assert "xl/vbaProject.bin" not in zipfile.ZipFile(written).namelist()
    assert shapes_and_links(written) == expected_shapes()


def test_a_script_on_an_unreadable_plan_stops_with_one_line(tmp_path: Path) -> None:
    """Generate submission on a workbook with no plan years stops with one line on the Checks sheet."""
    book = StandInBook.from_values("empty.xlsx", {})
    assert bcf_lite.generate_submission(book, tmp_path) is None
    status = next(v for s, c, v in book.writes if (s, c) == (L.CHECKS, L.CHECK_STATUS_CELL))
    assert status.startswith("Stopped: ")
    assert list(tmp_path.iterdir()) == []


# --- main.py ------------------------------------------------------------------------------------------------


def test_main_py_registers_every_function_and_every_script() -> None:
    """main.py registers every catalogued function and one script per button, each with the button's caption,
    its shape and cell, and a book annotated as xlwings.Book (Lite hands the workbook by that hint)."""
    registered = registered_by(main_py())
    assert sorted(registered["functions"]) == sorted(CATALOGUE)
    assert sorted(registered["scripts"]) == sorted(LITE_SCRIPTS.values())
    for macro, entry in LITE_SCRIPTS.items():
        script = registered["scripts"][entry]
        assert script["options"] == {
            "name": L.BUTTON_CAPTIONS[macro],
            "button": lite_button(macro),
            "show_taskpane": True,
        }
        assert script["book_hint"] == "xw.Book"


def test_main_py_scripts_run_the_lite_entry_points(lite_book: Path) -> None:
    """The script main.py defines for Check plan does its work on the book it is given."""
    with stand_in_xlwings(Registry()):
        namespace: dict[str, Any] = {"__name__": "main"}
        exec(compile(main_py(), "main.py", "exec"), namespace)
    book = stand_in(lite_book)
    namespace["check_plan"](book)
    assert any(c == L.CHECK_STATUS_CELL and str(v).startswith("Plan checked") for _, c, v in book.writes)


# --- the Lite planning workbook ----------------------------------------------------------------------------


def expected_shapes() -> dict[str, str]:
    return {lite_button(macro).split("]")[0][1:]: f"#{L.COVER}!{cell}" for macro, cell in L.BUTTON_CELLS.items()}


def shapes_and_links(path: Path) -> dict[str, str]:
    """The Cover's shapes by name, each with the target of its hyperlink."""
    with zipfile.ZipFile(path) as archive:
        sheet = L.SHEETS.index(L.COVER) + 1
        rels = archive.read(f"xl/worksheets/_rels/sheet{sheet}.xml.rels").decode()
        drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', rels)
        assert drawing is not None, "the Cover has no drawing"
        xml = archive.read(f"xl/drawings/{drawing.group(1)}").decode()
        links = archive.read(f"xl/drawings/_rels/{drawing.group(1)}.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', links))
    shapes = re.findall(r'<xdr:cNvPr id="\d+" name="([^"]+)"[^>]*>\s*<a:hlinkClick [^>]*r:id="(rId\d+)"', xml)
    return {name: targets[rid] for name, rid in shapes}


def test_each_scripts_button_is_a_shape_linked_to_its_cell(lite_book: Path) -> None:
    """Each script's button reference names a shape on the Cover whose hyperlink selects the referenced cell."""
    assert shapes_and_links(lite_book) == expected_shapes()
    assert len(expected_shapes()) == len(LITE_SCRIPTS)


def protection(path: Path) -> dict[str, bool]:
    book = openpyxl.load_workbook(path)
    return {name: bool(book[name].protection.sheet) for name in book.sheetnames}


def test_lite_workbook_has_no_vba_and_an_unprotected_checks_sheet(lite_book: Path, tmp_path: Path) -> None:
    """The Lite workbook is a plain .xlsx (no VBA project); its Checks sheet is unprotected so a script can
    write there, and every other sheet is protected as in the classic workbook."""
    with zipfile.ZipFile(lite_book) as archive:
        assert "xl/vbaProject.bin" not in archive.namelist()
        assert "macroEnabled" not in archive.read("[Content_Types].xml").decode()
    classic = tmp_path / "classic.xlsm"
    write_planbook(classic, sample_plan(), load_policy())
    assert protection(classic)[L.CHECKS] is True
    assert protection(lite_book) == protection(classic) | {L.CHECKS: False}


def test_the_planbook_refuses_an_xlsm_name_for_the_lite_workbook(tmp_path: Path) -> None:
    """The Lite workbook must be named .xlsx (it has no VBA), the classic one .xlsm."""
    with pytest.raises(BcfInputError, match=r"must be an \.xlsx file"):
        write_planbook(tmp_path / "x.xlsm", None, load_policy(), lite_buttons=True)


@pytest.mark.libreoffice
def test_lite_workbook_opens_in_libreoffice_with_its_shapes(lite_book: Path, tmp_path: Path) -> None:
    """LibreOffice opens the Lite workbook and keeps the three button shapes with their captions and links."""
    ods = convert(lite_book, tmp_path / "lo", "ods")
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    for macro, cell in L.BUTTON_CELLS.items():
        assert L.BUTTON_CAPTIONS[macro] in content
        assert f"#{L.COVER}.{cell}" in content or f"#{L.COVER}!{cell}" in content


# --- bcf-xl lite -------------------------------------------------------------------------------------------


def test_lite_command_writes_main_requirements_and_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bcf-xl lite -o DIR --sample` writes main.py, requirements.txt and the sample's Lite workbook."""
    assert cli.main(["lite", "-o", str(tmp_path), "--sample"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bcf_planning_lite.xlsx", "main.py", "requirements.txt"]
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == main_py()
    assert read_planbook(tmp_path / "bcf_planning_lite.xlsx").plan == sample_plan()
    assert capsys.readouterr().out.count("Wrote ") == 3


def test_requirements_name_the_wheel_xlwings_and_each_pure_python_dependency() -> None:
    """requirements.txt names bcf-xl (by URL when given), xlwings, and every dependency at its installed version,
    and none of the compiled extras."""
    text = requirements_txt("https://example.org/" + wheel_name())
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == "https://example.org/bcf_xl-0.1.0-py3-none-any.whl"
    assert lines[1].startswith("xlwings>=")
    for name in ("openpyxl", "et_xmlfile", "XlsxWriter", "defusedxml"):
        pin = f"{metadata.metadata(name)['Name']}=={metadata.version(name)}"
        assert pin in lines, pin
    assert not any(line.split("=")[0].lower() in ("pandas", "formulas", "numpy") for line in lines)
    assert requirements_txt().splitlines()[1] == "bcf-xl==0.1.0"


def test_lite_command_refuses_to_replace_files_without_force(tmp_path: Path) -> None:
    """Running `bcf-xl lite` twice into one folder exits 2 unless --force is given."""
    assert cli.main(["lite", "-o", str(tmp_path)]) == 0
    assert cli.main(["lite", "-o", str(tmp_path)]) == 2
    assert cli.main(["lite", "-o", str(tmp_path), "--force"]) == 0
