"""The public Python API: what ``import bcf_xl`` offers, and DataFrames that hold the report's figures exactly."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

import bcf_xl
from bcf_xl.errors import BcfInputError
from bcf_xl.planbook.builder import write as write_planbook
from bcf_xl.planbook.reader import planbook_view
from bcf_xl.policy import Policy
from bcf_xl.pooling import Dimension, split_joint
from bcf_xl.report import PlanReport, compute
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26
from bcf_xl.submission.reader import submission_view

THREE_LINES = (
    "import bcf_xl; p = bcf_xl.plan_from_mapping(bcf_xl.plan_to_mapping(bcf_xl.sample_plan())); "
    "assert p == bcf_xl.sample_plan(); print(bcf_xl.compute(p).to_frames()['metrics'])"
)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_plan_from_a_dict_in_three_lines() -> None:
    """The documented one-liner round-trips the sample through plain data and prints its metrics frame."""
    result = _python(THREE_LINES)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for metric_id in ("AVOID", "FALLS", "HOME", "RESID", "REABLE", "SATIS"):
        assert metric_id in result.stdout


def test_import_is_light() -> None:
    """``import bcf_xl`` loads neither pandas nor xlwings nor the formula engine."""
    heavy = ("pandas", "numpy", "xlwings", "formulas")
    result = _python(f"import sys, bcf_xl; print([m for m in {heavy!r} if m in sys.modules])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_exported_name_exists() -> None:
    """Every name in ``__all__`` is defined, with no duplicates, and the documented functions are there."""
    assert len(set(bcf_xl.__all__)) == len(bcf_xl.__all__)
    missing = [name for name in bcf_xl.__all__ if not hasattr(bcf_xl, name)]
    assert missing == []
    documented = {
        "sample_plan",
        "plan_from_mapping",
        "plan_to_mapping",
        "PlanError",
        "compute",
        "run_checks",
        "read_planbook",
        "read_submission",
        "write_submission",
        "validate",
        "load_policy",
        "Plan",
        "Scheme",
        "FundingSource",
        "Commissioner",
    }
    assert documented <= set(bcf_xl.__all__)


def test_typed_marker_is_shipped() -> None:
    """The package carries py.typed, so type checkers read its annotations."""
    assert (Path(bcf_xl.__file__).parent / "py.typed").is_file()


def test_compute_and_checks_use_the_shipped_policy_by_default(plan: bcf_xl.Plan, policy: Policy) -> None:
    """compute(plan) and run_checks(plan) without a policy equal the same calls with the shipped policy."""
    assert bcf_xl.compute(plan) == compute(plan, policy)
    assert bcf_xl.run_checks(plan) == compute(plan, policy).findings


def test_load_policy_takes_a_text_path(tmp_path: Path) -> None:
    """load_policy accepts a path as text, and the override it names changes the policy."""
    override = tmp_path / "uplift.toml"
    override.write_text('[uplift."2024-25"]\nrate = "0.07"\nsource = "test"\n', encoding="utf-8")
    assert bcf_xl.load_policy(str(override)).uplift("2024-25").rate == D("0.07")
    assert bcf_xl.load_policy().uplift("2024-25").rate == D("0.0566")


# --- DataFrames -------------------------------------------------------------------------------------


@pytest.fixture
def report(plan: bcf_xl.Plan, policy: Policy) -> PlanReport:
    return compute(plan, policy)


def test_frames_are_the_six_views(report: PlanReport) -> None:
    """to_frames gives funding, schemes, pools, dfg, metrics and findings, each with named columns."""
    frames = report.to_frames()
    assert list(frames) == ["funding", "schemes", "pools", "dfg", "metrics", "findings"]
    assert all(isinstance(frame, pd.DataFrame) for frame in frames.values())
    assert list(frames["findings"].columns) == ["severity", "code", "record", "id", "field", "year", "message"]


def test_funding_totals_equal_plan_income_exactly(report: PlanReport) -> None:
    """Per year, the funding frame's income adds up to plan.income(year) to the penny, as Decimals."""
    funding = report.to_frames()["funding"]
    assert funding["income"].dtype == object
    assert all(type(value) is D for value in funding["income"])
    for year in report.plan.years:
        rows = funding[funding["year"] == year]
        assert len(rows) == len(report.plan.sources)
        assert sum(rows["income"], D(0)) == report.plan.income(year)
        assert sum(rows["planned_expenditure"], D(0)) == report.plan.expenditure(year)
    assert sum(funding["income"], D(0)) == D("61410123.45") + D("65881400.00")


def test_scheme_rows_split_each_amount_exactly(report: PlanReport) -> None:
    """Each scheme row's NHS and LA parts add back to its amount; a year's amounts add to the plan's spend."""
    schemes = report.to_frames()["schemes"]
    assert len(schemes) == len(report.plan.schemes) * len(report.plan.years)
    assert all(row.nhs_amount + row.la_amount == row.amount for row in schemes.itertuples())
    for year in report.plan.years:
        assert sum(schemes[schemes["year"] == year]["amount"], D(0)) == report.plan.expenditure(year)
    joint = schemes[schemes["commissioner"] == "Joint"]
    assert len(joint) >= 2
    for row in joint.itertuples():
        assert (row.nhs_amount, row.la_amount) == split_joint(row.amount, row.nhs_share)


