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

An untrusted workbook is held to these rules:

- Values only. Only a cell stored as a formula is evaluated; a cell holding *text* that starts with
  ``=`` (a ``=WEBSERVICE(...)`` or DDE payload typed as text) stays text. The copy written by
  :func:`write_values` holds every result as a value (a text result as text) and no formula.
- No other file is opened. A formula that refers to another workbook (``'[x.xlsx]Data'!A1``,
  ``'C:\\...\\[x.xlsx]Data'!A1``, an external link ``[1]Data!A1``, or a defined name that refers to
  one) is reported at its cell and left unevaluated as ``#REF!``; the engine is also barred from
  loading any book but the one it was given.
- Bounded work. The largest real plan, the sample scaled to 5,000 schemes (``bench/plans.py``),
  has 30,989 formula cells; the largest range one of them refers to holds 5,100 cells (its
  largest defined name, 127,500); its longest chain of formulas, each depending on the next, is
  8 long; its largest sheet spans 127,575 cells (5,103 rows by 25 columns). The limits leave a
  wide margin: at most :data:`MAX_FORMULAS` (150,000) formula cells, :data:`MAX_SHEET_CELLS`
  (1,000,000) cells from A1 to a sheet's last used row and column,
  :data:`MAX_RANGE_CELLS` (250,000) cells in one range a formula refers to or one array formula
  fills (a whole column, 1,048,576 cells, is beyond it), and :data:`MAX_DEPTH` (200) formulas in
  one chain. Beyond them the workbook is refused with one :class:`~bcf_xl.errors.BcfInputError`
  naming the cell (the sheet, for its extent; the file, for the count) before any formula is
  evaluated and before any
  copy of the file is made; the copy the engine reads is removed as soon as it is read. MUNIT and
  MAKEARRAY, whose arrays are as large as an argument asks, are reported and never run.
- Nothing loaded beyond bounds. openpyxl's full loader makes an object for every cell, and for every
  cell of a merged range or hyperlink, so :func:`survey` first reads the sheets as a stream that
  builds nothing and refuses what the loader would expand beyond :data:`MAX_SHEET_CELLS`,
  :data:`MAX_CELLS` or :data:`MAX_LINKED_CELLS`, a cell text beyond the readers' limit, and the
  formula count, range sizes and chains above, measured from the formula text. A formula that
  refers to a chart sheet is reported at its cell and left as ``#REF!``.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import tempfile
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from bcf_xl.cells import CATALOGUE, is_error
from bcf_xl.errors import BcfInputError, Location, one_line
from bcf_xl.files import check_workbook_file, write_atomically
from bcf_xl.findings import Finding, Severity, Target, by_severity
from bcf_xl.money import excel_error
from bcf_xl.workbook.reading import MAX_CELL_CHARS

MAX_FORMULAS = 150_000
"""Formula cells (each cell of an array formula counted) a workbook may hold: 5 x the largest plan."""
MAX_RANGE_CELLS = 250_000
"""Cells in one range a formula refers to, or one array formula fills: 49 x the largest plan's."""
MAX_SHEET_CELLS = 1_000_000
"""Cells in the block from A1 to a sheet's last used row and column: 7.8 x the largest plan's."""
MAX_DEPTH = 200
"""Formulas in one chain, each depending on the next: 25 x the largest plan's."""
MAX_CELLS = 500_000
"""Cells a workbook may hold in all, each cell of a merged range counted: 3.9 x the largest plan's 128,672."""
MAX_LINKED_CELLS = 10_000
"""Cells hyperlinks may cover in all (a link over a range is copied to each of its cells); a plan has none."""

OMITTED_FUNCTION = "BCF_OMITTED"
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
# Functions whose result is an array as large as an argument asks: not evaluated, so no formula
# can build an array beyond MAX_RANGE_CELLS at run time.
_SIZED_BY_ARGUMENT = frozenset({"MUNIT", "MAKEARRAY"})
_OMITTED_VALUE = "\x00bcf-omitted"
_PREFIXES = ("_XLFN.", "_XLUDF.", "_XLWS.")
_COPY = "workbook.xlsx"
_KEY = re.compile(r"^'\[(?P<book>[^\]]*)\](?P<sheet>.+)'!(?P<ref>\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$")

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


