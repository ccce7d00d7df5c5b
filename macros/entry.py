"""The buttons' entry points and the two ways of reaching a planning workbook."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import openpyxl

from bcf_xl.errors import BcfError, BcfInputError, Location
from bcf_xl.files import write_atomically
from bcf_xl.findings import Finding, Severity, Target, tally
from bcf_xl.monitoring import as_at, quarter_name
from bcf_xl.monitoring_checks import check_actuals
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.actuals import place_findings
from bcf_xl.planbook.builder import write as write_planbook
from bcf_xl.planbook.buttons import button_macros
from bcf_xl.planbook.checking import findings as plan_findings
from bcf_xl.planbook.reader import load, read_values, scheme_rows_of
from bcf_xl.policy import Policy, load_policy
from bcf_xl.returns.builder import write as write_return
from bcf_xl.returns.definition import ReturnKind, return_year
from bcf_xl.returns.reader import validate as validate_return
from bcf_xl.rollforward import roll_forward as next_years_plan
from bcf_xl.submission.builder import write as write_submission
from bcf_xl.submission.definition import year_for_plan
from bcf_xl.submission.validator import validate
from bcf_xl.workbook.reading import Values


class Workbook(Protocol):
    """What a button needs of the planning workbook it was pressed in."""

    @property
    def folder(self) -> Path: ...

    @property
    def stem(self) -> str: ...

    def values(self) -> Values:
        """Every cell value of the workbook's sheets, keyed by (sheet, cell), as the user sees them now."""
        ...

    def scheme_rows(self) -> int:
        """How many data rows the Schemes table has."""
        ...

    def show_findings(self, findings: Sequence[Finding], status: str) -> None:
        """Replace the Checks sheet's list with these findings, under a one-line status."""
        ...


class WorkbookFile:
    """A planning workbook file, for tests and machines without Excel; results are saved into the file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def stem(self) -> str:
        return self.path.stem

    def values(self) -> Values:
        return load(self.path)[1]

    def scheme_rows(self) -> int:
        return scheme_rows_of(*load(self.path))

    def show_findings(self, findings: Sequence[Finding], status: str) -> None:
        book = openpyxl.load_workbook(self.path, keep_vba=True)
        sheet = book[L.CHECKS]
        for row in sheet.iter_rows(min_row=L.CHECK_HEADER_ROW + 1):
            for cell in row:
                cell.value = None
        sheet[L.CHECK_STATUS_CELL] = status
        for offset, finding in enumerate(findings):
            for column, value in enumerate(_row(finding), start=1):
                cell = sheet.cell(L.CHECK_HEADER_ROW + 1 + offset, column)
                cell.value = value
                cell.data_type = "s"
        write_atomically(self.path, lambda temporary: book.save(temporary), overwrite=True)


class ExcelWorkbook:
    """The workbook that called the macro, in Excel, through xlwings."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> ExcelWorkbook:
        import xlwings as xw

        return cls(xw.Book.caller())

    @property
    def folder(self) -> Path:
        return Path(self.book.fullname).parent

    @property
    def stem(self) -> str:
        return Path(self.book.name).stem

    def values(self) -> Values:
        from openpyxl.utils import get_column_letter

        found: Values = {}
        for name in L.SHEETS:
            if name not in [s.name for s in self.book.sheets]:
                continue
            used = self.book.sheets[name].used_range
            rows = used.options(ndim=2).value
            for r, line in enumerate(rows):
                for c, value in enumerate(line):
                    if value is not None:
                        found[(name, f"{get_column_letter(used.column + c)}{used.row + r}")] = value
        return found

    def scheme_rows(self) -> int:
        used = self.book.sheets[L.SCHEMES].used_range
        return max(1, int(used.last_cell.row) - L.schemes_table(1).header_row)

    def show_findings(self, findings: Sequence[Finding], status: str) -> None:
        sheet = self.book.sheets[L.CHECKS]
        sheet.api.Unprotect()
        try:
            put_findings(sheet, findings, status)
        finally:
            sheet.api.Protect()


