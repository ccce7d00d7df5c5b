"""Time collating a region's returns: bcf-xl collate end to end, read+validate alone, and pandas' readers.

Run: .venv/bin/python bench/bench_collate.py [--areas N] [--jobs J] [--runs R]

N submissions (default 150, one per Health and Wellbeing Board area, made as bench_submission.py makes
them: the sample renamed "Area 001".. with its non-DFG schemes raised by 0.1% a file) are generated
untimed into a temporary folder, in worker processes (this process's heap stays as small as bcf-xl's own).
Then, in one run, each timed once over all N files:

1. `bcf-xl collate FOLDER -o OUT.xlsx` as a user runs it (a new process: start-up, parallel reading with J
   workers, default all cores, and writing the workbook while the files are read), R times (default 1), the
   fastest run shown (on a shared machine the others measure its neighbours as much as bcf-xl);
2. read+validate alone, in this process, one file after another (bcf_xl.submission.validator.validate,
   with python-calamine reading the values), and the same with openpyxl reading them (BCF_XL_READER=openpyxl),
   before pandas is loaded: as `bcf-xl validate` and collate's workers run, with no pandas in the process;
3. pandas.read_excel(path, sheet_name=None) with engine="openpyxl" and with engine="calamine";
4. read+validate with calamine again, now with pandas loaded in the process too (pandas' many objects change
   how often the garbage collector makes a full pass), so both conditions are shown;
5. each file read+validated and read by pandas with openpyxl, in turn, file by file, each going first every other
   file: the machine's speed drifts from minute to minute, and this ratio is the one such a drift moves least;
6. the same three times over for each file, the fastest of each kept (as timeit takes the fastest run: a pause
   the machine made, for a neighbour or a drift, only ever adds time), the figure least moved by noise;
7. blocks of ten files, read+validated one after another and read by pandas one after another, in turn, each
   going first every other block: as bcf-xl reads a region's files (one after another, not each after a pandas
   read that leaves little of bcf-xl's code and data in the processor's caches), with a drift still reaching
   both alike; the ratio of the totals, and the lowest, middle and highest of the blocks' ratios.

Prints each total, the per-file time and the ratios to pandas with openpyxl, in wall time and in CPU time (the
collate's CPU time is its process's and its workers'; on a shared machine CPU time varies less than wall time),
and the machine's load average before and after. The folder is removed at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench_submission import area_plan

from bcf_xl.policy import load_policy
from bcf_xl.submission.builder import write
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.validator import validate
from bcf_xl.workbook.reading import CALAMINE, OPENPYXL, READER_VARIABLE, backend


def make(path: Path, number: int) -> None:
    """Write area ``number``'s submission to ``path``."""
    write(area_plan(number), YEAR_2023_25, load_policy(), path)


def seconds(work: Callable[[], object]) -> tuple[float, float]:
    """Wall time and this process's CPU time of ``work`` (on a shared machine the CPU time varies less)."""
    start, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - start, time.process_time() - cpu


