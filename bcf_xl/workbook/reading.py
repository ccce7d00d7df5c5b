"""Reading typed values out of a workbook's cells, collecting every problem with its sheet and cell.

Every reader (the NHS England templates and the planning workbook) reads through this: a bad cell
becomes a finding and the reading goes on, so a user sees every problem of a file in one run.
:func:`table_rows` is the one table reader: each data row of a :class:`~bcf_xl.workbook.tables.Table`
that holds a record, with where it came from noted for placing findings.

Two readers of cell values sit behind :func:`load_cells`, which gives the same values either way:

- **python-calamine** (compiled, Rust), used when it is installed: it reads a template's values several
  times faster than openpyxl. Values cannot show the workbook part (the sheet names and which are chart
  sheets, never read, and the defined names such as ``BCF_SCHEME_ROWS``): it is read here from the
  package's ``[Content_Types].xml``, ``workbook.xml`` and its relationships with defusedxml, as openpyxl
  reads them (openpyxl reads the file instead when that part is anything but plain). Before calamine
  reads a sheet, the sheet's XML is scanned for its cell references, which gives the
  last row holding a cell record within the bounds (a formatted blank cell has no value, yet counts, as
  openpyxl counts it) and guards calamine, which holds a sheet as one dense block and ends the whole
  process when a cell claims a far row. Where the sheet's dimension claims where its cells end, as every
  spreadsheet program writes it, one search checks every cell against the claim; each reference is taken
  on its own only where a cell is outside it. openpyxl reads the file instead when a sheet's cells span more
  than :data:`MAX_DENSE_CELLS` cells, a cell holds an Excel error value (calamine reads it as blank), a
  cell's start tag is written in a form other than Excel's (its reference missing, given twice or written
  otherwise: calamine would place the cell where the scan did not look), or calamine cannot read the file
  (openpyxl then gives its own message).
- **openpyxl** alone, where calamine is absent (Pyodide: it is compiled) or ``BCF_XL_READER=openpyxl``.

The file is always checked first (:func:`bcf_xl.files.open_workbook_file`): a hostile file is refused
before either library parses it. calamine's values are given as openpyxl gives them: a whole number as an
``int``, a date as a ``datetime``, an empty text as no value. Two differences remain, neither in a file
Excel writes: a whole number written with a decimal point (``5.0``) reads as ``5``, and a text holding
the escape ``_x000D_`` reads as the character it stands for, as Excel shows it (openpyxl keeps it as
written).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import os
import posixpath
import re
import string
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from bcf_xl.errors import BcfInputError, Location, describe
from bcf_xl.files import open_workbook_file
from bcf_xl.findings import Finding, Severity, Target
from bcf_xl.money import ZERO, parse_amount
from bcf_xl.workbook.placement import Origins
from bcf_xl.workbook.references import column_index, column_letter, split_cell
from bcf_xl.workbook.tables import Lines, Table

Values = dict[tuple[str, str], object]
Bounds = Mapping[str, tuple[int, int]]  # sheet name -> (last row, last column) that bcf-xl reads of it
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

MAX_CELL_CHARS = 10_000  # far above any real field's text, below Excel's own 32,767

#: The two readers of cell values (see :func:`backend`), and the environment variable that chooses openpyxl.
CALAMINE, OPENPYXL = "calamine", "openpyxl"
READER_VARIABLE = "BCF_XL_READER"


@dataclass(frozen=True)
class Book:
    """What a workbook file holds beyond its cell values: its sheet names, defined names and the last row used.

    ``last_rows`` counts only rows within the bounds read, so no record in the file can claim more.
    """

    sheetnames: tuple[str, ...]
    defined_names: Mapping[str, str]
    last_rows: Mapping[str, int]


def bounds_of(*parts: Table | Lines | tuple[str, str]) -> dict[str, tuple[int, int]]:
    """The last row and column of each sheet that the given tables, lines and (sheet, cell) pairs declare.

    A table reaches its last data row and last field's column; lines reach their last named row (or
    their first row, when they are counted from it) and their last value column.
    """
    found: dict[str, tuple[int, int]] = {}
    for part in parts:
        if isinstance(part, tuple):
            sheet, cell = part
            column_letters, row = split_cell(cell)
            column = column_index(column_letters)
            last_row, last_column = found.get(sheet, (1, 1))
            found[sheet] = (max(last_row, row), max(last_column, column))
            continue
        if isinstance(part, Table):
            row = part.header_row + part.rows
            column = part.first_column + len(part.fields) - 1
        else:
            row = max((*part.rows.values(), part.first_row, 1))
            column = max(column_index(c) for c in (part.label_column, *part.columns))
        last_row, last_column = found.get(part.sheet, (1, 1))
        found[part.sheet] = (max(last_row, row), max(last_column, column))
    return found


def load_cells(path: Path, bounds: Bounds) -> tuple[Book, Values]:
    """Open a workbook file (checked first, never modified) and take the cell values within ``bounds``.

    Only the sheets named in ``bounds`` are parsed, and each only as far as its last row and column:
    whatever the file's dimension, merged-cell, hyperlink or defined-name records claim, nothing beyond
    is read. Cells holding formulas give their cached values (as Excel saved them), so a workbook filled
    in Excel reads as the officer saw it. The values come from python-calamine where it may read the
    file (see the module docstring), else from openpyxl; both give the same values.

    Raises:
        BcfInputError: the file is not a workbook that can be opened (see :mod:`bcf_xl.files`), a sheet
            to read is not a sheet of cells, or a cell holds more than :data:`MAX_CELL_CHARS` characters.
    """
    with open_workbook_file(path) as archive:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if backend() == CALAMINE:
                    fast = _calamine_cells(path, archive, bounds)
                    if fast is not None:
                        return fast
                return _openpyxl_cells(path, bounds)
        except BcfInputError:
            raise
        except Exception as exc:
            raise BcfInputError(
                Location(sheet=path.name), "cannot be read as a workbook", f"{type(exc).__name__}: {exc}"
            ) from None


def backend() -> str:
    """The reader of cell values: :data:`CALAMINE` when python-calamine is installed, else :data:`OPENPYXL`.

    Setting the environment variable ``BCF_XL_READER=openpyxl`` chooses openpyxl even where calamine is
    installed (to compare the two, or to rule one out).
    """
    if os.environ.get(READER_VARIABLE, "").strip().casefold() == OPENPYXL:
        return OPENPYXL
    return CALAMINE if importlib.util.find_spec("python_calamine") is not None else OPENPYXL


def _openpyxl_cells(path: Path, bounds: Bounds) -> tuple[Book, Values]:
    """Every value within ``bounds`` through openpyxl's read-only reader (loaded only when it reads)."""
    from bcf_xl.workbook.openpyxl_reading import openpyxl_cells

    return openpyxl_cells(path, bounds)


