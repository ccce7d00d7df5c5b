"""The bcf_* Excel functions and the planning workbook's buttons, for xlwings Lite.

xlwings Lite is a free add-in from Excel's add-in store that runs Python inside Excel (Pyodide), with nothing
to install on the computer. Its ``main.py`` (written by ``bcf-xl lite``) registers what is here:

- :func:`custom_functions` gives one Lite custom function per catalogued cell function of
  :mod:`bcf_xl.cells` (``BCF_UPLIFT``, ``BCF_TOTAL``, ...), with the same names, arguments, help and ``#BCF!``
  messages as the classic add-in's; a function added to the catalogue appears here with no change.
- :func:`check_plan`, :func:`generate_submission`, :func:`roll_forward`, :func:`generate_quarterly_return` and
  :func:`generate_year_end_return` are the buttons' work,
  done by the classic entry points of :mod:`bcf_macros` on the workbook the Lite script runs in
  (:class:`bcf_macros.LiteWorkbook`); the files they write go to Lite's ``/data`` folder.

Nothing here imports xlwings: ``main.py`` passes Lite's decorators in, so this module also imports (and is
tested) where xlwings is absent.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

# bcf_macros installs from macros/, a folder mypy cannot map to the package name, so it is seen as untyped here.
from bcf_macros import (  # type: ignore[import-not-found]
    LiteWorkbook,
    check_plan as _check_plan,
    generate_quarterly_return as _quarterly,
    generate_submission as _generate,
    generate_year_end_return as _year_end,
    roll_forward as _roll,
)
from bcf_xl import cells
from bcf_xl.findings import Finding

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def cell_value(result: object) -> object:
    """A result as Lite accepts it: Decimals become floats (Lite refuses them), tuples become lists."""
    if isinstance(result, Decimal):
        return float(result)
    if isinstance(result, list | tuple):
        return [cell_value(item) for item in result]
    return result


def lite_function(spec: cells.CellFunction) -> Callable[..., Any]:
    """The Lite face of one catalogued cell function: its name, arguments (optional ones default to blank) and
    help, calling the cell function and converting the result."""
    function = spec.function

    def call(*values: Any) -> object:
        return cell_value(function(*values))

    parameters = [
        inspect.Parameter(
            arg.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None if arg.optional else inspect.Parameter.empty
        )
        for arg in spec.args
    ]
    call.__name__ = call.__qualname__ = spec.name
    call.__doc__ = spec.summary
    call.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    call.__annotations__ = {}  # Lite would read annotations as conversions; cells take what Excel passes
    return call


def custom_functions(func: Callable[..., Decorator], arg: Callable[..., Decorator]) -> dict[str, Callable[..., Any]]:
    """Every catalogued cell function as a Lite custom function, by name, registered with Lite's ``func`` and
    ``arg`` decorators: each argument gets its help, and Excel errors in input cells arrive as their text
    (``err_to_str``) so ``#REF!`` is reported, never taken for a blank."""
    registered: dict[str, Callable[..., Any]] = {}
    for name, spec in cells.CATALOGUE.items():
        function = lite_function(spec)
        for argument in reversed(spec.args):
            function = arg(argument.name, doc=argument.help, err_to_str=True)(function)
        registered[name] = func(function)
    return registered


def check_plan(book: Any) -> tuple[Finding, ...] | None:
    """ "Check plan": list every problem of the plan on the Checks sheet."""
    found: tuple[Finding, ...] | None = _check_plan(LiteWorkbook(book))
    return found


def generate_submission(book: Any, folder: Path | None = None) -> Path | None:
    """ "Generate submission": write NHS England's template to Lite's /data folder (for download from the
    add-in's Files menu), validate it, and report on the Checks sheet."""
    written: Path | None = _generate(LiteWorkbook(book, folder))
    return written


def roll_forward(book: Any, folder: Path | None = None) -> Path | None:
    """ "Roll forward": write next year's planning workbook (.xlsx with Lite buttons) to Lite's /data folder."""
    written: Path | None = _roll(LiteWorkbook(book, folder), lite=True)
    return written


def generate_quarterly_return(book: Any, folder: Path | None = None) -> Path | None:
    """ "Generate quarterly return": write the quarterly return to Lite's /data folder (Files menu), validate it,
    and report on the Checks sheet."""
    written: Path | None = _quarterly(LiteWorkbook(book, folder))
    return written


def generate_year_end_return(book: Any, folder: Path | None = None) -> Path | None:
    """ "Generate year-end return": write the end-of-year return to Lite's /data folder (Files menu), validate it,
    and report on the Checks sheet."""
    written: Path | None = _year_end(LiteWorkbook(book, folder))
    return written
