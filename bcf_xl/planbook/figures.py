"""The figure each computed cell of a planning workbook shows, worked out by the engine.

The builder stores these beside the formulas (as the submission stores its cached values), so a viewer that shows
stored results without recalculating (LibreOffice by default, a web preview, a phone) shows the plan's figures,
while Excel with the add-in recalculates the formulas as usual. The figures are the engine's own results
(:func:`bcf_xl.report.compute`), placed on the cells whose formulas compute them; a test recalculates the built
workbook's formulas headlessly and compares every cell with these figures. A computed cell with nothing to show
(a spare row of a table) is left without a stored figure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TypeVar

from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import bands_rate, dsr_ci, measure, progress
from bcf_xl.model import AreaOfSpend, Partner, Plan, Polarity, SourceKind
from bcf_xl.monitoring import Actuals, income_progress, latest_quarter, scheme_progress
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.policy import Policy
from bcf_xl.pooling import Dimension, commissioner_parts
from bcf_xl.report import PlanReport as Report, compute
from bcf_xl.risk import year_end_statement

T = TypeVar("T")
Cell = tuple[str, str]
Figures = dict[Cell, str | float]
ZERO = Decimal(0)


def engine_figures(plan: Plan, policy: Policy, actuals: Actuals | None = None) -> Figures:
    """The figure of every computed cell of the workbook the builder writes for ``plan``, by (sheet, cell): numbers
    as floats (as a cell stores them), words as text. The workbook's second year of a one-year plan shows £0.

    Args:
        plan: the plan the workbook is built from.
        policy: the policy data the engine computes with.
        actuals: the actuals written to the Spend actuals and Quarterly progress sheets (None: none typed); their
            grey cells and the Cover's period in use show what the engine works out for the period reported.

    Raises:
        BcfInputError: the engine cannot compute the plan (see :func:`bcf_xl.report.compute`).
    """
    report = compute(plan, policy)
    schemes = L.schemes_table(L.scheme_rows_for(len(plan.schemes)))
    found: dict[Cell, object] = {}
    for index in range(L.YEARS):
        year = plan.years[index] if index < len(plan.years) else None
        found |= _funding(plan, policy, report, index, year)
        found |= _pools(plan, report, schemes, index, year)
    found |= _dfg(plan, report)
    found |= _schemes(plan, schemes)
    found |= _metrics(report)
    found |= _age_bands(plan)
    found |= _risk(plan, report, schemes)
    found |= _actuals_figures(plan, report, actuals, schemes)
    return {key: _stored(value) for key, value in found.items() if value is not None}


def _stored(value: object) -> str | float:
    """A figure as a cell stores it: Decimal money and rates as a float (never -0), words as text."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return float(value) + 0.0
    return str(value)


def _funding(plan: Plan, policy: Policy, report: Report, index: int, year: str | None) -> dict[Cell, object]:
    """The Funding sheet's figures of one year of the workbook (``year`` None: a year the plan does not have)."""
    found: dict[Cell, object] = {
        (L.FUNDING, L.FUNDING_TOTALS.cell("income", index)): plan.income(year) if year else ZERO,
        (L.FUNDING, L.FUNDING_TOTALS.cell("expenditure", index)): plan.expenditure(year) if year else ZERO,
        (L.FUNDING, L.minimum_cell("asc_planned", index)): _nhs_minimum_spend(plan, index, _SOCIAL_CARE),
        (L.FUNDING, L.minimum_cell("ooh_planned", index)): _nhs_minimum_spend(plan, index, _OUT_OF_HOSPITAL),
    }
    if year is not None:
        with contextlib.suppress(BcfInputError):  # a year the Policy sheet does not hold: the cell shows blank
            found[(L.FUNDING, L.minimum_cell("uplift", index))] = policy.uplift(year).rate
    if year is not None and index < len(report.asc_minimum):
        asc = report.asc_minimum[index]
        for key, value in (
            ("asc_calculated", asc.calculated),
            ("asc_required", asc.required),
            ("asc_shortfall", asc.under_spend),
        ):
            found[(L.FUNDING, L.minimum_cell(key, index))] = value
    if year is not None and index < len(report.ooh_minimum):
        found[(L.FUNDING, L.minimum_cell("ooh_shortfall", index))] = report.ooh_minimum[index].under_spend
    balances = {b.source_id: b.balance for b in report.source_balances if b.year == year}
    for row, source in _rows(L.SOURCES, plan.sources):
        found[(L.FUNDING, L.SOURCES.cell(f"balance{index + 1}", row))] = balances.get(source.source_id, ZERO)
    return found


