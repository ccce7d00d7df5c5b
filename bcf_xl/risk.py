"""Risk share, the overspend waterfall, quarterly invoices, the year-end statement and the
performance fund (docs/domain.md sections 6 and 7): the money side of the Section 75 agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import PartnerKind, Plan
from bcf_xl.money import ZERO, allocate, quarters, to_pence, total
from bcf_xl.pooling import LOCAL_AUTHORITY, commissioner_parts


@dataclass(frozen=True, slots=True)
class RiskShare:
    """How an over- (positive) or underspend (negative) is shared between partners.

    ``outside_pool`` is what the caps leave unshared: it falls to resources outside the pool.
    """

    amount: Decimal
    shares: tuple[tuple[str, Decimal], ...]
    outside_pool: Decimal
    overridden: bool


def share_risk(
    amount: Decimal,
    contributions: Sequence[tuple[str, Decimal]],
    override: Sequence[tuple[str, Decimal]] = (),
) -> RiskShare:
    """Share an over- or underspend pro rata to each partner's contribution.

    Each partner's share is capped at what it contributes, unless both finance directors agreed
    other percentages (``override``), which then apply in full with no cap. Shares are exact to
    the penny and, with what is left outside the pool, add up to ``amount``.

    Args:
        amount: the overspend (positive) or underspend (negative), rounded half-up to the penny.
        contributions: (partner ID, contribution) for each partner.
        override: (partner ID, agreed weight) when partners agreed a different split.
    """
    amount = to_pence(amount)
    if override:
        parts = allocate(amount, [w for _, w in override], Location(field="risk share override"))
        return RiskShare(amount, tuple(zip([p for p, _ in override], parts, strict=True)), ZERO, True)
    weights = [c for _, c in contributions]
    if weights and min(weights) < 0:  # refused before the cap is worked out from the total contributed
        number, contribution = next((n, c) for n, c in enumerate(weights, start=1) if c < 0)
        raise BcfInputError(Location(field="contributions"), f"weight {number} must not be negative", contribution)
    pool = total(weights)
    capped = amount if abs(amount) <= pool else (pool if amount > 0 else -pool)
    parts = allocate(to_pence(capped), weights, Location(field="contributions"))
    shares = tuple(zip([p for p, _ in contributions], parts, strict=True))
    return RiskShare(amount, shares, amount - total(list(parts)), False)


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    """One step of the overspend waterfall: what it could cover and what it covered."""

    name: str
    available: Decimal | None
    applied: Decimal


WATERFALL_ORDER = (
    "Underspends elsewhere in the pools",
    "Risk pool",
    "Uncommitted scheme allocations",
    "Resources outside the pool",
)


def overspend_waterfall(
    overspend: Decimal, underspends: Decimal, risk_pool: Decimal, uncommitted: Decimal
) -> tuple[WaterfallStep, ...]:
    """Cover an overspend in the agreed order, each step taking what it can.

    Underspends elsewhere first, then the risk pool, then uncommitted scheme allocations; what
    is left falls to resources outside the pool. The applied amounts add up to the overspend.
    """
    for name, value in (
        ("overspend", overspend),
        ("underspends", underspends),
        ("risk pool", risk_pool),
        ("uncommitted", uncommitted),
    ):
        if value < 0:
            raise BcfInputError(name, "must not be negative", value)
    remaining = overspend
    steps = []
    for name, available in zip(WATERFALL_ORDER, (underspends, risk_pool, uncommitted, None), strict=True):
        applied = remaining if available is None else min(remaining, available)
        steps.append(WaterfallStep(name, available, applied))
        remaining -= applied
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Invoice:
    """A partner invoicing another quarterly in arrears for schemes it commissions with the other's money."""

    from_partner: str
    to_partner: str
    annual: Decimal
    quarters: tuple[Decimal, Decimal, Decimal, Decimal]


def _commissioning_partner(plan: Plan, who: str, payer: str) -> str | None:
    if who == LOCAL_AUTHORITY:
        council = plan.council
        return council.partner_id if council else None
    payer_partner = plan.partner(payer)
    if payer_partner is not None and payer_partner.kind is PartnerKind.ICB:
        return payer  # an ICB commissioning with its own money invoices nobody
    icbs = plan.icbs
    return icbs[0].partner_id if icbs else None


def partner_invoices(plan: Plan, year: str) -> tuple[Invoice, ...]:
    """The quarterly invoices between partners for a year.

    A partner that commissions a scheme (or its share of a joint scheme) funded by another
    partner's contribution invoices that partner a quarter of the annual cost each quarter. NHS
    commissioning funded by council money is done by the lead (first) ICB.
    """
    index = plan.year_index(year)
    owed: dict[tuple[str, str], Decimal] = {}
    for scheme in plan.schemes:
        source = plan.source(scheme.source)
        if source is None:
            continue
        for who, amount in commissioner_parts(scheme, scheme.amounts[index]):
            commissioner = _commissioning_partner(plan, who, source.contributor)
            if commissioner is None or commissioner == source.contributor or amount == 0:
                continue
            key = (commissioner, source.contributor)
            owed[key] = owed.get(key, ZERO) + amount
    return tuple(
        Invoice(from_partner, to_partner, to_pence(annual), quarters(annual))
        for (from_partner, to_partner), annual in owed.items()
    )


