"""The NHS England planning template: built from a plan, read back, validated, and opened in LibreOffice."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tempfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bcf_xl import cli
from bcf_xl.checks import run_checks
from bcf_xl.errors import BcfInputError
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import AreaOfSpend, Plan, SourceKind
from bcf_xl.policy import Policy, load_policy
from bcf_xl.pooling import Dimension, totals_by
from bcf_xl.sample import sample_plan, sample_plan_for
from bcf_xl.submission import checklist
from bcf_xl.submission.builder import build, list_ranges, lists_for, write
from bcf_xl.submission.definition import COVER_INPUTS, YEAR_2023_25, YEAR_2025_26, TemplateYear
from bcf_xl.submission.layout import (
    COMPLETE,
    COVER,
    EXPENDITURE,
    GUIDANCE,
    GUIDANCE_FIRST_ROW,
    INCOME,
    INCOMPLETE,
    STATUS_CELL,
    SUMMARY,
    TEMPLATE_YEAR_CELL,
    TITLE_CELL,
    Layout,
    block,
    cells,
)
from bcf_xl.submission.reader import read, submission_view
from bcf_xl.submission.validator import validate
from tests.libreoffice import computed_values_each, convert
from tests.plans import balanced_plan, plans

POLICY = load_policy()
LAYOUT_2023 = Layout(YEAR_2023_25, 100)
SAMPLE_2025 = sample_plan_for(YEAR_2025_26.plan_years)

# The tests that have LibreOffice recalculate a file share one LibreOffice run (a start takes seconds): the
# fixture ``recalculated`` builds every file they open, each as its test describes, and has LibreOffice recalculate
# them all at once; each test asserts on its own file and the values LibreOffice computed for it.

Recalculated = dict[str, tuple[Path, dict[tuple[str, str], object]]]


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, POLICY, path)
    return path


# --- round trip ------------------------------------------------------------------------------------


def test_sample_round_trip(sample_file: Path) -> None:
    """Reading the generated sample gives back exactly the part of the plan a template holds."""
    submission = read(sample_file, POLICY)
    assert submission.findings == ()
    assert submission.plan == submission_view(sample_plan(), YEAR_2023_25, POLICY)
    assert len(submission.plan.schemes) == 45
    assert submission.plan.asc_minimum is not None
    assert submission.plan.asc_minimum.agreed == (None, D("12559541.00"))


@pytest.mark.parametrize("year", [YEAR_2025_26, YEAR_2023_25], ids=lambda y: y.name)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_plans_round_trip(year: TemplateYear, data: st.DataObject) -> None:
    """For any plan that fits a template year, generate then read gives back the submission view of the plan."""
    plan = data.draw(plans(year))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsx"
        write(plan, year, POLICY, path)
        submission = read(path, POLICY)
    assert submission.findings == ()
    assert submission.plan == submission_view(plan, year, POLICY)


# --- what the workbook holds -----------------------------------------------------------------------


def test_no_cell_calls_a_bcf_function(sample_file: Path) -> None:
    """Summary and checklist use native Excel functions only: NHS England has no add-in."""
    book = openpyxl.load_workbook(sample_file)
    formulas = [
        c.value
        for s in book.worksheets
        for row in s.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert len(formulas) > 300
    assert not [f for f in formulas if re.search(r"bcf_", f, re.IGNORECASE)]


FORMULA_NAME = '=HYPERLINK("http://example.com","x")'


def _formula_named_scheme(folder: Path) -> Path:
    """The sample template with its first scheme named like a formula."""
    plan = sample_plan()
    plan = dataclasses.replace(
        plan, schemes=(dataclasses.replace(plan.schemes[0], name=FORMULA_NAME), *plan.schemes[1:])
    )
    path = folder / "text.xlsx"
    write(plan, YEAR_2023_25, POLICY, path)
    return path


@pytest.mark.libreoffice
def test_formula_looking_text_stays_text(recalculated: Recalculated) -> None:
    """A scheme named like a formula is written as text; LibreOffice shows the words, not a link."""
    path, values = recalculated["formula text"]
    cell = openpyxl.load_workbook(path)[EXPENDITURE]["B4"]
    assert (cell.value, cell.data_type) == (FORMULA_NAME, "s")
    assert values[(EXPENDITURE, "B4")] == FORMULA_NAME
    assert read(path, POLICY).plan.schemes[0].name == FORMULA_NAME


def test_inputs_unlocked_and_sheets_protected(sample_file: Path) -> None:
    """Yellow inputs are unlocked, grey and computed cells locked, every sheet protected without a password."""
    book = openpyxl.load_workbook(sample_file)
    for sheet in book.worksheets:
        assert sheet.protection.sheet
        assert not sheet.protection.password
    cover = book[COVER]
    area = LAYOUT_2023.cover_cell("area")
    assert cover[area].protection.locked is False
    assert cover[area].fill.fgColor.rgb.endswith("FFFF99")
    assert cover[TEMPLATE_YEAR_CELL].protection.locked is True
    assert cover[TEMPLATE_YEAR_CELL].fill.fgColor.rgb.endswith("D9D9D9")
    expenditure = book[EXPENDITURE]  # far wider than a page: printed across pages, its IDs and names on each
    assert (expenditure.page_setup.scale, expenditure.print_title_cols) == (75, "$A:$B")
    assert not expenditure.sheet_properties.pageSetUpPr.fitToPage
    assert book["Lists"].sheet_state == "hidden"


def test_other_plan_years_are_refused() -> None:
    """The 2025-26 template cannot hold a 2023-24 and 2024-25 plan."""
    with pytest.raises(BcfInputError, match="the 2025-26 template is for 2025-26"):
        build(sample_plan(), YEAR_2025_26, POLICY)


# --- LibreOffice computes the template -------------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> Recalculated:
    """Each test's file, by name, with every cell value LibreOffice computes for it."""
    folder = tmp_path_factory.mktemp("recalculated")
    sample = folder / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, POLICY, sample)
    files = {"sample": sample, "formula text": _formula_named_scheme(folder), "stale": _stale_value(folder)}
    for number, (name, (plan, year)) in enumerate(TOTALS.items()):
        files[f"totals {name}"] = folder / f"plan{number}.xlsx"
        write(plan, year, POLICY, files[f"totals {name}"])
    for number, (sheet, cell, value, *_) in enumerate(EDITS):
        files[_edit_name(sheet, cell, value)] = _edited(sample, folder / f"edited{number}.xlsx", sheet, cell, value)
    for name, (plan, year, blank) in BLANKED.items():
        files[f"blanked {name}"] = _blanked(plan, year, blank, folder / f"blanked {name}.xlsx")
    files["unbalanced"] = _unbalanced(sample, folder / "unbalanced.xlsx")
    values = computed_values_each(list(files.values()), folder / "lo")
    return {name: (path, values[path]) for name, path in files.items()}