_SOCIAL_CARE = frozenset({AreaOfSpend.SOCIAL_CARE})
_OUT_OF_HOSPITAL = frozenset(AreaOfSpend) - {AreaOfSpend.ACUTE, AreaOfSpend.SOCIAL_CARE}


def _nhs_minimum_spend(plan: Plan, index: int, areas: frozenset[AreaOfSpend]) -> Decimal:
    """Planned spend of year ``index`` from the NHS minimum contribution on schemes of ``areas``: the whole amount
    on social care (the ASC minimum), the NHS-commissioned part elsewhere out of hospital (bcf_xl.minimums)."""
    nhs_minimum = {s.source_id for s in plan.sources if s.kind is SourceKind.NHS_MINIMUM}
    planned = ZERO
    for scheme in plan.schemes:
        if scheme.source in nhs_minimum and scheme.area_of_spend in areas and index < len(scheme.amounts):
            amount = scheme.amounts[index]
            if areas == _SOCIAL_CARE:
                planned += amount
            else:
                planned += sum((part for who, part in commissioner_parts(scheme, amount) if who == "NHS"), ZERO)
    return planned


def _pools(plan: Plan, report: Report, schemes: L.Table, index: int, year: str | None) -> dict[Cell, object]:
    """The Pools sheet's figures of one year of the workbook (``year`` None: a year the plan does not have)."""
    from bcf_xl.planbook.builder import pool_views  # the builder writes the views' formulas from the same lines

    def totals(dimension: Dimension) -> dict[str, Decimal]:
        return {line.key: line.amount for line in report.totals_for(dimension, year)} if year else {}

    found: dict[Cell, object] = {}
    pools = totals(Dimension.POOL)
    for row, pool in _rows(L.POOL_TABLE, plan.pools):
        found[(L.POOLS, L.POOL_TABLE.cell(f"total{index + 1}", row))] = pools.get(pool.pool_id, ZERO)
    themes = totals(Dimension.THEME)
    for row, line in _rows(L.THEMES, report.totals_for(Dimension.THEME, plan.years[0])):
        found[(L.POOLS, L.THEMES.cell(f"total{index + 1}", row))] = themes.get(line.key, ZERO)
    by = {
        dimension: totals(dimension)
        for dimension in (Dimension.PARTNER, Dimension.SOURCE, Dimension.COMMISSIONER, Dimension.AREA_OF_SPEND)
    }
    views = pool_views(schemes)
    view = L.POOL_VIEWS
    for name, dimension, idents in (
        ("partner", Dimension.PARTNER, [p.partner_id for p in plan.partners]),
        ("source", Dimension.SOURCE, [s.source_id for s in plan.sources]),
    ):
        for (row, _, _), ident in zip(views[name][1], idents, strict=False):
            found[(L.POOLS, view.label(row))] = ident
            found[(L.POOLS, view.cell(row, index))] = by[dimension].get(ident, ZERO)
    (nhs_row, _, _), (la_row, _, _) = views["commissioner"][1]
    found[(L.POOLS, view.cell(nhs_row, index))] = by[Dimension.COMMISSIONER].get("NHS", ZERO)
    found[(L.POOLS, view.cell(la_row, index))] = by[Dimension.COMMISSIONER].get("Local Authority", ZERO)
    *areas, (total_row, _, _) = views["area"][1]
    for row, area, _ in areas:
        found[(L.POOLS, view.cell(row, index))] = by[Dimension.AREA_OF_SPEND].get(area, ZERO)
    found[(L.POOLS, view.cell(total_row, index))] = plan.expenditure(year) if year else ZERO
    return found


