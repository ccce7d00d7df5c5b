"""Disabled Facilities Grant passporting to district councils (docs/domain.md section 4).

In a two-tier area the county receives the DFG for the whole area and passes it down in full:
each district gets its grant-letter allocation plus its share of any in-year top-up (pro rata to
the existing allocations, split exactly to the penny), less any amount it expressly agreed the
county may keep. A unitary area passports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bcf_xl.errors import Location
from bcf_xl.model import AreaKind, DfgYear, Plan, Retention
from bcf_xl.money import ZERO, allocate, total


@dataclass(frozen=True, slots=True)
class DistrictShare:
    """One district's DFG for a year."""

    district_id: str
    name: str
    allocation: Decimal
    top_up: Decimal
    retained: Decimal
    agreement_references: tuple[str, ...]

    @property
    def passported(self) -> Decimal:
        """What the county passes to the district: allocation + top-up share - agreed retention."""
        return self.allocation + self.top_up - self.retained


@dataclass(frozen=True, slots=True)
class DfgSplit:
    """The DFG of one plan year and how it is passported."""

    year: str
    received: Decimal
    top_ups: Decimal
    districts: tuple[DistrictShare, ...]

    @property
    def total_available(self) -> Decimal:
        return self.received + self.top_ups

    @property
    def allocated(self) -> Decimal:
        """The districts' grant-letter allocations added up: must equal ``received``."""
        return total([d.allocation for d in self.districts])

    @property
    def passported(self) -> Decimal:
        return total([d.passported for d in self.districts])

    @property
    def retained(self) -> Decimal:
        """DFG the county keeps: everything in a unitary area; agreed retentions in a two-tier one."""
        return self.total_available - self.passported


def split_top_up(top_up: Decimal, allocations: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Split an in-year top-up pro rata to the districts' existing allocations, exact to the penny.

    >>> split_top_up(Decimal("100000"), (Decimal("800000"), Decimal("600000"), Decimal("400000"), Decimal("200000")))
    (Decimal('40000.00'), Decimal('30000.00'), Decimal('20000.00'), Decimal('10000.00'))
    """
    return allocate(top_up, allocations, Location(field="district allocations"))


def passport(
    year: str,
    received: Decimal,
    districts: tuple[tuple[str, str, Decimal], ...],
    top_ups: tuple[Decimal, ...] = (),
    retentions: tuple[Retention, ...] = (),
) -> DfgSplit:
    """Passport one year's DFG to districts.

    Args:
        year: the plan year.
        received: the DFG in the grant letter for the whole area.
        districts: (district ID, name, grant-letter allocation) for each district; none for a
            unitary area.
        top_ups: in-year top-ups, each split pro rata to the allocations.
        retentions: amounts districts agreed the county may keep, with the agreement reference.
    """
    if not districts:
        return DfgSplit(year, received, total(list(top_ups)), ())
    allocations = tuple(amount for _, _, amount in districts)
    top_up_parts = [ZERO] * len(districts)
    for top_up in top_ups:
        for i, part in enumerate(split_top_up(top_up, allocations)):
            top_up_parts[i] += part
    shares = []
    for i, (district_id, name, allocation) in enumerate(districts):
        kept = [r for r in retentions if r.district_id == district_id]
        shares.append(
            DistrictShare(
                district_id,
                name,
                allocation,
                top_up_parts[i],
                total([r.amount for r in kept]),
                tuple(r.agreement_reference for r in kept),
            )
        )
    return DfgSplit(year, received, total(list(top_ups)), tuple(shares))


def passport_plan(plan: Plan) -> tuple[DfgSplit, ...]:
    """The DFG split of every plan year that records its DFG."""
    splits = []
    for index, (year, dfg) in enumerate(zip(plan.years, plan.dfg, strict=False)):
        districts = (
            tuple((d.district_id, d.name, d.dfg_allocation[index]) for d in plan.area.districts)
            if plan.area.kind is AreaKind.TWO_TIER
            else ()
        )
        splits.append(passport(year, dfg.received, districts, dfg.top_ups, dfg.retentions))
    return tuple(splits)


def dfg_by_year_and_district(plan: Plan) -> tuple[DfgYear, ...]:
    """The plan's DFG as workbooks hold it: one top-up figure per year, and one agreed retention per district and
    year (references joined with "; "); no DFG at all when nothing is recorded."""
    years = tuple(
        DfgYear(
            d.received,
            (total(list(d.top_ups)),) if total(list(d.top_ups)) else (),
            tuple(
                Retention(
                    district.district_id,
                    total([r.amount for r in kept]),
                    "; ".join(r.agreement_reference for r in kept),
                )
                for district in plan.area.districts
                if (kept := [r for r in d.retentions if r.district_id == district.district_id])
                and total([r.amount for r in kept])
            ),
        )
        for d in plan.dfg
    )
    return years if any(d.received or d.top_ups or d.retentions for d in years) else ()
