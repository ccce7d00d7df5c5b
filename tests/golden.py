"""Golden text dumps of generated workbooks: one line per defined name and per non-empty cell, with its
value or formula and its number format, so that a change to a generated workbook is reviewed as a diff."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

GOLDEN = Path(__file__).resolve().parent / "golden"


def dump(path: Path) -> str:
    """The workbook as text, in sheet order then row by row."""
    book = openpyxl.load_workbook(path)
    lines = [f"name {name} = {defined.attr_text}" for name, defined in sorted(book.defined_names.items())]
    for sheet in book.worksheets:
        lines.append(f"sheet {sheet.title} ({sheet.sheet_state}, protected={sheet.protection.sheet})")
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, ArrayFormula):
                    value = f"{{{value.text}}} over {value.ref}"
                shown = repr(value) if not isinstance(value, str) else value
                fmt = "" if cell.number_format == "General" else f"  [{cell.number_format}]"
                locked = "" if cell.protection.locked else "  (input)"
                lines.append(f"{sheet.title}!{cell.coordinate}: {shown}{fmt}{locked}")
    return "\n".join(lines) + "\n"
