"""bcf-xl collate: many areas' templates read and validated in parallel into one workbook, CSV and DataFrames.

The set collated is the sample template and three altered copies: one incomplete (a required Cover entry
blanked), one with an error (text in an amount), and one that is not a workbook. Every figure of the
collated tables is compared with the engine's own figures for the same file.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.xml.constants import SHEET_MAIN_NS as MAIN_NS

from bcf_xl.cli import main
from bcf_xl.collate import Collation, _bar, _NoBar, _pool, collate, duplicates, find_workbooks
from bcf_xl.collate.returns import COMPLETE, INCOMPLETE, NOT_READ, plan_years
from bcf_xl.collate.tables import ENGLAND, amount_key
from bcf_xl.errors import BcfInputError
from bcf_xl.policy import Policy
from bcf_xl.pooling import Dimension
from bcf_xl.report import compute
from bcf_xl.returns.reader import validate as validate_return
from bcf_xl.sample import sample_plan, sample_plan_for
from bcf_xl.submission.builder import write
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26
from bcf_xl.submission.layout import COVER, EXPENDITURE, Layout
from bcf_xl.submission.reader import read
from bcf_xl.submission.validator import validate
from bcf_xl.workbook.formats import number_format
from bcf_xl.workbook.reading import READER_VARIABLE
from bcf_xl.workbook.tables import MONEY
from tests.libreoffice import convert

LAYOUT = Layout(YEAR_2023_25, 100)
SHEETS = ["Dashboard", "Areas", "Income", "Expenditure", "Totals", "Metrics", "Findings"]


def renamed(source: Path, target: Path, area: str, changes: dict[tuple[str, str], object]) -> Path:
    """A copy of a template for another area, with some cells changed."""
    book = openpyxl.load_workbook(source)
    for (sheet, cell), value in {(COVER, LAYOUT.cover_cell("area")): area, **changes}.items():
        book[sheet][cell] = value
        book[sheet][cell].data_type = "s" if isinstance(value, str) else book[sheet][cell].data_type  # text, typed
    book.save(target)
    return target


@pytest.fixture(scope="module")
def returns_folder(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> Path:
    """The sample template and three altered copies: incomplete, with an error, and not a workbook."""
    folder = tmp_path_factory.mktemp("returns")
    sample = folder / "northmoor.xlsx"
    write(sample_plan(), YEAR_2023_25, policy, sample)
    renamed(sample, folder / "southmoor.xlsx", "Southmoor", {(COVER, LAYOUT.cover_cell("email")): None})
    first = LAYOUT.expenditure.data_rows[0]
    renamed(
        sample, folder / "westmoor.xlsx", "Westmoor", {(EXPENDITURE, LAYOUT.expenditure.cell("amount1", first)): "lots"}
    )
    (folder / "eastmoor.xlsx").write_text("Eastmoor's return: to follow", encoding="utf-8")
    (folder / "~$northmoor.xlsx").write_bytes(b"Excel's lock file")
    return folder


@pytest.fixture(scope="module")
def collation(returns_folder: Path, policy: Policy) -> Collation:
    return collate([returns_folder], policy=policy, jobs=2)


@pytest.fixture(scope="module")
def frames(collation: Collation) -> dict[str, object]:
    return collation.frames()  # type: ignore[return-value]


def by_file(collation: Collation) -> dict[str, object]:
    return {r.file: r for r in collation.returns}


def test_every_file_has_an_areas_row_with_its_outcome(collation: Collation) -> None:
    """One Areas row per workbook file, in file order: complete, incomplete, with errors, and not read with why;
    Excel's lock files are not collated."""
    rows = {row[6]: row for row in collation.table("Areas").rows}
    assert list(rows) == ["eastmoor.xlsx", "northmoor.xlsx", "southmoor.xlsx", "westmoor.xlsx"]
    area, template, year, status, errors, warnings, _, duplicate, reason = rows["northmoor.xlsx"]
    assert (area, template, year, status, errors, duplicate, reason) == (
        "Northmoor",
        "Planning template",
        "2023-25",
        COMPLETE,
        0,
        "",
        "",
    )
    assert warnings >= 1
    assert rows["southmoor.xlsx"][:4] == ("Southmoor", "Planning template", "2023-25", INCOMPLETE)
    assert rows["southmoor.xlsx"][4] >= 1
    assert rows["westmoor.xlsx"][0] == "Westmoor" and rows["westmoor.xlsx"][4] >= 1
    assert rows["eastmoor.xlsx"][3] == NOT_READ
    assert rows["eastmoor.xlsx"][8] == "'eastmoor.xlsx': is not an Excel workbook (.xlsx or .xlsm)"
    assert not collation.ok