def _formula_cells(book: Workbook) -> Iterator[tuple[str, str, str | None, str | None]]:
    """(sheet, cell, formula, array range or None) for every cell stored as a formula.

    Text that merely starts with ``=`` is not a formula. A formula openpyxl holds as neither text
    nor an array formula (a data table) comes with formula None.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                value = cell.value
                if isinstance(value, ArrayFormula):
                    text = value.text if isinstance(value.text, str) else None
                    yield sheet.title, cell.coordinate, text, value.ref
                else:
                    yield sheet.title, cell.coordinate, value if isinstance(value, str) else None, None


@cache
def _engine() -> Any:
    """Import `formulas` once (it is slow to import) and register the bcf_* functions in it."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars on a user's terminal
    # Imported here, on first use: loading formulas (and scipy under it) takes half a second.
    import formulas
    import formulas.excel
    import numpy as np
    import schedula as sh
    import tqdm
    from formulas.functions import Array, wrap_func

    # TQDM_DISABLE only counts where tqdm is not yet imported (collate's progress bar imports it), so the
    # formula engine's own progress bar is also turned off where it is made.
    formulas.excel.tqdm = SimpleNamespace(tqdm=functools.partial(tqdm.tqdm, disable=True))

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

    class OneBook(dict[str, Any]):
        """The engine's books: once the workbook is loaded, adding any other book fails."""

        sealed = False

        def __setitem__(self, key: str, value: Any) -> None:
            if self.sealed and key not in self:
                raise PermissionError(f"bcf-xl opens no other workbook: {key}")
            super().__setitem__(key, value)

    class OneBookModel(formulas.ExcelModel):  # type: ignore[misc]
        """An engine model that reads exactly one workbook: a reference to another one stays #REF!."""

        def __init__(self) -> None:
            super().__init__()
            self.books = OneBook()

        def load(self, filename: str) -> Any:
            if self.books.sealed:
                raise PermissionError(f"bcf-xl opens no other workbook: {filename}")
            super().load(filename)
            self.books.sealed = True
            return self

    return OneBookModel, registry, to_cell


def known_function(name: str) -> bool:
    """True when the formula engine (with the bcf_* functions) can evaluate this function."""
    if name in _SIZED_BY_ARGUMENT:
        return False
    _, registry, _ = _engine()
    implementation = registry.get(name)
    return implementation is not None and getattr(implementation, "__name__", "") != "not_implemented"


def _open(path: Path) -> tuple[Workbook, Survey]:
    check_workbook_file(path)
    surveyed = survey(path)
    try:
        return openpyxl.load_workbook(path, keep_vba=False, keep_links=False), surveyed
    except Exception as exc:
        raise BcfInputError(
            Location(sheet=path.name), "cannot be read as a workbook", f"{type(exc).__name__}: {exc}"
        ) from None


