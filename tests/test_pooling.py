"""bcf_xl.pooling and bcf_xl.minimums: pooled totals by every view, balances, and the two minimum spends."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bcf_xl.errors import BcfInputError
from bcf_xl.minimums import asc_minimum, nhs_minimum_income, ooh_minimum
from bcf_xl.model import (
    Area,
    AreaKind,
    AreaOfSpend,
    AscMinimum,
    Commissioner,
    FundingSource,
    Partner,
    PartnerKind,
    Plan,
    Pool,
    Scheme,
    SchemeStatus,
    SourceKind,
)
from bcf_xl.policy import load_policy
from bcf_xl.pooling import (
    LOCAL_AUTHORITY,
    NHS,
    Dimension,
    balance,
    grand_total,
    running_balances,
    split_joint,
    totals_by,
)
from bcf_xl.submission.definition import YEARS as TEMPLATE_YEARS
from bcf_xl.uplift import MinimumSpend
from tests.plans import plans

D = Decimal
YEARS = ("2023-24", "2024-25")
Y1, Y2 = YEARS

LA = Commissioner.LOCAL_AUTHORITY
ICB = Commissioner.ICB
JOINT = Commissioner.JOINT
SC = AreaOfSpend.SOCIAL_CARE
CH = AreaOfSpend.COMMUNITY_HEALTH
MH = AreaOfSpend.MENTAL_HEALTH
PC = AreaOfSpend.PRIMARY_CARE
AC = AreaOfSpend.ACUTE
OT = AreaOfSpend.OTHER


def _scheme(
    scheme_id: str,
    *,
    source: str,
    commissioner: Commissioner,
    area: AreaOfSpend,
    amounts: tuple[str, str],
    theme: str = "Theme",
    pool: str = "P1",
    nhs_share: str | None = None,
) -> Scheme:
    return Scheme(
        scheme_id=scheme_id,
        name=f"Scheme {scheme_id}",
        description="",
        scheme_type="Other",
        sub_type="",
        area_of_spend=area,
        commissioner=commissioner,
        provider="Private Sector",
        source=source,
        amounts=(D(amounts[0]), D(amounts[1])),
        status=SchemeStatus.EXISTING,
        theme=theme,
        pool=pool,
        nhs_share=None if nhs_share is None else D(nhs_share),
    )


PARTNERS = (
    Partner("NCC", "Northmoor County Council", PartnerKind.COUNCIL),
    Partner("NME", "NHS Northmoor and Eastfield ICB", PartnerKind.ICB),
)

# Income: 1,850.00 in 2023-24 and 1,950.00 in 2024-25; spend 1,800.00 and 1,900.00.
POOLING_PLAN = Plan(
    area=Area("Northmoor", AreaKind.UNITARY),
    years=YEARS,
    partners=PARTNERS,
    sources=(
        FundingSource("NHS1", SourceKind.NHS_MINIMUM, "NME", (D("1000.00"), D("1150.00"))),
        FundingSource("IBCF", SourceKind.IBCF, "NCC", (D("500.00"), D("500.00"))),
        FundingSource("DFG", SourceKind.DFG, "NCC", (D("300.00"), D("300.00"))),
        FundingSource("DISCH", SourceKind.DISCHARGE_LA, "NCC", (D("50.00"), D("0.00"))),
    ),
    pools=(Pool("P1", "Pool 1", "NCC"), Pool("P2", "Pool 2", "NME")),
    schemes=(
        _scheme(
            "S1", source="NHS1", commissioner=ICB, area=CH, amounts=("400.00", "440.00"), theme="Reablement", pool="P2"
        ),
        _scheme("S2", source="NHS1", commissioner=LA, area=SC, amounts=("600.00", "660.00"), theme="Carers"),
        _scheme(
            "S3",
            source="IBCF",
            commissioner=JOINT,
            area=SC,
            amounts=("100.00", "100.01"),
            theme="Reablement",
            nhs_share="0.333",
        ),
        _scheme(
            "S4", source="DFG", commissioner=LA, area=OT, amounts=("300.00", "300.00"), theme="Adaptations", pool="P9"
        ),
        _scheme(
            "S5",
            source="IBCF",
            commissioner=JOINT,
            area=MH,
            amounts=("400.00", "399.99"),
            theme="Carers",
            nhs_share="0.333",
        ),
    ),
)


def _totals(dimension: Dimension, year: str | None) -> list[tuple[str, Decimal]]:
    return [(line.key, line.amount) for line in totals_by(POOLING_PLAN, dimension, year)]


@pytest.mark.parametrize(
    ("dimension", "year", "expected"),
    [
        # Declared pools first, in the plan's order; the undeclared P9 still counts, after them.
        (Dimension.POOL, Y1, [("P1", "1100.00"), ("P2", "400.00"), ("P9", "300.00")]),
        (Dimension.POOL, Y2, [("P1", "1160.00"), ("P2", "440.00"), ("P9", "300.00")]),
        (Dimension.POOL, None, [("P1", "2260.00"), ("P2", "840.00"), ("P9", "600.00")]),
        # Themes in order of first appearance.
        (Dimension.THEME, Y1, [("Reablement", "500.00"), ("Carers", "1000.00"), ("Adaptations", "300.00")]),
        (Dimension.THEME, None, [("Reablement", "1040.01"), ("Carers", "2059.99"), ("Adaptations", "600.00")]),
        # Partners in the plan's order, by who contributes the funding source.
        (Dimension.PARTNER, Y1, [("NCC", "800.00"), ("NME", "1000.00")]),
        (Dimension.PARTNER, Y2, [("NCC", "800.00"), ("NME", "1100.00")]),
        # Sources in the plan's order, including one nothing is spent from.
        (Dimension.SOURCE, Y1, [("NHS1", "1000.00"), ("IBCF", "500.00"), ("DFG", "300.00"), ("DISCH", "0")]),
        # Joint schemes split by NHS share 0.333: 100.00 -> 33.30 + 66.70, 400.00 -> 133.20 + 266.80.
        (Dimension.COMMISSIONER, Y1, [(NHS, "566.50"), (LOCAL_AUTHORITY, "1233.50")]),
        # 100.01 x 0.333 = 33.30333 -> 33.30 + 66.71; 399.99 x 0.333 = 133.19667 -> 133.20 + 266.79.
        (Dimension.COMMISSIONER, Y2, [(NHS, "606.50"), (LOCAL_AUTHORITY, "1293.50")]),
        (Dimension.COMMISSIONER, None, [(NHS, "1173.00"), (LOCAL_AUTHORITY, "2527.00")]),
        # Areas of spend in order of first appearance, by their template names.
        (
            Dimension.AREA_OF_SPEND,
            Y1,
            [
                ("Community Health", "400.00"),
                ("Social Care", "700.00"),
                ("Other", "300.00"),
                ("Mental Health", "400.00"),
            ],
        ),
        (Dimension.YEAR, None, [(Y1, "1800.00"), (Y2, "1900.00")]),
    ],
)
def test_totals_by_dimension(dimension: Dimension, year: str | None, expected: list[tuple[str, str]]) -> None:
    """Planned expenditure grouped by each view, for one year or all years, keys in their declared order."""
    assert _totals(dimension, year) == [(key, D(amount)) for key, amount in expected]


@pytest.mark.parametrize("dimension", list(Dimension))
@pytest.mark.parametrize(("year", "expected"), [(Y1, "1800.00"), (Y2, "1900.00"), (None, "3700.00")])
def test_every_view_reconciles_to_the_same_grand_total(dimension: Dimension, year: str | None, expected: str) -> None:
    """Every view's lines add back to total planned expenditure, to the penny (joint splits included)."""
    assert grand_total(totals_by(POOLING_PLAN, dimension, year)) == D(expected)


