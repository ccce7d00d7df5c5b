"""Each plan check finds what it should, names the place, and all problems come back in one run."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from bcf_xl.checks import CHECKS, Finding, Severity, Target, run_checks
from bcf_xl.model import Area, AreaKind, DfgYear, Plan, Polarity, Retention, Scheme
from bcf_xl.policy import Policy


def _scheme(plan: Plan, scheme_id: str) -> Scheme:
    return next(s for s in plan.schemes if s.scheme_id == scheme_id)


def _with_scheme(plan: Plan, scheme_id: str, **changes: object) -> Plan:
    schemes = tuple(dataclasses.replace(s, **changes) if s.scheme_id == scheme_id else s for s in plan.schemes)
    return dataclasses.replace(plan, schemes=schemes)


def _of(findings: tuple[Finding, ...], code: str, severity: Severity = Severity.ERROR) -> list[Finding]:
    return [f for f in findings if f.code == code and f.severity is severity]


def test_every_check_is_registered() -> None:
    """The registry holds the checks under distinct codes; BCF13 is retired (every pooled view adds up by
    construction, a property test in test_pooling.py) and its code is not reused."""
    assert sorted(CHECKS) == [f"BCF{n:02d}" for n in range(1, 16) if n != 13]


def test_duplicate_scheme_id(plan: Plan, policy: Policy) -> None:
    """A second scheme with an existing ID is an error naming that ID."""
    copy = dataclasses.replace(_scheme(plan, "S010"), name="Copy")
    findings = run_checks(dataclasses.replace(plan, schemes=(*plan.schemes, copy)), policy)
    [finding] = _of(findings, "BCF01")
    assert finding.target == Target("scheme", "S010", "scheme_id", occurrence=1)
    assert finding.location is None  # the engine names no sheet: a workbook layout places it


def test_unknown_source_and_pool(plan: Plan, policy: Policy) -> None:
    """A scheme naming a source or pool the plan does not have is an error for each."""
    findings = run_checks(_with_scheme(plan, "S005", source="NHS9", pool="P7"), policy)
    fields = sorted(f.target.field or "" for f in _of(findings, "BCF02"))
    assert fields == ["pool", "source"]
    assert sorted(str(f.target) for f in _of(findings, "BCF02")) == ["[S005] Pool", "[S005] Source of Funding"]
    assert any("(got 'NHS9')" in f.message for f in _of(findings, "BCF02"))


def test_the_known_sources_a_message_lists_stay_on_one_line(plan: Plan, policy: Policy) -> None:
    """A source ID typed with a line break in it is listed escaped, so the message that lists it stays one line."""
    sources = (dataclasses.replace(plan.sources[0], source_id="0\n0"), *plan.sources[1:])
    findings = _of(run_checks(dataclasses.replace(plan, sources=sources), policy), "BCF02")
    assert findings and all("\n" not in f.message for f in findings)
    assert any("must be one of 0\\n0, " in f.message for f in findings)


def test_vocabulary(plan: Plan, policy: Policy) -> None:
    """Scheme type, sub type and provider must come from the national lists."""
    findings = run_checks(_with_scheme(plan, "S001", sub_type="Reablement in a bed", provider="Acme Ltd"), policy)
    assert sorted(f.target.field or "" for f in _of(findings, "BCF03")) == ["provider", "sub_type"]
    findings = run_checks(_with_scheme(plan, "S001", scheme_type="Reablement"), policy)
    [finding] = _of(findings, "BCF03")
    assert finding.message == "scheme type must come from the national list (got 'Reablement')"


def test_bounds_and_pence(plan: Plan, policy: Policy) -> None:
    """A negative amount and one in fractions of a penny are both errors, each naming year and scheme."""
    findings = run_checks(_with_scheme(plan, "S011", amounts=(D("-5"), D("2575000.005"))), policy)
    messages = {(f.target.label, f.message) for f in _of(findings, "BCF04")}
    assert ("Expenditure 2023-24", "must be between £0.00 and £1,000,000,000.00 (got -5)") in messages
    assert ("Expenditure 2024-25", "must be in pounds and pence (got 2575000.005)") in messages
    assert {f.target.year for f in _of(findings, "BCF04")} == {"2023-24", "2024-25"}


def test_capital_funds_only_dfg_schemes(plan: Plan, policy: Policy) -> None:
    """DFG capital paying for a revenue scheme is an error."""
    findings = run_checks(_with_scheme(plan, "S037", scheme_type="Carers Services", sub_type="Other"), policy)
    [finding] = _of(findings, "BCF05")
    assert finding.target == Target("scheme", "S037", "source")


def test_income_must_match_expenditure(plan: Plan, policy: Policy) -> None:
    """Raising one scheme by £100 unbalances that year and overcommits its source."""
    s = _scheme(plan, "S002")
    findings = run_checks(_with_scheme(plan, "S002", amounts=(s.amounts[0] + 100, s.amounts[1])), policy)
    [imbalance] = _of(findings, "BCF06")
    assert imbalance.target == Target("plan", field="balance", year="2023-24")
    assert "difference -£100.00" in imbalance.message
    [overcommitted] = _of(findings, "BCF07")
    assert overcommitted.target == Target("source", "NHS1", "balance", "2023-24")
    assert overcommitted.message.startswith("planned spend exceeds income by £100.00")


def test_unspent_income_is_a_warning(plan: Plan, policy: Policy) -> None:
    """Income left unspent in a source warns that it must be explained."""
    s = _scheme(plan, "S024")
    findings = run_checks(_with_scheme(plan, "S024", amounts=(s.amounts[0], s.amounts[1] - 250)), policy)
    [warning] = _of(findings, "BCF07", Severity.WARNING)
    assert warning.target == Target("source", "IBCF", "balance", "2024-25")
    assert str(warning).startswith("Warning BCF07 [IBCF] Balance 2024-25: £250.00")
    assert warning.message.startswith("£250.00 of income is not planned to be spent")


def test_asc_minimum_not_met(plan: Plan, policy: Policy) -> None:
    """Moving social care spend off the NHS minimum leaves the ASC minimum short, by the exact amount."""
    plan = dataclasses.replace(plan, asc_minimum=dataclasses.replace(plan.asc_minimum, prior_year=D("12500000")))
    # required 2023-24: 12,500,000 x 1.0566 = 13,207,500.00; planned 13,065,000 -> short by 142,500.00
    findings = run_checks(plan, policy)
    errors = _of(findings, "BCF08")
    assert errors[0].target == Target("asc_minimum", field="required", year="2023-24")
    assert "short by £142,500.00" in errors[0].message


def test_ooh_minimum_not_met(plan: Plan, policy: Policy) -> None:
    """An out-of-hospital minimum above the NHS-commissioned planned spend is an error."""
    findings = run_checks(dataclasses.replace(plan, ooh_minimum=(D("19600000"), D("19441440"))), policy)
    [finding] = _of(findings, "BCF09")
    assert "short by £1,475.00" in finding.message  # 19,600,000 - 19,598,525.00


def test_districts_must_add_up(plan: Plan, policy: Policy) -> None:
    """District allocations that miss the DFG received by a penny are an error showing the difference."""
    dfg = (dataclasses.replace(plan.dfg[0], received=D("4200000.01")), plan.dfg[1])
    findings = run_checks(dataclasses.replace(plan, dfg=dfg), policy)
    messages = [f.message for f in _of(findings, "BCF10")]
    assert any("difference -£0.01" in m for m in messages)
    assert any("must equal the DFG income on the Funding sheet" in m for m in messages)


def test_retention_needs_agreement(plan: Plan, policy: Policy) -> None:
    """DFG kept back without a recorded agreement is an error naming the district."""
    dfg0 = dataclasses.replace(plan.dfg[0], retentions=(Retention("CAL", D("50000"), " "),))
    findings = run_checks(dataclasses.replace(plan, dfg=(dfg0, plan.dfg[1])), policy)
    [finding] = _of(findings, "BCF10")
    assert finding.target == Target("district", "CAL", "agreement_reference", "2023-24")
    assert "needs the district's recorded agreement" in finding.message


def test_unknown_district_retention(plan: Plan, policy: Policy) -> None:
    """A retention naming no district of the area is an error."""
    dfg0 = dataclasses.replace(plan.dfg[0], retentions=(*plan.dfg[0].retentions, Retention("ZZZ", D("1"), "ref")))
    findings = run_checks(dataclasses.replace(plan, dfg=(dfg0, plan.dfg[1])), policy)
    assert any(f.target.ident == "ZZZ" for f in _of(findings, "BCF10"))


def test_two_tier_without_dfg_split(plan: Plan, policy: Policy) -> None:
    """A two-tier area with DFG income must show the split."""
    findings = run_checks(dataclasses.replace(plan, dfg=()), policy)
    assert [f.message for f in _of(findings, "BCF10")] == [
        "a two-tier area with DFG income must show how it is passported"
    ]


def test_unitary_area_passports_nothing(plan: Plan, policy: Policy) -> None:
    """A unitary area keeps its DFG: no district checks, only that the DFG matches the income."""
    unitary = dataclasses.replace(
        plan,
        area=Area("Northmoor", AreaKind.UNITARY),
        dfg=(DfgYear(D("4385123.45")), DfgYear(D("4350000"))),
    )
    assert _of(run_checks(unitary, policy), "BCF10") == []


def test_roll_forward_must_add_up(plan: Plan, policy: Policy) -> None:
    """Prior-year budget plus additional investment must equal the first year's line."""
    findings = run_checks(_with_scheme(plan, "S025", additional_investment=D("-100000")), policy)
    [finding] = _of(findings, "BCF11")
    assert finding.message == (
        "prior-year budget £4,500,000.00 plus additional investment -£100,000.00 must equal £4,400,000.00 "
        "(got £4,350,000.00)"
    )


