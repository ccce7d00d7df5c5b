"""Check a planning workbook: what cannot be read, and every finding of the plan checks, each placed
on the cell of the planning workbook it concerns (by the layout's lookup, :func:`layout.placement`)."""

from __future__ import annotations

from collections.abc import Sequence

from bcf_xl.checks import run_checks
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.findings import Finding, Severity, Target, by_severity
from bcf_xl.model import MetricUnit, Plan
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.reader import PlanRead
from bcf_xl.policy import Policy
from bcf_xl.submission import checklist
from bcf_xl.submission.builder import build, held_values
from bcf_xl.submission.definition import COVER_INPUTS, YEARS, TemplateYear, year_for_plan
from bcf_xl.submission.layout import (
    EXPENDITURE,
    INCOME,
    METRICS as SUBMISSION_METRICS,
    PARTNER_KINDS,
    layout_of,
    list_ranges,
    lists_for,
    scheme_rows_for,
)
from bcf_xl.workbook.placement import Origins
from bcf_xl.workbook.reading import shown


def findings(read: PlanRead, policy: Policy) -> tuple[Finding, ...]:
    """Everything wrong with the workbook, errors first: reading problems, the plan checks, then what NHS England's
    template for the plan years will need (:func:`template_needs`)."""
    found = list(read.findings)
    if read.plan is not None:
        placement = L.placement(read.plan.years, L.schemes_table(read.scheme_rows))
        found += [placement.place(finding, read.origins) for finding in run_checks(read.plan, policy)]
        template = year_for_plan(read.plan.years)
        if template is None:
            found.append(_no_template(read.plan.years))
        found += template_needs(read, template, policy)
    return by_severity(found)


TEMPLATE_CODE = "TPL01"


def template_needs(read: PlanRead, template: TemplateYear | None, policy: Policy) -> list[Finding]:
    """What the template ``template`` needs of the workbook and does not find, each at the workbook's own cell.

    The template is built from the plan in memory and its Cover checklist (:mod:`bcf_xl.submission.checklist`,
    the one declaration of what the template calls complete) is evaluated over it; each item it would show as
    "No" becomes an error at the planning workbook's cell the template's cell is filled from: a Cover contact or
    sign-off, a partner's chief executive, a national condition's answer, a national metric. The national
    metrics are also checked for the code, unit and "Rate per" the template takes them under, since the
    template takes only metrics whose ID is one of its codes and would drop any other without a word. A plan
    the template cannot hold at all (more partners, income lines or districts than it has rows for) is an
    error too. So ``generate`` never finds the template incomplete on a plan ``check`` passed.
    """
    if template is None or read.plan is None:
        return []
    found = _metric_needs(read, read.plan, template)
    try:
        book = build(read.plan, template, policy)
    except BcfInputError as exc:
        message = f"the {template.name} template cannot hold the plan: {exc}"
        return [*found, _need(L.COVER, L.cover_cell("year1"), Target("plan", field=exc.location.field), message)]
    values = held_values(book)
    layout = layout_of(template, scheme_rows_for(len(read.plan.schemes)))
    lists = lists_for(policy, template)
    items = checklist.items(layout, lists, list_ranges(lists), policy)
    reported = {f"metric:{f.target.ident}" for f in found}  # a national metric reported above is not again
    for item in checklist.unmet(items, values):
        if item.key not in reported:
            found += _item_needs(read, template, item)
    return found


def _no_template(years: tuple[str, ...]) -> Finding:
    known = ", ".join(f"{' and '.join(t.plan_years)} ({t.name})" for t in YEARS.values())
    return Finding(
        Severity.WARNING,
        TEMPLATE_CODE,
        Target("plan", field="years"),
        f"Plan years: no NHS England planning template is known for these years, so generate cannot build one; "
        f"templates are known for {known} (got {', '.join(years)})",
        Location(sheet=L.COVER, cell=L.cover_cell("year1")),
    )


def _need(sheet: str, cell: str, target: Target, message: str) -> Finding:
    return Finding(Severity.ERROR, TEMPLATE_CODE, target, message, Location(sheet=sheet, cell=cell))


