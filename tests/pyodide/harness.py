"""Running a Python script inside Pyodide on Node, offline, on the project's wheel: for the tests and bench/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYODIDE = ROOT / ".pyodide" / "node_modules" / "pyodide"
WHEELS = ROOT / ".pyodide" / "wheels"
RUNNER = Path(__file__).resolve().parent / "run.mjs"


class NotSetUpError(RuntimeError):
    """Node, the npm package pyodide or the fetched wheels are missing."""


def build_wheel(folder: Path) -> Path:
    """The project's wheel, built from the working tree without the network, into ``folder``."""
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "-w", str(folder), str(ROOT)], check=True, cwd=ROOT)
    (wheel,) = folder.glob("bcf_xl-*.whl")
    return wheel


def wheel_set(folder: Path) -> Path:
    """``folder`` holding the project's wheel and every wheel setup.sh fetched for Pyodide."""
    if not (PYODIDE / "pyodide.mjs").exists() or not WHEELS.is_dir() or shutil.which("node") is None:
        raise NotSetUpError("Pyodide is not set up (Node, .pyodide/node_modules/pyodide, .pyodide/wheels): ./setup.sh")
    build_wheel(folder)
    for wheel in WHEELS.glob("*.whl"):
        shutil.copy(wheel, folder)
    return folder


def run(wheels: Path, script: Path, argument: object) -> dict[str, Any]:
    """Start Pyodide, install ``wheels`` offline, call ``main(argument)`` of ``script`` and return its result
    (``{"ok": False, "stage": ..., "error": ...}`` when installing or running failed)."""
    (result,) = run_each(script, [(wheels, argument)])
    return result


def run_each(script: Path, runs: list[tuple[Path, object]]) -> list[dict[str, Any]]:
    """``main(argument)`` of ``script`` for each ``(wheels, argument)`` of ``runs``, in order, in one Pyodide start:
    each run has only its own wheels installed (run.mjs uninstalls the run before's and forgets the modules it
    imported); the first run's interpreter is as fresh as :func:`run`'s. One result per run."""
    if not (PYODIDE / "pyodide.mjs").exists() or shutil.which("node") is None:
        raise NotSetUpError("Pyodide is not set up (Node, .pyodide/node_modules/pyodide): run ./setup.sh")
    plan = [{"wheels": str(wheels), "argument": argument} for wheels, argument in runs]
    done = subprocess.run(
        ["node", str(RUNNER), str(PYODIDE), str(script), json.dumps(plan)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"Node exited {done.returncode} with no result; its output ended:\n{done.stderr[-4000:]}")
    results: list[dict[str, Any]] = json.loads(lines[-1])
    if len(results) != len(runs):
        raise RuntimeError(f"Node gave {len(results)} results for {len(runs)} runs")
    return results