def test_metric_without_polarity_or_target(plan: Plan, policy: Policy) -> None:
    """A metric with no polarity or no target cannot be rated: an error for each."""
    metrics = (dataclasses.replace(plan.metrics[0], polarity=Polarity.NONE, target=None), *plan.metrics[1:])
    findings = run_checks(dataclasses.replace(plan, metrics=metrics), policy)
    assert sorted(f.target.field or "" for f in _of(findings, "BCF12")) == ["polarity", "target"]


def test_missing_uplift_year_becomes_a_finding(plan: Plan, policy: Policy) -> None:
    """A plan year with no known uplift is one error finding, not a crash of the other checks."""
    later = dataclasses.replace(plan, years=("2026-27", "2027-28"))
    findings = run_checks(later, policy)
    uplift = [f for f in findings if f.code in ("BCF08", "BCF14") and f.severity is Severity.ERROR]
    assert uplift and all("no uplift rate is known" in f.message for f in uplift)
    assert {f.target for f in uplift} == {Target("policy", field="uplift", year="2026-27")}
    assert _of(findings, "BCF06") == []  # the other checks still ran and found the plan balanced


def test_many_problems_in_one_run(plan: Plan, policy: Policy) -> None:
    """Every problem is reported in one run, errors before warnings and notes."""
    broken = _with_scheme(plan, "S005", source="NHS9")
    broken = dataclasses.replace(broken, schemes=(*broken.schemes, dataclasses.replace(broken.schemes[0])))
    findings = run_checks(broken, policy)
    codes = {f.code for f in findings if f.severity is Severity.ERROR}
    assert {"BCF01", "BCF02", "BCF06", "BCF07"} <= codes
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=[Severity.ERROR, Severity.WARNING, Severity.NOTE].index)


