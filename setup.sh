#!/usr/bin/env bash
# Set up bcf-xl on Debian: a virtual environment in .venv with the project and its test tools, and
# LibreOffice (the spreadsheet program the tests open generated workbooks with) when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

# LibreOffice renders the workbooks the tests open; poppler-utils' pdftotext reads the pages it prints.
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else as_root=(); fi
  if [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; then
    echo "setup: installing LibreOffice Calc (headless) and poppler-utils for the tests" >&2
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq libreoffice-calc-nogui poppler-utils >/dev/null
  else
    echo "setup: LibreOffice or poppler-utils is missing and cannot be installed without root; the tests that" \
         "open workbooks will fail until 'apt-get install libreoffice-calc-nogui poppler-utils' is run" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
