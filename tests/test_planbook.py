"""The planning workbook: built from a plan, read back, checked, recalculated, opened in LibreOffice."""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from oletools.olevba import VBA_Parser
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

import bcf_macros
from bcf_xl import cli
from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import dsr_ci, measure, progress
from bcf_xl.model import Plan
from bcf_xl.monitoring import Actuals, income_progress, scheme_progress
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import build, pool_views, risk_views, write
from bcf_xl.planbook.buttons import ENTRY_POINTS, button_macros
from bcf_xl.planbook.reader import planbook_view, read
from bcf_xl.policy import load_policy
from bcf_xl.pooling import Dimension, commissioner_parts
from bcf_xl.recalc import recalculate
from bcf_xl.report import compute
from bcf_xl.risk import year_end_statement
from bcf_xl.rollforward import roll_forward
from bcf_xl.sample import sample_actuals, sample_plan
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26, TemplateYear
from bcf_xl.submission.validator import validate
from tests.libreoffice import computed_values
from tests.plans import plans

POLICY = load_policy()


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "bcf_planning.xlsm"
    write(path, sample_plan(), POLICY, vba_project=button_macros(), actuals=sample_actuals(3))
    return path


@pytest.fixture(scope="module")
def recalculated(sample_book: Path) -> dict[tuple[str, str], object]:
    result = recalculate(sample_book)
    assert not result.failed, result.findings
    return dict(result.values)


# --- round trip ------------------------------------------------------------------------------------


def test_sample_round_trip(sample_book: Path) -> None:
    """Reading the generated sample workbook gives back exactly the sample plan; its Winter Pressures line (an old
    plan's) is read with a note at its cell saying the templates show it in the iBCF line."""
    read_back = read(sample_book)
    row = L.SOURCES.data_rows[[s.source_id for s in sample_plan().sources].index("WPG")]
    [note] = read_back.findings
    assert (note.severity.value, note.code, note.where.sheet, note.where.cell) == (
        "Note",
        "READ02",
        L.FUNDING,
        L.SOURCES.cell("kind", row),
    )
    assert note.message == (
        "[WPG] Funding source: the Winter Pressures grant was merged into the iBCF in 2020-21; NHS England's "
        "templates show this source in the iBCF line"
    )
    assert read_back.plan == planbook_view(sample_plan())
    assert read_back.plan.performance_fund == sample_plan().performance_fund
    assert read_back.plan.risk_terms == sample_plan().risk_terms


@pytest.mark.parametrize("year", [YEAR_2025_26, YEAR_2023_25], ids=lambda y: y.name)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_plans_round_trip(year: TemplateYear, data: st.DataObject) -> None:
    """For any plan of one or two years, the reader gives back exactly the plan the builder wrote."""
    plan = data.draw(plans(year))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsm"
        write(path, plan, POLICY)
        read_back = read(path)
    assert read_back.findings == ()
    assert read_back.plan == planbook_view(plan)


def test_empty_workbook_reads_as_no_plan(tmp_path: Path) -> None:
    """An empty workbook has no plan yet: the missing required fields are named, nothing crashes."""
    path = tmp_path / "empty.xlsm"
    write(path, None, POLICY)
    read_back = read(path)
    assert read_back.plan is None
    assert sorted((f.location.sheet, f.location.cell) for f in read_back.findings) == [
        ("Cover", "C4"),
        ("Cover", "C5"),
        ("Cover", "C6"),
    ]


# --- the buttons -----------------------------------------------------------------------------------


def test_every_button_runs_a_macro_that_calls_python(sample_book: Path) -> None:
    """Each form button names a Sub of the VBA project, which calls an entry point bcf_macros has."""
    with zipfile.ZipFile(sample_book) as archive:
        vml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/drawings/vml"))
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert sorted(macros) == sorted(L.BUTTON_CELLS)
    parser = VBA_Parser(str(sample_book))
    source = "\n".join(code for _, _, _, code in parser.extract_macros())
    parser.close()
    for macro in macros:
        body = re.search(rf"Sub {macro}\(\)(.*?)End Sub", source, re.S)
        assert body, f"no Sub {macro} in the VBA project"
        called = re.search(r"bcf_macros\.(\w+)\(\)", body.group(1))
        assert called and called.group(1) == ENTRY_POINTS[macro]
        assert callable(getattr(bcf_macros, called.group(1)))
        assert 'Application.Run "xlwings.xlam!RunPython"' in body.group(1)


