"""Messages and the command's exit codes on hostile files.

Every message quotes at most about 80 characters of what arrived and shows each control character
escaped; nothing printed from a file can start or forge a line. Bad input and problems of the machine
exit 2 with one line naming the file, a fault of bcf-xl exits 3, and library warnings and logs never
reach the terminal. The hostile files are built here, from the sample plan.
"""

from __future__ import annotations

import builtins
import dataclasses
import logging
import os
import subprocess
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, strategies as st
from openpyxl.chart import BarChart

from bcf_xl import cli, report
from bcf_xl.errors import LINE_LIMIT, QUOTE_LIMIT, BcfInputError, Location, describe, one_line
from bcf_xl.findings import Finding, Severity, Target
from bcf_xl.model import Plan
from bcf_xl.money import parse_amount
from bcf_xl.planbook.builder import write as write_planbook
from bcf_xl.planbook.buttons import button_macros
from bcf_xl.policy import Policy
from bcf_xl.submission.builder import write as write_submission
from bcf_xl.submission.definition import TemplateYear, year_for_plan
from bcf_xl.summary import render
from bcf_xl.workbook.reading import shown
from tests import commands
from tests.commands import digest

HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
SCHEME_ROWS = "BCF_SCHEME_ROWS"


def year_of(plan: Plan) -> TemplateYear:
    year = year_for_plan(plan.years)
    assert year is not None, "the sample plan's years are a template year's"
    return year


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the sample plan as a filled template (submission.xlsx) and a planning workbook (plan.xlsm)."""
    from bcf_xl.policy import load_policy
    from bcf_xl.sample import sample_plan

    folder = tmp_path_factory.mktemp("messages")
    plan, policy = sample_plan(), load_policy()
    write_submission(plan, year_of(plan), policy, folder / "submission.xlsx")
    write_planbook(folder / "plan.xlsm", plan, policy, vba_project=button_macros())
    return folder


def rewritten(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of a workbook with each of its parts passed through ``change(name, data)``."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in original.infolist():
            copy.writestr(member, change(member.filename, original.read(member)))
    return target


def with_scheme_rows(source: Path, target: Path, reference: str) -> Path:
    """A copy of a template whose defined name for the scheme rows refers to ``reference``."""

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        text = data.decode("utf-8")
        start = text.index(f'<definedName name="{SCHEME_ROWS}">') + len(f'<definedName name="{SCHEME_ROWS}">')
        end = text.index("</definedName>", start)
        return (text[:start] + reference + text[end:]).encode("utf-8")

    return rewritten(source, target, change)


def with_chartsheet(source: Path, target: Path, sheet: str, *, keep_vba: bool = False) -> Path:
    """A copy of a workbook in which the input sheet ``sheet`` is a chart sheet."""
    book = openpyxl.load_workbook(source, keep_vba=keep_vba)
    index = book.sheetnames.index(sheet)
    del book[sheet]
    book.create_chartsheet(sheet, index).add_chart(BarChart())
    book.save(target)
    return target


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(err: str, expected: str) -> None:
    assert err == f"bcf-xl: {expected}\n"
    assert "Traceback" not in err


# --- one_line and describe ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tab\there", "tab\\there"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("nul\x00", "nul\\x00"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("delete\x7f", "delete\\x7f"),
        ("next line\x85", "next line\\x85"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("line\u2028separator", "line\\u2028separator"),
        ("paragraph\u2029separator", "paragraph\\u2029separator"),
        ("evil\u202egnp.exe", "evil\\u202egnp.exe"),
        ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("£1,234.50 Cr\u00e8che", "£1,234.50 Cr\u00e8che"),
    ],
)
def test_every_control_character_is_escaped(text: str, expected: str) -> None:
    """C0, DEL, C1, line and paragraph separators, bidi overrides and zero-width characters are escaped."""
    assert one_line(text) == expected
    assert describe(text) == f'"{expected}"'


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_one_line_output_has_no_control_characters(text: str, limit: int) -> None:
    """Whatever arrives, the shown text holds no control or format character, within its limit; escaping twice
    changes nothing."""
    shown_text = one_line(text)
    assert not any(unicodedata.category(char) in HIDDEN for char in shown_text)
    assert one_line(shown_text) == shown_text
    cut = one_line(text, limit)
    assert len(cut) <= limit + 1
    assert cut == shown_text or (cut.endswith("\u2026") and shown_text.startswith(cut[:-1]))


def test_a_message_quotes_at_most_80_characters() -> None:
    """A value of 80 characters is quoted whole; a longer one is cut at 80 with an ellipsis."""
    assert QUOTE_LIMIT == 80
    assert describe("x" * 80) == '"' + "x" * 80 + '"'
    assert describe("y" * 81) == '"' + "y" * 80 + '\u2026"'


def test_a_huge_cell_gives_a_short_message() -> None:
    """A megabyte of text in an amount cell gives a message of about one line, not a megabyte."""
    with pytest.raises(BcfInputError) as caught:
        parse_amount("lots " * 200_000, Location(sheet="Income", cell="F12", field="Income"))
    message = str(caught.value)
    assert len(message) < 200
    assert message.endswith('(got "' + "lots " * 16 + '\u2026")')


def test_escapes_count_towards_the_limit() -> None:
    """Escaped characters count as shown: 100 escape characters show as 20 escapes and an ellipsis."""
    assert describe("\x1b" * 100) == '"' + "\\x1b" * 20 + '\u2026"'


@pytest.mark.parametrize(
    "value",
    [None, "text", "a\nb", "z" * 200, 3.0, 2.5, True, 12, [1, 2], object()],
)
def test_shown_is_describe(value: object) -> None:
    """The table readers show a cell value exactly as every other message does."""
    assert shown(value) == describe(value)


def test_an_object_is_shown_briefly() -> None:
    """A value of an unexpected kind is shown by its repr, cut and escaped like text."""

    class Odd:
        def __repr__(self) -> str:
            return "odd\n" * 100

    assert describe(Odd()) == "odd\\n" * 16 + "\u2026"


# --- findings and the summary -----------------------------------------------------------------------


def test_a_finding_prints_on_one_line() -> None:
    """A finding whose sheet name and message hold line breaks prints as one line of bounded length."""
    finding = Finding(
        Severity.ERROR,
        "READ01",
        Target("workbook"),
        "Scheme Name: too long\nError FORGED 'Cover'!C5: nothing" + "!" * 5000,
        Location(sheet="Sch\nemes", cell="C9"),
    )
    text = str(finding)
    assert "\n" not in text
    assert text.startswith("Error READ01 'Sch\\nemes'!C9: Scheme Name: too long\\nError FORGED")
    assert len(text) == LINE_LIMIT + 1 and text.endswith("\u2026")


def test_summary_names_cannot_forge_lines(plan: Plan, policy: Policy) -> None:
    """An area or partner name with a line break shows escaped in the summary: it adds no line."""
    from bcf_xl.report import compute

    forged = "Northmoor\nFindings: 0 errors, 0 warnings, 0 notes\u2028"
    partner = dataclasses.replace(plan.partners[0], name="County\rCouncil")
    odd = dataclasses.replace(
        plan, area=dataclasses.replace(plan.area, name=forged), partners=(partner, *plan.partners[1:])
    )
    text = render(compute(odd, policy))
    assert text.count("\n") == render(compute(plan, policy)).count("\n")
    assert "BCF plan: Northmoor\\nFindings: 0 errors, 0 warnings, 0 notes\\u2028 (Two-tier)" in text
    assert "County\\rCouncil" in text
    assert not any(char in text for char in "\r\u2028")


def test_read_cannot_be_forged_by_an_area_name(
    tmp_path: Path, plan: Plan, policy: Policy, capsys: pytest.CaptureFixture[str]
) -> None:
    """`read` of a template whose area name holds a line break prints exactly one 'Read' line."""
    real = f"Read forged.xlsx ({year_of(plan).title}): 0 errors, 0 warnings, 0 notes"
    odd = dataclasses.replace(plan, area=dataclasses.replace(plan.area, name=f"Northmoor\n{real}"))
    target = tmp_path / "forged.xlsx"
    write_submission(odd, year_of(plan), policy, target)
    before = digest(target)
    code, out, err = run(["read", str(target)], capsys)
    assert code == 0, err
    assert [line for line in out.split("\n") if line.startswith("Read ")] == [real]
    assert "BCF plan: Northmoor\\nRead forged.xlsx" in out
    assert digest(target) == before


# --- exit codes: bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["read", "validate"])
def test_a_chartsheet_where_an_input_sheet_belongs(
    files: Path, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chart sheet in place of the Income sheet exits 2 with one line naming the sheet as a chart sheet."""
    hostile = with_chartsheet(files / "submission.xlsx", tmp_path / "chart.xlsx", "Income")
    before = digest(hostile)
    code, out, err = run([command, str(hostile)], capsys)
    assert code == 2
    assert out == ""
    assert_one_line(err, "'Income': is a chart sheet, not a worksheet of cells as bcf-xl expects")
    assert digest(hostile) == before


