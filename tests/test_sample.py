"""The embedded sample plan gives every calculation and check something to do."""

from __future__ import annotations

import csv
import dataclasses
import fnmatch
import io
import os
import subprocess
import sys
import tomllib
import zipfile
from decimal import Decimal as D
from importlib import resources
from pathlib import Path

import pytest

import bcf_xl
from bcf_xl.checks import Severity
from bcf_xl.mapping import plan_from_mapping
from bcf_xl.metrics import Rag
from bcf_xl.model import AreaKind, Commissioner, Plan, Scheme, SourceKind
from bcf_xl.policy import Policy
from bcf_xl.report import compute
from bcf_xl.sample import PLAN_FILE, SCHEMES_FILE, sample_mapping, sample_plan, scheme_mapping


def test_sample_shape(plan: Plan) -> None:
    """Two-tier, 4+ districts, 2 ICBs, 2 pools and a risk pool, 40+ schemes over 6+ themes, every source, 2 years."""
    assert plan.area.kind is AreaKind.TWO_TIER
    assert len(plan.area.districts) >= 4
    assert len(plan.icbs) == 2
    assert sum(not p.is_risk_pool for p in plan.pools) == 2
    assert sum(p.is_risk_pool for p in plan.pools) == 1
    assert len(plan.schemes) >= 40
    assert len({s.theme for s in plan.schemes}) >= 6
    assert {s.kind for s in plan.sources} == set(SourceKind)
    assert len(plan.years) == 2
    assert len(plan.metrics) >= 5
    assert {s.commissioner for s in plan.schemes} == set(Commissioner)


def test_sample_is_the_same_plan_each_call(plan: Plan) -> None:
    """sample_plan() gives equal plans on every call (an immutable plan, so calls may share it)."""
    assert sample_plan() == plan
    assert dataclasses.replace(plan, years=("2024-25", "2025-26")) != sample_plan()


def test_sample_data_is_read_through_the_mapping() -> None:
    """The sample is its package data read by plan_from_mapping: mapping and plan agree field by field."""
    data = sample_mapping()
    assert plan_from_mapping(data) == sample_plan()
    assert len(data["schemes"]) == 45
    assert data["years"] == ["2023-24", "2024-25"]
    s025 = next(s for s in data["schemes"] if s["scheme_id"] == "S025")
    assert (s025["amounts"], s025["outturn"]) == (["4350000", "4300000"], ["4672500", ""])


def test_scheme_columns_are_the_scheme_fields() -> None:
    """The schemes CSV has one column per Scheme field, amounts and outturn split into a column per plan year."""
    text = resources.files("bcf_xl.sample").joinpath(SCHEMES_FILE).read_text(encoding="utf-8")
    header = next(csv.reader(io.StringIO(text)))
    years = sample_plan().years
    per_year = {f"amount_{y}" for y in years} | {f"outturn_{y}" for y in years}
    fields = {f.name for f in dataclasses.fields(Scheme)} - {"amounts", "outturn"}
    assert set(header) == fields | per_year
    assert len(header) == len(set(header))


@pytest.mark.parametrize(("outturn", "expected"), [(("", ""), []), (("10", ""), ["10", ""]), (("", "20"), ["", "20"])])
def test_scheme_row_outturn(outturn: tuple[str, str], expected: list[str]) -> None:
    """A CSV row's outturn is a per-year list, or no outturn at all when every year is blank."""
    row = {"scheme_id": "S1", "amount_2023-24": "1", "amount_2024-25": "2"}
    row |= {"outturn_2023-24": outturn[0], "outturn_2024-25": outturn[1]}
    scheme = scheme_mapping(row, ["2023-24", "2024-25"])
    assert scheme == {"scheme_id": "S1", "amounts": ["1", "2"], "outturn": expected}


def test_sample_loads_from_a_zipped_package(tmp_path: Path) -> None:
    """The sample data is read as package resources, so it loads from a zip (a wheel, or Pyodide) too."""
    archive = tmp_path / "bcf_xl.zip"
    package = Path(bcf_xl.__file__).parent
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in package.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(package.parent).as_posix())
    code = "import bcf_xl; print(bcf_xl.__file__); print(len(bcf_xl.sample_plan().schemes))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(archive)},
        cwd=tmp_path,  # not the source folder, which would be found first
    )
    assert result.returncode == 0, result.stderr
    where, count = result.stdout.split()
    assert where.startswith(str(archive)) and count == "45"


def test_sample_data_is_declared_as_package_data() -> None:
    """pyproject ships the sample package and its data files (and py.typed) in wheels."""
    project = tomllib.loads((Path(bcf_xl.__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = project["tool"]["setuptools"]
    assert "bcf_xl.sample" in setuptools["packages"]
    patterns = setuptools["package-data"]["bcf_xl.sample"]
    for name in (PLAN_FILE, SCHEMES_FILE):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
    assert "py.typed" in setuptools["package-data"]["bcf_xl"]


def test_sample_has_no_errors_and_one_warning(plan: Plan, policy: Policy) -> None:
    """The sample is a clean plan: no error, and the agreed ASC minimum differing from the calculation warns."""
    findings = compute(plan, policy).findings
    assert [f for f in findings if f.severity is Severity.ERROR] == []
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    assert [(w.code, w.target.label) for w in warnings] == [("BCF08", "ASC minimum 2024-25")]
    assert "£12,559,541.00" in warnings[0].message and "£12,559,540.05" in warnings[0].message


def test_sample_ratings_cover_green_amber_red(plan: Plan, policy: Policy) -> None:
    """The metrics rate Green, Amber, Red and No data, by both rules."""
    ratings = {m.metric_id: m.rag for m in compute(plan, policy).metrics}
    assert ratings == {
        "AVOID": Rag.AMBER,
        "FALLS": Rag.RED,
        "HOME": Rag.GREEN,
        "RESID": Rag.RED,
        "REABLE": Rag.NO_DATA,
        "SATIS": Rag.AMBER,
    }


def test_sample_figures(plan: Plan, policy: Policy) -> None:
    """Headline figures of the sample, worked by hand from its tables."""
    report = compute(plan, policy)
    assert [b.income for b in report.balances] == [D("61410123.45"), D("65881400.00")]
    assert all(b.difference == 0 for b in report.balances)
    # ASC: 11,250,000 x 1.0566 = 11,886,750.00; x 1.0566 = 12,559,540.05 (each year to the penny).
    assert [m.calculated for m in report.asc_minimum] == [D("11886750.00"), D("12559540.05")]
    assert [m.required for m in report.asc_minimum] == [D("11886750.00"), D("12559541.00")]
    # DFG 2023-24: 4,200,000 + top-up 185,123.45, less 50,000 agreed retention from Calderbrook.
    split = report.dfg[0]
    assert split.passported == D("4335123.45")
    assert split.retained == D("50000.00")
    # Ashby's share of the top-up: 185,123.45 x 1,134,000 / 4,200,000 = 49,983.3315 -> 49,983.33.
    assert split.districts[0].top_up == D("49983.33")
    # Pool 1 overspent by 293,900 (S003 +11,400, S025 +322,500, S026 -40,000); Pool 2 underspent 136,750.
    assert [s.difference for s in report.year_end] == [D("-293900.00"), D("136750")]
    assert [step.applied for step in report.waterfall] == [D("136750"), D("157150.00"), D("0.00"), D("0.00")]
