"""Reading workbook files that may be hostile, and writing outputs atomically.

Every workbook a user hands bcf-xl is untrusted: it may be huge, truncated, encrypted, a zip
bomb or not a workbook at all. :func:`check_workbook_file` looks at the container before any
spreadsheet library parses it and refuses with one clear message. :func:`write_atomically`
writes an output through a temporary file in the same folder and puts it in place only when it
is complete and on disk, so a failure or a termination leaves no half-written or temporary file,
of two writers to one name exactly one wins, an existing file is replaced only when asked, and
nothing but an ordinary file (no folder, device, pipe or symbolic link) is ever replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from bcf_xl.errors import BcfInputError, Location

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 20_000
MAX_RATIO = 200  # a part may unpack to at most 200 times its packed size (once it is over 1 MB)
MAX_FILE_RATIO = 100  # all parts together may unpack to at most 100 times the file's size
MAX_SHEETS = 100  # sheets and chart sheets; a planning workbook has 12 and a template 9
# The most rows a Schemes or Expenditure table may have: far more schemes than any area plans. Builders give a plan
# no more rows than this, and readers read no further.
MAX_SCHEME_ROWS = 2_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/")
_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


def check_workbook_file(path: Path) -> None:
    """Refuse a file that is not a sound, reasonably sized .xlsx/.xlsm workbook.

    Raises:
        BcfInputError: naming the file and what is wrong with it.
    """
    open_workbook_file(path).close()


def open_workbook_file(path: Path) -> zipfile.ZipFile:
    """The workbook file's package, open for reading, once :func:`check_workbook_file` would pass it (the caller
    closes it; a reader that goes on to read the package need not open it again).

    Raises:
        BcfInputError: naming the file and what is wrong with it.
    """
    where = Location(sheet=path.name)
    if not path.exists():
        raise BcfInputError(where, f"no such file: {path}", show_got=False)
    if not path.is_file():
        raise BcfInputError(where, f"is not a file: {path}", show_got=False)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BcfInputError(
            where,
            f"is {size / 2**20:.1f} MB, larger than the {MAX_FILE_BYTES // 2**20} MB a BCF workbook can be",
            show_got=False,
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_SIGNATURE:
        raise BcfInputError(
            where,
            "is password-protected or an old .xls file: save it in Excel as an unprotected .xlsx or .xlsm workbook",
            show_got=False,
        )
    if not head.startswith(b"PK"):
        raise BcfInputError(where, "is not an Excel workbook (.xlsx or .xlsm)", show_got=False)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise BcfInputError(
            where, "is damaged or truncated: it cannot be opened as a workbook", show_got=False
        ) from None
    try:
        _check_members(archive.infolist(), where, size)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_members(members: list[zipfile.ZipInfo], where: Location, size: int) -> None:
    """Refuse a package whose parts are too many, unpack too far, hold too many sheets or no workbook part."""
    if len(members) > MAX_MEMBERS:
        raise BcfInputError(where, f"holds {len(members)} parts, more than the {MAX_MEMBERS} allowed", show_got=False)
    unpacked = 0
    for member in members:
        unpacked += member.file_size
        if member.file_size > 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise BcfInputError(where, "unpacks far beyond its size (a zip bomb?)", member.filename)
    if unpacked > MAX_UNPACKED_BYTES:
        raise BcfInputError(
            where,
            f"unpacks to {unpacked / 2**20:.0f} MB, more than the {MAX_UNPACKED_BYTES // 2**20} MB allowed",
            show_got=False,
        )
    if unpacked > 2**20 and unpacked > MAX_FILE_RATIO * size:
        raise BcfInputError(
            where,
            f"unpacks to {unpacked // max(size, 1)} times its size, more than the {MAX_FILE_RATIO} allowed "
            "(a zip bomb?)",
            show_got=False,
        )
    sheets = sum(1 for m in members if m.filename.startswith(_SHEET_FOLDERS) and m.filename.endswith(".xml"))
    if sheets > MAX_SHEETS:
        raise BcfInputError(where, f"holds {sheets} sheets, more than the {MAX_SHEETS} allowed", show_got=False)
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise BcfInputError(where, "is a zip file but not an Excel workbook (no xl/workbook.xml)", show_got=False)


_UNSAFE_TARGETS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)
_CLEANUP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)  # SIGINT already arrives as KeyboardInterrupt, which the clean-up below handles


def target_kind(status: os.stat_result) -> str | None:
    """What a path that is not a regular file is ("a folder", "a symbolic link"...), or None for a regular file."""
    for test, kind in _UNSAFE_TARGETS:
        if test(status.st_mode):
            return kind
    return None if stat.S_ISREG(status.st_mode) else "not a regular file"


def _refuse_unsafe(target: Path, *, overwrite: bool) -> os.stat_result | None:
    """The status of an existing regular ``target`` (None if there is none), refusing anything else."""
    where = Location(sheet=target.name)
    try:
        status = os.lstat(target)  # never follows a symbolic link
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BcfInputError(where, f"cannot be examined to write it: {exc.strerror}", show_got=False) from None
    kind = target_kind(status)
    if kind is not None:
        raise BcfInputError(
            where,
            f"is {kind}, not a regular file: bcf-xl writes only ordinary files, so choose another name ({target})",
            show_got=False,
        )
    if not overwrite:
        raise _exists(target)
    return status


def _exists(target: Path) -> BcfInputError:
    return BcfInputError(
        Location(sheet=target.name),
        "already exists; choose another name or ask to replace it (--force)",
        show_got=False,
    )


def _create_temporary(target: Path, made: list[Path]) -> Path:
    """A new empty file beside ``target``, created exclusively with the permissions any new file gets.

    Its name joins ``made`` before it is created, so a termination at any moment finds it. The mode
    0o666 is filtered by the process umask in the kernel, as for any new file, so the umask is never
    read or changed here (changing it would race with other threads).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    while True:
        temporary = target.with_name(f".{target.stem}-{secrets.token_hex(6)}{target.suffix}")
        made.append(temporary)
        try:
            os.close(os.open(temporary, flags, 0o666))
        except FileExistsError:  # pragma: no cover - 48 random bits collided: not ours, draw again
            made.remove(temporary)
            continue
        return temporary