def engine_figures(path: Path, policy: Policy) -> dict[tuple[str, str], Decimal]:
    """The engine's income and expenditure for each plan year of the plan a template holds."""
    plan = read(path, policy).plan
    assert plan is not None
    engine = compute(plan, policy).to_frames()
    figures = {}
    for year in plan.years:
        figures[("income", year)] = sum(engine["funding"].query("year == @year")["income"], Decimal(0))
        figures[("spend", year)] = sum(engine["schemes"].query("year == @year")["amount"], Decimal(0))
    return figures


def test_figures_equal_the_engines_for_each_file(collation: Collation, returns_folder: Path, policy: Policy) -> None:
    """Income, Expenditure, Totals and Metrics hold, for each file read, exactly the engine's figures for its plan."""
    tables = {t.name: t for t in collation.tables}
    spending = [f.key for f in tables["Expenditure"].fields]
    for name in ("northmoor.xlsx", "southmoor.xlsx", "westmoor.xlsx"):
        plan = read(returns_folder / name, policy).plan
        assert plan is not None
        report = compute(plan, policy)
        engine = report.to_frames()
        figures = engine_figures(returns_folder / name, policy)
        for year in plan.years:
            income = sum((r[7] for r in tables["Income"].rows if r[1] == name and r[6] == year), Decimal(0))
            assert income == figures[("income", year)]
            at = spending.index(amount_key(year))
            spent = sum((r[at] for r in tables["Expenditure"].rows if r[1] == name), Decimal(0))
            assert spent == figures[("spend", year)]
            (line,) = [r for r in tables["Totals"].rows if r[1] == name and r[3] == year]
            columns = dict(zip([f.key for f in tables["Totals"].fields], line, strict=True))
            assert columns["total"] == spent
            for dimension, view in (
                (Dimension.COMMISSIONER, "Commissioner"),
                (Dimension.AREA_OF_SPEND, "Area of spend"),
            ):
                for total in report.totals_for(dimension, year):
                    assert columns[f"{view}: {total.key}"] == total.amount
            by_type = sum((v for k, v in columns.items() if k.startswith("Scheme type: ") and v), Decimal(0))
            assert by_type == spent
        rags = {r[3]: r[10] for r in tables["Metrics"].rows if r[1] == name}
        assert rags == dict(zip(engine["metrics"]["metric_id"], engine["metrics"]["rag"], strict=True))
        findings = [r for r in tables["Findings"].rows if r[1] == name]
        assert len(findings) == len(validate(returns_folder / name, policy).findings)


def test_england_rows_add_up_the_areas(collation: Collation) -> None:
    """Each England row of Totals is the sum of every area's row for its plan year, column by column."""
    table = collation.table("Totals")
    keys = [f.key for f in table.fields]
    money = keys[4:]
    england = {r[3]: r for r in table.rows if r[0] == ENGLAND}
    assert sorted(england) == ["2023-24", "2024-25"]
    for year, line in england.items():
        areas = [r for r in table.rows if r[0] != ENGLAND and r[3] == year]
        assert len(areas) == 3
        for index, _ in enumerate(money, start=4):
            assert line[index] == sum((r[index] or Decimal(0) for r in areas), Decimal(0))
    assert table.rows[-2:] == tuple(england[y] for y in sorted(england))


def test_the_error_reaches_the_findings_sheet(collation: Collation) -> None:
    """The text amount of the copy with an error is a finding at its cell on the Findings sheet."""
    first = LAYOUT.expenditure.data_rows[0]
    cell = f"'{EXPENDITURE}'!{LAYOUT.expenditure.cell('amount1', first)}"
    found = [r for r in collation.table("Findings").rows if r[1] == "westmoor.xlsx" and r[5] == cell]
    assert found and found[0][3] == "Error" and '"lots"' in found[0][6]


def test_expenditure_is_a_row_per_scheme_line_with_an_amount_per_plan_year(
    collation: Collation, returns_folder: Path, policy: Policy
) -> None:
    """Expenditure is area x scheme: one row per scheme line of each file, in the plan's order, with its planned
    expenditure in a column per plan year headed as the template's Expenditure tab heads it; a plan year the
    file's template does not cover (2025-26 for a 2023-25 template) is empty."""
    table = collation.table("Expenditure")
    as_templates = [
        layout.expenditure.field(key).header
        for layout, key in ((LAYOUT, "amount1"), (LAYOUT, "amount2"), (Layout(YEAR_2025_26, 100), "amount1"))
    ]
    assert [f.header for f in table.fields][-3:] == as_templates
    assert as_templates[0] == "Expenditure 2023-24 (£)"
    assert collation.years == ("2023-24", "2024-25", "2025-26") == plan_years()
    plan = read(returns_folder / "northmoor.xlsx", policy).plan
    assert plan is not None
    assert [r[3:] for r in table.rows if r[1] == "northmoor.xlsx"] == [
        (
            s.scheme_id,
            s.name,
            s.scheme_type,
            s.area_of_spend.value,
            s.commissioner.value,
            s.source,
            s.amounts[0],
            s.amounts[1],
            None,
        )
        for s in plan.schemes
    ]


