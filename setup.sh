#!/usr/bin/env bash
# Set up bcf-xl on Debian: a virtual environment in .venv with the project and its test tools; LibreOffice (the
# spreadsheet program the tests open generated workbooks with) and Node.js (which runs Pyodide, the Python that
# xlwings Lite runs in Excel, for the Pyodide tests) when they are missing; and in .pyodide the pinned npm
# package pyodide with the pure-Python wheels bcf-xl needs, fetched now so the tests install them offline.
set -euo pipefail
cd "$(dirname "$0")"

PYODIDE_VERSION=314.0.7  # Python 3.14; the wheels below are chosen for that Python

if [ "$(id -u)" -eq 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else as_root=(); fi
can_install() { [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; }
apt_updated=no
apt_install() {
  if [ "$apt_updated" = no ]; then "${as_root[@]}" apt-get update -qq; apt_updated=yes; fi
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "$@" >/dev/null
}

# LibreOffice renders the workbooks the tests open; poppler-utils' pdftotext reads the pages it prints.
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  if can_install; then
    echo "setup: installing LibreOffice Calc (headless) and poppler-utils for the tests" >&2
    apt_install libreoffice-calc-nogui poppler-utils
  else
    echo "setup: LibreOffice or poppler-utils is missing and cannot be installed without root; the tests that" \
         "open workbooks will fail until 'apt-get install libreoffice-calc-nogui poppler-utils' is run" >&2
  fi
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if can_install; then
    echo "setup: installing Node.js and npm for the Pyodide tests" >&2
    apt_install nodejs npm
  else
    echo "setup: Node.js is missing and cannot be installed without root; the Pyodide tests" \
         "will fail until 'apt-get install nodejs npm' is run" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
# Compile bcf-xl's modules once, as pip does for a package it installs, so that each bcf-xl command starts without
# compiling them again (Python does not write them itself where PYTHONDONTWRITEBYTECODE is set).
.venv/bin/python -m compileall -q bcf_xl udfs macros >/dev/null

if command -v npm >/dev/null 2>&1; then
  installed=$(sed -n 's/^ *"version": *"\(.*\)".*/\1/p' .pyodide/node_modules/pyodide/package.json 2>/dev/null || true)
  if [ "$installed" != "$PYODIDE_VERSION" ]; then
    echo "setup: installing pyodide $PYODIDE_VERSION from npm into .pyodide" >&2
    mkdir -p .pyodide
    npm install --prefix .pyodide --silent --no-audit --no-fund --no-save "pyodide@$PYODIDE_VERSION"
  fi
fi
# The project's own dependencies (pyproject.toml, without extras) and micropip, as wheels for Pyodide's Python.
rm -rf .pyodide/wheels
.venv/bin/python - <<'PYTHON' >.pyodide/requirements.txt
import tomllib

print("micropip")
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PYTHON
.venv/bin/python -m pip download --quiet --disable-pip-version-check --only-binary=:all: --python-version 3.14 \
  -d .pyodide/wheels -r .pyodide/requirements.txt