@st.composite
def pooled_plans(draw: st.DrawFn) -> Plan:
    """Random plans of either template year, their schemes spread over several pools, some naming a pool or
    source the plan does not declare (such a scheme still counts, under its own name)."""
    plan = draw(plans(draw(st.sampled_from(list(TEMPLATE_YEARS.values())))))
    pools = (*plan.pools, Pool("P2", "Pool 2", plan.partners[-1].partner_id))
    pool_ids = st.sampled_from([*(p.pool_id for p in pools), "P9 (undeclared)"])
    source_ids = st.sampled_from([*(s.source_id for s in plan.sources), "R99 (undeclared)"])
    schemes = tuple(
        dataclasses.replace(scheme, pool=draw(pool_ids), source=draw(source_ids)) for scheme in plan.schemes
    )
    return dataclasses.replace(plan, pools=pools, schemes=schemes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled_plans())
def test_every_view_adds_up_to_total_expenditure_for_any_plan(plan: Plan) -> None:
    """Every pooled view (pool, theme, partner, source, commissioner, area of spend, year) adds up exactly to the
    plan's total expenditure, for each year and for all years: a property of the engine, not a check (BCF13 was
    retired because it could never fire)."""
    for dimension in Dimension:
        for year in plan.years:
            assert grand_total(totals_by(plan, dimension, year)) == plan.expenditure(year), (dimension, year)
        everything = sum((plan.expenditure(year) for year in plan.years), D(0))
        assert grand_total(totals_by(plan, dimension)) == everything, dimension


