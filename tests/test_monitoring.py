"""Monitoring: quarterly actuals against the plan, worked by hand on a three-scheme plan and on the sample."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from bcf_xl.errors import BcfInputError
from bcf_xl.findings import Severity, Target
from bcf_xl.metrics import Achievement, Progress
from bcf_xl.minimums import asc_minimum
from bcf_xl.model import (
    Area,
    AreaKind,
    AscMinimum,
    ConditionAnswer,
    FundingSource,
    Metric,
    Partner,
    PartnerKind,
    Plan,
    Pool,
    RiskShareTerms,
    Scheme,
)
from bcf_xl.money import to_pence, total
from bcf_xl.monitoring import (
    Actuals,
    ActualsError,
    Answer,
    ConditionStatus,
    Grouping,
    IncomeReceived,
    MetricReport,
    SchemeSpend,
    actuals_from_mapping,
    actuals_to_mapping,
    as_at,
    latest_quarter,
    profile,
    variance_fraction,
)
from bcf_xl.monitoring_checks import check_actuals
from bcf_xl.monitoring_report import monitoring_report
from bcf_xl.policy import Policy, load_policy
from bcf_xl.report import compute
from bcf_xl.risk import Treatment
from bcf_xl.sample import sample_actuals, sample_plan
from tests.strategies import pence

YEAR = "2023-24"
_POLICY = load_policy()
NONE2 = (None, None)


def small_plan() -> Plan:
    """Three schemes, two sources, two pools and a risk pool, all in one plan year that balances (3,400.03)."""
    return Plan(
        area=Area("Testshire", AreaKind.UNITARY),
        years=(YEAR,),
        partners=(
            Partner("LA", "Testshire Council", PartnerKind.COUNCIL),
            Partner("ICB", "NHS Testshire", PartnerKind.ICB),
        ),
        sources=(
            FundingSource("NHS", "NHS minimum contribution", "ICB", (D("3000.03"),)),
            FundingSource("IBCF", "iBCF / Local Authority Better Care Grant", "LA", (D("400.00"),)),
        ),
        pools=(Pool("P1", "Pool 1", "LA"), Pool("P2", "Pool 2", "ICB"), Pool("RP", "Risk pool", "LA", True)),
        schemes=(
            _scheme("A", "Home Care", "Social Care", "Local Authority", "NHS", "1000.03", "P1"),
            _scheme("B", "Reablement", "Community Health", "Joint", "NHS", "2000.00", "P2", nhs_share=D("0.6")),
            _scheme("C", "Home Care", "Acute", "ICB", "IBCF", "400.00", "P2"),
        ),
        metrics=(
            Metric(
                "M1",
                "Admissions per 100,000",
                "Lower is better",
                "Rate per population",
                D(520),
                D(500),
                population=200_000,
            ),
            Metric("M2", "Discharged home", "Higher is better", "Percentage", D("0.90"), D("0.92")),
        ),
        asc_minimum=AscMinimum(D("900.00")),
        ooh_minimum=(D("1300.00"),),
        risk_terms=RiskShareTerms(risk_pool_balance=D("50.00")),
        conditions=(ConditionAnswer("NC1", True), ConditionAnswer("NC2", True)),
    )


def _scheme(
    ident: str, kind: str, area: str, commissioner: str, source: str, amount: str, pool: str, nhs_share: D | None = None
) -> Scheme:
    return Scheme(
        ident, f"Scheme {ident}", "", kind, "", area, commissioner, "Provider", source, (D(amount),), "Existing",
        "", pool, nhs_share=nhs_share,
    )  # fmt: skip


def q2_actuals() -> Actuals:
    """Complete, correct actuals for the second quarter: no finding at all."""
    return Actuals(
        schemes=(
            SchemeSpend("A", YEAR, (D("260.00"), D("255.50"), *NONE2)),
            SchemeSpend("B", YEAR, (D("400.00"), D("600.01"), *NONE2), forecast=D("2100.00")),
            SchemeSpend("C", YEAR, (D("0"), D("10.00"), *NONE2), profile=(D(0), D(0), D(200), D(200))),
        ),
        income=(
            IncomeReceived("NHS", YEAR, (D("750.00"), D("750.00"), *NONE2)),
            IncomeReceived("IBCF", YEAR, (D("100.00"), None, *NONE2)),
        ),
        metrics=(
            MetricReport("M1", YEAR, 2, D(510), "2023-08-31", "Winter planning", "Fewer admissions"),
            MetricReport("M2", YEAR, 2, D("0.93"), "2023-09-30"),
        ),
        conditions=(ConditionStatus("NC1", YEAR, 2, Answer.YES), ConditionStatus("NC2", YEAR, 2, Answer.YES)),
    )


def year_actuals() -> Actuals:
    """The whole year: every quarter of every scheme and source, and the year's metric figures."""
    return Actuals(
        schemes=(
            SchemeSpend("A", YEAR, (D("260.00"), D("255.50"), D("250.00"), D("250.00"))),  # 1,015.50
            SchemeSpend("B", YEAR, (D("400.00"), D("600.01"), D("500.00"), D("599.99"))),  # 2,100.00
            SchemeSpend(
                "C", YEAR, (D("0"), D("10.00"), D("200.00"), D("150.00")), profile=(D(0), D(0), D(200), D(200))
            ),
        ),
        income=(
            IncomeReceived("NHS", YEAR, (D("750.00"), D("750.00"), D("750.00"), D("750.03"))),
            IncomeReceived("IBCF", YEAR, (D("100.00"),) * 4),
        ),
        metrics=(MetricReport("M1", YEAR, 4, D(500)), MetricReport("M2", YEAR, 4, D("0.915"))),
        conditions=(ConditionStatus("NC1", YEAR, 4, "Yes"), ConditionStatus("NC2", YEAR, 4, "Yes")),
    )


