"""Writing outputs: one of two writers wins, nothing half-written or temporary is left behind, and
nothing but an ordinary file is ever replaced (issue 14, "Outputs").

Commands run as subprocesses under a memory limit and a timeout; every hostile target is built here.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from bcf_xl.errors import BcfInputError
from bcf_xl.files import target_kind, write_atomically
from tests.commands import BCF_XL, start

MEMORY_LIMIT = 1024 * 2**20
TIMEOUT = 120


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return start(*BCF_XL, *args, cwd=cwd, memory=MEMORY_LIMIT)


def _bcf_xl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    process = _start(*args, cwd=cwd)
    out, err = process.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _listing(folder: Path) -> dict[str, bytes | str]:
    """Every entry of ``folder`` (hidden ones too) with its content, a link's destination or "folder"."""
    found: dict[str, bytes | str] = {}
    for entry in folder.iterdir():
        if entry.is_symlink():
            found[entry.name] = f"-> {os.readlink(entry)}"
        elif entry.is_dir():
            found[entry.name] = "folder"
        elif entry.is_file():
            found[entry.name] = entry.read_bytes()
        else:
            found[entry.name] = "special"
    return found


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_of_two_concurrent_writers_exactly_one_wins(tmp_path: Path) -> None:
    """Five times, two `generate` runs without --force race for one name: one writes it, the other exits 2
    saying it already exists, and no temporary file remains."""
    for trial in range(5):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        pair = [_start("generate", "--sample", "-o", "submission.xlsx", cwd=folder) for _ in range(2)]
        results = [(process, *process.communicate(timeout=TIMEOUT)) for process in pair]
        codes = sorted(process.returncode for process, _, _ in results)
        assert codes == [0, 2], [err for _, _, err in results]
        loser = next(err for process, _, err in results if process.returncode == 2)
        assert _one_line(loser) == (
            "bcf-xl: 'submission.xlsx': already exists; choose another name or ask to replace it (--force)"
        )
        assert sorted(entry.name for entry in folder.iterdir()) == ["submission.xlsx"]
        with zipfile.ZipFile(folder / "submission.xlsx") as archive:
            assert archive.testzip() is None
            assert "xl/workbook.xml" in archive.namelist()


_SLOW_WRITER = """
import sys, time
from pathlib import Path
from bcf_xl.files import write_atomically

def slow(path):
    path.write_bytes(b"half of a workbook")
    print("writing", flush=True)
    time.sleep(60)

write_atomically(Path(sys.argv[1]), slow, overwrite=sys.argv[2] == "replace")
"""