def _dfg(plan: Plan, report: Report) -> dict[Cell, object]:
    table = L.DISTRICTS
    # A spare row's top-up share is 0, as is every row's second-year split: each district's second-year
    # allocation is written, so nothing is split pro rata. A district passports £0 in a year the plan lacks.
    found: dict[Cell, object] = {(L.DFG, table.cell(key, row)): ZERO for row in table.data_rows for key in _DFG_ZERO}
    for row, _ in _rows(table, plan.area.districts):
        for index in range(len(report.dfg), L.YEARS):
            found[(L.DFG, table.cell(f"passported{index + 1}", row))] = ZERO
    for index, split in enumerate(report.dfg):
        for row, district in _rows(table, split.districts):
            found[(L.DFG, table.cell(f"top_up{index + 1}", row))] = district.top_up
            found[(L.DFG, table.cell(f"passported{index + 1}", row))] = district.passported
    return found


_DFG_ZERO = ("top_up1", "top_up2", "split2")


def _schemes(plan: Plan, schemes: L.Table) -> dict[Cell, object]:
    # A spare row shows no source and £0 in its figures.
    found: dict[Cell, object] = {
        (L.SCHEMES, schemes.cell(key, row)): "" if key in ("kind", "contributor") else ZERO
        for row in schemes.data_rows
        for key, _ in L.SCHEME_COMPUTED
    }
    for row, scheme in _rows(schemes, plan.schemes):
        source = plan.source(scheme.source)
        found[(L.SCHEMES, schemes.cell("kind", row))] = source.kind.value if source else ""
        found[(L.SCHEMES, schemes.cell("contributor", row))] = source.contributor if source else ""
        for index, amount in enumerate(scheme.amounts):
            nhs = sum((part for who, part in commissioner_parts(scheme, amount) if who == "NHS"), ZERO)
            found[(L.SCHEMES, schemes.cell(f"nhs{index + 1}", row))] = nhs
            found[(L.SCHEMES, schemes.cell(f"la{index + 1}", row))] = amount - nhs
        outturn = scheme.outturn[0] if scheme.outturn else None
        found[(L.SCHEMES, schemes.cell("spent1", row))] = outturn if outturn is not None else scheme.amounts[0]
    return found


def _metrics(report: Report) -> dict[Cell, object]:
    found: dict[Cell, object] = {}
    table = L.METRIC_TABLE
    for row, result in _rows(table, report.metrics):
        found[(L.METRICS, table.cell("rag", row))] = result.rag.value
        found[(L.METRICS, table.cell("progress", row))] = result.progress.value
        for key in ("baseline", "target", "actual"):
            found[(L.METRICS, table.cell(f"{key}_rate", row))] = getattr(result, key)
        if result.actual is not None and result.target:
            found[(L.METRICS, table.cell("actual_vs_target", row))] = result.actual / result.target
    return found


def _age_bands(plan: Plan) -> dict[Cell, object]:
    from bcf_xl.planbook.builder import banded_metric

    metric = banded_metric(plan)
    rates = L.AGE_BAND_RATES
    actual = L.BAND_COUNTS.index("actual")
    # No actual counts: the interval and the cell it spills into show blank (not the 0 a spill range starts with).
    found: dict[Cell, object] = {(L.AGE_BANDS, rates.cell(key, actual)): "" for key in ("lower", "upper")}
    if metric is None:
        return found
    for index, key in enumerate(L.BAND_COUNTS):
        found[(L.AGE_BANDS, rates.cell("rate", index))] = bands_rate(metric.bands, key, 100_000)
    bands = metric.bands
    if all(band.actual is not None for band in bands):
        weights = [band.weight for band in bands]
        lower, upper = dsr_ci(
            [Decimal(band.actual or 0) for band in bands],
            [Decimal(band.population) for band in bands],
            None if any(w is None for w in weights) else [Decimal(w or 0) for w in weights],
        )
        found[(L.AGE_BANDS, rates.cell("lower", actual))] = lower
        found[(L.AGE_BANDS, rates.cell("upper", actual))] = upper
    elif any(band.actual is not None for band in bands):  # some counts only: the cell function's error, not blank
        del found[(L.AGE_BANDS, rates.cell("lower", actual))], found[(L.AGE_BANDS, rates.cell("upper", actual))]
    return found


