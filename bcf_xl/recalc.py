"""Headless recalculation: evaluate every formula of a workbook without Excel.

Native functions are evaluated by the `formulas` engine; the ``bcf_*`` functions by the very
cell functions of :mod:`bcf_xl.cells` that the Excel add-in calls, registered in that engine. A
formula that cannot be evaluated (a function the engine does not know, a formula it cannot
parse) is reported with its sheet and cell, as is every cell whose result is an error.

Why `formulas` and not `pycel` (both measured on the same 500- and 5,000-formula workbooks; see
``bench/bench_recalc.py``): pycel was faster (about 3x), but it is GPL-3.0 licensed, pins an old
networkx, is no longer released, and exhausted memory on a deep chain of dependent cells, which
an untrusted workbook can hold; formulas is EUPL-licensed, maintained, and evaluates deep chains.
formulas passes an omitted middle argument as 0 rather than as missing, so before evaluation each
omitted argument of a ``bcf_*`` call is rewritten to an explicit marker that reaches the cell
function as a blank, exactly as xlwings passes it in Excel.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from bcf_xl.cells import CATALOGUE, is_error
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import check_workbook_file, write_atomically
from bcf_xl.findings import Finding, Severity, Target, by_severity
from bcf_xl.money import excel_error

OMITTED_FUNCTION = "BCF_OMITTED"
_OMITTED_VALUE = "\x00bcf-omitted"
_PREFIXES = ("_XLFN.", "_XLUDF.", "_XLWS.")
_KEY = re.compile(r"^'\[[^\]]*\](?P<sheet>.+)'!(?P<ref>\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")

CellKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Recalculation:
    """The computed value of every formula cell, and what could not be computed."""

    source: Path
    values: Mapping[CellKey, object]
    findings: tuple[Finding, ...]

    @property
    def formula_count(self) -> int:
        return len(self.values)

    @property
    def failed(self) -> bool:
        """True when some formula could not be evaluated at all (not merely evaluated to an error)."""
        return any(f.severity is Severity.ERROR for f in self.findings)


def _function_name(token: Token) -> str:
    name = str(token.value)[:-1].upper()
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    return name


def rewrite_omitted(formula: str) -> str:
    """Make each omitted argument of a ``bcf_*`` call explicit.

    ``=BCF_RAG(1,2,,TRUE)`` becomes ``=BCF_RAG(1,2,BCF_OMITTED(),TRUE)``. Other functions keep their
    omitted arguments (Excel gives them their own meaning).
    """
    tokens = Tokenizer(formula).items
    out: list[str] = []
    stack: list[bool] = []  # for each open function: is it a bcf_* call
    expecting_arg = False
    for token in tokens:
        is_sep = token.type == Token.SEP and token.subtype == Token.ARG
        is_close = token.type == Token.FUNC and token.subtype == Token.CLOSE
        if stack and stack[-1] and expecting_arg and (is_sep or (is_close and out and out[-1] == ",")):
            out.append(f"{OMITTED_FUNCTION}()")
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            stack.append(_function_name(token).startswith("BCF_"))
            expecting_arg = True
        elif is_close:
            if stack:
                stack.pop()
            expecting_arg = False
        elif is_sep:
            expecting_arg = True
        elif token.type != Token.WSPACE:
            expecting_arg = False
        out.append(token.value)
    return "=" + "".join(out)


def functions_used(formula: str) -> Iterator[str]:
    """The names of the functions a formula calls, upper-case, without Excel's storage prefixes."""
    for token in Tokenizer(formula).items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            yield _function_name(token)


