"""Plan records validate themselves and name the field that is wrong."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import (
    Area,
    AreaKind,
    AreaOfSpend,
    Commissioner,
    District,
    FundingSource,
    Metric,
    MetricUnit,
    Plan,
    Polarity,
    RagRule,
    SchemeStatus,
    SourceKind,
    check_year,
)


@pytest.mark.parametrize("year", ["2023-24", "2099-00", "1999-00"])
def test_plan_year_accepts_consecutive_years(year: str) -> None:
    """A plan year reads like 2025-26, the second part being the next year."""
    assert check_year(year) == year


@pytest.mark.parametrize("year", ["2023-25", "2023/24", "23-24", "2023-2024", "", "2023-24 "])
def test_plan_year_rejects_other_shapes(year: str) -> None:
    """Anything else is refused with the value shown."""
    with pytest.raises(BcfInputError, match="a plan year must read like 2025-26"):
        check_year(year)


def test_records_are_frozen(plan: Plan) -> None:
    """Records cannot be changed after construction."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.schemes[0].name = "changed"  # type: ignore[misc]


def test_joint_scheme_needs_nhs_share(plan: Plan) -> None:
    """A jointly commissioned scheme must say what fraction the NHS commissions."""
    scheme = plan.schemes[0]
    with pytest.raises(BcfInputError) as caught:
        dataclasses.replace(scheme, commissioner=Commissioner.JOINT, nhs_share=None)
    assert caught.value.location == Location(field="NHS share", item="S001")
    with pytest.raises(BcfInputError, match="fraction from 0 to 1"):
        dataclasses.replace(scheme, commissioner=Commissioner.JOINT, nhs_share=D("60"))


def test_la_share_is_the_rest(plan: Plan) -> None:
    """The local-authority share of a joint scheme is 1 - NHS share."""
    joint = next(s for s in plan.schemes if s.scheme_id == "S018")
    assert joint.nhs_share == D("0.333")
    assert joint.la_share == D("0.667")


def test_scheme_name_is_required(plan: Plan) -> None:
    """A blank scheme name is refused, naming the scheme and the field."""
    with pytest.raises(BcfInputError, match=r"\[S001\] Scheme Name: is required"):
        dataclasses.replace(plan.schemes[0], name="  ")


def test_additional_contribution_must_be_described() -> None:
    """docs/domain.md: additional contributions must be described."""
    with pytest.raises(BcfInputError, match="must be described"):
        FundingSource("ADD", SourceKind.ADDITIONAL, "NCC", (D(1),))
    assert FundingSource("ADD", SourceKind.ADDITIONAL, "NCC", (D(1),), "Council top-up").description


def test_amounts_must_be_decimal() -> None:
    """A float amount is refused: money enters the engine as Decimal."""
    with pytest.raises(BcfInputError, match="each amount must be a Decimal"):
        FundingSource("NHS", SourceKind.NHS_MINIMUM, "ICB", (1000.0,))  # type: ignore[arg-type]


def test_area_kinds_and_districts() -> None:
    """A unitary area has no districts; a two-tier area must list them."""
    district = District("A", "A District", (D(1),))
    with pytest.raises(BcfInputError, match="a unitary area has no districts"):
        Area("X", AreaKind.UNITARY, (district,))
    with pytest.raises(BcfInputError, match="a two-tier area needs its districts"):
        Area("X", AreaKind.TWO_TIER, ())


def test_plan_with_short_amounts_still_builds(plan: Plan) -> None:
    """A per-year series of the wrong length is a rule between records: the plan builds and check BCF00 reports it."""
    short = dataclasses.replace(plan.schemes[3], amounts=(D(1),))
    built = dataclasses.replace(plan, schemes=(*plan.schemes[:3], short))
    assert built.schemes[3].amounts == (D(1),)


def test_plan_years_follow_each_other(plan: Plan) -> None:
    """Two plan years must be consecutive, and a plan has one or two."""
    with pytest.raises(BcfInputError, match="must follow each other"):
        dataclasses.replace(plan, years=("2023-24", "2025-26"))
    with pytest.raises(BcfInputError, match="one or two years"):
        dataclasses.replace(plan, years=())


