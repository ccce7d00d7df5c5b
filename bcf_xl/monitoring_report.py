"""A return's figures and findings: one quarter of a plan year, and the year end at quarter 4.

:func:`monitoring_report` is what the quarterly and end-of-year returns show, from the
calculations of :mod:`bcf_xl.monitoring` and the checks of :mod:`bcf_xl.monitoring_checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bcf_xl.findings import Finding
from bcf_xl.model import Plan
from bcf_xl.monitoring import (
    Actuals,
    ConditionStatus,
    Grouping,
    IncomeProgress,
    MetricProgress,
    Outturn,
    SchemeProgress,
    SpendFigures,
    SpendTotal,
    check_period,
    grand_total,
    income_progress,
    metric_progress,
    outturn,
    scheme_progress,
    spend_totals,
    with_outturn,
)
from bcf_xl.monitoring_checks import check_actuals
from bcf_xl.policy import Policy
from bcf_xl.risk import WaterfallStep, YearEndStatement, pool_statements

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class MonitoringReport:
    """Everything worked out for a return: one quarter of one plan year, and the year end at quarter 4.

    ``outturn``, ``year_end`` and ``waterfall`` are the year-end figures, given at quarter 4 only.
    """

    plan: Plan
    actuals: Actuals
    year: str
    quarter: int
    schemes: tuple[SchemeProgress, ...]
    totals: tuple[SpendTotal, ...]
    income: tuple[IncomeProgress, ...]
    metrics: tuple[MetricProgress, ...]
    conditions: tuple[ConditionStatus, ...]
    outturn: Outturn | None
    year_end: tuple[YearEndStatement, ...]
    waterfall: tuple[WaterfallStep, ...]
    findings: tuple[Finding, ...]

    @property
    def total(self) -> SpendFigures:
        """Spend against profile over every scheme."""
        return grand_total(self.schemes)

    def totals_for(self, grouping: Grouping) -> tuple[SpendTotal, ...]:
        return tuple(t for t in self.totals if t.grouping is grouping)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The report as pandas DataFrames with named columns (figures stay exact Decimals, ``object`` dtype).

        - ``schemes``: a scheme a row: ``scheme_id``, ``name``, ``source``, ``scheme_type``,
          ``area_of_spend``, ``commissioner``, ``q1``-``q4`` (spend, None where blank),
          ``profile_q1``-``profile_q4``, ``planned``, ``profile_to_date``, ``actual_to_date``,
          ``variance``, ``variance_fraction``, ``forecast``, ``forecast_typed``, ``forecast_variance``.
        - ``totals``: a group a row: ``grouping``, ``key`` and the same figures.
        - ``income``: a source a row: ``source_id``, ``planned``, ``expected_to_date``,
          ``received_to_date``, ``difference``.
        - ``metrics``: a metric a row: ``metric_id``, ``name``, ``actual``, ``measured``, ``target``,
          ``data_date``, ``progress``, ``achievement`` (None before quarter 4), ``challenges``, ``achievements``.
        - ``conditions``: a condition a row for the reporting quarter: ``code``, ``met``, ``explanation``.
        - ``outturn`` (one row at quarter 4, else none): income and expenditure, planned and actual,
          the minimums required and actually spent, and whether each is met.
        - ``year_end`` (quarter 4): a pool a row: ``pool_id``, ``contributions``, ``expenditure``,
          ``difference``, ``treatment``, ``estimated_lines``.
        - ``waterfall`` (quarter 4): a step a row: ``step``, ``available``, ``applied``.
        - ``findings``: ``severity``, ``code``, ``record``, ``id``, ``field``, ``year``, ``message``.

        pandas is imported here only, so the engine runs without it.
        """
        import pandas as pd

        def figures(f: SpendFigures) -> tuple[object, ...]:
            return (
                f.planned,
                f.profile_to_date,
                f.actual_to_date,
                f.variance,
                f.variance_fraction,
                f.forecast,
                f.forecast_variance,
            )

        money = "planned profile_to_date actual_to_date variance variance_fraction forecast forecast_variance"
        schemes = [
            (
                line.scheme_id,
                line.scheme.name,
                line.scheme.source,
                line.scheme.scheme_type,
                line.scheme.area_of_spend.value,
                line.scheme.commissioner.value,
                *line.spend,
                *line.profile,
                *figures(line.figures),
                line.forecast_typed,
            )
            for line in self.schemes
        ]
        totals = [(t.grouping.value, t.key, *figures(t.figures)) for t in self.totals]
        income = [(i.source_id, i.planned, i.expected_to_date, i.received_to_date, i.difference) for i in self.income]
        metrics = [
            (
                m.metric_id,
                m.metric.name,
                m.actual,
                m.measured,
                m.target,
                m.data_date,
                m.progress.value,
                m.achievement.value if m.achievement else None,
                m.challenges,
                m.achievements,
            )
            for m in self.metrics
        ]
        conditions = [(c.code, c.met.value if c.met else None, c.explanation) for c in self.conditions]
        outturn = []
        if self.outturn is not None:
            o = self.outturn
            asc, ooh = o.asc_minimum, o.ooh_minimum
            outturn.append(
                (
                    o.year,
                    o.planned_income,
                    o.actual_income,
                    o.planned_expenditure,
                    o.actual_expenditure,
                    o.difference,
                    asc.required if asc else None,
                    asc.planned if asc else None,
                    o.asc_met,
                    ooh.required if ooh else None,
                    ooh.planned if ooh else None,
                    o.ooh_met,
                    o.estimated_schemes,
                )
            )
        year_end = [
            (s.pool_id, s.total_contributions, s.expenditure, s.difference, s.treatment.value, s.estimated_lines)
            for s in self.year_end
        ]
        waterfall = [(step.name, step.available, step.applied) for step in self.waterfall]
        findings = [
            (f.severity.value, f.code, f.target.record, f.target.ident, f.target.field, f.target.year, f.message)
            for f in self.findings
        ]

        def frame(rows: Sequence[tuple[object, ...]], columns: str) -> pd.DataFrame:
            return pd.DataFrame(rows, columns=columns.split(), dtype=object)

        return {
            "schemes": frame(
                schemes,
                "scheme_id name source scheme_type area_of_spend commissioner q1 q2 q3 q4 "
                f"profile_q1 profile_q2 profile_q3 profile_q4 {money} forecast_typed",
            ),
            "totals": frame(totals, f"grouping key {money}"),
            "income": frame(income, "source_id planned expected_to_date received_to_date difference"),
            "metrics": frame(
                metrics,
                "metric_id name actual measured target data_date progress achievement challenges achievements",
            ),
            "conditions": frame(conditions, "code met explanation"),
            "outturn": frame(
                outturn,
                "year planned_income actual_income planned_expenditure actual_expenditure difference "
                "asc_required asc_actual asc_met ooh_required ooh_actual ooh_met estimated_schemes",
            ),
            "year_end": frame(year_end, "pool_id contributions expenditure difference treatment estimated_lines"),
            "waterfall": frame(waterfall, "step available applied"),
            "findings": frame(findings, "severity code record id field year message"),
        }


