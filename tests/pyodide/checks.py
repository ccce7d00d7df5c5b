"""The checks run inside Pyodide (and, for comparison, in CPython): one call gives every result as JSON data.

``main(argument)`` imports only the standard library and the installed project, so the very same code runs
in both Pythons; the tests compare the two results. ``argument`` is a dict: ``{"main_py": text}`` (the
``main.py`` that ``bcf-xl lite`` writes) and ``{"mode": "imports"}`` to run only the installation checks.

Also here, for the tests in CPython too: :class:`StandInBook`, a stand-in for the ``xlwings.Book`` an xlwings
Lite script receives (values in, writes recorded), and :func:`stand_in_xlwings`, a stand-in ``xlwings`` module
whose ``func``, ``arg`` and ``script`` decorators record what ``main.py`` registers.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import pkgutil
import re
import sys
import tempfile
import types
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Modules that may need what Pyodide lacks, and why; every other module must import with the project's wheels.
NEEDS_MORE = {"bcf_udfs": "the classic add-in's functions need xlwings"}
# Parts of a written .xlsx that hold the time it was written.
TIMESTAMPED = {"docProps/core.xml"}
# Values a cell can pass a function in Excel (and Lite): numbers as floats, blanks as None, text (money as
# typed, an Excel error as its text), TRUE/FALSE, and ranges as lists of rows.
EXCEL_VALUES: tuple[object, ...] = (
    1234.5,
    0.0,
    -3.0,
    None,
    "£1,234.50",
    "twelve",
    "#REF!",
    True,
    [[100.0], [250.0], [None]],
    [[1.0, 2.0, 3.0]],
    [[0.5, "x"], [None, 2.0]],
)


def main(argument: dict[str, Any] | None) -> dict[str, Any]:
    """Every check's result, as JSON data."""
    argument = argument or {}
    result: dict[str, Any] = {"python": sys.version.split()[0], "platform": sys.platform}
    result["requirements"] = requirements()
    result["imports"] = import_failures()
    if argument.get("mode") == "imports":
        return result
    result["decimal_is_c"] = hasattr(importlib.import_module("decimal"), "__libmpdec_version__")
    result["sample"] = sample()
    result["functions"] = functions()
    with tempfile.TemporaryDirectory() as folder:
        result["workbooks"] = workbooks(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        result["buttons"] = buttons(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        result["lite"] = lite(Path(folder), argument.get("main_py"))
    return result


# --- installation ------------------------------------------------------------------------------------------


def requirements() -> dict[str, Any]:
    """bcf-xl's own requirements (no extras), each with the version installed or None when missing."""
    found: dict[str, Any] = {}
    for text in importlib.metadata.requires("bcf-xl") or []:
        if "extra ==" in text.partition(";")[2]:
            continue
        match = re.match(r"[A-Za-z0-9._-]+", text)
        name = match.group(0) if match else text
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def modules() -> list[str]:
    """Every module of the project: the engine, the buttons' package and the two top-level adapters."""
    names = ["bcf_lite", "bcf_udfs"]
    for package in ("bcf_xl", "bcf_macros"):
        spec = importlib.util.find_spec(package)
        names.append(package)
        if spec is not None and spec.submodule_search_locations:
            found = pkgutil.walk_packages(spec.submodule_search_locations, package + ".", onerror=lambda _: None)
            names += [m.name for m in found]
    return sorted(names)


def import_failures() -> dict[str, str]:
    """Each module that does not import, with the error; the modules of NEEDS_MORE are expected here."""
    failures: dict[str, str] = {}
    for name in modules():
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"
    return failures


# --- the engine ------------------------------------------------------------------------------------------


def sample() -> dict[str, Any]:
    """The sample plan's summary, as ``bcf-xl demo`` prints it, in pounds and in £000."""
    from bcf_xl import compute, load_policy, sample_plan
    from bcf_xl.summary import render

    report = compute(sample_plan(), load_policy())
    return {"summary": render(report), "thousands": render(report, thousands=True)}


def functions() -> dict[str, Any]:
    """Every catalogued cell function, through its Lite face, on Excel-shaped values: each argument in turn
    takes each value of EXCEL_VALUES while the others hold a realistic value, plus the calls of EXAMPLES."""
    import bcf_lite
    from bcf_xl.cells import CATALOGUE

    registry = Registry()
    faces = bcf_lite.custom_functions(registry.func, registry.arg)
    results: dict[str, Any] = {}
    for name, spec in CATALOGUE.items():
        calls: list[Any] = []
        examples = EXAMPLES.get(name, [])
        # The others hold a realistic value: the first example's where there is one.
        plain = [*examples[0], *[1.0] * len(spec.args)][: len(spec.args)] if examples else [1.0] * len(spec.args)
        for position in range(len(spec.args)):
            for value in EXCEL_VALUES:
                args = list(plain)
                args[position] = value
                calls.append([repr(args), faces[name](*args)])
        for args in examples:
            calls.append([repr(args), faces[name](*args)])
        results[name] = calls
    return {"calls": results, "registered": registry.functions}


EXAMPLES: dict[str, list[list[Any]]] = {
    "bcf_uplift": [[1000.0, 0.0566], [1000.0, 0.0566, 3.0], [1000.0, 5.66], [None, 0.05]],
    "bcf_total": [
        [[[1.1], [2.2], [None]]],
        [[[100.0], [50.0]], [["Carers"], ["carers "]], "CARERS"],
        [[[100.0], [50.0]], [["a"], ["b"]], "a"],
    ],
    "bcf_passport": [[1000.0, [[1.0], [1.0], [1.0]]], [100.0, [[0.5], [None]]]],
    "bcf_share": [[900.0, [[1000.0], [500.0]]], [-3000.0, [[1000.0], [500.0]]]],
    "bcf_quarter": [[1000.0, 4.0], [1000.01, 1.0], [1000.0, 5.0]],
    "bcf_shortfall": [[900.0, 1000.0], [1200.0, 1000.0]],
    "bcf_rate": [[120.0, 45000.0], [120.0, 0.0], [3.0, 1000.0, 1000.0]],
    "bcf_rag": [[95.0, 100.0], [105.0, 100.0, 110.0], [None, 100.0], [80.0, 100.0, None, True, 0.25]],
    "bcf_progress": [[95.0, 100.0], [None, 100.0], [95.0, 100.0, True]],
}


def workbooks(folder: Path) -> dict[str, Any]:
    """The planning workbook (as VBA .xlsm and as Lite .xlsx), the NHS England template and a quarterly return, built
    and checked."""
    from bcf_xl import load_policy, sample_plan
    from bcf_xl.planbook.builder import build
    from bcf_xl.planbook.buttons import button_macros
    from bcf_xl.returns.builder import write as write_return
    from bcf_xl.returns.definition import ReturnKind, return_year
    from bcf_xl.returns.reader import validate as validate_return
    from bcf_xl.sample import sample_actuals
    from bcf_xl.submission.builder import write
    from bcf_xl.submission.definition import year_for_plan
    from bcf_xl.submission.validator import validate

    plan, policy = sample_plan(), load_policy()
    year = year_for_plan(plan.years)
    assert year is not None, "the sample plan has a template year"
    path = folder / "submission.xlsx"
    write(plan, year, policy, path)
    validation = validate(path, policy)
    quarterly = folder / "quarterly.xlsx"
    write_return(plan, sample_actuals(3), return_year(plan.years[0]), ReturnKind.QUARTERLY, 3, policy, quarterly)
    return {
        "quarterly": parts(quarterly),
        "quarterly_complete": validate_return(quarterly, policy).complete,
        "planbook_xlsm": sha256(build(plan, policy, vba_project=button_macros())),
        "planbook_empty": sha256(build(None, policy)),
        "planbook_lite": sha256(build(plan, policy, lite_buttons=True)),
        "submission": parts(path),
        "complete": validation.complete,
        "findings": [str(f) for f in validation.findings],
    }


def buttons(folder: Path) -> dict[str, Any]:
    """Each button's entry point over a planning workbook file, as the classic buttons run without Excel."""
    from bcf_macros import WorkbookFile, check_plan, generate_submission, roll_forward
    from bcf_xl import load_policy, sample_plan
    from bcf_xl.planbook.builder import write

    path = folder / "plan.xlsm"
    write(path, sample_plan(), load_policy())
    book = WorkbookFile(path)
    found = check_plan(book) or ()
    submission = generate_submission(book)
    rolled = roll_forward(book)
    return {
        "check_plan": [str(f) for f in found],
        "submission": None if submission is None else [submission.name, parts(submission)],
        "roll_forward": None if rolled is None else [rolled.name, parts(rolled)],
        "checks_sheet": checks_sheet(path),
    }


def lite(folder: Path, main_py: str | None) -> dict[str, Any]:
    """The Lite scripts over a stand-in book of the sample plan, and what ``main.py`` registers."""
    import bcf_lite
    from bcf_xl import load_policy, sample_plan
    from bcf_xl.planbook.builder import write
    from bcf_xl.planbook.reader import load

    path = folder / "plan.xlsx"
    write(path, sample_plan(), load_policy(), lite_buttons=True)
    out = folder / "data"
    out.mkdir()
    result: dict[str, Any] = {}
    for script in ("check_plan", "generate_submission", "roll_forward"):
        book = StandInBook.from_values(path.name, load(path)[1])
        run: Callable[..., Any] = getattr(bcf_lite, script)
        returned = run(book) if script == "check_plan" else run(book, out)
        shown = [str(f) for f in returned] if isinstance(returned, tuple) else getattr(returned, "name", returned)
        result[script] = {"returned": shown, "writes": book.writes}
    result["files"] = {p.name: parts(p) for p in sorted(out.iterdir())}
    if main_py is not None:
        result["main_py"] = registered_by(main_py)
    return result


def registered_by(main_py: str) -> dict[str, Any]:
    """What ``main.py`` registers with (stand-in) xlwings decorators: every function with its help, every script."""
    registry = Registry()
    with stand_in_xlwings(registry):
        namespace: dict[str, Any] = {"__name__": "main"}
        exec(compile(main_py, "main.py", "exec"), namespace)
    return {"functions": registry.functions, "scripts": registry.scripts}


# --- stand-ins for xlwings Lite ------------------------------------------------------------------------------


class Registry:
    """Stand-ins for Lite's ``func``, ``arg`` and ``script`` decorators that record what they register."""

    def __init__(self) -> None:
        self.functions: dict[str, Any] = {}
        self.scripts: dict[str, Any] = {}
        self._args: dict[int, list[Any]] = {}

    def func(self, f: Any = None, **options: Any) -> Any:
        def register(g: Any) -> Any:
            import inspect

            parameters = inspect.signature(g).parameters
            self.functions[g.__name__] = {
                "doc": g.__doc__,
                "parameters": [[p.name, p.default is not p.empty] for p in parameters.values()],
                "args": self._args.pop(id(g), []),
                "options": options,
            }
            return g

        return register if f is None else register(f)

    def arg(self, name: str, **options: Any) -> Any:
        def mark(g: Any) -> Any:
            self._args.setdefault(id(g), []).insert(0, [name, options])
            return g

        return mark

    def script(self, f: Any = None, **options: Any) -> Any:
        def register(g: Any) -> Any:
            hints = dict(getattr(g, "__annotations__", {}))
            self.scripts[g.__name__] = {"options": options, "doc": g.__doc__, "book_hint": str(hints.get("book"))}
            return g

        return register if f is None else register(f)


class _Book:
    """The annotation main.py gives a script's book (``xw.Book``)."""


@contextlib.contextmanager
def stand_in_xlwings(registry: Registry) -> Iterator[types.ModuleType]:
    """A stand-in ``xlwings`` module (``Book``, ``func``, ``arg``, ``script``) while the block runs."""
    module = types.ModuleType("xlwings")
    module.Book = _Book  # type: ignore[attr-defined]
    module.func = registry.func  # type: ignore[attr-defined]
    module.arg = registry.arg  # type: ignore[attr-defined]
    module.script = registry.script  # type: ignore[attr-defined]
    saved = sys.modules.get("xlwings")
    sys.modules["xlwings"] = module
    try:
        yield module
    finally:
        if saved is None:
            del sys.modules["xlwings"]
        else:
            sys.modules["xlwings"] = saved


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _address(address: str) -> tuple[int, int]:
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address)
    if match is None:
        raise ValueError(f"the stand-in book reads single cells only (got {address!r})")
    return int(match.group(2)), _column(match.group(1))


class StandInBook:
    """What an xlwings Lite script is handed as its ``book``, for tests: cell values as Lite passes them
    (numbers as floats, blanks as None), every write recorded in ``writes`` as (sheet, cell, value)."""

    def __init__(self, name: str, cells: dict[str, dict[tuple[int, int], object]]) -> None:
        self.name = name
        self.writes: list[list[Any]] = []
        self._sheets = {sheet: StandInSheet(self, sheet, grid) for sheet, grid in cells.items()}

    @classmethod
    def from_values(cls, name: str, values: dict[tuple[str, str], object]) -> StandInBook:
        """A book holding ``values`` ((sheet, cell) -> value) on the planning workbook's sheets."""
        from bcf_xl.planbook import layout

        cells: dict[str, dict[tuple[int, int], object]] = {sheet: {} for sheet in layout.SHEETS}
        for (sheet, cell), value in values.items():
            lite_value = float(value) if isinstance(value, int) and not isinstance(value, bool) else value
            cells.setdefault(sheet, {})[_address(cell)] = lite_value
        return cls(name, cells)

    @property
    def sheets(self) -> StandInSheets:
        return StandInSheets(self._sheets)


class StandInSheets:
    def __init__(self, sheets: dict[str, StandInSheet]) -> None:
        self._sheets = sheets

    def __iter__(self) -> Iterator[StandInSheet]:
        return iter(self._sheets.values())

    def __getitem__(self, name: str) -> StandInSheet:
        return self._sheets[name]


class StandInSheet:
    def __init__(self, book: StandInBook, name: str, grid: dict[tuple[int, int], object]) -> None:
        self.book, self.name, self.grid = book, name, grid

    @property
    def used_range(self) -> StandInRange:
        """From A1 to the last row and column holding a value, as Lite sends a sheet's values."""
        rows = max((r for r, _ in self.grid), default=1)
        columns = max((c for _, c in self.grid), default=1)
        return StandInRange(self, 1, 1, rows, columns)

    def range(self, address: str) -> StandInRange:
        row, column = _address(address)
        return StandInRange(self, row, column, 1, 1)


class StandInRange:
    def __init__(self, sheet: StandInSheet, row: int, column: int, rows: int, columns: int) -> None:
        self.sheet, self.row, self.column, self.rows, self.columns = sheet, row, column, rows, columns

    @property
    def last_cell(self) -> StandInRange:
        return StandInRange(self.sheet, self.row + self.rows - 1, self.column + self.columns - 1, 1, 1)

    def options(self, **_: Any) -> StandInRange:
        return self

    def expand(self, mode: str) -> StandInRange:
        if mode != "down":
            raise ValueError(f"the stand-in book expands down only (got {mode!r})")
        rows = 1
        while self.sheet.grid.get((self.row + rows, self.column)) not in (None, ""):
            rows += 1
        return StandInRange(self.sheet, self.row, self.column, rows, self.columns)

    def resize(self, rows: int | None, columns: int | None) -> StandInRange:
        return StandInRange(self.sheet, self.row, self.column, rows or self.rows, columns or self.columns)

    @property
    def value(self) -> list[list[object]]:
        grid = self.sheet.grid
        return [
            [grid.get((r, c)) for c in range(self.column, self.column + self.columns)]
            for r in range(self.row, self.row + self.rows)
        ]

    @value.setter
    def value(self, value: object) -> None:
        rows = value if isinstance(value, list) else [[value]]
        for r, line in enumerate(rows):
            for c, item in enumerate(line):
                self._put(self.row + r, self.column + c, item)

    def clear_contents(self) -> None:
        for r in range(self.row, self.row + self.rows):
            for c in range(self.column, self.column + self.columns):
                self._put(r, c, None)

    def _put(self, row: int, column: int, item: object) -> None:
        letters = ""
        number = column
        while number:
            number, remainder = divmod(number - 1, 26)
            letters = chr(ord("A") + remainder) + letters
        self.sheet.grid[(row, column)] = item
        self.sheet.book.writes.append([self.sheet.name, f"{letters}{row}", item])


# --- files ----------------------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parts(path: Path) -> dict[str, str]:
    """Each part of a written workbook with the hash of its bytes, but for the part holding the time written."""
    with zipfile.ZipFile(path) as archive:
        return {name: sha256(archive.read(name)) for name in sorted(archive.namelist()) if name not in TIMESTAMPED}


def checks_sheet(path: Path) -> list[list[Any]]:
    """The Checks sheet's cells after the buttons ran, row by row."""
    import openpyxl

    from bcf_xl.planbook import layout

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book[layout.CHECKS].iter_rows(values_only=True)]
    finally:
        book.close()
