"""The ``bcf_*`` cell functions: what a worksheet cell passes in, and what it gets back.

Each function here takes the values a spreadsheet hands a function (floats, ``None`` for a
blank, text, ``True``/``False``, Excel error text such as ``"#REF!"``, and ranges as a scalar, a
flat list or a list of rows), coerces them, calls the engine and returns a cell value: a float,
a text, or a list of one-item rows that spills down. Bad input never raises: the cell shows a
short text starting ``#BCF!`` that names the argument, the rule and what arrived.

These very functions are what the Excel add-in exposes (``udfs/bcf_udfs.py`` wraps them for
xlwings) and what the headless recalculation registers in its formula engine, so a workbook
computes the same with or without Excel. The catalogue (:data:`CATALOGUE`) carries the help
text shown in Excel's function wizard and by ``bcf-xl functions``.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, repeat
from types import ModuleType
from typing import Any, TypeVar, cast

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.metrics import Achievement, Progress, achievement, dsr, dsr_ci, progress, rag, rate
from bcf_xl.model import Polarity
from bcf_xl.money import allocate, allocate_pence, excel_error, parse_amount, quarters, to_pence, total
from bcf_xl.policy import Bound, load_policy
from bcf_xl.risk import share_risk
from bcf_xl.uplift import shortfall, uplift

CellValue = float | str | bool | None
_ZERO = Decimal(0)
_SEQUENCES = frozenset({list, tuple})
Result = float | str | list[list[float]]

ERROR_PREFIX = "#BCF!"


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a cell function, with the help Excel's function wizard shows."""

    name: str
    help: str
    optional: bool = False


@dataclass(frozen=True, slots=True)
class CellFunction:
    """A catalogued cell function: its Excel name, the callable, its help and whether it spills."""

    name: str
    function: Callable[..., Result]
    summary: str
    args: tuple[Arg, ...]
    spills: bool

    @property
    def signature(self) -> str:
        """The call as Excel's help shows it: ``bcf_uplift(amount, rate, [years])``."""
        parts = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        return f"{self.name}({', '.join(parts)})"


CATALOGUE: dict[str, CellFunction] = {}

F = TypeVar("F", bound=Callable[..., Result])


def cell_function(*args: Arg, spills: bool = False) -> Callable[[F], F]:
    """Catalogue a cell function and make it return ``#BCF!`` text instead of raising."""

    def register(function: F) -> F:
        name = function.__name__
        params = list(inspect.signature(function).parameters)
        if params != [a.name for a in args]:
            raise TypeError(f"{name}: help is given for {[a.name for a in args]}, parameters are {params}")

        @functools.wraps(function)
        def safe(*values: Any, **named: Any) -> Result:
            try:
                return function(*values, **named)
            except BcfInputError as exc:
                return f"{ERROR_PREFIX} {exc}"
            except Exception as exc:  # a cell shows one line, never a traceback
                return f"{ERROR_PREFIX} internal error in {name} ({type(exc).__name__}: {exc})"

        summary = (function.__doc__ or "").strip().splitlines()[0]
        CATALOGUE[name] = CellFunction(name, safe, summary, args, spills)
        return safe  # type: ignore[return-value]

    return register


# --- coercion of what cells pass -------------------------------------------------------------------


def _check_excel_error(value: object, where: str) -> None:
    error = excel_error(value)
    if error is not None:
        raise BcfInputError(where, f"the input holds the Excel error {error}", show_got=False)


def number(value: object, where: str, *, default: Decimal | None = None) -> Decimal:
    """A required number argument: a blank gives ``default`` or is an error."""
    _check_excel_error(value, where)
    if isinstance(value, list):
        flat = _flatten(value)
        if len(flat) != 1:
            raise BcfInputError(where, f"must be a single cell, not a range of {len(flat)} cells", show_got=False)
        value = flat[0]
        _check_excel_error(value, where)
    amount = parse_amount(value, where)
    if amount is None:
        if default is None:
            raise BcfInputError(where, "a number is required", value)
        return default
    return amount


def optional_number(value: object, where: str) -> Decimal | None:
    """An optional number argument: a blank or an omitted argument gives None."""
    _check_excel_error(value, where)
    if isinstance(value, list):
        return number(value, where) if _flatten(value) != [None] else None
    return parse_amount(value, where)


def flag(value: object, where: str, *, default: bool) -> bool:
    """A TRUE/FALSE argument: also 1/0 and the text TRUE/FALSE; a blank gives the default."""
    _check_excel_error(value, where)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise BcfInputError(where, "must be TRUE or FALSE", value)