def _calamine_cells(path: Path, archive: zipfile.ZipFile, bounds: Bounds) -> tuple[Book, Values] | None:
    """Every value within ``bounds`` through python-calamine, or None when openpyxl must read the file.

    The workbook part (sheet names and kinds, defined names), which values cannot show, is read from the package
    (``archive``, the file's, open). Each sheet to read is first scanned for its cell references (see
    :func:`_scan`); calamine then reads it whole, and only the cells within the bounds are kept.
    """
    try:
        part = _workbook_part(archive)
    except Exception:
        part = None
    if part is None:
        return None  # openpyxl's full reading gives its own message for a malformed workbook part
    _refuse_charts(list(part.charts), bounds)
    sheets = {name: part.worksheets[name] for name in bounds if name in part.worksheets}
    if _shared_strings_unread(archive):
        return None
    last_rows: dict[str, int] = {}
    for name, member in sheets.items():
        last = _scan(archive, member, *bounds[name])
        if last is None:
            return None
        last_rows[name] = last
    values: Values = {}
    if sheets:
        try:
            values = _calamine_values(path, {name: bounds[name] for name in sheets}, last_rows)
        except BcfInputError:
            raise
        except BaseException as exc:  # a Rust panic arrives as a BaseException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return None
    return Book(part.sheetnames, part.names, MappingProxyType(last_rows)), values


