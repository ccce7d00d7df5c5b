"""The planning workbook as an xlwings Lite script sees it: the third implementation of :class:`Workbook`.

xlwings Lite runs Python inside Excel (Pyodide) and hands a script the open workbook as an ``xlwings.Book``
with the classic reading and writing API, less ``.api``: its values are read as in classic Excel, writes are
applied when the script ends, and a file meant for the user is written to Lite's ``/data`` folder, from
which the add-in's Files menu downloads it (Lite cannot save beside the open workbook).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bcf_xl.findings import Finding
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L

from .entry import ExcelWorkbook, put_findings

DATA_FOLDER = Path("/data")


class LiteWorkbook(ExcelWorkbook):
    """The workbook an xlwings Lite script runs in; files it writes go to ``folder`` (Lite's ``/data``)."""

    def __init__(self, book: Any, folder: Path | None = None) -> None:
        super().__init__(book)
        self._folder = DATA_FOLDER if folder is None else folder

    @property
    def folder(self) -> Path:
        return self._folder

    def show_findings(self, findings: Sequence[Finding], status: str) -> None:
        # The Lite planning workbook leaves its Checks sheet unprotected: Lite has no way to lift protection.
        put_findings(self.book.sheets[L.CHECKS], findings, status)
