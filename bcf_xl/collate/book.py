"""Write the collated workbook with XlsxWriter, through the workbook toolkit.

A Dashboard sheet first (native Excel charts of income by source and spend by scheme type across areas,
and a count of RAG ratings per metric, each drawn from a small table on the same sheet), then one sheet per
collated table (:mod:`bcf_xl.collate.tables`) with its header row frozen and a filter on it. Every cell
reference comes from a toolkit :class:`~bcf_xl.workbook.tables.Table`; text from the files is written as
text, never as a formula, its control characters shown escaped.

What each cell costs is kept small, as the workbook holds a cell for every figure of every file: the
workbook's default cell style is the look's base (Arial 10, top-aligned), so a text cell needs no format of
its own; a blank value writes no cell at all; and the workbook is assembled in memory, not through temporary
files.

:class:`CollatedBook` writes it while the files are read: each file's own rows (Income, Expenditure, Metrics,
Findings) go into their sheets as soon as the file is read, so that writing is done while the other files are
still being read, and only the sheets that need every file (Areas, Totals, the Dashboard) and the saving are left
for the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bcf_xl.collate.returns import SCHEME_TYPE, AreaReturn, Row
from bcf_xl.collate.tables import ORDER, Sheet, per_file
from bcf_xl.files import write_atomically
from bcf_xl.metrics import Rag
from bcf_xl.money import ZERO
from bcf_xl.workbook.formats import PLANNING, Style, number_format
from bcf_xl.workbook.tables import MONEY, WHOLE, Field, Table, quote
from bcf_xl.workbook.to_xlsxwriter import CellsAside, Formats, properties, put, put_rows, serialise_aside

DASHBOARD = "Dashboard"
_LOOK = PLANNING
_CHART_ROW, _CHART_HEIGHT_ROWS = 2, 22  # charts sit from the third row; their data tables below them
_CHART_COLUMNS = 9  # each chart is about this many default columns wide
_MOST_CATEGORIES = 60  # a chart shows at most this many areas or metrics (its table holds them all)
#: The sheets whose cells are serialised in a forked process once every file is added (:meth:`CollatedBook.seal`):
#: the largest, about as long to serialise as all that is left to this process by then.
ASIDE = ("Expenditure",)


def _options() -> dict[str, object]:
    """The workbook's options, made afresh for each workbook (XlsxWriter adds to the default format's properties
    it is given, which would change the next workbook's default font): text is kept as text (never a formula or a
    link); a number no cell can hold becomes an error value; a cell in the look's base style needs no format of
    its own; every part is made in memory (no temporary files)."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "nan_inf_to_errors": True,
        "default_format_properties": properties(_LOOK.base),
        "in_memory": True,
    }


@dataclass(frozen=True)
class _Block:
    """A dashboard table behind one chart: categories down its first column, a series per other column."""

    title: str
    chart: str  # XlsxWriter chart type
    table: Table
    rows: tuple[Row, ...]


@dataclass
class _Stream:
    """A sheet written a file at a time: its file's rows, each column's format, and the next row to write."""

    sheet: Worksheet
    rows: Callable[[AreaReturn], tuple[Row, ...]]
    formats: list[Format | None]
    next_row: int