def test_check_plan_button(tmp_path: Path) -> None:
    """Check plan lists the plan's findings on the Checks sheet, each with its cell."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), POLICY)
    found = bcf_macros.check_plan(bcf_macros.WorkbookFile(path), POLICY)
    assert found is not None and [f.code for f in found] == ["BCF08", "READ02", "BCF12", "BCF14"]
    checks = openpyxl.load_workbook(path)[L.CHECKS]
    assert checks[L.CHECK_STATUS_CELL].value == "Plan checked: 0 errors, 1 warning, 3 notes"
    first = [c.value for c in checks[L.CHECK_HEADER_ROW + 1]]
    assert first[:4] == ["Warning", "BCF08", "Funding", "F32"]


def test_generate_submission_button(tmp_path: Path) -> None:
    """Generate submission writes a complete template next to the workbook, never over an earlier one."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), POLICY)
    book = bcf_macros.WorkbookFile(path)
    first = bcf_macros.generate_submission(book, POLICY)
    second = bcf_macros.generate_submission(book, POLICY)
    assert first == tmp_path / "BCF submission 2023-25 Northmoor.xlsx"
    assert second == tmp_path / "BCF submission 2023-25 Northmoor (2).xlsx"
    assert validate(first, POLICY).complete
    status = openpyxl.load_workbook(path)[L.CHECKS][L.CHECK_STATUS_CELL].value
    assert status == (
        "Wrote BCF submission 2023-25 Northmoor (2).xlsx: Complete Template; plan 0 errors, 1 warning, 3 notes"
    )