def test_totals_by_year_for_one_year_keeps_the_other_year_at_zero() -> None:
    """The YEAR view always lists every plan year; for one year the other shows zero."""
    assert _totals(Dimension.YEAR, Y2) == [(Y1, D(0)), (Y2, D("1900.00"))]


def test_declared_pool_without_schemes_is_listed_at_zero() -> None:
    """A declared pool with nothing in it still appears, at zero, in the plan's order."""
    plan = dataclasses.replace(
        POOLING_PLAN, pools=(Pool("RP", "Risk pool", "NCC", is_risk_pool=True), *POOLING_PLAN.pools)
    )
    lines = [(line.key, line.amount) for line in totals_by(plan, Dimension.POOL, Y1)]
    assert lines == [("RP", D(0)), ("P1", D("1100.00")), ("P2", D("400.00")), ("P9", D("300.00"))]


def test_scheme_with_unknown_source_counts_under_its_own_partner_name() -> None:
    """A scheme whose source is not declared still counts, by partner as 'unknown source X' and by source as X."""
    extra = _scheme("S6", source="XX", commissioner=LA, area=OT, amounts=("7.00", "0.00"))
    plan = dataclasses.replace(POOLING_PLAN, schemes=(*POOLING_PLAN.schemes, extra))
    partner = [(line.key, line.amount) for line in totals_by(plan, Dimension.PARTNER, Y1)]
    assert partner == [("NCC", D("800.00")), ("NME", D("1000.00")), ("unknown source XX", D("7.00"))]
    source = [(line.key, line.amount) for line in totals_by(plan, Dimension.SOURCE, Y1)]
    assert source[-1] == ("XX", D("7.00"))


@pytest.mark.parametrize(
    ("amount", "share", "nhs", "la"),
    [
        ("100.00", "0.333", "33.30", "66.70"),
        ("100.01", "0.333", "33.30", "66.71"),
        ("399.99", "0.333", "133.20", "266.79"),
        ("100.01", "0.5", "50.01", "50.00"),
        ("0.01", "0.5", "0.01", "0.00"),
        ("1000", "0", "0.00", "1000.00"),
        ("1000", "1", "1000.00", "0.00"),
        ("-100.01", "0.5", "-50.01", "-50.00"),
    ],
)
def test_split_joint_nhs_rounded_half_up_la_takes_the_rest(amount: str, share: str, nhs: str, la: str) -> None:
    """The NHS part is amount x share rounded half-up; the LA part is the rest, so they add back exactly."""
    assert split_joint(D(amount), D(share)) == (D(nhs), D(la))


def test_balance_income_against_expenditure() -> None:
    """Income 1,850 against expenditure 1,800 in 2023-24 leaves 50; 1,950 against 1,900 in 2024-25 leaves 50."""
    first = balance(POOLING_PLAN, Y1)
    assert (first.year, first.income, first.expenditure, first.difference) == (Y1, D("1850"), D("1800"), D("50"))
    second = balance(POOLING_PLAN, Y2)
    assert (second.income, second.expenditure, second.difference) == (D("1950"), D("1900"), D("50"))


def test_balance_for_unknown_year_raises() -> None:
    """A year outside the plan is an error naming the plan years."""
    with pytest.raises(BcfInputError, match=r"^year: must be one of 2023-24, 2024-25 \(got \"2025-26\"\)$"):
        balance(POOLING_PLAN, "2025-26")


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            Y1,
            [
                ("NHS1", "1000.00", "1000.00", "0.00"),
                ("IBCF", "500.00", "500.00", "0.00"),
                ("DFG", "300.00", "300.00", "0.00"),
                ("DISCH", "50.00", "0", "50.00"),
            ],
        ),
        (
            Y2,
            [
                ("NHS1", "1150.00", "1100.00", "50.00"),
                ("IBCF", "500.00", "500.00", "0.00"),
                ("DFG", "300.00", "300.00", "0.00"),
                ("DISCH", "0.00", "0", "0.00"),
            ],
        ),
    ],
)
def test_running_balances_per_source(year: str, expected: list[tuple[str, str, str, str]]) -> None:
    """Each source's balance is its income less the planned spend it funds, in the plan's source order."""
    result = [(b.source_id, b.income, b.expenditure, b.balance) for b in running_balances(POOLING_PLAN, year)]
    assert result == [(s, D(i), D(e), D(b)) for s, i, e, b in expected]
    assert all(b.year == year for b in running_balances(POOLING_PLAN, year))