def recalculate(path: Path) -> Recalculation:
    """Evaluate every formula cell of a workbook file, which is left untouched.

    Raises:
        BcfInputError: the file is not a workbook bcf-xl can open (see :mod:`bcf_xl.files`), or it
            holds more formulas, larger ranges or longer chains than the limits of this module.
    """
    book, surveyed = _open(path)
    charts = {name.upper(): name for name in surveyed.chart_sheets}
    _check_extent(book)
    names = _DefinedNames(book)
    findings: list[Finding] = []
    formula_cells: dict[CellKey, str | None] = {}
    references: dict[CellKey, list[_Area]] = {}
    not_evaluable: set[CellKey] = set()
    external: set[CellKey] = set()
    called: dict[CellKey, tuple[str, list[str]]] = {}
    count = 0
    for sheet, cell, formula, array_ref in _formula_cells(book):
        key = (sheet, cell)
        if array_ref is not None and _area(sheet, array_ref) is None:
            array_ref = None  # not a range: openpyxl fills the anchor cell only
        if array_ref is not None:
            _check_size(key, array_ref, _size(_area(sheet, array_ref)), verb="is an array formula filling")
        count += _size(_area(sheet, array_ref)) if array_ref else 1
        if count > MAX_FORMULAS:
            raise _too_many_formulas(path)
        formula_cells[key] = array_ref
        target = book[sheet][cell]
        if formula is None:
            findings.append(_finding(Severity.ERROR, "RECALC01", key, "is a data table, which bcf-xl cannot evaluate"))
            not_evaluable.add(key)
            target.value = "#N/A"
            continue
        try:
            tokens = Tokenizer(formula).items
            functions = sorted(set(_functions(tokens)))
            rewritten = rewrite_omitted(formula) if "BCF_" in formula.upper() else formula
        except Exception as exc:  # openpyxl's tokenizer refuses malformed formulas
            findings.append(
                _finding(Severity.ERROR, "RECALC01", key, f"the formula cannot be parsed ({_quote(str(exc))})")
            )
            not_evaluable.add(key)
            continue
        operands = [str(t.value) for t in tokens if t.type == Token.OPERAND and t.subtype == Token.RANGE]
        elsewhere = [ref for ref in operands if _names_another_workbook(ref) or names.external(ref)]
        if elsewhere:
            findings.append(
                _finding(
                    Severity.ERROR,
                    "RECALC03",
                    key,
                    f"refers to another workbook ({_quote(elsewhere[0])}), which bcf-xl never opens: left as #REF!",
                )
            )
            external.add(key)
            not_evaluable.add(key)
            target.value = "#REF!"
            continue
        areas = [area for ref in operands for area in names.areas(ref, sheet)]
        charted = [charts[area.sheet] for area in areas if area.sheet in charts]
        if charted:
            findings.append(
                _finding(
                    Severity.ERROR,
                    "RECALC04",
                    key,
                    f"refers to '{_quote(charted[0])}', a chart sheet, not a worksheet of cells: left as #REF!",
                )
            )
            external.add(key)
            not_evaluable.add(key)
            target.value = "#REF!"
            continue
        for area in areas:
            _check_size(key, area.text, _size(area))
        references[key] = areas
        called[key] = (formula, functions)
        if rewritten != formula:
            target.value = ArrayFormula(array_ref, rewritten) if array_ref else rewritten
    _check_depth(formula_cells, references)
    for key, (formula, functions) in called.items():  # the engine loads only for a workbook within bounds
        unknown = [name for name in functions if not known_function(name)]
        if unknown:
            findings.append(
                _finding(
                    Severity.ERROR,
                    "RECALC01",
                    key,
                    f"uses {', '.join(unknown)}, which bcf-xl cannot evaluate: {_quote(formula)}",
                )
            )
            not_evaluable.add(key)
            book[key[0]][key[1]].value = "#NAME?"  # as Excel shows a function it does not know; never run
    names.forget_external(book)
    values = _evaluate(book, path.name, formula_cells) if formula_cells else {}
    for key in external:
        for cell_key in _all_cells({key: formula_cells[key]}):
            values[cell_key] = "#REF!"
    for key, value in values.items():
        if key in not_evaluable:
            continue
        if excel_error(value) is not None or is_error(value):
            findings.append(_finding(Severity.WARNING, "RECALC02", key, f"evaluates to {_quote(str(value))}"))
    return Recalculation(path, values, by_severity(findings))


def _check_extent(book: Workbook) -> None:
    """Refuse a sheet whose used block is beyond MAX_SHEET_CELLS: the engine walks every cell of it."""
    for sheet in book.worksheets:
        _check_reach(sheet.title, sheet.max_row, sheet.max_column)


def _check_reach(sheet: str, last_row: int, last_column: int) -> None:
    extent = last_row * last_column
    if extent > MAX_SHEET_CELLS:
        raise BcfInputError(
            Location(sheet=sheet),
            f"its cells reach {get_column_letter(min(last_column, _MAX_COL))}{last_row}, "
            f"a block of {extent:,} cells, more than the {MAX_SHEET_CELLS:,} bcf-xl evaluates",
            show_got=False,
        )


def _too_many_formulas(path: Path) -> BcfInputError:
    return BcfInputError(
        Location(sheet=path.name),
        f"holds more than {MAX_FORMULAS:,} formula cells, the most bcf-xl evaluates",
        show_got=False,
    )


def _functions(tokens: list[Token]) -> Iterator[str]:
    for token in tokens:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            yield _function_name(token)


def _quote(text: str) -> str:
    """Text from a workbook as a message may show it: control characters escaped, at most 80 characters."""
    shown = _CONTROL.sub(lambda found: f"\\x{ord(found[0]):02x}", one_line(text[:200]))
    return shown if len(shown) <= 80 else shown[:79] + "\u2026"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _finding(severity: Severity, code: str, key: CellKey, message: str) -> Finding:
    return Finding(severity, code, Target("workbook"), message, Location(sheet=key[0], cell=key[1]))


_BOOK_PREFIX = re.compile(r"^\[(?:\d+|[^\]]*\.xl\w*)\]", re.IGNORECASE)


