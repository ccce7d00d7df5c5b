"""Plans of any size for the benchmarks (bench/ is on sys.path when a bench script runs)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from bcf_xl.model import Plan
from bcf_xl.money import allocate
from bcf_xl.sample import sample_plan


def scaled_plan(n_schemes: int) -> Plan:
    """The sample with its 45 schemes spread over n_schemes (at least 45) rows.

    Every sample scheme's amounts are split exactly to the penny over its copies, so each total
    (by source, area of spend, commissioner, pool) and hence every minimum, the DFG and the
    two-tier area stay those of the sample: the plan stays valid for any n_schemes, not only
    for multiples of 45. Outturn is dropped (a submission does not hold it); prior-year budget
    and additional investment are split so they still roll forward.
    """

    base = sample_plan()
    if n_schemes < len(base.schemes):
        raise SystemExit(f"--schemes must be at least {len(base.schemes)}")
    copies = [n_schemes // len(base.schemes) + (j < n_schemes % len(base.schemes)) for j in range(len(base.schemes))]
    parts = []
    for template, count in zip(base.schemes, copies, strict=True):
        amounts = [allocate(amount, [Decimal(1)] * count) for amount in template.amounts]
        prior = allocate(template.prior_year_budget, [Decimal(1)] * count) if template.prior_year_budget else None
        parts.append((template, amounts, prior))
    schemes = []
    for i in range(n_schemes):
        template, amounts, prior = parts[i % len(base.schemes)]
        copy = i // len(base.schemes)
        mine = tuple(split[copy] for split in amounts)
        schemes.append(
            dataclasses.replace(
                template,
                scheme_id=f"S{i + 1:05d}",
                amounts=mine,
                outturn=(),
                prior_year_budget=prior[copy] if prior else None,
                additional_investment=mine[0] - prior[copy] if prior else None,
            )
        )
    return dataclasses.replace(base, schemes=tuple(schemes))
