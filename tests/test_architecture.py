"""The shape of the project: the engine stays pure and free of Excel-facing imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "bcf_xl"
FORBIDDEN = ("xlwings",)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


ENGINE_FILES = sorted(ENGINE.rglob("*.py"))


def test_engine_has_modules() -> None:
    """The scan below has files to look at (an empty glob would pass vacuously)."""
    assert len(ENGINE_FILES) >= 10
    assert ENGINE / "money.py" in ENGINE_FILES


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_never_imports_xlwings(path: Path) -> None:
    """No module of the engine imports xlwings, directly or by `from` import."""
    assert not _imports(path) & set(FORBIDDEN)


def test_import_scanner_sees_xlwings(tmp_path: Path) -> None:
    """The scanner itself catches both import forms (so the test above can fail)."""
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom xlwings import func\nimport xlwings.utils as u\n", encoding="utf-8")
    assert _imports(sample) == {"os", "xlwings"}
