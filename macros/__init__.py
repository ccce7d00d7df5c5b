"""The Python behind the planning workbook's buttons (installed as the package ``bcf_macros``).

Each entry point reads the live workbook through a small interface, :class:`Workbook`: in Excel
that is the workbook that called the macro, read through xlwings (unsaved edits included); in
tests and on a machine without Excel it is a workbook file (:class:`WorkbookFile`); in xlwings Lite it is
the workbook a script runs in (:class:`LiteWorkbook`). The entry
points call the engine and write their result on the Checks sheet.
"""

from .entry import (
    ExcelWorkbook,
    Workbook,
    WorkbookFile,
    check_plan,
    generate_quarterly_return,
    generate_submission,
    generate_year_end_return,
    roll_forward,
)
from .lite import LiteWorkbook

__all__ = [
    "ExcelWorkbook",
    "LiteWorkbook",
    "Workbook",
    "WorkbookFile",
    "check_plan",
    "generate_quarterly_return",
    "generate_submission",
    "generate_year_end_return",
    "roll_forward",
]
