"""The hostile-file tests again with openpyxl reading every value (BCF_XL_READER=openpyxl), as where calamine is
absent: each hostile file is refused, or read within its bounds, exactly as with calamine (tests/test_hostile_reading.py
runs them with calamine, the reader wherever it is installed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bcf_xl.workbook.reading import OPENPYXL, READER_VARIABLE, backend
from tests.test_hostile_reading import *  # noqa: F403 - the same tests, collected again under this module's reader
from tests.test_hostile_reading import plan_check, plan_file, template_file  # noqa: F401 - fixtures, named


@pytest.fixture(scope="module", autouse=True)
def openpyxl_reads() -> Iterator[None]:
    """Every command these tests run (a child process inherits the environment) reads with openpyxl."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(READER_VARIABLE, OPENPYXL)
        assert backend() == OPENPYXL
        yield