def test_both_templates_years_share_expenditure_and_an_uncovered_year_has_no_cell(
    returns_folder: Path, tmp_path: Path, policy: Policy
) -> None:
    """A 2023-25 and a 2025-26 template collated together: each file's amounts sit under their own plan years,
    the other years empty, and the workbook writes no cell where a year is not covered (nor for any blank)."""
    folder = tmp_path / "both"
    folder.mkdir()
    shutil.copy(returns_folder / "northmoor.xlsx", folder / "a_2023_25.xlsx")
    later = sample_plan_for(YEAR_2025_26.plan_years)
    write(later, YEAR_2025_26, policy, folder / "b_2025_26.xlsx")
    out = tmp_path / "both.xlsx"
    result = collate([folder], policy=policy, jobs=1, output=out)
    table = result.table("Expenditure")
    earlier = [r[-3:] for r in table.rows if r[1] == "a_2023_25.xlsx"]
    assert earlier and all(a is not None and b is not None and c is None for a, b, c in earlier)
    assert [r[-3:] for r in table.rows if r[1] == "b_2025_26.xlsx"] == [
        (None, None, s.amounts[0]) for s in later.schemes
    ]
    with zipfile.ZipFile(out) as archive:  # the sheets in order: Dashboard, Areas, Income, Expenditure...
        xml = ElementTree.fromstring(archive.read(f"xl/worksheets/sheet{SHEETS.index('Expenditure') + 1}.xml"))
    written = {coordinate_to_tuple(c.attrib["r"]) for c in xml.iter(f"{{{MAIN_NS}}}c")}
    expected = {(1, column) for column in range(1, len(table.fields) + 1)} | {
        (index, column)
        for index, row in enumerate(table.rows, start=2)
        for column, value in enumerate(row, start=1)
        if value not in (None, "")
    }
    assert written == expected


def test_a_year_narrows_expenditure_to_its_plan_years(returns_folder: Path, policy: Policy) -> None:
    """With a template year, Expenditure has an amount column for that template's plan years only, known before
    any file is read: a run of 2025-26 that reads no file still has its column."""
    kept = collate([returns_folder / "northmoor.xlsx"], policy=policy, year="2023-25", jobs=1)
    assert [f.key for f in kept.table("Expenditure").fields][-2:] == ["amount_2023_24", "amount_2024_25"]
    assert kept.years == ("2023-24", "2024-25")
    assert all(len(r) == len(kept.table("Expenditure").fields) for r in kept.table("Expenditure").rows)
    refused = collate([returns_folder / "northmoor.xlsx"], policy=policy, year="2025-26", jobs=1)
    assert [f.header for f in refused.table("Expenditure").fields][-1] == "Expenditure 2025-26 (£)"
    assert refused.table("Expenditure").rows == ()
    assert plan_years("2023-24") == ("2023-24", "2024-25")  # a return's plan year: its template's


def test_collated_cells_keep_the_workbook_look(collation: Collation, tmp_path: Path) -> None:
    """Every cell of a collated table is in the look's font (Arial 10), money in the money format and top-aligned,
    the header row bold: text cells take the workbook's default style, which is the look's base (LibreOffice
    shows them top-aligned too: see the LibreOffice test)."""
    path = tmp_path / "region.xlsx"
    collation.write_workbook(path)
    sheet = openpyxl.load_workbook(path)["Expenditure"]
    header, first = sheet[1], sheet[2]
    assert all(c.font.b for c in header)
    assert {(cell.font.name, cell.font.sz, cell.font.b) for cell in first} == {("Arial", 10, False)}
    keys = [f.key for f in collation.table("Expenditure").fields]
    assert first[keys.index("scheme")].number_format == "General"
    money = first[keys.index("amount_2023_24")]
    assert (money.number_format, money.alignment.vertical) == (number_format(MONEY), "top")