# --- records --------------------------------------------------------------------------------------------


def test_records_convert_enum_text_and_lists() -> None:
    """A condition's "Yes"/"No" text becomes the Answer member; lists become tuples, as plan records do."""
    status = ConditionStatus("NC1", YEAR, 1, "No", "Late")
    assert status.met is Answer.NO
    spend = SchemeSpend("A", YEAR, [D(1), None, None, None])
    assert spend.spend == (D(1), None, None, None)
    assert Actuals(schemes=[spend]).schemes == (spend,)


@pytest.mark.parametrize(
    ("build", "field", "got"),
    [
        (lambda: ConditionStatus("NC1", YEAR, 1, "yes"), "Still met?", "yes"),
        (lambda: MetricReport("M1", YEAR, 5), "Quarter", "5"),
        (lambda: MetricReport("M1", "2023-25", 1), "Year", "2023-25"),
        (lambda: SchemeSpend("A", YEAR, (D(1), D(2), D(3))), "Spend", "3"),
        (lambda: SchemeSpend("A", YEAR, (D(1), 2.5, None, None)), "Spend Q2", "2.5"),
        (lambda: SchemeSpend("A", YEAR, profile=(D(1), None, D(1), D(1))), "Profile Q2", "a blank"),
        (lambda: SchemeSpend("", YEAR), "Scheme ID", ""),
    ],
)
def test_records_refuse_bad_fields_naming_them(build: Any, field: str, got: str) -> None:
    """A record refuses a field of the wrong kind, naming the field and showing what arrived."""
    with pytest.raises(BcfInputError) as caught:
        build()
    assert caught.value.location.field == field
    assert got in str(caught.value)


# --- spend against profile ------------------------------------------------------------------------------


def test_straight_line_profile_is_the_invoice_split() -> None:
    """Without a typed profile, quarters 1-3 are a quarter cut to the penny and the fourth takes the rest."""
    assert profile(D("1000.03")) == (D("250.00"), D("250.00"), D("250.00"), D("250.03"))
    assert profile(D("1000.03"), (D(1), D(2), D(3), D(4))) == (D(1), D(2), D(3), D(4))


@given(pence())
def test_straight_line_profile_sums_exactly_to_the_amount(amount: D) -> None:
    """The four quarters of a straight-line profile always add up to the plan's amount to the penny."""
    assert total(list(profile(amount))) == to_pence(amount)


@pytest.mark.parametrize(
    ("variance", "against", "expected"),
    [
        (D("15.50"), D("500"), D("0.0310")),
        (D(1), D(20000), D("0.0001")),  # 0.00005 is rounded half-up, not to even
        (D(-1), D(20000), D("-0.0001")),
        (D("232500"), D("3262500"), D("0.0713")),
        (D(10), D(0), None),
    ],
)
def test_variance_fraction_rounds_half_up_to_four_places(variance: D, against: D, expected: D | None) -> None:
    """A variance as a fraction of the profile is rounded half-up to 0.01%; against nothing there is none."""
    assert variance_fraction(variance, against) == expected


