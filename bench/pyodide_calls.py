"""Timings taken inside Pyodide by bench_pyodide.py, and in CPython for comparison (bench/ is on sys.path in both).

``main({"repeat": R})`` times each catalogued cell function on a realistic call (CALLS; a function added to
the catalogue without one here is called with 1.0 for each argument) and the demo's work (the sample plan
computed and its summary rendered), and returns the median seconds of each.
"""

from __future__ import annotations

import sys
from typing import Any

from timing import median_seconds

CALLS: dict[str, tuple[Any, ...]] = {
    "bcf_uplift": (1000.0, 0.0566, 3.0),
    "bcf_total": ([[100.0], [50.0], [None]] * 20,),
    "bcf_passport": (1000.0, [[1.0], [2.0], [3.0], [4.0], [5.0]]),
    "bcf_share": (900.0, [[1000.0], [500.0]]),
    "bcf_quarter": (1000.01, 4.0),
    "bcf_shortfall": (900.0, 1000.0),
    "bcf_rate": (120.0, 45000.0),
    "bcf_rag": (95.0, 100.0, 90.0, False, 0.05),
    "bcf_progress": (95.0, 100.0, True),
}


def main(argument: dict[str, Any] | None) -> dict[str, Any]:
    from bcf_xl import compute, load_policy, sample_plan
    from bcf_xl.cells import CATALOGUE
    from bcf_xl.summary import render

    repeat = int((argument or {}).get("repeat", 200))
    calls = {}
    for name, spec in CATALOGUE.items():
        args = CALLS.get(name, (1.0,) * len(spec.args))
        calls[name] = median_seconds(lambda f=spec.function, a=args: f(*a), repeat)
    policy = load_policy()
    demo = median_seconds(lambda: render(compute(sample_plan(), policy)), max(3, repeat // 40))
    return {"python": sys.version.split()[0], "calls": calls, "demo": demo}
