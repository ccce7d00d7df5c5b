"""Check a planning workbook: what cannot be read, and every finding of the plan checks, each placed
on the cell of the planning workbook it concerns."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bcf_xl.cellreader import Values
from bcf_xl.checks import SCHEME_FIELD_KEYS, Finding, Severity, by_severity, run_checks
from bcf_xl.errors import Location
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.reader import PlanRead
from bcf_xl.policy import Policy

_YEAR = re.compile(r"(\d{4}-\d{2})$")


def findings(read: PlanRead, policy: Policy) -> tuple[Finding, ...]:
    """Everything wrong with the workbook, errors first: reading problems, then the plan checks."""
    found = list(read.findings)
    if read.plan is not None:
        table = L.schemes_table(read.scheme_rows)
        years = read.plan.years
        for finding in run_checks(read.plan, policy):
            found.append(
                Finding(
                    finding.severity, finding.code, locate(finding.location, read.values, table, years), finding.message
                )
            )
    return by_severity(found)


def has_errors(found: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in found)


def _row_of(values: Values, table: L.Table, key: str, ident: str, *, last: bool = False) -> int | None:
    rows = list(table.data_rows)
    for row in reversed(rows) if last else rows:
        value = values.get((table.sheet, table.cell(key, row)))
        if value is not None and str(value).strip() == ident:
            return row
    return None


def locate(where: Location, values: Values, schemes: L.Table, years: tuple[str, ...]) -> Location:
    """Place an engine finding (sheet, field, item) on the planning workbook's cell it concerns."""
    field = where.field or ""
    match = _YEAR.search(field)
    index = years.index(match.group(1)) + 1 if match and match.group(1) in years else 1

    def at(sheet: str, cell: str | None) -> Location:
        return Location(sheet, cell, where.field, where.item) if cell else where

    if where.sheet == L.SCHEMES and where.item:
        row = _row_of(values, schemes, "scheme_id", where.item, last=field == "Scheme ID")
        key = f"amount{index}" if field.startswith("Expenditure") else SCHEME_FIELD_KEYS.get(field, "scheme_id")
        return at(L.SCHEMES, schemes.cell(key, row) if row else None)
    if where.sheet == L.FUNDING:
        if where.item:
            row = _row_of(values, L.SOURCES, "source_id", where.item)
            key = {"Contributor": "contributor"}.get(
                field, f"balance{index}" if field.startswith("Balance") else f"amount{index}"
            )
            return at(L.FUNDING, L.SOURCES.cell(key, row) if row else None)
        return at(L.FUNDING, f"{'EF'[index - 1]}{L.FUNDING_TOTALS_ROW}")
    if where.sheet == L.COVER:
        key = "asc_shortfall" if field.startswith("ASC") else "ooh_shortfall" if field.startswith("Out") else "uplift"
        return at(L.FUNDING, L.minimum_cell(key, index - 1))
    if where.sheet == L.DFG:
        if where.item:
            row = _row_of(values, L.DISTRICTS, "district_id", where.item)
            key = f"reference{index}" if field.startswith("Agreement") else f"retained{index}"
            return at(L.DFG, L.DISTRICTS.cell(key, row) if row else None)
        if field.startswith("District allocations"):
            return at(L.DFG, L.DISTRICTS.cell(f"allocation{index}", L.DISTRICTS.data_rows[0]))
        return at(L.DFG, L.dfg_cell(L.DFG_RECEIVED_ROW, index - 1))
    if where.sheet == L.METRICS and where.item:
        row = _row_of(values, L.METRIC_TABLE, "metric_id", where.item)
        key = {"Polarity": "polarity", "Target": "target"}.get(field, "metric_id")
        return at(L.METRICS, L.METRIC_TABLE.cell(key, row) if row else None)
    if where.sheet == L.POOLS and where.item:
        row = _row_of(values, L.POOL_TABLE, "pool_id", where.item)
        return at(L.POOLS, L.POOL_TABLE.cell("host", row) if row else None)
    return where
