"""Start next year's plan from this one (the planning workbook's "Roll forward" button).

Every plan year moves on by one (2023-24 and 2024-25 become 2024-25 and 2025-26). Figures already
planned for a year carry into it; this year's budgets become the prior-year budgets; minimums are
uplifted by the national rates; actuals, outturn, top-ups, retentions, sign-off and the answers to
the national conditions are cleared, to be filled in again.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from bcf_xl.minimums import asc_minimum
from bcf_xl.model import AgeBand, AscMinimum, ConditionAnswer, DfgYear, Plan
from bcf_xl.money import ZERO
from bcf_xl.policy import Policy
from bcf_xl.uplift import uplift


def next_year(year: str) -> str:
    """The plan year after ``year``: 2025-26 gives 2026-27."""
    start = int(year[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def _shift(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Amounts per year moved on by one: the last year's figure carries into the new last year."""
    return (*values[1:], values[-1])


def roll_forward(plan: Plan, policy: Policy) -> Plan:
    """Next year's plan.

    Raises:
        BcfInputError: a national uplift rate needed for the minimums is not known (see the policy file).
    """
    years = tuple(next_year(y) for y in plan.years)
    schemes = tuple(
        dataclasses.replace(
            s,
            amounts=_shift(s.amounts),
            prior_year_budget=s.amounts[0],
            additional_investment=_shift(s.amounts)[0] - s.amounts[0],
            outturn=(),
        )
        for s in plan.schemes
    )
    asc = None
    if plan.asc_minimum is not None:
        asc = AscMinimum(asc_minimum(plan, policy)[0].required)
    ooh: tuple[Decimal, ...] = ()
    if plan.ooh_minimum:
        ooh = (*plan.ooh_minimum[1:], uplift(plan.ooh_minimum[-1], policy.uplift(years[-1]).rate))
    dfg = tuple(DfgYear(d.received) for d in (*plan.dfg[1:], plan.dfg[-1])) if plan.dfg else ()
    area = dataclasses.replace(
        plan.area,
        districts=tuple(dataclasses.replace(d, dfg_allocation=_shift(d.dfg_allocation)) for d in plan.area.districts),
    )
    metrics = tuple(
        dataclasses.replace(
            m,
            baseline=m.actual if m.actual is not None else m.baseline,
            actual=None,
            forecast=None,
            bands=tuple(_roll_band(b) for b in m.bands),
        )
        for m in plan.metrics
    )
    fund = plan.performance_fund
    return dataclasses.replace(
        plan,
        area=area,
        years=years,
        sources=tuple(dataclasses.replace(s, amounts=_shift(s.amounts)) for s in plan.sources),
        schemes=schemes,
        metrics=metrics,
        asc_minimum=asc,
        ooh_minimum=ooh,
        dfg=dfg,
        performance_fund=dataclasses.replace(fund, achieved_by_quarter=(ZERO, ZERO, ZERO, ZERO)) if fund else None,
        contacts=dataclasses.replace(plan.contacts, sign_off_date="", hwb_signed_off=""),
        conditions=tuple(ConditionAnswer(c.code, None) for c in plan.conditions),
    )


def _roll_band(band: AgeBand) -> AgeBand:
    """An age band's actual count becomes next year's baseline (as its metric's actual rate does)."""
    baseline = band.actual if band.actual is not None else band.baseline
    return dataclasses.replace(band, baseline=baseline, actual=None, forecast=None)
