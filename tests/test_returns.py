"""The quarterly and end-of-year returns: built from the plan and its actuals, read back, validated, and opened in
LibreOffice to compare what it computes with the engine."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bcf_xl.cli import main
from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import Progress
from bcf_xl.model import Plan
from bcf_xl.monitoring import (
    Achievement,
    Actuals,
    Answer,
    ConditionStatus,
    Grouping,
    IncomeReceived,
    MetricReport,
    SchemeSpend,
)
from bcf_xl.monitoring_report import monitoring_report
from bcf_xl.policy import Policy, load_policy
from bcf_xl.returns.builder import layout_for, write
from bcf_xl.returns.definition import ReturnKind, return_year
from bcf_xl.returns.layout import CONDITIONS, COVER_INPUTS, METRICS, SECTION_75, ReturnLayout
from bcf_xl.returns.reader import is_return, read, return_view, validate
from bcf_xl.sample import sample_actuals
from bcf_xl.submission.layout import COMPLETE, COVER, INCOMPLETE, STATUS_CELL
from tests.libreoffice import computed_values
from tests.strategies import amounts

YEAR = "2023-24"
PENNY = Decimal("0.01")


def _layout(policy: Policy, kind: ReturnKind, quarter: int) -> ReturnLayout:
    return layout_for(return_year(YEAR), kind, quarter, policy)


@pytest.fixture(scope="module")
def q3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("returns") / "q3.xlsx"
    assert main(["quarterly", "--sample", "--quarter", "3", "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def year_end(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("returns") / "ye.xlsx"
    assert main(["year-end", "--sample", "-o", str(path)]) == 0
    return path


def _blank(source: Path, target: Path, sheet: str, cell: str) -> Path:
    book = openpyxl.load_workbook(source)
    book[sheet][cell].value = None
    book.save(target)
    return target


# --- the quarterly return -----------------------------------------------------------------------------


def test_quarterly_sample_validates_with_the_no_answer_as_a_warning(
    q3: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample's Q3 return passes validate; NC3 answered No with its explanation is a warning at its cell, and
    so is the metric with no figure for the quarter (the checks on actuals the return allows on its own)."""
    capsys.readouterr()
    assert main(["validate", str(q3)]) == 0
    out = capsys.readouterr().out
    assert "Quarterly Reporting Template, Q3): Complete Template, 0 errors, 2 warnings" in out
    assert "Warning MON06 'National Conditions'!C6: NC3 is not met" in out
    assert "Warning MON08 'Metrics'!E8: no figure for Q3" in out


def test_quarterly_tabs_and_cover(q3: Path) -> None:
    """The return has the tabs the issue names, the status under the title, and the Cover names the return."""
    book = openpyxl.load_workbook(q3, data_only=True)
    assert book.sheetnames == ["Guidance", "Cover", "National Conditions", "Metrics", "Spend", "Lists"]
    cover = book[COVER]
    assert cover["A1"].value == "Better Care Fund 2023-24 Quarterly Reporting Template"
    assert cover[STATUS_CELL].value == COMPLETE
    assert (cover["C3"].value, cover["C5"].value, cover["C6"].value) == ("2023-24", "Quarterly return", "Q3")
    assert all(sheet.protection.sheet for sheet in book.worksheets)
    assert book["Lists"].sheet_state == "hidden"


def test_metrics_carry_the_engines_words_and_the_national_heading(q3: Path, plan: Plan, policy: Policy) -> None:
    """Each metric's assessment is the engine's progress words for the quarter, under the national heading."""
    layout = _layout(policy, ReturnKind.QUARTERLY, 3)
    sheet = openpyxl.load_workbook(q3)[METRICS]
    table = layout.metrics
    heading = sheet[table.cell("assessment", table.header_row)].value
    assert heading == "Assessment of progress against the metric plan for the reporting period"
    report = monitoring_report(plan, sample_actuals(3), YEAR, 3, policy)
    expected = {line.metric_id: line.progress.value for line in report.metrics}
    shown = {
        sheet[table.cell("code", row)].value: sheet[table.cell("assessment", row)].value for row in table.data_rows
    }
    assert shown == {code: expected[code] for code in shown}
    assert shown["REABLE"] == Progress.NO_DATA.value
    assert shown["HOME"] == Progress.ON_TRACK.value


