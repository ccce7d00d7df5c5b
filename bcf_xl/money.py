"""Money as Decimal: reading what cells hold, half-up rounding, and exact allocation.

Every amount in the engine is a :class:`~decimal.Decimal` in pounds. Rounding happens only at
the named points below and always half-up, as Excel's ROUND does (Python's ``round`` and
Decimal's default context round half to even: ``round(2.675, 2) == 2.67``).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import repeat

from bcf_xl.errors import BcfInputError, Location

ZERO = Decimal("0")
PENNY = Decimal("0.01")
THOUSAND = Decimal("1000")
# Far above any BCF amount, and low enough that pence always fit Decimal's 28 digits of precision.
LARGEST = Decimal("1e15")

#: Every error value an Excel cell can hold, as the text xlwings (``err_to_str``) and formula engines give it.
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)

_CURRENCY_TEXT = re.compile(r"^\d[\d,]*(\.\d*)?$|^\.\d+$")


def excel_error(value: object) -> str | None:
    """The Excel error a cell value is (``"#REF!"``, ``"#N/A"``...), in capitals, or None for any other value.

    >>> excel_error(" #n/a "), excel_error("N/A")
    ('#N/A', None)
    """
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    return text if text in EXCEL_ERRORS else None


def to_decimal(value: object, where: Location | str = "value", *, blank: Decimal | None = None) -> Decimal:
    """Read a cell value as a Decimal, or raise naming the place.

    Accepts what spreadsheet cells hold: ``int``; ``float`` (read through ``repr``, so 0.1 is
    0.1 and not 0.1000000000000000055...); ``Decimal``; and text such as ``"£1,234.50"``,
    ``"-£5"``, ``"(1,234.50)"`` (accounting negative) or ``" 12 "``. A blank (``None`` or
    empty text) gives ``blank`` when one is supplied and is an error otherwise. Booleans,
    NaN, infinities and other text are errors.

    Args:
        value: what the cell holds.
        where: the place to name in an error.
        blank: what a blank cell means, or None if a blank is not allowed.
    """
    amount = parse_amount(value, where)
    if amount is None:
        if blank is None:
            raise BcfInputError(where, "a number is required", value)
        return blank
    return amount


def parse_amount(value: object, where: Location | str = "value") -> Decimal | None:
    """Read a cell value as a Decimal, giving None for a blank cell.

    See :func:`to_decimal` for what is accepted.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise BcfInputError(where, "must be a number, not TRUE/FALSE", value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BcfInputError(where, "must be a finite number", value)
        result = Decimal(repr(value))
    elif isinstance(value, str):
        result_or_blank = _parse_text(value, where)
        if result_or_blank is None:
            return None
        result = result_or_blank
    else:
        raise BcfInputError(where, "must be a number", value)
    if not result.is_finite():
        raise BcfInputError(where, "must be a finite number", value)
    if abs(result) >= LARGEST:
        raise BcfInputError(where, "is too large: amounts must be below 1,000,000,000,000,000", value)
    return result + ZERO  # normalises -0 to 0


def _parse_text(text: str, where: Location | str) -> Decimal | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    negative, signed = False, False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, signed = True, True
        cleaned = cleaned[1:-1].strip()
    elif cleaned[0] in "+-":
        negative, signed = cleaned[0] == "-", True
        cleaned = cleaned[1:].strip()
    cleaned = cleaned.removeprefix("£").strip()
    if not signed and cleaned[:1] in ("+", "-"):  # "£-5", as some currency formats show it
        negative = cleaned[0] == "-"
        cleaned = cleaned[1:]
    cleaned = cleaned.replace(" ", "")
    if not _CURRENCY_TEXT.match(cleaned) or _bad_grouping(cleaned):
        raise BcfInputError(where, "must be a number such as 1234.50 or £1,234.50", text)
    try:
        result = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only valid numbers
        raise BcfInputError(where, "must be a number such as 1234.50 or £1,234.50", text) from exc
    return -result if negative else result


def _bad_grouping(text: str) -> bool:
    """True when thousands separators are misplaced, as in "1,23" or "12,3456"."""
    whole = text.split(".")[0].lstrip("+-")
    if "," not in whole:
        return False
    groups = whole.split(",")
    return not (1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:]))