def test_roll_forward_button(tmp_path: Path) -> None:
    """Roll forward writes next year's workbook, which reads back as the rolled-forward plan."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), POLICY)
    new = bcf_macros.roll_forward(bcf_macros.WorkbookFile(path), POLICY)
    assert new == tmp_path / "BCF plan 2024-25 and 2025-26 Northmoor.xlsm"
    rolled = read(new).plan
    assert rolled == planbook_view(roll_forward(planbook_view(sample_plan()), POLICY))
    assert rolled.years == ("2024-25", "2025-26")
    s001 = rolled.schemes[0]
    assert (s001.prior_year_budget, s001.amounts[0], s001.additional_investment) == (
        D("3450000"),
        D("3645270"),
        D("195270"),
    )
    assert rolled.asc_minimum.prior_year == D("11886750.00")
    assert rolled.metrics[0].baseline == D(5010) and rolled.metrics[0].actual is None


def test_button_problem_is_one_line_on_checks(tmp_path: Path) -> None:
    """A plan whose years have no template gets one line on the Checks sheet, not a traceback."""
    path = tmp_path / "plan.xlsm"
    plan = sample_plan()
    write(path, planbook_view(roll_forward(plan, POLICY)), POLICY)
    assert bcf_macros.generate_submission(bcf_macros.WorkbookFile(path), POLICY) is None
    status = openpyxl.load_workbook(path)[L.CHECKS][L.CHECK_STATUS_CELL].value
    assert status == (
        "Stopped: 'Cover'!C6: no NHS England template is known for these plan years (got \"2024-25, 2025-26\")"
    )


# --- computing the workbook ------------------------------------------------------------------------


def _engine_cells(plan: Plan) -> dict[tuple[str, str], object]:
    """What the computed cells of the sample workbook must show, worked out by the engine."""
    report = compute(plan, POLICY)
    years = plan.years
    expected: dict[tuple[str, str], object] = {}
    for index, year in enumerate(years):
        column = "EF"[index]
        expected[(L.FUNDING, f"{column}{L.FUNDING_TOTALS_ROW}")] = plan.income(year)
        expected[(L.FUNDING, f"{column}{L.FUNDING_TOTALS_ROW + 1}")] = plan.expenditure(year)
        asc, ooh = report.asc_minimum[index], report.ooh_minimum[index]
        expected[(L.FUNDING, L.minimum_cell("uplift", index))] = POLICY.uplift(year).rate
        for key, value in (
            ("asc_calculated", asc.calculated),
            ("asc_required", asc.required),
            ("asc_planned", asc.planned),
            ("asc_shortfall", asc.under_spend),
            ("ooh_planned", ooh.planned),
            ("ooh_shortfall", ooh.under_spend),
        ):
            expected[(L.FUNDING, L.minimum_cell(key, index))] = value
        balances = {b.source_id: b.balance for b in report.source_balances if b.year == year}
        for row, source in zip(L.SOURCES.data_rows, plan.sources, strict=False):
            expected[(L.FUNDING, L.SOURCES.cell(f"balance{index + 1}", row))] = balances[source.source_id]
        pools = {line.key: line.amount for line in report.totals_for(Dimension.POOL, year)}
        for row, pool in zip(L.POOL_TABLE.data_rows, plan.pools, strict=False):
            expected[(L.POOLS, L.POOL_TABLE.cell(f"total{index + 1}", row))] = pools[pool.pool_id]
        themes = report.totals_for(Dimension.THEME, year)
        for row, line in zip(L.THEMES.data_rows, themes, strict=False):
            expected[(L.POOLS, L.THEMES.cell(f"total{index + 1}", row))] = line.amount
        split = report.dfg[index]
        for row, district in zip(L.DISTRICTS.data_rows, split.districts, strict=False):
            expected[(L.DFG, L.DISTRICTS.cell(f"top_up{index + 1}", row))] = district.top_up
            expected[(L.DFG, L.DISTRICTS.cell(f"passported{index + 1}", row))] = district.passported
        by = {
            dim: {line.key: line.amount for line in report.totals_for(dim, year)}
            for dim in (Dimension.PARTNER, Dimension.SOURCE, Dimension.COMMISSIONER, Dimension.AREA_OF_SPEND)
        }
        schemes = L.schemes_table(L.scheme_rows_for(len(plan.schemes)))
        views = pool_views(schemes)
        keys = [p.partner_id for p in plan.partners]
        for (row, _, _), key in zip(views["partner"][1], keys, strict=False):
            expected[(L.POOLS, f"{'CD'[index]}{row}")] = by[Dimension.PARTNER][key]
        for (row, _, _), key in zip(views["source"][1], [s.source_id for s in plan.sources], strict=False):
            expected[(L.POOLS, f"{'CD'[index]}{row}")] = by[Dimension.SOURCE][key]
        for (row, _, _), key in zip(views["partner"][1], keys, strict=False):
            expected[(L.POOLS, f"B{row}")] = key
        for (row, _, _), key in zip(views["source"][1], [s.source_id for s in plan.sources], strict=False):
            expected[(L.POOLS, f"B{row}")] = key
        total_row = views["area"][1][-1][0]
        expected[(L.POOLS, f"{'CD'[index]}{total_row}")] = plan.expenditure(year)
        (nhs_row, _, _), (la_row, _, _) = views["commissioner"][1]
        expected[(L.POOLS, f"{'CD'[index]}{nhs_row}")] = by[Dimension.COMMISSIONER]["NHS"]
        expected[(L.POOLS, f"{'CD'[index]}{la_row}")] = by[Dimension.COMMISSIONER]["Local Authority"]
        for row, area, _ in views["area"][1][:-1]:
            expected[(L.POOLS, f"{'CD'[index]}{row}")] = by[Dimension.AREA_OF_SPEND].get(area, D(0))
    for row, result in zip(L.METRIC_TABLE.data_rows, report.metrics, strict=False):
        expected[(L.METRICS, L.METRIC_TABLE.cell("rag", row))] = result.rag.value
        expected[(L.METRICS, L.METRIC_TABLE.cell("progress", row))] = result.progress.value
        expected[(L.METRICS, L.METRIC_TABLE.cell("actual_rate", row))] = result.actual
        expected[(L.METRICS, L.METRIC_TABLE.cell("target_rate", row))] = result.target
        expected[(L.METRICS, L.METRIC_TABLE.cell("baseline_rate", row))] = result.baseline
        if result.actual is not None and result.target:
            expected[(L.METRICS, L.METRIC_TABLE.cell("actual_vs_target", row))] = result.actual / result.target
    banded = next(m for m in plan.metrics if m.bands)  # the falls metric, over the six 65+ bands
    for index, key in enumerate(L.BAND_COUNTS):
        expected[(L.AGE_BANDS, L.AGE_BAND_RATES.cell("rate", index))] = getattr(banded, key)  # per 100,000
    bands = banded.bands
    lower, upper = dsr_ci([D(b.actual or 0) for b in bands], [D(b.population) for b in bands])
    actual = L.BAND_COUNTS.index("actual")
    expected[(L.AGE_BANDS, L.AGE_BAND_RATES.cell("lower", actual))] = lower
    expected[(L.AGE_BANDS, L.AGE_BAND_RATES.cell("upper", actual))] = upper
    schemes = L.schemes_table(L.scheme_rows_for(len(plan.schemes)))
    contributors = {s.source_id: s.contributor for s in plan.sources}
    for row, scheme in zip(schemes.data_rows, plan.schemes, strict=False):
        source = plan.source(scheme.source)
        expected[(L.SCHEMES, schemes.cell("kind", row))] = source.kind.value if source else ""
        expected[(L.SCHEMES, schemes.cell("contributor", row))] = contributors.get(scheme.source, "")
        for index, amount in enumerate(scheme.amounts):
            nhs = sum((part for who, part in commissioner_parts(scheme, amount) if who == "NHS"), D(0))
            expected[(L.SCHEMES, schemes.cell(f"nhs{index + 1}", row))] = nhs
        for index, amount in enumerate(scheme.amounts):
            nhs_cell = schemes.cell(f"nhs{index + 1}", row)
            expected[(L.SCHEMES, schemes.cell(f"la{index + 1}", row))] = amount - expected[(L.SCHEMES, nhs_cell)]
        outturn = scheme.outturn[0] if scheme.outturn else None
        expected[(L.SCHEMES, schemes.cell("spent1", row))] = outturn if outturn is not None else scheme.amounts[0]
    statements = {p.pool_id: year_end_statement(plan, p.pool_id, years[0]) for p in plan.pools}
    lines = risk_views(L.schemes_table(L.scheme_rows_for(len(plan.schemes))))
    for (row, _, _), pool in zip(lines[1:], plan.pools, strict=False):
        expected[(L.RISK, f"C{row}")] = pool.pool_id
        if pool.pool_id in statements:
            expected[(L.RISK, f"D{row}")] = statements[pool.pool_id].total_contributions
            expected[(L.RISK, f"E{row}")] = statements[pool.pool_id].expenditure
            expected[(L.RISK, f"F{row}")] = statements[pool.pool_id].difference
    waterfall_row = next(row for row, label, _ in lines if label == "Overspend to cover")
    expected[(L.RISK, f"C{waterfall_row}")] = sum((step.applied for step in report.waterfall), D(0))
    for offset, step in enumerate(report.waterfall, start=1):
        expected[(L.RISK, f"C{waterfall_row + offset}")] = step.applied
    invoices = {i.to_partner: i for i in report.invoices[0][1]}
    invoice_rows = [row for row, label, formulas in lines if not label and len(formulas) == 5]
    for row, partner in zip(invoice_rows, plan.partners, strict=False):
        invoice = invoices.get(partner.partner_id)  # the council is invoiced by the lead ICB, if at all
        expected[(L.RISK, f"C{row}")] = ("Council to " if partner.kind.value == "ICB" else "Lead ICB to ") + (
            partner.partner_id
        )
        for quarter, column in enumerate("DEFG"):
            expected[(L.RISK, f"{column}{row}")] = invoice.quarters[quarter] if invoice else D(0)
    return expected


def _actuals_cells(plan: Plan, actuals: Actuals, year: str, quarter: int) -> dict[tuple[str, str], object]:
    """What the computed cells of the actuals sheets must show for the period reported, worked out by the engine."""
    expected: dict[tuple[str, str], object] = {
        (L.COVER, L.REPORT_LINES.cell("report_year", 1)): year,
        (L.COVER, L.REPORT_LINES.cell("report_quarter", 1)): D(quarter),
    }
    index = plan.year_index(year) + 1
    spend = L.spend_table(L.scheme_rows_for(len(plan.schemes)))
    for table, lines, stems in (
        (L.INCOME_ACTUALS, L.INCOME_FLAGS, ("received",)),
        (spend, L.SPEND_FLAGS, ("spend", "profile")),
    ):
        for stem in stems:
            for q in range(1, quarter + 1):
                expected[(L.SPEND, f"{table.columns[f'{stem}{index}_q{q}']}{lines.row('to_date')}")] = stem
    for stem in ("spend", "profile"):
        for q in range(1, 5):
            expected[(L.SPEND, f"{spend.columns[f'{stem}{index}_q{q}']}{L.SPEND_FLAGS.row('year')}")] = stem
    expected[(L.SPEND, f"{spend.columns[f'forecast{index}']}{L.SPEND_FLAGS.row('year')}")] = "forecast"
    for row, line in zip(L.INCOME_ACTUALS.data_rows, income_progress(plan, actuals, year, quarter), strict=False):
        cell = L.INCOME_ACTUALS.cell
        source = plan.source(line.source_id)
        assert source is not None
        expected |= {
            (L.SPEND, cell("source_id", row)): line.source_id,
            (L.SPEND, cell("kind", row)): source.kind.value,
            (L.SPEND, cell("planned", row)): line.planned,
            (L.SPEND, cell("expected", row)): line.expected_to_date,
            (L.SPEND, cell("to_date", row)): line.received_to_date,
            (L.SPEND, cell("difference", row)): line.difference,
        }
    for row, line in zip(spend.data_rows, scheme_progress(plan, actuals, year, quarter), strict=False):
        f = line.figures
        expected |= {
            (L.SPEND, spend.cell("scheme_id", row)): line.scheme_id,
            (L.SPEND, spend.cell("name", row)): line.scheme.name,
            (L.SPEND, spend.cell("planned", row)): f.planned,
            (L.SPEND, spend.cell("profile_to_date", row)): f.profile_to_date,
            (L.SPEND, spend.cell("to_date", row)): f.actual_to_date,
            (L.SPEND, spend.cell("variance", row)): f.variance,
            (L.SPEND, spend.cell("variance_share", row)): f.variance_fraction,
            (L.SPEND, spend.cell("outturn", row)): f.forecast,
        }
    metrics = {m.metric_id: m for m in plan.metrics}
    table = L.METRIC_ACTUALS
    for row, report in zip(table.data_rows, actuals.metrics, strict=False):
        metric = metrics[report.metric_id]
        measured, target = measure(metric, report.actual), measure(metric, metric.target)
        expected |= {
            (L.PROGRESS, table.cell("measured", row)): measured if measured is not None else "",
            (L.PROGRESS, table.cell("target", row)): target,
            (L.PROGRESS, table.cell("progress", row)): progress(measured, target, metric.polarity).value,
        }
    return expected


def _decimal(value: object) -> object:
    """A computed cell value as the engine would state it (Decimal for numbers), for _same."""
    return D(repr(float(value))) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _same(got: object, want: object) -> bool:
    if want is None or want == "":  # nothing to show: the cell holds an empty text
        return got in ("", None)
    if isinstance(want, D):
        return isinstance(got, int | float) and abs(D(repr(float(got))) - want) < D("0.000001")
    return got == want


def test_headless_recalculation_matches_the_engine(recalculated: dict[tuple[str, str], object]) -> None:
    """Every computed cell of the sample workbook, recalculated headlessly, equals the engine's figure (its
    actuals' cells, at the third quarter, too)."""
    expected = _engine_cells(sample_plan()) | _actuals_cells(sample_plan(), sample_actuals(3), "2023-24", 3)
    assert len(expected) > 400
    unchecked = {
        key: value for key, value in recalculated.items() if key not in expected and value not in ("", None, 0, 0.0)
    }
    assert unchecked == {}, "every computed cell showing something is checked against the engine"
    wrong = {
        key: (recalculated.get(key), want) for key, want in expected.items() if not _same(recalculated.get(key), want)
    }
    assert wrong == {}


