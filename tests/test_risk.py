"""bcf_xl.risk: risk share, the overspend waterfall, performance fund, partner invoices and year-end statement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from bcf_xl.errors import BcfInputError
from bcf_xl.model import (
    Area,
    AreaKind,
    AreaOfSpend,
    Commissioner,
    FundingSource,
    Partner,
    PartnerKind,
    Plan,
    Pool,
    RiskShareTerms,
    Scheme,
    SchemeStatus,
    SourceKind,
)
from bcf_xl.money import total
from bcf_xl.risk import (
    WATERFALL_ORDER,
    Treatment,
    overspend_waterfall,
    partner_invoices,
    performance_release,
    performance_release_by_quarter,
    share_risk,
    year_end_statement,
)
from tests.strategies import amounts, pence

D = Decimal
YEAR = "2023-24"

# --- share_risk ----------------------------------------------------------------------------------


def test_share_risk_pro_rata_to_contributions() -> None:
    """An overspend of 300 on contributions 600/400 is shared 180/120, nothing outside the pool."""
    share = share_risk(D("300"), [("NCC", D("600")), ("ICB", D("400"))])
    assert share.shares == (("NCC", D("180")), ("ICB", D("120")))
    assert share.outside_pool == 0
    assert share.overridden is False


def test_share_risk_pro_rata_split_to_the_penny() -> None:
    """£1,000 over £2m/£1m contributions is 666.67/333.33 (largest remainder to the bigger share)."""
    share = share_risk(D("1000"), [("NCC", D("2000000")), ("NME", D("1000000"))])
    assert share.shares == (("NCC", D("666.67")), ("NME", D("333.33")))


def test_share_risk_capped_at_total_contributions() -> None:
    """An overspend beyond what partners contribute is capped: each bears its contribution, the rest falls outside."""
    share = share_risk(D("5000"), [("NCC", D("3000")), ("NME", D("1000"))])
    assert share.shares == (("NCC", D("3000")), ("NME", D("1000")))
    assert share.outside_pool == D("1000")
    assert share.amount == D("5000")


def test_share_risk_underspend_shares_are_negative() -> None:
    """An underspend (negative) is shared pro rata as negative amounts: -300 on 600/400 is -180/-120."""
    share = share_risk(D("-300"), [("NCC", D("600")), ("ICB", D("400"))])
    assert share.shares == (("NCC", D("-180")), ("ICB", D("-120")))
    assert share.outside_pool == 0


def test_share_risk_underspend_beyond_contributions_is_capped_too() -> None:
    """An underspend larger than the contributions is capped the same way, the remainder outside the pool."""
    share = share_risk(D("-5000"), [("NCC", D("3000")), ("NME", D("1000"))])
    assert share.shares == (("NCC", D("-3000")), ("NME", D("-1000")))
    assert share.outside_pool == D("-1000")


def test_share_risk_override_weights_apply_in_full_without_cap() -> None:
    """Agreed percentages replace pro rata and are not capped: 5000 at 50/50 is 2500 each although NME put in 1000."""
    share = share_risk(
        D("5000"), [("NCC", D("3000")), ("NME", D("1000"))], override=[("NCC", D("0.5")), ("NME", D("0.5"))]
    )
    assert share.shares == (("NCC", D("2500")), ("NME", D("2500")))
    assert share.outside_pool == 0
    assert share.overridden is True


def test_share_risk_rounds_the_amount_half_up_first() -> None:
    """The amount is rounded half-up to the penny before it is shared: 100.005 becomes 100.01."""
    share = share_risk(D("100.005"), [("A", D(1000)), ("B", D(1000))])
    assert share.amount == D("100.01")
    assert share.shares == (("A", D("50.01")), ("B", D("50.00")))


@given(pence(-10_000_000, 10_000_000), amounts(5_000_000), amounts(5_000_000))
def test_share_risk_shares_plus_outside_make_the_amount(amount: Decimal, first: Decimal, second: Decimal) -> None:
    """Shares and what falls outside the pool add up to the amount; no partner bears more than it contributes."""
    if first + second == 0:
        first = D("1.00")
    share = share_risk(amount, [("NCC", first), ("NME", second)])
    assert total([s for _, s in share.shares]) + share.outside_pool == amount
    for (_, part), contribution in zip(share.shares, (first, second), strict=True):
        assert abs(part) <= contribution


# --- overspend waterfall -------------------------------------------------------------------------


def test_overspend_waterfall_order_and_amounts() -> None:
    """500 over: 100 from underspends, 250 from the risk pool, 100 from uncommitted, 50 outside the pool."""
    steps = overspend_waterfall(D("500"), underspends=D("100"), risk_pool=D("250"), uncommitted=D("100"))
    assert [s.name for s in steps] == [
        "Underspends elsewhere in the pools",
        "Risk pool",
        "Uncommitted scheme allocations",
        "Resources outside the pool",
    ]
    assert [s.applied for s in steps] == [D("100"), D("250"), D("100"), D("50")]
    assert [s.available for s in steps] == [D("100"), D("250"), D("100"), None]


def test_overspend_waterfall_small_overspend_stops_at_first_step() -> None:
    """An overspend that underspends can cover takes nothing from later steps."""
    steps = overspend_waterfall(D("80"), underspends=D("100"), risk_pool=D("250"), uncommitted=D("100"))
    assert [s.applied for s in steps] == [D("80"), D("0"), D("0"), D("0")]


def test_overspend_waterfall_reaches_uncommitted_only_after_risk_pool() -> None:
    """300 over with 100 underspends and a 150 risk pool takes 50 from uncommitted and nothing outside."""
    steps = overspend_waterfall(D("300"), underspends=D("100"), risk_pool=D("150"), uncommitted=D("100"))
    assert [s.applied for s in steps] == [D("100"), D("150"), D("50"), D("0")]


def test_overspend_waterfall_zero_overspend_applies_nothing() -> None:
    """No overspend, nothing taken from anywhere."""
    steps = overspend_waterfall(D("0"), D("100"), D("100"), D("100"))
    assert [s.applied for s in steps] == [0, 0, 0, 0]
    assert tuple(s.name for s in steps) == WATERFALL_ORDER


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((D("-1"), D("0"), D("0"), D("0")), "overspend"),
        ((D("1"), D("-0.01"), D("0"), D("0")), "underspends"),
        ((D("1"), D("0"), D("-5"), D("0")), "risk pool"),
        ((D("1"), D("0"), D("0"), D("-100")), "uncommitted"),
    ],
)
def test_overspend_waterfall_rejects_negative_inputs(args: tuple[Decimal, ...], name: str) -> None:
    """Each input must be 0 or more, and the error names which one was negative."""
    with pytest.raises(BcfInputError, match=rf"^{name}: must not be negative"):
        overspend_waterfall(*args)


# --- performance fund ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achieved", "fraction", "released"),
    [
        ("0.021", "1", "100000.00"),  # target met exactly: all of it
        ("0.03", "1", "100000.00"),  # beaten: all of it, no more
        ("0", "0", "0.00"),
        ("-0.005", "0", "0.00"),  # admissions rose: nothing
        ("0.0105", "0.5", "50000.00"),
    ],
)
def test_performance_release_in_proportion_clamped(achieved: str, fraction: str, released: str) -> None:
    """Released = fund x achieved / target, clamped to 0%..100%."""
    result = performance_release(D("100000"), D("0.021"), D(achieved))
    assert result.fraction == D(fraction)
    assert result.released == D(released)
    assert result.withheld == D("100000") - D(released)


def test_performance_release_hand_worked_85_71_percent() -> None:
    """A 1.8% reduction against a 2.1% target releases 6/7 = 85.71% of £100,000: £85,714.29, £14,285.71 withheld."""
    result = performance_release(D("100000"), D("0.021"), D("0.018"))
    assert result.fraction.quantize(D("0.0001")) == D("0.8571")
    assert result.released == D("85714.29")
    assert result.withheld == D("14285.71")


@pytest.mark.parametrize("target", ["0", "-0.01"])
def test_performance_release_needs_a_positive_target(target: str) -> None:
    """A target reduction of zero or less is refused, naming 'target reduction'."""
    with pytest.raises(BcfInputError, match=r"^target reduction: must be above 0"):
        performance_release(D("1000"), D(target), D("0.01"))


def test_performance_release_by_quarter() -> None:
    """Each quarter releases its quarter of the fund against that quarter's result.

    £1,000.06 gives quarters 250.01 x 3 and 250.03. Against a 2.1% target: met (250.01), half (250.01 x 0.5 =
    125.005 -> 125.01 half-up), a rise (0), beaten (250.03).
    """
    releases = performance_release_by_quarter(
        D("1000.06"), D("0.021"), [D("0.021"), D("0.0105"), D("-0.01"), D("0.042")]
    )
    assert [r.fund for r in releases] == [D("250.01"), D("250.01"), D("250.01"), D("250.03")]
    assert [r.released for r in releases] == [D("250.01"), D("125.01"), D("0.00"), D("250.03")]
    assert total([r.fund for r in releases]) == D("1000.06")


@pytest.mark.parametrize("count", [0, 3, 5])
def test_performance_release_by_quarter_needs_four_results(count: int) -> None:
    """Exactly four quarterly results are needed."""
    with pytest.raises(BcfInputError, match=rf"one per quarter \(4\) is needed \(got {count}\)"):
        performance_release_by_quarter(D("1000"), D("0.021"), [D("0.01")] * count)


# --- tiny plans for invoices and year end --------------------------------------------------------

PARTNERS = (
    Partner("NCC", "Northmoor County Council", PartnerKind.COUNCIL),
    Partner("NME", "NHS Northmoor and Eastfield ICB", PartnerKind.ICB),
    Partner("WMR", "NHS Westmarch ICB", PartnerKind.ICB),
)
SOURCES = (
    FundingSource("NHS-NME", SourceKind.NHS_MINIMUM, "NME", (D("100000"),)),
    FundingSource("NHS-WMR", SourceKind.NHS_MINIMUM, "WMR", (D("20000"),)),
    FundingSource("IBCF", SourceKind.IBCF, "NCC", (D("50000"),)),
)
POOLS = (Pool("P1", "Pool 1", "NCC"), Pool("P2", "Pool 2", "NME"))


def _scheme(
    scheme_id: str,
    source: str,
    commissioner: Commissioner,
    amount: str,
    *,
    pool: str = "P1",
    nhs_share: str | None = None,
    outturn: tuple[Decimal | None, ...] = (),
) -> Scheme:
    return Scheme(
        scheme_id=scheme_id,
        name=f"Scheme {scheme_id}",
        description="",
        scheme_type="Other",
        sub_type="",
        area_of_spend=AreaOfSpend.SOCIAL_CARE,
        commissioner=commissioner,
        provider="Private Sector",
        source=source,
        amounts=(D(amount),),
        status=SchemeStatus.EXISTING,
        theme="Theme",
        pool=pool,
        nhs_share=None if nhs_share is None else D(nhs_share),
        outturn=outturn,
    )


def _plan(*schemes: Scheme, partners: tuple[Partner, ...] = PARTNERS, terms: RiskShareTerms | None = None) -> Plan:
    return Plan(
        area=Area("Northmoor", AreaKind.UNITARY),
        years=(YEAR,),
        partners=partners,
        sources=SOURCES,
        pools=POOLS,
        schemes=schemes,
        risk_terms=terms or RiskShareTerms(),
    )


LA = Commissioner.LOCAL_AUTHORITY
ICB = Commissioner.ICB
JOINT = Commissioner.JOINT


def _invoices(plan: Plan) -> dict[tuple[str, str], tuple[Decimal, tuple[Decimal, ...]]]:
    return {(i.from_partner, i.to_partner): (i.annual, i.quarters) for i in partner_invoices(plan, YEAR)}


def test_council_commissioning_with_icb_money_invoices_the_icb() -> None:
    """The council commissions a scheme funded by the ICB's contribution, so the council invoices the ICB."""
    invoices = partner_invoices(_plan(_scheme("S1", "NHS-NME", LA, "40000")), YEAR)
    assert len(invoices) == 1
    invoice = invoices[0]
    assert (invoice.from_partner, invoice.to_partner) == ("NCC", "NME")
    assert invoice.annual == D("40000")
    assert invoice.quarters == (D("10000"), D("10000"), D("10000"), D("10000"))