def to_pence(amount: Decimal) -> Decimal:
    """Round pounds half-up to the penny: 2.675 becomes 2.68, -2.675 becomes -2.68."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def to_thousands(amount: Decimal, places: int = 0) -> Decimal:
    """Express pounds in £000, rounded half-up to ``places`` decimals: 1,234,500 is 1,235."""
    if places < 0:
        raise BcfInputError("places", "must be 0 or more", places)
    return (amount / THOUSAND).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def is_pence(amount: Decimal) -> bool:
    """True when the amount is a whole number of pence."""
    return amount == amount.quantize(PENNY, rounding=ROUND_FLOOR)


def allocate(total: Decimal, weights: Sequence[Decimal], where: Location | str = "weights") -> tuple[Decimal, ...]:
    """Split a total by weights, exactly to the penny, by the largest remainder.

    Each part first gets its exact share rounded down to the penny; the pennies left over go
    one each to the parts with the largest remainders, ties to the earlier part. The parts
    always sum exactly to ``total``. A negative total is split as its size and the parts
    negated, so a refund mirrors a payment. A zero weight always gets zero.

    Args:
        total: a whole number of pence (round it first with :func:`to_pence`).
        weights: one non-negative weight per part, not all zero (amounts, shares or fractions).
        where: the place to name in an error.

    Raises:
        BcfInputError: a total in fractions of a penny, no weights, a negative weight, or all zero.

    >>> allocate(Decimal("100"), [Decimal(1), Decimal(1), Decimal(1)])
    (Decimal('33.34'), Decimal('33.33'), Decimal('33.33'))
    """
    if not is_pence(total):
        raise BcfInputError("total", "must be a whole number of pence to be split exactly", total)
    if not weights:
        raise BcfInputError(where, "at least one weight is needed", [])
    if not all(map(Decimal.is_finite, weights)) or min(weights) < 0:
        for index, weight in enumerate(weights):
            if not weight.is_finite() or weight < 0:
                raise BcfInputError(where, f"weight {index + 1} must not be negative", weight)
    # Exact integer arithmetic: every weight as an integer, all over one common denominator (scaling every
    # weight by one factor changes no part, and orders the remainders as before).
    numerators, denominators = zip(*map(Decimal.as_integer_ratio, weights), strict=True)
    denominator = math.lcm(*denominators)
    scaled = list(map(operator.mul, numerators, map(operator.floordiv, repeat(denominator), denominators)))
    weight_sum = sum(scaled)
    if weight_sum == 0:
        raise BcfInputError(where, "weights must not all be zero", ZERO)

    floors = allocate_pence(int((total * 100).to_integral_value()), scaled)
    return tuple(map(Decimal.scaleb, map(Decimal, floors), repeat(-2)))  # exact: whole pence, two places


def allocate_pence(pennies: int, weights: Sequence[int]) -> list[int]:
    """:func:`allocate` in whole numbers: split ``pennies`` by non-negative whole weights, not all zero.

    The parts always sum to ``pennies``; a negative total is split as its size and the parts negated.

    >>> allocate_pence(10000, [1, 1, 1])
    [3334, 3333, 3333]
    """
    size = abs(pennies)
    weight_sum = sum(weights)
    if size == weight_sum:  # each part is its weight (an overspend capped at the pool: each its contribution)
        return [-w for w in weights] if pennies < 0 else list(weights)
    shares = list(map(operator.mul, weights, repeat(size)))  # each exact share is share / weight_sum pennies
    remainders = list(map(operator.mod, shares, repeat(weight_sum)))
    # The floors leave sum(remainders) / weight_sum pennies (a whole number), one each to the largest remainders.
    left_over = sum(remainders) // weight_sum
    if not left_over:
        parts = list(map(operator.floordiv, shares, repeat(weight_sum)))
    else:
        # The smallest remainder that gets a penny: every larger one gets one too, as does each share's floor
        # taken from share + weight_sum - 1 - smallest (it reaches the next whole penny exactly then).
        ranked = sorted(remainders, reverse=True)
        smallest = ranked[left_over - 1]
        parts = list(
            map(operator.floordiv, map(operator.add, shares, repeat(weight_sum - 1 - smallest)), repeat(weight_sum))
        )
        # Remainders equal to the smallest get the pennies still owed, ties to the earlier part.
        index = -1
        for _ in range(left_over - ranked.index(smallest)):
            index = remainders.index(smallest, index + 1)
            parts[index] += 1
    return list(map(operator.neg, parts)) if pennies < 0 else parts


def quarters(annual: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Split an annual amount into four quarterly invoices that sum exactly to it.

    The annual amount is first rounded half-up to the penny. Quarters 1 to 3 are a quarter of it
    cut to the penny (towards zero); the fourth absorbs the 0 to 3 pence left, as invoices raised
    in arrears settle the year at the last quarter. So no quarter is ever of the other sign, and
    the fourth is never smaller than the others.

    >>> quarters(Decimal("1000.03"))
    (Decimal('250.00'), Decimal('250.00'), Decimal('250.00'), Decimal('250.03'))
    """
    annual = to_pence(annual)
    quarter = (annual / 4).quantize(PENNY, rounding=ROUND_DOWN)
    return quarter, quarter, quarter, annual - 3 * quarter


def total(amounts: Sequence[Decimal]) -> Decimal:
    """Exact sum of amounts (Decimal addition never loses a penny)."""
    return sum(amounts, ZERO)


def format_pounds(amount: Decimal) -> str:
    """Show pounds with pence and thousands separators: -£1,234.50."""
    rounded = to_pence(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}£{abs(rounded):,.2f}"


def format_thousands(amount: Decimal) -> str:
    """Show pounds as £000 rounded half-up: -£1,235k for -1,234,500."""
    rounded = to_thousands(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}£{abs(rounded):,.0f}k"
