"""What an officer puts into xlwings Lite: ``main.py``, ``requirements.txt`` and the planning workbook (.xlsx).

xlwings Lite keeps a workbook's Python code in two tabs of its editor, ``main.py`` and ``requirements.txt``,
which the officer pastes in once. ``main.py`` registers the ``bcf_*`` custom functions and the
buttons' scripts of :mod:`bcf_lite`; ``requirements.txt`` names the bcf-xl wheel and the pure-Python packages
it needs (the versions the tests ran with). The planning workbook here has no VBA: its buttons are shapes
linked to a cell, the way Lite connects a sheet button to a script. Nothing of the add-in's own storage is
written into the workbook: the code goes in through the editor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

from bcf_xl import __version__
from bcf_xl.checks import Finding
from bcf_xl.files import write_atomically
from bcf_xl.model import Plan
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.builder import write as write_planbook
from bcf_xl.planbook.buttons import LITE_SCRIPTS, lite_button
from bcf_xl.policy import Policy

MAIN = "main.py"
REQUIREMENTS = "requirements.txt"
WORKBOOK = "bcf_planning_lite.xlsx"
PROJECT = "bcf-xl"
# Sheet buttons need xlwings 0.33.14 or later in the Lite workbook's requirements.
XLWINGS = "xlwings>=0.33.14"
SCRIPT_HELP = {
    "GenerateSubmission": "Write NHS England's template to /data (Files menu), validate it, report on Checks.",
    "CheckPlan": "List every problem of the plan on the Checks sheet, each with its cell.",
    "RollForward": "Write next year's planning workbook to /data (Files menu).",
    "GenerateQuarterlyReturn": "Write the quarterly return to /data (Files menu), validate it, report on Checks.",
    "GenerateYearEndReturn": "Write the end-of-year return to /data (Files menu), validate it, report on Checks.",
}


def wheel_name(version: str = __version__) -> str:
    """The file name of bcf-xl's wheel (pure Python, for any platform)."""
    return f"bcf_xl-{version}-py3-none-any.whl"


def main_py() -> str:
    """The ``main.py`` to paste into the xlwings Lite editor."""
    lines = [
        f'"""bcf-xl {__version__} in xlwings Lite: the bcf_* functions and the planning workbook\'s buttons.',
        "",
        "Paste this into the main.py tab of the xlwings Lite editor (requirements.txt beside it installs bcf-xl).",
        '"""',
        "",
        "import xlwings as xw",
        "from xlwings import arg, func, script",
        "",
        "import bcf_lite",
        "",
        "# BCF_UPLIFT, BCF_TOTAL, ...: every bcf_* function, with its help, as in the classic add-in.",
        "globals().update(bcf_lite.custom_functions(func, arg))",
    ]
    for macro, entry in LITE_SCRIPTS.items():
        lines += [
            "",
            "",
            f'@script(name="{L.BUTTON_CAPTIONS[macro]}", button="{lite_button(macro)}", show_taskpane=True)',
            f"def {entry}(book: xw.Book):",
            f'    """{SCRIPT_HELP[macro]}"""',
            f"    bcf_lite.{entry}(book)",
        ]
    return "\n".join(lines) + "\n"


def requirements_txt(wheel_url: str | None = None) -> str:
    """The ``requirements.txt`` for the Lite editor: bcf-xl's wheel (from ``wheel_url``, else by name from the
    package index the add-in uses), xlwings, and bcf-xl's pure-Python dependencies pinned to the versions
    installed here."""
    lines = [
        "# bcf-xl and what it needs, for xlwings Lite (pure-Python packages only).",
        wheel_url if wheel_url else f"{PROJECT}=={__version__}",
        XLWINGS,
    ]
    for name in _dependencies():
        lines.append(f"{name}=={metadata.version(name)}")
    return "\n".join(lines) + "\n"


def _dependencies() -> list[str]:
    """bcf-xl's own dependencies (no extras) and theirs, by distribution name."""
    seen: list[str] = []
    pending = [PROJECT]
    while pending:
        for text in metadata.requires(pending.pop()) or []:
            if "extra ==" in text.partition(";")[2]:
                continue
            match = re.match(r"[A-Za-z0-9._-]+", text)
            name = metadata.metadata(match.group(0) if match else text)["Name"]
            if name not in seen:
                seen.append(name)
                pending.append(name)
    return sorted(seen, key=str.casefold)


def write_lite(
    folder: Path,
    plan: Plan | None,
    policy: Policy,
    *,
    findings: Sequence[Finding] = (),
    wheel_url: str | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path, Path]:
    """Write ``main.py``, ``requirements.txt`` and the Lite planning workbook into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    main, requirements, workbook = folder / MAIN, folder / REQUIREMENTS, folder / WORKBOOK
    for path, text in ((main, main_py()), (requirements, requirements_txt(wheel_url))):
        write_atomically(path, _text_writer(text), overwrite=overwrite)
    write_planbook(workbook, plan, policy, findings=findings, overwrite=overwrite, lite_buttons=True)
    return main, requirements, workbook


def _text_writer(text: str) -> Callable[[Path], None]:
    def save(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")

    return save