def test_icb_commissioning_with_council_money_invoices_the_council() -> None:
    """NHS commissioning funded by the council's money is done by the lead (first) ICB, which invoices the council."""
    invoices = _invoices(_plan(_scheme("S3", "IBCF", ICB, "12000")))
    assert invoices == {("NME", "NCC"): (D("12000"), (D("3000"), D("3000"), D("3000"), D("3000")))}


def test_partners_commissioning_with_their_own_money_invoice_nobody() -> None:
    """An ICB spending its own contribution, or the council its own, raises no invoice."""
    plan = _plan(
        _scheme("S2", "NHS-NME", ICB, "30000"),
        _scheme("S5", "IBCF", LA, "8000"),
        _scheme("S7", "NHS-WMR", ICB, "5000"),
    )
    assert partner_invoices(plan, YEAR) == ()


def test_joint_scheme_split_by_nhs_share_and_only_the_other_partners_part_invoiced() -> None:
    """A joint scheme on ICB money at 33.3% NHS: the council invoices the ICB for its 66.7% (1000 -> 667.00)."""
    invoices = _invoices(_plan(_scheme("S4", "NHS-NME", JOINT, "1000", nhs_share="0.333")))
    assert invoices == {("NCC", "NME"): (D("667.00"), (D("166.75"), D("166.75"), D("166.75"), D("166.75")))}


