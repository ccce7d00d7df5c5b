"""Validate a filled planning template: every problem with its sheet, cell and rule.

Three kinds of finding, all in one run: what the reader could not read (text in an amount, a
value not in its list, a missing required field), each checklist item the template would show as
red "No", and every finding of the engine's plan checks (income against expenditure, minimum
spends, DFG passporting...) placed on the template cell it concerns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bcf_xl.checks import COVER as PLAN_COVER
from bcf_xl.checks import DFG as PLAN_DFG
from bcf_xl.checks import FUNDING as PLAN_FUNDING
from bcf_xl.checks import METRICS as PLAN_METRICS
from bcf_xl.checks import POOLS as PLAN_POOLS
from bcf_xl.checks import SCHEME_FIELD_KEYS, Finding, Severity, by_severity, run_checks
from bcf_xl.checks import SCHEMES as PLAN_SCHEMES
from bcf_xl.errors import Location
from bcf_xl.policy import Policy
from bcf_xl.submission import checklist
from bcf_xl.submission.builder import list_ranges, lists_for
from bcf_xl.submission.layout import COVER, EXPENDITURE, INCOME, METRICS, SUMMARY
from bcf_xl.submission.reader import Submission, read

# Engine checks about what a submission does not hold (local pools, budget roll-forward of local tables,
# metric actuals, unconfirmed uplift notes) say nothing about the template.
_NOT_ABOUT_THE_TEMPLATE = {"BCF11", "BCF12", "BCF14"}
_YEAR = re.compile(r"(\d{4}-\d{2})$")


@dataclass(frozen=True)
class Validation:
    """The outcome of validating a template."""

    submission: Submission
    findings: tuple[Finding, ...]
    unmet: tuple[checklist.Item, ...]

    @property
    def complete(self) -> bool:
        """True when the template would show "Complete Template": every checklist item holds."""
        return not self.unmet

    @property
    def ok(self) -> bool:
        """Complete, and no error remains."""
        return self.complete and not any(f.severity is Severity.ERROR for f in self.findings)

    def to_json(self) -> str:
        return json.dumps(
            {
                "file": str(self.submission.path),
                "template": self.submission.year.name,
                "status": "Complete Template" if self.complete else "Incomplete Template",
                "ok": self.ok,
                "findings": [
                    {
                        "severity": f.severity.value,
                        "code": f.code,
                        "sheet": f.location.sheet,
                        "cell": f.location.cell,
                        "field": f.location.field,
                        "item": f.location.item,
                        "message": f.message,
                    }
                    for f in self.findings
                ],
            },
            indent=2,
        )


def validate(path: Path, policy: Policy, expected_year: str | None = None) -> Validation:
    """Read and check a filled template; see the module docstring for what is reported."""
    submission = read(path, policy, expected_year)
    layout = submission.layout
    lists = lists_for(policy, submission.year)
    items = checklist.items(layout, lists, list_ranges(lists))
    unmet = tuple(item for item in items if not item.holds(submission.values))
    findings = list(submission.findings)
    for item in unmet:
        sheet, cell = item.link.replace("'", "").rsplit("!", 1)
        findings.append(
            Finding(
                Severity.ERROR, "CHECKLIST", Location(sheet=sheet, cell=cell), f"checklist shows No: {item.description}"
            )
        )
    if submission.plan is not None:
        for finding in run_checks(submission.plan, policy):
            if finding.code in _NOT_ABOUT_THE_TEMPLATE:
                continue
            findings.append(
                Finding(finding.severity, finding.code, locate(finding.location, submission), finding.message)
            )
    return Validation(submission, by_severity(findings), unmet)


def locate(where: Location, submission: Submission) -> Location:
    """Place an engine finding (sheet, field, item) on the template cell it concerns."""
    layout, values = submission.layout, submission.values
    field = where.field or ""
    year_match = _YEAR.search(field)
    index = layout.years.index(year_match.group(1)) if year_match and year_match.group(1) in layout.years else 0
    if where.sheet == PLAN_SCHEMES and where.item:
        rows = layout.scheme_rows_range
        if field == "Scheme ID":  # a duplicate ID is reported at its later row
            rows = range(rows[-1], rows[0] - 1, -1)
        row = _row_of(values, EXPENDITURE, layout.scheme_columns["scheme_id"], rows, where.item)
        key = f"amount:{layout.years[index]}" if field.startswith("Expenditure") else SCHEME_FIELD_KEYS.get(field)
        if row and key in layout.scheme_columns:  # a template has no Pool or Theme column
            return Location(EXPENDITURE, f"{layout.scheme_columns[key]}{row}", field, where.item)
        if row:
            return Location(EXPENDITURE, f"A{row}", field, where.item)
    if where.sheet == PLAN_FUNDING:
        if where.item:
            row = _row_of(values, INCOME, "A", layout.income_rows, where.item)
            column = "C" if field == "Contributor" else layout.income_amount_col(index)
            if row:
                return Location(INCOME, f"{column}{row}", field, where.item)
        if field.startswith("Total"):
            return Location(SUMMARY, layout.summary_cell("balance", index), field)
    if where.sheet == PLAN_COVER:
        if field.startswith("ASC"):
            return Location(SUMMARY, layout.summary_cell("asc_under", index), field)
        if field.startswith("Out-of-hospital"):
            return Location(SUMMARY, layout.summary_cell("ooh_under", index), field)
    if where.sheet == PLAN_DFG:
        if where.item:
            row = _row_of(values, INCOME, "A", layout.district_rows, where.item)
            what = "reference" if field.startswith("Agreement") else "retained"
            if row:
                return Location(INCOME, f"{layout.district_col(what, index)}{row}", field, where.item)
        if field.startswith("District allocations"):
            return Location(SUMMARY, layout.summary_cell("dfg_allocated", index), field)
        return Location(INCOME, layout.dfg_received_cell(index), field)
    if where.sheet == PLAN_METRICS and where.item:
        row = _row_of(values, METRICS, "A", layout.metric_rows, where.item)
        if row:
            return Location(METRICS, f"{layout.METRIC_COLUMNS['target']}{row}", field, where.item)
    if where.sheet == PLAN_POOLS:
        return Location(SUMMARY, layout.summary_cell("spend", index), field)
    return Location(COVER, where.cell, where.field, where.item)


def _row_of(values: dict[tuple[str, str], object], sheet: str, column: str, rows: range, ident: str) -> int | None:
    for row in rows:
        value = values.get((sheet, f"{column}{row}"))
        if value is not None and str(value).strip() == ident:
            return row
    return None
