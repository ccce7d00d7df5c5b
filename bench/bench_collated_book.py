"""Time writing the collated workbook: this code against an earlier commit's, interleaved, in one run.

Run: .venv/bin/python bench/bench_collated_book.py FOLDER [--old REF] [--runs R]

FOLDER holds the submissions to collate (e.g. 150 made by bench_collate.py). REF (default ``HEAD``) is the
commit to compare with: its ``bcf_xl`` is exported with ``git archive`` into a temporary folder and run from
there, so the two codes run side by side without touching the work tree. Untimed, each code collates FOLDER
once (two workers) and pickles the collation. Then, R times (default 3), alternating old and new:

1. the workbook built from the pickled collation in a new process: the time to add every file's rows
   (``CollatedBook.add``, what runs while the files are read) and the time to close (the sheets that need every
   file, XlsxWriter serialising every cell, zipping), with that process's CPU time (where the code serialises
   the largest sheet in a process forked at close, as collate does from two cores, that process's CPU is not in
   it: the close's wall time is the figure to compare);
2. ``bcf-xl collate FOLDER -o OUT.xlsx --force`` end to end, wall time and the CPU time of it and its workers.

The fastest of the R runs of each is shown (on a shared machine the others measure the neighbours as much as
bcf-xl), with the workbook's size and how many cells it holds.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent


def child_pickle(folder: Path, target: Path) -> None:
    """Collate ``folder`` with the code on ``sys.path`` and pickle the collation to ``target``."""
    from bcf_xl.collate import collate

    collation = collate([folder], jobs=2)
    target.write_bytes(pickle.dumps(collation))


def child_build(source: Path, output: Path) -> None:
    """Build the workbook from a pickled collation; print the seconds of adding and closing, and the CPU's."""
    from bcf_xl.collate.book import CollatedBook

    collation = pickle.loads(source.read_bytes())
    # Expenditure's plan years are the book's to know since the Collation holds them; earlier code had none.
    known = (collation.years,) if hasattr(collation, "years") else ()
    maker: Any = CollatedBook
    cpu = time.process_time()
    start = time.perf_counter()
    book = maker(output, *known)
    for area in collation.returns:
        book.add(area)
    added = time.perf_counter()
    book.close(collation.tables, collation.returns)
    closed = time.perf_counter()
    print(json.dumps({"add": added - start, "close": closed - added, "cpu": time.process_time() - cpu}))


def cells(path: Path) -> int:
    """How many cells the workbook's sheets hold (each ``<c`` element)."""
    with zipfile.ZipFile(path) as archive:
        return sum(
            archive.read(name).count(b"<c ") for name in archive.namelist() if name.startswith("xl/worksheets/sheet")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the submissions to collate")
    parser.add_argument("--old", default="HEAD", help="the commit to compare with (default HEAD)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs; the fastest of each is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bcf_bench_book_") as directory:
        work = Path(directory)
        old = work / "old"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPOSITORY), "archive", args.old, "bcf_xl"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        codes = {f"old ({args.old})": old, "new (work tree)": REPOSITORY}

        def python(code: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
            environment = {**os.environ, "PYTHONPATH": str(code)}
            return subprocess.run(
                [sys.executable, *arguments], check=False, capture_output=True, text=True, env=environment
            )

        for label, code in codes.items():
            made = python(code, __file__, "--child-pickle", str(args.folder), str(work / f"{code.name}.pickle"))
            if made.returncode:
                raise SystemExit(f"{label}: collating failed: {made.stderr.strip()}")
        print(f"{args.folder}: {len(list(args.folder.glob('*.xls*')))} files; {os.cpu_count()} cores")
        print(f"   load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        built: dict[str, list[dict[str, float]]] = {label: [] for label in codes}
        ends: dict[str, list[tuple[float, float]]] = {label: [] for label in codes}
        for _ in range(args.runs):
            for label, code in codes.items():
                out = work / f"{code.name}.xlsx"
                ran = python(code, __file__, "--child-build", str(work / f"{code.name}.pickle"), str(out))
                if ran.returncode:
                    raise SystemExit(f"{label}: building failed: {ran.stderr.strip()}")
                built[label].append(json.loads(ran.stdout))
            for label, code in codes.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                command = ("-m", "bcf_xl.cli", "collate", str(args.folder), "-o", str(work / "w.xlsx"), "--force")
                ran = python(code, *command)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if ran.returncode not in (0, 1):
                    raise SystemExit(f"{label}: bcf-xl collate failed ({ran.returncode}): {ran.stderr.strip()}")
                ends[label].append((wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)))
        for label, code in codes.items():
            out = work / f"{code.name}.xlsx"
            add = min(run["add"] for run in built[label])
            close = min(run["close"] for run in built[label])
            total = min(run["add"] + run["close"] for run in built[label])
            cpu = min(run["cpu"] for run in built[label])
            wall, collate_cpu = min(ends[label])
            print(f"   {label}: {out.stat().st_size / 1024:.0f} KiB, {cells(out):,} cells")
            print(
                f"      workbook from the collation: add {add:.2f} s + close {close:.2f} s; "
                f"fastest whole {total:.2f} s, CPU {cpu:.2f} s"
            )
            print(f"      bcf-xl collate end to end: {wall:.2f} s wall, CPU {collate_cpu:.2f} s (its workers too)")
            builds = " ".join(f"{run['add'] + run['close']:.2f}" for run in built[label])
            collates = " ".join(f"{w:.2f}" for w, _ in ends[label])
            print(f"      each run (wall s): build {builds}; collate {collates}")
        print(f"   load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child-pickle":
        child_pickle(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--child-build":
        child_build(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