def _risk(plan: Plan, report: Report, schemes: L.Table) -> dict[Cell, object]:
    from bcf_xl.planbook.builder import risk_views  # the builder writes the lines' formulas from the same rows

    found: dict[Cell, object] = {}
    view = L.RISK_VIEWS
    lines = risk_views(schemes)
    for (row, _, _), pool in zip(lines[1:], plan.pools, strict=False):
        statement = year_end_statement(plan, pool.pool_id, plan.years[0])
        found[(L.RISK, view.cell(row, 0))] = pool.pool_id
        found[(L.RISK, view.cell(row, 1))] = statement.total_contributions
        found[(L.RISK, view.cell(row, 2))] = statement.expenditure
        found[(L.RISK, view.cell(row, 3))] = statement.difference
    waterfall = next(row for row, label, _ in lines if label == "Overspend to cover")
    found[(L.RISK, view.cell(waterfall))] = sum((step.applied for step in report.waterfall), ZERO)
    steps = [step.applied for step in report.waterfall] or [ZERO] * 4  # no overspend: nothing to cover
    for offset, applied in enumerate(steps, start=1):
        found[(L.RISK, view.cell(waterfall + offset))] = applied
    invoices = {invoice.to_partner: invoice for invoice in report.invoices[0][1]} if report.invoices else {}
    invoice_rows = [row for row, label, formulas in lines if not label and len(formulas) == 5]
    for row, partner in zip(invoice_rows, plan.partners, strict=False):
        invoice = invoices.get(partner.partner_id)  # the council is invoiced by the lead ICB, if at all
        found[(L.RISK, view.cell(row, 0))] = _invoice_line(partner)
        for quarter in range(4):
            found[(L.RISK, view.cell(row, quarter + 1))] = invoice.quarters[quarter] if invoice else ZERO
    return found


def _invoice_line(partner: Partner) -> str:
    return ("Council to " if partner.kind.value == "ICB" else "Lead ICB to ") + partner.partner_id


def _rows(table: L.Table, records: Iterable[T]) -> Iterator[tuple[int, T]]:
    """Each record beside the table row the builder writes it to (the n-th record on the n-th data row)."""
    return zip(table.data_rows, records, strict=False)


def _actuals_figures(plan: Plan, report: Report, actuals: Actuals | None, schemes: L.Table) -> dict[Cell, object]:
    """The Cover's period in use and the Spend actuals and Quarterly progress sheets' figures, for the actuals the
    builder writes (those of the plan's own schemes and sources, in its plan years)."""
    typed = _written(plan, actuals)
    year = _year_in_use(plan, typed)
    quarter = latest_quarter(typed, year)
    index = plan.year_index(year)
    lines = L.REPORT_LINES
    found: dict[Cell, object] = {
        (L.COVER, lines.cell("report_year", 1)): year,
        (L.COVER, lines.cell("report_quarter", 1)): "" if quarter is None else quarter,
    }
    spend = L.spend_table(schemes.rows)
    found |= _flags(spend, L.SPEND_FLAGS, index, quarter) | _flags(L.INCOME_ACTUALS, L.INCOME_FLAGS, index, quarter)
    found |= _income_rows(plan, typed, year, quarter)
    found |= _spend_rows(plan, typed, spend, year, quarter)
    found |= _progress_rows(plan, report, typed)
    return found


def _written(plan: Plan, actuals: Actuals | None) -> Actuals:
    """The actuals as the sheets hold them: each scheme's and source's first record of each plan year, every
    metric report and condition answer."""
    if actuals is None:
        return Actuals()
    schemes = [r for s in plan.schemes for y in plan.years if (r := actuals.spend(s.scheme_id, y)) is not None]
    income = [i for s in plan.sources for y in plan.years if (i := actuals.received(s.source_id, y)) is not None]
    return Actuals(tuple(schemes), tuple(income), actuals.metrics, actuals.conditions)


def _year_in_use(plan: Plan, typed: Actuals) -> str:
    """The plan year the Cover shows as reported: the second when it has any actuals, else the first."""
    if len(plan.years) > 1 and latest_quarter(typed, plan.years[1]) is not None:
        return plan.years[1]
    return plan.years[0]


def _flags(table: L.Table, lines: L.Lines, index: int, quarter: int | None) -> dict[Cell, object]:
    """The grey rows naming what each input column counts as in the period reported (actuals.py's flag rows)."""
    found: dict[Cell, object] = {}
    for field in table.fields:
        if field.computed:
            continue
        stem, _, number = field.key.partition("_q")
        in_year = int(stem[-1]) == index + 1
        name = stem[:-1]
        column = table.columns[field.key]
        for line in lines.rows:
            if line == "to_date" and number:
                counts = in_year and quarter is not None and int(number) <= quarter
            elif line == "year":
                counts = in_year
            else:
                continue
            found[(L.SPEND, f"{column}{lines.row(line)}")] = name if counts else ""
    return found


