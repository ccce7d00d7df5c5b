"""Reading typed values out of a workbook's cells, collecting every problem with its sheet and cell.

Every reader (the NHS England templates and the planning workbook) reads through this: a bad cell
becomes a finding and the reading goes on, so a user sees every problem of a file in one run.
:func:`table_rows` is the one table reader: each data row of a :class:`~bcf_xl.workbook.tables.Table`
that holds a record, with where it came from noted for placing findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import openpyxl

from bcf_xl.errors import BcfInputError, Location, describe
from bcf_xl.files import check_workbook_file
from bcf_xl.findings import Finding, Severity, Target
from bcf_xl.money import ZERO, parse_amount
from bcf_xl.workbook.placement import Origins
from bcf_xl.workbook.tables import Table

Values = dict[tuple[str, str], object]
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def load_cells(path: Path, sheets: Iterable[str]) -> tuple[openpyxl.Workbook, Values]:
    """Open a workbook file (checked first, never modified) and take every cell value of the named sheets.

    Cells holding formulas give their cached values (as Excel saved them), so a workbook filled in
    Excel reads as the officer saw it.

    Raises:
        BcfInputError: the file is not a workbook that can be opened (see :mod:`bcf_xl.files`).
    """
    check_workbook_file(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True, keep_links=False)
    except Exception as exc:
        raise BcfInputError(
            Location(sheet=path.name), "cannot be read as a workbook", f"{type(exc).__name__}: {exc}"
        ) from None
    values: Values = {}
    for name in sheets:
        if name not in book.sheetnames:
            continue
        for row in book[name].iter_rows():
            for cell in row:
                if cell.value is not None:
                    values[(name, cell.coordinate)] = cell.value
    return book, values


def shown(value: object) -> str:
    """A cell value as a message shows what arrived: the one way, :func:`bcf_xl.errors.describe`."""
    return describe(value)


class CellReader:
    """Reads typed values out of cells, collecting a finding for each bad one instead of stopping."""

    def __init__(self, values: Values) -> None:
        self.values = values
        self.findings: list[Finding] = []
        self.origins = Origins()

    def error(self, sheet: str, cell: str, message: str, code: str = "READ01") -> None:
        """A cell that cannot be read as its field needs: the finding concerns the workbook at that cell."""
        self.findings.append(
            Finding(Severity.ERROR, code, Target("workbook"), message, Location(sheet=sheet, cell=cell))
        )

    def raw(self, sheet: str, cell: str) -> object:
        return self.values.get((sheet, cell))

    def text(self, sheet: str, cell: str) -> str:
        value = self.raw(sheet, cell)
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def amount(self, sheet: str, cell: str, what: str, *, required: bool = True) -> Decimal | None:
        value = self.raw(sheet, cell)
        try:
            amount = parse_amount(value, Location(sheet=sheet, cell=cell, field=what))
        except BcfInputError as exc:
            self.error(sheet, cell, f"{what}: {exc.rule} (got {shown(value)})")
            return ZERO if required else None
        if amount is None and required:
            self.error(sheet, cell, f"{what}: a number is required (got a blank)")
            return ZERO
        return amount

    def choice(self, sheet: str, cell: str, what: str, enum: type[E]) -> E | None:
        """The member of a closed list whose words the cell holds (any case), or a finding."""
        text = self.text(sheet, cell)
        for member in enum:
            if member.value.casefold() == text.casefold():
                return member
        words = ", ".join(m.value for m in enum)
        self.error(sheet, cell, f"{what}: must be one of {words} (got {shown(self.raw(sheet, cell))})")
        return None


def build_record(
    cells: CellReader, sheet: str, cell: str, make: Callable[..., T], *args: Any, **named: Any
) -> T | None:
    """Construct a record, turning its validation error into a finding at the given cell."""
    try:
        return make(*args, **named)
    except BcfInputError as exc:
        cells.error(
            sheet,
            cell,
            f"{exc.location.field or 'value'}: {exc.rule}" + (f" (got {shown(exc.got)})" if exc.got is not ... else ""),
        )
        return None


class RowCells:
    """One data row of a table, read through a :class:`CellReader` by field key.

    A message names the field by its column's label (:attr:`Field.label`), so it reads as the header
    the officer sees.
    """

    def __init__(self, cells: CellReader, table: Table, row: int) -> None:
        self.cells, self.table, self.row = cells, table, row

    @property
    def sheet(self) -> str:
        return self.table.sheet

    def ref(self, key: str) -> str:
        """The cell of a field on this row, e.g. ``K12``."""
        return self.table.cell(key, self.row)

    def raw(self, key: str) -> object:
        return self.cells.raw(self.sheet, self.ref(key))

    def text(self, key: str) -> str:
        return self.cells.text(self.sheet, self.ref(key))

    def amount(self, key: str, *, required: bool = False) -> Decimal | None:
        return self.cells.amount(self.sheet, self.ref(key), self.table.field(key).label, required=required)

    def amounts(self, stem: str, years: int) -> tuple[Decimal, ...]:
        """A required amount per plan year (``amount1``, ``amount2``...); a bad or blank one reads as 0, a finding."""
        return tuple(self.amount(f"{stem}{i + 1}", required=True) or ZERO for i in range(years))

    def optional_amounts(self, stem: str, years: int) -> tuple[Decimal | None, ...]:
        return tuple(self.amount(f"{stem}{i + 1}") for i in range(years))

    def choice(self, key: str, enum: type[E]) -> E | None:
        return self.cells.choice(self.sheet, self.ref(key), self.table.field(key).label, enum)

    def error(self, key: str, message: str) -> None:
        self.cells.error(self.sheet, self.ref(key), message)

    def record(self, key: str, make: Callable[..., T], *args: Any, **named: Any) -> T | None:
        """Construct a record from this row; a validation error becomes a finding at the field ``key``."""
        return build_record(self.cells, self.sheet, self.ref(key), make, *args, **named)


def table_rows(cells: CellReader, table: Table) -> Iterator[RowCells]:
    """Each data row whose first field (the record's ID) holds something, noted as where that record came from.

    A row that holds other input values under a blank ID is a finding at its ID cell.
    """
    first = table.fields[0].key
    for row in table.data_rows:
        ident = cells.text(table.sheet, table.cell(first, row))
        if not ident:
            if any(
                cells.raw(table.sheet, table.cell(f.key, row)) not in (None, "") for f in table.fields if not f.computed
            ):
                cells.error(
                    table.sheet,
                    table.cell(first, row),
                    f"{table.fields[0].header}: is required on a row that holds other values (got a blank)",
                )
            continue
        cells.origins.add(table.record, ident, row)
        yield RowCells(cells, table, row)
