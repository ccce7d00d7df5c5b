"""Plans as plain data: build a :class:`~bcf_xl.model.Plan` from dicts, lists, strings and numbers, and back.

A plan mapping is what JSON, TOML or a few lines of Python hold. Its keys are the records' field
names exactly as in :mod:`bcf_xl.model` (``area``, ``years``, ``partners``, ``sources``, ``pools``,
``schemes``, ``metrics``, ``asc_minimum``, ``ooh_minimum``, ``dfg``, ``risk_terms``,
``performance_fund``, ``contacts``, ``conditions``), and every nested record is a mapping of its own
fields in the same way. Amounts per plan year are lists in the order of ``years``.

Every problem is collected before anything is refused, so one :class:`~bcf_xl.errors.PlanError`
lists them all, each with its path (``schemes[3].amounts[1]``) and what arrived. Duplicate IDs and
references between records (a scheme naming an unknown source) are not problems of the mapping:
the plan checks (:func:`bcf_xl.checks.run_checks`) report them as findings.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from bcf_xl.errors import BcfInputError, PlanError, describe
from bcf_xl.model import AscMinimum, District, FundingSource, Plan, Scheme, check_year
from bcf_xl.money import parse_amount

# Fields that hold one value per plan year; True where the field may instead be left empty.
_PER_YEAR: dict[tuple[type, str], bool] = {
    (FundingSource, "amounts"): False,
    (Scheme, "amounts"): False,
    (Scheme, "outturn"): True,
    (District, "dfg_allocation"): False,
    (Plan, "dfg"): True,
    (Plan, "ooh_minimum"): True,
    (AscMinimum, "agreed"): True,
}
# Field types whose values are taken only as they are, with the rule shown otherwise.
_TAKEN_AS_THEY_ARE: dict[object, str] = {str: "must be text", bool: "must be true or false"}
_WHOLE_NUMBER = re.compile(r"^\s*[+-]?\d+\s*$")


def plan_from_mapping(data: Mapping[str, Any]) -> Plan:
    """Build a plan from plain data, checking every field.

    What each field takes:

    - amounts and other decimals: an ``int``; a ``float``, read through ``repr`` so ``0.1`` is
      exactly ``Decimal("0.1")``; text such as ``"1234.50"`` or ``"£1,234.50"``; or a ``Decimal``.
      An optional one (``nhs_share``, a metric's ``actual``...) may be ``None`` or ``""``.
    - whole numbers (``population``, ``per``): an ``int``, a whole ``float`` or text of digits.
    - enums: the exact text of a value, as the workbooks show it (``"ICB"``, ``"Local Authority"``,
      ``"Disabled Facilities Grant"``); member names such as ``"LOCAL_AUTHORITY"`` are refused.
    - ``is_risk_pool`` and a condition's ``met``: ``True`` or ``False`` (``met`` may be ``None``).
    - tuples: lists; ``risk_terms.override`` also as a mapping of partner ID to weight.

    Optional fields may be left out; a key that is not a field is an error. Every field of every
    record is checked and each problem listed; a rule across a record's fields (a joint scheme's
    NHS share, a two-tier area's districts) is the record's own and is named once its fields are right.

    Args:
        data: the plan as plain data, such as :func:`plan_to_mapping` returns.

    Returns:
        The plan, equal to one built from the records directly.

    Raises:
        PlanError: the data cannot make a plan; it lists every problem found, one per line, e.g.
            ``schemes[3].amounts[1]: must be an amount (got "lots")`` or
            ``sources[2]: unknown field "amout" (did you mean "amounts"?)``.
    """
    reader = _Reader(data.get("years") if isinstance(data, Mapping) else None)
    plan = reader.record(Plan, data, "")
    if reader.problems or not isinstance(plan, Plan):
        raise PlanError(reader.problems)
    return plan


def plan_to_mapping(plan: Plan) -> dict[str, Any]:
    """A plan as plain, JSON-safe data that :func:`plan_from_mapping` turns back into an equal plan.

    Every field is present. Amounts and other decimals are written as text in plain notation
    (``"1234.50"``, never a float), which keeps them exact to the last digit; enums as their text
    values; tuples as lists; whole numbers, booleans, text and ``None`` as they are.
    """
    return typing.cast(dict[str, Any], _plain(plan))


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _place(path: str) -> str:
    return path or "plan"


def _shown(value: object) -> str:
    if isinstance(value, Mapping):
        return f"a mapping of {len(value)} keys"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} values"
    return describe(value)


class _Reader:
    """Converts plain data field by field, collecting every problem instead of stopping at the first."""

    def __init__(self, years: object) -> None:
        self.problems: list[str] = []
        self.years = len(years) if isinstance(years, list | tuple) else None

    def problem(self, path: str, rule: str, got: object) -> None:
        self.problems.append(f"{_place(path)}: {rule} (got {_shown(got)})")

    def record(self, cls: type, data: object, path: str) -> object:
        if not isinstance(data, Mapping):
            self.problem(path, "must be a mapping of field names to values", data)
            return None
        before = len(self.problems)
        fields = dataclasses.fields(cls)
        names = [f.name for f in fields]
        for key in data:
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1)
                suggestion = f' (did you mean "{close[0]}"?)' if close else ""
                self.problems.append(f"{_place(path)}: unknown field {describe(key)}{suggestion}")
        values: dict[str, object] = {}
        for f in fields:
            if f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    self.problems.append(f'{_place(path)}: missing field "{f.name}"')
                continue
            where = _join(path, f.name)
            raw = data[f.name]
            mark = len(self.problems)
            values[f.name] = self.value(_hints(cls)[f.name], raw, where)
            if (cls, f.name) in _PER_YEAR:
                self.per_year(raw, where, may_be_empty=_PER_YEAR[cls, f.name])
            if cls is Plan and f.name == "years" and len(self.problems) == mark:
                self.plan_years(raw, where)
        if len(self.problems) > before:
            return None
        try:
            return cls(**values)
        except BcfInputError as exc:  # a rule across the record's fields, such as a joint scheme's NHS share
            self.problems.append(f"{_place(path)}: {exc}")
            return None

    def value(self, hint: Any, data: object, path: str) -> object:
        origin = typing.get_origin(hint)
        if origin is typing.Union or origin is types.UnionType:
            (inner,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
            if data is None or (inner is not str and isinstance(data, str) and not data.strip()):
                return None
            return self.value(inner, data, path)
        if origin is tuple:
            return self.sequence(typing.get_args(hint), data, path)
        if dataclasses.is_dataclass(hint):
            return self.record(typing.cast(type, hint), data, path)
        if isinstance(hint, type) and issubclass(hint, Enum):
            return self.choice(hint, data, path)
        if hint is Decimal:
            return self.amount(data, path)
        if hint is int:
            return self.whole_number(data, path)
        if hint in _TAKEN_AS_THEY_ARE:
            if isinstance(data, hint):
                return data
            self.problem(path, _TAKEN_AS_THEY_ARE[hint], data)
            return None
        raise TypeError(f"{path}: no conversion for fields of type {hint!r}")  # a model field this module misses

    def sequence(self, args: tuple[Any, ...], data: object, path: str) -> object:
        pairs = len(args) == 2 and args[1] is Ellipsis and typing.get_origin(args[0]) is tuple
        if pairs and isinstance(data, Mapping):
            data = [list(item) for item in data.items()]
        if isinstance(data, str | bytes) or not isinstance(data, Sequence):
            self.problem(path, "must be a list", data)
            return None
        if len(args) == 2 and args[1] is Ellipsis:
            hints = [args[0]] * len(data)
        elif len(data) != len(args):
            self.problem(path, f"must be a list of {len(args)} values", data)
            return None
        else:
            hints = list(args)
        return tuple(
            self.value(hint, item, f"{path}[{i}]") for i, (hint, item) in enumerate(zip(hints, data, strict=True))
        )

    def choice(self, enum: type[Enum], data: object, path: str) -> object:
        allowed = [member.value for member in enum]
        if isinstance(data, str) and data in allowed:
            return enum(data)
        self.problem(path, f"must be one of {', '.join(allowed)}", data)
        return None

    def amount(self, data: object, path: str) -> object:
        if isinstance(data, bool) or not isinstance(data, int | float | str | Decimal):
            self.problem(path, "must be an amount", data)
            return None
        try:
            result = parse_amount(data, path)
        except BcfInputError as exc:
            self.problem(path, "must be an amount" if isinstance(data, str) else exc.rule, data)
            return None
        if result is None:
            self.problem(path, "must be an amount", data)
        return result

    def whole_number(self, data: object, path: str) -> object:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, float) and data.is_integer():
            return int(data)
        if isinstance(data, Decimal) and data.is_finite() and data == data.to_integral_value():
            return int(data)
        if isinstance(data, str) and _WHOLE_NUMBER.match(data):
            return int(data)
        self.problem(path, "must be a whole number", data)
        return None

    def per_year(self, data: object, path: str, *, may_be_empty: bool) -> None:
        if self.years is None or not isinstance(data, list | tuple) or len(data) == self.years:
            return
        if may_be_empty and not data:
            return
        self.problems.append(f"{path}: must hold one value per plan year, {self.years} in all (got {len(data)})")

    def plan_years(self, data: object, path: str) -> None:
        """The plan's own rules for its years: one or two, each like 2025-26, the second after the first."""
        years = list(typing.cast(Sequence[str], data))
        if not 1 <= len(years) <= 2:
            self.problem(path, "a plan covers one or two years", data)
            return
        good = True
        for i, year in enumerate(years):
            try:
                check_year(year)
            except BcfInputError as exc:
                self.problem(f"{path}[{i}]", exc.rule, year)
                good = False
        if good and len(years) == 2 and int(years[1][:4]) != int(years[0][:4]) + 1:
            self.problem(path, "the two plan years must follow each other", " and ".join(years))


R = typing.TypeVar("R")


def record_from_mapping(cls: type[R], data: object) -> tuple[R | None, tuple[str, ...]]:
    """Build one of the engine's frozen records from plain data, field by field as :func:`plan_from_mapping` does.

    Args:
        cls: the record's class (a frozen dataclass of the engine, such as ``bcf_xl.monitoring.Actuals``).
        data: its fields as plain data.

    Returns:
        The record, or None when it cannot be built, and every problem found, each with its path.
    """
    reader = _Reader(None)
    record = reader.record(cls, data, "")
    return (record if isinstance(record, cls) and not reader.problems else None), tuple(reader.problems)


def record_to_mapping(record: object) -> dict[str, Any]:
    """Any of the engine's frozen records as plain, JSON-safe data, written as :func:`plan_to_mapping` writes a plan."""
    return typing.cast(dict[str, Any], _plain(record))