class CollatedBook:
    """The collated workbook, written as the files are read.

    :meth:`add` writes one file's own rows (Income, Expenditure, Metrics and Findings) under those already
    written, in the order the files are added; :meth:`close` writes what needs every file (the Areas and
    Totals sheets and the Dashboard) and saves the workbook. The sheets are in the workbook's order whatever
    the order of writing.
    """

    def __init__(self, path: Path, years: Sequence[str], *, aside: bool = True) -> None:
        """Start the workbook at ``path`` (it is saved there by :meth:`close`), with Expenditure's amount columns
        for ``years`` (:func:`~bcf_xl.collate.returns.plan_years`); ``aside``: serialise the :data:`ASIDE` sheets'
        cells in a forked process once every file is added (where forking is possible)."""
        self._aside = aside
        self._serialised: CellsAside | None = None
        self._sealed = False
        self._book = Workbook(str(path), _options())
        self._formats = Formats(self._book)
        self._dashboard = self._book.add_worksheet(DASHBOARD)
        self._sheets = {name: self._book.add_worksheet(name) for name in ORDER}
        self._streams: dict[str, _Stream] = {}
        for name, fields, rows in per_file(years):
            sheet = self._sheets[name]
            formats = _begin(sheet, Table(name, name, 1, 0, fields), self._formats)
            self._streams[name] = _Stream(sheet, rows, formats, 2)

    def __enter__(self) -> CollatedBook:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._serialised is not None:
            self._serialised.end()

    @property
    def aside(self) -> CellsAside | None:
        """The :data:`ASIDE` sheets' cells being serialised in a forked process, from :meth:`seal` on (None when
        they are not: not sealed, not asked, or no forking here)."""
        return self._serialised

    def add(self, area: AreaReturn) -> None:
        """Write one file's rows under the rows of the files added before it.

        Raises:
            ValueError: the book is sealed (a fault of bcf-xl).
        """
        if self._sealed:
            raise ValueError("no file can be added to a sealed collated workbook")
        for stream in self._streams.values():
            stream.next_row = put_rows(stream.sheet, stream.next_row, 1, stream.rows(area), stream.formats, escape=True)

    def seal(self) -> None:
        """Every file is added: the file-by-file sheets take no more rows.

        Each format made so far is given its index in the workbook's styles, and the :data:`ASIDE` sheets' cells
        start being serialised in a forked process, on the core the readers no longer need, while this process
        writes the sheets that need every file and saves (:meth:`close`). The workbook is the same either way.
        """
        if self._sealed:
            return
        self._sealed = True
        self._formats.fix_indexes()
        if self._aside:
            self._serialised = serialise_aside(self._book, [self._sheets[name] for name in ASIDE])

    def close(self, tables: Sequence[Sheet], returns: Sequence[AreaReturn]) -> None:
        """Write the sheets that need every file and save the workbook.

        Args:
            tables: the collated tables of the files added (those already written are not written again).
            returns: every file added, in order (for the Dashboard).

        Raises:
            ValueError: a table written file by file does not hold the rows of ``tables`` (a fault of bcf-xl).
        """
        self.seal()
        for table in tables:
            sheet = self._sheets[table.name]
            stream = self._streams.get(table.name)
            if stream is None:
                _write_table(
                    sheet, Table(table.name, table.name, 1, len(table.rows), table.fields), table.rows, self._formats
                )
            elif stream.next_row - 2 != len(table.rows):
                raise ValueError(f"{table.name}: {stream.next_row - 2} rows written for {len(table.rows)} collated")
            else:
                _end(sheet, Table(table.name, table.name, 1, len(table.rows), table.fields))
        _write_dashboard(self._book, self._dashboard, returns, self._formats)
        if self._serialised is not None:
            with self._serialised:
                self._serialised.place()
                self._book.close()
        else:
            self._book.close()


def write_book(
    path: Path, tables: Sequence[Sheet], returns: Sequence[AreaReturn], years: Sequence[str], *, overwrite: bool
) -> None:
    """Write the collated workbook to ``path`` (atomically; an existing file only with ``overwrite``), with
    Expenditure's amount columns for ``years``.

    Raises:
        BcfInputError: the file exists (and not ``overwrite``) or cannot be written.
    """
    write_atomically(path, lambda temporary: _write(temporary, tables, returns, years), overwrite=overwrite)


def _write(path: Path, tables: Sequence[Sheet], returns: Sequence[AreaReturn], years: Sequence[str]) -> None:
    with CollatedBook(path, years, aside=(os.cpu_count() or 1) > 1) as book:
        for area in returns:
            book.add(area)
        book.close(tables, returns)


def _style(field: Field) -> Style:
    return _LOOK.base.but(number_format=number_format(field.kind))


def _begin(sheet: Worksheet, table: Table, formats: Formats) -> list[Format | None]:
    """A table's header row and column widths; its header frozen when it is the sheet's first row. Each column's
    cell format (None: the workbook's default, the look's base)."""
    header = formats[_LOOK.header]
    for field in table.fields:
        put(sheet, table.cell(field.key, table.header_row), field.header, header)
        column = table.columns[field.key]
        sheet.set_column(f"{column}:{column}", field.width)
    if table.header_row == 1:
        sheet.freeze_panes(1, 0)
    return [None if _style(field) == _LOOK.base else formats[_style(field)] for field in table.fields]


def _end(sheet: Worksheet, table: Table) -> None:
    """A filter on a table's header row over its rows."""
    last = table.data_rows[-1] if table.rows else table.header_row
    first_key, last_key = table.fields[0].key, table.fields[-1].key
    sheet.autofilter(f"{table.cell(first_key, table.header_row)}:{table.cell(last_key, last)}")