def _formula_cells(book: openpyxl.Workbook) -> dict[tuple[str, str], str]:
    """Every formula cell's text; each cell a spilling formula covers gets the formula's text."""
    found: dict[tuple[str, str], str] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula):
                    for line in sheet[cell.value.ref]:
                        for covered in line:
                            found[(sheet.title, covered.coordinate)] = str(cell.value.text)
                elif isinstance(cell.value, str) and cell.value.startswith("="):
                    found[(sheet.title, cell.coordinate)] = cell.value
    return found


def _references(formula: str, sheet: str) -> set[tuple[str, str]]:
    """The cells a formula refers to, ranges expanded."""
    found: set[tuple[str, str]] = set()
    for token in Tokenizer(formula).items:
        if token.type != Token.OPERAND or token.subtype != Token.RANGE:
            continue
        target, area = token.value.rsplit("!", 1) if "!" in token.value else (sheet, token.value)
        first_col, first_row, last_col, last_row = range_boundaries(area.replace("$", ""))
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                found.add((target.strip("'").replace("''", "'"), f"{get_column_letter(c)}{r}"))
    return found


@pytest.mark.libreoffice
def test_libreoffice_computes_native_cells(
    sample_book: Path, tmp_path: Path, recalculated: dict[tuple[str, str], object]
) -> None:
    """LibreOffice shows bcf_* cells as unknown functions, and computes every native formula that does not use
    one to the same value as the headless recalculation."""
    theirs = computed_values(sample_book, tmp_path / "lo")
    formulas = _formula_cells(openpyxl.load_workbook(sample_book))
    uses_udf = {key for key, text in formulas.items() if "BCF_" in text}
    growing = True
    while growing:  # a formula that refers to a cell using a bcf_* function uses one too
        grown = {key for key, text in formulas.items() if key not in uses_udf and _references(text, key[0]) & uses_udf}
        uses_udf |= grown
        growing = bool(grown)
    native = 0
    for key in formulas:
        lo, ours = theirs.get(key), recalculated.get(key)
        if "BCF_" in formulas[key]:
            assert lo in ("#NAME?", None, "") or _same(lo, _decimal(ours)), key
        elif key not in uses_udf:
            native += 1
            assert _same(lo, _decimal(ours)), f"{key}: LibreOffice {lo!r}, bcf-xl {ours!r}"
    assert native > 1000
    assert sum(theirs.get(key) == "#NAME?" for key in formulas if "BCF_" in formulas[key]) > 100
    assert theirs[(L.FUNDING, L.minimum_cell("asc_planned", 0))] == 13065000


