"""The planning workbook's actuals: the Spend actuals and Quarterly progress sheets, the period on the Cover, the
two return buttons and the commands that build returns from the workbook's own actuals."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import bcf_lite
import bcf_macros
from bcf_xl import cli
from bcf_xl.model import Plan
from bcf_xl.monitoring import Actuals, Answer, ConditionStatus, IncomeReceived, MetricReport, SchemeSpend, as_at
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import write
from bcf_xl.planbook.buttons import button_macros
from bcf_xl.planbook.reader import load, read, read_values, scheme_rows_of
from bcf_xl.policy import load_policy
from bcf_xl.returns.reader import read as read_return, validate as validate_return
from bcf_xl.sample import sample_actuals, sample_plan
from bcf_xl.workbook.reading import Values
from tests.pyodide.checks import StandInBook
from tests.strategies import amounts

POLICY = load_policy()
YEAR = "2023-24"


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample planning workbook as `bcf-xl new-plan --sample` writes it: the plan and its first year's actuals."""
    path = tmp_path_factory.mktemp("actuals") / "bcf_planning_sample.xlsm"
    assert cli.main(["new-plan", "--sample", "-o", str(path)]) == 0
    return path


def _values(path: Path) -> tuple[Values, int]:
    book, values = load(path)
    return dict(values), scheme_rows_of(book, values)


def _spend_row(plan: Plan, scheme_id: str) -> int:
    rows = L.spend_table(L.scheme_rows_for(len(plan.schemes))).data_rows
    return rows[[s.scheme_id for s in plan.schemes].index(scheme_id)]


# --- reading the actuals back ----------------------------------------------------------------------------------


def test_sample_workbook_reads_back_the_sample_actuals(sample_book: Path) -> None:
    """The sample workbook holds the sample's actuals: read back they equal sample_actuals() exactly, and with no
    period typed on the Cover the period is the latest with actuals, the first year's fourth quarter."""
    read_back = read(sample_book)
    assert read_back.actuals == sample_actuals()
    assert read_back.period == (YEAR, 4)
    assert [f.code for f in read_back.findings] == ["READ02"]  # the plan's own note, nothing from the actuals