def put_findings(sheet: Any, findings: Sequence[Finding], status: str) -> None:
    """Replace the list on an xlwings Checks sheet (classic or Lite) with ``findings``, under ``status``."""
    sheet.range(L.CHECK_FIRST_CELL).expand("down").resize(None, len(L.CHECK_COLUMNS)).clear_contents()
    sheet.range(L.CHECK_STATUS_CELL).value = status
    if findings:
        rows = [[excel_text(value) for value in _row(f)] for f in findings]
        sheet.range(L.CHECK_FIRST_CELL).value = rows


def excel_text(value: str) -> str:
    """Text Excel will show as typed: a leading ' keeps '=...', '+...', '-...' and '@...' from becoming a formula
    (a scheme ID or name in a finding is user text and may start that way)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _row(finding: Finding) -> tuple[str, ...]:
    where = finding.where
    return (
        finding.severity.value,
        finding.code,
        where.sheet or "",
        where.cell or "",
        where.field or "",
        where.item or "",
        finding.message,
    )


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """A file name in ``folder`` that is not taken: ``stem.suffix``, then ``stem (2).suffix``..."""
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem} ({number}){suffix}"
        number += 1
    return candidate


def _guarded(book: Workbook, work: Any) -> Any:
    """Run a button's work; a problem becomes one line on the Checks sheet, never a traceback."""
    try:
        return work()
    except BcfError as exc:
        book.show_findings([Finding(Severity.ERROR, "BUTTON", Target("workbook"), str(exc))], f"Stopped: {exc}")
    except Exception as exc:  # the last line of defence in a button: one line, no traceback
        message = f"internal error ({type(exc).__name__}: {exc}); please report it"
        book.show_findings([Finding(Severity.ERROR, "BUTTON", Target("workbook"), message)], f"Stopped: {message}")
        print(message, file=sys.stderr)
    return None


def check_plan(book: Workbook | None = None, policy: Policy | None = None) -> tuple[Finding, ...] | None:
    """ "Check plan": list every problem of the plan on the Checks sheet."""
    target = book or ExcelWorkbook.caller()

    def work() -> tuple[Finding, ...]:
        found = plan_findings(read_values(target.values(), target.scheme_rows()), policy or load_policy())
        target.show_findings(found, f"Plan checked: {tally(found)}")
        return found

    result: tuple[Finding, ...] | None = _guarded(target, work)
    return result


def generate_submission(book: Workbook | None = None, policy: Policy | None = None) -> Path | None:
    """ "Generate submission": write NHS England's template next to the workbook (never over an earlier one),
    validate it, and report the result and every finding on the Checks sheet."""
    target = book or ExcelWorkbook.caller()
    rules = policy or load_policy()

    def work() -> Path:
        read = read_values(target.values(), target.scheme_rows())
        found = plan_findings(read, rules)
        if read.plan is None:
            raise BcfInputError(
                Location(sheet=L.COVER), "the plan cannot be read: press Check plan to see why", show_got=False
            )
        year = year_for_plan(read.plan.years)
        if year is None:
            raise BcfInputError(
                Location(sheet=L.COVER, cell=L.cover_cell("year1")),
                "no NHS England template is known for these plan years",
                ", ".join(read.plan.years),
            )
        path = free_name(target.folder, f"BCF submission {year.name} {read.plan.area.name}", ".xlsx")
        write_submission(read.plan, year, rules, path)
        validation = validate(path, rules)
        status = validation.status
        target.show_findings(
            [*found, *(f for f in validation.findings if f.code in ("CHECKLIST", "READ01"))],
            f"Wrote {path.name}: {status}; plan {tally(found)}",
        )
        return path

    result: Path | None = _guarded(target, work)
    return result