def test_joint_scheme_on_council_money_invoiced_by_lead_icb_for_nhs_part() -> None:
    """A joint scheme on council money: the lead ICB invoices the council for the NHS share (100.01 x 0.5 = 50.01)."""
    invoices = _invoices(_plan(_scheme("S4", "IBCF", JOINT, "100.01", nhs_share="0.5")))
    assert invoices == {("NME", "NCC"): (D("50.01"), (D("12.50"), D("12.50"), D("12.50"), D("12.51")))}


def test_invoices_add_up_per_pair_and_quarters_sum_exactly() -> None:
    """Amounts owed between the same pair add up; each invoice's four quarters sum exactly to its annual figure."""
    plan = _plan(
        _scheme("S1", "NHS-NME", LA, "40000"),
        _scheme("S2", "NHS-NME", ICB, "30000"),
        _scheme("S3", "IBCF", ICB, "12000"),
        _scheme("S4", "NHS-NME", JOINT, "1000", nhs_share="0.333"),
        _scheme("S6", "NHS-WMR", LA, "10000.03", pool="P2"),
    )
    invoices = _invoices(plan)
    assert invoices == {
        ("NCC", "NME"): (D("40667.00"), (D("10166.75"), D("10166.75"), D("10166.75"), D("10166.75"))),
        ("NME", "NCC"): (D("12000"), (D("3000"), D("3000"), D("3000"), D("3000"))),
        ("NCC", "WMR"): (D("10000.03"), (D("2500.00"), D("2500.00"), D("2500.00"), D("2500.03"))),
    }
    for annual, parts in invoices.values():
        assert sum(parts, D(0)) == annual