def children_seconds(work: Callable[[], object]) -> tuple[float, float]:
    """Wall time of ``work`` and the CPU time of the processes it ran (and theirs), once they have ended."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    work()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=150, help="submissions, one per area")
    parser.add_argument("--jobs", type=int, default=None, help="collate's worker processes (default: all cores)")
    parser.add_argument("--runs", type=int, default=1, help="runs of collate end to end; the fastest is shown")
    args = parser.parse_args()
    policy = load_policy()
    with tempfile.TemporaryDirectory(prefix="bcf_bench_collate_") as directory:
        folder = Path(directory) / "returns"
        folder.mkdir()
        paths = [folder / f"area_{number:03d}.xlsx" for number in range(1, args.areas + 1)]
        # Made in worker processes, so that this process's heap holds none of what making them left: a heap that
        # large makes the garbage collector's full passes dearer than they are in bcf-xl's own processes.
        with ProcessPoolExecutor(mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(make, paths, range(1, args.areas + 1)))
        n = len(paths)
        print(f"{n} submissions (2023-25 template, 45 schemes each), {os.cpu_count()} cores")
        print(f"   load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        validate(paths[0], policy)  # imports and first-use costs, untimed

        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        out = Path(directory) / "region.xlsx"
        command = [sys.executable, "-m", "bcf_xl.cli", "collate", str(folder), "-o", str(out), "--force", *jobs]

        def run_collate() -> None:
            ran = subprocess.run(command, check=False, capture_output=True, text=True)
            if ran.returncode not in (0, 1):  # 1: a file has errors; anything else did not collate
                raise SystemExit(f"bcf-xl collate failed ({ran.returncode}): {ran.stderr.strip()}")

        runs = [children_seconds(run_collate) for _ in range(max(1, args.runs))]
        t_collate = min(runs)
        if len(runs) > 1:
            print(f"   collate runs (wall s): {' '.join(f'{wall:.2f}' for wall, _ in runs)}")

        def read_all(reader: str) -> tuple[float, float]:
            os.environ[READER_VARIABLE] = reader
            assert backend() == reader
            try:
                return seconds(lambda: [validate(p, policy) for p in paths])
            finally:
                del os.environ[READER_VARIABLE]

        t_fast = read_all(CALAMINE)  # as bcf-xl runs: no pandas in the process
        t_slow = read_all(OPENPYXL)

        import pandas as pd  # loaded only now, after read+validate was timed as bcf-xl runs it

        pd.read_excel(paths[0], sheet_name=None, engine="openpyxl")
        pd.read_excel(paths[0], sheet_name=None, engine="calamine")
        t_pd_openpyxl = seconds(lambda: [pd.read_excel(p, sheet_name=None, engine="openpyxl") for p in paths])
        t_pd_calamine = seconds(lambda: [pd.read_excel(p, sheet_name=None, engine="calamine") for p in paths])
        t_fast_pandas = read_all(CALAMINE)

        readers: tuple[Callable[[Path], object], Callable[[Path], object]] = (
            lambda path: validate(path, policy),
            lambda path: pd.read_excel(path, sheet_name=None, engine="openpyxl"),
        )

        def alternating() -> tuple[float, float]:
            # Each file read+validated and read by pandas with openpyxl, in turn: a drift in the machine's speed
            # reaches both alike, so their ratio holds better than that of two passes timed a minute apart.
            # Which goes first alternates too, so neither always follows the other. The garbage collector's passes
            # can fall in either's time, for objects either left.
            spent = [0.0, 0.0]
            for number, path in enumerate(paths):
                for which in (number % 2, 1 - number % 2):
                    start = time.perf_counter()
                    readers[which](path)
                    spent[which] += time.perf_counter() - start
            return spent[0], spent[1]

        t_ours, t_theirs = alternating()

        def fastest_in_turn(times: int = 3) -> tuple[float, float]:
            # Each file read+validated and read by pandas, in turn, ``times`` times; the fastest of each kept.
            best = [0.0, 0.0]
            for path in paths:
                spent: tuple[list[float], list[float]] = ([], [])
                for _ in range(times):
                    for which, read in enumerate(readers):
                        start = time.perf_counter()
                        read(path)
                        spent[which].append(time.perf_counter() - start)
                best[0] += min(spent[0])
                best[1] += min(spent[1])
            return best[0], best[1]

        f_ours, f_theirs = fastest_in_turn()

        def in_blocks(size: int = 10) -> tuple[float, float, list[float]]:
            # Blocks of ``size`` files read by each in turn, which goes first alternating from block to block.
            spent, ratios = [0.0, 0.0], []
            for number, first in enumerate(range(0, len(paths), size)):
                block, taken = paths[first : first + size], [0.0, 0.0]
                for which in (number % 2, 1 - number % 2):
                    start = time.perf_counter()
                    for path in block:
                        readers[which](path)
                    taken[which] = time.perf_counter() - start
                    spent[which] += taken[which]
                ratios.append(taken[1] / taken[0])
            return spent[0], spent[1], sorted(ratios)

        b_ours, b_theirs, b_ratios = in_blocks()

        print(f"   collated workbook: {out.stat().st_size / 1024:.0f} KiB")
        for label, (total, cpu) in (
            ("bcf-xl collate, end to end (new process)   ", t_collate),
            ("read+validate, calamine (one process)     ", t_fast),
            ("  the same, with pandas loaded as well    ", t_fast_pandas),
            ("read+validate, openpyxl (one process)     ", t_slow),
            ('pandas read_excel(engine="openpyxl")      ', t_pd_openpyxl),
            ('pandas read_excel(engine="calamine")      ', t_pd_calamine),
        ):
            ratio, cpu_ratio = t_pd_openpyxl[0] / total, t_pd_openpyxl[1] / cpu
            print(
                f"   {label}: {total:6.2f} s wall {total / n * 1000:6.1f} ms/file {ratio:5.2f}x | "
                f"CPU {cpu:6.2f} s {cpu_ratio:5.2f}x  (x: times faster than pandas+openpyxl)"
            )
        print(f"   read+validate: calamine is {t_slow[0] / t_fast[0]:.2f}x faster than openpyxl (wall)")
        print(
            f"   alternating file by file, read+validate {t_ours / n * 1000:.1f} ms and pandas+openpyxl "
            f"{t_theirs / n * 1000:.1f} ms a file: {t_theirs / t_ours:.2f}x (wall)"
        )
        print(
            f"   fastest of three, file by file in turn, read+validate {f_ours / n * 1000:.1f} ms and pandas+openpyxl "
            f"{f_theirs / n * 1000:.1f} ms a file: {f_theirs / f_ours:.2f}x (wall)"
        )
        print(
            f"   blocks of ten files in turn, read+validate {b_ours / n * 1000:.1f} ms and pandas+openpyxl "
            f"{b_theirs / n * 1000:.1f} ms a file: {b_theirs / b_ours:.2f}x (wall); the blocks' ratios: lowest "
            f"{b_ratios[0]:.2f}x, middle {b_ratios[len(b_ratios) // 2]:.2f}x, highest {b_ratios[-1]:.2f}x"
        )
        print(f"   load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
