"""The embedded sample plan gives every calculation and check something to do."""

from __future__ import annotations

from decimal import Decimal as D

from bcf_xl.checks import Severity
from bcf_xl.metrics import Rag
from bcf_xl.model import AreaKind, Commissioner, Plan, SourceKind
from bcf_xl.policy import Policy
from bcf_xl.report import compute


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


def test_sample_is_a_new_plan_each_call(plan: Plan) -> None:
    """sample_plan() builds equal plans (tests may replace parts of theirs freely)."""
    from bcf_xl.sample import sample_plan

    assert sample_plan() == plan


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