def test_scheme_spend_to_date_against_profile(policy: Policy) -> None:
    """Spend to date, profile to date, variance and forecast per scheme, worked by hand at Q2."""
    report = monitoring_report(small_plan(), q2_actuals(), YEAR, 2, policy)
    a, b, c = (line.figures for line in report.schemes)
    # A: straight-line 250.00 x 2; forecast = 515.50 to date + 250.00 + 250.03 still to come.
    assert (a.profile_to_date, a.actual_to_date, a.variance, a.variance_fraction) == (
        D("500.00"),
        D("515.50"),
        D("15.50"),
        D("0.0310"),
    )
    assert (a.forecast, a.forecast_variance) == (D("1015.53"), D("15.50"))
    # B: the typed forecast wins over 1,000.01 + 1,000.00.
    assert (b.actual_to_date, b.variance, b.forecast, b.forecast_variance) == (
        D("1000.01"),
        D("0.01"),
        D("2100.00"),
        D("100.00"),
    )
    assert report.schemes[1].forecast_typed and not report.schemes[0].forecast_typed
    # C: the typed profile puts nothing in Q1-Q2, so there is no fraction; forecast 10 + 200 + 200.
    assert (c.profile_to_date, c.variance, c.variance_fraction, c.forecast) == (D(0), D("10.00"), None, D("410.00"))
    assert (report.total.actual_to_date, report.total.forecast) == (D("1525.51"), D("3525.53"))


def test_spend_after_the_reporting_quarter_is_left_out(policy: Policy) -> None:
    """Spend typed for a later quarter is not counted in the spend to date (and is reported as MON05)."""
    actuals = q2_actuals()
    early = dataclasses.replace(actuals.schemes[0], spend=(D("260.00"), D("255.50"), D("999.00"), None))
    changed = dataclasses.replace(actuals, schemes=(early, *actuals.schemes[1:]))
    line = monitoring_report(small_plan(), changed, YEAR, 2, policy).schemes[0]
    assert line.figures.actual_to_date == D("515.50")


def test_totals_by_grouping_worked_by_hand(policy: Policy) -> None:
    """Totals by source, scheme type, area of spend and commissioner; a joint scheme split by its NHS share.

    B's 1,000.01 to date at 60% NHS is 600.006, rounded half-up to 600.01 NHS and 400.00 to the council.
    """
    report = monitoring_report(small_plan(), q2_actuals(), YEAR, 2, policy)

    def figures(grouping: Grouping) -> dict[str, tuple[D, D, D, D]]:
        return {
            t.key: (t.figures.planned, t.figures.profile_to_date, t.figures.actual_to_date, t.figures.forecast)
            for t in report.totals_for(grouping)
        }

    assert figures(Grouping.COMMISSIONER) == {
        "NHS": (D("1600.00"), D("600.00"), D("610.01"), D("1670.00")),
        "Local Authority": (D("1800.03"), D("900.00"), D("915.50"), D("1855.53")),
    }
    assert figures(Grouping.SOURCE) == {
        "NHS": (D("3000.03"), D("1500.00"), D("1515.51"), D("3115.53")),
        "IBCF": (D("400.00"), D(0), D("10.00"), D("410.00")),
    }
    assert figures(Grouping.SCHEME_TYPE)["Home Care"] == (D("1400.03"), D("500.00"), D("525.50"), D("1425.53"))
    assert list(figures(Grouping.AREA_OF_SPEND)) == ["Social Care", "Community Health", "Acute"]