def _item_needs(read: PlanRead, template: TemplateYear, item: checklist.Item) -> list[Finding]:
    """The planning workbook's cells a checklist item shows "No" for, each as an error naming what arrived."""
    needs = f"the {template.name} template needs: {item.description}"
    if item.key in COVER_INPUTS:
        cell = L.cover_cell(item.key)
        got = shown(read.values.get((L.COVER, cell)))
        return [_need(L.COVER, cell, Target("plan", field=item.key), f"{needs} (got {got})")]
    if item.key == "partners":
        return _partner_needs(read, template, needs)
    kind, _, code = item.key.partition(":")
    if kind == "condition":
        return _condition_needs(read, template, code, needs)
    if kind == "metric":
        row = _metric_rows(read)[0].get(code, L.METRIC_TABLE.data_rows[0])
        return [_need(L.METRICS, L.METRIC_TABLE.cell("baseline", row), Target("metric", code), needs)]
    sheet, cell = _WHERE.get(item.sheet, (L.COVER, L.cover_cell("area")))
    return [_need(sheet, cell, Target("plan"), needs)]


# Where an item about a whole sheet of the template shows in the planning workbook: the first cell of the table
# the template's sheet is filled from.
_WHERE = {
    INCOME: (L.FUNDING, L.SOURCES.cell("source_id", L.SOURCES.data_rows[0])),
    EXPENDITURE: (L.SCHEMES, L.schemes_table(1).cell("scheme_id", L.schemes_table(1).data_rows[0])),
    SUBMISSION_METRICS: (L.METRICS, L.METRIC_TABLE.cell("national", L.METRIC_TABLE.data_rows[0])),
}


def _partner_needs(read: PlanRead, template: TemplateYear, needs: str) -> list[Finding]:
    """Each partner row the template's partners item fails on: a chief executive missing where the year asks each
    partner to sign off, or no council or no ICB among the partners."""
    table = L.PARTNERS
    rows = [row for row in table.data_rows if _text(read, L.COVER, table.cell("partner_id", row))]
    found = []
    if template.partner_sign_off:
        for row in rows:
            cell = table.cell("chief_executive", row)
            if not _text(read, L.COVER, cell):
                ident = _text(read, L.COVER, table.cell("partner_id", row))
                message = (
                    f"[{ident}] {table.field('chief_executive').header}: the {template.name} template needs each "
                    "partner's chief executive, who signs the plan off (got a blank)"
                )
                found.append(_need(L.COVER, cell, Target("partner", ident, "chief_executive"), message))
    kinds = {_text(read, L.COVER, table.cell("kind", row)).casefold() for row in rows}
    for kind in PARTNER_KINDS:
        if kind.casefold() not in kinds:
            free = [row for row in table.data_rows if row not in rows] or list(table.data_rows)
            message = f"Partners: {needs}; add the {kind} as a partner of type {kind} (got none)"
            found.append(_need(L.COVER, table.cell("partner_id", free[0]), Target("partner", field="kind"), message))
    if not found:
        found.append(_need(L.COVER, table.cell("partner_id", table.data_rows[0]), Target("partner"), needs))
    return found


def _condition_needs(read: PlanRead, template: TemplateYear, code: str, needs: str) -> list[Finding]:
    """The Conditions row a national condition's item fails on: the answer (Yes or No) or the explanation of a No;
    a condition with no row at all at the first free row's code cell."""
    table = L.CONDITIONS
    condition = next(c for c in template.conditions if c.code == code)
    what = f"National condition {code} ({condition.text})"
    target = Target("condition", code)
    free: list[int] = []
    for row in table.data_rows:
        typed = _text(read, L.COVER, table.cell("code", row))
        if not typed:
            free.append(row)
        elif typed == code:
            met = _text(read, L.COVER, table.cell("met", row)).casefold()
            if met == "no":
                return [_need(L.COVER, table.cell("explanation", row), target, f"{what}: {needs} (got a blank)")]
            got = shown(read.values.get((L.COVER, table.cell("met", row))))
            return [_need(L.COVER, table.cell("met", row), target, f"{what}: {needs} (got {got})")]
        elif typed.casefold() == code.casefold():
            message = f"{what}: the {template.name} template takes its code as {code} (got {shown(typed)})"
            return [_need(L.COVER, table.cell("code", row), target, message)]
    at = (free or list(table.data_rows))[0]
    message = f"{what}: {needs}; enter {code} here with its answer (got none)"
    return [_need(L.COVER, table.cell("code", at), target, message)]


