"""Collate many areas' filled templates and returns into one workbook (and CSV files): ``bcf-xl collate``.

Every file is read and validated in parallel worker processes (:class:`concurrent.futures.ProcessPoolExecutor`,
one per core unless told otherwise; one job reads in this process). A file that cannot be read becomes an
Areas row with its reason and never stops the run; two files for the same area and template year are both
kept, each flagged with the other's name. The tables (:mod:`bcf_xl.collate.tables`) are pandas DataFrames
(:meth:`Collation.frames`), written as one workbook (:mod:`bcf_xl.collate.book`) and, when asked, as CSV.

Given an ``output``, :func:`collate` writes the workbook while the files are read: the workers send each
file's rows back as soon as it is read, in file order, and this process writes them into their sheets while
the workers read the next files, so only the sheets that need every file and the saving are left once the
last file is read. On Linux the workers are forked, starting with the readers this process has loaded. Once the
last file is read, the largest sheet's cells are serialised in a process forked then, on a core the workers
leave, while this process writes the sheets that need every file (:meth:`~bcf_xl.collate.book.CollatedBook.seal`).

A sketch of use from Python::

    from pathlib import Path
    from bcf_xl.collate import collate
    result = collate([Path("returns/")], jobs=2, output=Path("region.xlsx"))
    result.frames()["Totals"]
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, cast

from bcf_xl.collate.returns import AreaReturn, plan_years, read_return, unread
from bcf_xl.collate.tables import Sheet, sheets
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import WORKBOOK_SUFFIXES, write_atomically
from bcf_xl.policy import Policy, load_policy

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AreaReturn", "Collation", "collate", "find_workbooks", "read_return"]

_LOCK_FILE_PREFIX = "~$"  # Excel's lock file beside an open workbook: not a workbook
_CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # text a spreadsheet opening a CSV would run as a formula
_HANDED_DOWN_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass(frozen=True)
class Collation:
    """Every file's outcome, the collated tables, and the plan years of Expenditure's amount columns."""

    returns: tuple[AreaReturn, ...]
    tables: tuple[Sheet, ...]
    years: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every file was read and has no errors (the command then exits 0)."""
        return all(r.ok for r in self.returns)

    def table(self, name: str) -> Sheet:
        """One table by its sheet name (Areas, Income, Expenditure, Totals, Metrics or Findings)."""
        return next(t for t in self.tables if t.name == name)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Each table as a pandas DataFrame, by sheet name; money stays exact (Decimal, ``object`` dtype)."""
        return {t.name: t.frame() for t in self.tables}

    def write_workbook(self, path: Path, *, overwrite: bool = False) -> None:
        """Write the collated workbook: a Dashboard, then a sheet per table.

        Raises:
            BcfInputError: the file exists (and not ``overwrite``) or cannot be written.
        """
        from bcf_xl.collate.book import write_book

        write_book(path, self.tables, self.returns, self.years, overwrite=overwrite)

    def write_csv(self, folder: Path, *, overwrite: bool = False) -> list[Path]:
        """Write each table as ``<folder>/<sheet>.csv`` (UTF-8, a header row of the fields' keys); the files written.

        Money is written exactly as its Decimal; text that a spreadsheet would run as a formula (starting
        with ``=``, ``+``, ``-``, ``@``) is written with a leading apostrophe, as spreadsheets show text.

        Raises:
            BcfInputError: the folder cannot be made, or a file exists (and not ``overwrite``) or cannot be written.
        """
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BcfInputError(
                Location(sheet=str(folder)), f"cannot be made ({exc.strerror or exc})", show_got=False
            ) from None
        written = []
        for table in self.tables:
            target = folder / f"{table.name.lower()}.csv"
            write_atomically(target, functools.partial(_write_csv, table=table), overwrite=overwrite)
            written.append(target)
        return written


def _write_csv(path: Path, *, table: Sheet) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f.key for f in table.fields])
        writer.writerows([_csv_cell(value) for value in row] for row in table.rows)


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_CSV_FORMULA_STARTS):
        return "'" + value
    return value


def find_workbooks(paths: Iterable[Path], *, skip: Path | None = None) -> list[Path]:
    """The files to collate: each file given, and every .xlsx/.xlsm under each folder given (sorted, without
    Excel's ``~$`` lock files, and without ``skip``: the collated workbook an earlier run wrote there). A file
    named outright is collated whatever its name (it may be refused then).

    Raises:
        BcfInputError: a path does not exist, or nothing to collate is found.
    """
    left_out = skip.absolute() if skip is not None else None
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in WORKBOOK_SUFFIXES
                and p.is_file()
                and not p.name.startswith(_LOCK_FILE_PREFIX)
                and p.absolute() != left_out
            )
        elif path.exists():
            found.append(path)
        else:
            raise BcfInputError(Location(sheet=str(path)), "no such file or folder", show_got=False)
    unique = list(dict.fromkeys(found))
    if not unique:
        where = ", ".join(str(p) for p in paths) or "(no path)"
        raise BcfInputError(Location(sheet=where), "holds no .xlsx or .xlsm workbook to collate", show_got=False)
    return unique


def collate(
    paths: Sequence[Path],
    *,
    policy: Policy | None = None,
    year: str | None = None,
    jobs: int | None = None,
    progress: IO[str] | None = None,
    output: Path | None = None,
    overwrite: bool = False,
) -> Collation:
    """Read and validate every workbook under ``paths`` (in parallel) and collate them.

    Args:
        paths: files and folders (searched for .xlsx and .xlsm).
        policy: national parameters; the shipped ones when None.
        year: a template year (e.g. ``"2025-26"``): a file of another year is not read, with that reason.
        jobs: worker processes; all cores when None; 1 reads every file (and writes the workbook) in this process.
        progress: where a progress bar goes (tqdm), shown only when it is a terminal and the run lasts
            more than a moment; None shows none.
        output: where to write the collated workbook (left out where a folder holds it). It is written while
            the files are read, each file's rows as soon as it is read, and put in place only when complete, as
            :meth:`Collation.write_workbook` puts it; None writes none.
        overwrite: replace an existing ``output``.

    Raises:
        BcfInputError: a path does not exist or nothing is found; ``jobs`` is below 1; ``output`` exists (and
            not ``overwrite``) or cannot be written.
    """
    files = find_workbooks(paths, skip=output)
    if jobs is not None and jobs < 1:
        raise BcfInputError(Location(field="--jobs"), "must be 1 or more", jobs)
    rules = policy if policy is not None else load_policy()
    workers = min(jobs or os.cpu_count() or 1, len(files))
    reading = functools.partial(_reading, files, rules, year, workers, progress)
    years = plan_years(year)
    if output is None:
        with reading() as outcomes:
            return _collated(list(outcomes), years)
    made: list[Collation] = []
    write_atomically(
        output,
        lambda temporary: made.append(_collate_into(temporary, reading, years, aside=workers > 1)),
        overwrite=overwrite,
    )
    return made[0]


def _collated(returns: list[AreaReturn], years: tuple[str, ...]) -> Collation:
    return Collation(tuple(returns), sheets(returns, duplicates(returns), years), years)


def _collate_into(
    path: Path,
    reading: Callable[[], contextlib.AbstractContextManager[Iterator[AreaReturn]]],
    years: tuple[str, ...],
    *,
    aside: bool,
) -> Collation:
    """Collate the files as they are read, writing each file's rows into the workbook at ``path`` at once; with
    ``aside``, a sheet's cells are serialised in a forked process once they are all read (as the readers do, one
    job keeps everything in this process)."""
    returns: list[AreaReturn] = []
    with _settled() as settle:
        with reading() as outcomes:
            from bcf_xl.collate.book import CollatedBook  # loaded and set up while the workers read the first files

            book = CollatedBook(path, years, aside=aside)
            for outcome in outcomes:
                book.add(outcome)
                returns.append(outcome)
                settle()
        with book:
            book.seal()  # once the workers are gone: a sheet is serialised on the core they leave
            result = _collated(returns, years)
            book.close(result.tables, result.returns)
    return result


@contextlib.contextmanager
def _settled() -> Iterator[Callable[[], None]]:
    """What settles this process's objects as the files are collated into the workbook: all it holds (its modules,
    every file's rows, the cells written) lasts to the end, so each call takes what is there out of the collector's
    passes (frozen), and the collector has it back at the end. Where objects are already frozen (by a program that
    calls :func:`collate`), that is left as it is and nothing is frozen."""
    if gc.get_freeze_count():
        yield lambda: None
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def duplicates(returns: Sequence[AreaReturn]) -> dict[str, str]:
    """Each file whose area, template (or return and period) and year another file also holds, with the other
    files' names."""
    by_area: dict[tuple[str, str, str], list[AreaReturn]] = {}
    for r in returns:
        if r.read and r.area:
            by_area.setdefault((r.area.casefold(), r.kind, r.year), []).append(r)
    flagged: dict[str, str] = {}
    for same in by_area.values():
        if len(same) > 1:
            for r in same:
                flagged[r.path] = ", ".join(o.file for o in same if o is not r)
    return flagged


@dataclass(frozen=True)
class _Job:
    policy: Policy
    year: str | None


# Each worker's policy and year, set once when it starts (not sent with every file).
_WORKER: list[_Job] = []


def _start_worker(policy: Policy, year: str | None) -> None:
    # A forked worker inherits this process's signal handlers, among them those that remove the output's
    # temporary file: a worker told to end (as a broken pool's workers are) must simply end.
    for signum in _HANDED_DOWN_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    _WORKER[:] = [_Job(policy, year)]
    _settle_collector()


def _settle_collector() -> None:
    # What a worker inherits (every module loaded, the policy) lives as long as the worker: the collector need not
    # walk it again on each full pass (frozen). Reading a file leaves few objects behind, so young objects are
    # collected after 5,000 rather than 700: a file's own objects are mostly freed before a collection comes round.
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(5_000, middle, oldest)


def _read_in_worker(path: Path) -> AreaReturn:
    job = _WORKER[0]
    return read_return(path, job.policy, job.year)


def _pool(workers: int, policy: Policy, year: str | None) -> ProcessPoolExecutor:
    """Worker processes that each read files with ``policy`` and ``year``.

    On Linux they are forked: each starts with every module this process has loaded, the readers included, at
    no cost (Python 3.14 starts them from a fresh server process by default, importing bcf-xl again in each).
    Elsewhere the platform's default applies (forking is unsafe on macOS, impossible on Windows).
    """
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(policy, year))


