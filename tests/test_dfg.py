"""bcf_xl.dfg: passporting the Disabled Facilities Grant to district councils, exact to the penny."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from bcf_xl.dfg import passport, passport_plan, split_top_up
from bcf_xl.errors import BcfInputError
from bcf_xl.model import (
    Area,
    AreaKind,
    DfgYear,
    District,
    Partner,
    PartnerKind,
    Plan,
    Retention,
)
from bcf_xl.money import total
from tests.strategies import amounts

D = Decimal
YEAR = "2023-24"

# docs/domain.md section 4: £2,000,000 for four districts weighted 40/30/20/10 %.
FOUR = (
    ("A", "Ashby", D("800000")),
    ("B", "Brackenford", D("600000")),
    ("C", "Calderbrook", D("400000")),
    ("E", "Eskmouth", D("200000")),
)


def test_top_up_domain_example() -> None:
    """A £100,000 top-up over 40/30/20/10 allocations splits £40,000/£30,000/£20,000/£10,000."""
    split = passport(YEAR, D("2000000"), FOUR, top_ups=(D("100000"),))
    assert [d.top_up for d in split.districts] == [D("40000"), D("30000"), D("20000"), D("10000")]
    assert [d.passported for d in split.districts] == [D("840000"), D("630000"), D("420000"), D("210000")]
    assert split.passported == D("2100000")
    assert split.retained == 0


def test_awkward_top_up_needs_a_largest_remainder_penny() -> None:
    """£10,000 over 1,134,000/966,000/840,000 (of 2,940,000) leaves one penny, which goes to the largest remainder.

    Exact shares in pence: 385,714.29 / 328,571.43 / 285,714.29; floors 385,714 + 328,571 + 285,714 = 999,999,
    so the last penny goes to the middle district (remainder .43 beats .29 and .29).
    """
    districts = (("ASH", "Ashby", D("1134000")), ("BRK", "Brackenford", D("966000")), ("CAL", "Calder", D("840000")))
    split = passport(YEAR, D("2940000"), districts, top_ups=(D("10000"),))
    assert [d.top_up for d in split.districts] == [D("3857.14"), D("3285.72"), D("2857.14")]
    assert total([d.top_up for d in split.districts]) == D("10000")
    assert split.passported == D("2950000")
    assert split.retained == 0


def test_split_top_up_three_equal_districts() -> None:
    """£100 over three equal allocations: 33.34/33.33/33.33, the odd penny to the first district."""
    assert split_top_up(D("100"), (D("5000"), D("5000"), D("5000"))) == (D("33.34"), D("33.33"), D("33.33"))


def test_several_top_ups_each_split_and_added() -> None:
    """Each top-up is split pro rata and the district's shares added: £60,000 + £40,000 over 40/30/20/10."""
    split = passport(YEAR, D("2000000"), FOUR, top_ups=(D("60000"), D("40000")))
    assert [d.top_up for d in split.districts] == [D("40000"), D("30000"), D("20000"), D("10000")]
    assert split.top_ups == D("100000")
    assert split.total_available == D("2100000")


def test_no_top_up_passports_the_grant_letter_amounts() -> None:
    """Without top-ups or retentions each district gets exactly its grant-letter allocation."""
    split = passport(YEAR, D("2000000"), FOUR)
    assert [d.passported for d in split.districts] == [D("800000"), D("600000"), D("400000"), D("200000")]
    assert [d.top_up for d in split.districts] == [0, 0, 0, 0]
    assert split.allocated == split.received == D("2000000")
    assert split.retained == 0


def test_passport_with_retentions_and_agreement_references() -> None:
    """A district's agreed retentions are summed, kept by the county, and their agreement references listed."""
    retentions = (
        Retention("B", D("50000"), "S75-DFG-2023-07"),
        Retention("B", D("12500.50"), "S75-DFG-2023-11"),
        Retention("E", D("1000"), "Letter 14/08/2023"),
    )
    split = passport(YEAR, D("2000000"), FOUR, top_ups=(D("100000"),), retentions=retentions)
    by_id = {d.district_id: d for d in split.districts}
    assert by_id["B"].retained == D("62500.50")
    assert by_id["B"].agreement_references == ("S75-DFG-2023-07", "S75-DFG-2023-11")
    assert by_id["B"].passported == D("567499.50")  # 600,000 + 30,000 - 62,500.50
    assert by_id["E"].passported == D("209000")
    assert by_id["A"].retained == 0
    assert by_id["A"].agreement_references == ()
    assert split.passported == D("2036499.50")
    assert split.retained == D("63500.50")
    assert split.passported + split.retained == split.total_available == D("2100000")