def _write_table(
    sheet: Worksheet, table: Table, rows: Sequence[Row], formats: Formats, *, filtered: bool = True
) -> None:
    """A header row and the rows under it, each column in its field's format and width."""
    cell_formats = _begin(sheet, table, formats)
    if len(rows) != table.rows:
        raise ValueError(f"{table.name}: {len(rows)} rows for a table of {table.rows}")
    put_rows(sheet, table.data_rows.start, table.first_column, rows, cell_formats, escape=True)
    if filtered:
        _end(sheet, table)


def _write_dashboard(book: Workbook, sheet: Worksheet, returns: Sequence[AreaReturn], formats: Formats) -> None:
    title = Table(DASHBOARD, "title", 1, 0, (Field("title", "Better Care Fund: the areas collated", width=30),))
    put(sheet, title.cell("title", 1), title.fields[0].header, formats[_LOOK.title])
    for index, block in enumerate(_blocks(returns, _CHART_ROW + _CHART_HEIGHT_ROWS + 2)):
        _write_table(sheet, block.table, block.rows, formats, filtered=False)
        if block.rows:
            sheet.insert_chart(_CHART_ROW - 1, index * _CHART_COLUMNS, _chart(book, block))


def _blocks(returns: Sequence[AreaReturn], top: int) -> list[_Block]:
    """The three tables behind the charts, side by side from row ``top``."""
    read = [r for r in returns if r.read]
    income: dict[str, dict[str, Decimal]] = {}
    spend: dict[str, dict[str, Decimal]] = {}
    rags: dict[str, dict[str, int]] = {}
    for r in read:
        label = _label(r)
        for row in r.income:
            kind, amount = str(row[4]), row[7]
            if isinstance(amount, Decimal):
                income.setdefault(label, {})[kind] = income.get(label, {}).get(kind, ZERO) + amount
        for _area, _file, _template, _year, view, category, amount in r.totals:
            if view == SCHEME_TYPE:
                spend.setdefault(label, {})[category] = spend.get(label, {}).get(category, ZERO) + amount
        for row in r.metrics:
            metric, rag = str(row[3]), str(row[10])
            rags.setdefault(metric, {})[rag] = rags.get(metric, {}).get(rag, 0) + 1
    rag_words = [rag.value for rag in Rag]
    parts: tuple[tuple[str, str, str, Mapping[str, Mapping[str, object]], str], ...] = (
        ("Income by funding source, all plan years", "column", "Area", income, MONEY),
        ("Planned expenditure by scheme type, all plan years", "bar", "Area", spend, MONEY),
        ("RAG ratings per metric", "column", "Metric", rags, WHOLE),
    )
    blocks = []
    column = 1
    for number, (chart_title, chart, first, data, kind) in enumerate(parts):
        series = rag_words if kind == WHOLE else list(dict.fromkeys(k for values in data.values() for k in values))
        fields = (
            Field("category", first, width=28),
            *(Field(f"series{i}", name, kind, width=16) for i, name in enumerate(series)),
        )
        table = Table(DASHBOARD, f"chart{number}", top, len(data), fields, first_column=column)
        rows = tuple(
            (label, *(values.get(name, 0 if kind == WHOLE else None) for name in series))
            for label, values in data.items()
        )
        blocks.append(_Block(chart_title, chart, table, rows))
        column += len(fields) + 1
    return blocks


def _label(r: AreaReturn) -> str:
    """An area as a chart names it: its name and template year (a file that names no area, by its file)."""
    return f"{r.area or r.file} {r.year}".strip()


def _chart(book: Workbook, block: _Block) -> object:
    """A native stacked chart of a dashboard table: a series per column, the first column as categories."""
    chart = book.add_chart({"type": block.chart, "subtype": "stacked"})
    table = block.table
    shown = min(table.rows, _MOST_CATEGORIES)
    first, last = table.data_rows[0], table.data_rows[0] + shown - 1
    categories = _span(table, table.fields[0].key, first, last)
    for field in table.fields[1:]:
        chart.add_series(
            {
                "name": [table.sheet, table.header_row - 1, table.first_column - 1 + table.fields.index(field)],
                "categories": categories,
                "values": _span(table, field.key, first, last),
            }
        )
    suffix = f" (first {shown} of {table.rows})" if shown < table.rows else ""
    chart.set_title({"name": block.title + suffix})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 420})
    return chart


def _span(table: Table, key: str, first: int, last: int) -> str:
    """A column of a table from row ``first`` to ``last`` as a chart's range, e.g. ``=Dashboard!$B$27:$B$40``."""
    column = table.columns[key]
    return f"={quote(table.sheet)}!${column}${first}:${column}${last}"