def _names_another_workbook(ref: str) -> bool:
    """True when a reference names a workbook: ``[x.xlsx]Data!A1``, ``'C:\\[x.xlsx]Data'!A1``, ``[1]!Name``.

    A sheet name cannot hold ``[``, so one before the ``!`` is a workbook's name; a table's
    structured reference (``Table1[Amount]``) has none.
    """
    before, bang, _ = ref.rpartition("!")
    return bool(bang and "[" in before) or bool(_BOOK_PREFIX.match(ref))


@dataclass(frozen=True, slots=True)
class _Area:
    """A block of one sheet that a formula refers to, as it was written and as 1-based bounds."""

    sheet: str
    text: str
    first_col: int
    first_row: int
    last_col: int
    last_row: int


_Node = CellKey | _Area


def _size(area: _Area | None) -> int:
    return 0 if area is None else (area.last_col - area.first_col + 1) * (area.last_row - area.first_row + 1)


def _check_size(key: CellKey, text: str, size: int, *, verb: str = "refers to") -> None:
    if size > MAX_RANGE_CELLS:
        raise BcfInputError(
            Location(sheet=key[0], cell=key[1]),
            f"{verb} {size:,} cells in one range, more than the {MAX_RANGE_CELLS:,} bcf-xl evaluates",
            _quote(text),
        )


def _split(ref: str, sheet: str) -> tuple[str, str]:
    """(sheet, address) of a reference such as ``'Plan 1'!$A$1:B2``; a bare address is on ``sheet``."""
    before, bang, address = ref.rpartition("!")
    if not bang:
        return sheet, ref
    if len(before) >= 2 and before[0] == before[-1] == "'":
        before = before[1:-1].replace("''", "'")
    return before, address


def _area(sheet: str, ref: str) -> _Area | None:
    """The block a reference covers (a whole column or row reaches the sheet's edge); None for a name."""
    on, address = _split(ref, sheet)
    try:
        first_col, first_row, last_col, last_row = range_boundaries(address.replace("$", ""))
    except (ValueError, TypeError):
        return None
    return _Area(on.upper(), ref, first_col or 1, first_row or 1, last_col or _MAX_COL, last_row or _MAX_ROW)


class _DefinedNames:
    """The workbook's defined names: the blocks each covers, and which refer to another workbook."""

    def __init__(self, book: Workbook) -> None:
        self._areas: dict[str, list[_Area]] = {}
        self._external: set[str] = set()
        scopes = [book.defined_names, *(sheet.defined_names for sheet in book.worksheets)]
        for scope in scopes:
            for name, defined in scope.items():
                text = str(defined.attr_text or "")
                try:
                    tokens = Tokenizer("=" + text).items
                except Exception:  # a malformed name is the engine's to refuse
                    continue
                refs = [str(t.value) for t in tokens if t.type == Token.OPERAND and t.subtype == Token.RANGE]
                if any(_names_another_workbook(ref) for ref in refs):
                    self._external.add(name.upper())
                areas = [area for ref in refs if "!" in ref and (area := _area("", ref)) is not None]
                self._areas.setdefault(name.upper(), []).extend(areas)

    def _name(self, ref: str) -> str:
        return ref.rpartition("!")[2].upper()

    def external(self, ref: str) -> bool:
        """True when the reference is a defined name that refers to another workbook."""
        return self._name(ref) in self._external and _area("", ref) is None

    def areas(self, ref: str, sheet: str) -> list[_Area]:
        """The blocks a reference covers: its own, or those of the defined name it is."""
        area = _area(sheet, ref)
        if area is not None:
            return [area]
        return self._areas.get(self._name(ref), [])

    def forget_external(self, book: Workbook) -> None:
        """Drop the names that refer to another workbook, so the engine is never asked to read one."""
        for scope in [book.defined_names, *(sheet.defined_names for sheet in book.worksheets)]:
            for name in [name for name in scope if name.upper() in self._external]:
                del scope[name]