def _engine_summary(plan: Plan, year: TemplateYear, policy: Policy) -> dict[str, list[D]]:
    """What each Summary line must read, worked out by the engine (not by the template's formulas)."""
    expected: dict[str, list[D]] = {}
    asc, ooh = asc_minimum(plan, policy), ooh_minimum(plan)
    for i, y in enumerate(plan.years):

        def put(key: str, value: D) -> None:
            expected.setdefault(key, []).append(value)

        for kind, label in year.income_lines:
            put(f"income:{label}", sum((s.amounts[i] for s in plan.sources if year.line_kind(s.kind) is kind), D(0)))
        put("income", plan.income(y))
        by_area = {line.key: line.amount for line in totals_by(plan, Dimension.AREA_OF_SPEND, y)}
        for area in AreaOfSpend:
            put(f"spend:{area.value}", by_area.get(area.value, D(0)))
        put("spend", plan.expenditure(y))
        put("balance", plan.income(y) - plan.expenditure(y))
        by_commissioner = {line.key: line.amount for line in totals_by(plan, Dimension.COMMISSIONER, y)}
        put("nhs", by_commissioner["NHS"])
        put("la", by_commissioner["Local Authority"])
        put("asc_required", asc[i].required)
        put("asc_planned", asc[i].planned)
        put("asc_under", asc[i].under_spend)
        if ooh:  # a plan with no out-of-hospital minimum has nothing to compare its planned spend with
            put("ooh_required", ooh[i].required)
            put("ooh_planned", ooh[i].planned)
            put("ooh_under", ooh[i].under_spend)
        dfg = plan.dfg[i]
        put("dfg_available", dfg.received + sum(dfg.top_ups, D(0)))
        put("dfg_allocated", sum((d.dfg_allocation[i] for d in plan.area.districts), D(0)))
        put("dfg_retained", sum((r.amount for r in dfg.retentions), D(0)))
        put("dfg_passported", expected["dfg_allocated"][i] + sum(dfg.top_ups, D(0)) - expected["dfg_retained"][i])
    return expected


TOTALS = {
    "sample 2023-25": (sample_plan(), YEAR_2023_25),
    "sample 2025-26": (SAMPLE_2025, YEAR_2025_26),
    "balanced 2025-26": (balanced_plan(YEAR_2025_26), YEAR_2025_26),
    "balanced 2023-25": (balanced_plan(YEAR_2023_25), YEAR_2023_25),
}


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", TOTALS)
def test_libreoffice_shows_complete_template_and_engine_totals(name: str, recalculated: Recalculated) -> None:
    """LibreOffice computes 'Complete Template' in the status cell under the Cover's title, every checker Yes,
    every Summary line equal to the engine and every Summary difference zero."""
    plan, year = TOTALS[name]
    path, values = recalculated[f"totals {name}"]
    assert values[(COVER, TITLE_CELL)] == year.title
    assert values[(COVER, STATUS_CELL)] == COMPLETE
    layout = Layout(year, 100)
    assert not [d for d in checklist.differences(layout) if values.get((SUMMARY, d.cell), 0) != 0]
    for key, amounts in _engine_summary(plan, year, POLICY).items():
        for index, amount in enumerate(amounts):
            got = values.get((SUMMARY, layout.summary_cell(key, index)), 0)
            assert D(repr(float(got))).quantize(D("0.01")) == amount, f"{key} {year.plan_years[index]}"
    assert validate(path, POLICY).complete


