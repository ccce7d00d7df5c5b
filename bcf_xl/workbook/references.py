"""A1 cell references as text and as row and column numbers, without loading a workbook library.

Reading a template needs references (``B12``, ``$A$4:$B$5``) taken apart and put together, and nothing else of
openpyxl, whose package loads the whole library (and numpy) on first import. XlsxWriter's ``utility`` module
does the parsing; these helpers give its results as openpyxl's functions of the same purpose give theirs
(1-based numbers, absolute references, a block row by row), so every reference reads and writes as before.
"""

from __future__ import annotations

import functools
import re

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

#: The control characters a cell's text may not hold (an .xlsx file cannot store them); openpyxl refuses the same.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?([1-9][0-9]*)")


@functools.cache  # called for every cell written: a lookup once known, as openpyxl's own is
def column_letter(index: int) -> str:
    """The letters of a 1-based column number (1 is ``A``, 28 is ``AB``)."""
    if not 1 <= index <= 18_278:
        raise ValueError(f"column {index} is outside A to ZZZ")
    return str(xl_col_to_name(index - 1))


def column_index(letters: str) -> int:
    """The 1-based number of a column's letters (``A`` is 1, ``AB`` is 28)."""
    return cell_position(f"{letters}1")[1]


def cell_position(reference: str) -> tuple[int, int]:
    """The 1-based row and column of one cell's reference, such as ``B12`` or ``$B$12`` (``(12, 2)``).

    Raises:
        ValueError: the text is not a cell reference.
    """
    if _CELL.fullmatch(reference) is None:
        raise ValueError(f"{reference!r} is not a cell reference such as B12")
    row, column = xl_cell_to_rowcol(reference)
    return row + 1, column + 1


def split_cell(reference: str) -> tuple[str, int]:
    """A cell's column letters and row number (``B12`` is ``("B", 12)``).

    Raises:
        ValueError: the text is not a cell reference.
    """
    found = _CELL.fullmatch(reference)
    if found is None:
        raise ValueError(f"{reference!r} is not a cell reference such as B12")
    return found[1], int(found[2])


def absolute(reference: str) -> str:
    """A cell or block reference with every column and row fixed (``B12`` is ``$B$12``, ``A1:B2`` is ``$A$1:$B$2``).

    Raises:
        ValueError: the text is not a cell or block reference.
    """
    return ":".join("${}${}".format(*split_cell(part)) for part in reference.split(":", 1))


def block_rows(reference: str) -> tuple[tuple[str, ...], ...]:
    """Each cell of a block such as ``A4:B5`` (or of one cell), row by row: ``(("A4", "B4"), ("A5", "B5"))``.

    Raises:
        ValueError: the text is not a cell or block reference.
    """
    first, _, last = reference.partition(":")
    first_row, first_column = cell_position(first)
    last_row, last_column = cell_position(last or first)
    letters = [column_letter(c) for c in range(first_column, last_column + 1)]
    return tuple(tuple(f"{column}{row}" for column in letters) for row in range(first_row, last_row + 1))
