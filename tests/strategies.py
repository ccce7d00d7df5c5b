"""Hypothesis strategies for the engine's inputs: money in whole pence, weights and rates, all Decimal.

Import as ``from tests.strategies import pence`` (or ``from strategies import pence`` when ``tests``
is on ``sys.path``). Every value is built from integers, so no float ever touches a Decimal.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

#: The planning template accepts amounts from 0 to £1,000,000,000 (docs/domain.md section 8).
MAX_POUNDS = 1_000_000_000


def pence(min_value: Decimal | int = -MAX_POUNDS, max_value: Decimal | int = MAX_POUNDS) -> st.SearchStrategy[Decimal]:
    """Amounts in pounds that are a whole number of pence, always with two decimal places (``Decimal('1.00')``)."""
    low = int(Decimal(min_value) * 100)
    high = int(Decimal(max_value) * 100)
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n).scaleb(-2))


def amounts(max_value: Decimal | int = MAX_POUNDS) -> st.SearchStrategy[Decimal]:
    """Non-negative whole-pence amounts, as the template accepts them."""
    return pence(0, max_value)


def sub_pence(places: int = 6, limit: int = MAX_POUNDS) -> st.SearchStrategy[Decimal]:
    """Amounts with up to ``places`` decimals (fractions of a penny included), positive or negative."""
    bound = limit * 10**places
    return st.integers(min_value=-bound, max_value=bound).map(lambda n: Decimal(n).scaleb(-places))


def weight(max_value: int = 10_000, places: int = 3) -> st.SearchStrategy[Decimal]:
    """One non-negative weight: zero, a whole number or a fraction with up to ``places`` decimals."""
    return st.integers(min_value=0, max_value=max_value * 10**places).map(lambda n: Decimal(n).scaleb(-places))


def weights(min_size: int = 1, max_size: int = 8, *, allow_zero: bool = True) -> st.SearchStrategy[list[Decimal]]:
    """Lists of non-negative weights with at least one above zero, as :func:`bcf_xl.money.allocate` needs."""
    element = weight() if allow_zero else weight().filter(lambda w: w > 0)
    return st.lists(element, min_size=min_size, max_size=max_size).filter(lambda ws: any(w > 0 for w in ws))


def rates(min_value: str = "-0.05", max_value: str = "0.10", places: int = 4) -> st.SearchStrategy[Decimal]:
    """Yearly rates as Decimal fractions with ``places`` decimals (0.0566 for 5.66%)."""
    scale = 10**places
    low = int(Decimal(min_value) * scale)
    high = int(Decimal(max_value) * scale)
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n).scaleb(-places))


def scale_factors() -> st.SearchStrategy[Decimal]:
    """Positive factors to scale every weight by (a whole number or a short decimal)."""
    return st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n).scaleb(-2))
