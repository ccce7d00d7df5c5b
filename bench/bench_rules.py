"""Time the template rule evaluator: the checklist items and Summary differences of filled templates.

Run: .venv/bin/python bench/bench_rules.py [--areas N] [--repeat R] [--edited]

N area submissions (default 20, as bench_submission makes them: the sample's 45 schemes in a 100-row Expenditure
table, 2023-25 template) are generated and read untimed. Then, over each file's values, every checklist item of
``validator._checklist`` and every ``checklist.differences`` line is evaluated, each file with one calculation
that every rule shares, as ``validate`` does:

- compiled: ``checklist.calculation`` and ``rules.holds`` (the rules' compiled functions);
- walked (the baseline, in the same run): a ``Calculation(..., interpreted=True)`` and ``rule.evaluate``, each
  rule worked out by walking its expression node by node, as the evaluator did before its rules were compiled.
  What both share (a block of cells read once per file, a range's lookup index, a rule's shape looked up by its
  number) serves the baseline too, so the ratio shows what compiling alone gives.

Prints the median of R passes over all files as milliseconds per file for each (processor time of this process,
so that other work on the machine counts less), split into the checklist and the Summary differences, and the
ratio walked / compiled; and checks that both give the same items and lines.
``--edited`` also gives every other file a scheme with a repeated ID and text in an amount, so some rules fail.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bench_submission import area_plan

from bcf_xl.policy import Policy, load_policy
from bcf_xl.submission import checklist, validator
from bcf_xl.submission.builder import write
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.layout import EXPENDITURE, Layout
from bcf_xl.submission.reader import read
from bcf_xl.workbook import rules
from bcf_xl.workbook.rules import Calculation

Values = Mapping[tuple[str, str], object]
Outcome = tuple[list[str], list[str]]


def outcome(layout: Layout, values: Values, policy: Policy, walked: bool) -> tuple[Outcome, float, float]:
    """The failing items and lines of one file, and the seconds spent on the checklist and on the differences."""
    items = validator._checklist(layout, policy)
    start = time.process_time()
    if walked:
        calculation = Calculation(values, checklist.computed_rules(layout), interpreted=True)
        unmet = [i.key for i in items if i.rule.evaluate(calculation) is not True]
    else:
        calculation = checklist.calculation(layout, values)
        unmet = [i.key for i in items if not rules.holds(i.rule, calculation)]
    middle = time.process_time()
    if walked:
        failing = [d.key + d.year for d in checklist.differences(layout) if d.rule.evaluate(calculation) is not True]
    else:
        failing = [d.key + d.year for d in checklist.differences(layout) if not rules.holds(d.rule, calculation)]
    return (unmet, failing), middle - start, time.process_time() - middle


def timed(files: Sequence[tuple[Layout, Values]], policy: Policy, walked: bool, repeat: int) -> tuple[float, ...]:
    """Median milliseconds per file over ``repeat`` passes: in all, on the checklist, on the differences."""
    passes = []
    for _ in range(repeat):
        items = differences = 0.0
        for layout, values in files:
            _, first, second = outcome(layout, values, policy, walked)
            items, differences = items + first, differences + second
        passes.append((items + differences, items, differences))
    return tuple(statistics.median(p[i] for p in passes) / len(files) * 1000 for i in range(3))


def edited(values: Values, layout: Layout) -> dict[tuple[str, str], object]:
    """The values with the second scheme given the first's ID and text typed in its first amount."""
    first, second = layout.scheme_rows_range[0], layout.scheme_rows_range[1]
    ids, amounts = layout.scheme_columns["scheme_id"], layout.scheme_columns["amount:2023-24"]
    return {
        **values,
        (EXPENDITURE, f"{ids}{second}"): values.get((EXPENDITURE, f"{ids}{first}")),
        (EXPENDITURE, f"{amounts}{second}"): "lots",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=20, help="submissions evaluated, one per area")
    parser.add_argument("--repeat", type=int, default=7, help="timed passes over all files per figure")
    parser.add_argument("--edited", action="store_true", help="every other file with a repeated ID and a text amount")
    args = parser.parse_args()
    policy = load_policy()
    files: list[tuple[Layout, Values]] = []
    with tempfile.TemporaryDirectory(prefix="bcf_bench_rules_") as directory:
        for number in range(1, args.areas + 1):
            path = Path(directory) / f"area_{number:03d}.xlsx"
            write(area_plan(number), YEAR_2023_25, policy, path)
            submission = read(path, policy)
            values: Values = submission.values
            if args.edited and number % 2 == 0:
                values = edited(values, submission.layout)
            files.append((submission.layout, values))
    for layout, values in files:  # the same verdicts both ways; also the warm-up (rules built and compiled)
        compiled_outcome = outcome(layout, values, policy, walked=False)[0]
        walked_outcome = outcome(layout, values, policy, walked=True)[0]
        if compiled_outcome != walked_outcome:
            raise SystemExit(f"compiled and walked rules disagree: {compiled_outcome} against {walked_outcome}")
    failing = sum(1 for layout, values in files if any(outcome(layout, values, policy, walked=False)[0]))
    print(f"{len(files)} submissions of the 2023-25 template, {failing} with failing items or lines")
    figures: dict[str, tuple[float, ...]] = {}
    runs: list[tuple[str, Callable[[], tuple[float, ...]]]] = [
        ("walked (baseline)", lambda: timed(files, policy, True, args.repeat)),
        ("compiled", lambda: timed(files, policy, False, args.repeat)),
    ]
    for label, run in runs:
        figures[label] = run()
        total, items, differences = figures[label]
        print(f"  {label:<18} {total:6.2f} ms/file  (checklist {items:5.2f}, Summary differences {differences:5.2f})")
    base, fast = figures["walked (baseline)"][0], figures["compiled"][0]
    print(f"  walked / compiled = {base / fast:.2f}x")


if __name__ == "__main__":
    main()
