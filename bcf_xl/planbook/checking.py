"""Check a planning workbook: what cannot be read, and every finding of the plan checks, each placed
on the cell of the planning workbook it concerns (by the layout's lookup, :func:`layout.placement`)."""

from __future__ import annotations

from collections.abc import Sequence

from bcf_xl.checks import run_checks
from bcf_xl.errors import Location
from bcf_xl.findings import Finding, Severity, Target, by_severity
from bcf_xl.model import MetricUnit, Plan
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.reader import PlanRead
from bcf_xl.policy import Policy
from bcf_xl.submission.definition import TemplateYear, year_for_plan
from bcf_xl.workbook.placement import Origins


def findings(read: PlanRead, policy: Policy) -> tuple[Finding, ...]:
    """Everything wrong with the workbook, errors first: reading problems, the plan checks, then what NHS England's
    template for the plan years will need (:func:`template_needs`)."""
    found = list(read.findings)
    if read.plan is not None:
        placement = L.placement(read.plan.years, L.schemes_table(read.scheme_rows))
        found += [placement.place(finding, read.origins) for finding in run_checks(read.plan, policy)]
        found += template_needs(read, year_for_plan(read.plan.years))
    return by_severity(found)


TEMPLATE_CODE = "TPL01"


def template_needs(read: PlanRead, template: TemplateYear | None) -> list[Finding]:
    """What the template ``template`` needs of the workbook and does not find, each at the workbook's own cell:
    every national metric, under its code, with the unit and "Rate per" the template uses, a baseline and a
    target, and a population for a rate.

    The template takes only metrics whose ID is one of its codes, so a national metric missing here would be
    dropped from the submission without a word.
    """
    if template is None or read.plan is None:
        return []
    table = L.METRIC_TABLE
    rows: dict[str, int] = {}
    free: list[int] = []
    for row in table.data_rows:
        code = _text(read, table.cell("national", row)) or _text(read, table.cell("metric_id", row))
        if code:
            rows.setdefault(code, row)
        elif not _text(read, table.cell("metric_id", row)):
            free.append(row)
    metrics = {m.metric_id: m for m in read.plan.metrics}
    found: list[Finding] = []

    def need(row: int, key: str, message: str) -> None:
        where = Location(sheet=L.METRICS, cell=table.cell(key, row))
        found.append(Finding(Severity.ERROR, TEMPLATE_CODE, Target("metric", field=key), message, where))

    for national in template.metrics:
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


def _text(read: PlanRead, cell: str) -> str:
    value = read.values.get((L.METRICS, cell))
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
