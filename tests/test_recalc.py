"""Headless recalculation: every formula evaluated, bcf_* cells equal the engine, native cells equal LibreOffice."""

from __future__ import annotations

import hashlib
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from bcf_xl import cli
from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import Rag, rag, rate
from bcf_xl.model import Polarity
from bcf_xl.money import allocate, quarters, total
from bcf_xl.recalc import recalculate, rewrite_omitted, write_values
from bcf_xl.risk import share_risk
from bcf_xl.uplift import shortfall, uplift
from tests.libreoffice import computed_values_each

ALLOCATIONS = [D("1134000"), D("966000"), D("840000"), D("693000")]
CONTRIBUTIONS = [D("12060000"), D("1400000"), D("21865123.45")]
AMOUNTS = ["1000.10", None, "250.25", "0.1", "0.2"]
THEMES = ["Carers", "Carers", " carers ", "Mental Health", "Carers"]

# Cells of the Calc sheet that call bcf_* functions, with what the engine itself says they must be.
BCF_CELLS: dict[str, tuple[str, object]] = {
    "B1": ("=BCF_UPLIFT(Inputs!B1, Inputs!B2)", uplift(D("11250000"), D("0.0566"))),
    "B2": ("=BCF_UPLIFT(Inputs!B1, Inputs!B2, 2)", uplift(D("11250000"), D("0.0566"), 2)),
    "B3": ("=BCF_TOTAL(Inputs!A5:A9)", total([D(a) for a in AMOUNTS if a])),
    "B4": ('=BCF_TOTAL(Inputs!A5:A9, Inputs!B5:B9, "carers")', D("1000.10") + D("250.25") + D("0.2")),
    "B5": ("=INDEX(BCF_PASSPORT(185123.45, Inputs!C1:C4), 2)", allocate(D("185123.45"), ALLOCATIONS)[1]),
    "B6": ("=BCF_QUARTER(14593384.70, 4)", quarters(D("14593384.70"))[3]),
    "B7": ("=BCF_SHORTFALL(13065000, B1)", shortfall(D("13065000"), uplift(D("11250000"), D("0.0566")))),
    "B8": ("=BCF_RATE(5010, 812400)", rate(D(5010), D(812400))),
    "B9": ("=BCF_RAG(620, 600, 650)", rag(D(620), D(600), Polarity.LOWER_IS_BETTER, baseline=D(650)).value),
    "B10": (
        "=BCF_RAG(620, 600, , FALSE, 0.02)",
        rag(D(620), D(600), Polarity.LOWER_IS_BETTER, tolerance=D("0.02")).value,
    ),
    "B11": ("=BCF_PROGRESS(4980, 4950)", "Not on track to meet target"),
    "B12": ('=IF(BCF_RAG(0.84, 0.85, , TRUE)="Red", "red", "not red")', "red"),
    "B13": ("=SUM(C1:C4)", D("185123.45")),
    "B14": ("=BCF_SHORTFALL(SUM(Inputs!A5:A9), 2000)", D("2000") - D("1250.65")),
}
PASSPORT = allocate(D("185123.45"), ALLOCATIONS)
SHARES = [part for _, part in share_risk(D("-293900"), [(str(i), c) for i, c in enumerate(CONTRIBUTIONS)]).shares]