def _check_depth(formula_cells: Mapping[CellKey, str | None], references: Mapping[CellKey, list[_Area]]) -> None:
    """Refuse a chain of more than MAX_DEPTH formulas, each depending on the next.

    Walks the graph of formula cells and the blocks they refer to without recursion; a block
    leads to the formula cells inside it, found per column by bisection. A cycle adds nothing.
    """
    owner: dict[tuple[str, int, int], CellKey] = {}
    for key in references:
        array_ref = formula_cells[key]
        first_col, first_row, last_col, last_row = _bounds(array_ref or key[1])
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                owner[(key[0].upper(), col, row)] = key
    columns: dict[str, dict[int, list[int]]] = {}
    for sheet, col, row in sorted(owner):
        columns.setdefault(sheet, {}).setdefault(col, []).append(row)

    def inside(area: _Area) -> tuple[CellKey, ...]:
        by_column = columns.get(area.sheet, {})
        if area.last_col - area.first_col + 1 <= len(by_column):
            cols: Iterable[int] = range(area.first_col, area.last_col + 1)
        else:
            cols = [col for col in by_column if area.first_col <= col <= area.last_col]
        found: dict[CellKey, None] = {}
        for col in cols:
            rows = by_column.get(col)
            if rows:
                for row in rows[bisect_left(rows, area.first_row) : bisect_right(rows, area.last_row)]:
                    found[owner[(area.sheet, col, row)]] = None
        return tuple(found)

    children: dict[_Node, tuple[_Node, ...]] = {}

    def next_of(node: _Node) -> tuple[_Node, ...]:
        if node not in children:
            children[node] = tuple(references.get(node, ())) if isinstance(node, tuple) else inside(node)
        return children[node]

    depth: dict[_Node, int] = {}
    for start in references:
        if start in depth:
            continue
        stack: list[tuple[_Node, Iterator[_Node]]] = [(start, iter(next_of(start)))]
        on_path: set[_Node] = {start}
        cells_on_path = 1
        while stack:
            node, pending = stack[-1]
            for child in pending:
                if child not in depth and child not in on_path:
                    on_path.add(child)
                    stack.append((child, iter(next_of(child))))
                    cells_on_path += isinstance(child, tuple)
                    break
            else:
                stack.pop()
                on_path.discard(node)
                own = isinstance(node, tuple)
                cells_on_path -= own
                depth[node] = max((depth.get(child, 0) for child in next_of(node)), default=0) + own
            if depth.get(node, 0) > MAX_DEPTH or cells_on_path > MAX_DEPTH:
                raise BcfInputError(
                    Location(sheet=start[0], cell=start[1]),
                    f"heads a chain of more than {MAX_DEPTH} formulas, each depending on the next, "
                    "longer than bcf-xl evaluates",
                    show_got=False,
                )


def _evaluate(book: Workbook, name: str, formula_cells: Mapping[CellKey, str | None]) -> dict[CellKey, object]:
    model_class, _, to_cell = _engine()
    titles = {title.upper(): title for title in book.sheetnames}
    try:
        # The engine reads a file: the copy lives only until it is read, whatever happens.
        with tempfile.TemporaryDirectory(prefix="bcf-xl-recalc-") as folder:
            copy = Path(folder) / _COPY
            book.save(copy)
            model = model_class().loads(str(copy))
        solution = model.finish().calculate()
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
        if not match or match["book"].lower() != _COPY:
            continue  # only cells of the workbook itself
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

    The copy holds values only: each result is stored as a value (a text result as text, even
    when it starts with ``=``), text cells stay text, and no formula is left. It holds no macros,
    so it is always an .xlsx file.
    """
    if target.suffix.lower() != ".xlsx":
        raise BcfInputError(
            Location(sheet=target.name), "the copy with values must be an .xlsx file", target.suffix or "no extension"
        )
    book, _ = _open(result.source)
    _DefinedNames(book).forget_external(book)
    for (sheet, coordinate), value in result.values.items():
        store_value(book[sheet][coordinate], value)
    for worksheet in book.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # a formula the recalculation did not see: never pass it on
                    store_value(cell, "#N/A")
    write_atomically(target, lambda temporary: book.save(temporary), overwrite=overwrite)


def store_value(cell: Cell | MergedCell, value: object) -> None:
    """Put a computed value in a cell as a value: text is stored as text, never read as a formula."""
    if isinstance(cell, MergedCell):
        return  # covered by a merged range: the file shows its first cell only
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value  # type: ignore[assignment]  # the engine yields numbers, text, booleans, blanks
    if cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula
        cell.data_type = "s"


# --- a look at the file before openpyxl loads it ---------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships}"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types}"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_CELL = re.compile(r"([A-Za-z]{1,3})(\d+)")
_TEXT = re.compile(r'"(?:[^"]|"")*"')
_PART = r"\$?[A-Za-z]{1,3}\$?\d+"
# A reference in formula text: an optional sheet, then a cell, a block, whole columns or whole rows. It stands
# alone: not part of a name, a number, a function call, a structured or another workbook's reference.
_REFERENCE = re.compile(
    r"(?<![\w.$!\]\\])(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?"
    rf"(?P<ref>{_PART}(?::{_PART})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?\d+:\$?\d+)"
    r"(?![\w(\[!.])"
)
_NAME = re.compile(r"(?<![\w.$!\]\\'])([A-Za-z_\\][\w.]*)(?![\w(\[!'])")

Event = tuple[bool, str, dict[str, str], str]  # (a start?, namespace}tag, attributes, text at its end)


@dataclass(frozen=True, slots=True)
class Survey:
    """What a look through a workbook's parts found: its worksheets' names and its chart sheets' names."""

    worksheets: tuple[str, ...]
    chart_sheets: frozenset[str]


