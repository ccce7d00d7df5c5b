"""Writing the collated workbook: rows put straight into XlsxWriter's cells, and the largest sheet's cells
serialised in a forked process, each giving the workbook XlsxWriter's own methods give, to the byte.

The set collated is a 2023-25 and a 2025-26 template, one of them with control characters in a scheme's name
(written escaped), and a file that is not a workbook.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings, strategies as st

import bcf_xl.collate.book as collated_book
from bcf_xl.collate import Collation, collate
from bcf_xl.collate.book import ASIDE, CollatedBook
from bcf_xl.errors import BcfInputError
from bcf_xl.policy import Policy
from bcf_xl.sample import sample_plan, sample_plan_for
from bcf_xl.submission.builder import write
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26
from bcf_xl.submission.layout import EXPENDITURE, Layout
from bcf_xl.workbook import to_xlsxwriter
from bcf_xl.workbook.to_xlsxwriter import CellsAside, Formats, put_rows
from tests.strategies import sub_pence

_STAMPS = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")  # when the file was saved: differs by run


@pytest.fixture(scope="module")
def collation(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> Collation:
    """Two templates of different years (one with a control character in a scheme's name) and a text file."""
    folder = tmp_path_factory.mktemp("writing")
    write(sample_plan(), YEAR_2023_25, policy, folder / "northmoor.xlsx")
    write(sample_plan_for(YEAR_2025_26.plan_years), YEAR_2025_26, policy, folder / "southmoor.xlsx")
    book = openpyxl.load_workbook(folder / "northmoor.xlsx")
    expenditure = Layout(YEAR_2023_25, 100).expenditure
    book[EXPENDITURE][expenditure.cell("name", expenditure.data_rows[1])] = "Falls\nand \u202ereturn"
    book.save(folder / "northmoor.xlsx")
    (folder / "eastmoor.xlsx").write_text("to follow", encoding="utf-8")
    return collate([folder], policy=policy, jobs=2)


def _parts(path: Path) -> dict[str, bytes]:
    """Every part of a workbook's package, byte for byte (the save time left out)."""
    with zipfile.ZipFile(path) as archive:
        return {name: _STAMPS.sub(rb"\1", archive.read(name)) for name in archive.namelist()}


def _book(path: Path, collation: Collation, *, aside: bool) -> CellsAside | None:
    """Write the collated workbook as collate does; the forked serialising, if any."""
    with CollatedBook(path, collation.years, aside=aside) as book:
        for area in collation.returns:
            book.add(area)
        book.seal()
        serialised = book.aside
        book.close(collation.tables, collation.returns)
    return serialised


def test_cells_serialised_aside_make_the_same_workbook_to_the_byte(collation: Collation, tmp_path: Path) -> None:
    """The Expenditure sheet's cells serialised in a forked process give the workbook, part for part and byte for
    byte, that serialising them in close() gives; the forked process served them and has been waited for."""
    assert ASIDE == ("Expenditure",)
    plain, aside = tmp_path / "plain.xlsx", tmp_path / "aside.xlsx"
    assert _book(plain, collation, aside=False) is None
    serialised = _book(aside, collation, aside=True)
    assert serialised is not None and serialised.served
    with pytest.raises(ChildProcessError):
        os.waitpid(serialised.pid, os.WNOHANG)
    assert _parts(aside) == _parts(plain)
    expenditure = openpyxl.load_workbook(aside)["Expenditure"]
    assert expenditure.max_row == len(collation.table("Expenditure").rows) + 1
    assert "Falls\\nand \\u202ereturn" in [c.value for c in expenditure["E"]]


def test_a_forked_process_that_fails_leaves_the_cells_to_close(
    collation: Collation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked process that ends without sending its cells: close() serialises them itself, and the workbook is
    the same to the byte."""
    monkeypatch.setattr(to_xlsxwriter, "_serialise", lambda *_: 3)
    serialised = _book(tmp_path / "aside.xlsx", collation, aside=True)
    assert serialised is not None and not serialised.served
    assert _parts(tmp_path / "aside.xlsx") == _parts(_plain(tmp_path, collation))


def test_a_format_without_its_index_leaves_the_cells_to_close(
    collation: Collation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a format used by the sheet serialised aside have no index yet when forking (so the forked process
    would give it one this process does not know of), the forked process says so and close() serialises the
    cells itself: the workbook is the one a plain close() makes."""
    monkeypatch.setattr(Formats, "fix_indexes", lambda self: None)
    serialised = _book(tmp_path / "aside.xlsx", collation, aside=True)
    assert serialised is not None and not serialised.served
    assert _parts(tmp_path / "aside.xlsx") == _parts(_plain(tmp_path, collation))


def test_where_no_process_can_be_forked_close_serialises_every_cell(
    collation: Collation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the platform cannot fork (Windows, Excel on the web), nothing is serialised aside and the workbook is
    the one a plain close() makes, to the byte."""
    monkeypatch.delattr(os, "fork")
    assert _book(tmp_path / "aside.xlsx", collation, aside=True) is None
    assert _parts(tmp_path / "aside.xlsx") == _parts(_plain(tmp_path, collation))


def _plain(tmp_path: Path, collation: Collation) -> Path:
    path = tmp_path / "plain.xlsx"
    _book(path, collation, aside=False)
    return path


def test_collating_serialises_expenditure_aside_and_a_failure_leaves_no_file_nor_process(
    collation: Collation, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Collating into a workbook with two workers serialises Expenditure's cells in a forked process, which serves
    them; when writing fails after the fork, no file is left and the forked process is ended and waited for."""
    started: list[CellsAside | None] = []

    def recorded(*args: object) -> CellsAside | None:
        started.append(to_xlsxwriter.serialise_aside(*args))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(collated_book, "serialise_aside", recorded)
    folder = Path(collation.returns[0].path).parent
    result = collate([folder], policy=policy, jobs=2, output=tmp_path / "region.xlsx")
    assert result.tables == collation.tables
    (served,) = started
    assert served is not None and served.served

    def broken(*_: object) -> None:
        raise RuntimeError("the dashboard could not be drawn")

    monkeypatch.setattr(collated_book, "_write_dashboard", broken)
    with pytest.raises(RuntimeError, match="dashboard"):
        collate([folder], policy=policy, jobs=2, output=tmp_path / "broken.xlsx")
    failed = started[-1]
    assert failed is not None and not failed.served
    with pytest.raises(ChildProcessError):
        os.waitpid(failed.pid, os.WNOHANG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region.xlsx"]


def test_one_job_keeps_everything_in_this_process(
    collation: Collation, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one job nothing is forked: the workbook's cells are all serialised in close()."""
    forked: list[object] = []
    monkeypatch.setattr(collated_book, "serialise_aside", lambda *args: forked.append(args))
    folder = Path(collation.returns[0].path).parent
    collate([folder], policy=policy, jobs=1, output=tmp_path / "region.xlsx")
    assert forked == []


# --- rows put straight into the cells ------------------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),  # control characters among them
    st.sampled_from(["Area 001", "NHS1", "=SUM(A1)", " padded ", "x" * 16_383, "y" * 16_384, "é" * 20_000]),
    sub_pence(),
    st.sampled_from([Decimal("NaN"), Decimal("1E+400"), Decimal("-1E+400"), Decimal("-0"), Decimal("1E-400")]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


def _written(path: Path, rows: Sequence[Sequence[object]], row: int, column: int, *, direct: bool) -> bytes | str:
    """The sheet's XML and the shared strings of a workbook holding ``rows``, or the message refusing them."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
    )
    sheet = book.add_worksheet("Rows")
    formats = [None, book.add_format({"num_format": "#,##0.00"}), None, book.add_format({"bold": True})]
    try:
        if direct:
            put_rows(sheet, row, column, rows, formats, escape=True)
        else:
            for at, values in enumerate(rows, row):
                to_xlsxwriter._put_cells(sheet, at, column, values, formats, escape=True)
    except (BcfInputError, ValueError) as refused:
        book.close()
        return str(refused)
    book.close()
    return b"".join(v for k, v in sorted(_parts(path).items()) if k.startswith("xl/"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(_VALUES, min_size=4, max_size=4), max_size=5),
    row=st.sampled_from([1, 2, 1_048_575, 1_048_576, 1_048_577]),
    column=st.sampled_from([1, 3, 16_381, 16_382]),
)
def test_rows_put_straight_in_are_the_cells_xlsxwriters_methods_make(
    rows: list[list[object]], row: int, column: int, tmp_path: Path
) -> None:
    """Rows put straight into the sheet's cells make, to the byte, the sheet and shared strings that writing each
    value with XlsxWriter's own methods makes: blanks left out, text escaped or cut at a cell's limit as XlsxWriter
    cuts it, money, numbers no cell holds as error values, Yes/No, the used range, and the rows past the sheet's
    last row or column refused as XlsxWriter refuses them."""
    direct = _written(tmp_path / "direct.xlsx", rows, row, column, direct=True)
    each = _written(tmp_path / "each.xlsx", rows, row, column, direct=False)
    assert direct == each