def whole(value: object, where: str, *, low: int, high: int | None = None, default: int | None = None) -> int:
    """A whole-number argument within bounds (1 to 4 for a quarter, 0 or more for years)."""
    amount = number(value, where, default=None if default is None else Decimal(default))
    if amount != amount.to_integral_value():
        raise BcfInputError(where, "must be a whole number", value)
    result = int(amount)
    if result < low or (high is not None and result > high):
        rule = f"must be from {low} to {high}" if high is not None else f"must be {low} or more"
        raise BcfInputError(where, rule, value)
    return result


def _flatten(value: object) -> list[object]:
    if type(value) is list:  # the common cases first: a row or column of cells, or a block of rows of cells
        kinds = set(map(type, value))
        if not kinds & _SEQUENCES and not any(issubclass(kind, list | tuple) for kind in kinds):
            return value  # a list of cell values, as it is
        if kinds == {list}:
            flat = list(chain.from_iterable(value))
            if not any(issubclass(kind, list | tuple) for kind in set(map(type, flat))):
                return flat
    if isinstance(value, list | tuple):
        out: list[object] = []
        for item in value:
            out.extend(_flatten(item) if isinstance(item, list | tuple) else [item])
        return out
    return [value]


def _shape(value: object) -> tuple[int, int]:
    """Rows x columns of a range as xlwings passes it: scalar 1x1, flat list 1 row or column, list of rows."""
    if not isinstance(value, list | tuple):
        return 1, 1
    if value and all(isinstance(row, list | tuple) for row in value):
        return len(value), len(value[0]) if value else 0
    return len(value), 1


def cells(value: object) -> list[object]:
    """A range argument as a flat list of cell values, row by row."""
    return _flatten(value)


def numbers(value: object, where: str, *, blank: Decimal | None) -> list[Decimal | None]:
    """Every cell of a range as a number; a blank gives ``blank`` (None keeps it blank)."""
    items = cells(value)
    if set(map(type, items)) == {float} and all(map(math.isfinite, cast(list[float], items))):
        # The common case, read as parse_amount reads a float (through repr, -0 as 0), without a loop in Python.
        return list(map(operator.add, map(Decimal, map(repr, items)), repeat(_ZERO)))
    result: list[Decimal | None] = []
    for index, item in enumerate(items, start=1):
        if type(item) is float and math.isfinite(item):  # the common case, read as parse_amount does
            result.append(Decimal(repr(item)) + 0)
            continue
        if item is None:
            result.append(blank)
            continue
        place = f"{where} cell {index}"
        _check_excel_error(item, place)
        amount = parse_amount(item, place)
        result.append(blank if amount is None else amount)
    return result


_LARGEST_EXACT_PENCE = 1e13  # below this, two floats are never within a penny of one another


def _float_cells(value: object) -> list[float] | None:
    """A range's cells, row by row, when every one is a float (a row, a column or a block of rows of numbers), else
    None."""
    if type(value) is not list:
        return None
    kinds = set(map(type, value))
    floats = value if kinds == {float} else list(chain.from_iterable(value)) if kinds == {list} else None
    if floats is None or (kinds == {list} and set(map(type, floats)) != {float}):
        return None
    return floats


def _cells_in_pence(value: object) -> tuple[list[int], list[float]] | None:
    """A range's cells, row by row, as whole pence and as those pence in pounds, when every cell is a float that
    is an exact amount in pounds and pence, else None (the general way reads the cells then).

    An exact amount is one whose shortest form has at most two decimals: ``Decimal(repr(x)) == pence / 100``.
    The caller bounds every size below 1e13 (:data:`_LARGEST_EXACT_PENCE`): below it a float's neighbours are
    less than a tenth of a penny apart, so the pence whose division by 100 gives back the float are the only
    two-decimal amount it can be, and its shortest form (``repr``) is that amount. The amounts in pounds are the
    floats themselves, but 0.0 for a -0.0, as the Decimal reading has it.
    """
    floats = _float_cells(value)
    if floats is None:
        return None
    try:
        pence = list(map(float.__round__, map(operator.mul, floats, repeat(100.0))))  # round(x) is x.__round__()
    except (ValueError, OverflowError):  # a NaN or an infinity
        return None
    pounds = list(map(operator.truediv, pence, repeat(100)))
    return (pence, pounds) if pounds == floats else None