def survey(path: Path) -> Survey:
    """Look through a workbook's parts as a stream, before openpyxl's full loader builds anything of them.

    The full loader (which the values copy needs) makes an object for every cell it finds, and for every
    cell of a merged range and of a hyperlink's range, whatever their size. So each worksheet part is read
    here first, as a stream of XML events that builds nothing (entity declarations refused, as defusedxml
    does), and the workbook is refused, with one message naming the sheet (or cell) and the limit, when a
    sheet's cells reach beyond :data:`MAX_SHEET_CELLS` (a dimension record is never read, so never believed),
    its merged ranges cover more, its cells and merged cells number more than :data:`MAX_CELLS`, hyperlinks
    cover more than :data:`MAX_LINKED_CELLS` cells, a cell's text is longer than
    :data:`~bcf_xl.workbook.reading.MAX_CELL_CHARS`, or its formulas are more, refer to larger ranges or
    form longer chains than this module's limits (measured from the formula text, shared formulas
    included, before the formula model is built).

    Raises:
        BcfInputError: as above; or a part is not well-formed XML or declares an entity.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            parts, charts = _sheet_parts(archive, names)
            scan = _Scan(path, _string_lengths(archive, names), _defined_names(archive))
            for sheet, part in parts:
                if part in names:
                    scan.sheet(sheet, _events(archive, part))
    except BcfInputError:
        raise
    except Exception as exc:  # a malformed part, an entity declaration, a broken zip member
        raise BcfInputError(
            Location(sheet=path.name), "cannot be read as a workbook", f"{type(exc).__name__}: {exc}"
        ) from None
    scan.finish()
    return Survey(tuple(sheet for sheet, _ in parts), frozenset(charts))


def _events(archive: zipfile.ZipFile, part: str) -> Iterator[Event]:
    """A part's elements as events, read in chunks: nothing of the part is kept once its event is seen."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    found: list[Event] = []
    text: list[str] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        found.append((True, tag, attributes, ""))
        text.clear()

    def end(tag: str) -> None:
        found.append((False, tag, {}, "".join(text)))
        text.clear()

    def refuse(*_: object) -> None:
        raise ValueError(f"{part} declares an entity, which no workbook part does")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    parser.EntityDeclHandler = refuse  # the attacks defusedxml guards against (billion laughs, XXE) need one
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]  # refusing, it never returns
    with archive.open(part) as stream:
        while chunk := stream.read(2**16):
            parser.Parse(chunk, False)
            yield from found
            found.clear()
    parser.Parse(b"", True)
    yield from found


def _relationships(archive: zipfile.ZipFile, names: set[str], part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target part)."""
    folder, _, file = part.rpartition("/")
    rels = f"{folder}/_rels/{file}.rels"
    found: dict[str, tuple[str, str]] = {}
    if rels not in names:
        return found
    for is_start, tag, attributes, _ in _events(archive, rels):
        if is_start and tag == f"{_PACKAGE_RELS}Relationship":
            target = attributes.get("Target", "")
            where = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            found[attributes.get("Id", "")] = (attributes.get("Type", ""), posixpath.normpath(where))
    return found


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The (name, part) of each worksheet, in the workbook's order, and the names of its chart sheets."""
    rels = _relationships(archive, names, "xl/workbook.xml")
    worksheets: list[tuple[str, str]] = []
    charts: list[str] = []
    for is_start, tag, attributes, _ in _events(archive, "xl/workbook.xml"):
        if is_start and tag == f"{_MAIN}sheet":
            kind, target = rels.get(attributes.get(f"{_OFFICE_RELS}id", ""), ("", ""))
            if kind.endswith("/chartsheet"):
                charts.append(attributes.get("name", ""))
            elif kind.endswith("/worksheet"):
                worksheets.append((attributes.get("name", ""), target))
    return worksheets, charts


