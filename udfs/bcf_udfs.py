"""The bcf_* Excel functions, for the xlwings add-in.

Put ``bcf_udfs`` in the workbook's ``UDF Modules`` setting (sheet ``xlwings.conf``) and press
"Import Functions" on the xlwings ribbon. Each function is a thin adapter: Excel's values go to
the cell function of the same name in :mod:`bcf_xl.cells`, which coerces them, calls the engine
and returns a cell value (or a one-line ``#BCF!`` message naming the argument and what arrived).
The help shown in Excel's function wizard comes from the catalogue in :mod:`bcf_xl.cells`.

Excel errors in input cells arrive as their text (``err_to_str``), so ``#REF!`` is reported,
never mistaken for a blank. The Python names are the Excel names: renaming one breaks workbooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw

from bcf_xl import cells

CATEGORY = "Better Care Fund"


def _udf(adapter: Callable[..., Any]) -> Callable[..., Any]:
    """Give an adapter its wizard help from the catalogue and register it with xlwings."""
    spec = cells.CATALOGUE[adapter.__name__]
    adapter.__doc__ = spec.summary
    for arg in reversed(spec.args):
        adapter = xw.arg(arg.name, doc=arg.help, err_to_str=True)(adapter)
    return xw.func(category=CATEGORY)(adapter)


# The adapters carry no type annotations: xlwings would read them as conversion instructions.


@_udf
def bcf_uplift(amount, rate, years=None):  # type: ignore[no-untyped-def]
    return cells.bcf_uplift(amount, rate, years)


@_udf
def bcf_total(amounts, categories=None, category=None):  # type: ignore[no-untyped-def]
    return cells.bcf_total(amounts, categories, category)


@_udf
def bcf_passport(total, weights):  # type: ignore[no-untyped-def]
    return cells.bcf_passport(total, weights)


@_udf
def bcf_share(amount, contributions):  # type: ignore[no-untyped-def]
    return cells.bcf_share(amount, contributions)


@_udf
def bcf_quarter(annual, quarter):  # type: ignore[no-untyped-def]
    return cells.bcf_quarter(annual, quarter)


@_udf
def bcf_shortfall(planned, required):  # type: ignore[no-untyped-def]
    return cells.bcf_shortfall(planned, required)


@_udf
def bcf_rate(count, population, per=None):  # type: ignore[no-untyped-def]
    return cells.bcf_rate(count, population, per)


@_udf
def bcf_rag(actual, target, baseline=None, higher_is_better=None, tolerance=None):  # type: ignore[no-untyped-def]
    return cells.bcf_rag(actual, target, baseline, higher_is_better, tolerance)


@_udf
def bcf_progress(forecast, target, higher_is_better=None):  # type: ignore[no-untyped-def]
    return cells.bcf_progress(forecast, target, higher_is_better)


@_udf
def bcf_achieved(actual, target, higher_is_better=None):  # type: ignore[no-untyped-def]
    return cells.bcf_achieved(actual, target, higher_is_better)


@_udf
def bcf_dsr(counts, populations, weights=None, per=None):  # type: ignore[no-untyped-def]
    return cells.bcf_dsr(counts, populations, weights, per)


@_udf
def bcf_dsr_ci(counts, populations, weights=None, per=None, level=None):  # type: ignore[no-untyped-def]
    return cells.bcf_dsr_ci(counts, populations, weights, per, level)