def _whole_pence(value: object) -> list[int] | None:
    """Each cell of a range in whole pence when every one is an exact amount in pounds and pence below 1e13 in
    size (:func:`_cells_in_pence`), else None. Then sums and splits need no Decimal at all.
    """
    exact = _cells_in_pence(value)
    if exact is None:
        return None
    pence, pounds = exact
    if pounds and (max(pounds) >= _LARGEST_EXACT_PENCE or min(pounds) <= -_LARGEST_EXACT_PENCE):
        return None
    return pence


def _weights_in_pence(value: object) -> tuple[list[int], list[float], int] | None:
    """A range of weights in whole pence, in pounds and their sum in pence, when every cell is an exact amount in
    pounds and pence (:func:`_cells_in_pence`), 0 or more and not all 0, else None: such weights split in whole
    numbers. Their sum below 1e15 pence bounds each below 1e13 pounds.
    """
    exact = _cells_in_pence(value)
    if exact is None:
        return None
    pence, pounds = exact
    pool = sum(pence)
    if not 0 < pool < _LARGEST_EXACT_PENCE * 100 or min(pence) < 0:
        return None
    return pence, pounds, pool


@functools.cache
def _numpy() -> ModuleType | None:
    """numpy when it is installed (the desktop add-in's Python has it, with pandas), else None: ranges are then
    worked out in pure Python, with the same results."""
    try:
        import numpy  # a compiled library: long ranges of numbers split in one pass each
    except ImportError:
        return None
    return numpy


_ARRAYS_FROM = 64  # cells: below this, converting to numpy's arrays and back costs more than it saves
_EXACT_INTEGERS = 2**53  # every whole number below this in size is a float exactly
_INT64_LIMIT = 2**63


def _passport_in_arrays(pennies: int, value: object) -> list[list[float]] | None:
    """What :func:`bcf_passport` spills for ``pennies`` split by a range of weights, worked out with numpy: the
    split of :func:`~bcf_xl.money.allocate_pence` (largest remainder, equal remainders first come first) over
    the weights in whole pence.

    None when numpy is not installed, for a range shorter than :data:`_ARRAYS_FROM` (in cells, or in rows of a
    block), when a weight is not an exact amount in pounds and pence 0 or more (as :func:`_weights_in_pence`
    takes them), or when a figure could leave numpy's 64-bit whole numbers: the pure Python way then works it
    out, with the same result.
    """
    if type(value) is not list or len(value) < _ARRAYS_FROM:  # a short range (in cells, or in rows of a block)
        return None
    np = _numpy()
    floats = _float_cells(value) if np is not None else None
    if np is None or floats is None:
        return None
    pounds = np.array(floats, dtype=np.float64)
    if not np.isfinite(pounds).all():
        return None
    pence = np.rint(pounds * 100.0)  # as _cells_in_pence takes them: round half even, then back to pounds exactly
    if not (pence / 100.0 == pounds).all() or (pence < 0).any():
        return None
    pool = float(pence.sum())  # exact: every partial sum of weights 0 or more is at most the pool
    size = abs(pennies)
    if not 0 < pool < _LARGEST_EXACT_PENCE * 100 or size >= _EXACT_INTEGERS:
        return None
    weight_sum = int(pool)
    if int(pence.max()) * size >= _INT64_LIMIT or weight_sum * len(floats) >= _INT64_LIMIT:
        return None
    shares = pence.astype(np.int64) * size  # each exact share is share / weight_sum pennies
    parts = shares // weight_sum
    remainders = shares - parts * weight_sum
    left_over = int(remainders.sum()) // weight_sum  # pennies owed, one each to the largest remainders
    if left_over:
        smallest = remainders[np.argpartition(-remainders, left_over - 1)[left_over - 1]]
        larger = remainders > smallest
        parts += larger
        owed = left_over - int(larger.sum())
        parts[np.flatnonzero(remainders == smallest)[:owed]] += 1
    if pennies < 0:
        parts = -parts
    return cast(list[list[float]], (parts / 100).reshape(-1, 1).tolist())


def _amounts(value: object, where: str) -> list[Decimal]:
    """Every cell of a range as a number, a blank as 0."""
    return cast(list[Decimal], numbers(value, where, blank=_ZERO))  # a blank is 0, so never None


