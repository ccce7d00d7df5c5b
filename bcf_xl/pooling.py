"""Pooled totals, income against expenditure, and running balances (docs/domain.md sections 3 and 5).

Every total is an exact Decimal sum in pounds and pence. A jointly commissioned scheme is split
between its commissioners by its NHS share, the NHS part rounded half-up to the penny and the
local-authority part taking the rest, so the two always add back to the scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bcf_xl.model import Commissioner, Plan, Scheme
from bcf_xl.money import ZERO, to_pence, total


class Dimension(StrEnum):
    """The views a pooled total can be taken by."""

    POOL = "pool"
    THEME = "theme"
    PARTNER = "partner"
    SOURCE = "source"
    COMMISSIONER = "commissioner"
    AREA_OF_SPEND = "area of spend"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class TotalLine:
    key: str
    amount: Decimal


NHS = "NHS"
LOCAL_AUTHORITY = Commissioner.LOCAL_AUTHORITY.value


def split_joint(amount: Decimal, nhs_share: Decimal) -> tuple[Decimal, Decimal]:
    """Split a joint scheme's amount into (NHS part, local-authority part) that add back exactly.

    >>> split_joint(Decimal("100.01"), Decimal("0.5"))
    (Decimal('50.01'), Decimal('50.00'))
    """
    nhs = to_pence(amount * nhs_share)
    return nhs, amount - nhs


def commissioner_parts(scheme: Scheme, amount: Decimal) -> tuple[tuple[str, Decimal], ...]:
    """Who commissions how much of a scheme's amount: NHS and/or Local Authority."""
    if scheme.commissioner is Commissioner.ICB:
        return ((NHS, amount),)
    if scheme.commissioner is Commissioner.LOCAL_AUTHORITY:
        return ((LOCAL_AUTHORITY, amount),)
    nhs, la = split_joint(amount, scheme.nhs_share or ZERO)
    return ((NHS, nhs), (LOCAL_AUTHORITY, la))


def _lines(plan: Plan, dimension: Dimension, year: str | None) -> Iterator[tuple[str, Decimal]]:
    indices = range(len(plan.years)) if year is None else (plan.year_index(year),)
    key_of: dict[Dimension, Callable[[Scheme], str]] = {
        Dimension.POOL: lambda s: s.pool,
        Dimension.THEME: lambda s: s.theme,
        Dimension.PARTNER: lambda s: _contributor(plan, s),
        Dimension.SOURCE: lambda s: s.source,
        Dimension.AREA_OF_SPEND: lambda s: s.area_of_spend.value,
    }
    for scheme in plan.schemes:
        for index in indices:
            amount = scheme.amounts[index]
            if dimension is Dimension.YEAR:
                yield plan.years[index], amount
            elif dimension is Dimension.COMMISSIONER:
                yield from commissioner_parts(scheme, amount)
            else:
                yield key_of[dimension](scheme), amount


def _contributor(plan: Plan, scheme: Scheme) -> str:
    source = plan.source(scheme.source)
    return source.contributor if source else f"unknown source {scheme.source}"


def totals_by(plan: Plan, dimension: Dimension, year: str | None = None) -> tuple[TotalLine, ...]:
    """Planned expenditure grouped by one dimension, for one plan year or (None) all of them.

    Keys come in a stable order: pools, partners and sources in the plan's order, then any key
    the plan does not declare (a scheme naming an unknown pool still counts, under its own name);
    themes and areas of spend in order of first appearance.
    """
    sums: dict[str, Decimal] = {}
    for key in _declared_order(plan, dimension):
        sums[key] = ZERO
    for key, amount in _lines(plan, dimension, year):
        sums[key] = sums.get(key, ZERO) + amount
    return tuple(TotalLine(key, amount) for key, amount in sums.items())


def _declared_order(plan: Plan, dimension: Dimension) -> tuple[str, ...]:
    if dimension is Dimension.POOL:
        return tuple(p.pool_id for p in plan.pools)
    if dimension is Dimension.PARTNER:
        return tuple(p.partner_id for p in plan.partners)
    if dimension is Dimension.SOURCE:
        return tuple(s.source_id for s in plan.sources)
    if dimension is Dimension.YEAR:
        return plan.years
    if dimension is Dimension.COMMISSIONER:
        return (NHS, LOCAL_AUTHORITY)
    return ()


def grand_total(lines: tuple[TotalLine, ...]) -> Decimal:
    return total([line.amount for line in lines])


@dataclass(frozen=True, slots=True)
class Balance:
    """Income against expenditure for one plan year."""

    year: str
    income: Decimal
    expenditure: Decimal

    @property
    def difference(self) -> Decimal:
        """Income minus expenditure: zero when the plan balances."""
        return self.income - self.expenditure


def balance(plan: Plan, year: str) -> Balance:
    """Total income against total planned expenditure for a year."""
    return Balance(year, plan.income(year), plan.expenditure(year))


@dataclass(frozen=True, slots=True)
class SourceBalance:
    """Income from one funding source against the planned spend it funds."""

    source_id: str
    year: str
    income: Decimal
    expenditure: Decimal

    @property
    def balance(self) -> Decimal:
        """Income minus expenditure: negative is overcommitted, positive must be explained."""
        return self.income - self.expenditure


def running_balances(plan: Plan, year: str) -> tuple[SourceBalance, ...]:
    """The running balance of every funding source for a year, in the plan's order."""
    index = plan.year_index(year)
    spend = {line.key: line.amount for line in totals_by(plan, Dimension.SOURCE, year)}
    return tuple(
        SourceBalance(source.source_id, year, source.amounts[index], spend.get(source.source_id, ZERO))
        for source in plan.sources
    )
