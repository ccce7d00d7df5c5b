"""Write the toolkit's declarations with XlsxWriter (the planning workbook: VBA and buttons)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
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


def put_row(
    sheet: Worksheet,
    row: int,
    first_column: int,
    values: Sequence[object],
    formats: Sequence[Format | None],
    *,
    escape: bool = False,
) -> None:
    """Write a row of values from ``first_column`` (row and columns counted from 1), each as :func:`put` writes it,
    except that a blank (None or empty text) writes no cell at all.

    For long tables: the cells are addressed by number, not by name, and the common values (text that
    prints as it is, exact money) go straight to their cell without building a location. A blank needs no
    cell: a table written this way has no format on its blank cells.

    Args:
        sheet: the sheet.
        row: the row, counted from 1.
        first_column: the first value's column, counted from 1.
        values: the row's values.
        formats: each value's cell format (None: the workbook's default).
        escape: text holding a character that does not print is written with it shown escaped (as
            :func:`~bcf_xl.errors.one_line` shows it: text read from another file) instead of refused.

    Raises:
        BcfInputError: text a workbook cannot store, named at its cell (unless ``escape``).
    """
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