def _metric_rows(read: PlanRead) -> tuple[dict[str, int], list[int]]:
    """The Metrics row of each metric by its national code (or ID), and the rows still free."""
    table = L.METRIC_TABLE
    rows: dict[str, int] = {}
    free: list[int] = []
    for row in table.data_rows:
        code = _text(read, L.METRICS, table.cell("national", row)) or _text(
            read, L.METRICS, table.cell("metric_id", row)
        )
        if code:
            rows.setdefault(code, row)
        else:
            free.append(row)
    return rows, free


def _metric_needs(read: PlanRead, plan: Plan, template: TemplateYear) -> list[Finding]:
    """Every national metric, under its code, with the unit and "Rate per" the template uses, a baseline and a
    target, and a population for a rate."""
    table = L.METRIC_TABLE
    rows, free = _metric_rows(read)
    metrics = {m.metric_id: m for m in plan.metrics}
    found: list[Finding] = []

    for national in template.metrics:

        def need(row: int, key: str, message: str, code: str = national.code) -> None:
            found.append(_need(L.METRICS, table.cell(key, row), Target("metric", code, key), message))

        at = rows.get(national.code)
        metric = metrics.get(national.code)
        what = f"National metric {national.code} ({national.name})"
        if at is None or metric is None:
            need(
                (free or list(table.data_rows))[0],
                "national",
                f"{what}: the {template.name} template needs it; choose {national.code} here and enter its "
                "baseline and target (got none)",
            )
            if free:
                free.pop(0)
            continue
        if metric.unit is not national.unit:
            need(at, "unit", f"{what}: the template reports it as {national.unit.value} (got {metric.unit.value})")
        elif national.unit is MetricUnit.RATE and metric.per != national.per:
            need(at, "per", f"{what}: the template rates it per {national.per:,} (got {metric.per:,})")
        for key in ("baseline", "target"):
            if getattr(metric, key) is None:
                need(at, key, f"{what}: the template needs its {key} (got a blank)")
        if national.unit is MetricUnit.RATE and read.values.get((L.METRICS, table.cell("population", at))) is None:
            need(at, "population", f"{what}: the template needs the population the rate is of (got a blank)")
    return found


def _text(read: PlanRead, sheet: str, cell: str) -> str:
    value = read.values.get((sheet, cell))
    return "" if value is None else str(value).strip()


def plan_findings(plan: Plan, policy: Policy) -> tuple[Finding, ...]:
    """The plan checks' findings on a plan, placed on the cells the builder writes each record to."""
    schemes = L.schemes_table(L.scheme_rows_for(len(plan.schemes)))
    placement = L.placement(plan.years, schemes)
    origins = laid_out(plan, schemes)
    return tuple(placement.place(finding, origins) for finding in run_checks(plan, policy))


def laid_out(plan: Plan, schemes: L.Table) -> Origins:
    """Where the builder writes each record of a plan: the n-th record of a kind on its table's n-th data row."""
    origins = Origins()
    tables: tuple[tuple[L.Table, list[str]], ...] = (
        (L.PARTNERS, [p.partner_id for p in plan.partners]),
        (L.SOURCES, [s.source_id for s in plan.sources]),
        (schemes, [s.scheme_id for s in plan.schemes]),
        (L.POOL_TABLE, [p.pool_id for p in plan.pools]),
        (L.DISTRICTS, [d.district_id for d in plan.area.districts]),
        (L.METRIC_TABLE, [m.metric_id for m in plan.metrics]),
    )
    for table, ids in tables:
        for row, ident in zip(table.data_rows, ids, strict=False):
            origins.add(table.record, ident, row)
    return origins


def has_errors(found: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in found)
