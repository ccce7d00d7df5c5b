"""Cost of the bcf_* cell functions, and of recalculating workbooks headlessly.

Run: .venv/bin/python bench/bench_recalc.py [--repeat R]

1. The Python cost of one call of each bcf_* function with a scalar, and with 1,000-cell ranges
   where the function takes a range, against a baseline call of a one-line Python function in the
   same process; each figure the fastest of 100 short runs, so a busy machine moves it little.
   bcf_passport splits a long range with numpy when it is installed; it is timed again without numpy, the
   pure Python way Excel on the web (Pyodide) and a Python without numpy take.
2. Headless recalculation (bcf_xl.recalc, the `formulas` engine) of workbooks with 500 and 5,000
   formula cells, half native and half bcf_*, and, when pycel is installed (`pip install pycel`;
   it is not a dependency: GPL-3.0), the same workbooks in pycel with the same cell functions,
   with the ratio between the two engines.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import timeit
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
from timing import median_seconds

from bcf_xl import cells
from bcf_xl.cells import CATALOGUE
from bcf_xl.recalc import recalculate

RANGE = [float(i % 97) + 0.25 for i in range(1000)]
CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("bcf_uplift", (10000000.0, 0.0566, 2.0)),
    ("bcf_total", (RANGE,)),
    ("bcf_total", (RANGE, ["Carers" if i % 3 else "Mental Health" for i in range(1000)], "carers")),
    ("bcf_passport", (4200000.0, [1134000.0, 966000.0, 840000.0, 693000.0, 567000.0])),
    ("bcf_passport", (4200000.0, RANGE)),
    ("bcf_share", (293900.0, RANGE)),
    ("bcf_quarter", (14593384.7, 4.0)),
    ("bcf_shortfall", (13065000.0, 11886750.0)),
    ("bcf_rate", (5010.0, 812400.0)),
    ("bcf_rag", (620.0, 600.0, None, False, 0.02)),
    ("bcf_progress", (4980.0, 4950.0, False)),
]


def per_call_us(function: Callable[..., Any], args: tuple[Any, ...]) -> float:
    """The fastest of many short runs (about 5 ms each): on a machine shared with other work, the shortest runs
    are the ones nothing else interrupted, so the figure moves far less than a mean or a few long runs."""
    timer = timeit.Timer(lambda: function(*args))
    loops, _ = timer.autorange()  # loops that take at least 0.2 s
    number = max(1, loops // 40)
    return min(timer.repeat(repeat=100, number=number)) / number * 1e6


def build_workbook(path: Path, n_formulas: int) -> None:
    """Half native formulas (SUM, IF, ROUND, arithmetic), half bcf_* calls, over an Inputs sheet."""
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    for row in range(1, 51):
        inputs.cell(row, 1, float(row * 1000 + 0.25))
        inputs.cell(row, 2, "Carers" if row % 3 else "Mental Health")
    calc = book.create_sheet("Calc")
    natives = [
        "=SUM(Inputs!A1:A50)*{k}",
        '=IF(Inputs!A{r}>25000,"high","low")',
        "=ROUND(Inputs!A{r}*1.0566,2)",
        "=Inputs!A{r}+Inputs!A{s}",
    ]
    customs = [
        "=BCF_UPLIFT(Inputs!A{r},0.0566,2)",
        '=BCF_TOTAL(Inputs!A1:A50,Inputs!B1:B50,"carers")',
        "=INDEX(BCF_PASSPORT(4200000,Inputs!A1:A5),2)",
        "=BCF_RAG(Inputs!A{r},25000,Inputs!A{s},TRUE)",
    ]
    for k in range(n_formulas):
        r, s = k % 50 + 1, (k + 7) % 50 + 1
        pattern = (natives if k % 2 == 0 else customs)[(k // 2) % 4]
        calc.cell(k // 10 + 1, k % 10 + 1, pattern.format(k=k, r=r, s=s))
    book.save(path)


def pycel_recalc(path: Path) -> dict[tuple[str, str], Any] | None:
    """The same workbook in pycel with the same cell functions, or None when pycel is not installed."""
    try:
        from pycel import ExcelCompiler
    except ImportError:
        return None
    logging.getLogger("pycel").setLevel(logging.CRITICAL)
    plugin = types.ModuleType("bcf_bench_pycel_plugin")

    def unwrap(value: Any) -> Any:
        return [unwrap(item) for item in value] if isinstance(value, tuple) else value

    for name, spec in CATALOGUE.items():

        def call(*args: Any, _function: Callable[..., Any] = spec.function) -> Any:
            result = _function(*(unwrap(a) for a in args))
            return tuple(tuple(row) for row in result) if isinstance(result, list) else result

        setattr(plugin, name, call)
    sys.modules[plugin.__name__] = plugin
    compiler = ExcelCompiler(filename=str(path), plugins=[plugin.__name__])
    book = openpyxl.load_workbook(path)
    values = {}
    for cell in (c for row in book["Calc"].iter_rows() for c in row if c.value is not None):
        values[("Calc", cell.coordinate)] = compiler.evaluate(f"Calc!{cell.coordinate}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    baseline = per_call_us(lambda amount, rate: amount * (1 + rate), (10000000.0, 0.0566))
    print(f"baseline: a one-line Python function call: {baseline:.2f} us")
    print(f"{'function':<15} {'arguments':<34} {'us/call':>9} {'x baseline':>11}")
    for name, call_args in CALLS:
        shape = ", ".join(f"{len(a)} cells" if isinstance(a, list) and len(a) > 10 else repr(a)[:12] for a in call_args)
        cost = per_call_us(CATALOGUE[name].function, call_args)
        print(f"{name:<15} {shape:<34} {cost:9.1f} {cost / baseline:11.0f}")
    print("without numpy (as in Excel on the web or a Python without it): the pure Python way")
    for name, call_args in CALLS:
        if name == "bcf_passport" and any(isinstance(a, list) and len(a) > 10 for a in call_args):
            with mock.patch.object(cells, "_numpy", return_value=None):
                cost = per_call_us(CATALOGUE[name].function, call_args)
            print(f"{name:<15} {f'{len(call_args[1])} cells, no numpy':<34} {cost:9.1f} {cost / baseline:11.0f}")

    recalculate_warm = Path(tempfile.mkdtemp()) / "warm.xlsx"
    build_workbook(recalculate_warm, 10)
    recalculate(recalculate_warm)  # imports and registers the formula engine once
    print()
    for n in (500, 5000):
        path = Path(tempfile.mkdtemp()) / f"bench_{n}.xlsx"
        build_workbook(path, n)
        ours = recalculate(path)
        problems = [f for f in ours.findings if f.severity.value == "Error"]
        if problems:
            raise SystemExit(f"the bench workbook did not evaluate: {problems[:3]}")
        t_formulas = median_seconds(lambda p=path: recalculate(p), args.repeat)
        line = f"recalc {n:>5} formulas: formulas {t_formulas:6.2f} s ({t_formulas / n * 1e3:.2f} ms/formula)"
        theirs = pycel_recalc(path)
        if theirs is None:
            line += "; pycel not installed (pip install pycel to compare)"
        else:
            differing = [
                k
                for k, v in ours.values.items()
                if theirs.get(k) != v
                and not (isinstance(v, float) and isinstance(theirs.get(k), float) and abs(v - theirs[k]) < 1e-9)
            ]
            t_pycel = median_seconds(lambda p=path: pycel_recalc(p), args.repeat)
            line += (
                f"; pycel {t_pycel:6.2f} s; formulas / pycel = {t_formulas / t_pycel:.1f}x; "
                f"cells differing: {len(differing)}"
            )
        print(line)


if __name__ == "__main__":
    main()
