"""Write the toolkit's declarations with XlsxWriter (the planning workbook: VBA and buttons)."""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import isfinite
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bcf_xl.errors import Location, one_line
from bcf_xl.workbook.formats import Style
from bcf_xl.workbook.formulas import criterion
from bcf_xl.workbook.references import column_letter
from bcf_xl.workbook.sheets import SheetSetup
from bcf_xl.workbook.text import cell_value
from bcf_xl.workbook.validation import LIST, WHOLE_NUMBER, Validation


def properties(style: Style) -> dict[str, Any]:
    """The XlsxWriter format properties of a style (only those it sets)."""
    props: dict[str, Any] = {}
    for key, value in (
        ("font_name", style.font_name),
        ("font_size", style.size),
        ("bold", style.bold or None),
        ("font_color", style.color and "#" + style.color),
        ("underline", 1 if style.underline else None),
        ("bg_color", style.fill and "#" + style.fill),
        ("border", 1 if style.border else None),
        ("border_color", style.border_color and "#" + style.border_color),
        ("num_format", style.number_format),
        ("locked", None if style.locked else False),
        ("text_wrap", style.wrap or None),
        ("valign", style.valign),
    ):
        if value is not None:
            props[key] = value
    return props


class Formats:
    """One XlsxWriter format per style, made on first use."""

    def __init__(self, book: Workbook) -> None:
        self._book = book
        self._made: dict[Style, Format] = {}

    def __getitem__(self, style: Style) -> Format:
        if style not in self._made:
            self._made[style] = self._book.add_format(properties(style))
        return self._made[style]

    def fix_indexes(self) -> None:
        """Give each format made so far its index in the workbook's styles now, in the order made.

        XlsxWriter gives a format its index when a cell using it is first serialised, inside ``close()``; cells
        serialised before (:func:`serialise_aside`) need theirs fixed beforehand, and the whole workbook then has
        the same indexes however its cells are serialised. Should an XlsxWriter release lack ``_get_xf_index``,
        nothing is fixed (and :func:`serialise_aside` then serialises nothing aside).
        """
        for made in self._made.values():
            give = getattr(made, "_get_xf_index", None)
            if give is not None:
                give()


def put(sheet: Worksheet, ref: str, value: object, cell_format: Format) -> None:
    """Write a plan value: text always as text (never a formula), numbers as numbers, a blank as a formatted blank.

    Raises:
        BcfInputError: text a workbook cannot store, named at its cell.
    """
    held = cell_value(value, Location(sheet=sheet.name, cell=ref))
    if held is None:
        sheet.write_blank(ref, None, cell_format)
    elif isinstance(held, str):
        sheet.write_string(ref, held, cell_format)
    else:
        sheet.write_number(ref, held, cell_format)


def _cell_writers(sheet: Worksheet) -> tuple[Callable[..., object], Callable[..., object]]:
    """The sheet's writers of a string and of a number for cells addressed by number.

    XlsxWriter's public ``write_string`` and ``write_number`` each pass through a wrapper that also takes
    ``"A1"`` names; the undecorated methods they call (``_write_string``, ``_write_number``, which XlsxWriter's
    own ``write`` calls too) skip it, a measurable part of writing a long table. Should a release drop them,
    the public methods serve.
    """
    return (
        getattr(sheet, "_write_string", sheet.write_string),
        getattr(sheet, "_write_number", sheet.write_number),
    )