@dataclass(frozen=True)
class _Part:
    """A workbook part as openpyxl's read-only reader takes it: every sheet's name (chart sheets too), the chart
    sheets, each other sheet's XML member, and the workbook-wide defined names with their text."""

    sheetnames: tuple[str, ...]
    charts: tuple[str, ...]
    worksheets: Mapping[str, str]
    names: Mapping[str, str]


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# The workbook part's content types, in the order openpyxl looks for it, and its usual place (as openpyxl names them).
_WORKBOOK_TYPES = tuple(
    f"application/vnd.{kind}.main+xml"
    for kind in (
        "ms-excel.template.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.template",
        "ms-excel.sheet.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.sheet",
    )
)
ARC_CONTENT_TYPES, ARC_WORKBOOK = "[Content_Types].xml", "xl/workbook.xml"
# Names openpyxl gives each sheet, not the workbook: they never reach Book.defined_names.
_SHEET_NAMES = ("_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase")


def _workbook_part(archive: zipfile.ZipFile) -> _Part | None:
    """The workbook part, read as openpyxl reads it; None where it is not plainly written (openpyxl reads then).

    The parts are small (a few kilobytes); :func:`bcf_xl.files.open_workbook_file` has already refused a hostile
    package, and defusedxml refuses entity declarations.
    """
    from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]  # a dependency; no stubs

    members = set(archive.namelist())
    types = fromstring(archive.read(ARC_CONTENT_TYPES))
    overrides = {o.get("ContentType"): o.get("PartName") for o in types.iter(f"{_PACKAGE}Override")}
    workbook = next((overrides[t] for t in _WORKBOOK_TYPES if overrides.get(t)), None)
    if workbook is None:
        if not {d.get("ContentType") for d in types.iter(f"{_PACKAGE}Default")} & set(_WORKBOOK_TYPES):
            return None
        workbook = "/" + ARC_WORKBOOK
    workbook = workbook[1:]
    root = fromstring(archive.read(workbook))
    if root.tag != f"{_MAIN}workbook":
        return None
    folder, file = posixpath.split(workbook)
    targets = {}
    for rel in fromstring(archive.read(posixpath.join(folder, "_rels", f"{file}.rels"))).iter(
        f"{_RELATIONSHIPS}Relationship"
    ):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[rel.get("Id")] = (rel.get("Type") or "", target)
    sheetnames, charts, worksheets = [], [], {}
    for sheet in root.iter(f"{_MAIN}sheet"):
        name, ident = sheet.get("name"), sheet.get(_RELATIONSHIP_ID)
        if name is None or not ident or ident not in targets:
            return None
        kind, target = targets[ident]
        if target not in members:
            continue
        sheetnames.append(name)
        if "chartsheet" in kind:
            charts.append(name)
        else:
            worksheets[name] = target
    names = {}
    for defined in root.iter(f"{_MAIN}definedName"):
        name = defined.get("name")
        if name is None:
            return None
        if defined.get("localSheetId") is None and name not in _SHEET_NAMES:
            names[name] = defined.text or ""
    return _Part(tuple(sheetnames), tuple(charts), MappingProxyType(worksheets), MappingProxyType(names))


