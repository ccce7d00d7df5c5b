"""The full computation of a plan: every calculation and every check, in one record.

:func:`compute` is what the command line prints, what the workbooks show and what the
benchmarks time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bcf_xl.checks import run_checks, shape_findings
from bcf_xl.dfg import DfgSplit, passport_plan
from bcf_xl.errors import BcfInputError
from bcf_xl.findings import Finding
from bcf_xl.metrics import MetricResult, assess
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import Plan
from bcf_xl.money import ZERO
from bcf_xl.policy import Policy
from bcf_xl.pooling import (
    LOCAL_AUTHORITY,
    NHS,
    Balance,
    Dimension,
    SourceBalance,
    TotalLine,
    balance,
    commissioner_parts,
    running_balances,
    totals_by,
)
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

if TYPE_CHECKING:
    import pandas as pd


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

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The report as pandas DataFrames with named columns, one row per line of each view.

        Money and every other figure stays a :class:`~decimal.Decimal` in a column of ``object``
        dtype, so pence stay exact (a float column would not keep them); text and enum values are
        text; a figure that is not known is ``None``. The frames:

        - ``funding``: a source and year a row: ``source_id``, ``kind``, ``contributor``, ``year``,
          ``income``, ``planned_expenditure`` (the schemes it funds) and ``balance``.
        - ``schemes``: a scheme and year a row: the scheme's fields, ``year``, ``amount``, its
          ``nhs_amount`` and ``la_amount`` (a joint scheme split to the penny) and ``outturn``.
        - ``pools``: a pool and year a row: ``pool_id``, ``name``, ``host``, ``is_risk_pool``, ``year``,
          ``planned``, and for the first plan year the year-end ``contributions``, ``expenditure``
          and ``difference`` (positive an underspend).
        - ``dfg``: a district and year a row (none for a unitary area, which keeps its DFG):
          ``allocation``, ``top_up``, ``retained``, ``passported`` and ``agreement_references``.
        - ``metrics``: a metric a row, its values as rated (a rate per population worked out, an
          age-standardised rate as it is), ``rag``, ``progress`` (the quarterly return's words) and
          ``achievement`` (the end-of-year return's words for the actual against the target).
        - ``findings``: ``severity``, ``code``, what it concerns (``record`` kind, ``id``, ``field``,
          ``year``) and ``message``.

        pandas is imported here only, so the engine runs without it.
        """
        import pandas as pd

        plan = self.plan
        sources = [source for _ in plan.years for source in plan.sources]  # running balances' order
        funding = [
            (
                line.source_id,
                source.kind.value,
                source.contributor,
                line.year,
                line.income,
                line.expenditure,
                line.balance,
            )
            for line, source in zip(self.source_balances, sources, strict=True)
        ]
        schemes = []
        for scheme in plan.schemes:
            for index, year in enumerate(plan.years):
                amount = scheme.amounts[index]
                parts = dict(commissioner_parts(scheme, amount))
                schemes.append(
                    (
                        scheme.scheme_id,
                        scheme.name,
                        scheme.scheme_type,
                        scheme.sub_type,
                        scheme.area_of_spend.value,
                        scheme.commissioner.value,
                        scheme.nhs_share,
                        scheme.provider,
                        scheme.source,
                        scheme.pool,
                        scheme.theme,
                        scheme.status.value,
                        year,
                        amount,
                        parts.get(NHS, ZERO),
                        parts.get(LOCAL_AUTHORITY, ZERO),
                        scheme.outturn[index] if scheme.outturn else None,
                    )
                )
        statements = {(s.pool_id, s.year): s for s in self.year_end}
        pools = []
        for year in plan.years:
            for line in self.totals_for(Dimension.POOL, year):
                pool = plan.pool(line.key)
                statement = statements.get((line.key, year))
                pools.append(
                    (
                        line.key,
                        pool.name if pool else None,
                        pool.host if pool else None,
                        pool.is_risk_pool if pool else None,
                        year,
                        line.amount,
                        statement.total_contributions if statement else None,
                        statement.expenditure if statement else None,
                        statement.difference if statement else None,
                    )
                )
        dfg = [
            (
                split.year,
                d.district_id,
                d.name,
                d.allocation,
                d.top_up,
                d.retained,
                d.passported,
                "; ".join(d.agreement_references),
            )
            for split in self.dfg
            for d in split.districts
        ]
        metrics = [
            (
                m.metric_id,
                m.name,
                m.unit.value,
                m.baseline,
                m.target,
                m.actual,
                m.forecast,
                m.rag.value,
                m.progress.value,
                m.achievement.value,
            )
            for m in self.metrics
        ]
        findings = [
            (f.severity.value, f.code, f.target.record, f.target.ident, f.target.field, f.target.year, f.message)
            for f in self.findings
        ]

        def frame(rows: Sequence[tuple[object, ...]], columns: str) -> pd.DataFrame:
            return pd.DataFrame(rows, columns=columns.split(), dtype=object)

        return {
            "funding": frame(funding, "source_id kind contributor year income planned_expenditure balance"),
            "schemes": frame(
                schemes,
                "scheme_id name scheme_type sub_type area_of_spend commissioner nhs_share provider source pool "
                "theme status year amount nhs_amount la_amount outturn",
            ),
            "pools": frame(pools, "pool_id name host is_risk_pool year planned contributions expenditure difference"),
            "dfg": frame(dfg, "year district_id name allocation top_up retained passported agreement_references"),
            "metrics": frame(metrics, "metric_id name unit baseline target actual forecast rag progress achievement"),
            "findings": frame(findings, "severity code record id field year message"),
        }


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
