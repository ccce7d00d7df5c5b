"""Dropdown lists and data validations, declared once and written by both adapters.

The closed lists come from the model's enums (what the engine understands) and the policy's vocabularies
(what NHS England publishes); numeric bounds come from the policy only, so ``--policy`` changes them in every
workbook. A :class:`Validation` is data; :mod:`bcf_xl.workbook.to_xlsxwriter` and
:mod:`bcf_xl.workbook.to_openpyxl` write it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal

from bcf_xl.model import AreaKind, AreaOfSpend, Commissioner, MetricUnit, PartnerKind, Polarity, RagRule, SourceKind
from bcf_xl.policy import Bound, Policy
from bcf_xl.workbook.references import column_letter

ValidationKind = Literal["list", "decimal", "whole"]
LIST: Final = "list"
DECIMAL: Final = "decimal"
WHOLE_NUMBER: Final = "whole"
CHOOSE_FROM_THE_LIST = "Choose from the list"
OUT_OF_RANGE = "Out of range"


# The lists a scheme's dropdowns offer, in the order Lists sheets lay them out.
SCHEME_LISTS = ("scheme_types", "sub_types", "area_of_spend", "commissioner", "provider", "status", "yes_no")


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def dropdown_lists(policy: Policy) -> dict[str, tuple[str, ...]]:
    """Every closed list a workbook offers, by name: the enums' values and the policy's vocabularies."""
    return {
        "area_kinds": _values(AreaKind),
        "partner_kinds": _values(PartnerKind),
        "source_kinds": _values(SourceKind),
        "scheme_types": tuple(policy.scheme_types),
        "sub_types": tuple(sorted({sub for subs in policy.scheme_types.values() for sub in subs})),
        "area_of_spend": _values(AreaOfSpend),
        "commissioner": _values(Commissioner),
        "provider": policy.vocabularies["provider"],
        "status": policy.vocabularies["status"],
        "yes_no": ("Yes", "No"),
        "polarities": _values(Polarity),
        "units": _values(MetricUnit),
        "rag_rules": _values(RagRule),
    }


def select(lists: Mapping[str, tuple[str, ...]], names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The named lists, in the order a Lists sheet lays them out.

    Raises:
        KeyError: a name that is not one of the lists, with the names there are.
    """
    chosen: dict[str, tuple[str, ...]] = {}
    for name in names:
        if name not in lists:
            raise KeyError(f"dropdown list must be one of {', '.join(lists)} (got {name!r})")
        chosen[name] = lists[name]
    return chosen


def list_cells(lists: Mapping[str, tuple[str, ...]]) -> Iterator[tuple[str, str, bool]]:
    """Every cell of a Lists sheet, one list a column: (A1 reference, text, whether it is the list's name in row 1)."""
    for index, (name, words) in enumerate(lists.items(), start=1):
        column = column_letter(index)
        yield f"{column}1", name, True
        for row, word in enumerate(words, start=2):
            yield f"{column}{row}", word, False


def list_ranges(sheet: str, lists: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Where each list sits on the Lists sheet ``sheet`` laid out by :func:`list_cells`, e.g. ``Lists!$A$2:$A$3``
    (an empty list still spans one blank cell, as a dropdown needs a range)."""
    ranges = {}
    for index, (name, words) in enumerate(lists.items(), start=1):
        column = column_letter(index)
        ranges[name] = f"{sheet}!${column}$2:${column}${1 + max(len(words), 1)}"
    return ranges


@dataclass(frozen=True, slots=True)
class Validation:
    """One data validation: a dropdown from a range, or a number between two bounds, with its error text."""

    kind: ValidationKind
    source: str = ""  # LIST: the range offering the choices, e.g. Lists!$A$2:$A$3
    low: Decimal | None = None
    high: Decimal | None = None
    error_title: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in (LIST, DECIMAL, WHOLE_NUMBER):
            raise ValueError(f"validation kind must be list, decimal or whole (got {self.kind!r})")
        if self.kind == LIST and not self.source:
            raise ValueError("a list validation needs the range of its choices (got none)")
        if self.kind != LIST and (self.low is None or self.high is None):
            raise ValueError(f"a {self.kind} validation needs both bounds (got {self.low} and {self.high})")

    def bounds_text(self) -> tuple[str, str]:
        """The two bounds as validation formulas hold them (a list validation has none)."""
        if self.low is None or self.high is None:
            raise ValueError(f"a {self.kind} validation has no bounds")
        return number_text(self.low), number_text(self.high)


def dropdown(source: str, error: str | None = None) -> Validation:
    """Choose from the cells of ``source``; ``error`` (if given) says what to choose, under 'Choose from the list'."""
    return Validation(LIST, source=source, error_title=CHOOSE_FROM_THE_LIST if error else None, error=error)


def between(bound: Bound, error: str, *, title: str | None = OUT_OF_RANGE, whole: bool = False) -> Validation:
    """A number (a whole number if ``whole``) within a policy bound."""
    kind: ValidationKind = WHOLE_NUMBER if whole else DECIMAL
    return Validation(kind, low=bound.low, high=bound.high, error_title=title, error=error)


def signed(bound: Bound) -> Bound:
    """The bound of a signed amount (an adjustment, a balance): as far below zero as ``bound`` reaches above it."""
    return Bound(f"{bound.name} (signed)", -bound.high, bound.high, bound.source)


def pounds(amount: Decimal) -> str:
    """An amount as messages show it: ``£1,000,000,000``."""
    return f"£{amount:,}"


def percent(share: Decimal) -> str:
    """A share as messages show it: ``0%``, ``100%``, ``12.5%``."""
    return f"{(share * 100).normalize():f}%"


def number_text(value: Decimal) -> str:
    """A bound as a validation formula holds it: plain digits, no exponent (``1000000000``, ``0.5``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