@dataclass(frozen=True)
class _Cells:
    """A worksheet's table of cells, as XlsxWriter 3.3 keeps it, to put a row's common cells in at once.

    XlsxWriter's ``_write_string`` and ``_write_number`` each check the cell's place and widen the sheet's used
    range (``_check_dimensions``), take a string's index in the shared strings (``_get_shared_string_index``) and
    store a ``String`` or ``Number`` tuple of the value (or string's index) and format in ``table[row][col]``.
    For a row of short printable text and finite numbers this does the same once a row: its place is checked
    before, its strings take their indexes in column order, its cells are stored together and the used range is
    widened to its first and last cell. Whatever else (long text, text to escape, other values) takes
    XlsxWriter's own methods, in its column's turn.
    """

    rows: Mapping[int, dict[int, object]]
    string_index: Callable[[str], int]
    check: Callable[..., int]
    string: type[tuple[object, ...]]
    number: type[tuple[object, ...]]

    @staticmethod
    def of(sheet: Worksheet) -> _Cells | None:
        """The sheet's cells, or None where XlsxWriter keeps them otherwise (another release, or the constant
        memory mode, which writes each row out as the next begins)."""
        from xlsxwriter import worksheet

        rows = getattr(sheet, "table", None)
        string_index = getattr(getattr(sheet, "str_table", None), "_get_shared_string_index", None)
        check = getattr(sheet, "_check_dimensions", None)
        string, number = getattr(worksheet, "CellStringTuple", None), getattr(worksheet, "CellNumberTuple", None)
        if (
            getattr(sheet, "constant_memory", True)
            or not isinstance(rows, defaultdict)
            or string_index is None
            or check is None
            or not (isinstance(string, type) and issubclass(string, tuple))
            or not (isinstance(number, type) and issubclass(number, tuple))
        ):
            return None
        return _Cells(rows, string_index, check, string, number)


_SHORT = 16_383  # text this long or shorter is within a cell's limit, whatever its characters (XlsxWriter's test)


def put_rows(
    sheet: Worksheet,
    row: int,
    first_column: int,
    rows: Iterable[Sequence[object]],
    formats: Sequence[Format | None],
    *,
    escape: bool = False,
) -> int:
    """Write rows of values, the first at ``row`` and ``first_column`` (counted from 1), each value as :func:`put`
    writes it, except that a blank (None or empty text) writes no cell at all; the row after the last written.

    For long tables: the cells are addressed by number, not by name, and the common values (text that
    prints as it is, exact money) go straight into the sheet's cells a row at a time (:class:`_Cells`). A blank
    needs no cell: a table written this way has no format on its blank cells.

    Args:
        sheet: the sheet.
        row: the first row, counted from 1.
        first_column: each row's first value's column, counted from 1.
        rows: the rows' values.
        formats: each column's cell format (None: the workbook's default).
        escape: text holding a character that does not print is written with it shown escaped (as
            :func:`~bcf_xl.errors.one_line` shows it: text read from another file) instead of refused.

    Raises:
        BcfInputError: text a workbook cannot store, named at its cell (unless ``escape``).
    """
    cells = _Cells.of(sheet)
    first = first_column - 1
    new, string_index = tuple.__new__, cells.string_index if cells is not None else None
    for values in rows:
        at = row - 1
        row += 1
        if cells is None or first < 0 or cells.check(at, first + len(values) - 1, True, True):
            _put_cells(sheet, at + 1, first_column, values, formats, escape=escape)  # outside the sheet: refused there
            continue
        made: dict[int, object] = {}
        for column, (value, cell_format) in enumerate(zip(values, formats, strict=True), first):
            if value is None:
                continue
            if isinstance(value, str):
                if not value:
                    continue
                if value.isprintable() and len(value) <= _SHORT:
                    made[column] = new(cells.string, (string_index(value), cell_format))  # type: ignore[misc]
                    continue
            elif isinstance(value, Decimal) and isfinite(amount := float(value)):
                made[column] = new(cells.number, (amount, cell_format))
                continue
            _put_cells(sheet, at + 1, column + 1, (value,), (cell_format,), escape=escape)
        if made:
            cells.check(at, min(made))
            cells.check(at, max(made))
            cells.rows[at].update(made)
    return row


def put_row(
    sheet: Worksheet,
    row: int,
    first_column: int,
    values: Sequence[object],
    formats: Sequence[Format | None],
    *,
    escape: bool = False,
) -> None:
    """Write a row of values from ``first_column`` (row and columns counted from 1), as :func:`put_rows` does."""
    put_rows(sheet, row, first_column, (values,), formats, escape=escape)


