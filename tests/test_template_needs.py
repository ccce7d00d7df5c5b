"""What NHS England's template needs, reported by `check` at the planning workbook's own cells: each Cover contact and
sign-off the template year asks for, each partner's chief executive, each national condition's answer and each
national metric; and `generate` never finds the template incomplete on a plan `check` passed, in either template
year."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from bcf_xl import cli
from bcf_xl.checks import errors
from bcf_xl.findings import Severity
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import write
from bcf_xl.planbook.checking import TEMPLATE_CODE, findings
from bcf_xl.planbook.reader import load, read_values, scheme_rows_of
from bcf_xl.policy import load_policy
from bcf_xl.sample import sample_plan_for
from bcf_xl.submission.builder import write as write_submission
from bcf_xl.submission.definition import YEARS, TemplateYear, year_for_plan
from bcf_xl.submission.validator import validate
from tests.test_planbook_typed import INPUT_SHEETS, type_plan

POLICY = load_policy()
PLANS = {year.name: sample_plan_for(year.plan_years) for year in YEARS.values()}
Cell = tuple[str, str]
Values = dict[Cell, object]


def _typed(folder: Path, template: str) -> Path:
    """The sample plan of a template year typed cell by cell into the empty workbook."""
    sample = folder / "sample.xlsm"
    write(sample, PLANS[template], POLICY)
    book = openpyxl.load_workbook(sample)
    typed = {
        (name, cell.coordinate): cell.value
        for name in INPUT_SHEETS
        for row in book[name].iter_rows()
        for cell in row
        if cell.value is not None and cell.protection.locked is False
    }
    return type_plan(folder / f"typed {template}.xlsm", typed)


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Values, int]]:
    """Each template year's sample typed into the empty workbook: the file, its input cells' values, its rows."""
    found = {}
    for name in YEARS:
        path = _typed(tmp_path_factory.mktemp(name), name)
        book, values = load(path)
        found[name] = (path, dict(values), scheme_rows_of(book, values))
    return found


def needed_cells(template: TemplateYear, values: Values) -> list[Cell]:
    """The planning workbook's cells the template year's checklist needs filled in, from its definition: each
    Cover input it asks for (the sign-off date only where the HWB has signed off), each partner's chief executive
    where partners sign off, and the answer of each national condition."""
    cells = [
        (L.COVER, L.cover_cell(key))
        for key in template.cover_inputs
        if key not in ("area", "area_kind")  # required of every plan: the reader reports them (READ)
        and not (key == "sign_off_date" and values.get((L.COVER, L.cover_cell("hwb_signed_off"))) == "No")
    ]
    partners = [row for row in L.PARTNERS.data_rows if (L.COVER, L.PARTNERS.cell("partner_id", row)) in values]
    if template.partner_sign_off:
        cells += [(L.COVER, L.PARTNERS.cell("chief_executive", row)) for row in partners]
    codes = {values.get((L.COVER, L.CONDITIONS.cell("code", row))): row for row in L.CONDITIONS.data_rows}
    cells += [(L.COVER, L.CONDITIONS.cell("met", codes[c.code])) for c in template.conditions]
    return cells


def _check(values: Values, rows: int) -> tuple[str, ...]:
    return tuple(str(f) for f in findings(read_values(values, rows), POLICY) if f.severity is Severity.ERROR)


def test_the_typed_samples_pass_check(typed: dict[str, tuple[Path, Values, int]]) -> None:
    """Each template year's sample, typed into the empty workbook, has no error: the cases below start from a
    plan check passes."""
    for name, (_, values, rows) in typed.items():
        assert _check(values, rows) == (), name


@pytest.mark.parametrize("template", list(YEARS))
def test_each_field_the_template_needs_is_reported_at_its_cell(
    typed: dict[str, tuple[Path, Values, int]], template: str
) -> None:
    """Blanking any one field the template year's checklist needs is an error of check at that very cell of the
    planning workbook (a Cover contact or sign-off, a partner's chief executive, a condition's answer)."""
    _, values, rows = typed[template]
    cells = needed_cells(YEARS[template], values)
    assert len(cells) >= (15 if YEARS[template].partner_sign_off else 9)
    for sheet, cell in cells:
        found = _check({key: value for key, value in values.items() if key != (sheet, cell)}, rows)
        assert any(line.startswith(f"Error {TEMPLATE_CODE} '{sheet}'!{cell}:") for line in found), (cell, found)


def test_check_exits_1_naming_the_cover_cell(
    typed: dict[str, tuple[Path, Values, int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check on a typed 2025-26 workbook without the HWB chair or a partner's chief executive exits 1 naming each
    Cover cell; generate refuses it at the same cells, before writing anything."""
    path = tmp_path / "unsigned.xlsm"
    book = openpyxl.load_workbook(typed["2025-26"][0], keep_vba=True)
    chair, chief = L.cover_cell("hwb_chair"), L.PARTNERS.cell("chief_executive", L.PARTNERS.data_rows[1])
    book[L.COVER][chair] = None
    book[L.COVER][chief] = "   "
    book.save(path)
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Error TPL01 'Cover'!{chair}: the 2025-26 template needs: Chair of the Health and Wellbeing Board" in out
    assert f"Error TPL01 'Cover'!{chief}: [NME] Chief executive (signs off)" in out
    output = tmp_path / "out.xlsx"
    assert cli.main(["generate", str(path), "-o", str(output)]) == 1
    out = capsys.readouterr().out
    assert f"'Cover'!{chair}" in out and f"'Cover'!{chief}" in out and not output.exists()