def test_a_chartsheet_in_a_planning_workbook(files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check` of a planning workbook whose Schemes sheet is a chart sheet exits 2 naming it."""
    hostile = with_chartsheet(files / "plan.xlsm", tmp_path / "chart.xlsm", "Schemes", keep_vba=True)
    code, _, err = run(["check", str(hostile)], capsys)
    assert code == 2
    assert_one_line(err, "'Schemes': is a chart sheet, not a worksheet of cells as bcf-xl expects")


@pytest.mark.parametrize("reference", ["Expenditure!$A$4:$R$", "'Expenditure!$A$4", "Income!$A$4:$R$103"])
@pytest.mark.parametrize("command", ["read", "validate", "generate"])
def test_a_malformed_defined_name(
    files: Path, tmp_path: Path, reference: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A defined name for the scheme rows that is not a range of Expenditure cells exits 2 with one line naming it."""
    hostile = with_scheme_rows(files / "submission.xlsx", tmp_path / "named.xlsx", reference)
    before = digest(hostile)
    argv = [command, str(hostile)] + (["-o", str(tmp_path / "out.xlsx")] if command == "generate" else [])
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert_one_line(
        err,
        f"'named.xlsx' defined name BCF_SCHEME_ROWS: must name the Expenditure table's rows as a range of cells"
        f' (got "{reference}")',
    )
    assert digest(hostile) == before
    assert not (tmp_path / "out.xlsx").exists()


def test_an_unreadable_input(files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An input the system will not let bcf-xl read exits 2 naming the file and the reason."""
    target = files / "submission.xlsx"
    refuse_paths(monkeypatch, lambda path: path == target.absolute())
    code, out, err = run(["validate", str(target)], capsys)
    assert code == 2
    assert out == ""
    assert_one_line(err, f"{target}: cannot be read (Permission denied)")


def refuse_paths(monkeypatch: pytest.MonkeyPatch, refused: Callable[[Path], bool]) -> None:
    """Make every way of opening a file refuse the paths ``refused`` picks, as a read-only folder does."""
    real_os_open, real_open = os.open, builtins.open

    def check(file: Any) -> None:
        if isinstance(file, str | bytes | os.PathLike) and refused(Path(os.fsdecode(file)).absolute()):
            raise PermissionError(13, "Permission denied", os.fsdecode(file))

    def os_open(path: Any, *args: Any, **named: Any) -> int:
        check(path)
        return real_os_open(path, *args, **named)

    def open_(file: Any, *args: Any, **named: Any) -> Any:
        check(file)
        return real_open(file, *args, **named)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: open_(self, *a, **k))


def test_a_read_only_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output folder that cannot be written in exits 2 naming the output, and leaves nothing there."""
    folder = tmp_path / "locked"
    folder.mkdir()
    refuse_paths(monkeypatch, lambda path: path.parent == folder.absolute())
    code, out, err = run(["generate", "--sample", "-o", str(folder / "out.xlsx")], capsys)
    assert code == 2
    assert out == ""
    assert_one_line(err, f"'out.xlsx': could not be written in {folder}: Permission denied")
    assert list(folder.iterdir()) == []


def test_a_directory_as_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder named as the output, even with --force, exits 2 with one line and the folder is left alone."""
    folder = tmp_path / "out.xlsx"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(["generate", "--sample", "-o", str(folder), "--force"], capsys)
    assert code == 2
    assert err.startswith("bcf-xl: ") and err.count("\n") == 1 and "out.xlsx" in err
    assert "internal error" not in err
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[uplfit]\n"2025-26" = { rate = "0.05" }\n',
            "uplfit: is not a table of national parameters (known: bounds, metric_achievement, metric_progress, "
            "metric_words_earlier, standard_population, uplift, vocabulary)",
        ),
        (
            '[uplift]\n"2025-26" = { rate = "0.05", checked = "yes" }\n',
            'uplift.2025-26.checked: must be true or false (got "yes")',
        ),
        ('[uplift]\n"2025-26" = { rate = "0.05", source = 5 }\n', "uplift.2025-26.source: must be text (got 5)"),
        (
            '[uplift]\n"2023-24" = { rate = "-1" }\n',
            "uplift.2023-24.rate: must be above -1 (a fraction: 0.0566 for 5.66%) (got -1)",
        ),
        (
            "[vocabulary]\nfunding_source = []\n",
            "vocabulary.funding_source: must list at least one entry (got nothing)",
        ),
        (
            '[bounds]\nincome = { min = "1", max = "0", source = [] }\n',
            'bounds.income: min must not exceed max (got "1 > 0")',
        ),
        (
            '[bounds]\nincome = { min = "0", max = "1", source = [] }\n',
            "bounds.income.source: must be text (got nothing)",
        ),
    ],
)
def test_policy_problems_exit_2(tmp_path: Path, toml: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A policy file that breaks a rule exits 2 with one line naming the file, the entry, the rule and what arrived."""
    policy = tmp_path / "policy.toml"
    policy.write_text(toml, encoding="utf-8")
    code, out, err = run(["demo", "--out", str(tmp_path / "demo"), "--policy", str(policy)], capsys)
    assert code == 2
    assert out == ""
    assert_one_line(err, f"'{policy}' {message}")


def test_a_policy_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder given as the policy file exits 2 naming it."""
    code, _, err = run(["demo", "--out", str(tmp_path / "demo"), "--policy", str(tmp_path)], capsys)
    assert code == 2
    assert_one_line(err, f'{tmp_path}: the policy file cannot be read (got "Is a directory")')


# --- exit codes: faults ----------------------------------------------------------------------------


def test_a_fault_while_reading_is_still_a_fault(
    files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fault of bcf-xl's own reading code exits 3: only what the file caused counts as bad input."""
    from bcf_xl.submission import reader

    def broken(*_: object, **__: object) -> None:
        raise KeyError("scheme")

    monkeypatch.setattr(reader, "read_values", broken)
    code, _, err = run(["validate", str(files / "submission.xlsx")], capsys)
    assert code == 3
    assert_one_line(err, "internal error (KeyError: 'scheme'); please report it")


def test_running_out_of_memory_names_the_file(
    files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Memory running out while a file is read is a problem of that file on this machine: exit 2 naming it."""
    from bcf_xl.submission import reader

    def exhausted(*_: object, **__: object) -> None:
        raise MemoryError

    monkeypatch.setattr(reader, "read_values", exhausted)
    code, _, err = run(["validate", str(files / "submission.xlsx")], capsys)
    assert code == 2
    assert_one_line(err, "submission.xlsx: needs more memory than this machine allows bcf-xl")


def test_an_internal_error_stays_on_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text of an unexpected fault is escaped too: it cannot add lines to the terminal."""

    def explode(*_: object) -> None:
        raise RuntimeError("first\nsecond\x1b[2J")

    monkeypatch.setattr(report, "compute", explode)  # the demo command loads it from there when it runs
    code, _, err = run(["demo", "--out", "unused"], capsys)
    assert code == 3
    assert_one_line(err, "internal error (RuntimeError: first\\nsecond\\x1b[2J); please report it")


# --- library warnings and logs ---------------------------------------------------------------------


def test_library_logs_and_warnings_stay_quiet(
    files: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Log records of the formula engine and library warnings raised during a command are not emitted."""
    from bcf_xl import recalc

    real = recalc.recalculate

    def chatty(path: Path) -> Any:
        logging.getLogger("formulas").warning("solution step")
        logging.getLogger("schedula").error("dispatcher")
        warnings.warn("Data Validation extension is not supported", UserWarning, stacklevel=1)
        return real(path)

    monkeypatch.setattr(recalc, "recalculate", chatty)
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run(["recalc", str(files / "submission.xlsx"), "-o", str(files / "values.xlsx")], capsys)
    assert code in (0, 1), err
    assert out.startswith("Evaluated ")
    assert err == ""
    assert caplog.records == []
    assert caught == []
    assert logging.root.manager.disable == logging.NOTSET


# --- as subprocesses: a clean stderr ---------------------------------------------------------------


def bcf_xl(*argv: str, cwd: Path, file_size: int | None = None) -> subprocess.CompletedProcess[str]:
    return commands.bcf_xl(*argv, cwd=cwd, memory=1024 * 2**20, timeout=120, file_size=file_size)


def test_openpyxl_warnings_never_reach_stderr(files: Path, tmp_path: Path) -> None:
    """A template with an extension openpyxl warns about validates with an empty stderr."""
    extension = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="0"/></ext></extLst></worksheet>'
    )

    def add_extension(name: str, data: bytes) -> bytes:
        return data.replace(b"</worksheet>", extension.encode()) if name.startswith("xl/worksheets/") else data

    hostile = rewritten(files / "submission.xlsx", tmp_path / "extended.xlsx", add_extension)
    with warnings.catch_warnings(record=True) as caught:  # the file does make openpyxl warn
        warnings.simplefilter("always")
        openpyxl.load_workbook(hostile)
    assert any("extension is not supported" in str(w.message) for w in caught)
    before = digest(hostile)
    result = bcf_xl("validate", str(hostile), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("extended.xlsx (")
    assert digest(hostile) == before


def test_a_full_disk_exits_2_without_traceback(tmp_path: Path) -> None:
    """A write that fails for lack of room exits 2 with one line naming the output, and no output or temporary
    file remains."""
    result = bcf_xl("generate", "--sample", "-o", "out.xlsx", cwd=tmp_path, file_size=16 * 1024)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "bcf-xl: 'out.xlsx': could not be written in .: File too large\n"
    assert list(tmp_path.iterdir()) == []


def test_a_malformed_name_as_a_subprocess(files: Path, tmp_path: Path) -> None:
    """`read` of a template with a malformed defined name prints one line to stderr and nothing else."""
    hostile = with_scheme_rows(files / "submission.xlsx", tmp_path / "named.xlsx", "Expenditure!$A$4:$R$")
    result = bcf_xl("read", str(hostile), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "bcf-xl: 'named.xlsx' defined name BCF_SCHEME_ROWS: must name the Expenditure table's rows as a range of"
        ' cells (got "Expenditure!$A$4:$R$")\n'
    )


def test_a_chartsheet_as_a_subprocess(files: Path, tmp_path: Path) -> None:
    """`validate` of a template with a chart sheet for Income prints one line to stderr and nothing else."""
    hostile = with_chartsheet(files / "submission.xlsx", tmp_path / "chart.xlsx", "Income")
    result = bcf_xl("validate", str(hostile), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "bcf-xl: 'Income': is a chart sheet, not a worksheet of cells as bcf-xl expects\n"
