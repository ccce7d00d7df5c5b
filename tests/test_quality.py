"""Lint and type checks run as part of the test suite: ruff everywhere, mypy --strict on the engine and its adapters."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_passes() -> None:
    """ruff finds nothing to complain about in the repository."""
    result = _run("ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    """The code is formatted as ruff formats it."""
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_engine() -> None:
    """mypy --strict (configured in pyproject.toml) passes on bcf_xl, the button macros and the cell functions."""
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_covers_the_engine_and_both_adapters() -> None:
    """The type check takes in the engine, the buttons' Python (macros/) and the Excel functions (udfs/)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(config["tool"]["mypy"]["files"]) >= {"bcf_xl", "macros", "udfs"}
    assert config["tool"]["mypy"]["strict"] is True


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_lint_tools_are_pinned_to_the_installed_version(tool: str) -> None:
    """ruff and mypy are pinned exactly in the dev extras, to the version that runs here, so results do not drift."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [spec for spec in config["project"]["optional-dependencies"]["dev"] if re.match(rf"{tool}\b", spec)]
    assert len(pins) == 1 and re.fullmatch(rf"{tool}==[\w.]+", pins[0]), pins
    installed = re.search(r"\d+\.\d+[\w.]*", _run(tool, "--version").stdout)
    assert installed is not None and pins[0] == f"{tool}=={installed.group(0)}"
