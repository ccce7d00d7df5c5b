"""Shared fixtures: the embedded sample plan and the shipped national policy; the test being run, for the
``libreoffice`` marker check in tests/libreoffice.py; the hostile files that take seconds to build, built once for
tests/test_hostile_reading.py and tests/test_reading_hostile_openpyxl.py. And how parallel workers share the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bcf_xl.model import Plan
from bcf_xl.policy import Policy, load_policy
from bcf_xl.sample import sample_plan
from tests import libreoffice

# Test files whose tests run on one worker together with another file's (the two hostile-reading files share the
# session fixtures below), by the name of their shared unit of work.
SAME_WORKER = {
    "tests/test_hostile_reading.py": "hostile files",
    "tests/test_reading_hostile_openpyxl.py": "hostile files",
}


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With parallel workers (pyproject's addopts: -n auto), a test file is a unit of work: all its tests run on one
    worker, in file order, so a module fixture (one LibreOffice run for many files, one Pyodide start for every
    check, a workbook recalculated once) is built once, as in a run without workers. Files are handed out in
    collection order to whichever worker is free. An explicit --dist other than load keeps xdist's own schedulers."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return SAME_WORKER.get(path, path)

    config.option.loadscopereorder = False  # collection order: test files in order, not largest first
    return ByFile(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    libreoffice.current_test = item


def pytest_runtest_teardown(item: pytest.Item) -> None:
    libreoffice.current_test = None


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def plan() -> Plan:
    return sample_plan()


@pytest.fixture(scope="session")
def megabyte_sheets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.test_hostile_reading import megabyte_sheets_file

    return megabyte_sheets_file(tmp_path_factory.mktemp("sheets"))


@pytest.fixture(scope="session")
def large_bad_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    from tests.test_hostile_reading import large_bad_plan_file

    return large_bad_plan_file(tmp_path_factory.mktemp("large-plan"))


@pytest.fixture(scope="session")
def large_bad_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    from tests.test_hostile_reading import large_bad_template_file

    return large_bad_template_file(tmp_path_factory.mktemp("large-template"))
