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
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TypeVar

from bcf_xl.errors import BcfInputError
from bcf_xl.metrics import bands_rate, dsr_ci
from bcf_xl.model import AreaOfSpend, Partner, Plan, SourceKind
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.policy import Policy
from bcf_xl.pooling import Dimension, commissioner_parts
from bcf_xl.report import PlanReport as Report, compute
from bcf_xl.risk import year_end_statement

T = TypeVar("T")
Cell = tuple[str, str]
Figures = dict[Cell, str | float]
ZERO = Decimal(0)


def engine_figures(plan: Plan, policy: Policy) -> Figures:
    """The figure of every computed cell of the workbook the builder writes for ``plan``, by (sheet, cell): numbers
    as floats (as a cell stores them), words as text. The workbook's second year of a one-year plan shows £0.

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
    if metric is None:
        return {}
    found: dict[Cell, object] = {}
    rates = L.AGE_BAND_RATES
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
        actual = L.BAND_COUNTS.index("actual")
        found[(L.AGE_BANDS, rates.cell("lower", actual))] = lower
        found[(L.AGE_BANDS, rates.cell("upper", actual))] = upper
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