class Treatment(StrEnum):
    """How the difference at year end is treated."""

    CARRIED_FORWARD = "Carried forward"
    RETURNED = "Returned to partners"
    SHARED = "Shared between partners"


@dataclass(frozen=True, slots=True)
class YearEndStatement:
    """The host's year-end statement for one pool (docs/domain.md section 7)."""

    pool_id: str
    year: str
    contributions: tuple[tuple[str, Decimal], ...]
    expenditure: Decimal
    treatment: Treatment
    treatment_split: tuple[tuple[str, Decimal], ...]
    estimated_lines: int

    @property
    def total_contributions(self) -> Decimal:
        return total([amount for _, amount in self.contributions])

    @property
    def difference(self) -> Decimal:
        """Contributions minus expenditure: positive is an underspend, negative an overspend."""
        return self.total_contributions - self.expenditure


def year_end_statement(plan: Plan, pool_id: str, year: str, treatment: Treatment | None = None) -> YearEndStatement:
    """Contributions to a pool, expenditure from it, the difference and how it is treated.

    Contributions are each partner's planned money in the pool's schemes. Expenditure is the
    outturn where recorded; a scheme without outturn counts at its plan and is counted in
    ``estimated_lines``. By default an underspend is carried forward and an overspend shared
    pro rata to contributions (with the plan's agreed override, if any); a difference returned
    or shared is split exactly to the penny.
    """
    index = plan.year_index(year)
    by_partner: dict[str, Decimal] = {}
    spent = ZERO
    estimated = 0
    for scheme in (s for s in plan.schemes if s.pool == pool_id):
        source = plan.source(scheme.source)
        contributor = source.contributor if source else f"unknown source {scheme.source}"
        by_partner[contributor] = by_partner.get(contributor, ZERO) + scheme.amounts[index]
        outturn = scheme.outturn[index] if scheme.outturn else None
        if outturn is None:
            estimated += 1
            spent += scheme.amounts[index]
        else:
            spent += outturn
    contributions = tuple(by_partner.items())
    difference = total(list(by_partner.values())) - spent
    chosen = treatment or (Treatment.CARRIED_FORWARD if difference >= 0 else Treatment.SHARED)
    split: tuple[tuple[str, Decimal], ...] = ()
    if chosen is not Treatment.CARRIED_FORWARD and difference != 0 and any(c for _, c in contributions):
        override = plan.risk_terms.override if chosen is Treatment.SHARED else ()
        share = share_risk(difference, contributions, override)
        split = share.shares
    return YearEndStatement(pool_id, year, contributions, spent, chosen, split, estimated)


def pool_statements(plan: Plan, year: str) -> tuple[tuple[YearEndStatement, ...], tuple[WaterfallStep, ...]]:
    """The Section 75 year-end statement of every pool but the risk pool, and the overspend waterfall.

    The waterfall covers the pools' overspends in the agreed order (:func:`overspend_waterfall`):
    first the other pools' underspends, then the risk pool, then uncommitted allocations; empty
    when nothing is overspent.
    """
    statements = tuple(year_end_statement(plan, p.pool_id, year) for p in plan.pools if not p.is_risk_pool)
    overspend = total([-s.difference for s in statements if s.difference < 0])
    underspends = total([s.difference for s in statements if s.difference > 0])
    terms = plan.risk_terms
    waterfall = (
        overspend_waterfall(overspend, underspends, terms.risk_pool_balance, terms.uncommitted) if overspend > 0 else ()
    )
    return statements, waterfall


@dataclass(frozen=True, slots=True)
class PerformanceRelease:
    """Performance fund released in proportion to the reduction achieved against the target."""

    fund: Decimal
    target_reduction: Decimal
    achieved_reduction: Decimal
    fraction: Decimal
    released: Decimal

    @property
    def withheld(self) -> Decimal:
        """What is not released: it pays for the extra hospital activity."""
        return self.fund - self.released


def performance_release(fund: Decimal, target_reduction: Decimal, achieved_reduction: Decimal) -> PerformanceRelease:
    """Release the performance fund in proportion to the reduction achieved, from 0% to 100%.

    Args:
        fund: the amount held back, in pounds.
        target_reduction: the reduction aimed for, as a fraction (0.021 for 2.1%), above 0.
        achieved_reduction: the reduction achieved; a rise (negative) releases nothing, beating
            the target releases everything.
    """
    if target_reduction <= 0:
        raise BcfInputError("target reduction", "must be above 0 (0.021 for 2.1%)", target_reduction)
    fraction = min(Decimal(1), max(ZERO, achieved_reduction / target_reduction))
    return PerformanceRelease(fund, target_reduction, achieved_reduction, fraction, to_pence(fund * fraction))


def performance_release_by_quarter(
    fund: Decimal, target_reduction: Decimal, achieved_by_quarter: Sequence[Decimal]
) -> tuple[PerformanceRelease, ...]:
    """Release a year's fund quarter by quarter: a quarter of the fund against each quarter's result."""
    if len(achieved_by_quarter) != 4:
        raise BcfInputError("achieved reductions", "one per quarter (4) is needed", len(achieved_by_quarter))
    return tuple(
        performance_release(part, target_reduction, achieved)
        for part, achieved in zip(quarters(fund), achieved_by_quarter, strict=True)
    )