def _formula_cells(book: Workbook) -> Iterator[tuple[str, str, str, str | None]]:
    """(sheet, cell, formula, array range or None) for every formula cell."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula) and isinstance(value.text, str):
                    yield sheet.title, cell.coordinate, value.text, value.ref
                elif isinstance(value, str) and value.startswith("=") and len(value) > 1:
                    yield sheet.title, cell.coordinate, value, None


@cache
def _engine() -> Any:
    """Import `formulas` once (it is slow to import) and register the bcf_* functions in it."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars on a user's terminal
    # Imported here, on first use: loading formulas (and scipy under it) takes half a second.
    import formulas
    import numpy as np
    import schedula as sh
    from formulas.functions import Array, wrap_func

    def to_cell(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            if value.size == 1:
                return to_cell(value.ravel()[0])
            return [[to_cell(item) for item in row] for row in np.atleast_2d(value).tolist()]
        if value is sh.EMPTY or value == _OMITTED_VALUE:
            return None
        if isinstance(value, np.generic):
            return value.item()
        return value

    def adapt(function: Callable[..., Any]) -> Any:
        def call(*args: Any) -> Any:
            result = function(*(to_cell(arg) for arg in args))
            if isinstance(result, list):
                return np.asarray(result, dtype=object).view(Array)
            return result

        call.__name__ = function.__name__
        return wrap_func(call)

    registry = formulas.get_functions()
    for name, spec in CATALOGUE.items():
        adapted = adapt(spec.function)
        registry[name.upper()] = adapted
        registry["_XLUDF." + name.upper()] = adapted
    registry[OMITTED_FUNCTION] = wrap_func(lambda: _OMITTED_VALUE)
    return formulas, registry, to_cell


def known_function(name: str) -> bool:
    """True when the formula engine (with the bcf_* functions) can evaluate this function."""
    _, registry, _ = _engine()
    implementation = registry.get(name)
    return implementation is not None and getattr(implementation, "__name__", "") != "not_implemented"


def _open(path: Path) -> Workbook:
    check_workbook_file(path)
    try:
        return openpyxl.load_workbook(path, keep_vba=False, keep_links=False)
    except Exception as exc:
        raise BcfInputError(
            Location(sheet=path.name), "cannot be read as a workbook", f"{type(exc).__name__}: {exc}"
        ) from None


def recalculate(path: Path) -> Recalculation:
    """Evaluate every formula cell of a workbook file, which is left untouched.

    Raises:
        BcfInputError: the file is not a workbook bcf-xl can open (see :mod:`bcf_xl.files`).
    """
    book = _open(path)
    findings: list[Finding] = []
    formula_cells: dict[CellKey, str | None] = {}
    not_evaluable: set[CellKey] = set()
    for sheet, cell, formula, array_ref in _formula_cells(book):
        key = (sheet, cell)
        formula_cells[key] = array_ref
        try:
            unknown = sorted({name for name in functions_used(formula) if not known_function(name)})
            rewritten = rewrite_omitted(formula)
        except Exception as exc:  # openpyxl's tokenizer refuses malformed formulas
            findings.append(_finding(Severity.ERROR, "RECALC01", key, f"the formula cannot be parsed ({exc})"))
            not_evaluable.add(key)
            continue
        if unknown:
            findings.append(
                _finding(
                    Severity.ERROR,
                    "RECALC01",
                    key,
                    f"uses {', '.join(unknown)}, which bcf-xl cannot evaluate: {formula}",
                )
            )
            not_evaluable.add(key)
        if rewritten != formula:
            target = book[sheet][cell]
            target.value = ArrayFormula(array_ref, rewritten) if array_ref else rewritten
    values = _evaluate(book, path.name, formula_cells) if formula_cells else {}
    for key, value in values.items():
        if key in not_evaluable:
            continue
        if excel_error(value) is not None or is_error(value):
            findings.append(_finding(Severity.WARNING, "RECALC02", key, f"evaluates to {value}"))
    return Recalculation(path, values, by_severity(findings))


def _finding(severity: Severity, code: str, key: CellKey, message: str) -> Finding:
    return Finding(severity, code, Target("workbook"), message, Location(sheet=key[0], cell=key[1]))


def _evaluate(book: Workbook, name: str, formula_cells: Mapping[CellKey, str | None]) -> dict[CellKey, object]:
    formulas, _, to_cell = _engine()
    titles = {title.upper(): title for title in book.sheetnames}
    with tempfile.TemporaryDirectory(prefix="bcf-xl-recalc-") as folder:
        copy = Path(folder) / (Path(name).stem + ".xlsx")
        book.save(copy)
        try:
            model = formulas.ExcelModel().loads(str(copy)).finish()
            solution = model.calculate()
        except Exception as exc:
            raise BcfInputError(
                Location(sheet=name),
                "the formula engine could not evaluate the workbook",
                f"{type(exc).__name__}: {exc}",
            ) from None
    wanted = set(_all_cells(formula_cells))
    computed: dict[CellKey, object] = {}
    for key, ranges in solution.items():
        match = _KEY.match(str(key))
        if not match:
            continue
        sheet = titles.get(match["sheet"].upper(), match["sheet"])
        first_col, first_row, last_col, last_row = _bounds(match["ref"])
        block = getattr(ranges, "value", ranges)
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                cell = f"{get_column_letter(c)}{r}"
                if (sheet, cell) in wanted:
                    item = block[r - first_row][c - first_col] if hasattr(block, "__getitem__") else block
                    computed[(sheet, cell)] = _plain(to_cell(item))
    return {key: computed.get(key, "#N/A") for key in _all_cells(formula_cells)}


def _bounds(ref: str) -> tuple[int, int, int, int]:
    """(first column, first row, last column, last row) of an A1 reference such as B2 or B2:C9."""
    first_col, first_row, last_col, last_row = range_boundaries(ref.replace("$", ""))
    if first_col is None or first_row is None or last_col is None or last_row is None:
        raise ValueError(f"not a cell range: {ref}")
    return first_col, first_row, last_col, last_row


def _all_cells(formula_cells: Mapping[CellKey, str | None]) -> Iterator[CellKey]:
    for (sheet, cell), ref in formula_cells.items():
        if not ref:
            yield sheet, cell
            continue
        first_col, first_row, last_col, last_row = _bounds(ref)
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                yield sheet, f"{get_column_letter(c)}{r}"


def _plain(value: object) -> object:
    """A value openpyxl can store: numbers, text, booleans, blanks; Excel errors as their text."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    return str(value)  # formulas' XlError is a str subclass: store its plain text


def write_values(result: Recalculation, target: Path, *, overwrite: bool = False) -> None:
    """Write a copy of the source workbook with every formula replaced by its computed value.

    The copy holds no macros, so it is always an .xlsx file.
    """
    if target.suffix.lower() != ".xlsx":
        raise BcfInputError(
            Location(sheet=target.name), "the copy with values must be an .xlsx file", target.suffix or "no extension"
        )
    book = _open(result.source)
    for (sheet, cell), value in result.values.items():
        book[sheet][cell].value = value
    write_atomically(target, lambda temporary: book.save(temporary), overwrite=overwrite)