quarter_figures = st.one_of(st.none(), pence(0, 100_000))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(quarter_figures, quarter_figures, quarter_figures, quarter_figures), min_size=3, max_size=3),
    st.integers(min_value=1, max_value=4),
    st.lists(st.one_of(st.none(), pence(0, 10_000)), min_size=3, max_size=3),
)
def test_every_grouping_adds_up_to_the_whole(spends: list[Any], quarter: int, forecasts: list[D | None]) -> None:
    """Whatever is spent, each grouping's totals add up exactly to the schemes' total, figure by figure."""
    actuals = Actuals(
        schemes=tuple(
            SchemeSpend(ident, YEAR, spend, forecast=forecast)
            for ident, spend, forecast in zip("ABC", spends, forecasts, strict=True)
        )
    )
    report = monitoring_report(small_plan(), actuals, YEAR, quarter, _POLICY)
    whole = report.total
    for grouping in Grouping:
        lines = [t.figures for t in report.totals_for(grouping)]
        for name in ("planned", "profile_to_date", "actual_to_date", "forecast"):
            assert total([getattr(f, name) for f in lines]) == getattr(whole, name), (grouping, name)
    for line in report.schemes:  # an untyped forecast is the actual to date plus the profile still to come
        if not line.forecast_typed:
            assert line.figures.forecast == line.figures.actual_to_date + total(list(line.profile[quarter:]))


def test_income_received_to_date_against_straight_line_quarters(policy: Policy) -> None:
    """Income to date is what was received in the quarters up to the reporting one, against the plan's quarters."""
    income = monitoring_report(small_plan(), q2_actuals(), YEAR, 2, policy).income
    assert [(i.source_id, i.expected_to_date, i.received_to_date, i.difference) for i in income] == [
        ("NHS", D("1500.00"), D("1500.00"), D("0.00")),
        ("IBCF", D("200.00"), D("100.00"), D("-100.00")),
    ]


# --- metrics --------------------------------------------------------------------------------------------


def test_metric_progress_rates_the_latest_figure_against_the_target(policy: Policy) -> None:
    """A rate metric's count is rated per population (510 of 200,000 is 255 per 100,000 against 250)."""
    m1, m2 = monitoring_report(small_plan(), q2_actuals(), YEAR, 2, policy).metrics
    assert (m1.measured, m1.target, m1.progress, m1.achievement) == (D(255), D(250), Progress.NOT_ON_TRACK, None)
    assert (m1.data_date, m1.challenges, m1.achievements) == ("2023-08-31", "Winter planning", "Fewer admissions")
    assert (m2.measured, m2.progress) == (D("0.93"), Progress.ON_TRACK)


def test_year_end_achievement_words(policy: Policy) -> None:
    """At Q4 each metric's year figure gives Achieved (a target met exactly counts) or Not Achieved."""
    m1, m2 = monitoring_report(small_plan(), year_actuals(), YEAR, 4, policy).metrics
    assert (m1.achievement, m2.achievement) == (Achievement.ACHIEVED, Achievement.NOT_ACHIEVED)


def test_a_metric_without_data_has_the_no_data_words(policy: Policy) -> None:
    """No figure for the quarter gives the policy's no-data words, in the quarter and at year end."""
    actuals = dataclasses.replace(year_actuals(), metrics=())
    m1, _ = monitoring_report(small_plan(), actuals, YEAR, 4, policy).metrics
    assert (m1.progress, m1.achievement) == (Progress.NO_DATA, Achievement.NO_DATA)
    assert m1.achievement.value == Progress.NO_DATA.value


# --- the year end ---------------------------------------------------------------------------------------


def test_outturn_and_minimums_actually_met(policy: Policy) -> None:
    """Actual income and expenditure, ASC spend (A's 1,015.50) and out-of-hospital spend (60% of B's 2,100.00)."""
    plan = small_plan()
    outturn = monitoring_report(plan, year_actuals(), YEAR, 4, policy).outturn
    assert outturn is not None
    assert (outturn.actual_income, outturn.actual_expenditure, outturn.difference) == (
        D("3400.03"),
        D("3475.50"),
        D("-75.47"),
    )
    assert outturn.asc_minimum is not None and outturn.ooh_minimum is not None
    assert outturn.asc_minimum.planned == D("1015.50")
    assert outturn.asc_minimum.required == asc_minimum(plan, policy)[0].required
    assert outturn.asc_met is True
    assert (outturn.ooh_minimum.planned, outturn.ooh_minimum.required, outturn.ooh_met) == (
        D("1260.00"),
        D("1300.00"),
        False,
    )
    assert outturn.estimated_schemes == 0