def test_running_balance_negative_when_overcommitted() -> None:
    """A source funding more than it brings in has a negative balance: DFG 300 income against 350 spend is -50."""
    extra = _scheme("S7", source="DFG", commissioner=LA, area=OT, amounts=("50.00", "0.00"))
    plan = dataclasses.replace(POOLING_PLAN, schemes=(*POOLING_PLAN.schemes, extra))
    by_source = {b.source_id: b.balance for b in running_balances(plan, Y1)}
    assert by_source["DFG"] == D("-50.00")


# --- minimum spends ------------------------------------------------------------------------------

ICBS = (
    Partner("NCC", "Northmoor County Council", PartnerKind.COUNCIL),
    Partner("NME", "NHS Northmoor and Eastfield ICB", PartnerKind.ICB),
    Partner("WMR", "NHS Westmarch ICB", PartnerKind.ICB),
)

MINIMUM_PLAN = Plan(
    area=Area("Northmoor", AreaKind.UNITARY),
    years=YEARS,
    partners=ICBS,
    sources=(
        FundingSource("NHS1", SourceKind.NHS_MINIMUM, "NME", (D("12000000"), D("12500000"))),
        FundingSource("NHS2", SourceKind.NHS_MINIMUM, "WMR", (D("5000000.01"), D("5500000"))),
        FundingSource("IBCF", SourceKind.IBCF, "NCC", (D("2000000"), D("2000000"))),
    ),
    pools=(Pool("P1", "Pool 1", "NCC"),),
    schemes=(
        # Counts towards ASC (NHS minimum, Social Care), whoever commissions it.
        _scheme("M1", source="NHS1", commissioner=LA, area=SC, amounts=("6000000", "6400000")),
        _scheme("M2", source="NHS2", commissioner=JOINT, area=SC, amounts=("4000000", "4500000"), nhs_share="0.25"),
        # iBCF money: counts towards neither minimum.
        _scheme("M3", source="IBCF", commissioner=LA, area=SC, amounts=("2000000", "2000000")),
        # NHS-commissioned out-of-hospital spend.
        _scheme("M4", source="NHS1", commissioner=ICB, area=CH, amounts=("3000000", "3100000")),
        # Joint: only the NHS share counts, 1,000,000.01 x 0.333 = 333,000.00333 -> 333,000.00.
        _scheme("M5", source="NHS2", commissioner=JOINT, area=MH, amounts=("1000000.01", "1000000"), nhs_share="0.333"),
        # Acute is excluded from out-of-hospital spend.
        _scheme("M6", source="NHS1", commissioner=ICB, area=AC, amounts=("500000", "500000")),
        # Commissioned by the council: no NHS part.
        _scheme("M7", source="NHS1", commissioner=LA, area=PC, amounts=("250000", "250000")),
    ),
    asc_minimum=AscMinimum(D("10000000")),
    ooh_minimum=(D("3200000"), D("3500000")),
)


def _spends(spends: tuple[MinimumSpend, ...]) -> list[tuple[object, ...]]:
    return [
        (s.year, s.calculated, s.agreed, s.planned, s.required, s.under_spend, s.override_difference) for s in spends
    ]


def test_policy_uplifts_used_by_the_asc_minimum() -> None:
    """The shipped policy has 5.66% for 2023-24 and 2024-25 (the rates the ASC figures below are worked with)."""
    policy = load_policy()
    assert policy.uplift("2023-24").rate == D("0.0566")
    assert policy.uplift("2024-25").rate == D("0.0566")


def test_asc_minimum_compounds_prior_year_by_each_years_uplift() -> None:
    """£10m prior year at 5.66% then 5.66%: 10,566,000.00 then 11,164,035.60; planned is NHS-funded Social Care."""
    result = _spends(asc_minimum(MINIMUM_PLAN, load_policy()))
    assert result == [
        (Y1, D("10566000.00"), None, D("10000000"), D("10566000.00"), D("566000.00"), D(0)),
        (Y2, D("11164035.60"), None, D("10900000"), D("11164035.60"), D("264035.60"), D(0)),
    ]