def test_pool_rows_equal_the_report(report: PlanReport) -> None:
    """Pool rows hold the pooled totals per year and the first year's year-end position."""
    pools = report.to_frames()["pools"]
    for year in report.plan.years:
        rows = pools[pools["year"] == year]
        expected = {line.key: line.amount for line in report.totals_for(Dimension.POOL, year)}
        assert dict(zip(rows["pool_id"], rows["planned"], strict=True)) == expected
    first = pools[pools["year"] == report.plan.years[0]].set_index("pool_id")
    assert list(first.loc[["P1", "P2"], "difference"]) == [D("-293900.00"), D("136750")]
    assert first.loc["RP", "difference"] is None


def test_dfg_rows_equal_the_split(report: PlanReport) -> None:
    """DFG rows per district and year add up to what the split passports, exactly."""
    dfg = report.to_frames()["dfg"]
    for split in report.dfg:
        rows = dfg[dfg["year"] == split.year]
        assert sum(rows["passported"], D(0)) == split.passported
    ashby = dfg[(dfg["year"] == "2023-24") & (dfg["district_id"] == "ASH")].iloc[0]
    assert ashby["top_up"] == D("49983.33")
    calder = dfg[(dfg["year"] == "2023-24") & (dfg["district_id"] == "CAL")].iloc[0]
    assert (calder["retained"], calder["agreement_references"]) == (D("50000"), "NCC/DFG/2023/014")


def test_metric_and_finding_rows_equal_the_report(report: PlanReport) -> None:
    """Metric rows carry each rating; finding rows carry what each finding concerns and its message."""
    frames = report.to_frames()
    metrics = frames["metrics"].set_index("metric_id")
    assert {m.metric_id: m.rag.value for m in report.metrics} == metrics["rag"].to_dict()
    assert metrics.loc["AVOID", "target"] == report.metrics[0].target
    findings = frames["findings"]
    assert list(findings.itertuples(index=False, name=None)) == [
        ("Warning", "BCF08", "asc_minimum", None, "required", "2024-25", report.findings[0].message),
        ("Note", "BCF12", "metric", "REABLE", "actual", None, report.findings[1].message),
        ("Note", "BCF14", "policy", None, "uplift", "2024-25", report.findings[2].message),
    ]


# --- workbooks and templates ------------------------------------------------------------------------


def test_write_read_and_validate_a_submission(tmp_path: Path, plan: bcf_xl.Plan, policy: Policy) -> None:
    """write_submission picks the template of the plan's years; read_submission and validate take text paths."""
    path = bcf_xl.write_submission(plan, str(tmp_path / "sample.xlsx"))
    assert path == tmp_path / "sample.xlsx"
    submission = bcf_xl.read_submission(str(path))
    assert submission.year is YEAR_2023_25
    assert submission.plan == submission_view(plan, YEAR_2023_25, policy)
    assert bcf_xl.validate(str(path), year="2023-25").complete
    with pytest.raises(BcfInputError, match="is the 2023-25 template, not the 2025-26 one"):
        bcf_xl.read_submission(path, year="2025-26")


def test_write_submission_refuses_an_unknown_year_or_an_existing_file(tmp_path: Path, plan: bcf_xl.Plan) -> None:
    """An unknown template year is named as the ``year`` argument; an existing file needs overwrite=True."""
    with pytest.raises(BcfInputError, match=r'^year: must be one of 2025-26, 2023-25 \(got "2030-31"\)$'):
        bcf_xl.write_submission(plan, tmp_path / "x.xlsx", year="2030-31")
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"")
    with pytest.raises(BcfInputError):
        bcf_xl.write_submission(plan, path)
    assert path.read_bytes() == b""
    bcf_xl.write_submission(plan, path, overwrite=True)
    assert path.stat().st_size > 0


def test_write_submission_year_chooses_the_template(tmp_path: Path) -> None:
    """Given year= the template is that year's, whatever the plan's years."""
    plan = bcf_xl.plan_from_mapping(
        {
            "area": {"name": "Westby", "kind": "Unitary"},
            "years": ["2025-26"],
            "partners": [{"partner_id": "LA", "name": "Westby Council", "kind": "Council"}],
            "sources": [
                {"source_id": "DFG", "kind": "Disabled Facilities Grant", "contributor": "LA", "amounts": ["900000"]}
            ],
            "pools": [],
            "schemes": [],
        }
    )
    path = bcf_xl.write_submission(plan, tmp_path / "westby.xlsx", year="2025-26")
    assert bcf_xl.read_submission(path).year is YEAR_2025_26


def test_read_planbook_takes_a_text_path(tmp_path: Path, plan: bcf_xl.Plan, policy: Policy) -> None:
    """read_planbook reads a planning workbook named by text back into its plan."""
    path = tmp_path / "plan.xlsm"
    write_planbook(path, plan, policy)
    read = bcf_xl.read_planbook(str(path))
    assert read.plan == planbook_view(plan)
