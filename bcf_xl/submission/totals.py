"""The template's computed cells, each declared once as a rule: the Summary lines (its differences included),
Expenditure's grey funding-source and NHS-commissioned cells, and the Metrics rated values.

Each rule writes its native Excel formula (NHS England's copy of Excel has no add-in) and evaluates
itself in Python as Excel would (:mod:`bcf_xl.workbook.rules`), so the template's cached values and
the validator's checklist come from the same declaration.
"""

from __future__ import annotations

from bcf_xl.model import AreaOfSpend, MetricUnit, SourceKind
from bcf_xl.submission.layout import COVER, EXPENDITURE, INCOME, METRICS, SUMMARY, Layout
from bcf_xl.workbook.references import absolute
from bcf_xl.workbook.rules import (
    Expr,
    Ref,
    and_,
    countif,
    group,
    if_,
    iferror,
    isnumber,
    len_,
    max_,
    n,
    range_at,
    round_,
    sum_,
    sumif,
    sumifs,
    sumproduct,
    vlookup,
)

Cell = tuple[str, str]


def kind_rule(layout: Layout, row: int) -> Expr:
    """Expenditure's grey 'Funding source' cell: the Income label of the scheme's source ref."""
    source = Ref(EXPENDITURE, layout.expenditure.cell("source", row))
    return iferror(vlookup(source, range_at(layout.income_lookup), 2), "")


def nhs_rule(layout: Layout, row: int, year: str) -> Expr:
    """Expenditure's grey 'NHS commissioned' cell: all of an ICB scheme, the NHS share of a joint one."""
    table = layout.expenditure
    amount = Ref(EXPENDITURE, table.cell(f"amount{layout.years.index(year) + 1}", row))
    share, who = (Ref(EXPENDITURE, table.cell(key, row)) for key in ("nhs_share", "commissioner"))
    return if_(who.eq("ICB"), n(amount), if_(who.eq("Joint"), round_(n(amount) * n(share), 2), 0))


def rated_rule(layout: Layout, row: int, source: str) -> Expr:
    """A Metrics 'as rated' cell: the baseline or target per the metric's population, blank until entered."""
    metric = layout.year.metrics[row - layout.metric_rows[0]]
    table = layout.metrics
    value, population = Ref(METRICS, table.cell(source, row)), Ref(METRICS, table.cell("population", row))
    if metric.unit is MetricUnit.RATE:
        return if_(and_(isnumber(value), n(population).gt(0)), value / population * metric.per, "")
    return if_(isnumber(value), value, "")


def _income_cell(cell: str) -> Expr:
    return n(Ref(INCOME, cell))


def summary_rules(layout: Layout) -> dict[str, list[Expr]]:
    """Every Summary line's rule per plan year, keyed as in :attr:`Layout.summary_rows`."""
    labels = range_at(layout.income.span("kind"))
    nhs_label, dfg_label = layout.year.label(SourceKind.NHS_MINIMUM), layout.year.label(SourceKind.DFG)
    kinds, areas = range_at(layout.scheme_range("kind")), range_at(layout.scheme_range("area_of_spend"))
    area_kind = Ref(COVER, absolute(layout.cover_cell("area_kind")))
    minimum = (kinds, nhs_label)
    rules: dict[str, list[Expr]] = {key: [] for key in layout.summary_rows}
    for index, year in enumerate(layout.years):
        amounts = range_at(layout.income_range(layout.income_amount_col(index)))
        spend, nhs = range_at(layout.scheme_range(f"amount:{year}")), range_at(layout.scheme_range(f"nhs:{year}"))
        line = {key: Ref(SUMMARY, layout.summary_cell(key, index)) for key in layout.summary_rows}

        for label in layout.year.labels:
            rules[f"income:{label}"].append(sumif(labels, label, amounts))
        rules["income"].append(sum_(amounts))
        for area in AreaOfSpend:
            rules[f"spend:{area.value}"].append(sumif(areas, area.value, spend))
        rules["spend"].append(sum_(spend))
        rules["balance"].append(line["income"] - line["spend"])
        rules["nhs"].append(sum_(nhs))
        rules["la"].append(line["spend"] - line["nhs"])
        rules["asc_required"].append(_income_cell(layout.asc_minimum_cell(index)))
        rules["asc_planned"].append(sumifs(spend, (kinds, nhs_label), (areas, "Social Care")))
        rules["asc_under"].append(max_(0, round_(line["asc_required"] - line["asc_planned"], 2)))
        rules["ooh_required"].append(_income_cell(layout.ooh_minimum_cell(index)))
        rules["ooh_planned"].append(
            sumifs(nhs, minimum) - sumifs(nhs, minimum, (areas, "Acute")) - sumifs(nhs, minimum, (areas, "Social Care"))
        )
        rules["ooh_under"].append(max_(0, round_(line["ooh_required"] - line["ooh_planned"], 2)))
        received, top_up = _income_cell(layout.dfg_received_cell(index)), _income_cell(layout.dfg_top_up_cell(index))
        rules["dfg_available"].append(received + top_up)
        rules["dfg_allocated"].append(sum_(range_at(layout.district_range("allocation", index))))
        rules["dfg_retained"].append(sum_(range_at(layout.district_range("retained", index))))
        rules["dfg_passported"].append(
            if_(area_kind.eq("Two-tier"), line["dfg_allocated"] + top_up - line["dfg_retained"], 0)
        )
        rules["dfg_unallocated"].append(if_(area_kind.eq("Two-tier"), round_(received - line["dfg_allocated"], 2), 0))
        rules["dfg_unmatched"].append(round_(sumif(labels, dfg_label, amounts) - received - top_up, 2))
    ids = range_at(layout.scheme_range("scheme_id"))
    rules["repeated_ids"].append(sumproduct(len_(ids).gt(0) * group(countif(ids, ids).gt(1))))
    return rules


def computed_cells(layout: Layout) -> dict[Cell, Expr]:
    """The rule of every computed cell outside the Checklist: Expenditure's grey cells, Metrics' rated values and
    the Summary lines, by (sheet, cell)."""
    schemes, metrics = layout.expenditure, layout.metrics
    computed: dict[Cell, Expr] = {}
    for row in layout.scheme_rows_range:
        computed[(EXPENDITURE, schemes.cell("kind", row))] = kind_rule(layout, row)
        for index, year in enumerate(layout.years):
            computed[(EXPENDITURE, schemes.cell(f"nhs{index + 1}", row))] = nhs_rule(layout, row, year)
    for row in layout.metric_rows:
        for source, rated in (("baseline", "baseline_rate"), ("target", "target_rate")):
            computed[(METRICS, metrics.cell(rated, row))] = rated_rule(layout, row, source)
    for key, rules in summary_rules(layout).items():
        for index, rule in enumerate(rules):
            computed[(SUMMARY, layout.summary_cell(key, index))] = rule
    return computed


def summary_formulas(layout: Layout) -> dict[str, list[str]]:
    """The Excel formula of every Summary line per plan year, as the Summary sheet's cells hold it."""
    return {key: ["=" + rule.formula(SUMMARY) for rule in rules] for key, rules in summary_rules(layout).items()}