def test_workbook_without_actuals_reads_none(tmp_path: Path) -> None:
    """A planning workbook with nothing typed on the actuals sheets has no actuals and no period to report."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), POLICY)
    read_back = read(path)
    assert read_back.actuals is None and read_back.period is None
    assert [f.code for f in read_back.findings] == ["READ02"]


def test_the_covers_period_is_the_one_reported(sample_book: Path) -> None:
    """A quarter typed on the Cover is the period reported; a plan year that is not the plan's is an error at its
    cell, and a quarter of 5 at its own."""
    values, rows = _values(sample_book)
    values[(L.COVER, L.REPORT_LINES.cell("report_quarter"))] = 2
    assert read_values(values, rows).period == (YEAR, 2)
    values[(L.COVER, L.REPORT_LINES.cell("report_year"))] = "2024-25"
    assert read_values(values, rows).period == ("2024-25", 2)
    values[(L.COVER, L.REPORT_LINES.cell("report_year"))] = "2030-31"
    values[(L.COVER, L.REPORT_LINES.cell("report_quarter"))] = 5
    result = read_values(values, rows)
    assert result.period is None
    errors = {(f.where.sheet, f.where.cell): f.message for f in result.findings if f.code == "READ01"}
    assert errors == {
        (L.COVER, "C14"): 'Plan year to report: must be one of the plan years, 2023-24, 2024-25 (got "2030-31")',
    }
    values[(L.COVER, L.REPORT_LINES.cell("report_year"))] = None
    errors = {
        (f.where.sheet, f.where.cell): f.message for f in read_values(values, rows).findings if f.code == "READ01"
    }
    assert errors == {(L.COVER, "C15"): "Quarter: must be 1, 2, 3 or 4 (got 5)"}


def test_bad_inputs_are_findings_at_their_cells(sample_book: Path) -> None:
    """Each bad input on the actuals sheets is an error at its own cell naming the field and what arrived, and the
    rest is still read."""
    plan = sample_plan()
    values, rows = _values(sample_book)
    spend = L.spend_table(rows)
    s001, s036 = _spend_row(plan, "S001"), _spend_row(plan, "S036")
    metric, condition = L.METRIC_ACTUALS, L.CONDITION_ACTUALS
    first_metric, first_condition = metric.data_rows[0], condition.data_rows[0]
    beyond = spend.data_rows[len(plan.schemes)]  # a row whose Schemes row is blank
    values |= {
        (L.SPEND, spend.cell("spend1_q2", s001)): "lots",
        (L.SPEND, spend.cell("profile1_q3", s036)): None,
        (L.SPEND, spend.cell("spend1_q1", beyond)): 100,
        (L.SPEND, spend.cell("spend2_q1", s001)): None,
        (L.PROGRESS, metric.cell("quarter", first_metric)): 7,
        (L.PROGRESS, metric.cell("year", first_metric + 1)): "2022-23",
        (L.PROGRESS, condition.cell("met", first_condition)): "Maybe",
    }
    result = read_values(values, rows)
    errors = {(f.where.sheet, f.where.cell): f.message for f in result.findings if f.code == "READ01"}
    assert errors == {
        (
            L.SPEND,
            spend.cell("spend1_q2", s001),
        ): 'Spend, first year, Q2: must be a number such as 1234.50 or £1,234.50 (got "lots")',
        (L.SPEND, spend.cell("profile1_q3", s036)): "Profile, first year, Q3: a profile needs all four quarters "
        "(got a blank)",
        (L.SPEND, spend.cell("spend1_q1", beyond)): f"Spend, first year, Q1: the row of Schemes beside it "
        f"({L.schemes_table(rows).data_rows[len(plan.schemes)]}) has no Scheme ID (got 100)",
        (L.PROGRESS, metric.cell("quarter", first_metric)): "Quarter: must be 1, 2, 3 or 4 (got 7)",
        (L.PROGRESS, metric.cell("year", first_metric + 1)): "Plan year: must be one of the Cover's plan years, "
        '2023-24, 2024-25 (got "2022-23")',
        (L.PROGRESS, condition.cell("met", first_condition)): 'Still met?: must be Yes or No (got "Maybe")',
    }
    assert result.actuals is not None
    ids = [s.scheme_id for s in result.actuals.schemes]
    assert "S036" not in ids and ids[:2] == ["S001", "S002"]  # S001's bad quarter is a finding; the rest is read
    assert len(result.actuals.metrics) == len(sample_actuals().metrics) - 2
    assert len(result.actuals.conditions) == len(sample_actuals().conditions) - 1


def test_figures_for_a_year_the_cover_does_not_give_are_findings(tmp_path: Path) -> None:
    """With no second plan year on the Cover, a figure typed in the second year's columns is an error at its cell,
    not dropped."""
    values, rows = _values(_sample_book_copy(tmp_path))
    values[(L.COVER, L.cover_cell("year2"))] = None
    s001 = _spend_row(sample_plan(), "S001")
    cell = L.spend_table(rows).cell("spend2_q3", s001)
    values[(L.SPEND, cell)] = 5
    errors = {
        (f.where.sheet, f.where.cell): f.message for f in read_values(values, rows).findings if f.code == "READ01"
    }
    assert errors[(L.SPEND, cell)] == "Spend, second year, Q3: the Cover gives no second plan year"


def _sample_book_copy(folder: Path) -> Path:
    path = folder / "plan.xlsm"
    write(path, sample_plan(), POLICY, actuals=sample_actuals())
    return path


_TEXT = st.text(alphabet="abcdefghij XYZ0123456789-.,'", max_size=24).map(str.strip)
_FIGURE = st.one_of(st.none(), amounts(10_000_000))


@st.composite
def _actuals(draw: st.DrawFn, plan: Plan) -> Actuals:
    """Actuals of the plan's own schemes, sources, metrics and conditions, in the order the sheets hold them."""
    schemes: list[SchemeSpend] = []
    income: list[IncomeReceived] = []
    for year in plan.years:
        for scheme in plan.schemes[:: draw(st.integers(3, 15))]:
            spend = tuple(draw(_FIGURE) for _ in range(4))
            profile = draw(st.one_of(st.none(), st.tuples(*(amounts(10_000_000) for _ in range(4)))))
            forecast = draw(_FIGURE)
            if any(v is not None for v in spend) or profile is not None or forecast is not None:
                schemes.append(SchemeSpend(scheme.scheme_id, year, spend, profile, forecast))  # type: ignore[arg-type]
        for source in plan.sources[:: draw(st.integers(1, 4))]:
            received = tuple(draw(_FIGURE) for _ in range(4))
            if any(v is not None for v in received):
                income.append(IncomeReceived(source.source_id, year, received))  # type: ignore[arg-type]
    metrics = [
        MetricReport(
            draw(st.sampled_from([m.metric_id for m in plan.metrics])),
            draw(st.sampled_from(plan.years)),
            draw(st.integers(1, 4)),
            draw(st.one_of(st.none(), st.integers(0, 10**7).map(lambda n: Decimal(n).scaleb(-3)))),
            draw(_TEXT),
            draw(_TEXT),
            draw(_TEXT),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    conditions = [
        ConditionStatus(
            draw(st.sampled_from([c.code for c in plan.conditions])),
            draw(st.sampled_from(plan.years)),
            draw(st.integers(1, 4)),
            draw(st.sampled_from([None, Answer.YES, Answer.NO])),
            draw(_TEXT),
        )
        for _ in range(draw(st.integers(0, 5)))
    ]
    return Actuals(tuple(schemes), tuple(income), tuple(metrics), tuple(conditions))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_actuals_round_trip(data: st.DataObject) -> None:
    """Any actuals of the plan's records written into the planning workbook read back exactly, with no finding of
    their own."""
    plan = sample_plan()
    actuals = data.draw(_actuals(plan))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsm"
        write(path, plan, POLICY, actuals=actuals)
        read_back = read(path)
    assert [f.code for f in read_back.findings] == ["READ02"]
    assert (read_back.actuals or Actuals()) == actuals


# --- the buttons ---------------------------------------------------------------------------------------------


def _copy(source: Path, folder: Path) -> Path:
    target = folder / "Northmoor plan.xlsm"
    target.write_bytes(source.read_bytes())
    return target


def test_generate_quarterly_return_button(sample_book: Path, tmp_path: Path) -> None:
    """Generate quarterly return writes the return of the Cover's quarter (else the latest with actuals) next to
    the workbook, never over an earlier one; it validates as complete and reports the same actuals."""
    path = _copy(sample_book, tmp_path)
    book = bcf_macros.WorkbookFile(path)
    first = bcf_macros.generate_quarterly_return(book, POLICY)
    second = bcf_macros.generate_quarterly_return(book, POLICY)
    assert first == tmp_path / "BCF quarterly Q4 return 2023-24 Northmoor.xlsx"
    assert second == tmp_path / "BCF quarterly Q4 return 2023-24 Northmoor (2).xlsx"
    validation = validate_return(first, POLICY)
    assert validation.ok and validation.returned.layout.quarter == 4
    status = openpyxl.load_workbook(path)[L.CHECKS][L.CHECK_STATUS_CELL].value
    assert status == f"Wrote {second.name}: Complete Template; actuals 0 errors, 1 warning, 0 notes"


def test_quarterly_button_reports_the_quarter_typed_on_the_cover(sample_book: Path, tmp_path: Path) -> None:
    """With 3 typed as the quarter to report, the button's return is the third quarter's, holding the actuals as
    they stood then (as `bcf-xl quarterly --sample --quarter 3` builds it)."""
    path = _copy(sample_book, tmp_path)
    book = openpyxl.load_workbook(path, keep_vba=True)
    book[L.COVER][L.REPORT_LINES.cell("report_quarter")] = 3
    book.save(path)
    written = bcf_macros.generate_quarterly_return(bcf_macros.WorkbookFile(path), POLICY)
    assert written == tmp_path / "BCF quarterly Q3 return 2023-24 Northmoor.xlsx"
    sample = tmp_path / "sample-q3.xlsx"
    assert cli.main(["quarterly", "--sample", "--quarter", "3", "-o", str(sample)]) == 0
    assert read_return(written, POLICY).values == read_return(sample, POLICY).values
    assert read_return(written, POLICY).actuals.conditions[2].met is Answer.NO
    # The checks on the actuals are listed at the cells where the actuals were typed.
    answers, reports = sample_actuals().conditions, sample_actuals().metrics
    nc3 = next(i for i, c in enumerate(answers) if (c.code, c.quarter) == ("NC3", 3))
    reable = next(i for i, m in enumerate(reports) if (m.metric_id, m.quarter) == ("REABLE", 3))
    checks = openpyxl.load_workbook(path)[L.CHECKS]
    listed = {
        tuple(c.value for c in row[:4])
        for row in checks.iter_rows(min_row=L.CHECK_HEADER_ROW + 1)
        if row[1].value in ("MON06", "MON08")
    }
    assert listed == {
        ("Warning", "MON06", L.PROGRESS, L.CONDITION_ACTUALS.cell("explanation", L.CONDITION_ACTUALS.data_rows[nc3])),
        ("Warning", "MON08", L.PROGRESS, L.METRIC_ACTUALS.cell("actual", L.METRIC_ACTUALS.data_rows[reable])),
    }


def test_generate_year_end_return_button(sample_book: Path, tmp_path: Path) -> None:
    """Generate year-end return writes the end-of-year return, which validates as complete."""
    path = _copy(sample_book, tmp_path)
    written = bcf_macros.generate_year_end_return(bcf_macros.WorkbookFile(path), POLICY)
    assert written == tmp_path / "BCF year-end return 2023-24 Northmoor.xlsx"
    assert validate_return(written, POLICY).ok
    sample = tmp_path / "sample-ye.xlsx"
    assert cli.main(["year-end", "--sample", "-o", str(sample)]) == 0
    assert read_return(written, POLICY).values == read_return(sample, POLICY).values


def test_return_button_without_actuals_stops_with_one_line(tmp_path: Path) -> None:
    """A return button on a workbook with no actuals writes nothing and says so in one line on the Checks sheet."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), POLICY, vba_project=button_macros())
    assert bcf_macros.generate_year_end_return(bcf_macros.WorkbookFile(path), POLICY) is None
    status = openpyxl.load_workbook(path)[L.CHECKS][L.CHECK_STATUS_CELL].value
    assert status == (
        f"Stopped: '{L.SPEND}': no actuals yet: type them on the Spend actuals and Quarterly progress sheets"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsm"]


def test_lite_return_scripts_write_to_the_data_folder(sample_book: Path, tmp_path: Path) -> None:
    """The Lite scripts of the two return buttons write their returns to the folder given (Lite's /data)."""
    book = StandInBook.from_values(sample_book.name, load(sample_book)[1])
    quarterly = bcf_lite.generate_quarterly_return(book, tmp_path)
    year_end = bcf_lite.generate_year_end_return(book, tmp_path)
    assert quarterly == tmp_path / "BCF quarterly Q4 return 2023-24 Northmoor.xlsx"
    assert year_end == tmp_path / "BCF year-end return 2023-24 Northmoor.xlsx"
    assert validate_return(quarterly, POLICY).ok and validate_return(year_end, POLICY).ok


# --- the commands --------------------------------------------------------------------------------------------


def test_quarterly_command_uses_the_workbooks_actuals(
    sample_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bcf-xl quarterly WORKBOOK --quarter 3` builds from the workbook's own actuals the same return as
    `--sample`; without --quarter it reports the latest quarter with actuals."""
    own, sample = tmp_path / "own.xlsx", tmp_path / "sample.xlsx"
    assert cli.main(["quarterly", str(sample_book), "--quarter", "3", "-o", str(own)]) == 0
    assert cli.main(["quarterly", "--sample", "--quarter", "3", "-o", str(sample)]) == 0
    assert read_return(own, POLICY).values == read_return(sample, POLICY).values
    latest = tmp_path / "latest.xlsx"
    assert cli.main(["quarterly", str(sample_book), "-o", str(latest)]) == 0
    assert read_return(latest, POLICY).layout.quarter == 4
    assert read_return(latest, POLICY).actuals == read_return(_sample_return(tmp_path, "4"), POLICY).actuals


def _sample_return(folder: Path, quarter: str) -> Path:
    path = folder / f"sample-q{quarter}.xlsx"
    assert cli.main(["quarterly", "--sample", "--quarter", quarter, "-o", str(path)]) == 0
    return path


def test_year_end_command_uses_the_workbooks_actuals(sample_book: Path, tmp_path: Path) -> None:
    """`bcf-xl year-end WORKBOOK` builds from the workbook's own actuals the same return as `--sample`."""
    own, sample = tmp_path / "own.xlsx", tmp_path / "sample.xlsx"
    assert cli.main(["year-end", str(sample_book), "-o", str(own)]) == 0
    assert cli.main(["year-end", "--sample", "-o", str(sample)]) == 0
    assert read_return(own, POLICY).values == read_return(sample, POLICY).values


def test_return_command_on_a_workbook_without_actuals_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no --actuals and nothing typed on the actuals sheets, the command refuses in one line and exits 2."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), POLICY)
    assert cli.main(["quarterly", str(path), "-o", str(tmp_path / "q.xlsx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "bcf-xl: 'plan.xlsm': holds no actuals: type them on the Spend actuals and Quarterly progress sheets, "
        "or give --actuals"
    ]
    assert not (tmp_path / "q.xlsx").exists()


def test_actuals_file_still_overrides_the_workbooks(sample_book: Path, tmp_path: Path) -> None:
    """--actuals FILE.toml is still taken over the workbook's own actuals (here: the first quarter's only)."""
    toml = tmp_path / "q1.toml"
    q1 = as_at(sample_actuals(), YEAR, 1)
    lines = []
    for record in q1.schemes:
        lines.append(
            f'[[schemes]]\nscheme_id = "{record.scheme_id}"\nyear = "{YEAR}"\nspend = [{record.spend[0]}, "", "", ""]\n'
        )
    toml.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "q.xlsx"
    cli.main(["quarterly", str(sample_book), "--actuals", str(toml), "-o", str(out)])
    returned = read_return(out, POLICY)
    assert returned.layout.quarter == 1
    assert [s.spend for s in returned.actuals.schemes] == [s.spend for s in q1.schemes]
    assert returned.actuals.metrics == ()