def _fsync(path: Path, *, folder: bool = False) -> None:
    """Flush ``path`` to disk; a folder is flushed only where the system allows it."""
    flags = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if folder else (os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        handle = os.open(path, flags)
    except OSError:
        if folder:
            return  # Windows cannot open a folder; its rename is durable enough
        raise
    try:
        os.fsync(handle)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(handle)


_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, getattr(errno, "ENOTSUP", -1), errno.EOPNOTSUPP}


def _hard_link(source: Path, target: Path) -> None:
    link = getattr(os, "link", None)
    if link is None:  # Pyodide (xlwings Lite) has no hard links at all
        raise OSError(errno.ENOSYS, "hard links are not supported here", str(target))
    link(source, target)


def _place(temporary: Path, target: Path, *, overwrite: bool) -> None:
    """Move the finished ``temporary`` to ``target``: exclusively unless ``overwrite``."""
    if overwrite:
        _refuse_unsafe(target, overwrite=True)  # once more, just before the rename
        try:
            os.replace(temporary, target)  # replaces a name, never writes through a symbolic link
        except IsADirectoryError:
            _refuse_unsafe(target, overwrite=True)
            raise
        return
    try:
        _hard_link(temporary, target)  # fails if the name exists, whoever created it a moment ago
    except FileExistsError:
        raise _exists(target) from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        # A file system without hard links: reserve the name exclusively, then rename over the reservation.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            os.close(os.open(target, flags, 0o600))
        except FileExistsError:
            raise _exists(target) from None
        try:
            os.replace(temporary, target)
        except BaseException:
            _remove([target])
            raise
    else:
        os.unlink(temporary)


@contextlib.contextmanager
def _removed_on_termination(temporary: list[Path]) -> Iterator[None]:
    """Remove the files listed in ``temporary`` if the process is told to terminate (SIGTERM, SIGHUP).

    The handlers are installed only in the main thread (the only one Python lets set them), are not
    installed where the signal is ignored, and are restored on leaving. A handler the program had
    installed itself is called instead (an exception it raises removes the file on its way out);
    where the default applied, the file is removed and the signal delivered again with its default
    action, so the process ends exactly as it would have.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Callable[[int, FrameType | None], Any] | int] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        handler = previous.get(signum, signal.SIG_DFL)
        if callable(handler):
            handler(signum, frame)
            return
        for path in temporary:
            with contextlib.suppress(OSError):
                os.unlink(path)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    try:
        for signum in _CLEANUP_SIGNALS:
            handler = signal.getsignal(signum)
            if handler is None or handler == signal.SIG_IGN:
                continue  # ignored (nohup) or set outside Python: leave it alone
            previous[signum] = handler
            signal.signal(signum, on_signal)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def write_atomically(target: Path, write: Callable[[Path], object], *, overwrite: bool = False) -> None:
    """Write ``target`` through a temporary file beside it, putting it in place only when complete.

    The temporary file is flushed to disk before it takes the target's name, and is removed if the
    write fails or the process is told to terminate. Without ``overwrite`` the target is created
    exclusively: of two writers racing for one name, exactly one wins. The target must be a regular
    file or not exist, even with ``overwrite``: a folder, device, pipe or symbolic link is refused,
    so nothing a link points to is ever replaced. A new file gets the permissions any new file
    gets; a replaced one keeps its own.

    Args:
        target: the file to produce.
        write: writes the complete output to the path it is given.
        overwrite: replace an existing regular ``target``; otherwise an existing one is an error.

    Raises:
        BcfInputError: the target exists (and ``overwrite`` is false) or is not a regular file, its
            folder does not exist, or the system refuses the write (no permission, disk full...).
    """
    where = Location(sheet=target.name)
    existing = _refuse_unsafe(target, overwrite=overwrite)
    if not target.parent.is_dir():
        raise BcfInputError(where, f"the folder to write it in does not exist: {target.parent}", show_got=False)
    made: list[Path] = []
    with _removed_on_termination(made):
        try:
            temporary = _create_temporary(target, made)
            mode = (existing or os.stat(temporary)).st_mode & 0o777
            write(temporary)
            os.chmod(temporary, mode)  # the writer may have recreated the file
            _fsync(temporary)
            _place(temporary, target, overwrite=overwrite)
            _fsync(target.parent, folder=True)
        except OSError as exc:
            _remove(made)
            raise BcfInputError(
                where, f"could not be written in {target.parent}: {exc.strerror or exc}", show_got=False
            ) from None
        except BaseException:
            _remove(made)
            raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)