def roll_forward(book: Workbook | None = None, policy: Policy | None = None, *, lite: bool = False) -> Path | None:
    """ "Roll forward": start next year's plan in a new planning workbook next to this one.

    With ``lite`` the new workbook is the .xlsx whose buttons run xlwings Lite scripts, as the workbook it
    was started from."""
    target = book or ExcelWorkbook.caller()
    rules = policy or load_policy()

    def work() -> Path:
        read = read_values(target.values(), target.scheme_rows())
        if read.plan is None:
            raise BcfInputError(
                Location(sheet=L.COVER), "the plan cannot be read: press Check plan to see why", show_got=False
            )
        plan = next_years_plan(read.plan, rules)
        name = f"BCF plan {' and '.join(plan.years)} {plan.area.name}"
        if lite:
            path = free_name(target.folder, name, ".xlsx")
            write_planbook(path, plan, rules, lite_buttons=True)
        else:
            path = free_name(target.folder, name, ".xlsm")
            write_planbook(path, plan, rules, vba_project=button_macros())
        target.show_findings(read.findings, f"Started next year's plan: {path.name}")
        return path

    result: Path | None = _guarded(target, work)
    return result


def _return(target: Workbook, rules: Policy, kind: ReturnKind) -> Path:
    """Write the return of ``kind`` for the period the Cover gives (else the latest with actuals) next to the
    workbook under a name not taken, validate it, and report it and every finding on the Checks sheet."""
    read = read_values(target.values(), target.scheme_rows())
    if read.plan is None:
        raise BcfInputError(
            Location(sheet=L.COVER), "the plan cannot be read: press Check plan to see why", show_got=False
        )
    if read.actuals is None or read.period is None:
        problems = [f for f in read.findings if f.severity is Severity.ERROR]
        why = (
            f"the actuals cannot be read: see {problems[0].where.sheet}!{problems[0].where.cell}"
            if problems
            else "no actuals yet: type them on the Spend actuals and Quarterly progress sheets"
        )
        raise BcfInputError(Location(sheet=L.SPEND), why, show_got=False)
    name, quarter = read.period
    year = return_year(name)
    quarter = 4 if kind is ReturnKind.YEAR_END else quarter
    actuals = as_at(read.actuals, year.name, quarter)
    period = "year-end" if kind is ReturnKind.YEAR_END else f"quarterly {quarter_name(quarter)}"
    path = free_name(target.folder, f"BCF {period} return {year.name} {read.plan.area.name}", ".xlsx")
    write_return(read.plan, actuals, year, kind, quarter, rules, path)
    validation = validate_return(path, rules)
    checked = place_findings(
        check_actuals(read.plan, actuals, year.name, quarter), read.values, read.scheme_rows, read.plan.years, quarter
    )
    status = validation.status
    target.show_findings(
        # The return's own checks on actuals are those above, listed at this workbook's cells.
        [*read.findings, *checked, *(f for f in validation.findings if not f.code.startswith("MON"))],
        f"Wrote {path.name}: {status}; actuals {tally(checked)}",
    )
    return path


def generate_quarterly_return(book: Workbook | None = None, policy: Policy | None = None) -> Path | None:
    """ "Generate quarterly return": write the quarterly return for the quarter typed on the Cover (else the latest
    with actuals) next to the workbook (never over an earlier one), validate it, and report on the Checks sheet."""
    target = book or ExcelWorkbook.caller()
    rules = policy or load_policy()
    result: Path | None = _guarded(target, lambda: _return(target, rules, ReturnKind.QUARTERLY))
    return result


def generate_year_end_return(book: Workbook | None = None, policy: Policy | None = None) -> Path | None:
    """ "Generate year-end return": write the end-of-year return, with the Section 75 year-end statement, for the
    plan year typed on the Cover (else the latest with actuals) next to the workbook (never over an earlier one),
    validate it, and report on the Checks sheet."""
    target = book or ExcelWorkbook.caller()
    rules = policy or load_policy()
    result: Path | None = _guarded(target, lambda: _return(target, rules, ReturnKind.YEAR_END))
    return result