def monitoring_report(plan: Plan, actuals: Actuals, year: str, quarter: int, policy: Policy) -> MonitoringReport:
    """Work out a return for one quarter of a plan year: spend, income, metrics, conditions and findings.

    At quarter 4 the year end too: the outturn, the Section 75 statement of each pool from the
    actual spend, and the overspend waterfall.

    Args:
        plan: the plan the actuals report on.
        actuals: what has been reported.
        year: the plan year, such as ``"2023-24"``.
        quarter: the reporting quarter, 1 to 4.
        policy: the national parameters.

    Raises:
        BcfInputError: ``year`` is not one of the plan's years, or ``quarter`` is not 1 to 4.
    """
    check_period(year, quarter)
    plan.year_index(year)
    lines = scheme_progress(plan, actuals, year, quarter)
    statements: tuple[YearEndStatement, ...] = ()
    waterfall: tuple[WaterfallStep, ...] = ()
    year_outturn = None
    if quarter == 4:
        year_outturn = outturn(plan, actuals, year, policy)
        statements, waterfall = pool_statements(with_outturn(plan, actuals, year), year)
    return MonitoringReport(
        plan=plan,
        actuals=actuals,
        year=year,
        quarter=quarter,
        schemes=lines,
        totals=spend_totals(plan, lines),
        income=income_progress(plan, actuals, year, quarter),
        metrics=metric_progress(plan, actuals, year, quarter),
        conditions=tuple(c for c in actuals.conditions if c.year == year and c.quarter == quarter),
        outturn=year_outturn,
        year_end=statements,
        waterfall=waterfall,
        findings=check_actuals(plan, actuals, year, quarter),
    )
