"""Reading workbook files that may be hostile, and writing outputs atomically.

Every workbook a user hands bcf-xl is untrusted: it may be huge, truncated, encrypted, a zip
bomb or not a workbook at all. :func:`check_workbook_file` looks at the container before any
spreadsheet library parses it and refuses with one clear message. :func:`write_atomically`
writes an output through a temporary file in the same folder and renames it into place, so a
failure leaves no half-written file and an existing file is replaced only when asked.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from bcf_xl.errors import BcfInputError, Location

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 20_000
MAX_RATIO = 200  # a part may unpack to at most 200 times its packed size (once it is over 1 MB)
MAX_FILE_RATIO = 100  # all parts together may unpack to at most 100 times the file's size
MAX_SHEETS = 100  # sheets and chart sheets; a planning workbook has 11 and a template 9
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/")
_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


def check_workbook_file(path: Path) -> None:
    """Refuse a file that is not a sound, reasonably sized .xlsx/.xlsm workbook.

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
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise BcfInputError(
            where, "is damaged or truncated: it cannot be opened as a workbook", show_got=False
        ) from None
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(target: Path, write: Callable[[Path], None], *, overwrite: bool = False) -> None:
    """Write ``target`` through a temporary file beside it, renaming it into place only when complete.

    Args:
        target: the file to produce.
        write: writes the complete output to the path it is given.
        overwrite: replace an existing ``target``; otherwise an existing file is an error.

    Raises:
        BcfInputError: the target exists (and ``overwrite`` is false) or its folder does not.
    """
    where = Location(sheet=target.name)
    if target.exists() and not overwrite:
        raise BcfInputError(where, "already exists; choose another name or ask to replace it (--force)", show_got=False)
    if not target.parent.is_dir():
        raise BcfInputError(where, f"the folder to write it in does not exist: {target.parent}", show_got=False)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        # mkstemp makes the file private (0600); give it the permissions an ordinary new file would have.
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
