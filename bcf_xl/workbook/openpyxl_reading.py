"""openpyxl's reading of a workbook's cell values, behind :func:`bcf_xl.workbook.reading.load_cells`.

It reads where python-calamine is absent (Pyodide), is not chosen (``BCF_XL_READER=openpyxl``) or cannot
read a file. It lives apart so that reading with calamine never loads openpyxl, whose package loads the
whole library (and numpy) on first import.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from openpyxl.cell.read_only import EmptyCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.workbook.reading import MAX_CELL_CHARS, Book, Bounds, Values, _refuse_charts, _too_long
from bcf_xl.workbook.references import column_letter


def _book(reader: _LayoutReader, last_rows: dict[str, int]) -> Book:
    book = reader.wb
    names = {name: defined.attr_text or "" for name, defined in book.defined_names.items()}
    sheetnames = tuple(reader.sheet_names)  # chart sheets too: a sheet of that name is there
    return Book(sheetnames, MappingProxyType(names), MappingProxyType(last_rows))


def openpyxl_cells(path: Path, bounds: Bounds) -> tuple[Book, Values]:
    """Every value within ``bounds`` through openpyxl's read-only reader, which streams each sheet's rows."""
    values: Values = {}
    last_rows: dict[str, int] = {}
    reader = _LayoutReader(path, read_only=True, data_only=True, keep_links=False)
    try:
        reader.read()
        book = reader.wb
        _refuse_charts(reader.chart_sheets, bounds)
        for name, (max_row, max_col) in bounds.items():
            if name in book.sheetnames:
                last_rows[name] = _take(book[name], name, max_row, max_col, values)
        return _book(reader, last_rows), values
    finally:
        reader.archive.close()


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that takes no size from its file, so opening it parses nothing.

    openpyxl reads a sheet's dimension record when it opens it, parsing the whole sheet when there is none;
    bcf-xl reads every sheet within its layout's bounds, whatever the file claims, so it needs no size.
    """

    def _get_size(self) -> None:
        return None


class _LayoutReader(ExcelReader):
    """openpyxl's read-only workbook reader, with sheets that are parsed only when their cells are read."""

    sheet_names: list[str]
    chart_sheets: list[str]

    def read_worksheets(self) -> None:
        # As openpyxl's read-only branch of this method, with _UnsizedSheet for ReadOnlyWorksheet; chart sheets,
        # which bcf-xl never reads, are left out (their names noted).
        self.sheet_names, self.chart_sheets = [], []
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files:
                self.sheet_names.append(sheet.name)
            if rel.target in self.valid_files and "chartsheet" in rel.Type:
                self.chart_sheets.append(sheet.name)
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state or "visible"
            self.wb._sheets.append(worksheet)  # type: ignore[attr-defined]  # the stubs leave the sheet list out


def _take(sheet: object, name: str, max_row: int, max_col: int, values: Values) -> int:
    """Put a sheet's values within the bounds into ``values``; the last row holding a cell record."""
    if not isinstance(sheet, ReadOnlyWorksheet):
        raise BcfInputError(Location(sheet=name), "is a chart, not a sheet of cells as bcf-xl expects", show_got=False)
    last = 0
    # The stubs type ReadOnlyWorksheet.iter_rows as Worksheet's, which mypy will not bind to a read-only sheet.
    rows = sheet.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col, values_only=False)  # type: ignore[misc]
    for row_number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row, start=1):
            if isinstance(cell, EmptyCell):
                continue
            last = row_number
            value = cell.value
            if value is None:
                continue
            reference = f"{column_letter(column)}{row_number}"
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise _too_long(value, name, reference)
            values[(name, reference)] = value
    return last
