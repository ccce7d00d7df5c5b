"""Write the toolkit's declarations with openpyxl (NHS England's templates)."""

from __future__ import annotations

import functools
import weakref
from typing import cast

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bcf_xl.errors import Location
from bcf_xl.workbook.formats import Style
from bcf_xl.workbook.formulas import criterion
from bcf_xl.workbook.sheets import SheetSetup
from bcf_xl.workbook.text import cell_value, storable_text
from bcf_xl.workbook.validation import LIST, Validation


def _font(style: Style) -> Font | None:
    if not (style.font_name or style.size or style.bold or style.color or style.underline):
        return None
    return Font(
        name=style.font_name,
        size=style.size,
        bold=style.bold or None,
        color=style.color,
        underline="single" if style.underline else None,
    )


def _fill(style: Style) -> PatternFill | None:
    return PatternFill("solid", fgColor=style.fill) if style.fill else None


@functools.cache
def _pieces(style: Style) -> tuple[Font | None, PatternFill | None, Border | None, Alignment | None, Protection | None]:
    """A style's openpyxl objects, made once: openpyxl finds an object it already holds at once, an equal new
    one only by comparing it with every style it holds."""
    border = None
    if style.border:
        side = Side(style="thin", color=style.border_color)
        border = Border(left=side, right=side, top=side, bottom=side)
    alignment = Alignment(wrap_text=style.wrap or None, vertical=style.valign) if style.wrap or style.valign else None
    protection = None if style.locked else Protection(locked=False)
    return _font(style), _fill(style), border, alignment, protection


# What a style makes of a cell's style record, per workbook: openpyxl keeps a cell's style as one record of
# indexes into the workbook's lists of fonts, fills, borders..., and finds an index by hashing the whole style
# object each time. The same style given to a cell whose record is the same always yields the same record, so
# it is worked out once per workbook and copied to each further cell.
_UNSTYLED = StyleArray()
_STYLED: weakref.WeakKeyDictionary[Workbook, dict[tuple[Style, bytes], StyleArray]] = weakref.WeakKeyDictionary()


def apply(cell: Cell, style: Style) -> None:
    """Give a cell a style (only the properties the style sets)."""
    book = cell.parent.parent
    if book is None:  # a sheet outside any workbook: nothing to share
        _set_style(cell, style)
        return
    # ``_style`` is openpyxl's style record of the cell, which its type stubs leave out.
    record: StyleArray = cell._style or _UNSTYLED  # type: ignore[attr-defined]  # None until first styled
    known = _STYLED.setdefault(book, {})
    styled = known.get((style, record.tobytes()))
    if styled is None:
        _set_style(cell, style)
        if cell._style is None:  # type: ignore[attr-defined]  # a style that sets nothing
            return
        styled = known[(style, record.tobytes())] = StyleArray(cell._style)  # type: ignore[attr-defined]
    cell._style = StyleArray(styled)  # type: ignore[attr-defined]


def _set_style(cell: Cell, style: Style) -> None:
    font, fill, border, alignment, protection = _pieces(style)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    if protection is not None:
        cell.protection = protection
    if style.number_format:
        cell.number_format = style.number_format


@functools.lru_cache(maxsize=2**16)
def _position(ref: str) -> tuple[int, int]:
    return coordinate_to_tuple(ref)


def _cell(sheet: Worksheet, ref: str) -> Cell:
    """The cell at an A1 reference (as ``sheet[ref]``), its row and column worked out once per reference."""
    row, column = _position(ref)
    return cast(Cell, sheet.cell(row, column))  # the builders write the first cell of any merged range


def put(sheet: Worksheet, ref: str, value: object, style: Style | None = None) -> None:
    """Write a plan value or a label: text always as text (never a formula), numbers as numbers; then the style.

    Raises:
        BcfInputError: text a workbook cannot store, named at its cell.
    """
    cell = _cell(sheet, ref)
    held = cell_value(value, Location(sheet=sheet.title, cell=ref))
    if held is not None:
        cell.value = held
        if isinstance(held, str):
            cell.data_type = "s"  # openpyxl would take text starting with "=" for a formula
    if style is not None:
        apply(cell, style)


def label(sheet: Worksheet, ref: str, text: str, style: Style | None = None) -> None:
    """Write text as text, exactly as given (an empty header too); then the style.

    Raises:
        BcfInputError: text a workbook cannot store, named at its cell.
    """
    cell = _cell(sheet, ref)
    cell.value = storable_text(text, Location(sheet=sheet.title, cell=ref))
    cell.data_type = "s"
    if style is not None:
        apply(cell, style)


def formula(sheet: Worksheet, ref: str, text: str, style: Style | None = None) -> None:
    """Write a formula (text starting with '=') and the cell's style."""
    cell = _cell(sheet, ref)
    cell.value = text
    if style is not None:
        apply(cell, style)


def validate(sheet: Worksheet, cells: str, validation: Validation) -> None:
    """Add a data validation to ``cells`` (an A1 range without sheet)."""
    listed = validation.kind == LIST
    low, high = (f"={validation.source}", None) if listed else validation.bounds_text()
    checker = DataValidation(
        type=validation.kind,
        operator=None if listed else "between",
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=validation.error_title,
        error=validation.error,
    )
    checker.add(cells)
    sheet.add_data_validation(checker)


def highlight(sheet: Worksheet, cells: str, text: str, style: Style) -> None:
    """Show cells that read exactly ``text`` in ``style`` (conditional formatting)."""
    rule: Rule = CellIsRule(  # type: ignore[no-untyped-call]
        operator="equal", formula=[criterion(text)], font=_font(style), fill=_fill(style)
    )
    sheet.conditional_formatting.add(cells, rule)


def highlight_not_zero(sheet: Worksheet, cells: str, style: Style) -> None:
    """Show cells whose value is not zero in ``style`` (conditional formatting), as a difference that must be zero."""
    rule: Rule = CellIsRule(  # type: ignore[no-untyped-call]
        operator="notEqual", formula=["0"], font=_font(style), fill=_fill(style)
    )
    sheet.conditional_formatting.add(cells, rule)


def finish(sheet: Worksheet, setup: SheetSetup) -> None:
    """Protect a sheet and set its widths, panes, visibility and printing."""
    for letter, width in setup.widths:
        sheet.column_dimensions[letter].width = width
    if setup.freeze:
        sheet.freeze_panes = setup.freeze
    sheet.protection.sheet = True
    if setup.resizable:
        sheet.protection.formatColumns = False  # openpyxl: False lets officers resize despite the protection
        sheet.protection.formatRows = False
    if setup.hidden:
        sheet.sheet_state = "hidden"
    printing = setup.printing
    if printing is None:
        return
    if printing.area:
        sheet.print_area = printing.area
    if printing.landscape:
        sheet.page_setup.orientation = "landscape"
    if printing.a4:
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if printing.repeat_rows:
        sheet.print_title_rows = f"{printing.repeat_rows[0]}:{printing.repeat_rows[1]}"
    if printing.repeat_columns:
        sheet.print_title_cols = printing.repeat_columns
    if printing.scale:
        sheet.page_setup.scale = printing.scale
        return
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if printing.one_page else 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
