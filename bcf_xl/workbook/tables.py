"""The one layout vocabulary every bcf-xl workbook is declared with: kinds of field, fields, tables and lines.

A :class:`Table` is a header row and a fixed number of data rows of :class:`Field` columns. A table
that holds records says which kind (``record``, e.g. ``"scheme"``); each of its fields is a field of
that record, named by its key, where a trailing digit is the plan year (``amount1`` is the first
year's ``amounts``) and ``aliases`` map a key's stem to the record's field name where they differ.
From that a table gives the :class:`~bcf_xl.workbook.placement.TablePlace` that places findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from bcf_xl.workbook.placement import FieldKey, TablePlace
from bcf_xl.workbook.references import column_letter

# Kinds of field: how a cell is formatted, validated and read.
TEXT, MONEY, SIGNED_MONEY, SHARE, WHOLE, NUMBER, CHOICE, RATE = (
    "text",
    "money",
    "signed money",
    "share",
    "whole",
    "number",
    "choice",
    "rate",
)


@dataclass(frozen=True, slots=True)
class Field:
    """One column of an input table, or one single input cell."""

    key: str
    header: str
    kind: str = TEXT
    choices: str | None = None  # the name of a list on the Lists sheet
    width: float = 16
    required: bool = False
    computed: bool = False  # a grey formula cell, not an input

    @property
    def label(self) -> str:
        """The field as a message names it: its header without the unit or note in brackets."""
        return self.header.split(" (", 1)[0]


@dataclass(frozen=True)
class Table:
    """An input table: a header row, then ``rows`` data rows of ``fields`` from column ``first_column``."""

    sheet: str
    name: str
    header_row: int
    rows: int
    fields: tuple[Field, ...]
    first_column: int = 1
    record: str = ""
    aliases: tuple[tuple[str, str], ...] = ()

    @cached_property
    def columns(self) -> Mapping[str, str]:
        return MappingProxyType({f.key: column_letter(self.first_column + i) for i, f in enumerate(self.fields)})

    @property
    def data_rows(self) -> range:
        return range(self.header_row + 1, self.header_row + 1 + self.rows)

    def cell(self, key: str, row: int) -> str:
        return f"{self.columns[key]}{row}"

    def span(self, key: str, *, sheet: bool = True) -> str:
        """The absolute reference of one column's data cells, e.g. ``Schemes!$K$4:$K$203``."""
        column, rows = self.columns[key], self.data_rows
        prefix = f"{quote(self.sheet)}!" if sheet else ""
        return f"{prefix}${column}${rows[0]}:${column}${rows[-1]}"

    @property
    def last_column(self) -> str:
        return column_letter(self.first_column + len(self.fields) - 1)

    @cached_property
    def _fields(self) -> Mapping[str, Field]:
        return MappingProxyType({f.key: f for f in self.fields})

    def field(self, key: str) -> Field:
        return self._fields[key]

    def place(self) -> TablePlace:
        """Where this table's records and their fields are, for placing findings on them."""
        aliases = dict(self.aliases)
        columns: dict[FieldKey, str] = {}
        for f in self.fields:
            match = _PER_YEAR.fullmatch(f.key)
            stem, year = (match.group(1), int(match.group(2)) - 1) if match else (f.key, None)
            columns[(aliases.get(stem, stem), year)] = self.columns[f.key]
        return TablePlace(self.record, self.sheet, self.columns[self.fields[0].key], MappingProxyType(columns))


@dataclass(frozen=True)
class Lines:
    """Lines down a sheet, one a row: a label in ``label_column`` and values in ``columns`` (a year or quarter each).

    ``rows`` names the fixed lines; the lines of a computed view are counted from ``first_row`` as it is written,
    so a line is either its name or its row.
    """

    sheet: str
    label_column: str
    columns: tuple[str, ...] = ()
    rows: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    first_row: int = 0

    def row(self, line: str | int) -> int:
        """The row of a line: a named line's, or the row given."""
        return self.rows[line] if isinstance(line, str) else line

    def label(self, line: str | int) -> str:
        """The cell of a line's label."""
        return f"{self.label_column}{self.row(line)}"

    def cell(self, line: str | int, index: int = 0) -> str:
        """The cell of a line's value in the ``index``-th value column."""
        return f"{self.columns[index]}{self.row(line)}"

    def span(self, index: int, first: int, last: int) -> str:
        """The cells of one value column from row ``first`` to row ``last``, e.g. ``F19:F24``."""
        return f"{self.cell(first, index)}:{self.cell(last, index)}"


def one_a_row(first_row: int, keys: Iterable[str]) -> Mapping[str, int]:
    """Named lines on consecutive rows from ``first_row``."""
    return MappingProxyType({key: first_row + offset for offset, key in enumerate(keys)})


def quote(sheet: str) -> str:
    """A sheet name as formulas need it: quoted when it holds anything but letters, digits and _."""
    return sheet if sheet.replace("_", "").isalnum() else "'" + sheet.replace("'", "''") + "'"


def year_keys(prefix: str, years: int) -> tuple[str, ...]:
    """Per-year field keys: ``amount1``, ``amount2``..."""
    return tuple(f"{prefix}{i + 1}" for i in range(years))


_PER_YEAR = re.compile(r"(.*\D)(\d)")
