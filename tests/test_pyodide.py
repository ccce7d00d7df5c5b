"""bcf-xl inside Pyodide (the Python xlwings Lite runs in Excel), on Node, offline, compared with CPython.

One Pyodide start runs every check of ``tests/pyodide/checks.py`` on the project's wheel and its
pure-Python dependencies (fetched by setup.sh into ``.pyodide/wheels``); the tests below assert on its
JSON result. Two more runs in the same start, of the installation checks only, each with only its own wheels
installed, show those checks fail when a needed wheel is missing or when an engine module imports numpy at
module level.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bcf_xl.cells import CATALOGUE
from bcf_xl.lite import main_py
from bcf_xl.planbook.buttons import LITE_SCRIPTS, lite_button
from tests.pyodide import checks, harness

pytestmark = pytest.mark.pyodide

SCRIPT = Path(checks.__file__)


def installation_problems(result: dict[str, Any]) -> list[str]:
    """What keeps bcf-xl from working in an environment: a run that failed, a requirement not installed, a
    module that does not import (but for those expected to need more than the project's wheels)."""
    if not result.get("ok"):
        return [f"{result.get('stage')}: {result.get('error')}"]
    problems = [f"requirement {name} is not installed" for name, v in result["requirements"].items() if v is None]
    problems += [
        f"{module} does not import: {error}"
        for module, error in result["imports"].items()
        if module not in checks.NEEDS_MORE
    ]
    return problems


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        return harness.wheel_set(tmp_path_factory.mktemp("wheels"))
    except harness.NotSetUpError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def runs(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The three runs in one Pyodide start (each start takes tens of seconds): every check on the wheels (in the
    fresh interpreter), then the installation checks without openpyxl's wheel, then with a project wheel whose
    money module imports numpy."""
    no_openpyxl = tmp_path_factory.mktemp("no-openpyxl")
    for wheel in wheels.glob("*.whl"):
        if not wheel.name.startswith("openpyxl-"):
            shutil.copy(wheel, no_openpyxl)
    numpy = tmp_path_factory.mktemp("numpy")
    for wheel in wheels.glob("*.whl"):
        if wheel.name.startswith("bcf_xl-"):
            with_numpy_import(wheel, "bcf_xl/money.py", numpy)
        else:
            shutil.copy(wheel, numpy)
    named = {
        "inside": (wheels, {"main_py": main_py()}),
        "without_openpyxl": (no_openpyxl, {"mode": "imports"}),
        "importing_numpy": (numpy, {"mode": "imports"}),
    }
    try:
        results = harness.run_each(SCRIPT, list(named.values()))
    except harness.NotSetUpError as exc:
        pytest.fail(str(exc))
    return dict(zip(named, results, strict=True))


@pytest.fixture(scope="module")
def inside(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return runs["inside"]


@pytest.fixture(scope="module")
def outside() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(checks.main({"main_py": main_py()})))
    return result


def test_runs_in_pyodide_with_nothing_but_the_wheels(inside: dict[str, Any]) -> None:
    """bcf-xl installs from the project's wheel and its dependencies' wheels alone, under Pyodide's Python."""
    assert installation_problems(inside) == []
    assert inside["platform"] == "emscripten"
    assert inside["python"].startswith("3.14")


def test_every_requirement_comes_from_the_fetched_wheels(inside: dict[str, Any], outside: dict[str, Any]) -> None:
    """Each of bcf-xl's own requirements is installed in Pyodide, at the version CPython has."""
    assert inside["requirements"] == outside["requirements"]
    assert set(inside["requirements"]) >= {"openpyxl", "XlsxWriter"}


def test_only_the_classic_add_in_needs_more_than_the_wheels(inside: dict[str, Any]) -> None:
    """Every module of the engine, the workbooks, the buttons and the Lite face imports in Pyodide; only the
    classic add-in's functions (which need xlwings) do not."""
    assert set(inside["imports"]) == set(checks.NEEDS_MORE)
    assert "xlwings" in inside["imports"]["bcf_udfs"]


def test_decimal_is_exact_in_pyodide(inside: dict[str, Any]) -> None:
    """Pyodide's Decimal is the C implementation, as in CPython (same rounding, same speed class)."""
    assert inside["decimal_is_c"] is True


def test_sample_computation_matches_cpython(inside: dict[str, Any], outside: dict[str, Any]) -> None:
    """The sample plan's summary (pounds and £000) is the same text in Pyodide as in CPython."""
    assert inside["sample"] == outside["sample"]
    assert "Northmoor" in inside["sample"]["summary"]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_cell_function_matches_cpython(name: str, inside: dict[str, Any], outside: dict[str, Any]) -> None:
    """Each cell function, through its Lite face, gives the same values and #BCF! messages in Pyodide as in
    CPython on every Excel-shaped input."""
    calls = inside["functions"]["calls"][name]
    assert calls == outside["functions"]["calls"][name]
    assert any(not str(result).startswith("#BCF!") for _, result in calls), "no call gave a value"


def test_workbooks_built_and_validated_identically(inside: dict[str, Any], outside: dict[str, Any]) -> None:
    """The planning workbooks (.xlsm with VBA, empty, Lite .xlsx) come out byte for byte as in CPython; the NHS
    England template is identical in every part but its timestamp, and validates the same."""
    assert inside["workbooks"] == outside["workbooks"]
    assert inside["workbooks"]["complete"] is True


def test_button_entry_points_over_a_file_match_cpython(inside: dict[str, Any], outside: dict[str, Any]) -> None:
    """Check plan, Generate submission and Roll forward over a planning workbook file give the same findings,
    the same files and the same Checks sheet in Pyodide as in CPython."""
    assert inside["buttons"] == outside["buttons"]
    assert inside["buttons"]["submission"][0].endswith(".xlsx")
    assert inside["buttons"]["roll_forward"][0].endswith(".xlsm")


def test_lite_scripts_over_a_stand_in_book_match_cpython(inside: dict[str, Any], outside: dict[str, Any]) -> None:
    """The Lite scripts write the same cells and the same /data files in Pyodide as in CPython."""
    for key in ("check_plan", "generate_submission", "roll_forward", "files"):
        assert inside["lite"][key] == outside["lite"][key], key
    assert sorted(inside["lite"]["files"]) == [
        "BCF plan 2024-25 and 2025-26 Northmoor.xlsx",
        "BCF submission 2023-25 Northmoor.xlsx",
    ]


def test_main_py_registers_every_function_and_script_in_pyodide(inside: dict[str, Any]) -> None:
    """main.py, run in Pyodide with stand-in decorators, registers every catalogued function with its help and
    the three buttons' scripts, each linked to its shape on the Cover."""
    registered = inside["lite"]["main_py"]
    assert sorted(registered["functions"]) == sorted(CATALOGUE)
    for name, spec in CATALOGUE.items():
        assert registered["functions"][name]["doc"] == spec.summary
        assert [a[0] for a in registered["functions"][name]["args"]] == [a.name for a in spec.args]
    scripts = registered["scripts"]
    assert sorted(scripts) == sorted(LITE_SCRIPTS.values())
    for macro, entry in LITE_SCRIPTS.items():
        assert scripts[entry]["options"]["button"] == lite_button(macro)


# --- the checks fail when Pyodide lacks what bcf-xl needs --------------------------------------------------


def with_numpy_import(wheel: Path, module: str, into: Path) -> Path:
    """A copy of the project's wheel in which ``module`` (a path inside the wheel) imports numpy first."""
    copy = into / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == module:
                future = b"from __future__ import annotations\n"
                head, found, rest = data.partition(future)
                assert found, f"{module} starts with a __future__ import, after which numpy is imported"
                data = head + found + b"\nimport numpy\n" + rest
            target.writestr(item, data)
    return copy


@pytest.fixture(scope="module")
def without_openpyxl(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return runs["without_openpyxl"]


@pytest.fixture(scope="module")
def importing_numpy(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return runs["importing_numpy"]


def test_a_missing_wheel_is_found(without_openpyxl: dict[str, Any]) -> None:
    """Without openpyxl's wheel the installation checks fail, naming openpyxl."""
    problems = installation_problems(without_openpyxl)
    assert "requirement openpyxl is not installed" in problems
    assert any("bcf_xl.submission" in p and "openpyxl" in p for p in problems)


def test_an_engine_module_importing_numpy_is_found(importing_numpy: dict[str, Any]) -> None:
    """An engine module that imports numpy at module level fails the installation checks in Pyodide."""
    problems = installation_problems(importing_numpy)
    assert any(p.startswith("bcf_xl.money does not import") and "numpy" in p for p in problems), problems
