"""The planning workbook typed from empty: a plan entered cell by cell into the workbook `new-plan` writes, as an
officer types it (numbers as Excel stores them, pasted amounts as text), then checked, generated, validated and
recalculated."""

from __future__ import annotations

import html
import re
import shutil
import statistics
import subprocess
import zipfile
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from bcf_xl import cli
from bcf_xl.model import SourceKind
from bcf_xl.money import allocate
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import write
from bcf_xl.planbook.buttons import button_macros
from bcf_xl.planbook.reader import read
from bcf_xl.policy import load_policy
from bcf_xl.recalc import recalculate
from bcf_xl.report import compute
from bcf_xl.sample import sample_plan, sample_plan_for
from bcf_xl.submission.builder import write as write_submission
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26, TemplateYear
from tests.libreoffice import computed_values, convert
from tests.test_planbook import _engine_cells, _same

POLICY = load_policy()
INPUT_SHEETS = (L.COVER, L.FUNDING, L.SCHEMES, L.POOLS, L.DFG, L.METRICS, L.AGE_BANDS, L.RISK)
# The sample's iBCF income line, typed as text.
IBCF_ROW = L.SOURCES.data_rows[[s.kind for s in sample_plan().sources].index(SourceKind.IBCF)]


def _pounds_text(value: float) -> str:
    return f"£{D(repr(value)):,.2f}"


@pytest.fixture(scope="module")
def sample_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    """What an officer types: every input (unlocked) cell of the sample workbook that holds a value."""
    path = tmp_path_factory.mktemp("sample") / "sample.xlsm"
    write(path, sample_plan(), POLICY)
    book = openpyxl.load_workbook(path)
    typed: dict[tuple[str, str], object] = {}
    for name in INPUT_SHEETS:
        for row in book[name].iter_rows():
            for cell in row:
                if cell.value is not None and cell.protection.locked is False:
                    typed[(name, cell.coordinate)] = cell.value
    return typed


def type_plan(target: Path, typed: dict[tuple[str, str], object]) -> Path:
    """Write the empty workbook, then type ``typed`` into it cell by cell."""
    empty = target.with_name("empty.xlsm")
    write(empty, None, POLICY, vba_project=button_macros(), overwrite=True)
    book = openpyxl.load_workbook(empty, keep_vba=True)
    for (sheet, cell), value in typed.items():
        book[sheet][cell] = value
    book.save(target)
    return target


@pytest.fixture(scope="module")
def typed_book(tmp_path_factory: pytest.TempPathFactory, sample_inputs: dict[tuple[str, str], object]) -> Path:
    typed = dict(sample_inputs)
    # An income line and a scheme's amount pasted as text, as "£10,000,000.00" arrives from another file.
    schemes = L.schemes_table(L.scheme_rows_for(0))
    for key in ((L.FUNDING, L.SOURCES.cell("amount1", IBCF_ROW)), (L.SCHEMES, schemes.cell("amount1", 4))):
        typed[key] = _pounds_text(float(str(typed[key])))
    # The first metric's figures typed as published rates (no counts), the national code chosen from the list.
    metrics, row = L.METRIC_TABLE, L.METRIC_TABLE.data_rows[0]
    for key, rate in PUBLISHED_RATES.items():
        typed.pop((L.METRICS, metrics.cell(f"{key}_count", row)))
        typed[(L.METRICS, metrics.cell(key, row))] = rate
    typed[(L.METRICS, metrics.cell("metric_id", row))] = "AVOIDABLE"
    typed[(L.METRICS, metrics.cell("national", row))] = "AVOID"
    # The second year's DFG known only as the grant letter's total: no district allocation typed for it.
    for row in L.DISTRICTS.data_rows:
        typed.pop((L.DFG, L.DISTRICTS.cell("allocation2", row)), None)
    return type_plan(tmp_path_factory.mktemp("typed") / "typed.xlsm", typed)


PUBLISHED_RATES = {"baseline": 630.6, "target": 609.3, "actual": 616.7, "forecast": 613.0}


def test_published_rates_are_rated_as_typed(typed_book: Path) -> None:
    """A rate typed as published, with the population but no count, is rated as typed, not as a count; the
    metric goes to NHS England under the national code chosen for it."""
    plan = read(typed_book).plan
    assert plan is not None
    result = next(r for r in compute(plan, POLICY).metrics if r.metric_id == "AVOID")
    assert (result.baseline, result.target, result.actual) == (D("630.6"), D("609.3"), D("616.7"))


