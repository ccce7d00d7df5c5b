"""Placing findings on cells: a layout's lookup from what a finding concerns to the cell that holds it.

A finding names a :class:`~bcf_xl.findings.Target` (record kind, ID, field, plan year). A reader
records where each record came from (:class:`Origins`: record kind and ID to the rows that hold
it, in the order read), and a workbook layout declares a :class:`Placement`: for each kind of
record kept in a table, the table's sheet, ID column and the column of each field (per plan year
where it has one); for everything else, the single cell that shows it. Placing a finding is then
a lookup, never a reading of its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bcf_xl.errors import Location
from bcf_xl.findings import Finding, Target

# A field of a record, and the plan year's position for a field kept per year (None otherwise).
FieldKey = tuple[str, int | None]


class Origins:
    """Where each record of a workbook came from: record kind and ID to the rows holding it, in reading order."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], list[int]] = {}

    def add(self, record: str, ident: str, row: int) -> None:
        """Note that ``row`` holds the record ``ident`` of kind ``record``."""
        self._rows.setdefault((record, ident), []).append(row)

    def row(self, record: str, ident: str, occurrence: int = 0) -> int | None:
        """The row of one occurrence of a record (the last one where there are fewer), or None."""
        rows = self._rows.get((record, ident))
        if not rows:
            return None
        return rows[min(occurrence, len(rows) - 1)]

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())


@dataclass(frozen=True)
class TablePlace:
    """Where the records of one kind sit: one a row, the ID in ``id_column``, each field in its column."""

    record: str
    sheet: str
    id_column: str
    columns: Mapping[FieldKey, str]


@dataclass(frozen=True)
class Placement:
    """A layout's lookup from targets to cells."""

    years: tuple[str, ...]
    tables: tuple[TablePlace, ...]
    cells: Mapping[tuple[str, str, int | None], tuple[str, str]] = field(default_factory=dict)

    def locate(self, target: Target, origins: Origins) -> Location | None:
        """The cell that holds what ``target`` concerns, or None where the layout has no cell for it."""
        year = self.years.index(target.year) if target.year in self.years else None
        name = target.field or ""
        if target.ident is not None:
            for table in self.tables:
                if table.record != target.record:
                    continue
                row = origins.row(target.record, target.ident, target.occurrence)
                if row is None:
                    break
                column = table.columns.get((name, year)) or table.columns.get((name, None)) or table.id_column
                return Location(table.sheet, f"{column}{row}", target.label or None, target.ident)
        cell = self.cells.get((target.record, name, year)) or self.cells.get((target.record, name, None))
        if cell is None and year is None:  # about no year in particular: shown at the first year's cell
            cell = self.cells.get((target.record, name, 0))
        if cell is None:
            return None
        return Location(cell[0], cell[1], target.label or None, target.ident)

    def place(self, finding: Finding, origins: Origins) -> Finding:
        """The finding shown at its cell (unchanged where it already has one, or the layout has none)."""
        if finding.location is not None:
            return finding
        return finding.placed(self.locate(finding.target, origins))