def test_read_gives_back_the_quarters_actuals(q3: Path, plan: Plan, policy: Policy) -> None:
    """Reading the sample's Q3 return gives the sample's actuals as they stood at Q3, as a return holds them."""
    returned = read(q3, policy)
    codes = tuple(m.code for m in returned.layout.year.framework.metrics)
    assert returned.actuals == return_view(plan, sample_actuals(3), YEAR, 3, codes)
    assert returned.contacts["email"] == plan.contacts.email
    assert not returned.findings


def test_blanking_a_spend_makes_it_incomplete_and_validate_names_the_cell(
    q3: Path, policy: Policy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scheme's Q2 spend left blank: the checklist shows No and validate exits 1 naming that column's first cell."""
    layout = _layout(policy, ReturnKind.QUARTERLY, 3)
    schemes = layout.schemes
    cell = schemes.cell("q2", schemes.data_rows[4])
    broken = _blank(q3, tmp_path / "blank.xlsx", "Spend", cell)
    result = validate(broken, policy)
    assert not result.complete
    assert [item.key for item in result.unmet] == ["scheme:Q2"]
    capsys.readouterr()
    assert main(["validate", "--json", str(broken)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == INCOMPLETE
    errors = [f for f in report["findings"] if f["severity"] == "Error"]
    assert [(f["sheet"], f["cell"]) for f in errors] == [("Spend", schemes.cell("q2", schemes.data_rows[0]))]


def test_text_in_a_spend_cell_is_found_at_its_cell(q3: Path, policy: Policy, tmp_path: Path) -> None:
    """A spend typed as words is a finding at its cell, naming the field and what arrived."""
    layout = _layout(policy, ReturnKind.QUARTERLY, 3)
    cell = layout.schemes.cell("q1", layout.schemes.data_rows[0])
    book = openpyxl.load_workbook(q3)
    book["Spend"][cell].value = "lots"
    book.save(tmp_path / "words.xlsx")
    result = validate(tmp_path / "words.xlsx", policy)
    messages = [(f.where.sheet, f.where.cell, f.message) for f in result.findings if f.code == "READ01"]
    assert messages == [("Spend", cell, 'Spend Q1: must be a number such as 1234.50 or £1,234.50 (got "lots")')]
    assert not result.ok


def test_validate_runs_the_checks_on_actuals_the_return_allows_at_its_cells(
    q3: Path, policy: Policy, tmp_path: Path
) -> None:
    """Validating a return on its own checks its actuals against its own plan columns, each finding at the return's
    cell: a scheme ID repeated (MON03, on the repeating row), a negative spend (MON04), a quarter with no spend
    (MON09, besides the checklist's item); the unexplained No and the unanswered condition stay the checklist's."""
    layout = _layout(policy, ReturnKind.QUARTERLY, 3)
    schemes, conditions = layout.schemes, layout.conditions
    rows = schemes.data_rows
    book = openpyxl.load_workbook(q3)
    spend = book["Spend"]
    spend[schemes.cell("scheme_id", rows[1])].value = spend[schemes.cell("scheme_id", rows[0])].value
    spend[schemes.cell("q1", rows[2])].value = -5
    spend[schemes.cell("q3", rows[3])].value = None
    book[CONDITIONS][conditions.cell("met", conditions.data_rows[0])].value = None
    book.save(tmp_path / "checked.xlsx")
    result = validate(tmp_path / "checked.xlsx", policy)
    found = {(f.code, f.where.sheet, f.where.cell) for f in result.findings if f.code.startswith("MON")}
    assert found == {
        ("MON03", "Spend", schemes.cell("scheme_id", rows[1])),
        ("MON04", "Spend", schemes.cell("q1", rows[2])),
        ("MON09", "Spend", schemes.cell("q3", rows[3])),
        ("MON06", CONDITIONS, conditions.cell("met", conditions.data_rows[2])),
        ("MON08", METRICS, layout.metrics.cell("actual", layout.metrics.data_rows[4])),
    }
    assert not result.ok and "condition:NC1" in [item.key for item in result.unmet]


def test_a_condition_answered_no_without_explanation_is_incomplete(q3: Path, policy: Policy, tmp_path: Path) -> None:
    """NC3 answered No with its explanation removed: the checklist item for NC3 shows No."""
    table = _layout(policy, ReturnKind.QUARTERLY, 3).conditions
    broken = _blank(q3, tmp_path / "nc3.xlsx", CONDITIONS, table.cell("explanation", table.data_rows[2]))
    assert [item.key for item in validate(broken, policy).unmet] == ["condition:NC3"]


def test_text_stays_text(plan: Plan, policy: Policy, tmp_path: Path) -> None:
    """A commentary that starts with '=' is written as text, never as a formula, and reads back unchanged."""
    words = '=HYPERLINK("http://example.com","click")'
    actuals = sample_actuals(3)
    reports = tuple(
        dataclasses.replace(m, challenges=words) if (m.metric_id, m.quarter) == ("AVOID", 3) else m
        for m in actuals.metrics
    )
    path = tmp_path / "text.xlsx"
    write(
        plan,
        dataclasses.replace(actuals, metrics=reports),
        return_year(YEAR),
        ReturnKind.QUARTERLY,
        3,
        policy,
        path,
    )
    table = _layout(policy, ReturnKind.QUARTERLY, 3).metrics
    cell = openpyxl.load_workbook(path)[METRICS][table.cell("challenges", table.data_rows[0])]
    assert (cell.value, cell.data_type) == (words, "s")
    assert read(path, policy).actuals.metric("AVOID", YEAR, 3).challenges == words  # type: ignore[union-attr]


def test_amount_cells_allow_0_to_100_million(q3: Path) -> None:
    """Every quarter's amount cells carry a validation between 0 and 100,000,000."""
    sheet = openpyxl.load_workbook(q3)["Spend"]
    bounds = {(v.formula1, v.formula2) for v in sheet.data_validations.dataValidation}
    assert bounds == {("0", "100000000")}
    assert len(sheet.data_validations.dataValidation) == 6  # income and schemes, Q1 to Q3


@pytest.mark.libreoffice
def test_libreoffice_computes_the_engines_spend_to_date(q3: Path, plan: Plan, policy: Policy, tmp_path: Path) -> None:
    """LibreOffice, forced to recalculate, shows Complete Template, and its spend-to-date totals by funding source,
    scheme type and area of spend, and in all, equal the engine's to the penny."""
    theirs = computed_values(q3, tmp_path / "lo")
    assert theirs[(COVER, STATUS_CELL)] == COMPLETE
    layout = _layout(policy, ReturnKind.QUARTERLY, 3)
    report = monitoring_report(plan, sample_actuals(3), YEAR, 3, policy)
    groups = (
        (layout.by_source, Grouping.SOURCE),
        (layout.by_type, Grouping.SCHEME_TYPE),
        (layout.by_area, Grouping.AREA_OF_SPEND),
    )
    compared = 0
    for table, grouping in groups:
        shown = {theirs.get((table.sheet, table.cell("key", row))): row for row in table.data_rows}
        for total in report.totals_for(grouping):
            row = shown[total.key]
            for key, figure in (
                ("planned", total.figures.planned),
                ("profile", total.figures.profile_to_date),
                ("actual", total.figures.actual_to_date),
                ("variance", total.figures.variance),
            ):
                value = Decimal(repr(theirs[(table.sheet, table.cell(key, row))])).quantize(PENNY)
                assert value == figure, f"{grouping.value} {total.key} {key}"
                compared += 1
    assert compared > 40
    total_row = layout.total_row
    actual = theirs[(layout.by_source.sheet, layout.by_source.cell("actual", total_row))]
    assert Decimal(repr(actual)).quantize(PENNY) == report.total.actual_to_date


@pytest.mark.libreoffice
def test_libreoffice_shows_incomplete_when_an_input_is_blanked(q3: Path, tmp_path: Path) -> None:
    """A required Cover input blanked turns LibreOffice's status cell to Incomplete Template."""
    cell = ReturnLayout.cover_cell(_layout(load_policy(), ReturnKind.QUARTERLY, 3), "email")
    broken = _blank(q3, tmp_path / "no-email.xlsx", COVER, cell)
    assert computed_values(broken, tmp_path / "lo")[(COVER, STATUS_CELL)] == INCOMPLETE


@pytest.mark.libreoffice
def test_cached_values_equal_what_libreoffice_computes(q3: Path, year_end: Path, tmp_path: Path) -> None:
    """Every formula cell of both returns carries a cached value, the value LibreOffice computes for it."""
    for path in (q3, year_end):
        formulas = {
            (s.title, c.coordinate)
            for s in openpyxl.load_workbook(path).worksheets
            for row in s.iter_rows()
            for c in row
            if c.data_type == "f"
        }
        cached = openpyxl.load_workbook(path, data_only=True)
        theirs = computed_values(path, tmp_path / path.stem)
        assert len(formulas) > 500
        for sheet, cell in sorted(formulas):
            ours, lo = cached[sheet][cell].value, theirs.get((sheet, cell), "")
            if isinstance(ours, int | float) and not isinstance(ours, bool):
                assert isinstance(lo, int | float) and abs(ours - lo) < 0.005, f"{sheet}!{cell}: {ours!r} vs {lo!r}"
            else:
                assert ours == lo, f"{sheet}!{cell}: {ours!r} vs {lo!r}"


# --- the end-of-year return ---------------------------------------------------------------------------


def test_year_end_sample_validates(year_end: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sample's end-of-year return passes validate, with its tabs and achievement words."""
    capsys.readouterr()
    assert main(["validate", str(year_end)]) == 0
    assert "End of Year Reporting Template, Year end): Complete Template, 0 errors" in capsys.readouterr().out
    book = openpyxl.load_workbook(year_end, data_only=True)
    assert book.sheetnames == [
        "Guidance",
        "Cover",
        "National Conditions",
        "Metrics",
        "Income and Expenditure",
        SECTION_75,
        "Lists",
    ]


def test_year_end_metrics_carry_the_achievement_words(year_end: Path, plan: Plan, policy: Policy) -> None:
    """Each metric's year-end words are the engine's achievement words."""
    layout = _layout(policy, ReturnKind.YEAR_END, 4)
    table = layout.metrics
    sheet = openpyxl.load_workbook(year_end)[METRICS]
    report = monitoring_report(plan, sample_actuals(), YEAR, 4, policy)
    expected = {m.metric_id: m.achievement.value for m in report.metrics if m.achievement}
    shown = {
        sheet[table.cell("code", row)].value: sheet[table.cell("assessment", row)].value for row in table.data_rows
    }
    assert shown == {code: expected[code] for code in shown}
    assert shown["FALLS"] == Achievement.ACHIEVED.value
    assert shown["REABLE"] == Achievement.NO_DATA.value


@pytest.mark.libreoffice
def test_libreoffice_year_end_statement_equals_the_engine(
    year_end: Path, plan: Plan, policy: Policy, tmp_path: Path
) -> None:
    """LibreOffice shows Complete Template; each pool's contributions, expenditure and difference equal the engine's
    year_end to the penny; the minimums met and the commissioner split match the engine's outturn."""
    theirs = computed_values(year_end, tmp_path / "lo")
    assert theirs[(COVER, STATUS_CELL)] == COMPLETE
    layout = _layout(policy, ReturnKind.YEAR_END, 4)
    report = monitoring_report(plan, sample_actuals(), YEAR, 4, policy)
    table = layout.statement
    rows = {theirs.get((SECTION_75, table.cell("pool_id", row))): row for row in table.data_rows}
    assert report.year_end
    for statement in report.year_end:
        row = rows[statement.pool_id]
        for key, figure in (
            ("contributions", statement.total_contributions),
            ("expenditure", statement.expenditure),
            ("difference", statement.difference),
        ):
            assert Decimal(repr(theirs[(SECTION_75, table.cell(key, row))])).quantize(PENNY) == figure
        assert theirs[(SECTION_75, table.cell("treatment", row))] == statement.treatment.value
    outturn = report.outturn
    assert outturn is not None and outturn.asc_minimum is not None and outturn.ooh_minimum is not None
    lines = layout.minimums
    sheet = lines.sheet
    assert Decimal(repr(theirs[(sheet, lines.cell("asc_actual"))])).quantize(PENNY) == outturn.asc_minimum.planned
    assert Decimal(repr(theirs[(sheet, lines.cell("ooh_actual"))])).quantize(PENNY) == outturn.ooh_minimum.planned
    assert theirs[(sheet, lines.cell("asc_met"))] == ("Yes" if outturn.asc_met else "No")
    assert theirs[(sheet, lines.cell("ooh_met"))] == ("Yes" if outturn.ooh_met else "No")
    by_who = {t.key: t.figures.actual_to_date for t in report.totals_for(Grouping.COMMISSIONER)}
    commissioners = layout.by_commissioner
    for row in commissioners.data_rows:
        who = str(theirs[(sheet, commissioners.cell("key", row))])
        assert Decimal(repr(theirs[(sheet, commissioners.cell("actual", row))])).quantize(PENNY) == by_who[who]


@pytest.mark.libreoffice
def test_libreoffice_year_end_incomplete_when_a_metric_word_is_blanked(
    year_end: Path, policy: Policy, tmp_path: Path
) -> None:
    """A metric's achievement words blanked: LibreOffice shows Incomplete Template and validate names the cell."""
    table = _layout(policy, ReturnKind.YEAR_END, 4).metrics
    cell = table.cell("assessment", table.data_rows[1])
    broken = _blank(year_end, tmp_path / "no-words.xlsx", METRICS, cell)
    assert computed_values(broken, tmp_path / "lo")[(COVER, STATUS_CELL)] == INCOMPLETE
    result = validate(broken, policy)
    assert [(f.where.sheet, f.where.cell) for f in result.findings if f.code == "CHECKLIST"] == [(METRICS, cell)]


# --- round trips ----------------------------------------------------------------------------------------

_TEXT = st.text(alphabet="abcdefghij XYZ0123456789-=.,'", max_size=30).map(str.strip)
_SMALL = amounts(100_000_000)


@st.composite
def _actuals(draw: st.DrawFn, plan: Plan, quarter: int, codes: tuple[str, ...]) -> Actuals:
    def quarters() -> tuple[Decimal | None, ...]:
        return tuple(draw(st.one_of(st.none(), _SMALL)) for _ in range(4))

    schemes = tuple(SchemeSpend(s.scheme_id, YEAR, quarters()) for s in plan.schemes[:: draw(st.integers(1, 9))])  # type: ignore[arg-type]
    income = tuple(IncomeReceived(s.source_id, YEAR, quarters()) for s in plan.sources)  # type: ignore[arg-type]
    metrics = tuple(
        MetricReport(
            code,
            YEAR,
            quarter,
            draw(st.one_of(st.none(), st.integers(0, 10**7).map(lambda n: Decimal(n).scaleb(-3)))),
            draw(_TEXT),
            draw(_TEXT),
            draw(_TEXT),
        )
        for code in codes
        if draw(st.booleans())
    )
    conditions = tuple(
        ConditionStatus(code, YEAR, quarter, draw(st.sampled_from([None, Answer.YES, Answer.NO])), draw(_TEXT))
        for code in ("NC1", "NC2", "NC3", "NC4")
        if draw(st.booleans())
    )
    return Actuals(schemes, income, metrics, conditions)


@pytest.mark.parametrize(("kind", "quarter"), [(ReturnKind.QUARTERLY, 2), (ReturnKind.YEAR_END, 4)])
def test_round_trip_is_lossless(
    kind: ReturnKind, quarter: int, policy: Policy, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Any actuals written into a return read back as exactly the part of them a return holds."""
    plan = _plan()
    codes = tuple(m.code for m in return_year(YEAR).framework.metrics)
    folder = tmp_path_factory.mktemp("round-trip")

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(actuals=_actuals(plan, quarter, codes))
    def round_trip(actuals: Actuals) -> None:
        path = folder / "return.xlsx"
        write(plan, actuals, return_year(YEAR), kind, quarter, policy, path, overwrite=True)
        returned = read(path, policy)
        assert not returned.findings
        # Decimal equality: 5.70 written reads back as 5.7, the same amount
        assert returned.actuals == return_view(plan, actuals, YEAR, quarter, codes)

    round_trip()


def _plan() -> Plan:
    from bcf_xl.sample import sample_plan

    return sample_plan()


# --- bad files get clean refusals ------------------------------------------------------------------------


def test_returns_of_one_year_kind_and_quarter_share_one_layout(q3: Path, policy: Policy) -> None:
    """Two returns of the same year, kind and quarter are read with one layout object (what it works out is worked
    out once for both); another quarter gets its own."""
    layout = read(q3, policy).layout
    assert read(q3, policy).layout is layout
    assert layout.quarter == 3 and _layout(policy, ReturnKind.QUARTERLY, 2) is not layout


def test_a_return_of_another_year_is_refused(q3: Path, policy: Policy) -> None:
    """Asking for another year's return names the file and both years."""
    with pytest.raises(BcfInputError, match=r"is a return for 2023-24, not 2024-25"):
        read(q3, policy, "2024-25")


def test_a_return_without_its_spend_sheet_is_refused(q3: Path, policy: Policy, tmp_path: Path) -> None:
    """A return whose Spend sheet was deleted is refused naming the sheet, in one line (exit 2)."""
    book = openpyxl.load_workbook(q3)
    del book["Spend"]
    book.save(tmp_path / "no-spend.xlsx")
    with pytest.raises(BcfInputError, match="is not a complete BCF return: it has no Spend sheet"):
        read(tmp_path / "no-spend.xlsx", policy)
    assert main(["validate", str(tmp_path / "no-spend.xlsx")]) == 2


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("C3", "2031-32", r"should name the year reported \(.*\) \(got \"2031-32\"\)"),
        ("C6", "Q7", r"should give the reporting period \(Q1, Q2, Q3, Q4\) \(got \"Q7\"\)"),
    ],
)
def test_a_cover_that_names_no_known_return_is_refused(
    q3: Path, policy: Policy, tmp_path: Path, cell: str, value: str, message: str
) -> None:
    """A Cover naming an unknown year or period is refused with the cell, the rule and what arrived."""
    book = openpyxl.load_workbook(q3)
    book[COVER][cell].value = value
    book.save(tmp_path / "odd.xlsx")
    with pytest.raises(BcfInputError, match=message):
        read(tmp_path / "odd.xlsx", policy)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text named .xlsx is refused in one line and exit 2, no traceback."""
    path = tmp_path / "return.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bcf-xl: ") and err.count("\n") == 1 and "Traceback" not in err


def test_the_planning_template_is_not_taken_for_a_return(tmp_path: Path) -> None:
    """is_return tells the planning template (validated as before) from a return."""
    template = tmp_path / "plan.xlsx"
    assert main(["generate", "--sample", "-o", str(template)]) in (0, 1)
    assert not is_return(template)


def test_quarterly_from_a_template_needs_actuals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A filled template (which holds no actuals, unlike a planning workbook) without --actuals is refused naming
    the option, exit 2."""
    template = tmp_path / "plan.xlsx"
    main(["generate", "--sample", "-o", str(template)])
    capsys.readouterr()
    assert main(["quarterly", str(template), "--quarter", "1", "-o", str(tmp_path / "q1.xlsx")]) == 2
    assert "--actuals: is required with a filled template" in capsys.readouterr().err


def test_quarterly_from_a_plan_and_an_actuals_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A filled planning template with an actuals TOML file gives the same return as the sample."""
    template = tmp_path / "plan.xlsx"
    main(["generate", "--sample", "-o", str(template)])
    toml = tmp_path / "actuals.toml"
    toml.write_text(
        '[[income]]\nsource_id = "NHS1"\nyear = "2023-24"\nreceived = [7707500.00, "", "", ""]\n', encoding="utf-8"
    )
    out = tmp_path / "q1.xlsx"
    assert main(["quarterly", str(template), "--actuals", str(toml), "--quarter", "1", "-o", str(out)]) == 1
    returned = read(out, _policy())
    assert returned.actuals.received("NHS1", YEAR).received[0] == Decimal("7707500")  # type: ignore[union-attr]
    bad = tmp_path / "bad.toml"
    bad.write_text("income = [", encoding="utf-8")
    capsys.readouterr()
    assert main(["quarterly", str(template), "--actuals", str(bad), "--quarter", "1", "-o", str(out), "--force"]) == 2
    assert "bad.toml" in capsys.readouterr().err


def _policy() -> Policy:
    from bcf_xl.policy import load_policy

    return load_policy()


def test_cover_inputs_are_the_returns() -> None:
    """The Cover asks for the area, the contact details and who signs the return off."""
    assert COVER_INPUTS == ("area", "completed_by", "job_title", "email", "telephone", "signed_off_by")


def test_a_cell_text_beyond_the_limit_is_refused_with_its_cell(
    q3: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A return read as the planning template is: a commentary of 20,001 characters is refused at its cell, exit 2."""
    table = _layout(load_policy(), ReturnKind.QUARTERLY, 3).metrics
    cell = table.cell("challenges", table.data_rows[0])
    book = openpyxl.load_workbook(q3)
    book[METRICS][cell].value = "x" * 20_001
    book.save(tmp_path / "long.xlsx")
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "long.xlsx")]) == 2
    assert f"'Metrics'!{cell}: holds 20,001 characters of text" in capsys.readouterr().err


def test_a_year_the_plan_does_not_have_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--year naming a year outside the plan is refused in one line naming the year, exit 2, no file written."""
    out = tmp_path / "ye.xlsx"
    capsys.readouterr()
    assert main(["year-end", "--sample", "--year", "2025-26", "-o", str(out)]) == 2
    assert "2025-26" in capsys.readouterr().err
    assert not out.exists()
