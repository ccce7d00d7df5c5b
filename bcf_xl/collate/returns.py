"""One area's file, read and validated into plain rows for the collated tables.

:func:`read_return` is what each worker process runs on one file. It never raises for a file: a file
that cannot be read (not a workbook, not a template, hostile, or a fault in bcf-xl itself) becomes an
:class:`AreaReturn` with its reason, so one bad file never stops a region's run. The rows are plain
tuples of text, exact :class:`~decimal.Decimal` amounts and None, so they cross between processes cheaply.

A file may be a planning template or a quarterly or end-of-year return (:mod:`bcf_xl.returns.reader`). A
return is listed on the Areas sheet by its kind and period in NHS England's words ("Quarterly return Q3
2023-24", "End-of-year return 2023-24") and the plan year it reports, with its status and its findings; its
figures stay out of the Income, Expenditure, Totals and Metrics tables, which hold the plans' figures for the
year (a return's spend and income to date, and its metrics' assessments, are another measure: added to the
plans' they would count an area's money twice in the England rows).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bcf_xl.errors import LINE_LIMIT, BcfError, BcfInputError, Location, one_line
from bcf_xl.findings import Finding, Severity
from bcf_xl.metrics import assess
from bcf_xl.model import MetricUnit, Plan
from bcf_xl.money import ZERO
from bcf_xl.policy import Policy
from bcf_xl.pooling import Dimension, totals_by
from bcf_xl.returns.definition import ReturnKind
from bcf_xl.returns.layout import quarter_text
from bcf_xl.returns.reader import ReturnValidation, is_return, validate as validate_return
from bcf_xl.submission.definition import YEARS
from bcf_xl.submission.validator import Validation, validate

#: What the Areas sheet says of a file's template, and of a file that could not be read.
PLANNING_TEMPLATE = "Planning template"
COMPLETE, INCOMPLETE, NOT_READ = "Complete", "Incomplete", "Not read"
#: The views of the Totals sheet, in its column order.
COMMISSIONER, AREA_OF_SPEND, SCHEME_TYPE = "Commissioner", "Area of spend", "Scheme type"
TOTAL_VIEWS = (COMMISSIONER, AREA_OF_SPEND, SCHEME_TYPE)

Row = tuple[object, ...]
#: A Totals line: area, file, template year, plan year, view, category, amount.
TotalRow = tuple[str, str, str, str, str, str, Decimal]


@dataclass(frozen=True, slots=True)
class AreaReturn:
    """What one file gives the collated tables (each row starts with the area, file and template year).

    ``area`` is the area the file names ("" when it names none or cannot be read); ``reason`` is why a
    file could not be read ("" when it was). The row tuples follow the columns of
    :mod:`bcf_xl.collate.tables`.
    """

    file: str
    path: str
    area: str
    kind: str
    year: str
    status: str
    errors: int
    warnings: int
    reason: str
    income: tuple[Row, ...] = ()
    expenditure: tuple[Row, ...] = ()
    totals: tuple[TotalRow, ...] = ()
    metrics: tuple[Row, ...] = ()
    findings: tuple[Row, ...] = ()

    @property
    def read(self) -> bool:
        """True when the file was read as a template (it may still have errors)."""
        return not self.reason

    @property
    def ok(self) -> bool:
        """Read, complete and without errors."""
        return self.read and self.status == COMPLETE and self.errors == 0


@functools.cache
def plan_years(year: str | None = None) -> tuple[str, ...]:
    """The plan years Expenditure has an amount column for, in order: those of every template bcf-xl reads, or,
    given a template year (``"2023-25"``) or a plan year of one (``"2023-24"``), those of that template."""
    return tuple(
        sorted({y for t in YEARS.values() if year is None or year in (t.name, *t.plan_years) for y in t.plan_years})
    )


def read_return(path: Path, policy: Policy, year: str | None = None) -> AreaReturn:
    """Read and validate one file into its rows; a file that cannot be read gives its reason instead.

    Args:
        path: the file.
        policy: the national parameters to validate against.
        year: refuse a template of any other year (its reason says so), e.g. ``"2025-26"``; the expenditure
            rows have an amount for each plan year of :func:`plan_years` of it.
    """
    try:
        validation = _validated(path, policy, year)
    except BcfError as exc:
        return unread(path, str(exc))
    except MemoryError:
        return unread(path, f"{path.name}: needs more memory than this machine allows bcf-xl")
    except Exception as exc:  # a fault reading one file must not stop a region's run: it is that file's row
        return unread(path, f"{path.name}: cannot be read ({type(exc).__name__}: {exc})")
    try:
        if isinstance(validation, ReturnValidation):
            return _return_rows(path, validation)
        return _rows(path, validation, plan_years(year))
    except Exception as exc:  # as above: the file's own row says what went wrong
        return unread(path, f"{path.name}: cannot be collated ({type(exc).__name__}: {exc})")


def _validated(path: Path, policy: Policy, year: str | None) -> Validation | ReturnValidation:
    """The file validated as a planning template or, when its Cover names it one, as a return.

    A return is of ``year`` when it reports one of that template's plan years (or is that plan year).

    Raises:
        BcfError: the file is neither (the planning template's reason), or is a return of another year.
    """
    try:
        return validate(path, policy, year)
    except BcfError:
        if not _names_a_return(path):
            raise
    validation = validate_return(path, policy)
    reported = validation.returned.layout.year
    if year is not None and year not in (reported.name, reported.framework.name):
        raise BcfInputError(
            Location(sheet=path.name),
            f"is a return for {reported.name} (a year of the {reported.framework.name} template), not {year}",
            show_got=False,
        )
    return validation


def _names_a_return(path: Path) -> bool:
    try:
        return is_return(path)
    except BcfError:
        return False  # not a workbook that can be read: the planning template's reason stands


def return_kind(kind: ReturnKind, quarter: int, year: str) -> str:
    """A return as the Areas sheet names it: "Quarterly return Q3 2023-24" or "End-of-year return 2023-24"."""
    period = quarter_text(kind, quarter) if kind is ReturnKind.QUARTERLY else ""  # "Q3", as the return's Cover says
    return " ".join(part for part in (kind.value, period, year) if part)


def _return_rows(path: Path, validation: ReturnValidation) -> AreaReturn:
    returned = validation.returned
    layout = returned.layout
    area = returned.contacts.get("area", "")
    year = layout.year.name
    errors, warnings = _counts(validation.findings)
    return AreaReturn(
        file=path.name,
        path=str(path),
        area=area,
        kind=return_kind(layout.kind, layout.quarter, year),
        year=year,
        status=COMPLETE if validation.complete else INCOMPLETE,
        errors=errors,
        warnings=warnings,
        reason="",
        findings=_finding_rows((area, path.name, year), validation.findings),
    )


def _finding_rows(head: tuple[str, str, str], findings: tuple[Finding, ...]) -> tuple[Row, ...]:
    return tuple(
        (*head, f.severity.value, f.code, _cell(f.where.sheet, f.where.cell), one_line(f.message, LINE_LIMIT))
        for f in findings
    )


def _counts(findings: tuple[Finding, ...]) -> tuple[int, int]:
    """How many errors and warnings."""
    return (
        sum(1 for f in findings if f.severity is Severity.ERROR),
        sum(1 for f in findings if f.severity is Severity.WARNING),
    )


def unread(path: Path, reason: str) -> AreaReturn:
    """The row of a file that could not be read, with the reason (one line)."""
    return AreaReturn(path.name, str(path), "", "", "", NOT_READ, 0, 0, one_line(reason, LINE_LIMIT))


def _rows(path: Path, validation: Validation, years: tuple[str, ...]) -> AreaReturn:
    submission = validation.submission
    plan = submission.plan
    year = submission.year.name
    area = plan.area.name if plan is not None else ""
    head = (area, path.name, year)
    errors, warnings = _counts(validation.findings)
    figures = _figures(plan, head, years) if plan is not None else ((), (), (), ())
    return AreaReturn(
        file=path.name,
        path=str(path),
        area=area,
        kind=PLANNING_TEMPLATE,
        year=year,
        status=COMPLETE if validation.complete else INCOMPLETE,
        errors=errors,
        warnings=warnings,
        reason="",
        income=figures[0],
        expenditure=figures[1],
        totals=figures[2],
        metrics=figures[3],
        findings=_finding_rows(head, validation.findings),
    )


def _cell(sheet: str | None, cell: str | None) -> str:
    if sheet and cell:
        return f"'{sheet}'!{cell}"
    return sheet or ""


def _figures(
    plan: Plan, head: tuple[str, str, str], years: tuple[str, ...]
) -> tuple[tuple[Row, ...], tuple[Row, ...], tuple[TotalRow, ...], tuple[Row, ...]]:
    """The plan's income, expenditure, totals and metrics rows, each figure as the engine works it out.

    An expenditure row is a scheme line with its amount in each of ``years`` (the collated Expenditure's
    columns), None in a year the plan does not cover.

    Raises:
        ValueError: a plan year of the plan is not among ``years`` (a fault of bcf-xl).
    """
    income = tuple(
        (*head, source.source_id, source.kind.value, source.contributor, plan_year, amount)
        for source in plan.sources
        for plan_year, amount in zip(plan.years, source.amounts, strict=True)
    )
    uncovered = set(plan.years).difference(years)
    if uncovered:  # the template's years are among those collated: an amount must never go missing unseen
        raise ValueError(f"plan year {min(uncovered)} has no Expenditure column (columns: {', '.join(years)})")
    slots = tuple(plan.years.index(y) if y in plan.years else len(plan.years) for y in years)  # past the end: None
    expenditure = []
    for scheme in plan.schemes:
        padded = (*scheme.amounts, None)
        expenditure.append(
            (
                *head,
                scheme.scheme_id,
                scheme.name,
                scheme.scheme_type,
                scheme.area_of_spend.value,
                scheme.commissioner.value,
                scheme.source,
                *[padded[slot] for slot in slots],
            )
        )
    totals: list[TotalRow] = []
    for index, plan_year in enumerate(plan.years):
        by_type: dict[str, Decimal] = {}
        for scheme in plan.schemes:
            by_type[scheme.scheme_type] = by_type.get(scheme.scheme_type, ZERO) + scheme.amounts[index]
        views = (
            (COMMISSIONER, [(line.key, line.amount) for line in totals_by(plan, Dimension.COMMISSIONER, plan_year)]),
            (AREA_OF_SPEND, [(line.key, line.amount) for line in totals_by(plan, Dimension.AREA_OF_SPEND, plan_year)]),
            (SCHEME_TYPE, sorted(by_type.items())),
        )
        for view, lines in views:
            totals.extend((*head, plan_year, view, key, amount) for key, amount in lines)
    metrics = []
    for metric in plan.metrics:
        result = assess(metric)
        rated = metric.unit is MetricUnit.RATE and metric.population is not None
        metrics.append(
            (
                *head,
                metric.metric_id,
                metric.name,
                metric.unit.value,
                metric.baseline,
                metric.target,
                metric.actual,
                result.target if rated else None,
                result.rag.value,
                result.progress.value,
            )
        )
    return income, tuple(expenditure), tuple(totals), tuple(metrics)