def test_duplicate_ids_do_not_stop_the_plan(plan: Plan) -> None:
    """Unique IDs are a check (BCF15), not a construction error: a plan with a repeated partner still builds."""
    built = dataclasses.replace(plan, partners=(*plan.partners, plan.partners[0]))
    assert len(built.partners) == len(plan.partners) + 1


def test_enum_fields_take_their_exact_text(plan: Plan) -> None:
    """A commissioner given as its text "ICB" becomes Commissioner.ICB, so the NHS part is counted as for the member."""
    from bcf_xl.pooling import Dimension, totals_by

    scheme = plan.schemes[0]
    as_text = dataclasses.replace(scheme, commissioner="ICB", status="New", area_of_spend="Acute")  # type: ignore[arg-type]
    as_member = dataclasses.replace(
        scheme, commissioner=Commissioner.ICB, status=SchemeStatus.NEW, area_of_spend=AreaOfSpend.ACUTE
    )
    assert as_text == as_member and as_text.commissioner is Commissioner.ICB
    one = dataclasses.replace(plan, schemes=(as_text,))
    nhs = {line.key: line.amount for line in totals_by(one, Dimension.COMMISSIONER, plan.years[0])}
    assert nhs["NHS"] == scheme.amounts[0] > 0 and nhs.get("Local Authority", D(0)) == 0


@pytest.mark.parametrize("value", ["icb", "Integrated care board", 3, None, "ICB "])
def test_enum_fields_refuse_anything_else(plan: Plan, value: object) -> None:
    """Other text (even in another case), numbers and blanks are refused, naming the field and what arrived."""
    with pytest.raises(
        BcfInputError, match=r"^\[S001\] Commissioner: must be one of Local Authority, ICB, Joint \(got"
    ):
        dataclasses.replace(plan.schemes[0], commissioner=value)


def test_sequences_become_tuples(plan: Plan) -> None:
    """Lists given to a frozen record are kept as tuples, so nothing can change the record afterwards."""
    scheme = dataclasses.replace(plan.schemes[0], amounts=[D(1), D(2)])  # type: ignore[arg-type]
    built = dataclasses.replace(plan, schemes=list(plan.schemes), years=list(plan.years))  # type: ignore[arg-type]
    assert scheme.amounts == (D(1), D(2)) and isinstance(built.schemes, tuple) and isinstance(built.years, tuple)
    assert built == plan


def test_rate_metric_needs_population() -> None:
    """A rate cannot be worked out without a population above zero."""
    with pytest.raises(BcfInputError, match="a rate needs a population above 0"):
        Metric("M", "Falls", Polarity.LOWER_IS_BETTER, MetricUnit.RATE, D(1), D(1), population=0)


def test_tolerance_rule_needs_tolerance() -> None:
    """The tolerance rule is meaningless without a tolerance."""
    with pytest.raises(BcfInputError, match="needs a tolerance"):
        Metric("M", "Falls", Polarity.LOWER_IS_BETTER, MetricUnit.NUMBER, D(1), D(1), rag_rule=RagRule.TOLERANCE)


def test_income_and_expenditure_by_year(plan: Plan) -> None:
    """Plan income and expenditure are exact sums for the year asked, and an unknown year is named."""
    assert plan.income("2023-24") == D("61410123.45")
    assert plan.expenditure("2024-25") == D("65881400.00")
    with pytest.raises(BcfInputError, match="must be one of 2023-24, 2024-25"):
        plan.income("2022-23")


def test_rate_metric_counts_are_not_negative() -> None:
    """A count that is rated per population cannot be negative: the field is named."""
    with pytest.raises(BcfInputError, match=r"\[M\] Actual: a count rated per population must not be negative"):
        Metric("M", "Falls", Polarity.LOWER_IS_BETTER, MetricUnit.RATE, D(1), D(1), actual=D(-1), population=10)