def test_typed_inputs_include_text_amounts(typed_book: Path) -> None:
    """The typed workbook holds amounts as text where they were pasted, and no uplift rate was typed."""
    book = openpyxl.load_workbook(typed_book)
    held = book[L.FUNDING][L.SOURCES.cell("amount1", IBCF_ROW)].value
    assert held == _pounds_text(float(sample_plan().sources[IBCF_ROW - L.SOURCES.data_rows[0]].amounts[0]))
    assert isinstance(held, str) and held.startswith("£")
    assert str(book[L.FUNDING][L.minimum_cell("uplift", 0)].value).startswith("=")


def test_typed_workbook_reads_as_the_plan(typed_book: Path) -> None:
    """The engine reads the typed workbook, text amounts included, as the plan that was typed."""
    read_back = read(typed_book)
    # The sample's one note: its Winter Pressures line, which the templates show in the iBCF line.
    assert [(f.code, f.target.ident, str(f.where)) for f in read_back.findings] == [("READ02", "WPG", "'Funding'!B8")]
    assert read_back.plan is not None
    assert read_back.plan.income("2023-24") == sample_plan().income("2023-24")
    assert compute(read_back.plan, POLICY).asc_minimum == compute(sample_plan(), POLICY).asc_minimum


def test_check_generate_and_validate_pass_on_the_typed_workbook(
    typed_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check exits 0, generate writes a Complete Template and validate passes it."""
    assert cli.main(["check", str(typed_book)]) == 0
    submission = tmp_path / "submission.xlsx"
    assert cli.main(["generate", str(typed_book), "-o", str(submission)]) == 0
    assert "Complete Template" in capsys.readouterr().out
    assert cli.main(["validate", str(submission)]) == 0


def test_headless_recalculation_of_the_typed_workbook_matches_the_engine(typed_book: Path) -> None:
    """Recalculated, the typed workbook shows the engine's figures in every computed cell: the uplift rates come
    from the Policy sheet by the typed plan years, so the ASC minimum appears, and an amount held as text counts
    as its figure (the iBCF line is fully spent, not £10,000,000 unspent)."""
    result = recalculate(typed_book)
    assert not result.failed, result.findings
    values = dict(result.values)
    plan = read(typed_book).plan
    assert plan is not None
    expected = _engine_cells(plan)
    wrong = {key: (values.get(key), want) for key, want in expected.items() if not _same(values.get(key), want)}
    assert wrong == {}
    assert values[(L.FUNDING, L.minimum_cell("asc_calculated", 0))] == pytest.approx(
        float(compute(plan, POLICY).asc_minimum[0].calculated)
    )
    assert values[(L.FUNDING, L.SOURCES.cell("balance1", IBCF_ROW))] == 0
    # The second year's DFG total is split pro rata to the first year's allocations, shown in its own column.
    for row, district in zip(L.DISTRICTS.data_rows, plan.area.districts, strict=False):
        assert _same(values[(L.DFG, L.DISTRICTS.cell("split2", row))], district.dfg_allocation[1])


def test_dfg_total_is_split_pro_rata_to_the_previous_year(typed_book: Path) -> None:
    """With only the second year's DFG total typed, each district's allocation is the total split in proportion
    to its first-year allocation, exactly to the penny, and the allocations add up to the total."""
    plan = read(typed_book).plan
    assert plan is not None
    first = [d.dfg_allocation[0] for d in plan.area.districts]
    received = plan.dfg[1].received
    assert [d.dfg_allocation[1] for d in plan.area.districts] == list(allocate(received, first))
    assert sum(d.dfg_allocation[1] for d in plan.area.districts) == received
    assert [d.dfg_allocation[1] for d in plan.area.districts] != [D(0)] * len(first)


def test_missing_national_metric_is_reported_at_the_metrics_cell(
    tmp_path: Path, sample_inputs: dict[tuple[str, str], object], capsys: pytest.CaptureFixture[str]
) -> None:
    """check and generate exit 1 when a national metric the template needs is missing, naming the National
    metric cell of the Metrics row where it belongs (the first free row), not a cell of the submission."""
    metrics = L.METRIC_TABLE
    rows = [row for row in metrics.data_rows if (L.METRICS, metrics.cell("metric_id", row)) in sample_inputs]
    falls = next(r for r in rows if sample_inputs[(L.METRICS, metrics.cell("metric_id", r))] == "FALLS")
    typed = {
        key: value for key, value in sample_inputs.items() if not (key[0] == L.METRICS and key[1][1:] == str(falls))
    }
    path = type_plan(tmp_path / "no falls.xlsm", typed)
    free = metrics.cell("national", falls)  # the first free row: the one the metric was cleared from
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"Error TPL01 'Metrics'!{free}: National metric FALLS" in out, out
    assert cli.main(["generate", str(path), "-o", str(tmp_path / "out.xlsx")]) == 1
    out = capsys.readouterr().out
    assert f"'Metrics'!{free}: National metric FALLS" in out and not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize(("typed", "error"), [(84.4, True), (-0.1, True), (0.844, False), ("84.4%", False)])
def test_percentage_over_100_or_negative_is_an_error_at_its_cell(
    tmp_path: Path, sample_inputs: dict[tuple[str, str], object], typed: object, error: bool
) -> None:
    """A percentage metric's figure is 84.4% (held as 0.844) or 0.844; 84.4 (8440%) or a negative is an error at
    its own cell."""
    metrics = L.METRIC_TABLE
    row = next(r for r in metrics.data_rows if sample_inputs.get((L.METRICS, metrics.cell("metric_id", r))) == "HOME")
    cell = metrics.cell("target", row)
    path = type_plan(tmp_path / "percent.xlsm", {**sample_inputs, (L.METRICS, cell): typed})
    found = [f for f in read(path).findings if f.location and f.location.cell == cell]
    if error:
        assert [f.message for f in found] == [
            f"Target: must be a percentage from 0% to 100%, typed as 84.4% or 0.844 (got {D(repr(typed))})"
        ]
    else:
        assert found == []
        plan = read(path).plan
        assert plan is not None
        assert next(m for m in plan.metrics if m.metric_id == "HOME").target == D("0.844")


@pytest.mark.libreoffice
def test_typed_years_bring_the_uplift_to_life(tmp_path: Path) -> None:
    """Typing plan years into the empty workbook fills the uplift rate from the Policy sheet; a year not typed
    leaves it blank (recalculated by LibreOffice: the uplift is plain Excel, no bcf-xl function)."""
    path = type_plan(tmp_path / "years.xlsm", {(L.COVER, L.cover_cell("year1")): "2025-26"})
    values = computed_values(path, tmp_path / "lo")
    assert values[(L.FUNDING, L.minimum_cell("uplift", 0))] == pytest.approx(float(POLICY.uplift("2025-26").rate))
    assert values.get((L.FUNDING, L.minimum_cell("uplift", 1))) in ("", None)


# --- in any viewer ---------------------------------------------------------------------------------

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"


@pytest.mark.libreoffice
def test_libreoffice_shows_the_engines_figures_without_recalculating(tmp_path: Path) -> None:
    """LibreOffice with its default settings (no recalculation of stored values) shows the engine's figures on
    Pools, DFG and Metrics of the sample workbook, bcf_* cells included: the builder stores every computed value."""
    shown = openpyxl.load_workbook(
        convert(WORKBOOKS / "bcf_planning_sample.xlsm", tmp_path, recalculate=False), data_only=True
    )
    expected = {
        key: want for key, want in _engine_cells(sample_plan()).items() if key[0] in (L.POOLS, L.DFG, L.METRICS)
    }
    assert len(expected) > 100
    wrong = {
        key: (shown[key[0]][key[1]].value, want)
        for key, want in expected.items()
        if not _same(shown[key[0]][key[1]].value, want)
    }
    assert wrong == {}
    assert not any(
        cell.value == "#NAME?"
        for name in (L.POOLS, L.DFG, L.METRICS)
        for row in shown[name].iter_rows()
        for cell in row
    )


# --- on paper ----------------------------------------------------------------------------------------

READABLE_POINTS = 7.0  # the smallest printed type (a word's height in points) a reader can be expected to read
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')


@dataclass(frozen=True)
class Page:
    """One printed page: its size in points and each word's box (x0, y0, x1, y1) with its text."""

    width: float
    height: float
    words: tuple[tuple[float, float, float, float, str], ...]

    @property
    def text(self) -> str:
        return " ".join(word[4] for word in self.words)

    def off_page(self) -> list[str]:
        """Words that run beyond an edge of the page."""
        return [w[4] for w in self.words if w[0] < 0 or w[1] < 0 or w[2] > self.width + 0.5 or w[3] > self.height + 0.5]

    def overlapping(self) -> list[tuple[str, str]]:
        """Pairs of words printed over each other (boxes sharing more than a third of the smaller one)."""
        found = []
        for index, a in enumerate(self.words):
            for b in self.words[index + 1 :]:
                across, down = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
                smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
                if across > 0.5 and down > 0.5 and across * down > smaller / 3:
                    found.append((a[4], b[4]))
        return found

    def type_size(self) -> float:
        """The median height of the page's words, in points: the size its type prints at."""
        return statistics.median(w[3] - w[1] for w in self.words)


def printed_pages(book: Path, out: Path) -> list[Page]:
    """The pages LibreOffice prints a workbook on (to PDF), read back with poppler's pdftotext."""
    pdf = convert(book, out, "pdf", recalculate=False)
    program = shutil.which("pdftotext")
    if program is None:
        pytest.fail("pdftotext is needed by this test: run ./setup.sh or apt-get install poppler-utils")
    boxes = out / "boxes.html"
    subprocess.run([program, "-bbox", str(pdf), str(boxes)], check=True, timeout=120)
    pages = []
    for width, height, body in _PAGE.findall(boxes.read_text(encoding="utf-8")):
        words = tuple(
            (float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in _WORD.findall(body)
        )
        pages.append(Page(float(width), float(height), words))
    return pages


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    return printed_pages(WORKBOOKS / "bcf_planning_sample.xlsm", tmp_path_factory.mktemp("pdf"))


@pytest.mark.libreoffice
def test_printed_pages_keep_their_text_on_the_page(sample_pages: list[Page]) -> None:
    """No printed page of the sample workbook has text running off it or printed over other text, and the Cover's
    guidance prints in full."""
    assert len(sample_pages) > 5
    assert {index: page.off_page() for index, page in enumerate(sample_pages, 1) if page.off_page()} == {}
    assert {index: page.overlapping() for index, page in enumerate(sample_pages, 1) if page.overlapping()} == {}
    cover = sample_pages[0].text
    assert "Better Care Fund planning workbook" in cover
    assert "the figures as they stood when the workbook was written." in cover
    assert "prior-year budgets filled in, actuals cleared." in cover


@pytest.mark.libreoffice
def test_schemes_print_across_pages_at_a_readable_scale(sample_pages: list[Page]) -> None:
    """The Schemes sheet prints across several pages, each with the header row and the scheme's ID and name
    repeated, in type no smaller than READABLE_POINTS; so do every other page's tables."""
    schemes = [page for page in sample_pages if "Scheme ID Scheme Name" in page.text]
    assert len(schemes) >= 4
    headers = {"Planned, first year (£)", "Outturn, second year (£)", "Scheme Type", "Provider"}
    assert all(any(h in page.text for page in schemes) for h in headers)
    assert min(page.type_size() for page in schemes) >= READABLE_POINTS
    small = {
        index: page.type_size() for index, page in enumerate(sample_pages, 1) if page.type_size() < READABLE_POINTS
    }
    assert small == {}


def test_dashboard_charts_have_one_unit_per_axis() -> None:
    """Each Dashboard chart has one value axis in one unit: pounds for the money charts, per cent for the metrics
    chart, which plots each metric's actual as a % of its target (never rates and percentages together)."""
    with zipfile.ZipFile(WORKBOOKS / "bcf_planning_sample.xlsm") as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
    assert len(charts) == 4
    formats = [re.findall(r'<c:valAx>.*?<c:numFmt formatCode="([^"]*)"', chart, re.S) for chart in charts]
    assert formats == [["&quot;£&quot;#,##0"]] * 3 + [["0%"]]
    metrics = charts[3]
    assert metrics.count("<c:ser>") == 1
    column = L.METRIC_TABLE.columns["actual_vs_target"]
    assert f"Metrics!${column}$" in metrics


@pytest.mark.libreoffice
@pytest.mark.parametrize("year", [YEAR_2025_26, YEAR_2023_25], ids=lambda year: year.name)
def test_submission_pages_keep_their_text_on_the_page(tmp_path: Path, year: TemplateYear) -> None:
    """The generated submission prints too: no page has text running off it or printed over other text (wrapped
    labels, headers, metric names and conditions grow their rows), its Guidance prints in full, and it speaks to
    officers (no internal document is cited)."""
    path = tmp_path / "submission.xlsx"
    write_submission(sample_plan_for(year.plan_years), year, POLICY, path)
    pages = printed_pages(path, tmp_path)
    assert len(pages) > 3
    assert {index: page.off_page() for index, page in enumerate(pages, 1) if page.off_page()} == {}
    assert {index: page.overlapping() for index, page in enumerate(pages, 1) if page.overlapping()} == {}
    # The Expenditure tab, far wider than a page, prints across pages in readable type, each page with its schemes'
    # IDs and names.
    first = next(index for index, page in enumerate(pages) if "Template: Expenditure" in page.text)
    expenditure = [page for page in pages[first:] if "Scheme ID" in page.text and "Scheme Name" in page.text]
    assert len(expenditure) > 1
    assert min(page.type_size() for page in expenditure) >= READABLE_POINTS
    guidance = next(page.text for page in pages if "How to complete this template" in page.text)
    # Every note on what could not be confirmed prints, to its last words.
    assert [note for note in year.unconfirmed if " ".join(note.split()[-3:]) not in guidance] == []
    text = " ".join(page.text for page in pages)
    assert re.findall(r"\w+\.md\b|docs/", text) == []