def test_section_75_statement_from_actuals(policy: Policy) -> None:
    """Each pool's contributions are the plan's, its expenditure the actual spend; overspends are shared.

    P1: 1,000.03 in, 1,015.50 spent. P2: 2,000 (ICB) + 400 (council) in, 2,460 spent, so -60 shared 50/10.
    The 75.47 overspent takes 50 from the risk pool and 25.47 from outside the pools.
    """
    report = monitoring_report(small_plan(), year_actuals(), YEAR, 4, policy)
    p1, p2 = report.year_end
    assert (p1.total_contributions, p1.expenditure, p1.difference) == (D("1000.03"), D("1015.50"), D("-15.47"))
    assert (p2.contributions, p2.expenditure, p2.difference) == (
        (("ICB", D("2000.00")), ("LA", D("400.00"))),
        D("2460.00"),
        D("-60.00"),
    )
    assert (p2.treatment, p2.treatment_split) == (Treatment.SHARED, (("ICB", D("-50.00")), ("LA", D("-10.00"))))
    assert [step.applied for step in report.waterfall] == [D(0), D("50.00"), D(0), D("25.47")]


def test_year_end_figures_only_at_quarter_four(policy: Policy) -> None:
    """The outturn and Section 75 statements belong to the end-of-year return, not the quarterly ones."""
    report = monitoring_report(small_plan(), q2_actuals(), YEAR, 2, policy)
    assert (report.outturn, report.year_end, report.waterfall) == (None, (), ())


def test_a_scheme_not_reported_counts_at_plan_as_an_estimate(policy: Policy) -> None:
    """At year end a scheme with no spend at all counts at its plan in the statement and is counted as estimated."""
    actuals = dataclasses.replace(year_actuals(), schemes=year_actuals().schemes[:2])
    report = monitoring_report(small_plan(), actuals, YEAR, 4, policy)
    assert report.outturn is not None and report.outturn.estimated_schemes == 1
    assert report.year_end[1].expenditure == D("2100.00") + D("400.00")
    assert report.year_end[1].estimated_lines == 1


# --- checks ---------------------------------------------------------------------------------------------


def test_complete_actuals_have_no_findings() -> None:
    """Correct, complete actuals for the reporting quarter raise nothing."""
    assert check_actuals(small_plan(), q2_actuals(), YEAR, 2) == ()


def _with(**changes: Any) -> Actuals:
    actuals = q2_actuals()
    return dataclasses.replace(actuals, **{k: v(actuals) for k, v in changes.items()})


CASES = [
    ("unknown scheme", _with(schemes=lambda a: (*a.schemes, SchemeSpend("Z", YEAR, (D(1), D(1), None, None)))),
     Severity.ERROR, "MON01", Target("scheme_spend", "Z", "scheme_id", YEAR)),
    ("unknown source", _with(income=lambda a: (*a.income, IncomeReceived("NOPE", YEAR))),
     Severity.ERROR, "MON01", Target("income_received", "NOPE", "source_id", YEAR)),
    ("unknown metric", _with(metrics=lambda a: (*a.metrics, MetricReport("M9", YEAR, 2, D(1)))),
     Severity.ERROR, "MON01", Target("metric_report", "M9", "metric_id", YEAR)),
    ("unknown condition", _with(conditions=lambda a: (*a.conditions, ConditionStatus("NC9", YEAR, 2, Answer.YES))),
     Severity.ERROR, "MON01", Target("condition_status", "NC9", "code", YEAR)),
    ("another year", _with(income=lambda a: (*a.income, IncomeReceived("NHS", "2030-31"))),
     Severity.ERROR, "MON02", Target("income_received", "NHS", "year", "2030-31")),
    ("repeated scheme", _with(schemes=lambda a: (*a.schemes, a.schemes[1])),
     Severity.ERROR, "MON03", Target("scheme_spend", "B", "scheme_id", YEAR, occurrence=1)),
    ("negative spend", _with(schemes=lambda a: (SchemeSpend("A", YEAR, (D("-5"), D(1), None, None)), *a.schemes[1:])),
     Severity.ERROR, "MON04", Target("scheme_spend", "A", "spend_q1", YEAR)),
    ("negative income",
     _with(income=lambda a: (IncomeReceived("NHS", YEAR, (D(1), D("-0.01"), None, None)), a.income[1])),
     Severity.ERROR, "MON04", Target("income_received", "NHS", "received_q2", YEAR)),
    ("spend after the quarter",
     _with(schemes=lambda a: (SchemeSpend("A", YEAR, (D(1), D(1), D(1), None)), *a.schemes[1:])),
     Severity.ERROR, "MON05", Target("scheme_spend", "A", "spend_q3", YEAR)),
    ("metric after the quarter", _with(metrics=lambda a: (*a.metrics, MetricReport("M1", YEAR, 3, D(1)))),
     Severity.ERROR, "MON05", Target("metric_report", "M1", "quarter", YEAR)),
    ("No without explanation",
     _with(conditions=lambda a: (ConditionStatus("NC1", YEAR, 2, Answer.NO, " "), a.conditions[1])),
     Severity.ERROR, "MON06", Target("condition_status", "NC1", "explanation", YEAR)),
    ("No explained",
     _with(conditions=lambda a: (ConditionStatus("NC1", YEAR, 2, Answer.NO, "Late"), a.conditions[1])),
     Severity.WARNING, "MON06", Target("condition_status", "NC1", "explanation", YEAR)),
    ("condition unanswered", _with(conditions=lambda a: (ConditionStatus("NC1", YEAR, 2), a.conditions[1])),
     Severity.ERROR, "MON07", Target("condition_status", "NC1", "met", YEAR)),
    ("metric without data", _with(metrics=lambda a: (MetricReport("M1", YEAR, 2), a.metrics[1])),
     Severity.WARNING, "MON08", Target("metric_report", "M1", "actual", YEAR)),
    ("quarter not reported",
     _with(schemes=lambda a: (SchemeSpend("A", YEAR, (D(1), None, None, None)), *a.schemes[1:])),
     Severity.WARNING, "MON09", Target("scheme_spend", "A", "spend_q2", YEAR)),
    ("profile off the plan",
     _with(schemes=lambda a: (*a.schemes[:2], SchemeSpend("C", YEAR, (D(0), D(10), None, None), (D(0),) * 4))),
     Severity.WARNING, "MON10", Target("scheme_spend", "C", "profile", YEAR)),
]  # fmt: skip


