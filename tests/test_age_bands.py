"""The planning workbook's Falls by age band sheet: the falls metric's counts and populations per age band,
rated by bcf_dsr, read back into the plan and carried to the submission as a rate."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from bcf_xl.metrics import dsr
from bcf_xl.model import MetricUnit
from bcf_xl.planbook import layout as L  # noqa: N812
from bcf_xl.planbook.builder import write
from bcf_xl.planbook.reader import read
from bcf_xl.policy import load_policy
from bcf_xl.sample import sample_plan
from bcf_xl.submission.builder import write as write_submission
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.layout import METRICS, Layout, scheme_rows_for
from bcf_xl.submission.reader import read as read_submission

POLICY = load_policy()
BANDS, TABLE = L.AGE_BAND_LINES, L.AGE_BAND_TABLE


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bands") / "plan.xlsm"
    write(path, sample_plan(), POLICY)
    return path


def _edited(source: Path, target: Path, cells: dict[str, object], *, drop_sheet: bool = False) -> Path:
    """A copy of the workbook with cells of the Falls by age band sheet changed (or the sheet removed)."""
    book = openpyxl.load_workbook(source, keep_vba=True)
    if drop_sheet:
        del book[L.AGE_BANDS]
    else:
        for cell, value in cells.items():
            book[L.AGE_BANDS][cell] = value
    book.save(target)
    return target


def _falls(path: Path) -> object:
    read_back = read(path)
    assert read_back.plan is not None
    return next(m for m in read_back.plan.metrics if m.metric_id == "FALLS")


def test_falls_metric_reads_its_rates_from_the_age_bands(sample_book: Path) -> None:
    """The sample's falls metric is read with its six bands, each value the DSR of the bands' counts."""
    falls = _falls(sample_book)
    populations = [D(b.population) for b in falls.bands]  # type: ignore[attr-defined]
    actual = [b.actual for b in falls.bands]  # type: ignore[attr-defined]
    assert [b.band for b in falls.bands] == ["65-69", "70-74", "75-79", "80-84", "85-89", "90+"]  # type: ignore[attr-defined]
    assert falls.unit is MetricUnit.STANDARDISED  # type: ignore[attr-defined]
    assert falls.actual == dsr(actual, populations)  # type: ignore[attr-defined]
    assert round(falls.actual, 1) == D("2060.2")  # type: ignore[attr-defined]


def test_a_blank_count_among_the_bands_is_reported_at_its_cell(sample_book: Path, tmp_path: Path) -> None:
    """A count blanked in one band (the others kept) is a finding at that cell naming the band."""
    cell = TABLE.cell("actual", TABLE.data_rows[4])  # 85-89
    path = _edited(sample_book, tmp_path / "blank.xlsm", {cell: None})
    found = [(f.location.sheet, f.location.cell, f.message) for f in read(path).findings]
    assert (L.AGE_BANDS, cell, "Actual count: every age band needs a count, or none; blank in 85-89") in found


def test_a_population_of_zero_is_reported_at_its_cell(sample_book: Path, tmp_path: Path) -> None:
    """A band's population of 0 is a finding at that population cell."""
    cell = TABLE.cell("population", TABLE.data_rows[5])
    path = _edited(sample_book, tmp_path / "zero.xlsm", {cell: 0})
    found = {(f.location.cell, f.message) for f in read(path).findings if f.location.sheet == L.AGE_BANDS}
    assert found == {(cell, "Population: an age band needs a population above 0 (got 0)")}


def test_bands_without_a_metric_id_are_reported(sample_book: Path, tmp_path: Path) -> None:
    """Bands with figures but no metric named are a finding at the Metric ID cell."""
    path = _edited(sample_book, tmp_path / "no_id.xlsm", {BANDS.cell("metric_id"): None})
    found = [(f.location.cell, f.message) for f in read(path).findings if f.location.sheet == L.AGE_BANDS]
    assert found == [(BANDS.cell("metric_id"), "Metric ID: is required with age bands (got a blank)")]