def _red_items(values: dict[tuple[str, str], object], layout: Layout = LAYOUT_2023) -> list[str]:
    """Descriptions of the Cover's checklist rows LibreOffice shows as No (sheet-completed rows excluded)."""
    table = layout.checklist
    column = {key: table.columns[key] for key in ("sheet", "item", "complete")}
    return sorted(
        str(values[(COVER, f"{column['item']}{row}")])
        for (sheet, cell), value in values.items()
        if sheet == COVER
        and cell.startswith(column["complete"])
        and value == "No"
        and (row := int(cell[len(column["complete"]) :])) > table.header_row
        and (COVER, f"{column['sheet']}{row}") in values
    )


def _shown_differences(values: dict[tuple[str, str], object], layout: Layout = LAYOUT_2023) -> list[str]:
    """The Summary differences LibreOffice shows as not zero, as 'key year'."""
    return sorted(f"{d.key} {d.year}" for d in checklist.differences(layout) if values.get((SUMMARY, d.cell), 0) != 0)


EDITS: list[tuple[str, str, object, list[str], list[str]]] = [
    (COVER, LAYOUT_2023.cover_cell("email"), None, ["E-mail is an e-mail address"], []),
    (COVER, LAYOUT_2023.cover_cell("area"), "   ", ["Health and Wellbeing Board is filled in"], []),
    (
        EXPENDITURE,
        "K5",
        "lots",  # S002 is £4.12m of NHS-funded social care: without it the ASC minimum is missed too
        ["Every scheme has its 2023-24 expenditure, from £0 to £1,000,000,000"],
        ["asc_under 2023-24", "balance 2023-24"],
    ),
    (
        EXPENDITURE,
        "F6",
        "Hospital",
        [
            "Scheme type, sub type, area of spend, commissioner, provider and "
            "New/Existing come from the lists, and each source of funding is an "
            "income line"
        ],
        [],
    ),
    (EXPENDITURE, "A6", "S001", [], ["repeated_ids 2023-24"]),
    (INCOME, "E31", 4200000.01, [], ["dfg_unallocated 2023-24", "dfg_unmatched 2023-24"]),
    ("Planning Requirements", "C5", "No", [], []),
    ("Planning Requirements", "C5", "Maybe", ["NC2 answered Yes, or No with an explanation"], []),
]


def _edit_name(sheet: str, cell: str, value: object) -> str:
    return f"{sheet}!{cell} = {value!r}"


def _edited(sample: Path, target: Path, sheet: str, cell: str, value: object) -> Path:
    """The sample template with one cell changed to ``value``."""
    book = openpyxl.load_workbook(sample)
    book[sheet][cell].value = value
    book.save(target)
    return target


@pytest.mark.libreoffice
@pytest.mark.parametrize(("sheet", "cell", "value", "red", "differences"), EDITS)
def test_libreoffice_and_validator_agree_on_red_items_and_differences(
    recalculated: Recalculated, sheet: str, cell: str, value: object, red: list[str], differences: list[str]
) -> None:
    """After one edit, LibreOffice shows 'Incomplete Template' with exactly the red items the validator reports (a
    required field), or 'Complete Template' with the Summary differences the validator reports (a business rule)."""
    edited, values = recalculated[_edit_name(sheet, cell, value)]
    assert values[(COVER, STATUS_CELL)] == (INCOMPLETE if red else COMPLETE)
    assert _red_items(values) == sorted(red)
    assert _shown_differences(values) == differences
    result = validate(edited, POLICY)
    assert sorted(item.description for item in result.unmet) == sorted(red)
    assert sorted(f"{d.key} {d.year}" for d in result.differences) == differences
    assert result.ok is (not red and not differences)


BLANKED = {
    "2023-25": (sample_plan(), YEAR_2023_25, "signed_off_by"),
    "2025-26": (SAMPLE_2025, YEAR_2025_26, "section151"),
}


def _blanked(plan: Plan, year: TemplateYear, blank: str, path: Path) -> Path:
    """The plan's template with the Cover input ``blank`` emptied."""
    write(plan, year, POLICY, path)
    book = openpyxl.load_workbook(path)
    book[COVER][Layout(year, 100).cover_cell(blank)].value = None
    book.save(path)
    return path


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", BLANKED)
def test_blanking_a_required_cover_input_makes_the_template_incomplete(name: str, recalculated: Recalculated) -> None:
    """A sample template with one required Cover input blanked shows 'Incomplete Template' under the Cover's title
    when LibreOffice recalculates it, with that input's checker red."""
    _, year, blank = BLANKED[name]
    layout = Layout(year, 100)
    _, values = recalculated[f"blanked {name}"]
    assert values[(COVER, STATUS_CELL)] == INCOMPLETE
    assert _red_items(values, layout) == [f"{COVER_INPUTS[blank]} is filled in"]


def _unbalanced(sample: Path, target: Path) -> Path:
    """The sample template with its first income line £1,000 more than expenditure."""
    book = openpyxl.load_workbook(sample)
    cell = LAYOUT_2023.income.cell("amount1", LAYOUT_2023.income_rows[0])
    book[INCOME][cell].value = book[INCOME][cell].value + 1000
    book.save(target)
    return target