# A cell element's start tag as Excel, openpyxl, XlsxWriter and LibreOffice write it, matched whole: the reference
# first, in double quotes, then each other attribute a cell has (style, type, metadata, phonetic) as ` name="value"`,
# in any order. A start tag written any other way is not matched, so its sheet is left to openpyxl: among them a
# second reference (calamine takes a cell's last one, so it would place the cell where this scan did not look) and
# an error value's type (calamine reads an error as blank, openpyxl as its text).
_OTHER_ATTRIBUTES = rb'(?: (?:s|cm|vm|ph)="[^"]*+"| t="(?!e")[^"]*+")*+ ?/?>'
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"' + _OTHER_ATTRIBUTES)
_LETTERS, _DIGITS = string.ascii_uppercase, string.digits
_LETTERS_BYTES, _DIGITS_BYTES = _LETTERS.encode(), _DIGITS.encode()
# A cell's start tag in another form: "<c" followed by other white space, ">" or "/", or with a namespace prefix
# (or text that looks like one). Every other cell's start tag begins "<c ".
_OTHER_CELL_TAG = re.compile(rb"<c[\t\n\r\f\v/>]")
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")
# A text of only spaces (or other white space): calamine reads it as no value, openpyxl (and Excel) as the text.
_BLANK_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>\s+</(?:\w+:)?t>")
_PLAIN_BLANK_TEXT = re.compile(rb"<t(?:\s[^>]*)?>\s+</t>")  # the same without namespace prefixes
# The sheet's dimension, as every spreadsheet program writes it before the cells: the last column and row it claims.
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([1-9][0-9]{0,6})"')
_LAST_ROW_OF_CELL = re.compile(rb'<c r="[A-Z]{1,3}([1-9][0-9]{0,6})"')  # matched at a cell's start tag

# The shared strings' start tag (any namespace prefix; a quoted value may hold ">"), and the count of distinct
# strings it claims, as Excel, openpyxl, XlsxWriter and LibreOffice write it. Each string takes at least "<si/>".
_SST_TAG = re.compile(rb"""<(?:[\w.-]+:)?sst(\s(?:[^>"']|"[^"]*"|'[^']*')*)?/?>""")
_UNIQUE_COUNT = re.compile(rb' uniqueCount="([0-9]{1,10})"')
_SHORTEST_STRING = len(b"<si/>")

# calamine holds a sheet as one dense block from its first to its last cell, and ends the process when it
# cannot: beyond this many cells (or this many bytes of XML) the file is left to openpyxl, which streams
# rows and stops at the bounds.
MAX_DENSE_CELLS = 400_000
MAX_SCANNED_BYTES = 16 * 2**20


def _shared_strings_unread(archive: zipfile.ZipFile) -> bool:
    """Whether calamine must not read the workbook for its shared strings: they hold a text of only white space (see
    :data:`_BLANK_TEXT`), or their count is not written as :data:`_SHARED_STRINGS_START` matches it, or it claims
    more strings than the part could hold (calamine makes room for the count claimed before it reads a string, and
    ends the process when it cannot)."""
    name = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None or archive.getinfo(name).file_size > MAX_SCANNED_BYTES:
        return name is not None  # too large to scan: openpyxl reads it
    xml = archive.read(name)
    if _blank_text(xml):
        return True
    starts = _SST_TAG.findall(xml)
    if len(starts) != 1:  # no string table, or more than one: not as a spreadsheet program writes it
        return True
    if b"uniqueCount" not in starts[0]:
        return False
    counts = _UNIQUE_COUNT.findall(starts[0])
    return len(counts) != 1 or starts[0].count(b"uniqueCount") != 1 or int(counts[0]) > len(xml) // _SHORTEST_STRING


def _blank_text(xml: bytes) -> bool:
    """Whether XML holds a text element of only white space (:data:`_BLANK_TEXT`): searched for first without
    namespace prefixes, a search that starts from the plain text ``<t`` and so runs several times faster; the full
    pattern only where a prefixed name could be one (``:t``)."""
    if _PLAIN_BLANK_TEXT.search(xml) is not None:
        return True
    return b":t" in xml and _BLANK_TEXT.search(xml) is not None