def _put_cells(
    sheet: Worksheet,
    row: int,
    first_column: int,
    values: Sequence[object],
    formats: Sequence[Format | None],
    *,
    escape: bool,
) -> None:
    """Write values as :func:`put_row` does, each through XlsxWriter's own methods."""
    write_string, write_number = _cell_writers(sheet)
    at = row - 1
    for column, (value, cell_format) in enumerate(zip(values, formats, strict=True), first_column - 1):
        if value is None:
            continue
        if isinstance(value, str):  # the common case first
            if not value:
                continue
            if not value.isprintable():
                if escape:
                    value = one_line(value)
                else:  # control characters: refused by cell_value, with the cell named
                    cell_value(value, Location(sheet=sheet.name, cell=f"{column_letter(column + 1)}{row}"))
            write_string(at, column, value, cell_format)
        elif isinstance(value, Decimal):
            write_number(at, column, float(value), cell_format)
        else:
            held = cell_value(value, Location(sheet=sheet.name, cell=f"{column_letter(column + 1)}{row}"))
            if isinstance(held, str):
                write_string(at, column, held, cell_format)
            elif held is not None:
                write_number(at, column, held, cell_format)


def validate(sheet: Worksheet, cells: str, validation: Validation) -> None:
    """Add a data validation to ``cells`` (an A1 range without sheet)."""
    options: dict[str, Any]
    if validation.kind == LIST:
        options = {"validate": "list", "source": "=" + validation.source}
    else:
        low, high = validation.bounds_text()
        options = {
            "validate": "integer" if validation.kind == WHOLE_NUMBER else "decimal",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
        }
    if validation.error_title:
        options["error_title"] = validation.error_title
    if validation.error:
        options["error_message"] = validation.error
    sheet.data_validation(cells, options)


def highlight(sheet: Worksheet, cells: str, text: str, cell_format: Format) -> None:
    """Show cells that read exactly ``text`` in ``cell_format`` (conditional formatting)."""
    sheet.conditional_format(
        cells, {"type": "cell", "criteria": "equal to", "value": criterion(text), "format": cell_format}
    )


def finish(sheet: Worksheet, setup: SheetSetup) -> None:
    """Protect a sheet and set its widths, panes, visibility and printing."""
    for letter, width in setup.widths:
        sheet.set_column(f"{letter}:{letter}", width)
    if setup.hidden:
        sheet.hide()
    sheet.protect("", {"format_columns": True, "format_rows": True} if setup.resizable else None)
    printing = setup.printing
    if printing is not None:
        if printing.area:
            sheet.print_area(printing.area)
        if printing.scale:
            sheet.set_print_scale(printing.scale)
        else:
            sheet.fit_to_pages(1, 1 if printing.one_page else 0)
        if printing.repeat_columns:
            sheet.repeat_columns(printing.repeat_columns)
        if printing.a4:
            sheet.set_paper(9)
        if printing.landscape:
            sheet.set_landscape()
        if printing.repeat_rows:
            sheet.repeat_rows(printing.repeat_rows[0] - 1, printing.repeat_rows[1] - 1)
    if setup.freeze:
        sheet.freeze_panes(setup.freeze)