def test_asc_minimum_agreed_figure_overrides_calculated() -> None:
    """An agreed figure becomes the requirement; both figures are kept and their difference shown."""
    plan = dataclasses.replace(MINIMUM_PLAN, asc_minimum=AscMinimum(D("10000000"), (None, D("10900000"))))
    result = _spends(asc_minimum(plan, load_policy()))
    assert result[0] == (Y1, D("10566000.00"), None, D("10000000"), D("10566000.00"), D("566000.00"), D(0))
    assert result[1] == (Y2, D("11164035.60"), D("10900000"), D("10900000"), D("10900000"), D("0.00"), D("-264035.60"))


def test_asc_minimum_rounds_each_year_before_the_next() -> None:
    """Each year's required figure is rounded to the penny before the next uplift: £1.08 -> 1.14 -> 1.20.

    1.08 x 1.0566 = 1.141128 -> 1.14; 1.14 x 1.0566 = 1.204524 -> 1.20. Compounding once would give
    1.08 x 1.11640356 = 1.2057158448 -> 1.21, a penny more.
    """
    plan = dataclasses.replace(MINIMUM_PLAN, asc_minimum=AscMinimum(D("1.08")))
    assert [s.calculated for s in asc_minimum(plan, load_policy())] == [D("1.14"), D("1.20")]


def test_asc_minimum_uses_the_plan_years_own_rate() -> None:
    """A 2025-26 plan uses that year's shipped 3.9%: £1,000,000 becomes £1,039,000.00."""
    plan = Plan(
        area=Area("Northmoor", AreaKind.UNITARY),
        years=("2025-26",),
        partners=ICBS,
        sources=(),
        pools=(),
        schemes=(),
        asc_minimum=AscMinimum(D("1000000")),
    )
    (spend,) = asc_minimum(plan, load_policy())
    assert (spend.year, spend.calculated, spend.planned, spend.under_spend) == (
        "2025-26",
        D("1039000.00"),
        D(0),
        D("1039000.00"),
    )


def test_asc_minimum_without_prior_year_gives_nothing() -> None:
    """A plan that records no prior-year ASC figure has no ASC minimum lines."""
    assert asc_minimum(dataclasses.replace(MINIMUM_PLAN, asc_minimum=None), load_policy()) == ()


def test_asc_minimum_for_a_year_without_uplift_raises() -> None:
    """A plan year with no known uplift rate is an error saying which years are known."""
    plan = Plan(
        area=Area("Northmoor", AreaKind.UNITARY),
        years=("2019-20",),
        partners=ICBS,
        sources=(),
        pools=(),
        schemes=(),
        asc_minimum=AscMinimum(D("1000000")),
    )
    with pytest.raises(
        BcfInputError, match=r"no uplift rate is known for this year \(known: 2017-18, 2018-19, 2021-22"
    ):
        asc_minimum(plan, load_policy())


def test_ooh_minimum_counts_nhs_commissioned_non_acute_non_social_care() -> None:
    """Out-of-hospital planned spend: ICB schemes and joint NHS shares from the NHS minimum, not Acute or Social Care.

    2023-24: M4 3,000,000 + M5 NHS share 333,000.00 = 3,333,000.00 against 3,200,000: no under-spend.
    2024-25: M4 3,100,000 + M5 NHS share 333,000.00 = 3,433,000.00 against 3,500,000: 67,000.00 short.
    """
    result = _spends(ooh_minimum(MINIMUM_PLAN))
    assert result == [
        (Y1, D("3200000"), None, D("3333000.00"), D("3200000"), D("0.00"), D(0)),
        (Y2, D("3500000"), None, D("3433000.00"), D("3500000"), D("67000.00"), D(0)),
    ]


def test_ooh_minimum_without_a_figure_gives_nothing() -> None:
    """A plan that records no out-of-hospital minimum has no lines for it."""
    assert ooh_minimum(dataclasses.replace(MINIMUM_PLAN, ooh_minimum=())) == ()


def test_nhs_minimum_income_adds_every_contributing_icb() -> None:
    """The NHS minimum received is the sum over all contributing ICBs (iBCF excluded)."""
    assert nhs_minimum_income(MINIMUM_PLAN, Y1) == D("17000000.01")
    assert nhs_minimum_income(MINIMUM_PLAN, Y2) == D("18000000")