@pytest.mark.parametrize("existing", [None, b"the earlier submission"])
def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path, existing: bytes | None) -> None:
    """A writer terminated (SIGTERM) half-way removes its temporary file, ends as terminated, and leaves an
    earlier file untouched."""
    target = tmp_path / "out.xlsx"
    if existing is not None:
        target.write_bytes(existing)
    before = _listing(tmp_path)
    writer = start(
        sys.executable, "-c", _SLOW_WRITER, str(target), "replace" if existing else "new", memory=MEMORY_LIMIT
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "writing\n"
        during = _listing(tmp_path)
        assert len(during) == len(before) + 1  # the temporary file exists while writing...
        assert b"half of a workbook" in during.values()
        writer.send_signal(signal.SIGTERM)
        writer.wait(timeout=TIMEOUT)
    finally:
        writer.kill()
        writer.communicate()
    assert writer.returncode == -signal.SIGTERM
    assert _listing(tmp_path) == before  # ...and is gone after the signal


def test_a_programs_own_sigterm_handler_still_runs_and_is_restored(tmp_path: Path) -> None:
    """A SIGTERM handler the program installed runs during a write (here it raises), the temporary file is
    removed, and the handler is in place again afterwards."""

    class StopError(Exception):
        pass

    def stop(signum: int, frame: object) -> None:
        raise StopError

    def terminated(path: Path) -> None:
        path.write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(StopError):
            write_atomically(tmp_path / "out.xlsx", terminated)
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []


def _target_folder(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "submission.xlsx"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep", encoding="utf-8")
    return folder, tmp_path


def _target_fifo(tmp_path: Path) -> tuple[Path, Path]:
    fifo = tmp_path / "submission.xlsx"
    os.mkfifo(fifo)
    return fifo, tmp_path


def _target_symlink(tmp_path: Path) -> tuple[Path, Path]:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.xlsx").write_bytes(b"someone else's file")
    work = tmp_path / "work"
    work.mkdir()
    link = work / "submission.xlsx"
    link.symlink_to(elsewhere / "precious.xlsx")
    return link, tmp_path


def _target_dangling_symlink(tmp_path: Path) -> tuple[Path, Path]:
    link = tmp_path / "submission.xlsx"
    link.symlink_to(tmp_path / "created-through-the-link.xlsx")
    return link, tmp_path


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_target_folder, "a folder"),
        (_target_fifo, "a pipe (FIFO)"),
        (_target_symlink, "a symbolic link"),
        (_target_dangling_symlink, "a symbolic link"),
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_only_a_regular_file_is_ever_replaced(
    tmp_path: Path, make: Callable[[Path], tuple[Path, Path]], kind: str, force: bool
) -> None:
    """A target that is a folder, FIFO or symbolic link (even a dangling one) is refused with exit 2, its
    kind named, with or without --force; nothing it points to or holds changes, and a FIFO never blocks."""
    target, root = make(tmp_path)
    before = {folder: _listing(folder) for folder in (root, *[p for p in root.iterdir() if p.is_dir()])}
    result = _bcf_xl("generate", "--sample", "-o", str(target), *(["--force"] if force else []), cwd=tmp_path)
    assert result.returncode == 2
    assert _one_line(result.stderr) == (
        f"bcf-xl: 'submission.xlsx': is {kind}, not a regular file: bcf-xl writes only ordinary files, "
        f"so choose another name ({target})"
    )
    assert {folder: _listing(folder) for folder in before} == before


def test_a_device_is_not_a_regular_file() -> None:
    """A device node (here /dev/null, only examined) is classed as a device, so it is refused like a FIFO."""
    assert target_kind(os.lstat("/dev/null")) == "a device"
    assert target_kind(os.lstat(__file__)) is None


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    """Without --force an existing output is refused (exit 2, named) and kept; with it, it is replaced whole."""
    target = tmp_path / "submission.xlsx"
    target.write_bytes(b"the earlier submission")
    refused = _bcf_xl("generate", "--sample", "-o", target.name, cwd=tmp_path)
    assert refused.returncode == 2
    assert _one_line(refused.stderr) == (
        "bcf-xl: 'submission.xlsx': already exists; choose another name or ask to replace it (--force)"
    )
    assert target.read_bytes() == b"the earlier submission"
    replaced = _bcf_xl("generate", "--sample", "-o", target.name, "--force", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
    assert [entry.name for entry in tmp_path.iterdir()] == ["submission.xlsx"]


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"] = 2, "=A1*3"
    book.save(path)
    return path


@pytest.mark.parametrize("name", ["book.xlsx", "./book.xlsx", "hard-link.xlsx"])
def test_recalc_never_writes_over_its_input(tmp_path: Path, name: str) -> None:
    """`recalc WB -o WB --force` is refused with exit 2 whatever the name or hard link the output reaches
    the input by; the input is unchanged."""
    source = _workbook(tmp_path / "book.xlsx")
    if name == "hard-link.xlsx":
        os.link(source, tmp_path / name)
    before = _listing(tmp_path)
    result = _bcf_xl("recalc", "book.xlsx", "-o", name, "--force", cwd=tmp_path)
    assert result.returncode == 2
    shown = Path(name).name
    assert _one_line(result.stderr) == (
        f"bcf-xl: '{shown}' -o: is the workbook being read (book.xlsx); the input is never modified, "
        "so choose another name"
    )
    assert _listing(tmp_path) == before


def test_a_new_file_gets_the_umask_without_the_umask_being_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process umask is never changed (another thread could create a file meanwhile), yet a new output
    gets 0o666 less the umask, and a replaced output keeps its own permissions."""
    mask = os.umask(0o027)
    changes: list[int] = []

    def recording_umask(new: int) -> int:
        changes.append(new)
        return 0

    monkeypatch.setattr(os, "umask", recording_umask)
    try:
        fresh = tmp_path / "fresh.xlsx"
        write_atomically(fresh, lambda path: path.write_bytes(b"x"))
        kept = tmp_path / "kept.xlsx"
        kept.write_bytes(b"earlier")
        kept.chmod(0o604)
        write_atomically(kept, lambda path: path.write_bytes(b"y"), overwrite=True)
    finally:
        monkeypatch.undo()
        os.umask(mask)
    assert changes == []
    assert fresh.stat().st_mode & 0o777 == 0o640
    assert kept.stat().st_mode & 0o777 == 0o604 and kept.read_bytes() == b"y"


def test_the_file_is_on_disk_before_it_takes_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The complete output is flushed (fsync) while it is still the temporary file, then the folder is."""
    target = tmp_path / "out.xlsx"
    flushed: list[tuple[int, bool, int]] = []
    real_fsync = os.fsync

    def recording_fsync(handle: int) -> None:
        status = os.fstat(handle)
        flushed.append((status.st_ino, target.exists(), status.st_size))
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    write_atomically(target, lambda path: path.write_bytes(b"complete output"))
    monkeypatch.undo()
    assert flushed[0] == (target.stat().st_ino, False, len(b"complete output"))
    assert flushed[-1][0] == tmp_path.stat().st_ino


def test_a_full_disk_is_one_clear_message(tmp_path: Path) -> None:
    """A write the system refuses half-way (disk full) is reported as the file, its folder and the system's
    reason, and leaves no temporary file and the earlier output intact."""
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"earlier")

    def disk_full(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(BcfInputError) as refused:
        write_atomically(target, disk_full, overwrite=True)
    assert str(refused.value) == f"'out.xlsx': could not be written in {tmp_path}: No space left on device"
    assert _listing(tmp_path) == {"out.xlsx": b"earlier"}