def _defined_names(archive: zipfile.ZipFile) -> dict[str, list[_Area]]:
    """The blocks each defined name covers, by upper-case name; names of another workbook's cells are left out."""
    found: dict[str, list[_Area]] = {}
    name = ""
    for is_start, tag, attributes, text in _events(archive, "xl/workbook.xml"):
        if tag != f"{_MAIN}definedName":
            continue
        if is_start:
            name = attributes.get("name", "").upper()
        elif (areas := _areas(text, "")) is not None:
            found.setdefault(name, []).extend(areas)
    return found


def _string_lengths(archive: zipfile.ZipFile, names: set[str]) -> list[int]:
    """The length of each shared string, in order (the text a cell of type ``s`` holds by number)."""
    part = "xl/sharedStrings.xml"
    if "[Content_Types].xml" in names:
        for is_start, tag, attributes, _ in _events(archive, "[Content_Types].xml"):
            if is_start and tag == f"{_CONTENT_TYPES}Override" and attributes.get("ContentType") == _STRINGS_TYPE:
                part = attributes.get("PartName", "").lstrip("/")
    lengths: list[int] = []
    if part not in names:
        return lengths
    length, phonetic = 0, 0
    for is_start, tag, _, text in _events(archive, part):
        if tag == f"{_MAIN}rPh":
            phonetic += 1 if is_start else -1
        elif not is_start and tag == f"{_MAIN}t" and not phonetic:
            length += len(text)
        elif not is_start and tag == f"{_MAIN}si":
            lengths.append(length)
            length = 0
    return lengths


def _areas(formula: str, sheet: str) -> list[_Area] | None:
    """The blocks formula text refers to (string constants skipped); None when it names another workbook."""
    text = _TEXT.sub('""', formula) if '"' in formula else formula
    if "[" in text and any(_names_another_workbook(ref) for ref in re.findall(r"\S*\[[^\]]*\]\S*", text)):
        return None
    areas = []
    for found in _REFERENCE.finditer(text):
        on, ref = found["sheet"], found["ref"]
        one = None if on else _ONE_CELL.fullmatch(ref)
        if one is not None:  # the usual case, worked out without openpyxl's general parser
            column, row = _column_index(one[1].upper()), int(one[2])
            areas.append(_Area(sheet.upper(), ref, column, row, column, row))
        elif (area := _area(sheet, f"{on}!{ref}" if on else ref)) is not None:
            areas.append(area)
    return areas


_ONE_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


@cache
def _column_index(letters: str) -> int:
    return column_index_from_string(letters)


