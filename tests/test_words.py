"""NHS England's progress and year-end words reach every output: demo, the report's frames and the planning
workbook (its formulas and highlighting), from the one source in the policy data."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from bcf_xl import cli, compute, sample_plan
from bcf_xl.metrics import Achievement, Progress
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import write
from bcf_xl.policy import load_policy


def test_demo_shows_the_national_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """demo's metrics table gives the falls metric's standardised rates, its RAG, the quarterly return's progress
    words and the end-of-year return's words."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    falls = next(line for line in out.splitlines() if "falls" in line)
    assert re.split(r"\s{2,}", falls.strip())[1:] == [
        "2,095.1",
        "1,990.1",
        "2,060.2",
        "Red",
        "Not on track to meet target",
        "Not Achieved",
    ]
    assert "Year end" in out
    assert "On track to meet target" in out and "Data not available to assess progress" in out


def test_report_frames_carry_both_kinds_of_words() -> None:
    """to_frames' metrics frame has a progress and an achievement column in the national words."""
    metrics = compute(sample_plan(), load_policy()).to_frames()["metrics"].set_index("metric_id")
    assert metrics.loc["FALLS", "progress"] == "Not on track to meet target"
    assert metrics.loc["HOME", "achievement"] == "Achieved"  # 93.4% against a target of 93.0%
    assert metrics.loc["REABLE", "achievement"] == "Data not available to assess progress"  # no actual yet
    assert set(metrics["progress"]) <= {p.value for p in Progress}
    assert set(metrics["achievement"]) <= {a.value for a in Achievement}


def test_planning_workbook_highlights_the_progress_words(tmp_path: Path) -> None:
    """The Metrics sheet colours the progress column by the national words themselves, so a change of wording in
    the policy data cannot leave the highlighting behind."""
    path = tmp_path / "plan.xlsm"
    write(path, sample_plan(), load_policy())
    sheet = openpyxl.load_workbook(path)[L.METRICS]
    progress = L.METRIC_TABLE.span("progress", sheet=False).replace("$", "")
    compared = {
        formula
        for ranges, rules in sheet.conditional_formatting._cf_rules.items()
        if str(ranges.sqref) == progress
        for rule in rules
        for formula in rule.formula
    }
    assert compared == {'"On track to meet target"', '"Not on track to meet target"'}