def test_bands_naming_an_unknown_metric_are_reported(sample_book: Path, tmp_path: Path) -> None:
    """A Metric ID that names no metric of the Metrics sheet is a finding at that cell, showing what arrived."""
    path = _edited(sample_book, tmp_path / "unknown.xlsm", {BANDS.cell("metric_id"): "FALS"})
    found = [f.message for f in read(path).findings if f.location.cell == BANDS.cell("metric_id")]
    assert found == [
        'Metric ID: must name a metric of the Metrics sheet rated as an Age-standardised rate (got "FALS")'
    ]


def test_bands_for_a_metric_of_another_unit_are_reported_at_its_unit(sample_book: Path, tmp_path: Path) -> None:
    """Bands naming a metric that is not an age-standardised rate (here HOME, a percentage) are a finding at its
    Unit cell."""
    path = _edited(sample_book, tmp_path / "home.xlsm", {BANDS.cell("metric_id"): "HOME"})
    unit = L.METRIC_TABLE.cell("unit", L.METRIC_TABLE.data_rows[2])
    # The sample's own note (its Winter Pressures line, read into the iBCF line) is not about the bands.
    found = [(f.location.sheet, f.location.cell, f.message) for f in read(path).findings if f.code != "READ02"]
    assert found == [(L.METRICS, unit, "Unit: the metric rated by the age bands must be an Age-standardised rate")]


def test_five_bands_without_weights_are_reported_at_the_weights(sample_book: Path, tmp_path: Path) -> None:
    """With a band emptied, five bands remain and need their weights: the finding is at the weights column."""
    last = TABLE.data_rows[-1]
    emptied = {TABLE.cell(key, last): None for key in ("band", "population", *L.BAND_COUNTS)}
    path = _edited(sample_book, tmp_path / "five.xlsm", emptied)
    found = [(f.location.cell, f.message) for f in read(path).findings if f.location.sheet == L.AGE_BANDS]
    assert found == [
        (
            TABLE.cell("weight", TABLE.data_rows[0]),
            "Standard population: are required unless the 6 bands of people aged 65 and over "
            "(65-69, 70-74, 75-79, 80-84, 85-89, 90+) are given",
        )
    ]


def test_a_workbook_without_the_sheet_still_reads(sample_book: Path, tmp_path: Path) -> None:
    """A planning workbook made before the Falls by age band sheet existed reads with no bands and no finding
    about them."""
    path = _edited(sample_book, tmp_path / "old.xlsm", {}, drop_sheet=True)
    read_back = read(path)
    assert [f for f in read_back.findings if f.location.sheet == L.AGE_BANDS] == []
    assert read_back.plan is not None
    assert all(not m.bands for m in read_back.plan.metrics)


def test_the_submission_carries_the_rate_to_one_decimal_place(tmp_path: Path) -> None:
    """The 2023-25 template's falls line holds the standardised rate (not a count), half-up to one decimal place,
    and reads back as that rate."""
    path = tmp_path / "submission.xlsx"
    write_submission(sample_plan(), YEAR_2023_25, POLICY, path)
    layout = Layout(YEAR_2023_25, scheme_rows_for(len(sample_plan().schemes)))
    row = layout.metric_rows[[m.code for m in YEAR_2023_25.metrics].index("FALLS")]
    sheet = openpyxl.load_workbook(path)[METRICS]
    assert sheet[layout.metrics.cell("target", row)].value == pytest.approx(1990.1)  # 1,990.1321... per 100,000
    assert sheet[layout.metrics.cell("baseline", row)].value == pytest.approx(2095.1)
    assert "age-standardised" in str(sheet[layout.metrics.cell("unit", row)].value)
    falls = next(m for m in read_submission(path, POLICY).plan.metrics if m.metric_id == "FALLS")  # type: ignore[union-attr]
    assert (falls.unit, falls.target, falls.baseline) == (MetricUnit.STANDARDISED, D("1990.1"), D("2095.1"))
