"""The one exception type for bad input, and the place it names.

Bad input that makes the work impossible raises :class:`BcfInputError`. It always carries a
:class:`Location` and a message that says the rule and what arrived, so the command line and
the Excel adapters can show one clear line and never a traceback.
"""

from __future__ import annotations

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
        return " ".join(parts) if parts else "plan"


def one_line(text: str) -> str:
    """Text as it can stand in a one-line message: line breaks and tabs shown as \\n, \\r and \\t."""
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def describe(value: object) -> str:
    """Show a value the way a finance officer would recognise it in a message."""
    if value is None:
        return "a blank"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'"{one_line(shown)}"'
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
    if isinstance(value, int | float | Decimal):
        return str(value)
    return f"{value!r} (a {type(value).__name__})"


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
