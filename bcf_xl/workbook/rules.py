"""Workbook rules declared once: small expressions that write their Excel formula and evaluate as Excel does.

A Summary line or a checklist item is one expression. The builder writes ``"=" + rule.formula(sheet)`` into
its cell and stores what the rule computes from the cells as the cell's cached value; the validator asks the same
rule whether it holds. Nothing is written twice, so the workbook and Python cannot drift apart.

Evaluation follows Excel over a mapping ``{(sheet, cell): value}``:

- numbers are exact ``Decimal`` (floats through ``repr``); ROUND is half away from zero;
- a blank is 0 beside a number and "" beside text; text in a number cell is not a number (ISNUMBER is
  FALSE, N() gives 0, SUM skips it) and sorts above every number in a comparison, as in Excel;
- text ``=`` is case-insensitive; criteria of SUMIF(S)/COUNTIF and exact MATCH/VLOOKUP take ``*``, ``?``
  and ``~`` wildcards, and criteria may start with an operator (``">0"``);
- errors (``#N/A``, ``#VALUE!``...) are values that pass through every function but ISNA and IFERROR;
- ranges inside SUMPRODUCT and inside array-taking arguments are evaluated cell by cell, as Excel does.

Only the functions the templates use are here. Expressions are built with the functions below
(:func:`sum_`, :func:`sumifs`, :func:`if_`...), the arithmetic operators ``+ - * /`` and the comparison
methods (``a.eq(b)``, ``a.gt(0)``...); :func:`group` keeps brackets the formula text should show.

Two ways to evaluate, with the same outcome: ``rule.evaluate(cells)`` walks the expression node by node (the
plain reading of the rules above), and :func:`compiled` turns a rule, once, into nested Python functions that
a :class:`Calculation` and :func:`holds` use (a region's files are validated with them); a SUMPRODUCT's work in
one row becomes one function of Python statements. Tests hold the two equal, value for value, on random rules
and randomly edited templates.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import reduce
from itertools import repeat
from typing import Any, Union, cast

from bcf_xl.money import EXCEL_ERRORS
from bcf_xl.workbook.references import block_rows

Cells = Mapping[tuple[str, str], object]


@dataclass(frozen=True, slots=True)
class ExcelError:
    """An Excel error value such as ``#N/A``: a value a formula can produce, not a Python exception."""

    code: str

    def __str__(self) -> str:
        return self.code


NA = ExcelError("#N/A")
VALUE = ExcelError("#VALUE!")
DIV0 = ExcelError("#DIV/0!")
NUM = ExcelError("#NUM!")

Scalar = Decimal | str | bool | ExcelError | None
Value = Scalar | tuple[Scalar, ...]  # a tuple is a range evaluated cell by cell
Operand = Union["Expr", Decimal, int, str, bool]  # Python values become constants

_ZERO, _ONE = Decimal(0), Decimal(1)
_WIDE = Context(prec=400)  # any number a cell can hold (up to 1.8e308) still rounds exactly
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


# --- cell values as Excel sees them -----------------------------------------------------------------


def scalar(value: object) -> Scalar:
    """A cell value as Excel holds it: Decimal for numbers and dates, text, TRUE/FALSE, an error or a blank.

    Error text read from a file (``"#N/A"``) is the error; a number no cell can hold (NaN, infinity) is ``#NUM!``.
    """
    kind = type(value)  # the common kinds first, by exact type (a subclass takes the general way below)
    # (no typing.cast below: it is a call, and this runs for every cell read)
    if kind is Decimal:
        return value if value.is_finite() else NUM  # type: ignore[attr-defined,return-value]
    if kind is str:
        return ExcelError(value) if value in EXCEL_ERRORS else value  # type: ignore[return-value]
    if value is None or kind is bool:
        return value  # type: ignore[return-value]
    if kind is int:
        return Decimal(value)  # type: ignore[arg-type]
    if kind is float:
        return Decimal(repr(value)) if math.isfinite(value) else NUM  # type: ignore[arg-type]
    if value is None or isinstance(value, bool | ExcelError | str):
        return ExcelError(value) if isinstance(value, str) and value in EXCEL_ERRORS else value
    if isinstance(value, Decimal):
        return value if value.is_finite() else NUM
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else NUM
    if isinstance(value, datetime | date | time | timedelta):
        from openpyxl.utils.datetime import to_excel  # loaded for a date only: openpyxl loads all of itself

        return Decimal(repr(to_excel(value)))  # type: ignore[no-untyped-call]  # openpyxl is untyped
    return str(value)


def _number(value: Scalar) -> Decimal | ExcelError:
    """A value in arithmetic: blank 0, TRUE 1, number text converted, other text ``#VALUE!``."""
    if type(value) is Decimal:
        return value
    if value is None or value is False:
        return _ZERO
    if value is True:
        return _ONE
    if isinstance(value, ExcelError | Decimal):
        return value
    if value is None or isinstance(value, bool):
        return Decimal(int(bool(value)))
    if _NUMBER_TEXT.fullmatch(value):
        return Decimal(value.strip())
    return VALUE


def _text(value: Scalar) -> str | ExcelError:
    """A value as text: blank "", TRUE "TRUE", numbers as the General format shows them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < Decimal("1e15"):
            return str(int(value))
        return format(value.normalize(), ".15G")
    return value


def _logical(value: Scalar) -> bool | ExcelError:
    if isinstance(value, ExcelError | bool):
        return value
    if isinstance(value, Decimal):
        return value != 0
    return False if value is None else VALUE


def _error(*values: Value) -> ExcelError | None:
    """The first error among values (ranges included), as Excel passes it on."""
    for value in values:
        if isinstance(value, ExcelError):
            return value
        if isinstance(value, tuple) and ExcelError in set(map(type, value)):  # a range: its kinds looked at in one go
            return next(item for item in value if isinstance(item, ExcelError))
    return None


def _rank(value: Scalar) -> int:
    return 2 if isinstance(value, bool) else 1 if isinstance(value, str) else 0


def _compare(a: Scalar, b: Scalar) -> int | ExcelError:
    """Excel's ordering: numbers < text < TRUE/FALSE; text case-insensitive; a blank is 0, "" or FALSE."""
    kinds = (type(a), type(b))
    if kinds == (Decimal, Decimal):  # the common case first: two numbers
        return (a > b) - (a < b)  # type: ignore[operator]
    if kinds == (str, str):
        x, y = a.casefold(), b.casefold()  # type: ignore[union-attr]
        return (x > y) - (x < y)
    if isinstance(a, ExcelError):
        return a
    if isinstance(b, ExcelError):
        return b
    if a is None and b is None:
        return 0
    if a is None:
        a = False if isinstance(b, bool) else "" if isinstance(b, str) else Decimal(0)
    if b is None:
        b = False if isinstance(a, bool) else "" if isinstance(a, str) else Decimal(0)
    if _rank(a) != _rank(b):
        return -1 if _rank(a) < _rank(b) else 1
    x, y = (a.casefold(), b.casefold()) if isinstance(a, str) and isinstance(b, str) else (a, b)
    return (x > y) - (x < y)  # type: ignore[operator]


_ORDER: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    ">": lambda c: c > 0,
    "<=": lambda c: c <= 0,
    ">=": lambda c: c >= 0,
}