def _income_rows(plan: Plan, typed: Actuals, year: str, quarter: int | None) -> dict[Cell, object]:
    """Each funding source's income received to date against the straight-line quarters of its amount."""
    table = L.INCOME_ACTUALS
    keys = ("source_id", "kind", "planned", "expected", "to_date", "difference")
    found: dict[Cell, object] = {(L.SPEND, table.cell(key, row)): "" for row in table.data_rows for key in keys}
    index = plan.year_index(year)
    received = {p.source_id: p for p in income_progress(plan, typed, year, quarter)} if quarter else {}
    for row, source in _rows(table, plan.sources):
        found[(L.SPEND, table.cell("source_id", row))] = source.source_id
        found[(L.SPEND, table.cell("kind", row))] = source.kind.value
        found[(L.SPEND, table.cell("planned", row))] = _amount(source.amounts, index)
        line = received.get(source.source_id)
        if line is not None:
            found[(L.SPEND, table.cell("expected", row))] = line.expected_to_date
            found[(L.SPEND, table.cell("to_date", row))] = line.received_to_date
            found[(L.SPEND, table.cell("difference", row))] = line.difference
    return found


def _spend_rows(plan: Plan, typed: Actuals, table: L.Table, year: str, quarter: int | None) -> dict[Cell, object]:
    """Each scheme's spend to date against its profile and its forecast outturn (bcf_xl.monitoring)."""
    keys = ("scheme_id", "name", *(key for key, _ in L.SPEND_COMPUTED))
    found: dict[Cell, object] = {(L.SPEND, table.cell(key, row)): "" for row in table.data_rows for key in keys}
    index = plan.year_index(year)
    lines = scheme_progress(plan, typed, year, quarter) if quarter else ()
    for row, scheme in _rows(table, plan.schemes):
        found[(L.SPEND, table.cell("scheme_id", row))] = scheme.scheme_id
        found[(L.SPEND, table.cell("name", row))] = scheme.name
        found[(L.SPEND, table.cell("planned", row))] = _amount(scheme.amounts, index)
    for row, line in _rows(table, lines):
        figures = line.figures
        share = figures.variance_fraction
        for key, value in (
            ("profile_to_date", figures.profile_to_date),
            ("to_date", figures.actual_to_date),
            ("variance", figures.variance),
            ("variance_share", "" if share is None else share),
            ("outturn", figures.forecast),
        ):
            found[(L.SPEND, table.cell(key, row))] = value
    return found


def _amount(amounts: Sequence[Decimal], index: int) -> Decimal:
    return amounts[index] if index < len(amounts) else ZERO


def _progress_rows(plan: Plan, report: Report, typed: Actuals) -> dict[Cell, object]:
    """Each metric report's figure and target as rated and its progress words (blank on a row without a metric)."""
    table = L.METRIC_ACTUALS
    keys = ("measured", "target", "progress")
    found: dict[Cell, object] = {(L.PROGRESS, table.cell(key, row)): "" for row in table.data_rows for key in keys}
    metrics = {m.metric_id: m for m in plan.metrics}
    results = {r.metric_id: r for r in report.metrics}
    for row, reported in _rows(table, typed.metrics):
        metric, result = metrics.get(reported.metric_id), results.get(reported.metric_id)
        target = result.target if result else None
        measured: Decimal | None = None
        if metric is not None:
            with contextlib.suppress(BcfInputError):  # a rate the sheet cannot work out shows blank
                measured = measure(metric, reported.actual)
        # The sheet rates lower-is-better unless the Metrics sheet says higher is better.
        higher = metric is not None and metric.polarity is Polarity.HIGHER_IS_BETTER
        polarity = Polarity.HIGHER_IS_BETTER if higher else Polarity.LOWER_IS_BETTER
        found[(L.PROGRESS, table.cell("measured", row))] = "" if measured is None else measured
        found[(L.PROGRESS, table.cell("target", row))] = "" if target is None else target
        found[(L.PROGRESS, table.cell("progress", row))] = progress(measured, target, polarity).value
    return found
