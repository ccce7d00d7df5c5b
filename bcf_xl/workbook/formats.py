"""Every kind of cell, declared once as data: fill, font, number format, alignment and whether it is locked.

A :class:`Style` says nothing about the library that writes it; :mod:`bcf_xl.workbook.to_xlsxwriter` and
:mod:`bcf_xl.workbook.to_openpyxl` turn it into an XlsxWriter format or openpyxl styles. The planning workbook and
NHS England's template each have a :class:`Look` (the template keeps NHS England's plainer colours), and both
take the number format of a cell from its kind, so a money cell reads the same in both.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

# Kinds of cell: how a cell is formatted, validated and read. The layouts' field kinds are these words.
TEXT = "text"
CHOICE = "choice"
MONEY = "money"
SIGNED_MONEY = "signed money"
SHARE = "share"
WHOLE = "whole"
NUMBER = "number"
RATE = "rate"
RATED = "rated"  # a rate a formula works out, shown to three decimals so that a close RAG call can be seen

MONEY_FORMAT = '"£"#,##0.00'
NUMBER_FORMATS: Mapping[str, str | None] = MappingProxyType(
    {
        TEXT: None,
        CHOICE: None,
        MONEY: MONEY_FORMAT,
        SIGNED_MONEY: MONEY_FORMAT,
        SHARE: "0.0%",
        WHOLE: "#,##0",
        NUMBER: "#,##0.###",
        RATE: "#,##0.0",
        RATED: "#,##0.0##",
    }
)


@dataclass(frozen=True, slots=True)
class Style:
    """How one kind of cell looks. Colours are RGB hex without '#'; None leaves the library's default."""

    number_format: str | None = None
    fill: str | None = None
    font_name: str | None = None
    size: float | None = None
    bold: bool = False
    color: str | None = None
    underline: bool = False
    border: bool = False  # a thin border all round
    border_color: str | None = None
    locked: bool = True
    wrap: bool = False
    valign: str | None = None

    def but(self, **changes: Any) -> Style:
        """This style with some properties changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Look:
    """The styles of one workbook: the base every written cell shares and each kind of cell on top of it."""

    base: Style
    input_cell: Style
    computed_cell: Style
    header: Style
    title: Style
    bold: Style
    wrapped: Style
    good: Style  # highlights: a Green RAG, a 'Yes' on the checklist
    warning: Style
    bad: Style

    def input(self, kind: str) -> Style:
        """An unlocked input cell of ``kind`` (one of the kinds above)."""
        return _of_kind(self.input_cell, kind)

    def computed(self, kind: str) -> Style:
        """A locked, grey cell of ``kind`` that the workbook fills in (a formula or a pre-populated figure)."""
        return _of_kind(self.computed_cell, kind)


@functools.lru_cache(maxsize=256)
def _of_kind(style: Style, kind: str) -> Style:
    """``style`` with the number format of ``kind``, made once (a builder asks for it for every cell)."""
    return style.but(number_format=number_format(kind))


def number_format(kind: str) -> str | None:
    """The number format of a kind of cell.

    Raises:
        KeyError: ``kind`` is not one of the kinds of this module.
    """
    try:
        return NUMBER_FORMATS[kind]
    except KeyError:
        raise KeyError(f"cell kind must be one of {', '.join(NUMBER_FORMATS)} (got {kind!r})") from None


_YELLOW, _HEADER_BLUE, _GREEN, _AMBER, _RED = "FFFF99", "1F4E79", "C6EFCE", "FFEB9C", "FFC7CE"

# The planning workbook: Arial 10, top-aligned, bordered yellow inputs and grey formulas.
_PLANNING_BASE = Style(font_name="Arial", size=10, valign="top")
PLANNING = Look(
    base=_PLANNING_BASE,
    input_cell=_PLANNING_BASE.but(fill=_YELLOW, locked=False, border=True, border_color="BFBFBF"),
    computed_cell=_PLANNING_BASE.but(fill="E7E6E6", border=True, border_color="BFBFBF"),
    header=_PLANNING_BASE.but(bold=True, color="FFFFFF", fill=_HEADER_BLUE, wrap=True, border=True),
    title=_PLANNING_BASE.but(bold=True, size=14),
    bold=_PLANNING_BASE.but(bold=True),
    wrapped=_PLANNING_BASE.but(wrap=True),
    good=Style(fill=_GREEN, color="006100"),
    warning=Style(fill=_AMBER, color="9C5700"),
    bad=Style(fill=_RED, color="9C0006"),
)

# NHS England's template: the spreadsheet's default font, plain yellow inputs and grey pre-populated cells.
TEMPLATE = Look(
    base=Style(),
    input_cell=Style(fill=_YELLOW, locked=False),
    computed_cell=Style(fill="D9D9D9"),
    header=Style(bold=True, color="FFFFFF", fill=_HEADER_BLUE, wrap=True, valign="top"),
    title=Style(bold=True, size=14),
    bold=Style(bold=True),
    wrapped=Style(wrap=True, valign="top"),
    good=Style(fill=_GREEN),
    warning=Style(fill=_AMBER),
    bad=Style(fill=_RED),
)
LINK = Style(color="0563C1", underline=True)
