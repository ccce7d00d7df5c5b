"""Untrusted workbook files are refused before parsing; outputs are written atomically."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bcf_xl.errors import BcfInputError
from bcf_xl.files import MAX_FILE_BYTES, check_workbook_file, write_atomically


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _refused(path: Path) -> str:
    with pytest.raises(BcfInputError) as caught:
        check_workbook_file(path)
    return str(caught.value)


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    """A part that unpacks to far more than its packed size is refused before anything reads it."""
    bomb = _zip(
        tmp_path / "bomb.xlsx",
        {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b" " * (20 * 2**20)},
    )
    assert _refused(bomb) == "'bomb.xlsx': unpacks far beyond its size (a zip bomb?) (got \"xl/worksheets/sheet1.xml\")"


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A file over the size limit is refused from its size alone."""
    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as handle:
        handle.write(b"PK")
        handle.truncate(MAX_FILE_BYTES + 1)
    assert _refused(huge) == "'huge.xlsx': is 50.0 MB, larger than the 50 MB a BCF workbook can be"


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    """A zip without the workbook part is not a workbook."""
    other = _zip(tmp_path / "photos.xlsx", {"photo.jpg": b"\xff\xd8"})
    assert "is a zip file but not an Excel workbook" in _refused(other)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    """A missing file or a folder is named."""
    assert _refused(tmp_path / "nowhere.xlsx") == f"'nowhere.xlsx': no such file: {tmp_path / 'nowhere.xlsx'}"
    assert _refused(tmp_path) == f"'{tmp_path.name}': is not a file: {tmp_path}"


def test_sound_workbook_passes(tmp_path: Path) -> None:
    """A minimal sound workbook container is accepted."""
    check_workbook_file(_zip(tmp_path / "ok.xlsx", {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}))


def test_atomic_write_replaces_only_when_asked(tmp_path: Path) -> None:
    """An existing output is kept unless overwrite is asked for; a completed write lands whole."""
    target = tmp_path / "out.txt"
    target.write_text("earlier", encoding="utf-8")
    with pytest.raises(BcfInputError, match="already exists"):
        write_atomically(target, lambda p: p.write_text("new", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "earlier"
    write_atomically(target, lambda p: p.write_text("new", encoding="utf-8"), overwrite=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    """A write that fails half-way leaves the earlier file intact and no temporary file."""
    target = tmp_path / "out.txt"
    target.write_text("earlier", encoding="utf-8")

    def fail(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomically(target, fail, overwrite=True)
    assert target.read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_write_needs_the_folder(tmp_path: Path) -> None:
    """Writing into a folder that does not exist is refused with the folder named."""
    with pytest.raises(BcfInputError, match="the folder to write it in does not exist"):
        write_atomically(tmp_path / "no" / "out.txt", lambda p: None)


def test_atomic_write_gives_ordinary_permissions(tmp_path: Path) -> None:
    """A written file is readable as any new file would be, not private like a temporary file."""
    import os

    mask = os.umask(0o022)
    try:
        target = tmp_path / "out.txt"
        write_atomically(target, lambda p: p.write_text("x", encoding="utf-8"))
        assert target.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(mask)