def _shifted(formula: str, rows: int, columns: int) -> str:
    """A shared formula as it stands in a cell ``rows`` below and ``columns`` right of the one that holds it."""

    def shift(part: str) -> str:
        found = re.fullmatch(r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?", part)
        if found is None:  # pragma: no cover - the reference pattern admits nothing else
            return part
        col_fixed, letters, row_fixed, number = found.groups()
        out = ""
        if letters:
            index = column_index_from_string(letters.upper()) + (0 if col_fixed else columns)
            out += col_fixed + (get_column_letter(index) if 1 <= index <= _MAX_COL else letters)
        if number:
            out += row_fixed + str(int(number) + (0 if row_fixed else rows))
        return out

    def move(found: re.Match[str]) -> str:
        on = found["sheet"]
        moved = ":".join(shift(part) for part in found["ref"].split(":"))
        return f"{on}!{moved}" if on else moved

    return _REFERENCE.sub(move, formula)


@dataclass(slots=True)
class _Cell:
    """What a cell element held, gathered from its children's events."""

    row: int
    column: int
    kind: str
    value: str = ""
    text_length: int = 0
    formula: str | None = None
    formula_kind: str = ""
    block: str = ""
    group: str = ""


class _Scan:
    """Counts and limits across the sheets of one workbook, as its parts stream past."""

    def __init__(self, path: Path, strings: list[int], names: dict[str, list[_Area]]) -> None:
        self.path, self.strings, self.names = path, strings, names
        self.cells = 0
        self.linked = 0
        self.formulas = 0
        self.formula_cells: dict[CellKey, str | None] = {}
        self.references: dict[CellKey, list[_Area]] = {}

    def _count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > MAX_CELLS:
            raise BcfInputError(
                Location(sheet=self.path.name),
                f"holds more than {MAX_CELLS:,} cells (each cell of a merged range counted), the most bcf-xl evaluates",
                show_got=False,
            )

    def sheet(self, sheet: str, events: Iterator[Event]) -> None:
        last_row = last_column = row = column = 0
        merged = phonetic = 0
        cell: _Cell | None = None
        shared: dict[str, tuple[int, int, str]] = {}
        for is_start, tag, attributes, text in events:
            if not tag.startswith(_MAIN):
                continue
            tag = tag[len(_MAIN) :]
            if not is_start:
                if cell is None:
                    continue
                if tag == "v":
                    cell.value = text
                elif tag == "t" and not phonetic:
                    cell.text_length += len(text)
                elif tag == "f":
                    cell.formula = text
                elif tag == "rPh":
                    phonetic -= 1
                elif tag == "c":
                    self._cell(sheet, cell, shared)
                    cell = None
                continue
            if tag == "c":
                found = _CELL.fullmatch(attributes.get("r", ""))
                if found:
                    column, row = _column_index(found[1].upper()), int(found[2])
                else:
                    column += 1
                if row > last_row or column > last_column:
                    last_row, last_column = max(row, last_row), max(column, last_column)
                    _check_reach(sheet, last_row, last_column)
                self._count(1)
                cell = _Cell(row, column, attributes.get("t", "n"))
            elif tag == "f" and cell is not None:
                cell.formula_kind = attributes.get("t", "normal")
                cell.block, cell.group = attributes.get("ref", ""), attributes.get("si", "")
            elif tag == "rPh":
                phonetic += 1
            elif tag == "row":
                row, column = int(attributes.get("r") or row + 1), 0
            elif tag == "mergeCell":
                size = _size(_area(sheet, attributes.get("ref", "")))
                merged += size
                if merged > MAX_SHEET_CELLS:
                    raise BcfInputError(
                        Location(sheet=sheet),
                        f"its merged ranges cover {merged:,} cells, more than the {MAX_SHEET_CELLS:,} bcf-xl evaluates",
                        one_line(attributes.get("ref", ""), 80),
                    )
                self._count(size)
            elif tag == "hyperlink":
                self.linked += _size(_area(sheet, attributes.get("ref", "")))
                if self.linked > MAX_LINKED_CELLS:
                    raise BcfInputError(
                        Location(sheet=sheet),
                        f"its hyperlinks cover {self.linked:,} cells, more than the {MAX_LINKED_CELLS:,} bcf-xl reads",
                        one_line(attributes.get("ref", ""), 80),
                    )

    def _cell(self, sheet: str, cell: _Cell, shared: dict[str, tuple[int, int, str]]) -> None:
        key = (sheet, f"{get_column_letter(min(cell.column, _MAX_COL))}{cell.row}")
        length = cell.text_length if cell.kind == "inlineStr" else len(cell.value) if cell.kind == "str" else 0
        if cell.kind == "s" and cell.value.strip().isdigit():
            index = int(cell.value)
            length = self.strings[index] if index < len(self.strings) else 0
        if length > MAX_CELL_CHARS:
            raise BcfInputError(
                Location(sheet=key[0], cell=key[1]),
                f"holds {length:,} characters of text, more than the {MAX_CELL_CHARS:,} a cell may hold",
                show_got=False,
            )
        if cell.formula is None:
            return
        text = cell.formula
        area = _area(sheet, cell.block) if cell.formula_kind == "array" and cell.block else None
        if area is not None:
            _check_size(key, cell.block, _size(area), verb="is an array formula filling")
        self.formulas += _size(area) if area is not None else 1
        if self.formulas > MAX_FORMULAS:
            raise _too_many_formulas(self.path)
        if cell.formula_kind == "shared" and cell.group:
            if text:
                shared[cell.group] = (cell.row, cell.column, text)
            elif cell.group in shared:
                first_row, first_column, first = shared[cell.group]
                text = _shifted(first, cell.row - first_row, cell.column - first_column)
        areas = _areas(text, sheet) or []
        if self.names:
            areas += [a for name in _NAME.findall(_TEXT.sub('""', text)) for a in self.names.get(name.upper(), ())]
        for referred in areas:
            _check_size(key, referred.text, _size(referred))
        self.formula_cells[key] = cell.block if area is not None else None
        self.references[key] = areas

    def finish(self) -> None:
        """Refuse chains of formulas longer than MAX_DEPTH, found from the formula text."""
        _check_depth(self.formula_cells, self.references)
