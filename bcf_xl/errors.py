"""The one exception type for bad input, and the place it names.

Bad input that makes the work impossible raises :class:`BcfInputError`. It always carries a
:class:`Location` and a message that says the rule and what arrived, so the command line and
the Excel adapters can show one clear line and never a traceback.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: any of a sheet and cell, a field, and the item (scheme ID, district...)."""

    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    item: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.sheet and self.cell:
            parts.append(f"'{self.sheet}'!{self.cell}")
        elif self.sheet:
            parts.append(f"'{self.sheet}'")
        elif self.cell:
            parts.append(self.cell)
        if self.item:
            parts.append(f"[{self.item}]")
        if self.field:
            parts.append(self.field)
        return one_line(" ".join(parts)) if parts else "plan"


#: How many characters of what arrived a message quotes; a longer value is cut with an ellipsis.
QUOTE_LIMIT = 80
ELLIPSIS = "\u2026"
#: The longest message line printed: a bound on output however much a file holds.
LINE_LIMIT = 1000

# Characters that would break, rearrange or hide a line of output: every control character (C0,
# DEL and C1), the Unicode line and paragraph separators, and the invisible format characters
# (bidirectional overrides and isolates, zero-width characters, the byte-order mark), and lone
# surrogates (an undecodable byte of a file name), which a terminal cannot print at all.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    """One character as printed: itself, or an escape such as \\n, \\x1b or \\u202e."""
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else "\\U" + format(code, "08x")


def one_line(text: str, limit: int | None = None) -> str:
    """Text as it can stand in a one-line message, safe to print from any file.

    Every control character is shown escaped (\\n, \\r and \\t by name, others as \\x1b or
    \\u2028), as are the invisible Unicode format characters such as bidirectional overrides, so
    text from a file can neither start a new line nor disguise one. Escaping twice changes nothing.

    Args:
        text: the text to show.
        limit: at most this many characters are shown (escapes counted as shown); a longer text is
            cut there and ends with an ellipsis. ``None`` shows all of it.
    """
    if text.isprintable():  # no control, format or separator character but the space: each shows as itself
        return text if limit is None or len(text) <= limit else text[:limit] + ELLIPSIS
    pieces: list[str] = []
    length = 0
    for char in text:
        piece = _escaped(char)
        if limit is not None and length + len(piece) > limit:
            return "".join(pieces) + ELLIPSIS
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces)


def describe(value: object) -> str:
    """Show a value the way a finance officer would recognise it in a message.

    Text is quoted, at most :data:`QUOTE_LIMIT` characters of it, with its control characters
    escaped; this is how every message shows a cell value that arrived.
    """
    if value is None:
        return "a blank"
    if isinstance(value, str):
        return f'"{one_line(value, QUOTE_LIMIT)}"'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, list | tuple):
        if not value:
            return "nothing"
        return "a range of 1 cell" if len(value) == 1 else f"a range of {len(value)} cells"
    if isinstance(value, int | float | Decimal | dt.date | dt.time | dt.timedelta):
        return one_line(str(value), QUOTE_LIMIT)
    return one_line(f"{value!r} (a {type(value).__name__})", QUOTE_LIMIT)


class BcfError(Exception):
    """Base of every error bcf-xl reports to a user."""


class BcfInputError(BcfError, ValueError):
    """Input that breaks a rule: carries the place, the rule and what arrived."""

    def __init__(self, where: Location | str, rule: str, got: object = ..., *, show_got: bool = True) -> None:
        self.location = where if isinstance(where, Location) else Location(field=where)
        self.rule = rule
        self.got = got
        text = f"{self.location}: {rule}"
        if show_got and got is not ...:
            text += f" (got {describe(got)})"
        super().__init__(text)


class PlanError(BcfError, ValueError):
    """A plan given as plain data that cannot be built: every problem, each with its path and what arrived.

    ``problems`` holds one line per problem, such as ``schemes[3].amounts[1]: must be an amount
    (got "lots")``; the message is a count followed by those lines, one per line.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"the plan has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([heading, *(f"  {line}" for line in self.problems)]))