# --- check -----------------------------------------------------------------------------------------


def test_check_cli_passes_the_sample(sample_book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bcf-xl check exits 0 for the sample: warnings are printed but do not fail it."""
    before = hashlib.sha256(sample_book.read_bytes()).hexdigest()
    assert cli.main(["check", str(sample_book)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bcf_planning.xlsm: 0 errors, 1 warning, 3 notes")
    assert hashlib.sha256(sample_book.read_bytes()).hexdigest() == before


def test_check_cli_reports_every_problem_with_its_cell(
    sample_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text in an amount, an unknown list value, a missing name, a duplicate ID, districts not adding up: one run."""
    book = openpyxl.load_workbook(sample_book, keep_vba=True)
    schemes = L.schemes_table(L.scheme_rows_for(45))
    book[L.SCHEMES][schemes.cell("amount1", 5)] = "twelve"
    book[L.SCHEMES][schemes.cell("area_of_spend", 6)] = "Hospital"
    book[L.SCHEMES][schemes.cell("name", 7)] = None
    book[L.SCHEMES][schemes.cell("scheme_id", 8)] = "S001"
    book[L.DFG][L.DISTRICTS.cell("allocation1", L.DISTRICTS.data_rows[0])] = 1134000.01
    broken = tmp_path / "broken.xlsm"
    book.save(broken)
    assert cli.main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    for expected in (
        "Error READ01 'Schemes'!K5: Planned, first year: must be a number such as 1234.50 or £1,234.50"
        ' (got "twelve")',
        "Error READ01 'Schemes'!F6: Area of Spend: must be one of Social Care,",
        "Error READ01 'Schemes'!B7: Scheme Name: is required",
        "Error BCF01 'Schemes'!A8 [S001] Scheme ID: scheme ID must be unique",
        "Error BCF10 'DFG'!C9 District allocations 2023-24: district allocations must add up to the DFG received",
    ):
        assert expected in out, expected


def test_duplicate_source_id_is_reported_at_its_own_cell_with_every_other_finding(
    sample_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A repeated Source ID on Funding and text in a Schemes amount: both at their own cells, and every check runs."""
    book = openpyxl.load_workbook(sample_book, keep_vba=True)
    funding, schemes = book[L.FUNDING], L.schemes_table(L.scheme_rows_for(45))
    first, second = L.SOURCES.data_rows[0], L.SOURCES.data_rows[1]
    assert funding[L.SOURCES.cell("source_id", first)].value == "NHS1"
    funding[L.SOURCES.cell("source_id", second)] = "NHS1"
    book[L.SCHEMES][schemes.cell("amount2", 9)] = "lots"
    broken = tmp_path / "duplicate source.xlsm"
    book.save(broken)
    assert cli.main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    duplicate = (
        f"Error BCF15 'Funding'!{L.SOURCES.cell('source_id', second)} [NHS1] Source ID: source ID must be unique"
    )
    text = f"Error READ01 'Schemes'!{schemes.cell('amount2', 9)}: Planned, second year: must be a number"
    assert duplicate in out and text in out
    assert "'Cover'!C6" not in out
    # The plan was built, so the other checks ran: the sample's agreed-minimum warning is still there.
    assert "Warning BCF08 'Funding'!F" in out and "ASC minimum 2024-25: the agreed minimum" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a workbook", "is not an Excel workbook"), (b"PK\x03\x04 cut", "is damaged or truncated")],
)
def test_check_cli_refuses_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    """A file that is not a workbook gets one line and exit 2."""
    bad = tmp_path / "plan.xlsm"
    bad.write_bytes(content)
    assert cli.main(["check", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"bcf-xl: 'plan.xlsm': {message}")


def test_another_workbook_is_not_a_plan(tmp_path: Path) -> None:
    """A workbook without the planning sheets is refused by name."""
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(BcfInputError, match="is not a bcf-xl planning workbook: it has no Cover, Funding"):
        read(other)


def test_build_is_reproducible() -> None:
    """The same plan gives the same bytes, so the committed workbooks can be checked against a rebuild."""
    assert build(sample_plan(), POLICY, vba_project=button_macros()) == build(
        sample_plan(), POLICY, vba_project=button_macros()
    )


# --- the workbooks kept in the repository ----------------------------------------------------------

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"


@pytest.mark.parametrize(("name", "sample"), [("bcf_planning.xlsm", False), ("bcf_planning_sample.xlsm", True)])
def test_committed_workbooks_are_as_generated(tmp_path: Path, name: str, sample: bool) -> None:
    """workbooks/ holds exactly what `bcf-xl new-plan [--sample --figures]` writes (regenerate them with it)."""
    fresh = tmp_path / name
    assert cli.main(["new-plan", *(["--sample", "--figures"] if sample else []), "-o", str(fresh)]) == 0
    assert fresh.read_bytes() == (WORKBOOKS / name).read_bytes(), f"run: bcf-xl new-plan -o workbooks/{name}"


def test_golden_dump_of_the_sample_workbook() -> None:
    """The sample workbook's cells, formulas and formats are as reviewed in tests/golden (regenerate on purpose)."""
    from tests.golden import GOLDEN, dump

    assert dump(WORKBOOKS / "bcf_planning_sample.xlsm") == (GOLDEN / "bcf_planning_sample.txt").read_text(
        encoding="utf-8"
    )


def test_generate_from_the_planning_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bcf-xl generate takes a planning workbook as PLAN and writes the same submission as from the sample."""
    from_book, from_sample = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert cli.main(["generate", str(WORKBOOKS / "bcf_planning_sample.xlsm"), "-o", str(from_book)]) == 0
    assert cli.main(["generate", "--sample", "-o", str(from_sample)]) == 0
    assert "Complete Template" in capsys.readouterr().out
    from bcf_xl.submission.reader import read as read_submission

    assert read_submission(from_book, POLICY).plan == read_submission(from_sample, POLICY).plan


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44", "'+44"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("S001", "S001"),
        ("", ""),
    ],
)
def test_findings_written_in_excel_stay_text(text: str, shown: str) -> None:
    """User text in a finding (an ID or name starting with =, +, - or @) is written to Excel as text, not a formula."""
    from bcf_macros.entry import excel_text

    assert excel_text(text) == shown


# --- whatever the officer types ----------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from(
        [
            "",
            " ",
            "#REF!",
            "#N/A",
            "=1+1",
            "£1,234.50",
            "(12)",
            "abc",
            "Yes",
            "2025-26",
            "2025/26",
            "Joint",
            "ICB",
            "Council",
            "Unitary",
            "Rate per population",
            "-0",
            "1e5",
        ]
    ),
    st.text(max_size=10),
    st.datetimes(),
)


@pytest.fixture(scope="module")
def sample_values(sample_book: Path) -> dict[tuple[str, str], object]:
    from bcf_xl.planbook.reader import READ_BOUNDS
    from bcf_xl.workbook.reading import load_cells

    return load_cells(sample_book, READ_BOUNDS)[1]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_typing_in_input_cells_gives_findings_not_a_crash(
    sample_values: dict[tuple[str, str], object], data: st.DataObject
) -> None:
    """Whatever lands in the input cells, reading and checking the plan gives findings, one line each, never a crash."""
    from bcf_xl.planbook.checking import findings
    from bcf_xl.planbook.reader import read_values

    values = dict(sample_values)
    inputs = [(L.COVER, L.cover_cell(f.key)) for f in L.COVER_FIELDS]
    for table in (
        L.PARTNERS,
        L.SOURCES,
        L.schemes_table(200),
        L.POOL_TABLE,
        L.DISTRICTS,
        L.METRIC_TABLE,
        L.CONDITIONS,
        L.SHARE_OVERRIDE,
    ):
        inputs += [
            (table.sheet, table.cell(f.key, row)) for row in table.data_rows[:6] for f in table.fields if not f.computed
        ]
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        values[data.draw(st.sampled_from(inputs))] = data.draw(ODD_VALUES)
    read_back = read_values(values, 200)
    for finding in findings(read_back, POLICY):
        assert "\n" not in finding.message and finding.location is not None and finding.location.sheet, finding


def test_sign_off_roles_flow_from_the_planning_workbook_to_the_2025_26_template(tmp_path: Path) -> None:
    """The Cover's sign-off roles and each partner's chief executive are read back from the planning workbook
    and fill the 2025-26 template's sign-off contacts."""
    from bcf_xl.sample import sample_plan_for
    from bcf_xl.submission.reader import read as read_submission

    plan = sample_plan_for(YEAR_2025_26.plan_years)
    path = tmp_path / "plan.xlsm"
    write(path, plan, POLICY)
    read_back = read(path)
    assert read_back.plan is not None
    assert read_back.plan.contacts == plan.contacts
    assert [p.chief_executive for p in read_back.plan.partners] == [p.chief_executive for p in plan.partners]
    template = tmp_path / "plan.xlsx"
    assert cli.main(["generate", str(path), "-o", str(template)]) == 0
    submission = read_submission(template, POLICY)
    assert submission.plan is not None
    assert submission.plan.contacts == plan.contacts
    assert submission.plan.partners == plan.partners


def test_roll_forward_clears_the_hwb_sign_off() -> None:
    """Next year's plan starts with the HWB sign-off cleared (its date and the signed-off-at-submission answer);
    who signs by role stays."""
    import dataclasses

    from bcf_xl.sample import sample_plan_for

    plan = sample_plan_for(YEAR_2025_26.plan_years)
    signed = dataclasses.replace(
        plan, contacts=dataclasses.replace(plan.contacts, hwb_signed_off="Yes", sign_off_date="2025-04-15")
    )
    rolled = roll_forward(signed, POLICY).contacts
    assert (rolled.hwb_signed_off, rolled.sign_off_date) == ("", "")
    assert (rolled.hwb_chair, rolled.section151) == (plan.contacts.hwb_chair, plan.contacts.section151)