# Cells that use native functions only: LibreOffice must compute the same.
NATIVE_CELLS = {
    "B20": "=SUM(Inputs!A5:A9)",
    "B21": '=IF(Inputs!B1>10000000, "large", "small")',
    "B22": "=ROUND(Inputs!B1*(1+Inputs!B2), 2)",
    "B23": '=SUMIF(Inputs!B5:B9, "Carers", Inputs!A5:A9)',
    "B24": "=COUNTA(Inputs!B5:B9)",
    "B25": "=Inputs!C1/SUM(Inputs!C1:C4)",
    "B26": "=MAX(Inputs!D1:D3)-MIN(Inputs!D1:D3)",
    "B27": "=B20*2+B22",
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A workbook whose cells call every bcf_* function together with native SUM/IF/INDEX/ROUND."""
    return _workbook(tmp_path / "cells.xlsx")


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    inputs["B1"], inputs["B2"] = 11250000, 0.0566
    for row, (amount, theme) in enumerate(zip(AMOUNTS, THEMES, strict=True), start=5):
        inputs.cell(row, 1, float(amount) if amount else None)
        inputs.cell(row, 2, theme)
    for row, weight in enumerate(ALLOCATIONS, start=1):
        inputs.cell(row, 3, float(weight))
    for row, contribution in enumerate(CONTRIBUTIONS, start=1):
        inputs.cell(row, 4, float(contribution))
    calc = book.create_sheet("Calc")
    for cell, (formula, _) in BCF_CELLS.items():
        calc[cell] = formula
    calc["C1"] = ArrayFormula("C1:C4", "=BCF_PASSPORT(185123.45, Inputs!C1:C4)")
    calc["D1"] = ArrayFormula("D1:D3", "=BCF_SHARE(-293900, Inputs!D1:D3)")
    for cell, formula in NATIVE_CELLS.items():
        calc[cell] = formula
    calc["B30"] = "=BCF_UPLIFT(100, 566)"
    book.save(path)
    return path


# The two tests that open files in LibreOffice share one LibreOffice run (a start takes seconds).


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[tuple[str, str], object]]]:
    """The workbook and its values-only copy, each with every cell value LibreOffice computes for it."""
    folder = tmp_path_factory.mktemp("opened")
    workbook = _workbook(folder / "cells.xlsx")
    copy = folder / "values.xlsx"
    write_values(recalculate(workbook), copy)
    values = computed_values_each([workbook, copy], folder / "lo")
    return {"workbook": (workbook, values[workbook]), "copy": (copy, values[copy])}


def _close(got: object, want: object) -> bool:
    if isinstance(want, D):
        return isinstance(got, float) and D(repr(got)) == want
    if isinstance(want, float | int) and not isinstance(want, bool):
        return isinstance(got, float | int) and abs(got - want) <= 1e-9 * max(1.0, abs(want))
    return got == want


def test_bcf_cells_equal_the_engine(workbook: Path) -> None:
    """Each bcf_* cell, alone or inside SUM/IF/INDEX, evaluates to what the engine computes."""
    result = recalculate(workbook)
    for cell, (formula, expected) in BCF_CELLS.items():
        got = result.values[("Calc", cell)]
        if isinstance(expected, D) and cell == "B8":
            assert got == pytest.approx(float(expected), rel=1e-15), formula
        else:
            assert _close(got, expected), f"{cell} {formula}: got {got!r}, want {expected!r}"
    assert [result.values[("Calc", f"C{r}")] for r in range(1, 5)] == [float(p) for p in PASSPORT]
    assert [result.values[("Calc", f"D{r}")] for r in range(1, 4)] == [float(s) for s in SHARES]
    assert result.values[("Calc", "B9")] == Rag.AMBER.value
    assert result.values[("Calc", "B10")] == Rag.RED.value  # the omitted baseline stays blank, not 0


def test_bad_input_in_a_cell_is_reported(workbook: Path) -> None:
    """A bcf_* cell given a rate of 566 shows its #BCF! message and is listed with sheet and cell."""
    result = recalculate(workbook)
    assert str(result.values[("Calc", "B30")]).startswith("#BCF! rate: must be a fraction")
    [finding] = [f for f in result.findings if f.location.cell == "B30"]
    assert (finding.location.sheet, finding.code) == ("Calc", "RECALC02")
    assert not result.failed


@pytest.mark.libreoffice
def test_native_cells_agree_with_libreoffice(opened: dict[str, tuple[Path, dict[tuple[str, str], object]]]) -> None:
    """LibreOffice computes the native cells of the same workbook to the same values."""
    workbook, theirs = opened["workbook"]
    ours = recalculate(workbook).values
    for cell, formula in NATIVE_CELLS.items():
        assert _close(ours[("Calc", cell)], theirs[("Calc", cell)]), f"{cell} {formula}"
    assert theirs[("Calc", "B20")] == pytest.approx(1250.65)
    assert theirs[("Calc", "B23")] == pytest.approx(1000.3)  # SUMIF does not trim " carers "
    assert theirs[("Calc", "B9")] == "#NAME?"  # LibreOffice has no bcf_* functions


@pytest.mark.libreoffice
def test_libreoffice_reads_the_recalculated_copy(opened: dict[str, tuple[Path, dict[tuple[str, str], object]]]) -> None:
    """The values-only copy opens in LibreOffice and shows every computed value, formulas gone."""
    workbook, _ = opened["workbook"]
    copy, theirs = opened["copy"]
    result = recalculate(workbook)
    assert all(
        not str(c.value).startswith("=") for row in openpyxl.load_workbook(copy)["Calc"].iter_rows() for c in row
    )
    for key, value in result.values.items():
        assert _close(theirs.get(key), value), f"{key}: LibreOffice {theirs.get(key)!r}, ours {value!r}"


def test_input_is_never_modified(workbook: Path, tmp_path: Path) -> None:
    """Recalculating and writing the copy leave the input byte for byte as it was."""
    before = hashlib.sha256(workbook.read_bytes()).hexdigest()
    write_values(recalculate(workbook), tmp_path / "out.xlsx")
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == before


def test_unknown_function_is_reported_with_sheet_and_cell(tmp_path: Path) -> None:
    """A formula bcf-xl cannot evaluate is an error naming its cell; cells depending on it are warned."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan 1"
    sheet["A1"] = 5
    sheet["A2"] = "=FOOBAR(A1)"
    sheet["A3"] = "=A2+1"
    sheet["A4"] = "=A1*2"
    path = tmp_path / "unknown.xlsx"
    book.save(path)
    result = recalculate(path)
    assert result.failed
    assert [(f.severity.value, f.code, str(f.location)) for f in result.findings] == [
        ("Error", "RECALC01", "'Plan 1'!A2"),
        ("Warning", "RECALC02", "'Plan 1'!A3"),
    ]
    assert "uses FOOBAR, which bcf-xl cannot evaluate" in result.findings[0].message
    assert result.values[("Plan 1", "A4")] == 10


def test_cli_recalc(workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bcf-xl recalc writes the copy, lists findings, refuses to overwrite unless --force."""
    out = tmp_path / "out.xlsx"
    assert cli.main(["recalc", str(workbook), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Evaluated 30 formula cells of cells.xlsx")
    assert "Warning RECALC02 'Calc'!B30: evaluates to #BCF! rate" in printed
    assert openpyxl.load_workbook(out)["Calc"]["B9"].value == "Amber"
    assert cli.main(["recalc", str(workbook), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["recalc", str(workbook), "-o", str(out), "--force"]) == 0


def test_values_copy_must_be_xlsx(workbook: Path, tmp_path: Path) -> None:
    """A values copy holds no macros: asking for .xlsm is refused rather than writing a mislabelled file."""
    with pytest.raises(BcfInputError, match=r"'values.xlsm': the copy with values must be an .xlsx file"):
        write_values(recalculate(workbook), tmp_path / "values.xlsm")
    assert not (tmp_path / "values.xlsm").exists()


def test_failed_write_leaves_nothing(workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If saving fails half-way, neither the output nor a temporary file is left behind; the failure is one message."""
    result = recalculate(workbook)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def broken_save(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(BcfInputError, match=r"'values\.xlsx': could not be written in .*: disk full"):
        write_values(result, out_dir / "values.xlsx")
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("formula", "rewritten"),
    [
        ("=BCF_RAG(620,600,,FALSE,0.02)", "=BCF_RAG(620,600,BCF_OMITTED(),FALSE,0.02)"),
        ("=bcf_rag(1,2,)", "=bcf_rag(1,2,BCF_OMITTED())"),
        ("=BCF_RAG(,)", "=BCF_RAG(BCF_OMITTED(),BCF_OMITTED())"),
        ("=IF(A1,,2)+BCF_RATE(1, 2)", "=IF(A1,,2)+BCF_RATE(1, 2)"),
        ('=BCF_TOTAL(A1:A3)&"a,,b"', '=BCF_TOTAL(A1:A3)&"a,,b"'),
        ("=BCF_TOTAL(IF(A1,,B1:B3))", "=BCF_TOTAL(IF(A1,,B1:B3))"),
        ("=_xludf.BCF_RAG(1,2,,TRUE)", "=_xludf.BCF_RAG(1,2,BCF_OMITTED(),TRUE)"),
    ],
)
def test_omitted_arguments_of_bcf_calls_become_explicit(formula: str, rewritten: str) -> None:
    """Only omitted arguments of bcf_* calls are marked; strings and native functions are left alone."""
    assert rewrite_omitted(formula) == rewritten


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text", "is not an Excel workbook (.xlsx or .xlsm)"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100, "is password-protected or an old .xls file"),
        (b"PK\x03\x04 truncated", "is damaged or truncated"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    """Files that are not sound workbooks get one clear message naming the file."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    with pytest.raises(BcfInputError) as caught:
        recalculate(path)
    assert str(caught.value).startswith(f"'plan.xlsx': {message}")