@pytest.mark.libreoffice
def test_unbalanced_plan_is_complete_but_fails_validation(
    recalculated: Recalculated, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plan whose income and expenditure differ has every required field filled in, so LibreOffice shows
    'Complete Template'; the Summary shows the difference and `bcf-xl validate` exits 1 naming it."""
    edited, values = recalculated["unbalanced"]
    assert values[(COVER, STATUS_CELL)] == COMPLETE
    balance = LAYOUT_2023.summary_cell("balance", 0)
    assert values[(SUMMARY, balance)] == pytest.approx(1000)
    assert cli.main(["validate", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "unbalanced.xlsx (Better Care Fund 2023-25 Template): Complete Template" in out
    assert (
        f"Error SUMMARY 'Summary'!{balance}: Summary shows a difference: Income less expenditure, 2023-24, "
        "must be 0 (got £1,000.00)"
    ) in out


@pytest.mark.libreoffice
def test_pdf_of_every_tab(sample_file: Path, tmp_path: Path) -> None:
    """A PDF of the generated file has every visible tab on A4 landscape pages, each a page wide but Expenditure."""
    pdf = convert(sample_file, tmp_path / "pdf", "pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    boxes = {tuple(round(float(x)) for x in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    # Guidance, Cover (its checklist included), Summary, Metrics and Planning Requirements fit one page each; Income
    # runs a page wide and as long as it needs: one page for the sample. The 100-row Expenditure prints at 75%
    # across pages, its IDs and names on each: 16 pages for the sample.
    assert pages == 6 + 16, pages
    assert boxes == {(0, 0, 842, 595)}


# --- the validator ---------------------------------------------------------------------------------


def test_validator_reports_every_problem_with_sheet_and_cell(sample_file: Path, tmp_path: Path) -> None:
    """Text in an amount, an unknown list value, a blank required field and a duplicate ID: all in one run."""
    book = openpyxl.load_workbook(sample_file)
    sheet = book[EXPENDITURE]
    sheet["K5"] = "twelve"
    sheet["F6"] = "Hospital"
    sheet["B7"] = None
    sheet["A8"] = "S001"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    result = validate(edited, POLICY)
    assert not result.ok
    located = {(f.where.sheet, f.where.cell, f.code) for f in result.findings}
    assert (EXPENDITURE, "K5", "READ01") in located
    assert (EXPENDITURE, "F6", "READ01") in located
    assert (EXPENDITURE, "B7", "READ01") in located
    assert (SUMMARY, LAYOUT_2023.summary_cell("repeated_ids", 0), "SUMMARY") in located  # a Summary difference
    messages = [f.message for f in result.findings]
    assert 'Expenditure 2023-24: must be a number such as 1234.50 or £1,234.50 (got "twelve")' in messages
    assert any(
        m.startswith("Area of Spend: must be one of Social Care,") and m.endswith('(got "Hospital")') for m in messages
    )
    assert any(f.code == "BCF01" and f.where.cell == "A8" for f in result.findings)
    # The plan was still built from what could be read, so every other check ran on it too.
    assert (SUMMARY, LAYOUT_2023.summary_cell("asc_under", 1), "BCF08") in located


def test_validator_places_a_repeated_source_id_on_its_own_row(sample_file: Path, tmp_path: Path) -> None:
    """A Source ID repeated on Income is BCF15 at the repeat's cell, with a text amount reported at its own cell."""
    book = openpyxl.load_workbook(sample_file)
    income = book[INCOME]
    first = income["A4"].value
    income["A5"] = first
    book[EXPENDITURE]["L9"] = "lots"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    result = validate(edited, POLICY)
    located = {(f.where.sheet, f.where.cell, f.code): f for f in result.findings}
    duplicate = located[(INCOME, "A5", "BCF15")]
    assert duplicate.target.ident == first and duplicate.target.occurrence == 1
    assert located[(EXPENDITURE, "L9", "READ01")].message.endswith('(got "lots")')
    assert (SUMMARY, LAYOUT_2023.summary_cell("asc_under", 1), "BCF08") in located


def test_validate_cli_and_json(sample_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate exits 0 for the complete sample; --json gives the same findings for other tools."""
    assert cli.main(["validate", str(sample_file)]) == 0
    assert "Complete Template, 0 errors, 1 warning, 0 notes" in capsys.readouterr().out
    assert cli.main(["validate", str(sample_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "Complete Template"
    assert report["ok"] is True
    asc_under = LAYOUT_2023.summary_cell("asc_under", 1)
    assert [(f["code"], f["sheet"], f["cell"]) for f in report["findings"]] == [("BCF08", "Summary", asc_under)]


def test_validate_cli_fails_an_incomplete_template(
    sample_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An incomplete template exits 1 and names the red item's cell."""
    book = openpyxl.load_workbook(sample_file)
    email = LAYOUT_2023.cover_cell("email")
    book[COVER][email] = None
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    assert cli.main(["validate", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "Incomplete Template" in out
    assert f"Error CHECKLIST 'Cover'!{email}: checklist shows No: E-mail is an e-mail address" in out


def test_generate_cli_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """generate writes a new file, refuses an existing one without --force, and the input is never touched."""
    out = tmp_path / "sub.xlsx"
    assert cli.main(["generate", "--sample", "-o", str(out)]) == 0
    assert "Complete Template" in capsys.readouterr().out
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    assert cli.main(["generate", "--sample", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    again = tmp_path / "again.xlsx"
    assert cli.main(["generate", str(out), "-o", str(again)]) == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert read(again, POLICY).plan == read(out, POLICY).plan


def test_read_cli(sample_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """read prints the plan's summary from the template."""
    assert cli.main(["read", str(sample_file)]) == 0
    out = capsys.readouterr().out
    assert "Total income" in out and "£61,410,123.45" in out
    assert "Read sample.xlsx (Better Care Fund 2023-25 Template): 0 errors" in out


# --- bad files -------------------------------------------------------------------------------------


def _zip_bomb(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "<w/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (30 * 2**20))


def _earlier_template(path: Path, sample: Path) -> None:
    """A template as earlier versions wrote it: the checklist on its own tab, the template year lower on the Cover."""
    book = openpyxl.load_workbook(sample)
    book.create_sheet("Checklist")
    book[COVER][TEMPLATE_YEAR_CELL] = None
    book.save(path)


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda p, s: p.write_bytes(s.read_bytes()[:3000]), [], "is damaged or truncated"),
        (lambda p, s: p.write_bytes(s.read_bytes()), ["--year", "2025-26"], "is the 2023-25 template, not the 2025-26"),
        (lambda p, s: p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(512)), [], "is password-protected"),
        (lambda p, s: _zip_bomb(p), [], "unpacks far beyond its size"),
        (lambda p, s: p.write_text("Scheme ID,Scheme Name\nS1,Reablement\n"), [], "is not an Excel workbook"),
        (lambda p, s: openpyxl.Workbook().save(p), [], "is not a BCF planning template: it has no Guidance, Cover"),
        (_earlier_template, [], "is a template made by an earlier bcf-xl, with the checklist on a tab of its own"),
    ],
    ids=["truncated", "other year", "password", "zip bomb", "not a workbook", "another workbook", "earlier"],
)
def test_bad_files_get_one_clear_message(
    sample_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, args: list[str], message: str
) -> None:
    """Each kind of broken file gets one line naming the file and what is wrong, exit 2, no traceback."""
    bad = tmp_path / "plan.xlsx"
    make(bad, sample_file)  # type: ignore[operator]
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    for command in ("validate", "read"):
        assert cli.main([command, str(bad), *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"bcf-xl: 'plan.xlsx': {message}"), err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before


def test_control_characters_are_refused(tmp_path: Path) -> None:
    """Text a workbook cannot store is refused with the cell named, not written half-way."""
    plan = sample_plan()
    plan = dataclasses.replace(
        plan, schemes=(dataclasses.replace(plan.schemes[0], name="bad\x01name"), *plan.schemes[1:])
    )
    with pytest.raises(BcfInputError, match=r"'Expenditure'!B4: contains a control character"):
        write(plan, YEAR_2023_25, POLICY, tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


def test_checklist_items_cover_every_input_sheet() -> None:
    """The checklist has items on every input sheet, each linking to a cell; the Summary has none (its business
    rules are differences)."""
    layout = Layout(YEAR_2025_26, 100)
    lists = lists_for(POLICY, YEAR_2025_26)
    items = checklist.items(layout, lists, list_ranges(lists))
    assert {item.sheet for item in items} == {"Cover", "Income", "Expenditure", "Metrics", "National Conditions"}
    assert len({item.key for item in items}) == len(items)
    assert all(re.match(r"^'?[A-Za-z ]+'?![A-Z]+\d+$", item.link) for item in items)
    assert SourceKind.DISCHARGE_ICB not in dict(YEAR_2025_26.income_lines)


# --- cached values ---------------------------------------------------------------------------------


def _stale_value(folder: Path) -> Path:
    """A workbook whose formula =A1*2 (40) stores the value 999."""
    from bcf_xl.submission.builder import store_cached_values

    book = openpyxl.Workbook()
    book.active.title = "S"
    book["S"]["A1"] = 20
    book["S"]["A2"] = "=A1*2"
    path = folder / "stale.xlsx"
    book.save(path)
    store_cached_values(path, {("S", "A2"): 999})
    return path


@pytest.mark.libreoffice
def test_libreoffice_harness_recalculates_stale_values(recalculated: Recalculated) -> None:
    """The test profile makes LibreOffice recompute a formula whose stored value is wrong (else tests prove nothing)."""
    path, values = recalculated["stale"]
    assert openpyxl.load_workbook(path, data_only=True)["S"]["A2"].value == 999
    assert values[("S", "A2")] == 40


@pytest.mark.libreoffice
def test_cached_values_equal_what_libreoffice_computes(recalculated: Recalculated) -> None:
    """Every formula cell carries a cached value, and it is the value LibreOffice computes for it."""
    sample_file, theirs = recalculated["sample"]
    formulas = {
        (s.title, c.coordinate)
        for s in openpyxl.load_workbook(sample_file).worksheets
        for row in s.iter_rows()
        for c in row
        if c.data_type == "f"
    }
    cached = openpyxl.load_workbook(sample_file, data_only=True)
    assert len(formulas) > 300
    for sheet, cell in sorted(formulas):
        ours = cached[sheet][cell].value
        lo = theirs.get((sheet, cell), "")
        if ours is None:  # an empty text result reads back as a blank
            assert lo == "", f"{sheet}!{cell} has no cached value (LibreOffice: {lo!r})"
            continue
        if isinstance(ours, int | float) and not isinstance(ours, bool):
            assert isinstance(lo, int | float) and abs(ours - lo) < 0.005, f"{sheet}!{cell}: {ours!r} vs {lo!r}"
        else:
            assert ours == lo, f"{sheet}!{cell}: {ours!r} vs {lo!r}"


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_pandas_reads_the_numbers(sample_file: Path, engine: str) -> None:
    """A reader of cached values (pandas, with either of its engines) sees the Cover's status and the Summary
    totals, not blanks."""
    import pandas as pd

    sheets = pd.read_excel(sample_file, sheet_name=None, header=None, engine=engine)
    assert sheets["Cover"].iloc[1, 0] == COMPLETE  # the status cell, under the title
    summary = sheets["Summary"].set_index(0)
    assert summary.loc["Total income", 1] == pytest.approx(61410123.45)
    assert summary.loc["Commissioned by the NHS", 2] == pytest.approx(27159810.30)


# --- whatever an officer types into the template ---------------------------------------------------

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
            "=1+1",
            "£1,234.50",
            "(12)",
            "abc",
            "Yes",
            "No",
            "Joint",
            "ICB",
            "Two-tier",
            "Unitary",
            "iBCF",
            "Social Care",
            "-0",
            "1e5",
        ]
    ),
    st.text(max_size=10),
    st.datetimes(),
)


@pytest.fixture(scope="module")
def sample_template_values(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], object]]:
    from bcf_xl.submission.reader import load_values

    path = tmp_path_factory.mktemp("template") / "sample.xlsx"
    write(sample_plan(), YEAR_2023_25, POLICY, path)
    return path, load_values(path)[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_typing_in_the_template_gives_findings_not_a_crash(
    sample_template_values: tuple[Path, dict[tuple[str, str], object]], data: st.DataObject
) -> None:
    """Whatever lands in the template's yellow cells, reading, the checklist and the checks give findings."""
    from bcf_xl.submission.reader import read_values

    path, original = sample_template_values
    values = dict(original)
    layout = Layout(YEAR_2023_25, 100)
    inputs = [(COVER, layout.cover_cell(key)) for key in YEAR_2023_25.cover_inputs]
    inputs += [("Income", f"{c}{r}") for r in layout.income_rows[:10] for c in "ABCDEF"]
    inputs += [
        (EXPENDITURE, f"{c}{r}")
        for r in layout.scheme_rows_range[:10]
        for c in list(layout.scheme_columns.values())[:16]
    ]
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        values[data.draw(st.sampled_from(inputs))] = data.draw(ODD_VALUES)
    submission = read_values(path, values, layout, POLICY)
    lists = lists_for(POLICY, YEAR_2023_25)
    for item in checklist.items(layout, lists, list_ranges(lists)):
        item.holds(values)
    if submission.plan is not None:
        run_checks(submission.plan, POLICY)
    assert all("\n" not in f.message for f in submission.findings)


# --- every position from the layout ------------------------------------------------------------------


def test_layout_references_name_the_declared_cells() -> None:
    """A table's cells for a validation are bare ("D16:D23"); a block for a formula is absolute, with its sheet
    quoted when its name has a space."""
    layout = Layout(YEAR_2023_25, 100)
    assert cells(layout.partners, "kind") == "D16:D23"
    assert cells(layout.income, "amount1", "amount2") == "E4:F23"
    assert layout.income_lookup == block(layout.income, "source_id", "kind") == "Income!$A$4:$B$23"
    assert block(layout.conditions, "code", "met") == "'Planning Requirements'!$A$4:$C$7"
    assert layout.scheme_rows_reference == f"{EXPENDITURE}!$A$4:${layout.expenditure.last_column}$103"


def test_the_summary_lines_are_the_summary_tables_rows() -> None:
    """Each Summary line's label and amounts sit on one row of the Summary table, the last line on its last row."""
    for year in (YEAR_2023_25, YEAR_2025_26):
        layout = Layout(year, 100)
        table, rows = layout.summary, layout.summary_rows
        assert set(rows.values()) <= set(table.data_rows) and max(rows.values()) == table.data_rows[-1]
        assert layout.summary_cell("balance", len(year.plan_years) - 1) == table.cell(
            f"amount{len(year.plan_years)}", rows["balance"]
        )


def test_the_built_template_follows_its_layout(sample_file: Path) -> None:
    """The builder writes where the layout says: the Cover's labels beside their values, each Summary label,
    the status cell under the Cover's title, the checklist inside the Cover, and each sheet's frozen panes and
    column widths."""
    book = openpyxl.load_workbook(sample_file)
    layout = Layout(YEAR_2023_25, 100)
    cover = book[COVER]
    assert cover[layout.cover_label("template_year")].value == "Template"
    assert cover[TEMPLATE_YEAR_CELL].value == YEAR_2023_25.name
    for key in YEAR_2023_25.cover_inputs:
        assert cover[layout.cover_label(key)].value == COVER_INPUTS[key]
        assert cover[layout.cover_label(key)].row == cover[layout.cover_cell(key)].row
    assert book[SUMMARY][layout.summary.cell("line", layout.summary_rows["balance"])].value == "Income less expenditure"
    assert cover[TITLE_CELL].value == "Better Care Fund 2023-25 Template"
    assert cover[STATUS_CELL].value.startswith("=IF(COUNTIF(")
    assert cover[layout.checklist.cell("item", layout.checklist.header_row)].value == "Required item"
    for sheet, cell in layout.freeze.items():
        assert book[sheet].freeze_panes == cell
    for sheet, widths in layout.widths.items():
        assert {letter: book[sheet].column_dimensions[letter].width for letter in widths} == widths


# --- the templates as published ----------------------------------------------------------------------


def _texts(path: Path) -> list[str]:
    """Every text a workbook file holds: each cell value and formula, and every string in its XML parts."""
    import zipfile

    book = openpyxl.load_workbook(path)
    found = [str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value is not None]
    with zipfile.ZipFile(path) as archive:
        found += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return found


def test_generate_sample_2025_26_has_national_conditions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`generate --sample --year 2025-26` writes a complete template with a "National Conditions" tab and no
    "Planning Requirements" tab: NC1-NC4 under their official names, each an assurance statement with Yes/No and
    an explanation."""
    out = tmp_path / "2025.xlsx"
    assert cli.main(["generate", "--sample", "--year", "2025-26", "-o", str(out)]) == 0
    assert "(Better Care Fund 2025-26 Template): Complete Template, 0 errors" in capsys.readouterr().out
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "Guidance",
        "Cover",
        "Summary",
        "Income",
        "Expenditure",
        "Metrics",
        "National Conditions",
        "Lists",
    ]
    sheet = book["National Conditions"]
    layout = Layout(YEAR_2025_26, 100)
    table = layout.conditions
    headers = [sheet[table.cell(field.key, table.header_row)].value for field in table.fields]
    assert headers == ["Code", "National condition", "Assurance statement", "Assurance confirmed? (Yes/No)",
                       "Explanation (required if No)"]  # fmt: skip
    rows = [[sheet[table.cell(key, row)].value for key in ("code", "text", "met")] for row in layout.condition_rows]
    assert rows == [
        ["NC1", "Plans to be jointly agreed", "Yes"],
        ["NC2", "Implementing the objectives of the BCF", "Yes"],
        [
            "NC3",
            "Complying with grant and funding conditions, including maintaining the NHS minimum contribution to "
            "adult social care",
            "Yes",
        ],
        ["NC4", "Complying with oversight and support processes", "Yes"],
    ]
    assert all(sheet[table.cell("statement", row)].value for row in layout.condition_rows)


def test_2023_25_template_has_no_winter_pressures_line(sample_file: Path) -> None:
    """The 2023-25 template has no Winter Pressures text anywhere (the grant was merged into the iBCF in 2020-21):
    the sample's Winter Pressures source is written, and read back, in the iBCF line."""
    assert not [text for text in _texts(sample_file) if "winter pressures" in text.casefold()]
    assert all("winter" not in label.casefold() for label in YEAR_2023_25.labels)
    income = openpyxl.load_workbook(sample_file)[INCOME]
    rows = {income[LAYOUT_2023.income.cell("source_id", row)].value: row for row in LAYOUT_2023.income_rows}
    assert income[LAYOUT_2023.income.cell("kind", rows["WPG"])].value == "iBCF"
    read_back = read(sample_file, POLICY).plan
    assert read_back is not None
    assert {s.source_id: s.kind for s in read_back.sources}["WPG"] is SourceKind.IBCF


def test_sample_2025_26_round_trip_with_sign_off_by_role(tmp_path: Path) -> None:
    """The 2025-26 sample is read back as written: the contacts by role, the HWB sign-off answer and each
    partner's chief executive included."""
    path = tmp_path / "2025.xlsx"
    write(SAMPLE_2025, YEAR_2025_26, POLICY, path)
    submission = read(path, POLICY)
    assert submission.findings == ()
    assert submission.plan == submission_view(SAMPLE_2025, YEAR_2025_26, POLICY)
    plan = submission.plan
    assert plan is not None
    assert plan.contacts.section151.startswith("Robert Quayle")
    assert plan.contacts.hwb_signed_off == "No"
    assert [p.chief_executive for p in plan.partners] == ["Martin Okafor", "Dr Helen Brightwell", "Samuel Achterberg"]
    assert validate(path, POLICY).ok


def test_2025_26_cover_asks_for_sign_off_by_role(tmp_path: Path) -> None:
    """The 2025-26 Cover asks for the HWB chair, the director of adult social services, the Section 151 officer,
    each partner's chief executive and whether the HWB signed off at submission (Yes/No, from a list); the
    2023-25 Cover keeps one sign-off name and date."""
    path = tmp_path / "2025.xlsx"
    write(SAMPLE_2025, YEAR_2025_26, POLICY, path)
    layout = Layout(YEAR_2025_26, 100)
    cover = openpyxl.load_workbook(path)[COVER]
    labels = {cover[layout.cover_label(key)].value for key in YEAR_2025_26.cover_inputs}
    assert {
        "Chair of the Health and Wellbeing Board",
        "Director of Adult Social Services",
        "Section 151 officer of the council",
    } <= labels
    assert any(
        str(label).startswith("Has the plan been signed off by the Health and Wellbeing Board") for label in labels
    )
    assert cover[layout.partners.cell("chief_executive", layout.partners.header_row)].value.startswith(
        "Chief executive"
    )
    answer = layout.cover_cell("hwb_signed_off")
    assert any(answer in str(v.sqref) and v.type == "list" for v in cover.data_validations.dataValidation)
    assert "hwb_chair" not in YEAR_2023_25.cover_inputs and "signed_off_by" in YEAR_2023_25.cover_inputs


@pytest.mark.parametrize(
    ("answer", "date", "unmet", "read_error"),
    [
        ("No", None, [], False),  # the HWB may sign off after submission
        ("Yes", None, ["sign_off_date"], False),
        ("Yes", "2025-04-15", [], False),
        ("Maybe", "2025-04-15", ["hwb_signed_off"], True),
    ],
)
def test_hwb_sign_off_answer_and_date(
    tmp_path: Path, answer: str, date: str | None, unmet: list[str], read_error: bool
) -> None:
    """The HWB sign-off question takes Yes or No; its date is required once the answer is Yes."""
    path = tmp_path / "2025.xlsx"
    write(SAMPLE_2025, YEAR_2025_26, POLICY, path)
    layout = Layout(YEAR_2025_26, 100)
    book = openpyxl.load_workbook(path)
    book[COVER][layout.cover_cell("hwb_signed_off")] = answer
    book[COVER][layout.cover_cell("sign_off_date")] = date
    book.save(path)
    result = validate(path, POLICY)
    assert [item.key for item in result.unmet] == unmet
    errors = [f for f in result.findings if f.code == "READ01"]
    assert [(f.where.cell, f.message) for f in errors] == (
        [(layout.cover_cell("hwb_signed_off"), 'Signed off by the HWB at submission: must be Yes or No (got "Maybe")')]
        if read_error
        else []
    )


@pytest.mark.parametrize("year", [YEAR_2023_25, YEAR_2025_26], ids=lambda y: y.name)
def test_guidance_lists_what_is_unconfirmed_and_prints_wrapped(year: TemplateYear, tmp_path: Path) -> None:
    """The Guidance tab lists every unconfirmed detail of the year (Capacity & Demand included) and each plan
    year's uplift as confirmed with its source or as unconfirmed; it names no internal document, and its text
    wraps within a page-wide printed column."""
    path = tmp_path / "plan.xlsx"
    write(SAMPLE_2025 if year is YEAR_2025_26 else sample_plan(), year, POLICY, path)
    sheet = openpyxl.load_workbook(path)[GUIDANCE]
    lines = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    text = "\n".join(lines)
    for note in year.unconfirmed:
        assert f"  - {note}" in lines
    assert "Capacity and Demand" in text
    assert not re.search(r"\.md\b|docs/|domain", text)
    if year is YEAR_2025_26:
        assert "rises 3.9% in 2025-26 (confirmed: NHS England, Better Care Fund grants and funding page)." in text
    else:
        assert "  - The 2024-25 uplift of the NHS contribution to adult social care (5.66%) is not confirmed." in lines
    column = sheet.column_dimensions["A"].width
    body = [c for row in sheet.iter_rows(min_row=GUIDANCE_FIRST_ROW) for c in row if c.value is not None]
    assert len(body) == len(lines) - 1 and all(c.alignment.wrap_text for c in body)  # all but the title
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert column <= 110


def test_each_definition_lists_what_is_unconfirmed() -> None:
    """Each year's definition carries what could not be confirmed, Capacity & Demand included, and the 2025-26
    conditions carry NHS England's names."""
    for year in (YEAR_2023_25, YEAR_2025_26):
        assert any("Capacity and Demand" in note for note in year.unconfirmed)
        assert year.title == f"Better Care Fund {year.name} Template"
    assert YEAR_2025_26.conditions_sheet == "National Conditions"
    assert YEAR_2023_25.conditions_sheet == "Planning Requirements"
    assert YEAR_2025_26.label(SourceKind.DISCHARGE_LA) == "Local Authority Better Care Grant"
    assert YEAR_2025_26.kind("Local Authority Better Care Fund Grant") is SourceKind.IBCF
    assert YEAR_2023_25.label(SourceKind.WINTER_PRESSURES) == "iBCF"