def _category(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().casefold()


@functools.cache
def _rate_bound() -> Bound:
    return load_policy().bound("uplift_rate")


def _money(amount: Decimal) -> float:
    return float(amount)


# --- the catalogue ---------------------------------------------------------------------------------


@cell_function(
    Arg("amount", "The starting amount in pounds, e.g. last year's ASC minimum"),
    Arg("rate", "The yearly uplift as a fraction: 0.0566 for 5.66% (566 or 5.66 is refused)"),
    Arg("years", "Whole years to compound over; 1 if omitted", optional=True),
)
def bcf_uplift(amount: CellValue, rate: CellValue, years: CellValue = None) -> Result:
    """Uplift an amount by a yearly rate compounded over whole years, rounded half-up to the penny."""
    start = number(amount, "amount")
    yearly = number(rate, "rate")
    bound = _rate_bound()
    if not bound.contains(yearly):
        raise BcfInputError(
            "rate", f"must be a fraction from {bound.low} to {bound.high}, such as 0.0566 for 5.66%", rate
        )
    return _money(uplift(start, yearly, whole(years, "years", low=0, high=100, default=1)))


@cell_function(
    Arg("amounts", "The amounts to add; blank cells are ignored as SUM ignores them"),
    Arg("categories", "Optional: a range the same shape as amounts, e.g. the theme of each scheme", optional=True),
    Arg("category", "Optional: add only rows whose category matches this (trimmed, any case)", optional=True),
)
def bcf_total(amounts: Any, categories: Any = None, category: CellValue = None) -> Result:
    """Add amounts exactly to the penny, optionally only where a category matches."""
    if categories is None or (_flatten(categories) == [None] and category is None):
        pence = _whole_pence(amounts)
        if pence is not None:
            return sum(pence) / 100
        return _money(total([v for v in numbers(amounts, "amounts", blank=None) if v is not None]))
    pence = _whole_pence(amounts)  # every amount in pence: added up as whole numbers
    values = numbers(amounts, "amounts", blank=None) if pence is None else []
    if _shape(categories) != _shape(amounts):
        rows, cols = _shape(amounts)
        raise BcfInputError(
            "categories",
            f"must be the same shape as amounts ({rows}x{cols})",
            "x".join(map(str, _shape(categories))),
            show_got=True,
        )
    if category is None:
        raise BcfInputError("category", "is required when categories are given", category)
    _check_excel_error(category, "category")
    wanted = _category(category)
    labels = cells(categories)
    seen: dict[tuple[type, object], bool] = {}  # each distinct label checked and compared once, in order
    matched = []
    for index, label in enumerate(labels, start=1):
        key = (type(label), label)
        found = seen.get(key)
        if found is None:
            _check_excel_error(label, f"categories cell {index}")
            found = seen[key] = _category(label) == wanted
        matched.append(found)
    if pence is not None:
        return sum(p for p, keep in zip(pence, matched, strict=True) if keep) / 100
    chosen = [v for v, keep in zip(values, matched, strict=True) if v is not None and keep]
    return _money(total(chosen))


def _spill(parts: Sequence[Decimal]) -> list[list[float]]:
    return list(map(list, zip(map(float, parts))))  # [[part], ...] as floats, each a one-cell row


@cell_function(
    Arg("total", "The amount to split, e.g. the DFG received; rounded half-up to the penny first"),
    Arg("weights", "One weight per recipient: prior allocations or fractions; a blank counts as 0"),
    spills=True,
)
def bcf_passport(total: CellValue, weights: Any) -> Result:
    """Split a total by weights exactly to the penny (largest remainder); spills one amount per weight."""
    whole_total = to_pence(number(total, "total"))
    pennies = int(whole_total.scaleb(2))
    spilled = _passport_in_arrays(pennies, weights)
    if spilled is not None:
        return spilled
    weighed = _weights_in_pence(weights)
    if weighed is not None:
        parts = allocate_pence(pennies, weighed[0])  # the weights in pence: allocate, in whole numbers
        return [[part / 100] for part in parts]
    return _spill(allocate(whole_total, _amounts(weights, "weights"), Location(field="weights")))


@cell_function(
    Arg("amount", "The pool's overspend (positive) or underspend (negative); rounded half-up to the penny first"),
    Arg("contributions", "Each partner's contribution to the pool in pounds, 0 or more; a blank counts as 0"),
    spills=True,
)
def bcf_share(amount: CellValue, contributions: Any) -> Result:
    """Share an over- or underspend pro rata to contributions, none beyond its contribution; spills one share each.

    The risk share of the Section 75 agreement (:func:`bcf_xl.risk.share_risk`): shares are exact
    to the penny and add up to ``amount`` while it is within the total contributed. Beyond that
    each partner's share stops at its contribution, and what is left falls to resources outside
    the pool (``amount`` minus the sum of the shares). A split the finance directors agreed in
    other percentages applies in full with no cap: use ``bcf_passport`` with those percentages.

    Args:
        amount: a number (float, text such as "£1,234.50", or a one-cell range).
        contributions: a cell, a row, a column or a block of cells, read row by row.
    """
    weighed = _weights_in_pence(contributions)
    if weighed is not None:
        # Every contribution an exact amount in pence: share_risk's cap and split worked out in whole pence.
        pence, in_pounds, pool = weighed
        whole_amount = int(to_pence(number(amount, "amount")) * 100)
        if whole_amount >= pool:  # an overspend of the whole pool or more: each partner's share is its contribution
            return [[contribution] for contribution in in_pounds]
        capped = whole_amount if abs(whole_amount) <= pool else -pool
        return [[part / 100] for part in allocate_pence(capped, pence)]
    pounds = _amounts(contributions, "contributions")
    labels = map("contribution {}".format, range(1, len(pounds) + 1))
    shared = share_risk(number(amount, "amount"), list(zip(labels, pounds, strict=True)))
    return _spill([share for _, share in shared.shares])


@cell_function(
    Arg("annual", "The annual amount invoiced quarterly in arrears"),
    Arg("quarter", "The quarter, 1 to 4"),
)
def bcf_quarter(annual: CellValue, quarter: CellValue) -> Result:
    """A quarter's invoice: a quarter of the year to the penny, the fourth absorbing the rounding."""
    year = number(annual, "annual")
    return _money(quarters(year)[whole(quarter, "quarter", low=1, high=4) - 1])


@cell_function(
    Arg("planned", "The planned spend"),
    Arg("required", "The required minimum spend"),
)
def bcf_shortfall(planned: CellValue, required: CellValue) -> Result:
    """How far planned spend falls short of a required minimum: max(0, required - planned)."""
    return _money(shortfall(number(planned, "planned"), number(required, "required")))


@cell_function(
    Arg("count", "The count, e.g. emergency admissions"),
    Arg("population", "The population it is rated against, above 0 (e.g. ONS 65+ estimate)"),
    Arg("per", "The rate base; 100000 if omitted", optional=True),
)
def bcf_rate(count: CellValue, population: CellValue, per: CellValue = None) -> Result:
    """A rate per population: count / population x per (per 100,000 if omitted)."""
    base = number(per, "per", default=Decimal(100_000))
    return float(rate(number(count, "count"), number(population, "population"), base))


def _polarity(higher_is_better: CellValue) -> Polarity:
    higher = flag(higher_is_better, "higher_is_better", default=False)
    return Polarity.HIGHER_IS_BETTER if higher else Polarity.LOWER_IS_BETTER


@cell_function(
    Arg("actual", "The actual value; a blank gives No data"),
    Arg("target", "The target value"),
    Arg(
        "baseline", "Optional: the baseline (e.g. last year); beating it without meeting target is Amber", optional=True
    ),
    Arg("higher_is_better", "TRUE when higher is better; FALSE (the default) when lower is better", optional=True),
    Arg(
        "tolerance",
        "Optional: missing the target by no more than tolerance x target is Amber (0.05 for 5%)",
        optional=True,
    ),
)
def bcf_rag(
    actual: CellValue,
    target: CellValue,
    baseline: CellValue = None,
    higher_is_better: CellValue = None,
    tolerance: CellValue = None,
) -> Result:
    """RAG rating: Green if the target is met, Amber if better than baseline or within tolerance, else Red."""
    polarity = _polarity(higher_is_better)
    limit = optional_number(tolerance, "tolerance")
    return rag(
        optional_number(actual, "actual"),
        number(target, "target"),
        polarity,
        baseline=optional_number(baseline, "baseline"),
        tolerance=limit,
    ).value


@cell_function(
    Arg("forecast", f"The year-end forecast; a blank gives {Progress.NO_DATA}"),
    Arg("target", f"The target value; a blank gives {Progress.NO_DATA}"),
    Arg("higher_is_better", "TRUE when higher is better; FALSE (the default) when lower is better", optional=True),
)
def bcf_progress(forecast: CellValue, target: CellValue, higher_is_better: CellValue = None) -> Result:
    """The quarterly return's progress words for a year-end forecast against its target (on track or not, or no data).

    The words are NHS England's, from the policy data (:class:`bcf_xl.metrics.Progress`): "On
    track to meet target", "Not on track to meet target" or "Data not available to assess progress".
    """
    polarity = _polarity(higher_is_better)
    return progress(optional_number(forecast, "forecast"), optional_number(target, "target"), polarity).value


@cell_function(
    Arg("actual", f"The year's actual value; a blank gives {Achievement.NO_DATA}"),
    Arg("target", f"The target value; a blank gives {Achievement.NO_DATA}"),
    Arg("higher_is_better", "TRUE when higher is better; FALSE (the default) when lower is better", optional=True),
)
def bcf_achieved(actual: CellValue, target: CellValue, higher_is_better: CellValue = None) -> Result:
    """The end-of-year return's words for a year's actual against its target (Achieved, Not Achieved, or no data).

    The words are NHS England's, from the policy data (:class:`bcf_xl.metrics.Achievement`):
    "Achieved" when the actual meets or beats the target, "Not Achieved" otherwise, and "Data not
    available to assess progress" without an actual or a target.
    """
    polarity = _polarity(higher_is_better)
    return achievement(optional_number(actual, "actual"), optional_number(target, "target"), polarity).value


def _band_values(value: object, where: str) -> list[Decimal]:
    """Every cell of an age-band range as a number; a blank band is an error naming the argument and cell."""
    values = numbers(value, where, blank=None)
    for index, item in enumerate(values, start=1):
        if item is None:
            raise BcfInputError(
                f"{where} cell {index}", "every age band needs a value; this one is blank", show_got=False
            )
    return [item for item in values if item is not None]


def _standardised_bands(
    counts: object, populations: object, weights: object
) -> tuple[list[Decimal], list[Decimal], list[Decimal] | None]:
    """The age bands of bcf_dsr and bcf_dsr_ci: ranges of one shape, no blank band, weights optional."""
    shape = _shape(counts)
    for name, other in (("populations", populations), ("weights", weights)):
        if other is not None and _shape(other) != shape:
            raise BcfInputError(
                name,
                f"must be the same shape as counts ({shape[0]}x{shape[1]})",
                "x".join(map(str, _shape(other))),
            )
    # Omitted, or a range left wholly blank: the standard population's weights.
    chosen = None if all(item is None for item in cells(weights)) else _band_values(weights, "weights")
    return _band_values(counts, "counts"), _band_values(populations, "populations"), chosen


_BAND_ARGS = (
    Arg("counts", "Events per age band, e.g. falls admissions for 65-69, 70-74 ... 90+; no blank bands"),
    Arg("populations", "The population of each band, above 0; the same shape as counts"),
    Arg(
        "weights",
        "Optional: the standard population of each band; omitted or all blank, ESP2013's 65-69 ... 90+ (six bands)",
        optional=True,
    ),
    Arg("per", "The rate base; 100000 if omitted", optional=True),
)


@cell_function(*_BAND_ARGS)
def bcf_dsr(counts: Any, populations: Any, weights: Any = None, per: CellValue = None) -> Result:
    """A directly age-standardised rate: each band's rate weighted by a standard population (ESP2013 65+ default)."""
    chosen = _standardised_bands(counts, populations, weights)
    return float(dsr(*chosen, number(per, "per", default=Decimal(100_000))))


@cell_function(
    *_BAND_ARGS,
    Arg("level", "The confidence level; 0.95 (95%) if omitted", optional=True),
    spills=True,
)
def bcf_dsr_ci(
    counts: Any, populations: Any, weights: Any = None, per: CellValue = None, level: CellValue = None
) -> Result:
    """The confidence interval of a standardised rate by Dobson's method; spills the lower then the upper limit."""
    chosen = _standardised_bands(counts, populations, weights)
    base = number(per, "per", default=Decimal(100_000))
    lower, upper = dsr_ci(*chosen, base, number(level, "level", default=Decimal("0.95")))
    return [[float(lower)], [float(upper)]]


def is_error(value: object) -> bool:
    """True for a ``#BCF!`` message a cell function returned."""
    return isinstance(value, str) and value.startswith(ERROR_PREFIX)


def catalogue_text() -> str:
    """The catalogue as ``bcf-xl functions`` prints it: signature, summary and argument help."""
    lines: list[str] = []
    for function in CATALOGUE.values():
        lines.append(function.signature + ("  (spills down)" if function.spills else ""))
        lines.append(f"    {function.summary}")
        for arg in function.args:
            lines.append(f"      {arg.name}: {arg.help}")
        lines.append("")
    return "\n".join(lines)