class CellsAside:
    """The cells of finished sheets serialised as XML in a forked process, while this process goes on.

    XlsxWriter serialises every sheet inside ``Workbook.close()``, one after the other on one core. A sheet that
    will take no more cells can be serialised beforehand in a process forked from this one, on another core, while
    this process writes the other sheets; :meth:`place` then has ``close()`` take that text where it would have
    serialised those cells itself. The workbook is the same to the byte.

    This leans on XlsxWriter's private workings, as 3.3 has them, in this one place:

    - a worksheet writes its cells (the ``<sheetData>`` element) in ``_write_sheet_data``, to its XML writer's
      file ``fh`` (set by ``_set_xml_writer``); what it writes depends only on the cells (and their formats' and
      shared strings' indexes), which the caller must leave alone from :func:`serialise_aside` on;
    - a cell format's index in the workbook's styles is given on its first use (``Format._get_xf_index``), so every
      format a cell uses must be given its index before the fork (:meth:`Formats.fix_indexes`): the forked process
      checks that it gave none.

    Whenever an assumption fails (no ``fork`` on this platform, a thread running, XlsxWriter without those methods,
    the forked process failing, or giving an index) the sheet's cells are serialised here, as a plain ``close()``
    does. Use it as a context manager: leaving ends the forked process if it still runs.
    """

    def __init__(self, sheets: Sequence[Worksheet], pid: int, pipe: int) -> None:
        self.pid = pid  #: the forked process's id
        self._sheets = tuple(sheets)
        self._waiting: int | None = pid  # the forked process, until waited for
        self._pipe: int | None = pipe
        self._texts: tuple[str, ...] | None = None

    @property
    def served(self) -> bool:
        """True once the sheets' cells have come from the forked process (False if it failed, or not yet)."""
        return self._texts is not None

    def __enter__(self) -> CellsAside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()

    def place(self) -> None:
        """Have the book's ``close()`` take each sheet's cells as serialised aside (waiting for them when it
        comes to the first such sheet), or serialise them itself if that failed."""
        for index, sheet in enumerate(self._sheets):
            serialise_here = type(sheet)._write_sheet_data.__get__(sheet)
            sheet._write_sheet_data = functools.partial(self._write, index, sheet, serialise_here)

    def end(self) -> None:
        """End the forked process if it still runs and release the pipe from it."""
        import os
        import signal

        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._waiting is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._waiting, signal.SIGKILL)
            self._reap()

    def _write(self, index: int, sheet: Worksheet, serialise_here: Callable[[], None]) -> None:
        texts = self._received()
        if texts is None:
            serialise_here()
        else:
            sheet.fh.write(texts[index])

    def _received(self) -> tuple[str, ...] | None:
        """The forked process's texts, read once; None when it failed in any way."""
        import os
        import pickle

        if self._pipe is not None:
            pipe, self._pipe = self._pipe, None
            try:
                with os.fdopen(pipe, "rb") as handle:
                    texts = pickle.load(handle)  # from this process's own fork
            except Exception:  # a forked process that failed in any way: its sheets are serialised here
                texts = None
            ended_well = self._reap()
            if ended_well and isinstance(texts, tuple) and len(texts) == len(self._sheets):
                self._texts = texts
        return self._texts

    def _reap(self) -> bool:
        import os

        pid, self._waiting = self._waiting, None
        if pid is None:
            return False
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0


def serialise_aside(book: Workbook, sheets: Sequence[Worksheet]) -> CellsAside | None:
    """Start serialising the cells of ``sheets`` in a forked process (:class:`CellsAside`); None where it cannot be
    (no ``fork``, another thread running, an XlsxWriter without the methods it takes), to serialise them as usual.

    Every cell format of ``sheets`` must already have its index (:meth:`Formats.fix_indexes`), and their cells must
    not change after this.
    """
    import os
    import threading

    hooks = ("_write_sheet_data", "_set_xml_writer")
    if (
        not hasattr(os, "fork")
        or threading.active_count() > 1  # forking with a thread running can leave a lock held in the forked process
        or not isinstance(getattr(book, "xf_format_indices", None), dict)
        or not all(callable(getattr(sheet, hook, None)) for sheet in sheets for hook in hooks)
    ):
        return None
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the forked process: serialise, send, and end without running this process's exit handlers
        code = 1
        try:
            os.close(read_end)
            code = _serialise(book, sheets, write_end)
        finally:
            os._exit(code)
    os.close(write_end)
    return CellsAside(sheets, pid, read_end)


def _serialise(book: Workbook, sheets: Sequence[Worksheet], pipe: int) -> int:
    """In the forked process: each sheet's cells as XML, pickled into ``pipe`` (None if a format took an index)."""
    import gc
    import io
    import os
    import pickle
    import signal

    try:
        # Told to end, it simply ends (it inherited the handlers that remove an output's temporary file); an
        # interrupt is for the process it was forked from, which ends this one.
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gc.disable()  # what it makes it frees at once; a full pass would only walk (and copy) the inherited heap
        indexes = book.xf_format_indices
        given = len(indexes)
        texts = []
        for sheet in sheets:
            out = io.StringIO()
            sheet._set_xml_writer(out)
            sheet._write_sheet_data()
            texts.append(out.getvalue())
        with os.fdopen(pipe, "wb") as handle:
            pickle.dump(tuple(texts) if len(indexes) == given else None, handle, pickle.HIGHEST_PROTOCOL)
    except BaseException:  # nothing may escape the forked process: it would go on running the parent's code
        return 1
    return 0
