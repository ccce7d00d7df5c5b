"""The per-call cost of each bcf_* cell function and of the demo under Pyodide (xlwings Lite's Python) vs CPython.

Run: .venv/bin/python bench/bench_pyodide.py [--repeat R]   (after ./setup.sh, which installs Node's pyodide)

Builds the project's wheel, starts Pyodide on Node with it and its dependencies' wheels (offline, as the
tests do), and runs bench/pyodide_calls.py there and in this CPython: the median time of one call of each
cell function, and of the demo's work (the sample plan computed and its summary rendered). Prints both, their
ratio, and Pyodide's start-up time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the Pyodide harness lives with the tests

import pyodide_calls  # noqa: E402 - bench/ is on sys.path when a bench script runs

from tests.pyodide import harness  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    here = pyodide_calls.main({"repeat": args.repeat})
    with tempfile.TemporaryDirectory() as folder:
        wheels = harness.wheel_set(Path(folder))
        there = harness.run(wheels, Path(pyodide_calls.__file__), {"repeat": args.repeat})
    if not there.get("ok"):
        raise SystemExit(f"Pyodide run failed: {there.get('error')}\n{there.get('traceback', '')}")

    print(f"Pyodide {there['python']} start-up (loadPyodide): {there['startup_seconds']:.2f} s")
    print(f"{'per call':<22} {'CPython ' + here['python']:>16} {'Pyodide':>12} {'ratio':>7}")
    for name, seconds in here["calls"].items():
        inside = there["calls"][name]
        print(f"{name:<22} {seconds * 1e6:13.1f} us {inside * 1e6:9.1f} us {inside / seconds:6.1f}x")
    print(
        f"{'demo (compute+render)':<22} {here['demo'] * 1000:10.1f} ms {there['demo'] * 1000:9.1f} ms "
        f"{there['demo'] / here['demo']:6.1f}x"
    )


if __name__ == "__main__":
    main()