def _scan(archive: zipfile.ZipFile, member: str, max_row: int, max_col: int) -> int | None:
    """Scan a sheet's XML for where its cells are: the last row holding a cell within the bounds (0 for none), or
    None when calamine should not read the sheet.

    calamine is left out when a cell's start tag is not written as :data:`_CELL_REF` matches it (its reference
    missing, in another form or given twice, which calamine would read differently from this scan, or the cell
    holds an Excel error value, which calamine reads as blank and openpyxl as the error's text), when a cell has a
    namespace prefix, when a cell holds a text of only white space (calamine reads no value), when the sheet's
    cells span more than :data:`MAX_DENSE_CELLS` cells, or when its XML is larger than :data:`MAX_SCANNED_BYTES`.

    Where the sheet's dimension claims where its cells end, one search shows whether every cell is written in that
    form and within the claim (:func:`_outside`); each cell is looked at on its own only where one is not.
    """
    if archive.getinfo(member).file_size > MAX_SCANNED_BYTES:
        return None
    xml = archive.read(member)
    if _blank_text(xml) or _PREFIXED_CELL_TAG.search(xml) is not None:
        return None
    claim = _DIMENSION.search(xml, 0, max(xml.find(b"<sheetData"), 0))
    if claim is not None:
        last = _last_row_within_claim(xml, claim[1].decode(), claim[2].decode(), max_row, max_col)
        if last is not None:
            return last
    return _last_row_of_each_cell(xml, max_row, max_col)


def _last_row_within_claim(xml: bytes, letters: str, digits: str, max_row: int, max_col: int) -> int | None:
    """The last row holding a cell within the bounds, where every cell's start tag is in Excel's form and within
    the dimension's claim (from A1 to its last cell, a span calamine can hold); else None."""
    last_column, last_row = column_index(letters), int(digits)
    if last_column * last_row > MAX_DENSE_CELLS or _outside(letters, digits).search(xml) is not None:
        return None
    if last_column <= max_col and last_row <= max_row:  # every cell within the bounds: the last one's row, if claimed
        start = xml.rfind(b'<c r="')
        if start < 0:
            return 0  # no cell at all
        found = _LAST_ROW_OF_CELL.match(xml, start)
        if found is not None and int(found[1]) == last_row:
            return last_row
    columns, rows = min(last_column, max_col), min(last_row, max_row)
    return max(map(int, set(_within(column_letter(columns), str(rows)).findall(xml))), default=0)


@functools.lru_cache(maxsize=64)
def _outside(letters: str, digits: str) -> re.Pattern[bytes]:
    """A cell's start tag not written as :data:`_CELL_REF` matches it, or beyond the given last column and row."""
    columns, rows = _reference_at_most(letters, digits)
    reference = (columns + rows).encode()
    return re.compile(rb'<c(?:[\t\n\r\f\v/>]| (?!r="' + reference + rb'"' + _OTHER_ATTRIBUTES + rb"))")


@functools.lru_cache(maxsize=64)
def _within(letters: str, digits: str) -> re.Pattern[bytes]:
    """A cell's start tag within the given last column and row, its row number taken."""
    columns, rows = _reference_at_most(letters, digits)
    return re.compile(f'<c r="{columns}({rows})"'.encode())


def _reference_at_most(letters: str, digits: str) -> tuple[str, str]:
    """The patterns of a reference's columns up to ``letters`` and of its rows up to ``digits``."""
    return _at_most(letters, _LETTERS, _LETTERS), _at_most(digits, _DIGITS[1:], _DIGITS)


