"""The full computation of a plan: every calculation and every check, in one record.

:func:`compute` is what the command line prints, what the workbooks show and what the
benchmarks time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bcf_xl.checks import run_checks, shape_findings
from bcf_xl.dfg import DfgSplit, passport_plan
from bcf_xl.errors import BcfInputError
from bcf_xl.findings import Finding
from bcf_xl.metrics import MetricResult, assess
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import Plan
from bcf_xl.money import ZERO
from bcf_xl.policy import Policy
from bcf_xl.pooling import Balance, Dimension, SourceBalance, TotalLine, balance, running_balances, totals_by
from bcf_xl.risk import (
    Invoice,
    PerformanceRelease,
    WaterfallStep,
    YearEndStatement,
    overspend_waterfall,
    partner_invoices,
    performance_release_by_quarter,
    year_end_statement,
)
from bcf_xl.uplift import MinimumSpend


@dataclass(frozen=True, slots=True)
class PlanReport:
    """Everything the engine works out for a plan."""

    plan: Plan
    totals: tuple[tuple[Dimension, str, tuple[TotalLine, ...]], ...]
    balances: tuple[Balance, ...]
    source_balances: tuple[SourceBalance, ...]
    asc_minimum: tuple[MinimumSpend, ...]
    ooh_minimum: tuple[MinimumSpend, ...]
    dfg: tuple[DfgSplit, ...]
    metrics: tuple[MetricResult, ...]
    invoices: tuple[tuple[str, tuple[Invoice, ...]], ...]
    year_end: tuple[YearEndStatement, ...]
    waterfall: tuple[WaterfallStep, ...]
    performance: tuple[PerformanceRelease, ...]
    findings: tuple[Finding, ...]

    def totals_for(self, dimension: Dimension, year: str) -> tuple[TotalLine, ...]:
        for dim, for_year, lines in self.totals:
            if dim is dimension and for_year == year:
                return lines
        raise KeyError((dimension, year))


def compute(plan: Plan, policy: Policy) -> PlanReport:
    """Work out every total, split, rating and finding of a plan.

    The year-end statement, overspend waterfall and partner invoices are for the first plan
    year (the year whose outturn is being reported); totals, balances, minimums and the DFG
    split are for every plan year.

    Raises:
        BcfInputError: a per-year series does not have one value per plan year (check BCF00), so
            nothing can be totalled; the message lists every such series.
    """
    shape = shape_findings(plan)
    if shape:
        raise BcfInputError(
            shape[0].target.as_location(),
            "cannot be totalled: " + "; ".join(f"{f.target} {f.message}" for f in shape),
            show_got=False,
        )
    first = plan.years[0]
    totals = tuple(
        (dimension, year, totals_by(plan, dimension, year))
        for year in plan.years
        for dimension in Dimension
        if dimension is not Dimension.YEAR
    )
    statements = tuple(year_end_statement(plan, pool.pool_id, first) for pool in plan.pools if not pool.is_risk_pool)
    overspend = sum((-s.difference for s in statements if s.difference < 0), ZERO)
    underspends = sum((s.difference for s in statements if s.difference > 0), ZERO)
    waterfall = (
        overspend_waterfall(overspend, underspends, plan.risk_terms.risk_pool_balance, plan.risk_terms.uncommitted)
        if overspend > 0
        else ()
    )
    try:
        asc = asc_minimum(plan, policy)
    except BcfInputError:
        asc = ()  # no uplift for a plan year: check BCF14 reports it
    fund = plan.performance_fund
    return PlanReport(
        plan=plan,
        totals=totals,
        balances=tuple(balance(plan, year) for year in plan.years),
        source_balances=tuple(line for year in plan.years for line in running_balances(plan, year)),
        asc_minimum=asc,
        ooh_minimum=ooh_minimum(plan),
        dfg=passport_plan(plan),
        metrics=tuple(assess(metric) for metric in plan.metrics),
        invoices=tuple((year, partner_invoices(plan, year)) for year in plan.years),
        year_end=statements,
        waterfall=waterfall,
        performance=(
            performance_release_by_quarter(fund.fund, fund.target_reduction, fund.achieved_by_quarter) if fund else ()
        ),
        findings=run_checks(plan, policy),
    )