@pytest.mark.parametrize(
    ("collection", "id_field", "record"),
    [
        ("partners", "partner_id", "partner"),
        ("sources", "source_id", "source"),
        ("pools", "pool_id", "pool"),
        ("metrics", "metric_id", "metric"),
    ],
)
def test_duplicate_ids_of_every_kind_are_findings(
    plan: Plan, policy: Policy, collection: str, id_field: str, record: str
) -> None:
    """A repeated partner, source, pool or metric ID builds a plan; BCF15 names the repeat, and the other checks run."""
    records = getattr(plan, collection)
    repeated = dataclasses.replace(plan, **{collection: (*records, records[0])})
    findings = run_checks(repeated, policy)
    ident = getattr(records[0], id_field)
    assert [f.target for f in _of(findings, "BCF15")] == [Target(record, ident, id_field, occurrence=1)]
    assert {f.code for f in findings} - {"BCF15"}, "the other checks ran too"


def test_duplicate_district_is_a_finding(plan: Plan, policy: Policy) -> None:
    """A district listed twice is one BCF15 error at its second listing."""
    area = dataclasses.replace(plan.area, districts=(*plan.area.districts, plan.area.districts[1]))
    findings = run_checks(dataclasses.replace(plan, area=area), policy)
    [finding] = _of(findings, "BCF15")
    assert finding.target == Target("district", plan.area.districts[1].district_id, "district_id", occurrence=1)


def test_amounts_for_the_wrong_number_of_years_stop_only_the_totals(plan: Plan, policy: Policy) -> None:
    """A series with one value where the plan has two years is a BCF00 error naming it; nothing else is totalled."""
    scheme = _scheme(plan, "S003")
    broken = _with_scheme(plan, "S003", amounts=scheme.amounts[:1])
    broken = dataclasses.replace(broken, sources=(*broken.sources, broken.sources[0]))
    findings = run_checks(broken, policy)
    assert [(f.code, f.target) for f in findings] == [
        ("BCF00", Target("scheme", "S003", "amounts")),
        ("BCF15", Target("source", plan.sources[0].source_id, "source_id", occurrence=1)),
    ]
    assert findings[0].message == "needs one value per plan year (2) (got 1)"


def test_compute_refuses_a_plan_it_cannot_total(plan: Plan, policy: Policy) -> None:
    """compute() names every series of the wrong length instead of failing inside a total."""
    from bcf_xl.errors import BcfInputError
    from bcf_xl.report import compute

    broken = _with_scheme(plan, "S003", amounts=(D(1),))
    broken = dataclasses.replace(broken, ooh_minimum=(D(1), D(2), D(3)))
    with pytest.raises(BcfInputError) as caught:
        compute(broken, policy)
    assert str(caught.value) == (
        "[S003] Expenditure: cannot be totalled: [S003] Expenditure needs one value per plan year (2) (got 1); "
        "Out-of-hospital minimum needs one value per plan year (2) (got 3)"
    )


def test_a_check_that_cannot_run_names_what_it_concerns(plan: Plan, policy: Policy) -> None:
    """District allocations that cannot be split (a negative one) are a BCF10 error about the allocations."""
    first = plan.area.districts[0]
    broken = dataclasses.replace(first, dfg_allocation=(D(-1), first.dfg_allocation[1]))
    area = dataclasses.replace(plan.area, districts=(broken, *plan.area.districts[1:]))
    findings = _of(run_checks(dataclasses.replace(plan, area=area), policy), "BCF10")
    assert [f.target for f in findings] == [Target("dfg", field="allocations")]
    assert "must not be negative" in findings[0].message