def test_unitary_area_passports_nothing_and_retains_everything() -> None:
    """With no districts nothing is passported: the council keeps the grant and its top-ups."""
    split = passport(YEAR, D("750000"), (), top_ups=(D("25000.01"),))
    assert split.districts == ()
    assert split.passported == 0
    assert split.allocated == 0
    assert split.total_available == D("775000.01")
    assert split.retained == D("775000.01")


def test_district_names_and_order_are_kept() -> None:
    """Districts come back in the grant letter's order with their IDs and names."""
    split = passport(YEAR, D("2000000"), FOUR)
    assert [(d.district_id, d.name, d.allocation) for d in split.districts] == list(FOUR)


def test_top_up_with_all_zero_allocations_is_an_error_naming_the_allocations() -> None:
    """A top-up cannot be split pro rata to allocations that are all zero; the error names the allocations."""
    districts = (("A", "Ashby", D("0")), ("B", "Brackenford", D("0")))
    with pytest.raises(BcfInputError, match=r"^district allocations: weights must not all be zero"):
        passport(YEAR, D("0"), districts, top_ups=(D("1000"),))


def test_top_up_in_fractions_of_a_penny_is_an_error() -> None:
    """A top-up that is not whole pence cannot be split exactly and is refused."""
    with pytest.raises(BcfInputError, match=r"must be a whole number of pence"):
        passport(YEAR, D("2000000"), FOUR, top_ups=(D("100.005"),))


def _plan(kind: AreaKind, districts: tuple[District, ...], dfg: tuple[DfgYear, ...]) -> Plan:
    return Plan(
        area=Area("Northmoor", kind, districts),
        years=("2023-24", "2024-25"),
        partners=(Partner("NCC", "Northmoor County Council", PartnerKind.COUNCIL),),
        sources=(),
        pools=(),
        schemes=(),
        dfg=dfg,
    )


def test_passport_plan_uses_each_years_own_allocations() -> None:
    """passport_plan splits each year's top-up by that year's allocations and applies that year's retentions."""
    districts = (
        District("A", "Ashby", (D("300000"), D("100000"))),
        District("B", "Brackenford", (D("100000"), D("300000"))),
    )
    dfg = (
        DfgYear(D("400000"), top_ups=(D("1000"),)),
        DfgYear(D("400000"), top_ups=(D("1000"),), retentions=(Retention("A", D("500"), "AGR-1"),)),
    )
    first, second = passport_plan(_plan(AreaKind.TWO_TIER, districts, dfg))
    assert (first.year, second.year) == ("2023-24", "2024-25")
    assert [d.top_up for d in first.districts] == [D("750"), D("250")]
    assert [d.top_up for d in second.districts] == [D("250"), D("750")]
    assert [d.passported for d in first.districts] == [D("300750"), D("100250")]
    assert [d.passported for d in second.districts] == [D("99750"), D("300750")]
    assert second.retained == D("500")


def test_passport_plan_unitary_area_keeps_everything() -> None:
    """In a unitary plan every year's DFG, top-ups included, stays with the council."""
    dfg = (DfgYear(D("500000"), top_ups=(D("10000"),)), DfgYear(D("520000")))
    first, second = passport_plan(_plan(AreaKind.UNITARY, (), dfg))
    assert (first.districts, second.districts) == ((), ())
    assert (first.retained, second.retained) == (D("510000"), D("520000"))


def test_passport_plan_without_dfg_records_gives_nothing() -> None:
    """A plan that records no DFG has no DFG split."""
    assert passport_plan(_plan(AreaKind.UNITARY, (), ())) == ()


@given(
    st.lists(amounts(10_000_000), min_size=1, max_size=6).filter(lambda xs: any(x > 0 for x in xs)),
    st.lists(amounts(1_000_000), max_size=3),
    st.data(),
)
def test_dfg_split_adds_up_exactly(allocations: list[Decimal], top_ups: list[Decimal], data: st.DataObject) -> None:
    """allocated = received; passported + retained = received + top-ups = total_available, to the penny."""
    districts = tuple((f"D{i}", f"District {i}", amount) for i, amount in enumerate(allocations))
    received = total(allocations)
    kept_from = data.draw(st.integers(min_value=0, max_value=len(allocations) - 1))
    kept = data.draw(amounts(allocations[kept_from]))
    retentions = (Retention(f"D{kept_from}", kept, "AGR"),)
    split = passport(YEAR, received, districts, tuple(top_ups), retentions)
    assert split.allocated == received
    assert split.total_available == received + total(top_ups)
    assert split.passported + split.retained == split.total_available
    assert split.retained == kept
    assert total([d.top_up for d in split.districts]) == total(top_ups)
    for district, allocation in zip(split.districts, allocations, strict=True):
        if allocation == 0:
            assert district.top_up == 0
