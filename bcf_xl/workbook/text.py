"""What goes into a cell: user text always as text, exact money as the number a cell holds.

Both builders write every value of the plan through :func:`cell_value`. A scheme called ``=HYPERLINK(...)``,
an ID ``+44`` or ``@SUM(A1)`` stays words: the adapters store strings as strings, never as formulas, and text
holding a control character (which a workbook file cannot store) is refused at its cell.
"""

from __future__ import annotations

from decimal import Decimal

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.workbook.references import ILLEGAL_CHARACTERS

CellValue = str | float | int | None


def storable_text(text: str, where: Location) -> str:
    """``text`` as a cell can store it, or an error naming the cell.

    Raises:
        BcfInputError: the text holds a control character (other than tab, line feed and carriage return).
    """
    if ILLEGAL_CHARACTERS.search(text):
        raise BcfInputError(where, "contains a control character a workbook cannot store", text)
    return text


def cell_value(value: object, where: Location) -> CellValue:
    """The value a cell holds for a plan value: text as text, money as a number, True/False as Yes/No, blank as None.

    Raises:
        BcfInputError: text a workbook cannot store, or a value of a type no cell holds.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        return storable_text(value, where)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    raise BcfInputError(where, "must be text, a number or a blank", type(value).__name__)
