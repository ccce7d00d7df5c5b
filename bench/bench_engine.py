"""Time the full computation of a plan with 5,000 schemes against the 45-scheme sample.

Run: .venv/bin/python bench/bench_engine.py [--schemes N] [--repeat R]

Prints the median wall time of bcf_xl.report.compute (every total, split, rating and check)
for the sample plan (the baseline, in the same process) and for a plan of N schemes made by
spreading the sample's schemes over N rows (bench/plans.py), the per-scheme cost of each, and
their ratio. It also times pandas' groupby of the same expenditure lines by pool as a reference
for the totals alone.
"""

from __future__ import annotations

import argparse

import pandas as pd
from plans import scaled_plan
from timing import median_seconds

from bcf_xl.policy import load_policy
from bcf_xl.pooling import Dimension, totals_by
from bcf_xl.report import compute
from bcf_xl.sample import sample_plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    policy = load_policy()
    small = sample_plan()
    big = scaled_plan(args.schemes)
    findings = compute(big, policy).findings
    errors = [f for f in findings if f.severity.value == "Error"]
    if errors:  # the scaled plan is built to be clean, so the timing is of a plan that passes
        raise SystemExit(f"the scaled plan has errors: {errors[:3]}")

    t_small = median_seconds(lambda: compute(small, policy), args.repeat * 4)
    t_big = median_seconds(lambda: compute(big, policy), args.repeat)

    frame = pd.DataFrame([(s.pool, float(s.amounts[0])) for s in big.schemes], columns=["pool", "amount"])
    t_pandas = median_seconds(lambda: frame.groupby("pool")["amount"].sum(), args.repeat * 4)
    t_totals = median_seconds(lambda: totals_by(big, Dimension.POOL, big.years[0]), args.repeat * 4)

    n_small, n_big = len(small.schemes), len(big.schemes)
    print(
        f"compute(), sample plan  ({n_small:>5} schemes): {t_small * 1000:9.2f} ms  "
        f"{t_small / n_small * 1e6:7.1f} us/scheme (baseline)"
    )
    print(f"compute(), scaled plan  ({n_big:>5} schemes): {t_big * 1000:9.2f} ms  {t_big / n_big * 1e6:7.1f} us/scheme")
    print(f"per-scheme cost ratio, scaled / sample: {(t_big / n_big) / (t_small / n_small):.2f}x")
    print(f"totals by pool, one year, Decimal ({n_big} lines): {t_totals * 1000:8.2f} ms")
    print(
        f"pandas groupby by pool, float     ({n_big} lines): {t_pandas * 1000:8.2f} ms  "
        f"(bcf-xl / pandas = {t_totals / t_pandas:.1f}x)"
    )


if __name__ == "__main__":
    main()