def test_invoices_skip_schemes_with_unknown_source_and_zero_amounts() -> None:
    """A scheme naming no known source, or with nothing planned, produces no invoice."""
    plan = _plan(_scheme("S8", "NO-SUCH", LA, "5000"), _scheme("S9", "NHS-NME", LA, "0"))
    assert partner_invoices(plan, YEAR) == ()


def test_invoices_for_a_year_not_in_the_plan_raise() -> None:
    """Asking for a year outside the plan is an error naming the plan's years."""
    with pytest.raises(BcfInputError, match=r"^year: must be one of 2023-24"):
        partner_invoices(_plan(), "2030-31")


def _year_end_plan(a_outturn: Decimal | None, b_outturn: Decimal | None, terms: RiskShareTerms | None = None) -> Plan:
    return _plan(
        _scheme("A", "NHS-NME", LA, "6000", outturn=(a_outturn,)),
        _scheme("B", "IBCF", LA, "4000", outturn=(b_outturn,)),
        _scheme("C", "NHS-WMR", ICB, "99999", pool="P2", outturn=(D("1"),)),
        terms=terms,
    )


def test_year_end_overspend_with_outturn_is_shared_pro_rata_by_default() -> None:
    """Contributions 6000 (NME) + 4000 (NCC), outturn 6500 + 4100: a 600 overspend shared -360/-240."""
    statement = year_end_statement(_year_end_plan(D("6500"), D("4100")), "P1", YEAR)
    assert statement.contributions == (("NME", D("6000")), ("NCC", D("4000")))
    assert statement.total_contributions == D("10000")
    assert statement.expenditure == D("10600")
    assert statement.difference == D("-600")
    assert statement.treatment is Treatment.SHARED
    assert statement.treatment_split == (("NME", D("-360")), ("NCC", D("-240")))
    assert statement.estimated_lines == 0