def _at_most(limit: str, first: str, rest: str) -> str:
    """A pattern for the texts that stand for at most ``limit``, written as row numbers are (digits, the first not
    0) or column letters (A to Z): a shorter text stands for less, and one as long for less where it sorts first."""

    def among(characters: str) -> str:
        return characters if len(characters) == 1 else f"[{characters[0]}-{characters[-1]}]"

    def any_of(count: int) -> str:
        return "" if count == 0 else among(rest) + (f"{{{count}}}" if count > 1 else "")

    size = len(limit)
    shorter = [among(first) + (among(rest) + f"{{0,{size - 2}}}" if size > 2 else "")] if size > 1 else []
    as_long = []
    for place, character in enumerate(limit):
        alphabet = first if place == 0 else rest
        lower = alphabet[: alphabet.index(character)]
        if lower:
            as_long.append(limit[:place] + among(lower) + any_of(size - place - 1))
    return "(?:" + "|".join((*shorter, *as_long, limit)) + ")"


def _last_row_of_each_cell(xml: bytes, max_row: int, max_col: int) -> int | None:
    """The last row holding a cell within the bounds, from each cell's reference; None as :func:`_scan` says."""
    if _OTHER_CELL_TAG.search(xml) is not None:
        return None
    references = _CELL_REF.findall(xml)
    if len(references) != xml.count(b"<c "):
        return None
    if not references:
        return 0
    # Each distinct row number and column, taken from all the references at once (bytes' own loops, not Python's).
    joined = b" ".join(references)
    rows = {text: int(text) for text in set(joined.translate(None, _LETTERS_BYTES).split())}
    columns = {
        letters: column_index(letters.decode()) for letters in set(joined.translate(None, _DIGITS_BYTES).split())
    }
    first_row, last_row = min(rows.values()), max(rows.values())
    first_column, last_column = min(columns.values()), max(columns.values())
    if (last_row - first_row + 1) * (last_column - first_column + 1) > MAX_DENSE_CELLS:
        return None
    if last_column <= max_col:  # every cell within the bounds' columns: the last row within them
        return last_row if last_row <= max_row else max((row for row in rows.values() if row <= max_row), default=0)
    # The last row within the bounds' rows that has a cell within their columns, looked for from the end.
    within = [letters for letters, column in columns.items() if column <= max_col]
    cells = set(references)
    ends = sorted(((row, text) for text, row in rows.items() if row <= max_row), reverse=True)
    return next((row for row, text in ends if any(letters + text in cells for letters in within)), 0)


def _calamine_values(path: Path, bounds: Bounds, last_rows: Mapping[str, int]) -> Values:
    """The values within ``bounds`` of the given sheets, read by python-calamine, as openpyxl gives them (each sheet
    as far as its last row holding a cell within the bounds, as the scan found it).

    A whole number is an ``int`` (a number written without a decimal point, as Excel writes them); a date
    with no time is a ``datetime`` at midnight; an empty text is no value.
    """
    from python_calamine import CalamineWorkbook  # compiled: absent where only pure Python runs (Pyodide)

    values: Values = {}
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        for name, (max_row, max_col) in bounds.items():
            if not last_rows[name]:
                continue  # no cell within the bounds
            sheet = workbook.get_sheet_by_name(name)
            first_row, first_col = sheet.start or (0, 0)
            if first_row >= max_row or first_col >= max_col:
                continue
            rows = sheet.to_python(skip_empty_area=True, nrows=max_row - first_row)
            for row_number, row in enumerate(rows, start=first_row + 1):
                for key, value in zip(_cell_keys(name, first_col + 1, max_col, row_number), row, strict=False):
                    if type(value) is str:  # the common kinds first, without a further call
                        if not value:
                            continue  # an empty cell (calamine gives every cell of the block)
                        if len(value) > MAX_CELL_CHARS:
                            raise _too_long(value, name, key[1])
                        values[key] = value
                    elif type(value) is float:
                        whole = value.is_integer() and abs(value) < _EXACT_INTEGERS
                        values[key] = int(value) if whole else value  # as openpyxl reads it
                    else:
                        values[key] = _as_openpyxl(value, name, key[1])
    finally:
        workbook.close()
    return values


