"""Time reading and checking a planning workbook of 50, 500 and 5,000 schemes.

Run: .venv/bin/python bench/bench_planbook.py [--repeat R]

For each size, a planning workbook is written (untimed) from a plan of that many schemes, then
`bcf-xl check`'s work is timed: reading the input cells (bcf_xl.planbook.reader.read) and running
every check with the findings placed on cells (bcf_xl.planbook.checking.findings). Prints the
median of R runs, the per-scheme cost, and the per-scheme cost relative to the 50-scheme workbook
(the baseline, measured in the same run), and as a second baseline pandas' read_excel of every
sheet of the same file.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
from plans import scaled_plan
from timing import median_seconds

from bcf_xl.planbook.builder import write
from bcf_xl.planbook.checking import findings
from bcf_xl.planbook.reader import read
from bcf_xl.policy import load_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = load_policy()
    baseline_per_scheme = None
    with tempfile.TemporaryDirectory() as folder:
        for n in (50, 500, 5000):
            path = Path(folder) / f"plan_{n}.xlsm"
            write(path, scaled_plan(n), policy)
            check = read(path)
            if check.plan is None or len(check.plan.schemes) != n:
                raise SystemExit(f"the {n}-scheme workbook did not read back: {check.findings[:3]}")
            t_check = median_seconds(lambda p=path: findings(read(p), policy), args.repeat)
            t_pandas = median_seconds(lambda p=path: pd.read_excel(p, sheet_name=None, engine="openpyxl"), args.repeat)
            per_scheme = t_check / n
            baseline_per_scheme = baseline_per_scheme or per_scheme
            print(
                f"{n:>5} schemes: read + check {t_check * 1000:8.1f} ms  {per_scheme * 1e6:7.1f} us/scheme "
                f"({per_scheme / baseline_per_scheme:.2f}x the 50-scheme cost); pandas read_excel "
                f"{t_pandas * 1000:8.1f} ms (bcf-xl / pandas = {t_check / t_pandas:.2f}x)"
            )


if __name__ == "__main__":
    main()
