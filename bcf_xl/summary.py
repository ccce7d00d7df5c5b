"""A readable text summary of a computed plan, in pounds or in £000."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from bcf_xl.checks import tally
from bcf_xl.errors import LINE_LIMIT, one_line
from bcf_xl.metrics import MetricResult
from bcf_xl.model import MetricUnit, Plan
from bcf_xl.money import ZERO, format_pounds, format_thousands, to_thousands
from bcf_xl.pooling import Dimension, TotalLine
from bcf_xl.report import PlanReport

Money = Callable[[Decimal], str]


def _table(rows: Iterable[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    """Left-align the first column, right-align the rest; names from a file show control characters escaped."""
    body = [tuple(one_line(cell, LINE_LIMIT) for cell in row) for row in (header, *rows)]
    widths = [max(len(row[i]) for row in body) for i in range(len(header))]
    lines = []
    for n, row in enumerate(body):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row[1:], start=1)]
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def _label(plan: Plan, dimension: Dimension, key: str) -> str:
    if dimension is Dimension.POOL and (pool := plan.pool(key)):
        return pool.name
    if dimension is Dimension.PARTNER and (partner := plan.partner(key)):
        return partner.name
    if dimension is Dimension.SOURCE and (source := plan.source(key)):
        contributor = plan.partner(source.contributor)
        return f"{source.kind.value} ({contributor.name if contributor else source.contributor})"
    return key


def _partner(plan: Plan, partner_id: str) -> str:
    return _label(plan, Dimension.PARTNER, partner_id)


def _by_year(report: PlanReport, dimension: Dimension, money: Money, thousands: bool) -> list[str]:
    plan = report.plan
    columns = [report.totals_for(dimension, year) for year in plan.years]
    keys: list[str] = []
    for lines in columns:
        keys.extend(line.key for line in lines if line.key not in keys)
    lookup = [{line.key: line.amount for line in lines} for lines in columns]
    rows = [(_label(plan, dimension, key), *(money(col.get(key, ZERO)) for col in lookup)) for key in keys]
    rows.append(("Total", *(money(_sum(lines)) for lines in columns)))
    if thousands:
        # Lines rounded to £000 one by one need not add up to the rounded total: show by how much.
        differences = [rounding_difference([line.amount for line in lines]) for lines in columns]
        if any(differences):
            rows.append(("Rounding difference (lines - total)", *(f"£{d:,.0f}k" for d in differences)))
    return _table(rows, (dimension.value.capitalize(), *plan.years))


def rounding_difference(amounts: list[Decimal]) -> Decimal:
    """Sum of the amounts each rounded to £000, less their total rounded to £000 (in £000)."""
    return sum((to_thousands(a) for a in amounts), ZERO) - to_thousands(sum(amounts, ZERO))


def _sum(lines: tuple[TotalLine, ...]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def render(report: PlanReport, thousands: bool = False) -> str:
    """The summary ``bcf-xl demo`` prints: funding, pooled totals, DFG, minimums, metrics, risk, findings."""
    money: Money = format_thousands if thousands else format_pounds
    plan = report.plan
    out: list[str] = []
    partners = ", ".join(p.name for p in plan.partners)
    out.append(f"BCF plan: {plan.area.name} ({plan.area.kind.value}), {' and '.join(plan.years)}")
    out.append(f"Partners: {partners}")
    out.append(f"{len(plan.schemes)} schemes, {len(plan.sources)} funding sources, {len(plan.pools)} pools")
    out.append("Amounts in £000, rounded half-up for display only." if thousands else "Amounts in pounds and pence.")

    out += ["", "Funding by source"]
    rows = [(_label(plan, Dimension.SOURCE, s.source_id), *(money(a) for a in s.amounts)) for s in plan.sources]
    rows.append(("Total income", *(money(b.income) for b in report.balances)))
    rows.append(("Total expenditure", *(money(b.expenditure) for b in report.balances)))
    rows.append(("Income less expenditure", *(money(b.difference) for b in report.balances)))
    out += _table(rows, ("Source", *plan.years))

    for dimension in (Dimension.POOL, Dimension.THEME, Dimension.COMMISSIONER, Dimension.PARTNER):
        out += ["", f"Pooled totals by {dimension.value}"]
        out += _by_year(report, dimension, money, thousands)

    out += ["", "Minimum spends from the NHS contribution"]
    rows = [
        (
            f"{name} {m.year}",
            money(m.calculated),
            money(m.agreed) if m.agreed is not None else "-",
            money(m.planned),
            money(m.under_spend),
        )
        for name, spends in (("ASC", report.asc_minimum), ("Out-of-hospital", report.ooh_minimum))
        for m in spends
    ]
    out += _table(rows, ("Minimum", "Calculated", "Agreed", "Planned", "Under-spend"))

    for split in report.dfg:
        out += ["", f"DFG passported to districts, {split.year}"]
        rows = [
            (d.name, money(d.allocation), money(d.top_up), money(d.retained), money(d.passported))
            for d in split.districts
        ]
        rows.append(
            ("Total", money(split.allocated), money(split.top_ups), money(split.retained), money(split.passported))
        )
        out += _table(rows, ("District", "Grant letter", "Top-up share", "Retained", "Passported"))

    out += ["", "Metrics"]
    rows = [
        (
            m.name,
            *(_measure(m, v) for v in (m.baseline, m.target, m.actual)),
            m.rag.value,
            m.progress.value,
            m.achievement.value,
        )
        for m in report.metrics
    ]
    out += _table(rows, ("Metric", "Baseline", "Target", "Actual", "RAG", "Progress", "Year end"))

    out += ["", f"Year-end statement, {plan.years[0]}"]
    rows = []
    for statement in report.year_end:
        pool = plan.pool(statement.pool_id)
        rows.append(
            (
                pool.name if pool else statement.pool_id,
                money(statement.total_contributions),
                money(statement.expenditure),
                money(statement.difference),
                statement.treatment.value,
            )
        )
    out += _table(rows, ("Pool", "Contributions", "Expenditure", "Difference", "Treatment"))
    if report.waterfall:
        out += ["", "Overspend waterfall"]
        out += _table(
            (
                (s.name, money(s.available) if s.available is not None else "-", money(s.applied))
                for s in report.waterfall
            ),
            ("Step", "Available", "Applied"),
        )
    for year, invoices in report.invoices[:1]:
        out += ["", f"Quarterly invoices between partners, {year}"]
        out += _table(
            (
                (
                    f"{_partner(plan, i.from_partner)} to {_partner(plan, i.to_partner)}",
                    *(money(q) for q in i.quarters),
                    money(i.annual),
                )
                for i in invoices
            ),
            ("Invoice", "Q1", "Q2", "Q3", "Q4", "Year"),
        )
    if report.performance:
        out += ["", "Performance fund released by quarter"]
        out += _table(
            (
                (f"Q{n}", money(p.fund), f"{p.fraction:.1%}", money(p.released), money(p.withheld))
                for n, p in enumerate(report.performance, start=1)
            ),
            ("Quarter", "Fund", "Released %", "Released", "Withheld"),
        )

    out += ["", f"Findings: {tally(report.findings)}"]
    out += [f"  {finding}" for finding in report.findings] or ["  none"]
    # Area, partner and other names come from a file: none may break or forge a line of the summary.
    return "\n".join(one_line(line, LINE_LIMIT) for line in out) + "\n"


def _measure(metric: MetricResult, value: Decimal | None) -> str:
    if value is None:
        return "-"
    if metric.unit is MetricUnit.PERCENT:
        return f"{value:.1%}"
    return f"{value:,.1f}"
