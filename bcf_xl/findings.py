"""Findings: what the checks, readers and validators report, and what each one concerns.

A finding names what it concerns as data, a :class:`Target`: a kind of record (``"scheme"``,
``"source"``...), its ID, one of its fields (the record's own field name, e.g. ``"amounts"``)
and the plan year. It never names a sheet: each workbook layout places a target on the cell that
holds it (:mod:`bcf_xl.workbook.placement`), and a placed finding carries that cell as its
:attr:`Finding.location`. Where a finding only makes sense on a cell (what a reader could not
read, a checklist item) the reader gives both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bcf_xl.errors import LINE_LIMIT, Location, one_line


class Severity(StrEnum):
    ERROR = "Error"
    WARNING = "Warning"
    NOTE = "Note"


# How a field of a record reads in a message, where it differs from the field's own name.
FIELD_LABELS: dict[tuple[str, str], str] = {
    ("plan", "years"): "Plan years",
    ("plan", "income"): "Total income",
    ("plan", "balance"): "Income less expenditure",
    ("plan", "area_name"): "Area name",
    ("plan", "area_kind"): "Area type",
    ("partner", "partner_id"): "Partner ID",
    ("partner", "name"): "Partner name",
    ("partner", "kind"): "Partner type",
    ("source", "source_id"): "Source ID",
    ("source", "kind"): "Funding source",
    ("source", "amounts"): "Income",
    ("pool", "pool_id"): "Pool ID",
    ("pool", "name"): "Pool name",
    ("scheme", "scheme_id"): "Scheme ID",
    ("scheme", "name"): "Scheme Name",
    ("scheme", "scheme_type"): "Scheme Type",
    ("scheme", "sub_type"): "Sub Type",
    ("scheme", "area_of_spend"): "Area of Spend",
    ("scheme", "nhs_share"): "NHS share",
    ("scheme", "source"): "Source of Funding",
    ("scheme", "amounts"): "Expenditure",
    ("district", "district_id"): "District ID",
    ("district", "name"): "District name",
    ("district", "dfg_allocation"): "DFG allocation",
    ("district", "agreement_reference"): "Agreement reference",
    ("metric", "metric_id"): "Metric ID",
    ("metric", "name"): "Metric name",
    ("asc_minimum", "required"): "ASC minimum",
    ("asc_minimum", "agreed"): "Agreed ASC minimum",
    ("ooh_minimum", "required"): "Out-of-hospital minimum",
    ("dfg", "received"): "DFG received",
    ("dfg", "allocations"): "District allocations",
    ("dfg", "years"): "DFG",
    ("policy", "uplift"): "Uplift",
}


@dataclass(frozen=True, slots=True)
class Target:
    """What a finding concerns: a kind of record, its ID, one of its fields and a plan year.

    ``occurrence`` tells which of several records with the same ID is meant (0 the first), so a
    duplicate ID is placed on the row that repeats it.
    """

    record: str
    ident: str | None = None
    field: str | None = None
    year: str | None = None
    occurrence: int = 0

    @property
    def label(self) -> str:
        """The field as a message names it, with the plan year: "Income 2023-24"."""
        if self.field is None:
            words = ""
        else:
            words = FIELD_LABELS.get((self.record, self.field), self.field.replace("_", " ").capitalize())
        return " ".join(part for part in (words, self.year or "") if part)

    def as_location(self) -> Location:
        """The target as a place without a cell: the field and the record's ID."""
        return Location(field=self.label or self.record, item=self.ident)

    def __str__(self) -> str:
        return str(self.as_location())


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem or remark: its severity, the code of the rule, what it concerns and the message.

    ``location`` is the workbook cell the finding was placed on, when there is one.
    """

    severity: Severity
    code: str
    target: Target
    message: str
    location: Location | None = None

    @property
    def where(self) -> Location:
        """The place shown to a user: the cell where placed, else the field and record."""
        return self.target.as_location() if self.location is None else self.location

    def placed(self, location: Location | None) -> Finding:
        """The same finding shown at a workbook cell (or left as it is when there is no cell for it)."""
        return self if location is None else replace(self, location=location)

    def __str__(self) -> str:
        # Printed from a file: one line, its control characters escaped, its length bounded.
        return one_line(f"{self.severity.value} {self.code} {self.where}: {self.message}", LINE_LIMIT)


def by_severity(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Errors first, then warnings, then notes, each kept in the order found."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))


def errors(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that must be fixed."""
    return tuple(f for f in findings if f.severity is Severity.ERROR)


def tally(findings: Iterable[Finding]) -> str:
    """How many findings of each severity, as a person reads it: "0 errors, 1 warning, 2 notes"."""
    found = list(findings)
    words = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
    parts = []
    for severity, word in words.items():
        count = sum(1 for f in found if f.severity is severity)
        parts.append(f"{count} {word}" if count == 1 else f"{count} {word}s")
    return ", ".join(parts)


class Validated:
    """What validating a template (the planning template, a quarterly or end-of-year return) concludes from its
    ``findings`` and the checklist items its Cover shows unmet: shared by each validator's outcome."""

    findings: tuple[Finding, ...]
    unmet: tuple[Any, ...]

    @property
    def complete(self) -> bool:
        """True when the template would show "Complete Template": every checklist item holds."""
        return not self.unmet

    @property
    def ok(self) -> bool:
        """Complete, and no error remains."""
        return self.complete and not errors(self.findings)

    @property
    def status(self) -> str:
        """The status the Cover shows: "Complete Template" or "Incomplete Template"."""
        return "Complete Template" if self.complete else "Incomplete Template"