@contextlib.contextmanager
def _reading(
    files: list[Path], policy: Policy, year: str | None, workers: int, progress: IO[str] | None
) -> Iterator[Iterator[AreaReturn]]:
    """Start reading ``files``; each file's outcome in their order, each as soon as it and those before it are read.

    With more than one worker the workers start at once, each file a task of its own, so each outcome comes back
    as soon as it is read (and is written while the next are read); leaving stops what is not yet started.
    """
    if workers <= 1:
        yield _read_here(files, policy, year, progress)
        return
    pool = _pool(workers, policy, year)
    try:
        outcomes = pool.map(_read_in_worker, files)
        yield _in_order(outcomes, files, policy, year, progress)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_here(files: list[Path], policy: Policy, year: str | None, progress: IO[str] | None) -> Iterator[AreaReturn]:
    bar = _bar(len(files), progress)
    try:
        for path in files:
            yield read_return(path, policy, year)
            bar.update()
    finally:
        bar.close()


def _in_order(
    outcomes: Iterator[AreaReturn], files: list[Path], policy: Policy, year: str | None, progress: IO[str] | None
) -> Iterator[AreaReturn]:
    """The workers' outcomes as they come; if a worker ends abruptly (killed, or out of memory on some file), each
    file left is read in a process of its own, so only the file that ends its process is a row saying so."""
    bar = _bar(len(files), progress)  # its monitor thread starts after the workers are forked, not before
    done = 0
    try:
        try:
            for outcome in outcomes:
                yield outcome
                done += 1
                bar.update()
        except BrokenProcessPool:
            for path in files[done:]:
                yield _read_alone(path, policy, year)
                bar.update()
    finally:
        bar.close()


def _read_alone(path: Path, policy: Policy, year: str | None) -> AreaReturn:
    """One file read in a process of its own; a process that ends abruptly makes the file's row say so."""
    try:
        with _pool(1, policy, year) as pool:
            return pool.submit(_read_in_worker, path).result()
    except BrokenProcessPool:
        return unread(path, f"{path.name}: its reading process ended abruptly (out of memory?), so it was not read")


class _Bar(Protocol):
    def update(self, n: float | None = 1) -> bool | None: ...

    def close(self) -> None: ...


class _NoBar:
    def update(self, n: float | None = 1) -> None:
        return None

    def close(self) -> None:
        return None


def _bar(total: int, stream: IO[str] | None) -> _Bar:
    """A progress bar on ``stream`` when it is a terminal and the run lasts over half a second, else nothing."""
    if stream is None or not stream.isatty():
        return _NoBar()
    try:
        from tqdm import tqdm  # a well-kept progress bar (the "collate" extra), loaded only for a terminal
    except ImportError:
        return _NoBar()
    return cast(_Bar, tqdm(total=total, file=stream, unit="file", delay=0.5, desc="bcf-xl collate", leave=False))