def test_year_end_missing_outturn_counts_the_plan_and_is_estimated() -> None:
    """A scheme without outturn counts at its planned amount and is counted in estimated_lines."""
    statement = year_end_statement(_year_end_plan(D("6500"), None), "P1", YEAR)
    assert statement.expenditure == D("10500")
    assert statement.difference == D("-500")
    assert statement.estimated_lines == 1
    assert statement.treatment_split == (("NME", D("-300")), ("NCC", D("-200")))


def test_year_end_scheme_with_no_outturn_recorded_at_all_is_estimated() -> None:
    """Schemes with no outturn tuple count at plan: contributions equal expenditure, difference zero, no split."""
    plan = _plan(_scheme("A", "NHS-NME", LA, "6000"), _scheme("B", "IBCF", LA, "4000"))
    statement = year_end_statement(plan, "P1", YEAR)
    assert statement.expenditure == D("10000")
    assert statement.difference == 0
    assert statement.estimated_lines == 2
    assert statement.treatment is Treatment.CARRIED_FORWARD
    assert statement.treatment_split == ()


def test_year_end_underspend_is_carried_forward_by_default() -> None:
    """An underspend (positive difference) is carried forward by default, with no split."""
    statement = year_end_statement(_year_end_plan(D("5500"), D("4000")), "P1", YEAR)
    assert statement.difference == D("500")
    assert statement.treatment is Treatment.CARRIED_FORWARD
    assert statement.treatment_split == ()


def test_year_end_underspend_returned_pro_rata_ignoring_override() -> None:
    """An underspend returned to partners is split pro rata to contributions (300/200), not by agreed weights."""
    terms = RiskShareTerms(override=(("NME", D("0.5")), ("NCC", D("0.5"))))
    statement = year_end_statement(_year_end_plan(D("5500"), D("4000"), terms), "P1", YEAR, Treatment.RETURNED)
    assert statement.treatment is Treatment.RETURNED
    assert statement.treatment_split == (("NME", D("300")), ("NCC", D("200")))


def test_year_end_overspend_shared_by_agreed_override() -> None:
    """With agreed 50/50 terms an overspend of 600 is shared -300/-300."""
    terms = RiskShareTerms(override=(("NME", D("0.5")), ("NCC", D("0.5"))))
    statement = year_end_statement(_year_end_plan(D("6500"), D("4100"), terms), "P1", YEAR)
    assert statement.treatment_split == (("NME", D("-300")), ("NCC", D("-300")))


def test_year_end_only_counts_the_pools_own_schemes() -> None:
    """Pool P2 holds only scheme C: contribution 99,999 from WMR, outturn 1, underspend 99,998."""
    statement = year_end_statement(_year_end_plan(D("6500"), D("4100")), "P2", YEAR)
    assert statement.contributions == (("WMR", D("99999")),)
    assert statement.expenditure == D("1")
    assert statement.difference == D("99998")


def test_year_end_empty_pool_has_nothing() -> None:
    """A pool with no schemes has no contributions, no expenditure and nothing to treat."""
    plan = _plan(_scheme("A", "NHS-NME", LA, "6000"))
    statement = year_end_statement(plan, "P2", YEAR, Treatment.SHARED)
    assert statement.contributions == ()
    assert statement.expenditure == 0
    assert statement.difference == 0
    assert statement.treatment_split == ()


def test_year_end_awkward_difference_split_exactly() -> None:
    """An overspend of 0.01 over 1:1:1 contributions is shared -0.01/0/0 and still adds back exactly."""
    plan = _plan(
        _scheme("A", "NHS-NME", LA, "100", outturn=(D("100.01"),)),
        _scheme("B", "IBCF", LA, "100", outturn=(D("100"),)),
        _scheme("C", "NHS-WMR", LA, "100", outturn=(D("100"),)),
    )
    statement = year_end_statement(plan, "P1", YEAR)
    assert statement.difference == D("-0.01")
    assert statement.treatment_split == (("NME", D("-0.01")), ("NCC", D("0.00")), ("WMR", D("0.00")))


def test_invoices_need_a_partner_to_commission() -> None:
    """Without a council among the partners, council commissioning on ICB money has nobody to invoice from."""
    plan = _plan(_scheme("S1", "NHS-NME", LA, "40000"), partners=PARTNERS[1:])
    assert partner_invoices(plan, YEAR) == ()