def test_the_workbook_holds_every_table_and_the_dashboard_charts(collation: Collation, tmp_path: Path) -> None:
    """The workbook has the dashboard first, then a sheet per table whose cells hold the tables' values;
    the dashboard has native charts of income, spend by scheme type and RAG counts."""
    path = tmp_path / "region.xlsx"
    collation.write_workbook(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    for table in collation.tables:
        sheet = book[table.name]
        assert [c.value for c in sheet[1]] == [f.header for f in table.fields]
        for written, row in zip(sheet.iter_rows(min_row=2, values_only=True), table.rows, strict=True):
            expected = [float(v) if isinstance(v, Decimal) else (None if v == "" else v) for v in row]
            assert list(written) == expected
    charts = book["Dashboard"]._charts
    assert len(charts) == 3
    with zipfile.ZipFile(path) as archive:
        drawn = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(drawn) == 3


@pytest.mark.libreoffice
def test_libreoffice_opens_the_collated_workbook(
    collation: Collation, returns_folder: Path, tmp_path: Path, policy: Policy
) -> None:
    """LibreOffice opens the collated workbook and shows every sheet; as it reads them, each area's Income,
    Expenditure and Totals add up, for each plan year, to the engine's figures for that area's plan, and the
    England rows to the sum of every area's."""
    path = tmp_path / "region.xlsx"
    collation.write_workbook(path)
    opened = openpyxl.load_workbook(convert(path, tmp_path / "lo"), data_only=True)
    assert opened.sheetnames == SHEETS
    shown = [c for c in opened["Expenditure"][2] if c.value is not None]  # text in the default style, money formatted
    assert {(c.font.name, c.font.sz, c.alignment.vertical) for c in shown} == {("Arial", 10, "top")}

    def rows(name: str) -> list[dict[str, object]]:
        keys = [f.key for f in collation.table(name).fields]
        return [dict(zip(keys, row, strict=False)) for row in opened[name].iter_rows(min_row=2, values_only=True)]

    def total(values: list[object]) -> Decimal:
        return sum((Decimal(repr(v)) for v in values if v is not None), Decimal(0))

    income, spend, totals = rows("Income"), rows("Expenditure"), rows("Totals")
    england: dict[tuple[str, str], Decimal] = {}
    for name in ("northmoor.xlsx", "southmoor.xlsx", "westmoor.xlsx"):
        for (kind, year), figure in engine_figures(returns_folder / name, policy).items():
            england[(kind, year)] = england.get((kind, year), Decimal(0)) + figure
            if kind == "income":
                assert total([r["amount"] for r in income if r["file"] == name and r["year"] == year]) == figure
            else:
                assert total([r[amount_key(year)] for r in spend if r["file"] == name]) == figure
                assert total([r["total"] for r in totals if r["file"] == name and r["year"] == year]) == figure
    for (kind, year), figure in england.items():
        if kind == "spend":
            assert total([r["total"] for r in totals if r["area"] == ENGLAND and r["year"] == year]) == figure


def test_the_command_writes_the_workbook_and_csv_and_exits_1(
    returns_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], collation: Collation
) -> None:
    """`bcf-xl collate` writes the workbook and a CSV per table, names each file with a problem, and exits 1
    because a file has errors or could not be read; nothing goes to stderr when it is not a terminal."""
    out = tmp_path / "region.xlsx"
    code = main(["collate", str(returns_folder), "-o", str(out), "--csv", str(tmp_path / "csv"), "--jobs", "2"])
    printed = capsys.readouterr()
    assert code == 1
    assert printed.err == ""
    assert printed.out.splitlines()[0] == f"Collated 3 of 4 files into {out}"
    assert "eastmoor.xlsx: 'eastmoor.xlsx': is not an Excel workbook" in printed.out
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
    with (tmp_path / "csv" / "totals.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    england = [r for r in rows if r["area"] == ENGLAND]
    expected = [r for r in collation.table("Totals").rows if r[0] == ENGLAND]
    assert [r["total"] for r in england] == [str(r[4]) for r in expected]
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "areas.csv",
        "expenditure.csv",
        "findings.csv",
        "income.csv",
        "metrics.csv",
        "totals.csv",
    ]