@functools.lru_cache(maxsize=4096)
def _cell_keys(sheet: str, first_column: int, last_column: int, row: int) -> tuple[tuple[str, str], ...]:
    """The keys of a row's cells from one column to another, made once for every file read in a process."""
    number = str(row)
    return tuple((sheet, column_letter(column) + number) for column in range(first_column, last_column + 1))


def _as_openpyxl(value: object, sheet: str, reference: str) -> object:
    """A value as calamine gives it, turned into what openpyxl gives for the same cell."""
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            raise _too_long(value, sheet, reference)
        return value
    if type(value) is dt.date:
        return dt.datetime.combine(value, dt.time())
    return value


_EXACT_INTEGERS = 2.0**53  # every whole float below this is an exact integer


def _too_long(value: str, sheet: str, reference: str) -> BcfInputError:
    return BcfInputError(
        Location(sheet=sheet, cell=reference),
        f"holds {len(value):,} characters of text, more than the {MAX_CELL_CHARS:,} a cell may hold",
        show_got=False,
    )


def _refuse_charts(charts: list[str], bounds: Bounds) -> None:
    """Refuse a workbook where a sheet bcf-xl reads cells from is a chart sheet."""
    for name in charts:
        if name in bounds:
            raise BcfInputError(
                Location(sheet=name), "is a chart sheet, not a worksheet of cells as bcf-xl expects", show_got=False
            )


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
        value = self.values.get((sheet, cell))
        if type(value) is str:  # the common case first
            return value.strip()
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
        value = self.values.get((sheet, cell))
        try:
            amount = parse_amount(value)  # a finding below names the cell and the field, with the rule broken
        except BcfInputError as exc:
            self.error(sheet, cell, f"{what}: {exc.rule} (got {shown(value)})")
            return ZERO if required else None
        if amount is None and required:
            self.error(sheet, cell, f"{what}: a number is required (got a blank)")
            return ZERO
        return amount

    def choice(self, sheet: str, cell: str, what: str, enum: type[E]) -> E | None:
        """The member of a closed list whose words the cell holds (any case), or a finding."""
        members: Mapping[str, E] = _members(enum)
        member = members.get(self.text(sheet, cell).casefold())
        if member is not None:
            return member
        words = ", ".join(m.value for m in enum)
        self.error(sheet, cell, f"{what}: must be one of {words} (got {shown(self.raw(sheet, cell))})")
        return None