@pytest.mark.parametrize(("actuals", "severity", "code", "target"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_finding_at_its_target(actuals: Actuals, severity: Severity, code: str, target: Target) -> None:
    """Each rule on actuals gives one finding of its code and severity, naming the record, field and year."""
    found = [(f.severity, f.code, f.target) for f in check_actuals(small_plan(), actuals, YEAR, 2)]
    assert found == [(severity, code, target)]


def test_findings_read_clearly() -> None:
    """A finding's message says the rule and what arrived, in the officer's words."""
    actuals = _with(schemes=lambda a: (SchemeSpend("A", YEAR, (D("-5"), D(1), None, None)), *a.schemes[1:]))
    (finding,) = check_actuals(small_plan(), actuals, YEAR, 2)
    assert str(finding) == (
        "Error MON04 [A] Spend q1 2023-24: spend in Q1 must not be negative (got -5); "
        "enter a refund against the quarter it reduces"
    )


@pytest.mark.parametrize(
    ("year", "quarter", "field"), [("2024-25", 2, "year"), (YEAR, 0, "quarter"), (YEAR, 5, "quarter")]
)
def test_report_refuses_a_year_or_quarter_it_cannot_report(policy: Policy, year: str, quarter: int, field: str) -> None:
    """A year the plan does not have, or a quarter other than 1-4, is refused naming the argument."""
    with pytest.raises(BcfInputError) as caught:
        monitoring_report(small_plan(), q2_actuals(), year, quarter, policy)
    assert caught.value.location.field == field


# --- plain data -----------------------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
IDS = st.sampled_from(["A", "B", "S001", "NHS1", "M1", "NC1", "x y"])
YEARS = st.sampled_from(["2023-24", "2024-25", "2099-00"])
FIGURE = st.one_of(
    st.none(),
    pence(),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9),
)
FOUR = st.tuples(FIGURE, FIGURE, FIGURE, FIGURE)
SOME = pence()
TYPED = st.tuples(SOME, SOME, SOME, SOME)
actuals_strategy = st.builds(
    Actuals,
    schemes=st.lists(
        st.builds(SchemeSpend, IDS, YEARS, FOUR, st.one_of(st.none(), TYPED), st.one_of(st.none(), SOME)),
        max_size=4,
    ).map(tuple),
    income=st.lists(st.builds(IncomeReceived, IDS, YEARS, FOUR), max_size=3).map(tuple),
    metrics=st.lists(
        st.builds(MetricReport, IDS, YEARS, st.integers(1, 4), FIGURE, TEXT, TEXT, TEXT), max_size=4
    ).map(tuple),
    conditions=st.lists(
        st.builds(ConditionStatus, IDS, YEARS, st.integers(1, 4), st.one_of(st.none(), st.sampled_from(Answer)), TEXT),
        max_size=4,
    ).map(tuple),
)  # fmt: skip


@settings(max_examples=150)
@given(actuals_strategy)
def test_mapping_round_trip_is_lossless(actuals: Actuals) -> None:
    """actuals_to_mapping gives JSON-safe data from which actuals_from_mapping builds equal actuals."""
    data = json.loads(json.dumps(actuals_to_mapping(actuals)))
    assert actuals_from_mapping(data) == actuals


def test_sample_round_trips_and_keeps_figures_as_exact_text() -> None:
    """The sample's actuals go to plain data and back unchanged; figures are text, enums their words."""
    data = actuals_to_mapping(sample_actuals())
    assert data["schemes"][35]["profile"] == ["650000.00", "1000000.00", "1300000.00", "1385123.45"]
    assert data["conditions"][10]["met"] == "No" and type(data["conditions"][10]["met"]) is str
    assert actuals_from_mapping(json.loads(json.dumps(data))) == sample_actuals()


def test_mapping_lists_every_problem_with_its_path() -> None:
    """Bad plain data raises ActualsError naming each problem's path and what arrived, all at once."""
    data = {
        "schemes": [{"scheme_id": "A", "year": YEAR, "spend": [1, "lots", None, ""]}],
        "metrics": [{"metric_id": "M1", "year": YEAR, "quarter": 5}],
        "conditions": [{"code": "NC1", "year": YEAR, "quarter": 1, "met": "Maybe", "explaination": ""}],
    }
    with pytest.raises(ActualsError) as caught:
        actuals_from_mapping(data)
    assert caught.value.problems == (
        'schemes[0].spend[1]: must be an amount (got "lots")',
        "metrics[0]: [M1] Quarter: must be a quarter, 1 to 4 (got 5)",
        'conditions[0]: unknown field "explaination" (did you mean "explanation"?)',
        'conditions[0].met: must be one of Yes, No (got "Maybe")',
    )
    assert str(caught.value).startswith("the actuals have 4 problems:")


def test_mapping_reads_blanks_and_numbers_exactly() -> None:
    """A blank quarter is None or ""; a float is read through repr, so 0.1 is exactly 0.1."""
    actuals = actuals_from_mapping(
        {"schemes": [{"scheme_id": "A", "year": YEAR, "spend": [0.1, "", None, "£1,234.50"]}]}
    )
    assert actuals.schemes[0].spend == (D("0.1"), None, None, D("1234.50"))


# --- the sample -----------------------------------------------------------------------------------------


def test_sample_at_q3_shows_an_overspent_scheme(policy: Policy) -> None:
    """S025 is overspent at Q3: 3,495,000 spent against 3 x 1,087,500 profiled, 7.13% over."""
    report = monitoring_report(sample_plan(), sample_actuals(3), YEAR, 3, policy)
    s025 = next(line for line in report.schemes if line.scheme_id == "S025")
    assert (s025.figures.profile_to_date, s025.figures.actual_to_date, s025.figures.variance) == (
        D("3262500.00"),
        D("3495000.00"),
        D("232500.00"),
    )
    assert s025.figures.variance_fraction == D("0.0713")
    assert s025.figures.forecast == D("3495000.00") + D("1087500.00")


def test_sample_at_q3_has_warnings_but_no_errors(policy: Policy) -> None:
    """At Q3 the sample's No for NC3 is explained (a warning) and REABLE has no data (a warning): nothing else."""
    findings = monitoring_report(sample_plan(), sample_actuals(3), YEAR, 3, policy).findings
    assert [(f.severity, f.code, f.target.ident) for f in findings] == [
        (Severity.WARNING, "MON06", "NC3"),
        (Severity.WARNING, "MON08", "REABLE"),
    ]


def test_sample_shows_every_word(policy: Policy) -> None:
    """The sample's metrics show every progress word at Q3 and every achievement word at year end."""
    q3 = {m.metric_id: m.progress for m in monitoring_report(sample_plan(), sample_actuals(3), YEAR, 3, policy).metrics}
    assert set(q3.values()) == set(Progress)
    assert (q3["FALLS"], q3["HOME"], q3["REABLE"]) == (Progress.NOT_ON_TRACK, Progress.ON_TRACK, Progress.NO_DATA)
    year_end = monitoring_report(sample_plan(), sample_actuals(), YEAR, 4, policy).metrics
    words = {m.metric_id: m.achievement for m in year_end}
    assert set(words.values()) == set(Achievement)
    assert words["FALLS"] is Achievement.ACHIEVED


def test_sample_as_at_a_quarter_blanks_later_figures() -> None:
    """sample_actuals(3) holds nothing after Q3; the full year reaches Q4."""
    q3 = sample_actuals(3)
    assert all(s.spend[3] is None for s in q3.schemes) and all(i.received[3] is None for i in q3.income)
    assert max(m.quarter for m in q3.metrics) == 3
    assert (latest_quarter(q3, YEAR), latest_quarter(sample_actuals(), YEAR), latest_quarter(q3, "2024-25")) == (
        3,
        4,
        None,
    )
    assert as_at(sample_actuals(), YEAR, 3) == q3
    with pytest.raises(BcfInputError, match="quarter"):
        sample_actuals(0)


def test_sample_year_end_statement_equals_the_plans_outturn(policy: Policy) -> None:
    """The sample's quarters add up to the outturn in its plan, so the statements from actuals are the plan's own."""
    plan = sample_plan()
    from_actuals = monitoring_report(plan, sample_actuals(), YEAR, 4, policy)
    from_plan = compute(plan, policy)
    assert from_actuals.year_end == from_plan.year_end
    assert from_actuals.waterfall == from_plan.waterfall
    p1 = from_actuals.year_end[0]
    assert (p1.pool_id, p1.expenditure, p1.difference) == ("P1", D("35619023.45"), D("-293900.00"))
    assert [s.estimated_lines for s in from_actuals.year_end] == [0, 0]


def test_sample_outturn(policy: Policy) -> None:
    """The sample year's actual income is its plan; expenditure is the outturn; both minimums were met."""
    plan = sample_plan()
    outturn = monitoring_report(plan, sample_actuals(), YEAR, 4, policy).outturn
    assert outturn is not None
    assert outturn.actual_income == plan.income(YEAR) == D("61410123.45")
    assert outturn.actual_expenditure == total([s.outturn[0] for s in plan.schemes if s.outturn[0] is not None])
    assert outturn.actual_expenditure == D("61567273.45")
    assert (outturn.asc_met, outturn.ooh_met) == (True, True)


def test_report_frames_keep_exact_decimals(policy: Policy) -> None:
    """to_frames gives named DataFrames of object columns holding the exact Decimals."""
    frames = monitoring_report(sample_plan(), sample_actuals(), YEAR, 4, policy).to_frames()
    assert set(frames) == {
        "schemes",
        "totals",
        "income",
        "metrics",
        "conditions",
        "outturn",
        "year_end",
        "waterfall",
        "findings",
    }
    schemes = frames["schemes"].set_index("scheme_id")
    assert schemes.loc["S036", "profile_q4"] == D("1385123.45")
    assert schemes.loc["S025", "variance"] == D("322500.00")
    assert all(str(dtype) == "object" for frame in frames.values() for dtype in frame.dtypes)
    assert frames["outturn"].loc[0, "actual_expenditure"] == D("61567273.45")
    assert list(frames["conditions"]["met"]) == ["Yes"] * 4
    assert frames["metrics"].set_index("metric_id").loc["REABLE", "achievement"] == Achievement.NO_DATA.value


def test_public_api_computes_a_return_in_three_lines(policy: Policy) -> None:
    """bcf_xl exports the monitoring API; its monitoring_report takes the shipped policy when none is given."""
    import bcf_xl

    actuals = bcf_xl.actuals_from_mapping(bcf_xl.actuals_to_mapping(bcf_xl.sample_actuals(3)))
    report = bcf_xl.monitoring_report(bcf_xl.sample_plan(), actuals, YEAR, 3)
    assert report == monitoring_report(sample_plan(), sample_actuals(3), YEAR, 3, policy)
    assert issubclass(bcf_xl.ActualsError, bcf_xl.PlanError)
