"""Check a planning workbook: what cannot be read, and every finding of the plan checks, each placed
on the cell of the planning workbook it concerns (by the layout's lookup, :func:`layout.placement`)."""

from __future__ import annotations

from collections.abc import Sequence

from bcf_xl.checks import run_checks
from bcf_xl.findings import Finding, Severity, by_severity
from bcf_xl.model import Plan
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.reader import PlanRead
from bcf_xl.policy import Policy
from bcf_xl.workbook.placement import Origins


def findings(read: PlanRead, policy: Policy) -> tuple[Finding, ...]:
    """Everything wrong with the workbook, errors first: reading problems, then the plan checks."""
    found = list(read.findings)
    if read.plan is not None:
        placement = L.placement(read.plan.years, L.schemes_table(read.scheme_rows))
        found += [placement.place(finding, read.origins) for finding in run_checks(read.plan, policy)]
    return by_severity(found)


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
