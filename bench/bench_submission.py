"""Time generating the NHS England planning template, and reading and validating it back.

Run: .venv/bin/python bench/bench_submission.py [--repeat R] [--areas N] [--quick]

1. Generation: bcf_xl.submission.builder.write (build the workbook with openpyxl and save it to
   a temporary .xlsx) for plans of 50, 500 and 5,000 schemes made from the sample's 45 schemes.
   Prints the median wall time of R runs, the per-scheme cost, and the per-scheme cost relative
   to the 50-scheme plan (the baseline, measured in the same run); also the file size and what
   the validator says of each file (generated untimed, once, to show the timed files are sound).
2. Reading back: N submissions (default 150, one per Health and Wellbeing Board area: the sample
   plan renamed "Area 001".. and its non-DFG scheme amounts raised by 0.1% a file, income raised
   to match, so every plan still balances) are generated untimed, then
   bcf_xl.submission.validator.validate (read + every check), bcf_xl.submission.reader.read alone,
   and, as the baseline, pandas.read_excel(path, sheet_name=None, engine="openpyxl") are each run
   over all N files. Prints the median total of R passes and the per-file time for each, and the
   ratios bcf-xl / pandas.

All files go to a temporary directory that is removed at the end. --quick uses 1 run and 30
areas (about 15 seconds); the full run (R=5, 150 areas) takes about 2 to 3 minutes on two cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from plans import scaled_plan
from timing import median_seconds

from bcf_xl.errors import BcfInputError
from bcf_xl.model import Area, Plan, SourceKind
from bcf_xl.money import to_pence
from bcf_xl.policy import Policy, load_policy
from bcf_xl.sample import sample_plan
from bcf_xl.submission.builder import write
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.reader import read
from bcf_xl.submission.validator import Validation, validate

SIZES = (50, 500, 5000)


def area_plan(number: int) -> Plan:
    """The sample as area ``number``'s plan: renamed, and its schemes not funded from the DFG raised by
    0.1% per area number, each source's income raised by what its schemes gained (DFG, districts and
    the minimums are left alone: spending more keeps every minimum met)."""
    base = sample_plan()
    factor = Decimal(1) + Decimal(number) / 1000
    dfg_sources = {s.source_id for s in base.sources if s.kind is SourceKind.DFG}
    gained: dict[str, list[Decimal]] = {}
    schemes = []
    for scheme in base.schemes:
        if scheme.source in dfg_sources:
            schemes.append(scheme)
            continue
        amounts = tuple(to_pence(a * factor) for a in scheme.amounts)
        extra = gained.setdefault(scheme.source, [Decimal(0)] * len(base.years))
        for y, (new, old) in enumerate(zip(amounts, scheme.amounts, strict=True)):
            extra[y] += new - old
        schemes.append(
            dataclasses.replace(
                scheme,
                amounts=amounts,
                outturn=(),
                additional_investment=(
                    amounts[0] - scheme.prior_year_budget
                    if scheme.prior_year_budget is not None
                    else scheme.additional_investment
                ),
            )
        )
    sources = []
    for source in base.sources:
        extra = gained.get(source.source_id, [Decimal(0)] * len(base.years))
        amounts = tuple(a + e for a, e in zip(source.amounts, extra, strict=True))
        sources.append(dataclasses.replace(source, amounts=amounts))
    return dataclasses.replace(
        base,
        area=Area(f"Area {number:03d}", base.area.kind, base.area.districts),
        schemes=tuple(schemes),
        sources=tuple(sources),
    )


def validated(path: Path, policy: Policy) -> str:
    """What the validator says of a file: its status, or the one line it refuses the file with."""
    try:
        return status(validate(path, policy))
    except BcfInputError as refusal:
        return f"refused: {refusal}"


def status(validation: Validation) -> str:
    errors = sum(1 for f in validation.findings if f.severity.value == "Error")
    warnings = sum(1 for f in validation.findings if f.severity.value == "Warning")
    title = "Complete Template" if validation.complete else "Incomplete Template"
    return f"{title}, {errors} errors, {warnings} warnings"


def bench_generation(policy: Policy, folder: Path, repeat: int) -> None:
    print("1. Generating the submission (build + save), 2023-25 template")
    plans = {n: scaled_plan(n) for n in SIZES}
    write(plans[SIZES[0]], YEAR_2023_25, policy, folder / "warm.xlsx")  # imports and first-use costs, untimed
    baseline = 0.0
    for n, plan in plans.items():
        target = folder / f"plan_{n}.xlsx"

        def generate(p: Plan = plan, t: Path = target) -> None:
            write(p, YEAR_2023_25, policy, t, overwrite=True)

        seconds = median_seconds(generate, repeat * 4 if n <= 50 else repeat)
        per_scheme = seconds / n
        baseline = baseline or per_scheme  # the first (smallest) plan's
        size_kb = target.stat().st_size / 1024
        ratio = "baseline" if n == SIZES[0] else f"{per_scheme / baseline:.2f}x baseline"
        print(
            f"   {n:>5} schemes: {seconds * 1000:8.1f} ms  {per_scheme * 1e6:7.1f} us/scheme ({ratio})  "
            f"{size_kb:7.0f} KiB  validator: {validated(target, policy)}"
        )


def bench_reading(policy: Policy, folder: Path, areas: int, repeat: int) -> None:
    import pandas as pd  # loaded here only: bench_collate uses this module's plans in a process without it

    print(f"2. Reading back {areas} submissions (one per HWB area, 45 schemes each)")
    paths = []
    for number in range(1, areas + 1):
        path = folder / f"area_{number:03d}.xlsx"
        write(area_plan(number), YEAR_2023_25, policy, path)
        paths.append(path)
    outcomes = [validate(path, policy) for path in paths]  # also the warm-up of the timed passes
    complete = sum(1 for v in outcomes if v.complete)
    names = {v.submission.plan.area.name for v in outcomes if v.submission.plan is not None}
    print(f"   files: {len(paths)}, {len(names)} distinct areas; validator: {complete} Complete Template, ", end="")
    print(f"{len(paths) - complete} not; first file: {status(outcomes[0])}")
    pd.read_excel(paths[0], sheet_name=None, engine="openpyxl")

    def over_all(work: Callable[[Path], object]) -> Callable[[], None]:
        def run() -> None:
            for path in paths:
                work(path)

        return run

    t_validate = median_seconds(over_all(lambda p: validate(p, policy)), repeat)
    t_read = median_seconds(over_all(lambda p: read(p, policy)), repeat)
    t_pandas = median_seconds(over_all(lambda p: pd.read_excel(p, sheet_name=None, engine="openpyxl")), repeat)
    n = len(paths)
    for label, seconds in (
        ("bcf-xl validate()                 ", t_validate),
        ("bcf-xl read() alone               ", t_read),
        ("pandas read_excel(sheet_name=None)", t_pandas),
    ):
        versus = "  (baseline)" if label.startswith("pandas") else f"  ({seconds / t_pandas:.2f}x pandas)"
        print(f"   {label}: {seconds:7.2f} s total  {seconds / n * 1000:7.1f} ms/file{versus}")
    checks = (t_validate - t_read) / n * 1000
    print(f"   validate / pandas = {t_validate / t_pandas:.2f}x; checks on top of read(): {checks:.1f} ms/file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (passes over all files) per figure")
    parser.add_argument("--areas", type=int, default=150, help="submissions read back, one per area")
    parser.add_argument("--quick", action="store_true", help="1 run and 30 areas")
    args = parser.parse_args()
    repeat, areas = (1, min(args.areas, 30)) if args.quick else (args.repeat, args.areas)

    policy = load_policy()
    with tempfile.TemporaryDirectory(prefix="bcf_bench_submission_") as directory:
        folder = Path(directory)
        bench_generation(policy, folder, repeat)
        print()
        bench_reading(policy, folder, areas, repeat)


if __name__ == "__main__":
    main()
