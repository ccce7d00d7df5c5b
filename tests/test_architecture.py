"""The shape of the project: the engine stays pure and free of Excel-facing imports, and no cell address is
written outside a layout declaration."""

from __future__ import annotations

import ast
import re
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
    """The scans below have files to look at (an empty glob would pass vacuously)."""
    assert len(ENGINE_FILES) >= 10
    assert ENGINE / "money.py" in ENGINE_FILES
    assert ROOT / "macros" / "entry.py" in NOT_LAYOUTS and ROOT / "udfs" / "bcf_udfs.py" in NOT_LAYOUTS
    assert ENGINE / "planbook" / "layout.py" not in NOT_LAYOUTS


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_never_imports_xlwings(path: Path) -> None:
    """No module of the engine imports xlwings, directly or by `from` import."""
    assert not _imports(path) & set(FORBIDDEN)


def test_import_scanner_sees_xlwings(tmp_path: Path) -> None:
    """The scanner itself catches both import forms (so the test above can fail)."""
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom xlwings import func\nimport xlwings.utils as u\n", encoding="utf-8")
    assert _imports(sample) == {"os", "xlwings"}


# --- cell addresses live in layout declarations only ------------------------------------------------

# The modules that declare where things sit; every other module asks them.
LAYOUT_DECLARATIONS = {"planbook/layout.py", "submission/layout.py", "returns/layout.py"}
# Words that read like cell addresses but are names: national condition codes, a metric code, quarters.
NAMES_NOT_CELLS = {"NC1", "NC2", "NC3", "NC4", "EA65", "Q1", "Q2", "Q3", "Q4"}
# Text before a formatted value that names a quarter ("Q{n}"), not a column.
QUARTER = re.compile(r"(^|, )Q$")

_CELL = r"\$?[A-Z]{1,2}\$?[1-9][0-9]{0,6}"
_WHOLE = re.compile(rf"{_CELL}(:{_CELL})?")
_SHEET_REFERENCE = re.compile(r"!\$?[A-Z]{1,2}\$?[1-9]")
_IN_FORMULA = re.compile(rf"(?<![A-Za-z0-9_$\"]){_CELL}(?![A-Za-z0-9_(])")
_COLUMN_BEFORE_ROW = re.compile(r"(^|[^A-Za-z0-9_])\$?[A-Z]{1,2}\$?$")


def cell_addresses(source: str) -> list[tuple[int, str]]:
    """Literal cell addresses in Python source: "C12", "Lists!$A$2", "=N(C5)", or a column before a row, f"A{row}"."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            if text in NAMES_NOT_CELLS:
                continue
            if (
                _WHOLE.fullmatch(text)
                or _SHEET_REFERENCE.search(text)
                or (text[:1] == "=" and _IN_FORMULA.search(text))
            ):
                found.append((node.lineno, text))
        elif isinstance(node, ast.JoinedStr):
            for before, value in zip(node.values, node.values[1:], strict=False):
                if (
                    isinstance(before, ast.Constant)
                    and isinstance(value, ast.FormattedValue)
                    and _COLUMN_BEFORE_ROW.search(str(before.value))
                    and not QUARTER.search(str(before.value))
                ):
                    found.append((node.lineno, ast.unparse(node)))
                    break
    return found


ROOT = ENGINE.parent
# The engine, the cell functions and the buttons' Python: everything but the layout declarations.
NOT_LAYOUTS = [
    path
    for path in (*ENGINE_FILES, *sorted((ROOT / "macros").rglob("*.py")), *sorted((ROOT / "udfs").rglob("*.py")))
    if path not in {ENGINE / name for name in LAYOUT_DECLARATIONS}
]


@pytest.mark.parametrize("path", NOT_LAYOUTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_cell_address_outside_a_layout_declaration(path: Path) -> None:
    """Builders, readers, rules and the engine take every cell from a layout declaration, never write one."""
    assert cell_addresses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('x = "C12"', [(1, "C12")]),
        ('x = "Lists!$A$2:$A$9"', [(1, "Lists!$A$2:$A$9")]),
        ('x = "=N(Income!E5)"', [(1, "=N(Income!E5)")]),
        ('x = f"A{row}"', [(1, "f'A{row}'")]),
        ('x = f"=SUM(${column}$4)"', []),
        ('x = "BCF15"; y = "NC1"; z = f"Q{n}"; w = "Scheme ID"', []),
    ],
)
def test_cell_address_scanner(source: str, expected: list[tuple[int, str]]) -> None:
    """The scanner finds each way an address is written, and passes IDs, names and quarters (so the test can fail)."""
    assert cell_addresses(source) == expected