@functools.lru_cache(maxsize=4096)
def _wildcards(text: str) -> re.Pattern[str]:
    """Excel's wildcards: ``*`` any run, ``?`` one character, ``~`` makes the next one literal."""
    parts, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "~" and index + 1 < len(text) and text[index + 1] in "*?~":
            parts.append(re.escape(text[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _same(lookup: Scalar) -> Callable[[Scalar], bool]:
    """Exact MATCH/VLOOKUP: same kind of value, text case-insensitive with wildcards; a blank looks up 0."""
    if isinstance(lookup, str):
        pattern = _wildcards(lookup)
        return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None
    if isinstance(lookup, bool):
        return lambda v: isinstance(v, bool) and v == lookup
    wanted = Decimal(0) if lookup is None else lookup
    return lambda v: isinstance(v, Decimal) and v == wanted


def _criterion(criterion: Scalar) -> Callable[[Scalar], bool]:
    """A SUMIF/COUNTIF criterion: a value to equal, or text such as ``">0"``, ``"<>Joint"``, ``"S*"``."""
    if not isinstance(criterion, str):
        return _same(criterion)
    operator = next((op for op in ("<=", ">=", "<>", "<", ">", "=") if criterion.startswith(op)), "")
    rest = criterion[len(operator) :]
    operator = operator or "="
    test = _ORDER[operator]
    if _NUMBER_TEXT.fullmatch(rest):
        number = Decimal(rest.strip())
        if operator == "<>":
            return lambda v: not (isinstance(v, Decimal) and v == number)
        return lambda v: isinstance(v, Decimal) and test(_compare(v, number))  # type: ignore[arg-type]
    if operator in ("=", "<>"):
        pattern = _wildcards(rest)

        def equal(v: Scalar) -> bool:
            if rest == "":
                return v is None or v == ""
            return isinstance(v, str) and pattern.fullmatch(v) is not None

        return equal if operator == "=" else (lambda v: not equal(v))
    return lambda v: isinstance(v, str) and test(_compare(v, rest))  # type: ignore[arg-type]


def _each(function: Callable[..., Scalar], *values: Value) -> Value:
    """Apply a function of single values cell by cell where any argument is a range (as inside SUMPRODUCT)."""
    if len(values) == 1:  # the common case first: one argument
        (only,) = values
        return tuple(map(function, only)) if isinstance(only, tuple) else function(only)
    if len(values) == 2:  # two arguments: one pass without building the list of arrays
        a, b = values
        if not isinstance(a, tuple):
            return function(a, b) if not isinstance(b, tuple) else tuple(map(function, repeat(a, len(b)), b))
        if not isinstance(b, tuple):
            return tuple(map(function, a, repeat(b, len(a))))
    arrays = [v for v in values if isinstance(v, tuple)]
    if not arrays:
        return function(*values)
    size = len(arrays[0])
    if any(len(a) != size for a in arrays):
        return tuple(NA for _ in range(max(len(a) for a in arrays)))
    return tuple(map(function, *(v if isinstance(v, tuple) else repeat(v, size) for v in values)))


# --- expressions ------------------------------------------------------------------------------------


class Expr(ABC):
    """An expression of a workbook rule: renders its Excel formula and evaluates itself over cell values."""

    __slots__ = ()

    @property
    def precedence(self) -> int:
        """How tightly the formula text binds: brackets go where a looser expression sits inside a tighter one."""
        return 9

    @abstractmethod
    def formula(self, home: str | None = None) -> str:
        """The Excel formula text, without the leading "="; references to the ``home`` sheet are left bare."""

    @abstractmethod
    def evaluate(self, cells: Cells) -> Value:
        """The value Excel computes for this expression from ``cells`` ({(sheet, cell): value})."""

    def __add__(self, other: Operand) -> Expr:
        return Arithmetic("+", self, lift(other))

    def __sub__(self, other: Operand) -> Expr:
        return Arithmetic("-", self, lift(other))

    def __mul__(self, other: Operand) -> Expr:
        return Arithmetic("*", self, lift(other))

    def __truediv__(self, other: Operand) -> Expr:
        return Arithmetic("/", self, lift(other))

    def eq(self, other: Operand) -> Expr:
        """``self=other`` (text case-insensitive)."""
        return Comparison("=", self, lift(other))

    def ne(self, other: Operand) -> Expr:
        """``self<>other``."""
        return Comparison("<>", self, lift(other))

    def lt(self, other: Operand) -> Expr:
        """``self<other``."""
        return Comparison("<", self, lift(other))

    def gt(self, other: Operand) -> Expr:
        """``self>other``."""
        return Comparison(">", self, lift(other))

    def le(self, other: Operand) -> Expr:
        """``self<=other``."""
        return Comparison("<=", self, lift(other))

    def ge(self, other: Operand) -> Expr:
        """``self>=other``."""
        return Comparison(">=", self, lift(other))


def lift(value: Operand) -> Expr:
    """An expression for a Python value: expressions stay, numbers, text and TRUE/FALSE become constants."""
    return value if isinstance(value, Expr) else Const(value)


def _sheet_prefix(sheet: str, home: str | None) -> str:
    if sheet == home:
        return ""
    return f"{sheet}!" if _PLAIN_SHEET.fullmatch(sheet) else "'" + sheet.replace("'", "''") + "'!"


@dataclass(frozen=True, slots=True)
class Const(Expr):
    """A number, text or TRUE/FALSE written into the formula."""

    value: Decimal | int | str | bool
    scalar: Scalar = field(init=False, repr=False, compare=False)  # the value as Excel holds it, made once

    def __post_init__(self) -> None:
        object.__setattr__(self, "scalar", scalar(self.value))

    def formula(self, home: str | None = None) -> str:
        if isinstance(self.value, bool):
            return "TRUE" if self.value else "FALSE"
        if isinstance(self.value, str):
            return '"' + self.value.replace('"', '""') + '"'
        return format(Decimal(self.value), "f")

    def evaluate(self, cells: Cells) -> Value:
        return self.scalar


@dataclass(frozen=True, slots=True)
class Ref(Expr):
    """One cell of a sheet; ``cell`` keeps any ``$`` the formula text should show (``"$C$4"``)."""

    sheet: str
    cell: str
    key: tuple[str, str] = field(init=False, repr=False, compare=False)  # (sheet, cell without "$"), made once

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.sheet, self.cell.replace("$", "")))

    def formula(self, home: str | None = None) -> str:
        return _sheet_prefix(self.sheet, home) + self.cell

    def evaluate(self, cells: Cells) -> Value:
        return scalar(cells.get(self.key))


@dataclass(frozen=True, slots=True)
class Range(Expr):
    """A block of cells (``"$A$4:$A$23"``); evaluates to its values, row by row."""

    sheet: str
    cells: str

    def formula(self, home: str | None = None) -> str:
        return _sheet_prefix(self.sheet, home) + self.cells

    def rows(self, cells: Cells) -> list[tuple[Scalar, ...]]:
        """The values of the range, one tuple per row (read once per :class:`Calculation`)."""
        if isinstance(cells, Calculation):
            return cells.block(self.sheet, self.cells)
        return _block_values(self.sheet, self.cells, cells)

    def evaluate(self, cells: Cells) -> Value:
        if isinstance(cells, Calculation):
            return cells.flat(self.sheet, self.cells)
        return tuple(value for row in self.rows(cells) for value in row)


@functools.lru_cache(maxsize=1024)
def _block(sheet: str, cells: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The (sheet, cell) keys of a block such as ``$A$4:$B$5``, row by row."""
    return tuple(tuple((sheet, cell) for cell in row) for row in block_rows(cells.replace("$", "")))


@functools.lru_cache(maxsize=1024)
def _flat_keys(sheet: str, cells: str) -> tuple[tuple[str, str], ...]:
    """The (sheet, cell) keys of a block, row after row."""
    return tuple(key for row in _block(sheet, cells) for key in row)


def _block_values(sheet: str, block: str, cells: Cells) -> list[tuple[Scalar, ...]]:
    return [tuple(scalar(cells.get(key)) for key in row) for row in _block(sheet, block)]


def _parse(reference: str) -> tuple[str, str]:
    sheet, _, cells = reference.rpartition("!")
    if not sheet or not cells:
        raise ValueError(f"a rule's reference must be Sheet!Cell or Sheet!First:Last (got {reference!r})")
    return (sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet), cells


def cell_at(reference: str) -> Ref:
    """The cell a ``Sheet!A1`` or ``'Sheet name'!$A$1`` reference names."""
    sheet, cells = _parse(reference)
    if ":" in cells:
        raise ValueError(f"a cell reference names one cell (got {reference!r})")
    return Ref(sheet, cells)


def range_at(reference: str) -> Range:
    """The range a ``Sheet!$A$1:$B$9`` or ``'Sheet name'!A1:A9`` reference names."""
    sheet, block = _parse(reference)
    if ":" not in block:
        raise ValueError(f"a range reference names first and last cells (got {reference!r})")
    return Range(sheet, block)


@dataclass(frozen=True, slots=True)
class Group(Expr):
    """Brackets the formula text shows around an expression; the value is the expression's."""

    inner: Expr

    def formula(self, home: str | None = None) -> str:
        return f"({self.inner.formula(home)})"

    def evaluate(self, cells: Cells) -> Value:
        return self.inner.evaluate(cells)


def group(inner: Expr) -> Expr:
    """``(inner)``: brackets kept in the formula text."""
    return Group(inner)


def _binary(node: Arithmetic | Comparison, home: str | None) -> str:
    """``left op right``, bracketing an operand that would otherwise bind differently (or a nested comparison)."""

    def side(child: Expr, right: bool) -> str:
        text = child.formula(home)
        lower = child.precedence < node.precedence
        same = child.precedence == node.precedence and (
            isinstance(node, Comparison) or (right and node.operator in "-/")
        )
        return f"({text})" if lower or same else text

    return side(node.left, False) + node.operator + side(node.right, True)


@dataclass(frozen=True, slots=True)
class Arithmetic(Expr):
    """``left + - * / right``, cell by cell over ranges."""

    operator: str
    left: Expr
    right: Expr

    @property
    def precedence(self) -> int:
        return 2 if self.operator in "*/" else 1

    def formula(self, home: str | None = None) -> str:
        return _binary(self, home)

    def evaluate(self, cells: Cells) -> Value:
        return _arithmetic_values(self.operator, self.left.evaluate(cells), self.right.evaluate(cells))


def _arithmetic_values(operator_text: str, left: Value, right: Value) -> Value:
    """``left operator right`` over two evaluated operands, cell by cell where either is a range."""
    if operator_text != "/" and (isinstance(left, tuple) or isinstance(right, tuple)):
        found = _arithmetic_over(_OPERATIONS[operator_text], left, right)
        if found is not None:
            return found
    return _each(_ARITHMETIC[operator_text], left, right)


_OPERATIONS: Mapping[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def _as_numbers(values: Value) -> list[Decimal | ExcelError] | Decimal | ExcelError:
    """Values in arithmetic (as :func:`_number`), a range's cell by cell; blanks, TRUE and FALSE without a call."""
    if not isinstance(values, tuple):
        return _number(values)
    found: list[Decimal | ExcelError] = []
    append = found.append
    for value in values:
        if type(value) is Decimal:
            append(value)
        elif value is True:
            append(_ONE)
        elif value is False or value is None:
            append(_ZERO)
        else:
            append(_number(value))
    return found


def _arithmetic_over(operation: Callable[[Any, Any], Any], left: Value, right: Value) -> tuple[Scalar, ...] | None:
    """``left operation right`` cell by cell where either is a range and every value is a number once converted;
    None where some value is an error or the ranges differ in size (then :func:`_each` works it out)."""
    xs, ys = _as_numbers(left), _as_numbers(right)
    if isinstance(xs, list) and isinstance(ys, list) and len(xs) != len(ys):
        return None
    try:
        return tuple(
            map(
                operation,
                xs if isinstance(xs, list) else repeat(xs),
                ys if isinstance(ys, list) else repeat(ys),
            )
        )
    except TypeError:  # an error value among them
        return None


def _arithmetic(operator: str) -> Callable[[Scalar, Scalar], Scalar]:
    """``a operator b`` on two values as Excel works it out (blank 0, TRUE 1, number text converted)."""

    def apply(a: Scalar, b: Scalar) -> Scalar:
        x = a if type(a) is Decimal else _number(a)
        y = b if type(b) is Decimal else _number(b)
        if isinstance(x, ExcelError):
            return x
        if isinstance(y, ExcelError):
            return y
        if operator == "+":
            return x + y
        if operator == "-":
            return x - y
        if operator == "*":
            return x * y
        return DIV0 if y == 0 else x / y

    return apply


_ARITHMETIC = {operator: _arithmetic(operator) for operator in "+-*/"}


@dataclass(frozen=True, slots=True)
class Comparison(Expr):
    """``left = <> < > <= >= right``: TRUE or FALSE, cell by cell over ranges."""

    operator: str
    left: Expr
    right: Expr

    @property
    def precedence(self) -> int:
        return 0

    def formula(self, home: str | None = None) -> str:
        return _binary(self, home)

    def evaluate(self, cells: Cells) -> Value:
        return _comparison_values(self.operator, self.left.evaluate(cells), self.right.evaluate(cells))


def _comparison_values(operator_text: str, left: Value, right: Value) -> Value:
    """``left operator right`` over two evaluated operands: TRUE or FALSE, cell by cell where either is a range."""
    if isinstance(left, tuple) and not isinstance(right, tuple):
        found = _compared_over(operator_text, left, right)
        if found is not None:
            return found
    return _each(_COMPARISONS[operator_text], left, right)


_TESTS: Mapping[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_NONE = type(None)


def _compared_over(operator_text: str, values: tuple[Scalar, ...], other: Scalar) -> tuple[Scalar, ...] | None:
    """A range compared with one value in one pass where Excel's order is plain: numbers with a number, or texts
    and blanks with a text (case-insensitive, a blank as ""); None otherwise (then :func:`_each` works it out)."""
    kinds = set(map(type, values))
    test = _TESTS[operator_text]
    if type(other) is Decimal and kinds <= {Decimal}:
        return tuple(map(test, values, repeat(other)))
    if type(other) is str and kinds <= {str, _NONE}:
        folded = other.casefold()
        return tuple(test("" if value is None else value.casefold(), folded) for value in values)  # type: ignore[union-attr]
    return None


def _comparison(test: Callable[[int], bool]) -> Callable[[Scalar, Scalar], Scalar]:
    """A comparison of two values as Excel makes it: TRUE, FALSE or the error either value holds."""
    outcome = (test(-1), test(0), test(1))  # what the comparison gives when a is below, equal to, above b

    def apply(a: Scalar, b: Scalar) -> Scalar:
        kind = type(a)
        if kind is Decimal and type(b) is Decimal:  # two numbers, the common case, without a further call
            return outcome[(a > b) - (a < b) + 1]  # type: ignore[operator]
        if a is None and type(b) is Decimal:  # a blank beside a number is 0
            return outcome[(b < 0) - (b > 0) + 1]
        if type(b) is str and (kind is str or a is None):  # text with text or a blank (as ""), any case
            x, y = "" if a is None else a.casefold(), b.casefold()  # type: ignore[union-attr]
            return outcome[(x > y) - (x < y) + 1]
        order = _compare(a, b)
        return order if isinstance(order, ExcelError) else outcome[order + 1]

    return apply


_COMPARISONS = {operator: _comparison(test) for operator, test in _ORDER.items()}


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """An Excel function applied to its arguments (only those in :data:`FUNCTIONS`)."""

    name: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.name not in FUNCTIONS:
            raise ValueError(f"a rule can use {', '.join(sorted(FUNCTIONS))} (got {self.name!r})")

    def formula(self, home: str | None = None) -> str:
        return f"{self.name}({','.join(arg.formula(home) for arg in self.args)})"

    def evaluate(self, cells: Cells) -> Value:
        return FUNCTIONS[self.name](self.args, cells)


# --- the functions ------------------------------------------------------------------------------------

Args = tuple[Expr, ...]


def _numbers(args: Args, cells: Cells) -> list[Decimal] | ExcelError:
    """SUM/MAX arguments: numbers of ranges (text, blanks, TRUE/FALSE skipped); single values converted."""
    found: list[Decimal] = []
    for arg in args:
        value = arg.evaluate(cells)
        error = _error(value)
        if error:
            return error
        if isinstance(value, tuple):
            found += [v for v in value if isinstance(v, Decimal)]
        else:
            number = _number(value)
            if isinstance(number, ExcelError):
                return number
            found.append(number)
    return found


def _sum(args: Args, cells: Cells) -> Value:
    numbers = _numbers(args, cells)
    return numbers if isinstance(numbers, ExcelError) else sum(numbers, Decimal(0))


def _max(args: Args, cells: Cells) -> Value:
    numbers = _numbers(args, cells)
    return numbers if isinstance(numbers, ExcelError) else max(numbers, default=Decimal(0))


def _cells(arg: Expr, cells: Cells) -> tuple[Scalar, ...]:
    value = arg.evaluate(cells)
    return value if isinstance(value, tuple) else (value,)


def _sumifs(sum_range: Expr, tests: list[tuple[Expr, Expr]], cells: Cells) -> Value:
    amounts = _cells(sum_range, cells)
    keep = [True] * len(amounts)
    for criteria_range, criterion in tests:
        wanted = criterion.evaluate(cells)
        if isinstance(wanted, tuple):
            return VALUE
        test = _criterion(wanted)
        tested = _cells(criteria_range, cells)
        if len(tested) != len(amounts):
            return VALUE
        keep = [k and test(v) for k, v in zip(keep, tested, strict=True)]
    chosen = [a for a, k in zip(amounts, keep, strict=True) if k]
    error = _error(tuple(chosen))
    return error or sum((a for a in chosen if isinstance(a, Decimal)), Decimal(0))


def _sumif(args: Args, cells: Cells) -> Value:
    return _sumifs(args[2], [(args[0], args[1])], cells)


def _sumifs_call(args: Args, cells: Cells) -> Value:
    return _sumifs(args[0], list(zip(args[1::2], args[2::2], strict=True)), cells)


class _Index:
    """Where each plain value sits in a range, for exact lookups in one step instead of a scan.

    Only what equality alone decides is indexed: numbers, and ASCII text without wildcards (for which Excel's
    case-insensitive match is equality of lower case). Any other lookup scans the range as Excel's rules say.
    """

    def __init__(self, values: tuple[Scalar, ...]) -> None:
        at: dict[object, list[int]] = {}  # every position (from 0) of each key, in order
        exact = True  # False when some text is not ASCII: lookups of text then scan
        for position, value in enumerate(values):
            if value is None:  # a blank, the common case in a table's empty rows
                continue
            key: object
            if type(value) is Decimal or (type(value) is not str and isinstance(value, Decimal)):
                key = value
            elif isinstance(value, str):
                if not value.isascii():
                    exact = False
                    continue
                key = ("text", value.lower())
            else:
                continue
            found = at.get(key)
            if found is None:
                at[key] = [position]
            else:
                found.append(position)
        self.at, self.exact = at, exact
        self._text_keys: dict[str, object] = {}  # the key of each text looked up so far

    @functools.cached_property
    def first(self) -> dict[object, int]:
        """The first position (from 1) of each key."""
        return {key: positions[0] + 1 for key, positions in self.at.items()}

    @functools.cached_property
    def count(self) -> dict[object, int]:
        """How many cells hold each key."""
        return {key: len(positions) for key, positions in self.at.items()}

    def key(self, lookup: Scalar) -> object | None:
        """The index key of a lookup value, or None when the lookup must scan."""
        if type(lookup) is str:  # text, the common lookup: its key worked out once per index
            found = self._text_keys.get(lookup, _MISSING)
            if found is _MISSING:
                plain = self.exact and lookup.isascii() and not _WILDCARD.search(lookup)
                found = self._text_keys[lookup] = ("text", lookup.lower()) if plain else None
            return found
        if isinstance(lookup, Decimal):
            return lookup
        if lookup is None:
            return Decimal(0)  # a blank looks up 0
        if isinstance(lookup, str) and self.exact and lookup.isascii() and not _WILDCARD.search(lookup):
            return ("text", lookup.lower())
        return None


_WILDCARD = re.compile(r"[*?~]")
_CRITERION_OPERATOR = re.compile(r"^(<=|>=|<>|<|>|=)")


def _countif(args: Args, cells: Cells) -> Value:
    tested = _cells(args[0], cells)
    index = _Index(tested)
    return _each(functools.partial(_count, index, tested), args[1].evaluate(cells))


def _count(index: _Index, tested: tuple[Scalar, ...], criterion: Scalar) -> Scalar:
    """COUNTIF of one criterion over the tested values (``index`` their index)."""
    key = _criterion_key(index, criterion)
    if key is not None:
        return Decimal(index.count.get(key, 0))
    test = _criterion(criterion)  # once per criterion, not once per cell tested
    return Decimal(sum(1 for v in tested if test(v)))


def _criterion_key(index: _Index, criterion: Scalar) -> object | None:
    """The index key of a SUMIF/COUNTIF criterion that is a plain value to equal (no operator, no number text, no
    wildcard), so that the cells it accepts are those the index holds under the key; else None."""
    plain = not (
        isinstance(criterion, str)
        and (_CRITERION_OPERATOR.match(criterion) or _NUMBER_TEXT.fullmatch(criterion) or criterion == "")
    )
    return index.key(criterion) if plain and not isinstance(criterion, bool | ExcelError) else None


def _sumproduct(args: Args, cells: Cells) -> Value:
    arrays = [_cells(arg, cells) for arg in args]
    if len({len(a) for a in arrays}) != 1:
        return VALUE
    error = _error(*arrays)
    if error:
        return error
    if len(arrays) == 1:  # one array (how the templates call it): the sum of its numbers
        return sum((v for v in arrays[0] if isinstance(v, Decimal)), Decimal(0))
    total = Decimal(0)
    for row in zip(*arrays, strict=True):
        total += reduce(lambda x, y: x * y, (v if isinstance(v, Decimal) else Decimal(0) for v in row))
    return total


def _match(args: Args, cells: Cells) -> Value:
    candidates = _cells(args[1], cells)
    index = _Index(candidates)
    return _each(functools.partial(_position, index, candidates), args[0].evaluate(cells))


def _position(index: _Index, candidates: tuple[Scalar, ...], lookup: Scalar) -> Scalar:
    """MATCH of one lookup value among the candidates (``index`` their index): its first position, else #N/A."""
    if isinstance(lookup, ExcelError):
        return lookup
    key = index.key(lookup)
    if key is not None:
        found = index.first.get(key)
        return NA if found is None else _WHOLE[found] if found < len(_WHOLE) else Decimal(found)
    same = _same(lookup)
    return next((Decimal(i) for i, v in enumerate(candidates, start=1) if same(v)), NA)


def _vlookup(args: Args, cells: Cells) -> Value:
    table = args[1]
    if not isinstance(table, Range):
        return VALUE
    rows = table.rows(cells)
    column = _number(_scalar_of(args[2].evaluate(cells)))
    if isinstance(column, ExcelError):
        return column
    index = cells.first_column(table) if isinstance(cells, Calculation) else _Index(tuple(r[0] for r in rows))
    return _each(functools.partial(_find, index, rows, column), args[0].evaluate(cells))


def _find(index: _Index, rows: list[tuple[Scalar, ...]], column: Decimal, lookup: Scalar) -> Scalar:
    """VLOOKUP of one lookup value in a table's rows (``index`` its first column's index)."""
    if isinstance(lookup, ExcelError):
        return lookup
    key = index.key(lookup)
    if key is not None:  # found in one step, as the scan below would find it
        position = index.first.get(key)
        row = None if position is None else rows[position - 1]
    else:
        same = _same(lookup)
        row = next((r for r in rows if same(r[0])), None)
    if row is None:
        return NA
    if not 1 <= column <= len(row):
        return ExcelError("#REF!")
    found = row[int(column) - 1]
    return Decimal(0) if found is None else found  # a looked-up blank shows as 0


def _scalar_of(value: Value) -> Scalar:
    return VALUE if isinstance(value, tuple) else value


def _if(args: Args, cells: Cells) -> Value:
    condition = _logical(_scalar_of(args[0].evaluate(cells)))
    if isinstance(condition, ExcelError):
        return condition
    if condition:
        return args[1].evaluate(cells)
    return args[2].evaluate(cells) if len(args) > 2 else False


def _logicals(args: Args, cells: Cells) -> list[bool] | ExcelError:
    found: list[bool] = []
    for arg in args:
        value = arg.evaluate(cells)
        error = _error(value)
        if error:
            return error
        if isinstance(value, tuple):
            found += [v if isinstance(v, bool) else v != 0 for v in value if isinstance(v, bool | Decimal)]
        elif value is not None:
            logical = _logical(value)
            if isinstance(logical, ExcelError):
                return logical
            found.append(logical)
    return found or VALUE


def _and(args: Args, cells: Cells) -> Value:
    found = _logicals(args, cells)
    return found if isinstance(found, ExcelError) else all(found)


def _or(args: Args, cells: Cells) -> Value:
    found = _logicals(args, cells)
    return found if isinstance(found, ExcelError) else any(found)


def _round_one(value: Scalar, digits: Scalar) -> Scalar:
    number, places = _number(value), _number(digits)
    if isinstance(number, ExcelError):
        return number
    if isinstance(places, ExcelError):
        return places
    exponent = -int(places)  # the power of ten to round to (Excel drops a fraction of places)
    if exponent > number.adjusted() + 1:  # a power of ten so far above the number that it rounds to 0
        return _ZERO
    if number.adjusted() - exponent >= _WIDE.prec and number.as_tuple().exponent >= exponent:  # type: ignore[operator]
        return number  # more places than the number has (and than any precision holds): nothing to round
    return number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP, context=_WIDE)


def _search_one(find: Scalar, within: Scalar) -> Scalar:
    needle, text = _text(find), _text(within)
    if isinstance(needle, ExcelError):
        return needle
    if isinstance(text, ExcelError):
        return text
    found = _wildcards(needle).search(text)
    return VALUE if found is None else Decimal(found.start() + 1)


def _one(function: Callable[[Scalar], Scalar]) -> Callable[[Args, Cells], Value]:
    """A function of one value, applied cell by cell over a range."""
    return lambda args, cells: _each(function, args[0].evaluate(cells))


def _two(function: Callable[[Scalar, Scalar], Scalar]) -> Callable[[Args, Cells], Value]:
    """A function of two values, applied cell by cell over ranges."""
    return lambda args, cells: _each(function, args[0].evaluate(cells), args[1].evaluate(cells))


def _n(value: Scalar) -> Scalar:
    if isinstance(value, ExcelError | Decimal):
        return value
    return Decimal(1) if value is True else Decimal(0)


def _iferror(args: Args, cells: Cells) -> Value:
    value = args[0].evaluate(cells)
    fallback = args[1].evaluate(cells)
    return _each(_or_fallback, value, fallback)


def _or_fallback(value: Scalar, fallback: Scalar) -> Scalar:
    return fallback if isinstance(value, ExcelError) else value


def _length(value: Scalar) -> Scalar:
    text = value if type(value) is str else "" if value is None else _text(value)
    if isinstance(text, ExcelError):
        return text
    size = len(text)
    return _WHOLE[size] if size < len(_WHOLE) else Decimal(size)


_WHOLE = tuple(Decimal(i) for i in range(256))  # small whole numbers, made once


def _trim(value: Scalar) -> Scalar:
    text = _text(value)
    return text if isinstance(text, ExcelError) else " ".join(part for part in text.split(" ") if part)


def _not(value: Scalar) -> Scalar:
    logical = _logical(value)
    return logical if isinstance(logical, ExcelError) else not logical


def _isna(value: Scalar) -> Scalar:
    return type(value) is ExcelError and value.code == "#N/A"  # as value == NA, without Decimal's reflected ==


def _isnumber(value: Scalar) -> Scalar:
    return isinstance(value, Decimal)


# The functions of one value, applied cell by cell over a range.
_ONE_VALUE: Mapping[str, Callable[[Scalar], Scalar]] = {
    "ISNA": _isna,
    "ISNUMBER": _isnumber,
    "LEN": _length,
    "N": _n,
    "NOT": _not,
    "TRIM": _trim,
}
# The functions of two values, applied cell by cell where either is a range.
_TWO_VALUES: Mapping[str, Callable[[Scalar, Scalar], Scalar]] = {
    "IFERROR": _or_fallback,
    "ROUND": _round_one,
    "SEARCH": _search_one,
}

FUNCTIONS: Mapping[str, Callable[[Args, Cells], Value]] = {
    "AND": _and,
    "COUNTIF": _countif,
    "IF": _if,
    "IFERROR": _iferror,
    "ISNA": _one(_ONE_VALUE["ISNA"]),
    "ISNUMBER": _one(_ONE_VALUE["ISNUMBER"]),
    "LEN": _one(_ONE_VALUE["LEN"]),
    "MATCH": _match,
    "MAX": _max,
    "N": _one(_ONE_VALUE["N"]),
    "NOT": _one(_ONE_VALUE["NOT"]),
    "OR": _or,
    "ROUND": _two(_round_one),
    "SEARCH": _two(_search_one),
    "SUM": _sum,
    "SUMIF": _sumif,
    "SUMIFS": _sumifs_call,
    "SUMPRODUCT": _sumproduct,
    "TRIM": _one(_ONE_VALUE["TRIM"]),
    "VLOOKUP": _vlookup,
}


# --- building expressions ---------------------------------------------------------------------------------


def _call(name: str, *args: Operand) -> Expr:
    return Call(name, tuple(lift(arg) for arg in args))


def sum_(*ranges: Operand) -> Expr:
    """SUM: the numbers of the ranges (text and blanks skipped)."""
    return _call("SUM", *ranges)


def sumif(tested: Range, criterion: Operand, amounts: Range) -> Expr:
    """SUMIF: the amounts whose tested cell meets the criterion."""
    return _call("SUMIF", tested, criterion, amounts)


def sumifs(amounts: Range, *tests: tuple[Range, Operand]) -> Expr:
    """SUMIFS: the amounts whose tested cells meet every (range, criterion) pair."""
    return _call("SUMIFS", amounts, *(part for test in tests for part in test))


def sumproduct(array: Expr) -> Expr:
    """SUMPRODUCT of one array expression: its ranges are evaluated cell by cell, then added up."""
    return _call("SUMPRODUCT", array)


def countif(tested: Range, criterion: Operand) -> Expr:
    """COUNTIF: how many cells meet the criterion (a range of criteria gives one count each)."""
    return _call("COUNTIF", tested, criterion)


def match(lookup: Operand, candidates: Range) -> Expr:
    """MATCH(lookup, candidates, 0): the position of the first exact match, else #N/A."""
    return _call("MATCH", lookup, candidates, 0)


def vlookup(lookup: Operand, table: Range, column: int) -> Expr:
    """VLOOKUP(lookup, table, column, FALSE): the column's value on the first exact match, else #N/A."""
    return _call("VLOOKUP", lookup, table, column, False)


def iferror(value: Operand, fallback: Operand) -> Expr:
    """IFERROR: the value, or the fallback where it is an error."""
    return _call("IFERROR", value, fallback)


def if_(condition: Operand, then: Operand, otherwise: Operand) -> Expr:
    """IF: ``then`` where the condition holds, else ``otherwise`` (only the chosen one is evaluated)."""
    return _call("IF", condition, then, otherwise)


def and_(*tests: Operand) -> Expr:
    """AND of the tests."""
    return _call("AND", *tests)


def or_(*tests: Operand) -> Expr:
    """OR of the tests."""
    return _call("OR", *tests)


def not_(test: Operand) -> Expr:
    """NOT of the test."""
    return _call("NOT", test)


def round_(value: Operand, digits: int) -> Expr:
    """ROUND: half away from zero, as Excel rounds."""
    return _call("ROUND", value, digits)


def max_(*values: Operand) -> Expr:
    """MAX of the values."""
    return _call("MAX", *values)


def n(value: Operand) -> Expr:
    """N: the number in a cell; 0 for text and blanks, 1 for TRUE."""
    return _call("N", value)


def isnumber(value: Operand) -> Expr:
    """ISNUMBER: TRUE only for a number (not for number-like text, not for TRUE/FALSE)."""
    return _call("ISNUMBER", value)


def isna(value: Operand) -> Expr:
    """ISNA: TRUE for the #N/A error."""
    return _call("ISNA", value)


def len_(value: Operand) -> Expr:
    """LEN: the length of the value as text."""
    return _call("LEN", value)


def trim(value: Operand) -> Expr:
    """TRIM: spaces removed from both ends, inner runs of spaces made one."""
    return _call("TRIM", value)


def search(find: Operand, within: Operand) -> Expr:
    """SEARCH: where ``find`` first occurs in ``within`` (case-insensitive, wildcards), else #VALUE!."""
    return _call("SEARCH", find, within)


# --- rules compiled into Python functions ------------------------------------------------------------------

Compiled = Callable[["Calculation"], Value]
RowFunction = Callable[[tuple[Scalar, ...], list[Any]], Scalar]

# Each rule's compiled function, by the rule's id; the rule is held with it, so the id is never reused.
_COMPILED: dict[int, tuple[Expr, Compiled]] = {}


def compiled(rule: Expr) -> Compiled:
    """The rule as one Python function of a :class:`Calculation`, giving what ``rule.evaluate`` gives; made once.

    The function is nested closures, one per node, each chosen for the node's function and for whether its
    arguments are single values or ranges (known from the rule's shape): evaluating does no method dispatch per
    node and no test of kinds the shape settles. Ranges are read once per calculation, and lookup indexes of a
    range made once per calculation. A SUMPRODUCT of one array of ranges goes through the ranges' rows once,
    working out a row whose cells are all blank only once; SUMIF(S) tests only the rows whose amount can count.
    """
    held = _COMPILED.get(id(rule))
    if held is not None and held[0] is rule:
        return held[1]
    function = _compile(rule)
    if len(_COMPILED) >= _MOST_SHAPES:
        _COMPILED.clear()
    _COMPILED[id(rule)] = (rule, function)
    return function


# Functions whose value is one value, whatever their arguments.
_SINGLE_CALLS = frozenset({"AND", "MAX", "OR", "SUM", "SUMIF", "SUMIFS", "SUMPRODUCT"})
# The arguments that decide whether a function's value is one value or a range's worth, cell by cell.
_ELEMENTWISE_ARGS: Mapping[str, slice] = {
    **{name: slice(0, 1) for name in (*_ONE_VALUE, "MATCH", "VLOOKUP")},
    **{name: slice(0, 2) for name in _TWO_VALUES},
    "COUNTIF": slice(1, 2),
    "IF": slice(1, 3),
}


def _single(rule: Expr) -> bool:
    """True when the rule's value is always one value, never a range's values (from its shape alone)."""
    kind = type(rule)
    if kind is Const or kind is Ref:
        return True
    if kind is Group:
        return _single(cast(Group, rule).inner)
    if kind is Arithmetic or kind is Comparison:
        binary = cast(Arithmetic | Comparison, rule)
        return _single(binary.left) and _single(binary.right)
    if kind is Call:
        call = cast(Call, rule)
        if call.name in _SINGLE_CALLS:
            return True
        decisive = _ELEMENTWISE_ARGS.get(call.name)
        return decisive is not None and all(_single(arg) for arg in call.args[decisive])
    return False


def _compile(rule: Expr) -> Compiled:
    kind = type(rule)
    if kind is Const:
        value = cast(Const, rule).scalar
        return lambda c: value
    if kind is Ref:
        key = cast(Ref, rule).key
        return lambda c: c.scalar_at(key)
    if kind is Range:
        sheet, block = cast(Range, rule).sheet, cast(Range, rule).cells
        return lambda c: c.flat(sheet, block)
    if kind is Group:
        return _compile(cast(Group, rule).inner)
    if kind is Arithmetic or kind is Comparison:
        return _compile_binary(cast(Arithmetic | Comparison, rule))
    if kind is Call:
        call = cast(Call, rule)
        maker = _CALL_COMPILERS.get(call.name)
        found = maker(call) if maker is not None else None
        return found if found is not None else _interpreted(call)
    return rule.evaluate  # an expression of another kind evaluates itself


def _compile_binary(rule: Arithmetic | Comparison) -> Compiled:
    left, right, operator_text = _compile(rule.left), _compile(rule.right), rule.operator
    arithmetic = isinstance(rule, Arithmetic)
    if _single(rule.left) and _single(rule.right):
        apply = (_ARITHMETIC if arithmetic else _COMPARISONS)[operator_text]
        if type(rule.right) is Const:  # a cell or a value against a constant (who="ICB"), one call fewer
            value = rule.right.scalar
            if type(rule.left) is Ref:
                key = rule.left.key
                if not arithmetic and type(value) is str:  # a text compared with a text in place, any case
                    test, folded = _TESTS[operator_text], value.casefold()
                    return lambda c: (
                        test(x.casefold(), folded) if type(x := c.scalar_at(key)) is str else apply(x, value)
                    )
                return lambda c: apply(c.scalar_at(key), value)
            return lambda c: apply(left(c), value)  # type: ignore[arg-type]  # a single value, by its shape
        return lambda c: apply(left(c), right(c))  # type: ignore[arg-type]  # both single values, by their shape
    over = _arithmetic_values if arithmetic else _comparison_values
    return lambda c: over(operator_text, left(c), right(c))


class _Precompiled(Expr):
    """An argument handed to a function of :data:`FUNCTIONS` as an expression, evaluating through its compiled
    function inside a calculation."""

    __slots__ = ("inner", "run")

    def __init__(self, inner: Expr) -> None:
        self.inner = inner
        self.run = _compile(inner)

    def formula(self, home: str | None = None) -> str:
        return self.inner.formula(home)

    def evaluate(self, cells: Cells) -> Value:
        return self.run(cells) if isinstance(cells, Calculation) else self.inner.evaluate(cells)


def _interpreted(call: Call) -> Compiled:
    """A function applied as :data:`FUNCTIONS` applies it, its arguments evaluated through their compiled
    functions (ranges and constants, which some functions look at as they are, left as they are)."""
    args = tuple(arg if isinstance(arg, Range | Const) else _Precompiled(arg) for arg in call.args)
    function = FUNCTIONS[call.name]
    return lambda c: function(args, c)


def _compile_one_value(call: Call) -> Compiled:
    inner, function = _compile(call.args[0]), _ONE_VALUE[call.name]
    if type(call.args[0]) is Ref:  # a function of one cell (N(amount)), one call fewer
        key = call.args[0].key
        return lambda c: function(c.scalar_at(key))
    if _single(call.args[0]):
        return lambda c: function(inner(c))  # type: ignore[arg-type]  # a single value, by its shape
    return lambda c: _each(function, inner(c))


def _compile_two_values(call: Call) -> Compiled | None:
    if len(call.args) != 2:
        return None
    first, second, function = _compile(call.args[0]), _compile(call.args[1]), _TWO_VALUES[call.name]
    if not (_single(call.args[0]) and _single(call.args[1])):
        return lambda c: _each(function, first(c), second(c))
    if call.name == "IFERROR":  # the fallback is worked out only where it is shown

        def fallback(c: Calculation) -> Value:
            value = first(c)
            return second(c) if isinstance(value, ExcelError) else value

        return fallback
    return lambda c: function(first(c), second(c))  # type: ignore[arg-type]  # single values, by their shape


def _compile_if(call: Call) -> Compiled | None:
    if len(call.args) not in (2, 3):
        return None
    test, then = _compile(call.args[0]), _compile(call.args[1])
    otherwise = _compile(call.args[2]) if len(call.args) == 3 else None

    def choose(c: Calculation) -> Value:
        value = test(c)
        condition = value if value is True or value is False else _logical(_scalar_of(value))
        if isinstance(condition, ExcelError):
            return condition
        if condition:
            return then(c)
        return otherwise(c) if otherwise is not None else False

    return choose


def _compile_logical(call: Call) -> Compiled | None:
    if not all(_single(arg) for arg in call.args):
        return None
    tests, wanting_all = tuple(_compile(arg) for arg in call.args), call.name == "AND"

    def combine(c: Calculation) -> Value:
        seen, outcome = False, wanting_all
        for test in tests:
            value = test(c)
            if value is None:
                continue
            logical = value if value is True or value is False else _logical(value)  # type: ignore[arg-type]
            if isinstance(logical, ExcelError):
                return logical
            seen = True
            outcome = (outcome and logical) if wanting_all else (outcome or logical)
        return outcome if seen else VALUE

    return combine


def _compile_numbers(call: Call) -> Compiled:
    parts, adding = tuple(_compile(arg) for arg in call.args), call.name == "SUM"

    def gather(c: Calculation) -> Value:
        found: list[Decimal] = []
        for part in parts:
            value = part(c)
            if type(value) is tuple:
                error = _error(value)
                if error:
                    return error
                found += [v for v in value if isinstance(v, Decimal)]
            else:
                number = _number(value)  # type: ignore[arg-type]  # not a tuple
                if isinstance(number, ExcelError):
                    return number
                found.append(number)
        return sum(found, Decimal(0)) if adding else max(found, default=Decimal(0))

    return gather


def _compile_sumifs(call: Call) -> Compiled | None:
    if call.name == "SUMIF":
        if len(call.args) != 3:
            return None
        amounts_at, pairs = call.args[2], [(call.args[0], call.args[1])]
    else:
        amounts_at, pairs = call.args[0], list(zip(call.args[1::2], call.args[2::2], strict=True))
    if not isinstance(amounts_at, Range) or not all(isinstance(r, Range) and _single(w) for r, w in pairs):
        return None
    amounts_key = (amounts_at.sheet, amounts_at.cells)
    tests = tuple(((cast(Range, r).sheet, cast(Range, r).cells), _compile(w)) for r, w in pairs)

    def total(c: Calculation) -> Value:
        amounts = c.flat(*amounts_key)
        # A cell that is neither a number nor an error adds nothing whether or not its row is chosen.
        chosen = [i for i, a in enumerate(amounts) if type(a) is Decimal or isinstance(a, Decimal | ExcelError)]
        for key, wanted in tests:
            index, tested = c.indexed(*key)
            if len(tested) != len(amounts):
                return VALUE
            criterion: Scalar = wanted(c)  # type: ignore[assignment]  # a single value, by its shape
            plain = _criterion_key(index, criterion)
            if plain is not None:  # the cells that equal a plain value, from the index
                accepted = set(index.at.get(plain, ()))
                chosen = [i for i in chosen if i in accepted]
            else:
                test = _criterion(criterion)
                chosen = [i for i in chosen if test(tested[i])]
        found = Decimal(0)
        for i in chosen:
            amount = amounts[i]
            if isinstance(amount, ExcelError):
                return amount
            found += amount  # type: ignore[operator]  # a number: errors and other kinds are left out above
        return found

    return total


def _compile_indexed(call: Call) -> Compiled | None:
    """MATCH(lookup, range, 0) or COUNTIF(range, criterion): each value looked up in the range's index."""
    searched, looked_up = (1, 0) if call.name == "MATCH" else (0, 1)
    block = call.args[searched]
    if not isinstance(block, Range) or len(call.args) != (3 if call.name == "MATCH" else 2):
        return None
    values, key = _compile(call.args[looked_up]), (block.sheet, block.cells)
    function = _position if call.name == "MATCH" else _count
    if _single(call.args[looked_up]):
        return lambda c: function(*c.indexed(*key), values(c))  # type: ignore[arg-type]  # a single value
    return lambda c: _each(functools.partial(function, *c.indexed(*key)), values(c))


def _compile_vlookup(call: Call) -> Compiled | None:
    table = call.args[1]
    if not isinstance(table, Range):
        return None
    lookup, column_of, key = _compile(call.args[0]), _compile(call.args[2]), (table.sheet, table.cells)
    single = _single(call.args[0])
    if type(call.args[0]) is Ref and type(call.args[2]) is Const:  # a cell looked up, a column given: in place
        cell, column = call.args[0].key, _number(call.args[2].scalar)
        if isinstance(column, ExcelError):
            return lambda c: column
        return lambda c: _find(c.first_column(table), c.block(*key), column, c.scalar_at(cell))

    def find(c: Calculation) -> Value:
        rows = c.block(*key)
        column = _number(_scalar_of(column_of(c)))
        if isinstance(column, ExcelError):
            return column
        index, value = c.first_column(table), lookup(c)
        if single:
            return _find(index, rows, column, value)  # type: ignore[arg-type]  # a single value, by its shape
        return _each(functools.partial(_find, index, rows, column), value)

    return find


# The kinds of value a part of a SUMPRODUCT row can give, as its statements know them.
_ANY: frozenset[type] = frozenset({Decimal, bool, str, ExcelError, type(None)})
_NUMBER: frozenset[type] = frozenset({Decimal})
_LOGICAL: frozenset[type] = frozenset({bool})
_NUMBER_OR_ERROR, _LOGICAL_OR_ERROR = _NUMBER | {ExcelError}, _LOGICAL | {ExcelError}
_KIND_NAMES: Mapping[type, str] = {Decimal: "D", bool: "B", str: "str", ExcelError: "E", type(None): "None"}


def _all(*tests: str | None) -> str | None:
    """Tests joined by ``and`` (those that are None are not needed), or None where none is needed."""
    needed = [test for test in tests if test is not None]
    return " and ".join(needed) if needed else None


def _compile_sumproduct(call: Call) -> Compiled | None:
    if len(call.args) != 1 or _single(call.args[0]):
        return None
    rows = _Rows()
    row_function = rows.function(call.args[0])
    if row_function is None or not rows.leaves:
        return None
    leaves, prepared = tuple(rows.leaves), tuple(rows.prepared)
    blanks: tuple[Scalar, ...] = (None,) * len(leaves)

    def total(c: Calculation) -> Value:
        env = [prepare(c) for prepare in prepared]
        found, blank = Decimal(0), cast(Scalar, _MISSING)
        for row in zip(*(c.flat(*leaf) for leaf in leaves), strict=True):
            if row == blanks:  # every cell of the row blank: the same value as every other such row
                if blank is _MISSING:
                    blank = row_function(blanks, env)
                value = blank
            else:
                value = row_function(row, env)
            if type(value) is Decimal or isinstance(value, Decimal):
                found += value
            elif isinstance(value, ExcelError):
                return value
        return found

    return total


class _Rows:
    """An array expression over ranges of one length as one Python function of one row of them (each range's cell in
    that row) and of what is worked out once per evaluation (single values, lookup indexes).

    The function is written as Python statements, one for each function or operator of the expression, in the order
    the expression's own evaluation works them out: a row then takes one call of the function instead of one call for
    each part of the expression. Where the kinds of value settle the result (``LEN`` of a text, two numbers compared,
    TRUE/FALSE added to a number), a statement works it out in place, exactly as the function it stands for would;
    any other value is passed to that function. The kinds each part can give (a comparison TRUE, FALSE or an error,
    say) are followed through, so a test already settled is not written. The statements name only the row, the values
    worked out once and what they call (bound by names made here); nothing of a workbook's text is ever part of them.
    """

    def __init__(self) -> None:
        self.leaves: list[tuple[str, str]] = []  # the ranges read cell by cell, as (sheet, cells)
        self.prepared: list[Callable[[Calculation], Any]] = []  # what is worked out once per evaluation
        self._size: int | None = None
        self._statements: list[str] = []
        self._names: dict[str, Any] = {**_ROW_NAMES}  # each function and constant the statements use, by name
        self._constants: dict[str, Scalar] = {}  # the names of the rule's own constants, with their values
        self._kinds: dict[str, frozenset[type]] = {}  # the kinds of value a name can hold, where fewer than any

    def function(self, rule: Expr) -> RowFunction | None:
        """The rule's value in one row, or None where the rule is not made of what is described here."""
        result = self.build(rule)
        if result is None:
            return None
        head = [f"    {', '.join(f'r{i}' for i in range(len(self.leaves)))}, = row"]  # each cell of the row by name
        if self.prepared:
            head.append(f"    {', '.join(f'e{i}' for i in range(len(self.prepared)))}, = env")
        source = "\n".join(("def row_function(row, env):", *head, *self._statements, f"    return {result}"))
        namespace = dict(self._names)
        exec(compile(source, "<SUMPRODUCT row>", "exec"), namespace)  # statements made above, of names made here
        return cast(RowFunction, namespace["row_function"])

    def _name(self, value: Any) -> str:
        name = f"n{len(self._names)}"
        self._names[name] = value
        return name

    def _fast(
        self,
        test: str | None,
        fast: str,
        function: Callable[..., Scalar] | str,
        *operands: str,
        kinds: frozenset[type] = _ANY,
    ) -> str:
        """A statement giving ``fast`` where ``test`` holds (kinds of values whose result it is exactly) and calling
        ``function`` with the operands otherwise (``fast`` alone where no test is given: it is the function's own
        working); ``{0}``, ``{1}`` in ``test`` and ``fast`` stand for the operands. ``kinds``: what it can give."""
        name = f"v{len(self._statements)}"
        self._kinds[name] = kinds
        if test is None:
            self._statements.append(f"    {name} = {fast.format(*operands)}")
            return name
        callee = function if isinstance(function, str) else self._name(function)
        call = f"{callee}({', '.join(operands)})"
        self._statements.append(f"    {name} = {fast.format(*operands)} if {test.format(*operands)} else {call}")
        return name

    def _binary(self, kind: type, operator_text: str, left: str, right: str) -> str:
        """``left operator right`` of one row: numbers (and TRUE/FALSE in ``+ - *``) worked out in place, a text
        compared with a text constant in place, anything else by the function the interpreted way calls."""
        if kind is Arithmetic and operator_text == "/":
            return self._step(_ARITHMETIC[operator_text], left, right, kinds=_NUMBER_OR_ERROR)
        symbol = _PYTHON_OPERATORS[operator_text]
        if kind is Comparison:
            constant = self._constants.get(right, _MISSING)
            apply, test = self._name(_COMPARISONS[operator_text]), None
            if type(constant) is str:
                folded = self._name(constant.casefold())
                fast, test = f"({{0}}.casefold() {symbol} {folded})", "type({0}) is str"
            else:
                fast, test = f"({{0}} {symbol} {{1}})", _all(self._test(left, _NUMBER), self._test(right, _NUMBER))
            return self._fast(test, fast, apply, left, right, kinds=_LOGICAL_OR_ERROR)
        # Numbers with numbers or TRUE/FALSE (as 1/0) give the Decimal Excel's arithmetic gives; two of TRUE/FALSE
        # give a whole number, its Decimal taken from the table of them (+ and * only: a difference may be -1).
        apply = self._name(_ROW_ARITHMETIC[operator_text])
        tests = [self._test(left, _NUMBER | _LOGICAL), self._test(right, _NUMBER | _LOGICAL)]
        left_kinds, right_kinds = (self._kinds.get(name, _ANY) & (_NUMBER | _LOGICAL) for name in (left, right))
        if left_kinds == _NUMBER or right_kinds == _NUMBER:  # a Decimal either way
            fast = f"({{0}} {symbol} {{1}})"
        elif operator_text == "-":
            tests.append("(type({0}) is D or type({1}) is D)")
            fast = f"({{0}} {symbol} {{1}})"
        elif left_kinds == _LOGICAL and right_kinds == _LOGICAL:
            fast = f"W[{{0}} {symbol} {{1}}]"
        else:
            fast = f"(({{0}} {symbol} {{1}}) if type({{0}}) is D or type({{1}}) is D else W[{{0}} {symbol} {{1}}])"
        return self._fast(_all(*tests), fast, apply, left, right, kinds=_NUMBER_OR_ERROR)

    def _test(self, operand: str, kinds: frozenset[type]) -> str | None:
        """The test that an operand is of one of the kinds; None where it can be of no other."""
        held = self._kinds.get(operand, _ANY)
        if held <= kinds:
            return None
        names = sorted(_KIND_NAMES[kind] for kind in held & kinds)
        tests = [f"type({operand}) is {name}" for name in names]
        return f"({' or '.join(tests)})" if len(tests) > 1 else tests[0] if tests else "False"

    def _step(self, function: Callable[..., Scalar] | str, *operands: str, kinds: frozenset[type] = _ANY) -> str:
        """A statement calling ``function`` (or the function a slot holds) with the operands (names, slots or cells
        of the row); the name of what it gives (of the ``kinds`` given)."""
        callee = function if isinstance(function, str) else self._name(function)
        name = f"v{len(self._statements)}"
        self._kinds[name] = kinds
        self._statements.append(f"    {name} = {callee}({', '.join(operands)})")
        return name

    def _slot(self, prepare: Callable[[Calculation], Any]) -> str:
        self.prepared.append(prepare)
        return f"e{len(self.prepared) - 1}"

    def _leaf(self, rule: Range) -> int | None:
        key = (rule.sheet, rule.cells)
        if key in self.leaves:
            return self.leaves.index(key)
        size = sum(len(row) for row in _block(*key))
        if self._size not in (None, size):
            return None  # ranges of different sizes: Excel's #N/A cells, as the interpreted way works them out
        self._size = size
        self.leaves.append(key)
        return len(self.leaves) - 1

    def build(self, rule: Expr) -> str | None:
        """Where the rule's value in one row is held (a name, or a cell of the row), after the statements that work
        it out; None where the rule is not made of what is described here."""
        if _single(rule):
            if type(rule) is Const:
                name = self._name(rule.scalar)
                self._constants[name], self._kinds[name] = rule.scalar, frozenset({type(rule.scalar)})
                return name
            return self._slot(_compile(rule))
        kind = type(rule)
        if kind is Range:
            place = self._leaf(cast(Range, rule))
            return None if place is None else f"r{place}"
        if kind is Group:
            return self.build(cast(Group, rule).inner)
        if kind is Arithmetic or kind is Comparison:
            binary = cast(Arithmetic | Comparison, rule)
            left = self.build(binary.left)
            right = self.build(binary.right) if left is not None else None
            if left is None or right is None:
                return None
            return self._binary(kind, binary.operator, left, right)
        if kind is Call:
            return self._call(cast(Call, rule))
        return None

    def _call(self, call: Call) -> str | None:
        name, args = call.name, call.args
        if name in _ONE_VALUE:
            inner = self.build(args[0])
            if inner is None:
                return None
            if name not in _ROW_ONE_VALUE:
                return self._step(_ONE_VALUE[name], inner)
            test, fast, kinds = _ROW_ONE_VALUE[name]
            return self._fast(test, fast, _ONE_VALUE[name], inner, kinds=kinds)
        if name in _TWO_VALUES and len(args) == 2:
            first = self.build(args[0])
            second = self.build(args[1]) if first is not None else None
            return None if first is None or second is None else self._step(_TWO_VALUES[name], first, second)
        if name == "MATCH" and isinstance(args[1], Range):
            lookup, key = self.build(args[0]), (args[1].sheet, args[1].cells)
            if lookup is None:
                return None
            return self._looked_up(_position, key, lookup, _NUMBER_OR_ERROR)
        if name == "COUNTIF" and isinstance(args[0], Range) and len(args) == 2:
            criterion, key = self.build(args[1]), (args[0].sheet, args[0].cells)
            if criterion is None:
                return None
            return self._looked_up(_count, key, criterion, _NUMBER)
        return None

    def _looked_up(
        self, function: Callable[..., Scalar], key: tuple[str, str], value: str, kinds: frozenset[type]
    ) -> str:
        """MATCH or COUNTIF of a value in a range (``key``): a text's result, once worked out, taken from where the
        calculation keeps it; any other value worked out each time."""
        found = self._slot(lambda c: c.found(function, *key))
        return self._fast("type({0}) is str", f"{found}[{{0}}]", f"{found}.function", value, kinds=kinds)


def _row_arithmetic(operator_text: str) -> Callable[[Scalar, Scalar], Scalar]:
    """``x + - * y`` in one row: numbers, TRUE/FALSE (as the tests in a SUMPRODUCT give) and blanks worked out in
    place, anything else as :func:`_arithmetic` works it out."""
    operation, apply = _OPERATIONS[operator_text], _ARITHMETIC[operator_text]

    def arithmetic(x: Scalar, y: Scalar) -> Scalar:
        if type(x) is not Decimal:
            if x is True:
                x = _ONE
            elif x is False or x is None:
                x = _ZERO
            else:
                return apply(x, y)
        if type(y) is not Decimal:
            if y is True:
                y = _ONE
            elif y is False or y is None:
                y = _ZERO
            else:
                return apply(x, y)
        return operation(x, y)  # type: ignore[no-any-return]  # two Decimals give a Decimal

    return arithmetic


_ROW_ARITHMETIC = {operator_text: _row_arithmetic(operator_text) for operator_text in _OPERATIONS}
_PYTHON_OPERATORS = {"=": "==", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "+": "+", "-": "-", "*": "*"}
# What the statements of a row name besides the rule's own constants and functions.
_ROW_NAMES: Mapping[str, Any] = {"D": Decimal, "B": bool, "E": ExcelError, "W": _WHOLE, "NA_CODE": NA.code}
# Functions of one value worked out in place for the kinds of value that settle them (test, value), as the
# function itself works them out; any other value is passed to the function.
_ROW_ONE_VALUE: Mapping[str, tuple[str | None, str, frozenset[type]]] = {
    "LEN": ("type({0}) is str and len({0}) < 256", "W[len({0})]", _NUMBER_OR_ERROR),
    "ISNA": (None, "(type({0}) is E and {0}.code == NA_CODE)", _LOGICAL),
    "ISNUMBER": (None, "isinstance({0}, D)", _LOGICAL),
    "NOT": ("type({0}) is B", "(not {0})", _LOGICAL_OR_ERROR),
}


_CALL_COMPILERS: Mapping[str, Callable[[Call], Compiled | None]] = {
    **dict.fromkeys(_ONE_VALUE, _compile_one_value),
    **dict.fromkeys(_TWO_VALUES, _compile_two_values),
    "AND": _compile_logical,
    "COUNTIF": _compile_indexed,
    "IF": _compile_if,
    "MATCH": _compile_indexed,
    "MAX": _compile_numbers,
    "OR": _compile_logical,
    "SUM": _compile_numbers,
    "SUMIF": _compile_sumifs,
    "SUMIFS": _compile_sumifs,
    "SUMPRODUCT": _compile_sumproduct,
    "VLOOKUP": _compile_vlookup,
}


# --- a workbook's formula cells, recalculated --------------------------------------------------------------

_MISSING = object()
# Each rule's shape (see _shape_of), by the rule's id; the rule is held with it, so the id is never reused.
_SHAPES: dict[int, tuple[Expr, object, tuple[tuple[str, str], ...]]] = {}
_MOST_SHAPES = 200_000
_SHAPE_NUMBERS: dict[object, int] = {}  # each shape met, numbered (a template has a few dozen)
_NEXT_SHAPE = itertools.count()  # never the same number twice, even after the numbers are cleared
# What working out each formula cell takes, by its rule's id, within the formulas it is one of (a template's computed
# cells, the same mapping for every file of a template year): the rule and the formulas held with it (so neither id
# is reused while it is here), its shape (None where blank inputs alone do not settle its value), the cells it reads
# on their own, and its compiled function.
_FORMULAS: dict[int, tuple[Expr, Mapping[tuple[str, str], Expr], object, tuple[tuple[str, str], ...], Compiled]] = {}


# Whether a block of cells holds no formula cell, by the formulas looked in (held, so that its id is not reused while
# here; a template year's formulas are one mapping for all its files) and the block.
_INPUT_BLOCKS: dict[tuple[int, str, str], tuple[Mapping[tuple[str, str], Expr], bool]] = {}


def _inputs_only(
    formulas: Mapping[tuple[str, str], Expr], sheet: str, cells: str, keys: tuple[tuple[str, str], ...]
) -> bool:
    """Whether none of a block's cells (``keys``) is a formula cell: looked at once for each block of a template."""
    if not formulas:
        return True
    place = (id(formulas), sheet, cells)
    held = _INPUT_BLOCKS.get(place)
    if held is not None and held[0] is formulas:
        return held[1]
    found = formulas.keys().isdisjoint(keys)
    if len(_INPUT_BLOCKS) >= _MOST_SHAPES:
        _INPUT_BLOCKS.clear()
    _INPUT_BLOCKS[place] = (formulas, found)
    return found


def _shape_of(rule: Expr) -> tuple[object, tuple[tuple[str, str], ...]]:
    """A rule's shape (its functions, operators, constants and ranges, with each single cell it reads as a numbered
    place) and the cells in those places; the shape is None for a rule of a kind not described here.

    Two rules of the same shape whose cells hold the same values give the same value: so the grey cells of every
    empty row of a table need to be worked out only once.
    """
    held = _SHAPES.get(id(rule))
    if held is not None and held[0] is rule:
        return held[1], held[2]
    refs: list[tuple[str, str]] = []
    shape = _shape(rule, refs)
    if shape is not None:  # the shape as a number, so that looking it up does not hash the whole tree each time
        number = _SHAPE_NUMBERS.get(shape)
        if number is None:
            number = _SHAPE_NUMBERS[shape] = next(_NEXT_SHAPE)
        shape = number
    if len(_SHAPES) >= _MOST_SHAPES or len(_SHAPE_NUMBERS) >= _MOST_SHAPES:
        _SHAPES.clear()
        _SHAPE_NUMBERS.clear()
    _SHAPES[id(rule)] = (rule, shape, tuple(refs))
    return shape, tuple(refs)


def _shape(rule: Expr, refs: list[tuple[str, str]]) -> object:
    if isinstance(rule, Ref):
        refs.append(rule.key)
        return ("cell", len(refs) - 1)
    if isinstance(rule, Const):
        return ("constant", type(rule.value).__name__, str(rule.value))  # 1, 1.0 and TRUE told apart
    if isinstance(rule, Range):
        return ("range", rule.sheet, rule.cells)
    if isinstance(rule, Group):
        return _shape(rule.inner, refs)
    if isinstance(rule, Arithmetic | Comparison):
        left, right = _shape(rule.left, refs), _shape(rule.right, refs)
        return (type(rule).__name__, rule.operator, left, right) if None not in (left, right) else None
    if isinstance(rule, Call):
        args = tuple(_shape(arg, refs) for arg in rule.args)
        return ("call", rule.name, args) if None not in args else None
    return None


class _Found(dict[str, Scalar]):
    """A lookup's result for each text looked up, worked out by ``function`` when first asked for."""

    def __init__(self, function: Callable[[Scalar], Scalar]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, text: str) -> Scalar:
        found = self[text] = self.function(text)
        return found


class Calculation(Mapping[tuple[str, str], object]):
    """Cell values with every formula cell computed from its rule, as Excel shows them after recalculating.

    Formula cells are computed when first asked for (each once), so a rule that reads a Summary cell reads
    what the Summary's own rule computes from the inputs, never a stale stored value. Each rule is worked out
    by its compiled function (:func:`compiled`); with ``interpreted=True`` by walking its expression
    (``rule.evaluate``) instead, the plain reading of Excel's rules the compiled functions are checked against.
    """

    def __init__(self, values: Cells, formulas: Mapping[tuple[str, str], Expr], *, interpreted: bool = False) -> None:
        self._values = values
        self._formulas = formulas
        self._run: Callable[[Expr], Compiled] = (lambda rule: rule.evaluate) if interpreted else compiled
        self._interpreted = interpreted
        self._computed: dict[tuple[str, str], object] = {}
        self._blocks: dict[tuple[str, str], list[tuple[Scalar, ...]]] = {}
        self._flat: dict[tuple[str, str], tuple[Scalar, ...]] = {}
        self._indexes: dict[tuple[str, str], _Index] = {}
        self._lookups: dict[tuple[str, str], tuple[_Index, tuple[Scalar, ...]]] = {}
        self._found: dict[tuple[object, str, str], _Found] = {}
        self._blank_rows: dict[object, object] = {}

    def block(self, sheet: str, cells: str) -> list[tuple[Scalar, ...]]:
        """The values of a block of cells, row by row; each block is read once (the values never change)."""
        key = (sheet, cells)
        found = self._blocks.get(key)
        if found is None:
            values, width = self.flat(sheet, cells), len(_block(sheet, cells)[0])
            found = self._blocks[key] = [values[i : i + width] for i in range(0, len(values), width)]
        return found

    def scalar_at(self, key: tuple[str, str]) -> Scalar:
        """A cell's value as Excel holds it (:func:`scalar`); a blank and plain text without a further call."""
        if key in self._formulas:
            return scalar(self[key])
        value = self._values.get(key)
        if value is None or (type(value) is str and value not in EXCEL_ERRORS):
            return value
        return scalar(value)

    def flat(self, sheet: str, cells: str) -> tuple[Scalar, ...]:
        """The values of a block of cells in one tuple, row after row (as a range evaluates); made once."""
        key = (sheet, cells)
        found = self._flat.get(key)
        if found is None:
            keys = _flat_keys(sheet, cells)
            if _inputs_only(self._formulas, sheet, cells, keys):  # read without a call for each blank or text
                found = tuple(
                    [
                        value if value is None or (type(value) is str and value not in EXCEL_ERRORS) else scalar(value)
                        for value in map(self._values.get, keys)
                    ]
                )
            else:
                found = tuple(self._read(keys))
            self._flat[key] = found
        return found

    def _read(self, keys: tuple[tuple[str, str], ...]) -> Iterator[Scalar]:
        """Each cell's value as :meth:`scalar_at` gives it, a computed cell worked out here (for blocks of grey
        cells, without a call for each cell)."""
        formulas, computed, values = self._formulas, self._computed, self._values
        for key in keys:
            rule = formulas.get(key)
            if rule is None:
                value = values.get(key)
                yield value if value is None or (type(value) is str and value not in EXCEL_ERRORS) else scalar(value)
            else:
                found = computed.get(key, _MISSING)
                if found is _MISSING:
                    found = computed[key] = self._compute(rule)
                yield scalar(found)

    def indexed(self, sheet: str, cells: str) -> tuple[_Index, tuple[Scalar, ...]]:
        """Where each value of a block of cells sits (for MATCH and COUNTIF), with the values; made once."""
        key = (sheet, cells)
        found = self._lookups.get(key)
        if found is None:
            values = self.flat(sheet, cells)
            found = self._lookups[key] = (_Index(values), values)
        return found

    def found(self, function: Callable[..., Scalar], sheet: str, cells: str) -> _Found:
        """``function`` (MATCH's or COUNTIF's) of values looked up in a block of cells, each text's result kept."""
        key = (function, sheet, cells)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = _Found(functools.partial(function, *self.indexed(sheet, cells)))
        return found

    def first_column(self, table: Range) -> _Index:
        """Where each value of a table's first column sits, for VLOOKUP (made once per table)."""
        key = (table.sheet, table.cells)
        found = self._indexes.get(key)
        if found is None:
            found = self._indexes[key] = _Index(tuple(row[0] for row in table.rows(self)))
        return found

    def get(self, key: tuple[str, str], default: object = None) -> object:
        """The value of a cell, or ``default`` for a blank one (without raising and catching a KeyError)."""
        if key in self._formulas:
            return self[key]
        return self._values.get(key, default)

    def __getitem__(self, key: tuple[str, str]) -> object:
        rule = self._formulas.get(key)
        if rule is not None:
            found = self._computed.get(key, _MISSING)
            if found is _MISSING:
                found = self._computed[key] = self._compute(rule)
            return found
        return self._values[key]

    def _compute(self, rule: Expr) -> object:
        """A formula cell's value. Where every cell its rule reads on its own is a blank input (an empty row of
        a table), the value of the first rule of the same shape so read is the value (worked out once)."""
        held = None if self._interpreted else _FORMULAS.get(id(rule))
        if held is None or held[0] is not rule or held[1] is not self._formulas:
            shape, refs = _shape_of(rule)
            if shape is not None and not self._formulas.keys().isdisjoint(refs):
                shape = None  # it reads a formula cell: its value is not settled by blank inputs alone
            held = (rule, self._formulas, shape, refs, self._run(rule))
            if not self._interpreted:
                if len(_FORMULAS) >= _MOST_SHAPES:
                    _FORMULAS.clear()
                _FORMULAS[id(rule)] = held
        _, _, shape, refs, run = held
        if shape is not None and self._values.keys().isdisjoint(refs):  # no cell it reads holds a value
            found = self._blank_rows.get(shape, _MISSING)
            if found is _MISSING:
                found = self._blank_rows[shape] = _scalar_of(run(self))
            return found
        found = run(self)
        return VALUE if isinstance(found, tuple) else found  # as _scalar_of, without a further call

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield from self._formulas
        yield from (key for key in self._values if key not in self._formulas)

    def __len__(self) -> int:
        return len(set(self._values) | set(self._formulas))


def holds(rule: Expr, cells: Cells) -> bool:
    """True when the rule evaluates to TRUE (an error, text or FALSE does not hold), as a checker shows Yes.

    The rule is evaluated through its compiled function (:func:`compiled`), over ``cells`` itself when it is a
    :class:`Calculation` (its computed cells and ranges shared with every other rule so evaluated)."""
    calculation = cells if isinstance(cells, Calculation) else Calculation(cells, {})
    return compiled(rule)(calculation) is True
