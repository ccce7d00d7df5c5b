"""Validate a filled planning template: every problem with its sheet, cell and rule.

Four kinds of finding, all in one run: what the reader could not read (text in an amount, a
value not in its list, a missing required field), each checklist item the Cover would show as
red "No" (a required field not complete), each Summary difference that is not zero (income less
expenditure, under-spends against the minimums, DFG not passed on, repeated scheme IDs), and every
finding of the engine's plan checks placed on the template cell it concerns. A template can be
complete (every required field filled in) and still fail validation on a difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bcf_xl.checks import run_checks
from bcf_xl.errors import Location
from bcf_xl.findings import Finding, Severity, Target, Validated, by_severity
from bcf_xl.money import to_pence
from bcf_xl.policy import Policy
from bcf_xl.submission import checklist
from bcf_xl.submission.layout import Layout, list_ranges, lists_for
from bcf_xl.submission.reader import PLAN_BOUNDS, Submission, read
from bcf_xl.workbook import rules
from bcf_xl.workbook.validation import pounds

# Engine checks about what a submission does not hold (local pools, budget roll-forward of local tables,
# metric actuals, unconfirmed uplift notes) say nothing about the template.
_NOT_ABOUT_THE_TEMPLATE = {"BCF11", "BCF12", "BCF14"}


@dataclass(frozen=True)
class Validation(Validated):
    """The outcome of validating a template."""

    submission: Submission
    findings: tuple[Finding, ...]
    unmet: tuple[checklist.Item, ...]
    differences: tuple[checklist.Difference, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "file": str(self.submission.path),
                "template": self.submission.year.name,
                "status": self.status,
                "ok": self.ok,
                "findings": findings_json(self.findings),
            },
            indent=2,
        )


# The checklist items of each template year, table length and policy, made once: a region's files share them.
# A policy is immutable; each is held here with its items, so its id is never reused while it is a key.
_CHECKLISTS: dict[tuple[str, int, int], tuple[Policy, tuple[checklist.Item, ...]]] = {}
_MOST_CHECKLISTS = 32


def _checklist(layout: Layout, policy: Policy) -> tuple[checklist.Item, ...]:
    key = (layout.year.name, layout.scheme_rows, id(policy))
    cached = _CHECKLISTS.get(key)
    if cached is not None and cached[0] is policy:
        return cached[1]
    lists = lists_for(policy, layout.year)
    items = checklist.items(layout, lists, list_ranges(lists), policy)
    if len(_CHECKLISTS) >= _MOST_CHECKLISTS:
        _CHECKLISTS.clear()
    _CHECKLISTS[key] = (policy, items)
    return items


def findings_json(findings: tuple[Finding, ...]) -> list[dict[str, object]]:
    """Findings as ``validate --json`` prints them: each with its place, what it concerns and its message."""
    return [
        {
            "severity": f.severity.value,
            "code": f.code,
            "sheet": f.where.sheet,
            "cell": f.where.cell,
            "field": f.where.field,
            "item": f.where.item,
            "concerns": {
                "record": f.target.record,
                "id": f.target.ident,
                "field": f.target.field,
                "year": f.target.year,
            },
            "message": f.message,
        }
        for f in findings
    ]


def checklist_findings(unmet: tuple[checklist.Item, ...]) -> list[Finding]:
    """An error at its linked cell for each checklist item the Cover shows as No."""
    found = []
    for item in unmet:
        sheet, cell = item.link.replace("'", "").rsplit("!", 1)
        found.append(
            Finding(
                Severity.ERROR,
                "CHECKLIST",
                Target("checklist", item.key),
                f"checklist shows No: {item.description}",
                Location(sheet=sheet, cell=cell),
            )
        )
    return found


def validate(path: Path, policy: Policy, expected_year: str | None = None) -> Validation:
    """Read and check a filled template; see the module docstring for what is reported.

    The Summary's stored values are not read (the submission's values leave them out): each Summary line is worked
    out from its rule over the inputs.
    """
    submission = read(path, policy, expected_year, bounds=PLAN_BOUNDS)
    layout = submission.layout
    items = _checklist(layout, policy)
    calculation = checklist.calculation(layout, submission.values)  # each computed cell worked out once
    unmet = tuple(item for item in items if not rules.holds(item.rule, calculation))
    findings = [*submission.findings, *checklist_findings(unmet)]
    differences = tuple(d for d in checklist.differences(layout) if not rules.holds(d.rule, calculation))
    for difference in differences:
        shown = calculation[(difference.sheet, difference.cell)]
        amount = shown if difference.key == "repeated_ids" else _pounds(shown)
        findings.append(
            Finding(
                Severity.ERROR,
                "SUMMARY",
                Target("summary", difference.key, year=difference.year),
                f"Summary shows a difference: {difference.description}, {difference.year}, must be 0 (got {amount})",
                Location(sheet=difference.sheet, cell=difference.cell),
            )
        )
    if submission.plan is not None:
        for finding in run_checks(submission.plan, policy):
            if finding.code in _NOT_ABOUT_THE_TEMPLATE:
                continue
            findings.append(layout.placement.place(finding, submission.origins))
    return Validation(submission, by_severity(findings), unmet, differences)


def _pounds(value: object) -> str:
    """A Summary amount as the officer sees it: £-1,234.50; anything else (an Excel error) as it is."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return pounds(to_pence(Decimal(repr(value)) if isinstance(value, float) else Decimal(value)))
    return str(value)