def test_a_clean_set_exits_0(returns_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every file read and without errors: exit 0 (warnings do not fail a run)."""
    code = main(["collate", str(returns_folder / "northmoor.xlsx"), "-o", str(tmp_path / "one.xlsx"), "--jobs", "1"])
    assert code == 0
    assert capsys.readouterr().out == f"Collated 1 of 1 files into {tmp_path / 'one.xlsx'}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], "--jobs: must be 1 or more (got 0)"),
        (["--year", "1999-00"], "1999-00"),
        (["MISSING"], "no such file or folder"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, returns_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad --jobs or --year, or a path that does not exist, is one line on stderr and exit 2, nothing written."""
    paths = [str(tmp_path / a) if a == "MISSING" else a for a in args]
    if "MISSING" not in args:
        paths.insert(0, str(returns_folder))
    code = main(["collate", *paths, "-o", str(tmp_path / "out.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bcf-xl: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out.xlsx").exists()


def test_an_existing_output_needs_force(
    returns_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing OUT.xlsx is kept (exit 2) unless --force."""
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"keep me")
    sample = str(returns_folder / "northmoor.xlsx")
    assert main(["collate", sample, "-o", str(out), "--jobs", "1"]) == 2
    assert out.read_bytes() == b"keep me"
    assert main(["collate", sample, "-o", str(out), "--jobs", "1", "--force"]) == 0
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
    capsys.readouterr()


def test_two_files_for_one_area_are_both_kept_and_flagged(returns_folder: Path, tmp_path: Path, policy: Policy) -> None:
    """Two files for the same area and year are both collated, each flagged with the other's name."""
    folder = tmp_path / "twice"
    folder.mkdir()
    shutil.copy(returns_folder / "northmoor.xlsx", folder / "first.xlsx")
    shutil.copy(returns_folder / "northmoor.xlsx", folder / "second.xlsx")
    shutil.copy(returns_folder / "southmoor.xlsx", folder / "third.xlsx")
    result = collate([folder], policy=policy, jobs=1)
    flags = {row[6]: row[7] for row in result.table("Areas").rows}
    assert flags == {"first.xlsx": "second.xlsx", "second.xlsx": "first.xlsx", "third.xlsx": ""}
    assert len({r[1] for r in result.table("Expenditure").rows}) == 3
    assert duplicates(result.returns) == {
        str(folder / "first.xlsx"): "second.xlsx",
        str(folder / "second.xlsx"): "first.xlsx",
    }


def test_one_job_and_two_give_the_same_tables(returns_folder: Path, policy: Policy, collation: Collation) -> None:
    """Reading in worker processes gives exactly what reading in this process gives, in the same order."""
    assert collate([returns_folder], policy=policy, jobs=1).tables == collation.tables


def test_a_year_refuses_other_templates_with_the_reason(returns_folder: Path, policy: Policy) -> None:
    """With a template year, a file of another year is an Areas row saying which year it is."""
    result = collate([returns_folder / "northmoor.xlsx"], policy=policy, year="2025-26", jobs=1)
    (row,) = result.table("Areas").rows
    assert row[3] == NOT_READ and "is the 2023-25 template, not the 2025-26 one" in row[8]


def test_text_that_looks_like_a_formula_stays_text(returns_folder: Path, tmp_path: Path, policy: Policy) -> None:
    """An area named like a formula is text in the workbook and starts with an apostrophe in the CSV."""
    name = '=HYPERLINK("http://example.com","x")'
    path = renamed(returns_folder / "northmoor.xlsx", tmp_path / "odd.xlsx", name, {})
    result = collate([path], policy=policy, jobs=1)
    result.write_workbook(tmp_path / "out.xlsx")
    result.write_csv(tmp_path / "csv")
    cell = openpyxl.load_workbook(tmp_path / "out.xlsx")["Areas"].cell(2, 1)
    assert (cell.value, cell.data_type) == (name, "s")
    with (tmp_path / "csv" / "areas.csv").open(encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["area"] == "'" + name


def test_text_with_control_characters_is_written_escaped(returns_folder: Path, tmp_path: Path, policy: Policy) -> None:
    """A scheme name holding a line break and a bidirectional override is one line of text in the workbook, each
    shown escaped, while the table keeps the text as the file holds it."""
    name = "Carers\nline two \u202eevil"
    first = LAYOUT.expenditure.data_rows[0]
    path = renamed(
        returns_folder / "northmoor.xlsx",
        tmp_path / "odd.xlsx",
        "Oddmoor",
        {(EXPENDITURE, LAYOUT.expenditure.cell("name", first)): name},
    )
    result = collate([path], policy=policy, jobs=1, output=tmp_path / "out.xlsx")
    keys = [f.key for f in result.table("Expenditure").fields]
    assert result.table("Expenditure").rows[0][keys.index("scheme")] == name
    cell = openpyxl.load_workbook(tmp_path / "out.xlsx")["Expenditure"].cell(2, keys.index("scheme") + 1)
    assert (cell.value, cell.data_type) == ("Carers\\nline two \\u202eevil", "s")


def test_frames_keep_money_exact(frames: dict[str, object]) -> None:
    """The DataFrames hold each table with its fields' keys as columns and money as Decimal."""
    totals = frames["Totals"]
    assert list(frames) == ["Areas", "Income", "Expenditure", "Totals", "Metrics", "Findings"]
    assert all(isinstance(v, Decimal) for v in totals["total"])  # type: ignore[index]
    assert totals["area"].iloc[-1] == ENGLAND  # type: ignore[index]


def test_folders_are_searched_and_named_files_kept(returns_folder: Path, tmp_path: Path) -> None:
    """A folder gives its .xlsx/.xlsm files (sorted, below it too, lock files left out); a file named outright is
    kept whatever its name; a folder holding none is an error naming it."""
    nested = tmp_path / "nested" / "deeper"
    nested.mkdir(parents=True)
    shutil.copy(returns_folder / "northmoor.xlsx", nested / "b.XLSX")
    shutil.copy(returns_folder / "northmoor.xlsx", tmp_path / "nested" / "a.xlsm")
    (tmp_path / "nested" / "notes.txt").write_text("not collated", encoding="utf-8")
    found = find_workbooks([tmp_path / "nested", tmp_path / "nested" / "notes.txt"])
    assert [p.name for p in found] == ["a.xlsm", "b.XLSX", "notes.txt"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception, match=r"holds no \.xlsx or \.xlsm workbook to collate"):
        find_workbooks([tmp_path / "empty"])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_for_a_terminal_only() -> None:
    """A progress bar (tqdm) is drawn on a terminal only; on a file or pipe there is none."""
    assert isinstance(_bar(10, io.StringIO()), _NoBar)
    assert isinstance(_bar(10, None), _NoBar)
    bar = _bar(10, Terminal())
    assert type(bar).__module__.startswith("tqdm")
    bar.close()


@pytest.fixture(autouse=True)
def _no_stray_files(tmp_path: Path) -> Iterator[None]:
    yield
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()], "a temporary file was left behind"


def test_a_worker_that_ends_abruptly_costs_only_its_file(
    returns_folder: Path, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process that dies on one file (killed, out of memory) leaves that file a row saying so; every
    other file is still read, in order."""
    import bcf_xl.collate as collating

    real = collating.read_return

    def dies_on_southmoor(path: Path, rules: Policy, year: str | None = None) -> object:
        if path.name == "southmoor.xlsx":
            os._exit(9)  # as a process killed by the system ends: no exception, no clean-up
        return real(path, rules, year)

    monkeypatch.setattr(collating, "read_return", dies_on_southmoor)  # worker processes are forked with it
    result = collate([returns_folder], policy=policy, jobs=2)
    rows = {row[6]: row for row in result.table("Areas").rows}
    assert list(rows) == ["eastmoor.xlsx", "northmoor.xlsx", "southmoor.xlsx", "westmoor.xlsx"]
    assert rows["southmoor.xlsx"][3] == NOT_READ
    assert "its reading process ended abruptly" in rows["southmoor.xlsx"][8]
    assert rows["northmoor.xlsx"][3] == COMPLETE and rows["westmoor.xlsx"][0] == "Westmoor"


def test_the_collated_workbook_in_a_collated_folder_is_left_out(
    returns_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The workbook a run writes into the folder it collates is not collated by the next run into the same file."""
    folder = tmp_path / "returns"
    shutil.copytree(returns_folder, folder)
    out = folder / "region.xlsx"
    assert main(["collate", str(folder), "-o", str(out), "--jobs", "1"]) == 1
    assert main(["collate", str(folder), "-o", str(out), "--jobs", "1", "--force"]) == 1
    summaries = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Collated")]
    assert summaries == [f"Collated 3 of 4 files into {out}"] * 2


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet's cells of a workbook: value, type, number format, bold; each sheet's filter and frozen cell."""
    book = openpyxl.load_workbook(path)
    return {
        sheet.title: [
            (str(sheet.auto_filter.ref), str(sheet.freeze_panes)),
            *(
                (c.coordinate, c.value, c.data_type, c.number_format, c.font.b)
                for row in sheet.iter_rows()
                for c in row
            ),
        ]
        for sheet in book.worksheets
    }


def test_the_workbook_written_while_reading_is_the_collations_workbook(
    returns_folder: Path, tmp_path: Path, policy: Policy, collation: Collation
) -> None:
    """Collating into a workbook as the files are read (as the command does) gives, cell for cell, the workbook
    written from the finished collation, and the same tables; no temporary file is left beside it."""
    streamed = tmp_path / "streamed.xlsx"
    result = collate([returns_folder], policy=policy, jobs=2, output=streamed)
    assert result.tables == collation.tables
    collation.write_workbook(tmp_path / "after.xlsx")
    assert _cells(streamed) == _cells(tmp_path / "after.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after.xlsx", "streamed.xlsx"]


@pytest.mark.parametrize("frozen_before", [False, True])
def test_collating_into_a_workbook_leaves_the_collector_as_it_found_it(
    frozen_before: bool, returns_folder: Path, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the files are collated into a workbook, what this process holds is kept out of the collector's passes
    (frozen after each file); at the end the collector has it all back. A program that froze objects itself keeps
    them frozen, and nothing more is frozen."""
    import gc

    import bcf_xl.collate as collating

    counts: list[int] = []
    real_read = collating.read_return

    def read(path: Path, *args: object) -> object:
        counts.append(gc.get_freeze_count())  # one job: each file is read in this process, after those before
        return real_read(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(collating, "read_return", read)
    if frozen_before:
        gc.freeze()
    try:
        before = gc.get_freeze_count()
        collate([returns_folder], policy=policy, jobs=1, output=tmp_path / "region.xlsx")
        after = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert len(counts) > 2
    if frozen_before:
        # (a frozen object freed leaves the count: it may fall, but never rise)
        assert all(0 < count <= before for count in counts) and 0 < after <= before
    else:
        assert before == 0 and counts[0] == 0 and all(later > 0 for later in counts[1:]) and after == 0


def test_an_existing_output_is_refused_before_any_file_is_read(
    returns_folder: Path, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collating into a workbook that exists (without overwrite) fails at once, naming it, and reads no file."""
    import bcf_xl.collate as collating

    out = tmp_path / "region.xlsx"
    out.write_bytes(b"keep me")
    read: list[Path] = []
    monkeypatch.setattr(collating, "read_return", lambda path, *_: read.append(path))
    with pytest.raises(BcfInputError, match=r"region\.xlsx.*already exists"):
        collate([returns_folder], policy=policy, jobs=1, output=out)
    assert read == [] and out.read_bytes() == b"keep me"


def test_workers_are_forked_on_linux_and_leave_the_outputs_signal_handlers_behind(policy: Policy) -> None:
    """On Linux the reading processes are forked (each starts with the readers loaded); a worker does not run this
    process's handler for SIGTERM (which removes the output's temporary file) but simply ends."""
    handler_was = signal.getsignal(signal.SIGTERM)

    def remove_temporary_file(signum: int, frame: object) -> None:
        raise AssertionError("not sent")

    signal.signal(signal.SIGTERM, remove_temporary_file)
    try:
        with _pool(1, policy, None) as pool:
            in_worker = pool.submit(signal.getsignal, signal.SIGTERM).result()
            method = pool.submit(multiprocessing.get_start_method).result()
    finally:
        signal.signal(signal.SIGTERM, handler_was)
    assert in_worker == signal.SIG_DFL
    assert method == ("fork" if sys.platform.startswith("linux") else multiprocessing.get_start_method())


def test_starting_the_command_loads_only_what_collate_needs(
    returns_folder: Path, with_returns: tuple[Path, str], tmp_path: Path
) -> None:
    """`import bcf_xl` loads none of its modules (no reader); loading the bcf-xl command loads no workbook library;
    reading and validating a template and a return with python-calamine (here in this process: one job) loads
    neither openpyxl nor numpy nor pandas; and collating loads none of the other commands' modules (the planning
    workbook's builder and checks, the printed summary, the function catalogue, the template builders)."""
    files = [str(returns_folder / "northmoor.xlsx"), str(with_returns[0] / "q3.xlsx")]
    script = (
        "import sys; import bcf_xl; "
        "bare = [m for m in sys.modules if m.startswith('bcf_xl.')]; "
        "from bcf_xl import cli; "
        "early = [m for m in ('openpyxl', 'xlsxwriter', 'pandas', 'numpy') if m in sys.modules]; "
        "from bcf_xl.workbook.reading import backend; "
        f"code = cli.main(['collate', *{files!r}, '--jobs', '1', '-o', {str(tmp_path / 'o.xlsx')!r}]); "
        "heavy = [m for m in ('openpyxl', 'pandas', 'numpy') if m in sys.modules]; "
        "late = [m for m in sys.modules if m.startswith(('bcf_xl.planbook', 'bcf_xl.summary', 'bcf_xl.cells', "
        "'bcf_xl.submission.builder', 'bcf_xl.returns.builder'))]; "
        "print(backend(), bare, early, heavy, late, code)"
    )
    environment = {k: v for k, v in os.environ.items() if k != READER_VARIABLE}
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=300, env=environment
    )
    assert ran.stdout.splitlines()[-1] == "calamine [] [] [] [] 0", ran.stderr


# --- quarterly and end-of-year returns ------------------------------------------------------------------


def _blank_cell_holding(path: Path, sheet: str, text: str) -> str:
    """Blank the one cell of a sheet that holds ``text`` (saved as openpyxl saves); that cell's reference."""
    book = openpyxl.load_workbook(path)
    (cell,) = [c for row in book[sheet].iter_rows() for c in row if c.value == text]
    cell.value = None
    book.save(path)
    return str(cell.coordinate)


@pytest.fixture(scope="module")
def with_returns(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> tuple[Path, str]:
    """The sample template, the sample's Q3 and end-of-year returns as `bcf-xl quarterly` and `year-end` write
    them, and a copy of the Q3 return with its "completed by" entry blanked; the blanked cell."""
    folder = tmp_path_factory.mktemp("with_returns")
    write(sample_plan(), YEAR_2023_25, policy, folder / "plan.xlsx")
    assert main(["quarterly", "--sample", "--quarter", "3", "-o", str(folder / "q3.xlsx")]) == 0
    assert main(["year-end", "--sample", "-o", str(folder / "ye.xlsx")]) == 0
    shutil.copy(folder / "q3.xlsx", folder / "q3_incomplete.xlsx")
    blanked = _blank_cell_holding(folder / "q3_incomplete.xlsx", COVER, "Priya Raman")
    return folder, blanked


def test_returns_are_listed_with_their_kind_period_and_outcome(with_returns: tuple[Path, str], policy: Policy) -> None:
    """A quarterly or end-of-year return is an Areas row naming its kind and period in NHS England's words, the plan
    year it reports, Complete or Incomplete, and its errors and warnings as `bcf-xl validate` counts them; each of
    its findings is a Findings row at its cell."""
    folder, blanked = with_returns
    result = collate([folder], policy=policy, jobs=2)
    rows = {row[6]: row for row in result.table("Areas").rows}
    assert [row[:4] for row in rows.values()] == [
        ("Northmoor", "Planning template", "2023-25", COMPLETE),
        ("Northmoor", "Quarterly return Q3 2023-24", "2023-24", COMPLETE),
        ("Northmoor", "Quarterly return Q3 2023-24", "2023-24", INCOMPLETE),
        ("Northmoor", "End-of-year return 2023-24", "2023-24", COMPLETE),
    ]
    for name in ("q3.xlsx", "q3_incomplete.xlsx", "ye.xlsx"):
        checked = validate_return(folder / name, policy)
        severities = [f.severity.value for f in checked.findings]
        assert rows[name][4:6] == (severities.count("Error"), severities.count("Warning"))
        assert [r[3:] for r in result.table("Findings").rows if r[1] == name] == [
            (f.severity.value, f.code, f"'{f.where.sheet}'!{f.where.cell}", f.message) for f in checked.findings
        ]
    # the sample's NC3, answered No with its explanation, and its metric with no figure for Q3
    assert rows["q3.xlsx"][4:6] == (0, 2)
    assert {r[3:5] for r in result.table("Findings").rows if r[1] == "q3.xlsx"} == {
        ("Warning", "MON06"),
        ("Warning", "MON08"),
    }
    missing = [r for r in result.table("Findings").rows if r[1] == "q3_incomplete.xlsx" and r[4] == "CHECKLIST"]
    assert [r[5] for r in missing] == [f"'{COVER}'!{blanked}"]
    assert not result.ok


def test_two_returns_of_one_period_are_flagged_but_other_periods_are_not(
    with_returns: tuple[Path, str], policy: Policy
) -> None:
    """Two Q3 returns of one area and year are both kept and flagged as duplicates of each other; the area's plan,
    and its end-of-year return, are other templates and are not flagged."""
    folder, _ = with_returns
    flagged = {row[6]: row[7] for row in collate([folder], policy=policy, jobs=1).table("Areas").rows}
    assert flagged == {
        "plan.xlsx": "",
        "q3.xlsx": "q3_incomplete.xlsx",
        "q3_incomplete.xlsx": "q3.xlsx",
        "ye.xlsx": "",
    }


def test_returns_leave_the_plans_figures_alone(with_returns: tuple[Path, str], policy: Policy) -> None:
    """Income, Expenditure, Totals and Metrics hold the plan's figures only: collating its returns beside it
    changes no row of them, so the England rows still add up the plans."""
    folder, _ = with_returns
    alone = collate([folder / "plan.xlsx"], policy=policy, jobs=1)
    beside = collate([folder], policy=policy, jobs=1)
    for name in ("Income", "Expenditure", "Totals", "Metrics"):
        assert beside.table(name).rows == alone.table(name).rows
        assert beside.table(name).rows  # the plan's figures are there


def test_a_year_takes_returns_of_its_plan_years(with_returns: tuple[Path, str], policy: Policy) -> None:
    """With a template year, a return reporting one of its plan years is read; any other is not, with the reason."""
    folder, _ = with_returns
    kept = collate([folder / "q3.xlsx"], policy=policy, jobs=1, year="2023-25")
    assert kept.returns[0].status == COMPLETE
    refused = collate([folder / "q3.xlsx", folder / "ye.xlsx"], policy=policy, jobs=1, year="2025-26")
    assert [r.reason for r in refused.returns] == [
        f"'{name}': is a return for 2023-24 (a year of the 2023-25 template), not 2025-26"
        for name in ("q3.xlsx", "ye.xlsx")
    ]


def test_the_command_collates_returns_into_the_workbook(
    with_returns: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bcf-xl collate` of a plan and its returns writes them on the Areas sheet of the workbook, and exits 1
    because one return is incomplete."""
    folder, _ = with_returns
    out = tmp_path / "region.xlsx"
    assert main(["collate", str(folder), "-o", str(out), "--jobs", "2"]) == 1
    capsys.readouterr()
    areas = list(openpyxl.load_workbook(out, read_only=True)["Areas"].iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[3], row[6]) for row in areas] == [
        ("Planning template", "Complete", "plan.xlsx"),
        ("Quarterly return Q3 2023-24", "Complete", "q3.xlsx"),
        ("Quarterly return Q3 2023-24", "Incomplete", "q3_incomplete.xlsx"),
        ("End-of-year return 2023-24", "Complete", "ye.xlsx"),
    ]
