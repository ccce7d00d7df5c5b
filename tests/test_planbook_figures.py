"""Stored figures: a planning workbook built from a plan holds, beside each formula, the figure the engine computes
for it, so any viewer shows the plan's figures; they are what the formulas compute, and cost no formula engine."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from bcf_xl import cli
from bcf_xl.metrics import dsr_ci
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import write
from bcf_xl.planbook.figures import engine_figures
from bcf_xl.policy import load_policy
from bcf_xl.recalc import recalculate
from bcf_xl.sample import sample_actuals, sample_plan, sample_plan_for

POLICY = load_policy()


def _stored(path: Path) -> dict[tuple[str, str], object]:
    """The value stored in every cell of a workbook that holds a formula or lies in an array formula's range."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    found = {}
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found[(sheet.title, cell.coordinate)] = values[sheet.title][cell.coordinate].value
        for ref in sheet.array_formulae.values():
            for row in sheet[ref]:
                for cell in row:
                    found[(sheet.title, cell.coordinate)] = values[sheet.title][cell.coordinate].value
    return found


def _same(stored: object, computed: object) -> bool:
    if isinstance(computed, int | float) and not isinstance(computed, bool):
        return isinstance(stored, int | float) and abs(D(repr(float(stored))) - D(repr(float(computed)))) < D("1e-6")
    return stored == computed or (stored in (None, "") and computed in (None, ""))


def _wrong(path: Path) -> dict[tuple[str, str], tuple[object, object]]:
    """Each formula cell whose stored figure differs from what the headless recalculation computes."""
    stored = _stored(path)
    result = recalculate(path)
    assert not result.failed, result.findings
    computed = dict(result.values)
    assert len(computed) > 1500
    return {key: (stored.get(key), value) for key, value in computed.items() if not _same(stored.get(key), value)}


def test_stored_figures_are_what_the_formulas_compute(tmp_path: Path) -> None:
    """Every formula cell of the one-year (2025-26) sample workbook stores the figure its formula computes when the
    workbook is recalculated headlessly: spare rows, the second year the plan does not have, and the actuals sheets
    with nothing typed (the Cover's period in use the plan year, no quarter) included."""
    path = tmp_path / "one year.xlsm"
    write(path, sample_plan_for(("2025-26",)), POLICY, cache=True)
    assert _wrong(path) == {}
    stored = _stored(path)
    second = [(L.FUNDING, L.FUNDING_TOTALS.cell("expenditure", 1)), (L.POOLS, L.POOL_TABLE.cell("total2", 4))]
    assert [stored[key] for key in second] == [0, 0]  # the year the plan does not have shows £0, as in Excel
    period = [(L.COVER, L.REPORT_LINES.cell(key, 1)) for key in ("report_year", "report_quarter")]
    assert [stored[key] or "" for key in period] == ["2025-26", ""]  # no quarter: nothing typed yet


def test_stored_actuals_figures_are_what_the_formulas_compute(tmp_path: Path) -> None:
    """With the sample's actuals as its third quarter's return reports them (first plan year; a typed profile and
    a typed forecast among them), every formula cell stores what the recalculation computes: the Cover's period in
    use, the flag rows, each scheme's and source's figures to date and each metric report's progress words."""
    path = tmp_path / "actuals.xlsm"
    plan, actuals = sample_plan(), sample_actuals(3)
    write(path, plan, POLICY, cache=True, actuals=actuals)
    assert _wrong(path) == {}
    stored = _stored(path)
    period = [(L.COVER, L.REPORT_LINES.cell(key, 1)) for key in ("report_year", "report_quarter")]
    assert [stored[key] for key in period] == [plan.years[0], 3]
    spend = L.spend_table(L.scheme_rows_for(len(plan.schemes)))
    row = spend.data_rows[[s.scheme_id for s in plan.schemes].index("S036")]  # its profile typed
    typed = next(s for s in actuals.schemes if s.scheme_id == "S036")
    assert typed.profile is not None
    assert _same(stored[(L.SPEND, spend.cell("profile_to_date", row))], float(sum(typed.profile[:3], D(0))))
    assert _same(stored[(L.SPEND, spend.cell("to_date", row))], float(sum((v or D(0) for v in typed.spend[:3]), D(0))))


def test_figures_are_stored_by_default_without_the_formula_engine(tmp_path: Path) -> None:
    """new-plan --sample stores the figures by default, without loading the formula engine (`formulas`), and
    --no-figures leaves every computed cell blank for Excel to fill."""
    path, bare = tmp_path / "sample.xlsm", tmp_path / "bare.xlsm"
    script = (
        "import sys; from bcf_xl import cli; "
        f"code = cli.main(['new-plan', '--sample', '-o', {str(path)!r}]); "
        "sys.exit(code or ('formulas' in sys.modules and 9))"
    )
    assert subprocess.run([sys.executable, "-c", script], check=False, timeout=300).returncode == 0
    plan = sample_plan()
    book = openpyxl.load_workbook(path, data_only=True)
    figures = engine_figures(plan, POLICY, sample_actuals())
    assert len(figures) > 1500
    assert {key for key, value in figures.items() if not _same(book[key[0]][key[1]].value, value)} == set()
    assert book[L.FUNDING][L.FUNDING_TOTALS.cell("income", 0)].value == float(plan.income(plan.years[0]))
    # The falls rate's interval: both limits, the upper one in the cell the formula spills into.
    banded = next(m for m in plan.metrics if m.bands)
    limits = dsr_ci([D(b.actual or 0) for b in banded.bands], [D(b.population) for b in banded.bands])
    rates, actual = L.AGE_BAND_RATES, L.BAND_COUNTS.index("actual")
    shown = [book[L.AGE_BANDS][rates.cell(key, actual)].value for key in ("lower", "upper")]
    assert [_same(value, float(limit)) for value, limit in zip(shown, limits, strict=True)] == [True, True]
    assert cli.main(["new-plan", "--sample", "--no-figures", "-o", str(bare)]) == 0
    assert set(_stored(bare).values()) <= {None, "", 0}


def test_demo_writes_the_sample_workbook_with_its_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's sample workbook shows the engine's figures in any viewer: its Pools totals are stored."""
    cli.main(["demo", "--out", str(tmp_path)])
    capsys.readouterr()
    stored = _stored(tmp_path / "bcf_planning_sample.xlsm")
    plan = sample_plan()
    first = L.POOL_TABLE.data_rows[0]
    pool = plan.pools[0].pool_id
    expected = sum((s.amounts[0] for s in plan.schemes if s.pool == pool), D(0))
    assert _same(stored[(L.POOLS, L.POOL_TABLE.cell("total1", first))], float(expected))
    assert expected > 0