def test_a_missing_condition_is_asked_for_in_a_free_row(typed: dict[str, tuple[Path, Values, int]]) -> None:
    """A national condition with no row at all is asked for at the code cell of the first free Conditions row;
    a No without an explanation at the explanation cell."""
    _, values, rows = typed["2025-26"]
    table = L.CONDITIONS
    row = next(r for r in table.data_rows if values.get((L.COVER, table.cell("code", r))) == "NC3")
    without = {key: value for key, value in values.items() if not (key[0] == L.COVER and key[1][1:] == str(row))}
    free = row  # the first free row: the one the condition was cleared from
    found = _check(without, rows)
    assert found == (
        f"Error TPL01 'Cover'!{table.cell('code', free)}: National condition NC3 (Complying with grant and funding "
        "conditions, including maintaining the NHS minimum contribution to adult social care): the 2025-26 template "
        "needs: NC3 answered Yes, or No with an explanation; enter NC3 here with its answer (got none)",
    )
    unexplained = {**values, (L.COVER, table.cell("met", row)): "No"}
    del unexplained[(L.COVER, table.cell("explanation", row))]
    assert [line.split(":")[0] for line in _check(unexplained, rows)] == [
        f"Error TPL01 'Cover'!{table.cell('explanation', row)}"
    ]


# Values typed over an input cell: a blank, words where a figure or a choice belongs, a figure where words belong.
CHANGES = (None, "x", 0, "No")


@pytest.mark.parametrize("template", list(YEARS))
def test_a_plan_check_passes_generates_a_complete_template(
    typed: dict[str, tuple[Path, Values, int]], template: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever one to three input cells an officer changes (cleared, or typed over with words, zero or No), a
    workbook check passes gives a template that validate finds complete and without error."""
    _, values, rows = typed[template]
    inputs = sorted(values)
    needed = needed_cells(YEARS[template], values)  # half the changes fall on cells the template needs
    folder = tmp_path_factory.mktemp("generated")
    passed: list[int] = []

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.sampled_from(needed) | st.sampled_from(inputs), st.sampled_from(CHANGES)), max_size=3))
    @example([])
    @example([((L.COVER, L.cover_cell("signed_off_by")), None)])
    def generated(changes: list[tuple[Cell, object]]) -> None:
        changed = dict(values)
        for key, value in changes:
            changed[key] = value
        read = read_values({key: value for key, value in changed.items() if value is not None}, rows)
        if read.plan is None or errors(findings(read, POLICY)):
            return
        year = year_for_plan(read.plan.years)
        assert year is not None and year.name == template
        output = folder / f"{len(passed)}.xlsx"
        write_submission(read.plan, year, POLICY, output)
        validation = validate(output, POLICY)
        assert validation.complete, [item.description for item in validation.unmet]
        assert validation.ok, [str(f) for f in validation.findings if f.severity is Severity.ERROR]
        passed.append(1)

    generated()
    assert len(passed) >= 2  # the unchanged plan and one with a field the template does not need cleared


def test_plan_years_without_a_template_are_a_warning(typed: dict[str, tuple[Path, Values, int]]) -> None:
    """Plan years no known template holds (a plan rolled on to 2026-27) are a warning at the first plan year's
    cell that generate cannot build a template for them; nothing is asked for on behalf of a template."""
    _, values, rows = typed["2025-26"]
    cell = L.cover_cell("year1")
    found = findings(read_values({**values, (L.COVER, cell): "2026-27"}, rows), POLICY)
    ours = [str(f) for f in found if f.code == TEMPLATE_CODE]
    assert ours == [
        f"Warning TPL01 'Cover'!{cell}: Plan years: no NHS England planning template is known for these years, so "
        "generate cannot build one; templates are known for 2025-26 (2025-26), 2023-24 and 2024-25 (2023-25) "
        "(got 2026-27)"
    ]
