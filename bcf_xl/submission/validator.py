"""Validate a filled planning template: every problem with its sheet, cell and rule.

Three kinds of finding, all in one run: what the reader could not read (text in an amount, a
value not in its list, a missing required field), each checklist item the template would show as
red "No", and every finding of the engine's plan checks (income against expenditure, minimum
spends, DFG passporting...) placed on the template cell it concerns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bcf_xl.checks import run_checks
from bcf_xl.errors import Location
from bcf_xl.findings import Finding, Severity, Target, by_severity
from bcf_xl.policy import Policy
from bcf_xl.submission import checklist
from bcf_xl.submission.builder import list_ranges, lists_for
from bcf_xl.submission.layout import Layout
from bcf_xl.submission.reader import Submission, read

# Engine checks about what a submission does not hold (local pools, budget roll-forward of local tables,
# metric actuals, unconfirmed uplift notes) say nothing about the template.
_NOT_ABOUT_THE_TEMPLATE = {"BCF11", "BCF12", "BCF14"}


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
                    for f in self.findings
                ],
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


def validate(path: Path, policy: Policy, expected_year: str | None = None) -> Validation:
    """Read and check a filled template; see the module docstring for what is reported."""
    submission = read(path, policy, expected_year)
    layout = submission.layout
    items = _checklist(layout, policy)
    unmet = checklist.unmet(items, submission.values)
    findings = list(submission.findings)
    for item in unmet:
        sheet, cell = item.link.replace("'", "").rsplit("!", 1)
        findings.append(
            Finding(
                Severity.ERROR,
                "CHECKLIST",
                Target("checklist", item.key),
                f"checklist shows No: {item.description}",
                Location(sheet=sheet, cell=cell),
            )
        )
    if submission.plan is not None:
        for finding in run_checks(submission.plan, policy):
            if finding.code in _NOT_ABOUT_THE_TEMPLATE:
                continue
            findings.append(layout.placement.place(finding, submission.origins))
    return Validation(submission, by_severity(findings), unmet)