@functools.cache
def _members(enum: type[E]) -> Mapping[str, E]:
    """A closed list's members by their words in any case (the first member where two read alike)."""
    found: dict[str, E] = {}
    for member in enum:
        found.setdefault(member.value.casefold(), member)
    return MappingProxyType(found)


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
    the officer sees. A value that reads as its field needs is taken straight from the cell values; only a
    value that does not goes through the :class:`CellReader`, which records the finding.
    """

    __slots__ = ("_columns", "_number", "_values", "cells", "row", "sheet", "table")

    def __init__(self, cells: CellReader, table: Table, row: int) -> None:
        self.cells, self.table, self.row, self.sheet = cells, table, row, table.sheet
        self._columns, self._number = table.columns, str(row)  # each field's cell without a call per field
        self._values = cells.values

    def ref(self, key: str) -> str:
        """The cell of a field on this row, e.g. ``K12``."""
        return self._columns[key] + self._number

    def raw(self, key: str) -> object:
        return self._values.get((self.sheet, self._columns[key] + self._number))

    def text(self, key: str) -> str:
        cell = self._columns[key] + self._number
        value = self._values.get((self.sheet, cell))
        if type(value) is str:  # the common case, as CellReader.text reads it
            return value.strip()
        return self.cells.text(self.sheet, cell)

    def texts(self, keys: Sequence[str]) -> list[str]:
        """The text of each of the fields ``keys``, as :meth:`text` reads each (in one call for them all)."""
        columns, number, values, sheet = self._columns, self._number, self._values, self.sheet
        found = []
        for key in keys:
            cell = columns[key] + number
            value = values.get((sheet, cell))
            found.append(value.strip() if type(value) is str else self.cells.text(sheet, cell))
        return found

    def amount(self, key: str, *, required: bool = False) -> Decimal | None:
        cell = self._columns[key] + self._number
        value = self._values.get((self.sheet, cell))
        if value is None:
            if not required:
                return None  # a blank optional amount, the common case: no field label needed
        else:
            try:
                amount = parse_amount(value)
            except BcfInputError:
                amount = None  # read again below, which records the finding
            else:
                if amount is not None or not required:
                    return amount
        return self.cells.amount(self.sheet, cell, self.table.field(key).label, required=required)

    def amounts(self, stem: str, years: int) -> tuple[Decimal, ...]:
        """A required amount per plan year (``amount1``, ``amount2``...); a bad or blank one reads as 0, a finding."""
        return tuple(self.amount(key, required=True) or ZERO for key in _year_keys(stem, years))

    def optional_amounts(self, stem: str, years: int) -> tuple[Decimal | None, ...]:
        return tuple(self.amount(key) for key in _year_keys(stem, years))

    def choice(self, key: str, enum: type[E]) -> E | None:
        cell = self._columns[key] + self._number
        value = self._values.get((self.sheet, cell))
        if type(value) is str:  # the common case: the words of a member, as CellReader.choice reads them
            member: E | None = _members(enum).get(value.strip().casefold())
            if member is not None:
                return member
        return self.cells.choice(self.sheet, cell, self.table.field(key).label, enum)

    def error(self, key: str, message: str) -> None:
        self.cells.error(self.sheet, self.ref(key), message)

    def record(self, key: str, make: Callable[..., T], *args: Any, **named: Any) -> T | None:
        """Construct a record from this row; a validation error becomes a finding at the field ``key``."""
        return build_record(self.cells, self.sheet, self.ref(key), make, *args, **named)


@functools.cache
def _year_keys(stem: str, years: int) -> tuple[str, ...]:
    """The keys of a field's amount per plan year: ``amount1``, ``amount2``..."""
    return tuple(f"{stem}{i + 1}" for i in range(years))


def table_rows(cells: CellReader, table: Table) -> Iterator[RowCells]:
    """Each data row whose first field (the record's ID) holds something, noted as where that record came from.

    A row that holds other input values under a blank ID is a finding at its ID cell.
    """
    first = table.columns[table.fields[0].key]
    sheet, values = table.sheet, cells.values
    inputs = tuple(table.columns[f.key] for f in table.fields if not f.computed)  # the columns an officer types in
    for row in table.data_rows:
        number = str(row)
        value = values.get((sheet, first + number))
        ident = value.strip() if type(value) is str else "" if value is None else cells.text(sheet, first + number)
        if not ident:
            if _holds_any(values, _row_keys(sheet, inputs, number)):
                cells.error(
                    table.sheet,
                    first + number,
                    f"{table.fields[0].header}: is required on a row that holds other values (got a blank)",
                )
            continue
        cells.origins.add(table.record, ident, row)
        yield RowCells(cells, table, row)


@functools.cache
def _row_keys(sheet: str, columns: tuple[str, ...], number: str) -> tuple[tuple[str, str], ...]:
    """The keys of the cells of the given columns on a row, made once for every file read in a process."""
    return tuple((sheet, column + number) for column in columns)


def _holds_any(values: Values, keys: tuple[tuple[str, str], ...]) -> bool:
    """Whether any of the cells of the given keys holds a value (an empty text is none)."""
    if values.keys().isdisjoint(keys):
        return False  # none of them is so much as present: the common case, an empty row, in one step
    for key in keys:
        value = values.get(key)
        if value is not None and value != "":
            return True
    return False
