"""Inflation uplifts and the minimum spends they drive (docs/domain.md section 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from bcf_xl.errors import BcfInputError
from bcf_xl.money import ZERO, to_pence


def uplift(amount: Decimal, rate: Decimal, years: int = 1) -> Decimal:
    """Apply an inflation uplift, compounding over whole years, rounded half-up to the penny once.

    Args:
        amount: the starting figure in pounds.
        rate: the yearly uplift as a fraction (0.0566 for 5.66%), above -1.
        years: whole years to compound over, 0 or more.

    >>> uplift(Decimal("10000000"), Decimal("0.0566"))
    Decimal('10566000.00')
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 0:
        raise BcfInputError("years", "must be a whole number of years, 0 or more", years)
    if rate <= -1:
        raise BcfInputError("rate", "must be above -1 (a fraction: 0.0566 for 5.66%)", rate)
    with localcontext() as context:
        context.prec = 50
        return to_pence(amount * (1 + rate) ** years)


def uplift_series(amount: Decimal, rates: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Uplift year on year, each year's figure rounded to the penny before the next is applied.

    This is how statutory minimums compound: each year's published figure, in pounds and pence,
    is the base of the next. The result has one figure per rate.
    """
    figures: list[Decimal] = []
    current = amount
    for rate in rates:
        current = uplift(current, rate)
        figures.append(current)
    return tuple(figures)


def roll_forward(prior_year_budget: Decimal, additional_investment: Decimal) -> Decimal:
    """Next year's budget line: this year's budget plus additional investment (which may be negative)."""
    return prior_year_budget + additional_investment


@dataclass(frozen=True, slots=True)
class MinimumSpend:
    """A required minimum spend and what the plan puts against it, for one year.

    ``calculated`` is the engine's figure; ``agreed`` the published or agreed one when it differs
    (both are kept). The requirement is the agreed figure when there is one.
    """

    year: str
    calculated: Decimal
    agreed: Decimal | None
    planned: Decimal

    @property
    def required(self) -> Decimal:
        return self.calculated if self.agreed is None else self.agreed

    @property
    def under_spend(self) -> Decimal:
        """max(0, required - planned), as the template shows it."""
        return shortfall(self.planned, self.required)

    @property
    def override_difference(self) -> Decimal:
        """Agreed minus calculated: zero when nothing was agreed."""
        return ZERO if self.agreed is None else self.agreed - self.calculated


def shortfall(planned: Decimal, required: Decimal) -> Decimal:
    """How far planned spend falls short of a requirement: max(0, required - planned), to the penny."""
    return to_pence(max(ZERO, required - planned))
