"""The bcf-xl command: readable output, one-line errors, meaningful exit codes, no tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from bcf_xl import cli, report
from bcf_xl.summary import rounding_difference


def test_demo_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """demo prints each section with the sample's exact figures and exits 0 (warnings do not fail it)."""
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Funding by source",
        "Pooled totals by pool",
        "Pooled totals by theme",
        "Minimum spends from the NHS contribution",
        "DFG passported to districts, 2023-24",
        "Metrics",
        "Year-end statement",
        "Findings: 0 errors, 1 warning, 2 notes",
    ):
        assert heading in out
    assert "Total income                                                         £61,410,123.45  £65,881,400.00" in out
    assert "Ashby Vale District Council   £1,134,000.00    £49,983.33       £0.00  £1,183,983.33" in out


def test_demo_in_thousands(capsys: pytest.CaptureFixture[str]) -> None:
    """--thousands shows £000 rounded half-up: 61,410,123.45 is £61,410k."""
    assert cli.main(["demo", "--thousands"]) == 0
    out = capsys.readouterr().out
    assert "£61,410k" in out and "£65,881k" in out
    assert "Amounts in £000" in out
    assert "£61,410,123.45" not in out
    # NHS 24,533,525.00 -> 24,534k and LA 36,876,598.45 -> 36,877k add to 61,411k against a 61,410k total.
    assert "  NHS                                  £24,534k  £27,160k" in out
    assert "  Rounding difference (lines - total)       £1k       £1k" in out


def test_rounding_difference() -> None:
    """Lines rounded to £000 one by one can overshoot the rounded total: 1,500 + 1,500 shows as 2k + 2k = 4k vs 3k."""
    assert rounding_difference([D("1500"), D("1500")]) == 1
    assert rounding_difference([D("1400"), D("1400")]) == -1
    assert rounding_difference([D("1000"), D("2000")]) == 0


def test_bad_policy_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken policy file exits 2 with one line naming the file; no traceback."""
    bad = tmp_path / "policy.toml"
    bad.write_text('[uplift]\n"2025-26" = { rate = "lots" }\n', encoding="utf-8")
    assert cli.main(["demo", "--policy", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert (
        captured.err
        == f"bcf-xl: '{bad}' uplift.2025-26.rate: must be a number such as 1234.50 or £1,234.50 (got \"lots\")\n"
    )
    assert "Traceback" not in captured.err


def test_policy_override_changes_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A policy file with a higher 2023-24 uplift raises the ASC minimum the demo reports."""
    override = tmp_path / "policy.toml"
    override.write_text('[uplift]\n"2023-24" = { rate = "0.10", checked = true, source = "test" }\n', encoding="utf-8")
    cli.main(["demo", "--policy", str(override)])
    out = capsys.readouterr().out
    assert "ASC 2023-24              £12,375,000.00" in out  # 11,250,000 x 1.10


def test_internal_fault_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An unexpected fault exits 3 with one line asking for a report, never a traceback."""

    def explode(*_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(report, "compute", explode)  # the demo command loads it from there when it runs
    assert cli.main(["demo"]) == 3
    err = capsys.readouterr().err
    assert err == "bcf-xl: internal error (ZeroDivisionError: division by zero); please report it\n"


def test_console_script_help_lists_commands() -> None:
    """The installed bcf-xl console script documents its commands and exit codes."""
    exe = shutil.which("bcf-xl", path=str(Path(sys.executable).parent))
    assert exe, "the bcf-xl console script is installed with the project"
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "demo" in result.stdout and "Exit codes" in result.stdout
    demo_help = subprocess.run([exe, "demo", "--help"], capture_output=True, text=True, check=False)
    assert "--thousands" in demo_help.stdout and "--policy" in demo_help.stdout


def test_unknown_command_is_usage_error() -> None:
    """An unknown command is refused by the parser with exit 2."""
    with pytest.raises(SystemExit) as caught:
        cli.main(["frobnicate"])
    assert caught.value.code == 2


@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_command_ends_with_mains_code_its_leavings_frozen(code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``bcf-xl`` command (``run``, as pyproject.toml names it) exits with main's code, what the command left
    frozen out of the collector's last pass."""
    import gc
    import tomllib

    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["bcf-xl"] == "bcf_xl.cli:run"
    monkeypatch.setattr(cli, "main", lambda: code)
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as ended:
            cli.run()
        assert ended.value.code == code
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
