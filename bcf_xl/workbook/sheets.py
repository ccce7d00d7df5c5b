"""How a finished sheet is protected and printed, declared once for both adapters.

Sheets are protected without a password, as NHS England's templates are: an officer can unprotect one, but a
formula is not overwritten by accident. Printing is on A4, a page wide; long tables run on down.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Printing:
    """Page setup: what prints, which way round and on how many pages."""

    area: str | None = None  # e.g. A1:G40; None prints what the sheet holds
    landscape: bool = True
    one_page: bool = False  # fit the height to one page too (else a page wide, as many pages down as needed)
    a4: bool = True  # False: the printer's default paper
    repeat_rows: tuple[int, int] | None = None  # first and last row (from 1) printed atop every page
    scale: int | None = None  # print at this % across as many pages as needed, rather than fitted a page wide
    repeat_columns: str | None = None  # columns printed at the left of every page, e.g. A:B


@dataclass(frozen=True, slots=True)
class SheetSetup:
    """Protection, printing, frozen panes, column widths and visibility of one sheet."""

    printing: Printing | None = None
    freeze: str | None = None  # the top-left cell of the part that scrolls, e.g. C5
    widths: tuple[tuple[str, float], ...] = ()  # (column letter, width)
    resizable: bool = False  # rows and columns can be resized on the protected sheet
    hidden: bool = False


def printed(
    last_column: str,
    last_row: int,
    *,
    freeze: str | None = None,
    one_page: bool = False,
    landscape: bool = True,
    widths: tuple[tuple[str, float], ...] = (),
    resizable: bool = False,
    header_row: int | None = None,
    scale: int | None = None,
    repeat_columns: str | None = None,
) -> SheetSetup:
    """A protected sheet that prints from A1 to ``last_column``/``last_row`` on A4, a page wide (or at ``scale``
    per cent across pages, ``repeat_columns`` at the left of each); a long table's ``header_row`` repeats atop
    every printed page."""
    repeat = (header_row, header_row) if header_row else None
    return SheetSetup(
        Printing(
            f"A1:{last_column}{last_row}",
            landscape=landscape,
            one_page=one_page,
            repeat_rows=repeat,
            scale=scale,
            repeat_columns=repeat_columns,
        ),
        freeze=freeze,
        widths=widths,
        resizable=resizable,
    )


HIDDEN_LISTS = SheetSetup(hidden=True)
