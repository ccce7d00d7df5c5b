"""LibreOffice as a real spreadsheet client in tests: open a workbook headlessly and read what it computed.

Every test that starts LibreOffice carries the ``libreoffice`` marker, so ``pytest -m "not libreoffice"`` is a
quick run. The marker is enforced: :func:`soffice` fails a test that starts LibreOffice without it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

#: The test being run (set by tests/conftest.py), so :func:`soffice` can insist on the ``libreoffice`` marker.
current_test: pytest.Item | None = None

INSTALL_HINT = "LibreOffice is needed by this test: run ./setup.sh or apt-get install libreoffice-calc-nogui"

# A profile that makes LibreOffice recalculate every formula on load, even where the file holds cached values
# (by default it trusts them), so a test reads what LibreOffice computed, never what bcf-xl stored.
RECALCULATE_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """The soffice program; a test that needs it fails (never skips) when it is missing or is not marked."""
    if current_test is not None and current_test.get_closest_marker("libreoffice") is None:
        pytest.fail(f"{current_test.nodeid} starts LibreOffice: mark it @pytest.mark.libreoffice")
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        pytest.fail(INSTALL_HINT)
    return program


def convert(source: Path, out_dir: Path, target: str = "xlsx", *, recalculate: bool = True) -> Path:
    """Have LibreOffice open ``source`` and save it as ``target`` (it computes uncached formulas on load).

    With ``recalculate`` False LibreOffice keeps its default settings, showing the values the file stores, as a
    person opening the file would see them.
    """
    return convert_each([source], out_dir, target, recalculate=recalculate)[source]


def convert_each(
    sources: Sequence[Path], out_dir: Path, target: str = "xlsx", *, recalculate: bool = True
) -> dict[Path, Path]:
    """:func:`convert` for many files in one LibreOffice run (a start takes seconds; each file then takes less),
    each file opened and saved on its own as when converted alone: each source's converted file.

    The files' names must differ (LibreOffice names each output after its source). soffice exits 0 even when it
    failed to load a file, so every output file is checked for.
    """
    stems = [source.stem for source in sources]
    assert len(set(stems)) == len(stems), f"LibreOffice would write two of these to one file: {stems}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bcf-lo-profile-") as profile:
        (Path(profile) / "user").mkdir()
        if recalculate:
            (Path(profile) / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ALWAYS, encoding="utf-8")
        result = subprocess.run(
            [
                soffice(),
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                *map(str, sources),
            ],
            capture_output=True,
            text=True,
            timeout=180 + 60 * len(sources),
            check=False,
        )
    produced = {source: out_dir / f"{source.stem}.{target.split(':')[0]}" for source in sources}
    missing = [source.name for source, path in produced.items() if not path.exists()]
    if missing:
        pytest.fail(f"LibreOffice did not convert {', '.join(missing)}: {result.stdout} {result.stderr}")
    return produced


def computed_values(source: Path, out_dir: Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell's value as LibreOffice computed it: {(sheet, cell): value}."""
    return values_in(convert(source, out_dir))


def computed_values_each(sources: Sequence[Path], out_dir: Path) -> dict[Path, dict[tuple[str, str], object]]:
    """:func:`computed_values` for many files, from one LibreOffice run: each source's values."""
    return {source: values_in(path) for source, path in convert_each(sources, out_dir).items()}


def values_in(path: Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell's value as a workbook file stores it: {(sheet, cell): value}."""
    book = openpyxl.load_workbook(path, data_only=True)
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
