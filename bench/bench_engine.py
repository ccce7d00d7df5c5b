"""Time the full computation of a plan with 5,000 schemes against the 45-scheme sample.

Run: .venv/bin/python bench/bench_engine.py [--schemes N] [--repeat R]

Prints the median wall time of bcf_xl.report.compute (every total, split, rating and check)
for the sample plan (the baseline, in the same process) and for a plan of N schemes built by
repeating the sample's schemes, the per-scheme cost of each, and their ratio. It also times
pandas' groupby of the same expenditure lines by pool as a reference for the totals alone.
"""

from __future__ import annotations

import argparse
import dataclasses
from decimal import Decimal

import pandas as pd
from timing import median_seconds

from bcf_xl.model import Area, AreaKind, DfgYear, Plan
from bcf_xl.money import to_pence
from bcf_xl.policy import load_policy
from bcf_xl.pooling import Dimension, totals_by
from bcf_xl.report import compute
from bcf_xl.sample import sample_plan


def scaled_plan(n_schemes: int) -> Plan:
    """The sample's schemes repeated to n_schemes, amounts scaled down to keep the area's size and
    income set to the schemes' spend so the plan still balances and passes every check."""
    base = sample_plan()
    factor = Decimal(len(base.schemes)) / n_schemes
    schemes = []
    for i in range(n_schemes):
        template = base.schemes[i % len(base.schemes)]
        amounts = tuple(to_pence(a * factor) for a in template.amounts)
        schemes.append(
            dataclasses.replace(
                template,
                scheme_id=f"S{i + 1:05d}",
                amounts=amounts,
                outturn=(amounts[0], None),
                prior_year_budget=None,
                additional_investment=None,
            )
        )
    spend: dict[str, list[Decimal]] = {}
    for scheme in schemes:
        for y, amount in enumerate(scheme.amounts):
            spend.setdefault(scheme.source, [Decimal(0)] * len(base.years))[y] += amount
    sources = tuple(dataclasses.replace(s, amounts=tuple(spend.get(s.source_id, s.amounts))) for s in base.sources)
    dfg_income = next(s.amounts for s in sources if s.source_id == "DFG")
    return dataclasses.replace(
        base,
        area=Area(base.area.name, AreaKind.UNITARY),
        schemes=tuple(schemes),
        sources=sources,
        dfg=tuple(DfgYear(received) for received in dfg_income),
    )


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
