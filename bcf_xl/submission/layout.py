"""Where everything sits in the submission workbook: the one layout the builder, reader,
validator and tests use. No cell address of the submission is written anywhere else.

The layout is worked out from a :class:`TemplateYear` and the number of expenditure rows; the
number of rows is kept in the workbook (defined name ``BCF_SCHEME_ROWS``) so a reader finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from openpyxl.utils import get_column_letter

from bcf_xl.model import AreaOfSpend
from bcf_xl.submission.definition import TemplateYear
from bcf_xl.workbook.placement import FieldKey, Placement, TablePlace

GUIDANCE = "Guidance"
COVER = "Cover"
CHECKLIST = "Checklist"
SUMMARY = "Summary"
INCOME = "Income"
EXPENDITURE = "Expenditure"
METRICS = "Metrics"
REQUIREMENTS = "Planning Requirements"
LISTS = "Lists"
SHEETS = (GUIDANCE, COVER, CHECKLIST, SUMMARY, INCOME, EXPENDITURE, METRICS, REQUIREMENTS, LISTS)

# Cover: (key, label) of each yellow input, one a row from COVER_FIRST_ROW, label in B, input in C.
COVER_FIELDS = (
    ("area", "Health and Wellbeing Board"),
    ("area_kind", "Area type (Unitary or Two-tier)"),
    ("completed_by", "Completed by"),
    ("job_title", "Job title"),
    ("email", "E-mail"),
    ("telephone", "Telephone"),
    ("signed_off_by", "Signed off on behalf of the Health and Wellbeing Board by"),
    ("sign_off_date", "Date of Health and Wellbeing Board sign-off (YYYY-MM-DD)"),
)
COVER_FIRST_ROW = 3
TEMPLATE_YEAR_CELL = "C12"
GENERATOR_CELL = "C13"
PARTNER_HEADER_ROW = 15
PARTNER_ROWS = 8
INCOME_HEADER_ROW = 3
INCOME_ROWS = 20
DISTRICT_ROWS = 15
SCHEME_HEADER_ROW = 3
METRIC_HEADER_ROW = 3
CONDITION_HEADER_ROW = 3
SCHEME_ROWS_NAME = "BCF_SCHEME_ROWS"
AREA_KINDS = ("Unitary", "Two-tier")
PARTNER_KINDS = ("Council", "ICB")
STATUSES = ("New", "Existing")
YES_NO = ("Yes", "No")

# Expenditure columns before the per-year amounts, in order: (key, header).
SCHEME_LEADING = (
    ("scheme_id", "Scheme ID"),
    ("name", "Scheme Name"),
    ("description", "Brief Description of Scheme"),
    ("scheme_type", "Scheme Type"),
    ("sub_type", "Sub Types"),
    ("area_of_spend", "Area of Spend"),
    ("commissioner", "Commissioner"),
    ("nhs_share", "% NHS (if Joint Commissioner)"),
    ("provider", "Provider"),
    ("source", "Source of Funding (Income Ref)"),
)
# ...and after them: (key, header).
SCHEME_TRAILING = (
    ("status", "New/Existing Scheme"),
    ("prior_year_budget", "Prior-year budget (£)"),
    ("additional_investment", "Additional investment (£)"),
)


def col(index: int) -> str:
    """Column letter of a 1-based column number."""
    return get_column_letter(index)


@dataclass(frozen=True)
class Layout:
    """Cell positions of one template year with a given number of expenditure rows."""

    year: TemplateYear
    scheme_rows: int

    @property
    def years(self) -> tuple[str, ...]:
        return self.year.plan_years

    # --- Cover -------------------------------------------------------------------------------------

    def cover_cell(self, key: str) -> str:
        index = [k for k, _ in COVER_FIELDS].index(key)
        return f"C{COVER_FIRST_ROW + index}"

    @property
    def partner_rows(self) -> range:
        return range(PARTNER_HEADER_ROW + 1, PARTNER_HEADER_ROW + 1 + PARTNER_ROWS)

    def partner_range(self, column: str) -> str:
        return f"${column}${self.partner_rows[0]}:${column}${self.partner_rows[-1]}"

    # --- Income ------------------------------------------------------------------------------------

    @property
    def income_rows(self) -> range:
        return range(INCOME_HEADER_ROW + 1, INCOME_HEADER_ROW + 1 + INCOME_ROWS)

    def income_amount_col(self, year_index: int) -> str:
        return col(5 + year_index)

    def income_range(self, column: str) -> str:
        return f"{INCOME}!${column}${self.income_rows[0]}:${column}${self.income_rows[-1]}"

    @property
    def minimums_row(self) -> int:
        return self.income_rows[-1] + 2

    @property
    def asc_prior_cell(self) -> str:
        return f"E{self.minimums_row + 1}"

    def asc_minimum_cell(self, year_index: int) -> str:
        return f"{self.income_amount_col(year_index)}{self.minimums_row + 2}"

    def ooh_minimum_cell(self, year_index: int) -> str:
        return f"{self.income_amount_col(year_index)}{self.minimums_row + 3}"

    @property
    def dfg_row(self) -> int:
        return self.minimums_row + 5

    def dfg_received_cell(self, year_index: int) -> str:
        return f"{self.income_amount_col(year_index)}{self.dfg_row + 1}"

    def dfg_top_up_cell(self, year_index: int) -> str:
        return f"{self.income_amount_col(year_index)}{self.dfg_row + 2}"

    @property
    def district_header_row(self) -> int:
        return self.dfg_row + 4

    @property
    def district_rows(self) -> range:
        return range(self.district_header_row + 1, self.district_header_row + 1 + DISTRICT_ROWS)

    def district_col(self, what: str, year_index: int) -> str:
        """Column of a district's 'allocation', 'retained' or 'reference' for a plan year."""
        return col(3 + 3 * year_index + ("allocation", "retained", "reference").index(what))

    def district_range(self, what: str, year_index: int) -> str:
        column = self.district_col(what, year_index)
        return f"{INCOME}!${column}${self.district_rows[0]}:${column}${self.district_rows[-1]}"

    # --- Expenditure -------------------------------------------------------------------------------

    @property
    def scheme_rows_range(self) -> range:
        return range(SCHEME_HEADER_ROW + 1, SCHEME_HEADER_ROW + 1 + self.scheme_rows)

    @cached_property
    def scheme_columns(self) -> dict[str, str]:
        """Column letter of every Expenditure field; per-year keys are 'amount:YEAR' and 'nhs:YEAR'."""
        keys = [key for key, _ in SCHEME_LEADING]
        keys += [f"amount:{year}" for year in self.years]
        keys += [key for key, _ in SCHEME_TRAILING]
        keys += ["kind"] + [f"nhs:{year}" for year in self.years]
        return {key: col(i) for i, key in enumerate(keys, start=1)}

    @cached_property
    def scheme_headers(self) -> dict[str, str]:
        headers = dict(SCHEME_LEADING) | dict(SCHEME_TRAILING)
        headers |= {f"amount:{year}": f"Expenditure {year} (£)" for year in self.years}
        headers |= {f"nhs:{year}": f"NHS commissioned {year} (£)" for year in self.years}
        headers["kind"] = "Funding source (from Income)"
        return {key: headers[key] for key in self.scheme_columns}

    def scheme_range(self, key: str) -> str:
        column = self.scheme_columns[key]
        rows = self.scheme_rows_range
        return f"{EXPENDITURE}!${column}${rows[0]}:${column}${rows[-1]}"

    # --- Metrics and Planning Requirements ----------------------------------------------------------

    @property
    def metric_rows(self) -> range:
        return range(METRIC_HEADER_ROW + 1, METRIC_HEADER_ROW + 1 + len(self.year.metrics))

    METRIC_COLUMNS: ClassVar[Mapping[str, str]] = {
        "code": "A",
        "name": "B",
        "unit": "C",
        "polarity": "D",
        "population": "E",
        "population_source": "F",
        "baseline": "G",
        "target": "H",
        "baseline_rate": "I",
        "target_rate": "J",
    }
    METRIC_HEADERS: ClassVar[Mapping[str, str]] = {
        "code": "Code",
        "name": "Metric",
        "unit": "Unit",
        "polarity": "Better when",
        "population": "Population",
        "population_source": "Population source and year",
        "baseline": "Baseline",
        "target": "Plan target",
        "baseline_rate": "Baseline (as rated)",
        "target_rate": "Target (as rated)",
    }

    @property
    def condition_rows(self) -> range:
        return range(CONDITION_HEADER_ROW + 1, CONDITION_HEADER_ROW + 1 + len(self.year.conditions))

    CONDITION_COLUMNS: ClassVar[Mapping[str, str]] = {"code": "A", "text": "B", "met": "C", "explanation": "D"}

    # --- Summary -----------------------------------------------------------------------------------

    def summary_col(self, year_index: int) -> str:
        return col(2 + year_index)

    @cached_property
    def summary_rows(self) -> dict[str, int]:
        """Row of each Summary line: 'income:LABEL', 'income', 'spend:AREA', 'spend', 'balance',
        'nhs', 'la', 'asc_required', 'asc_planned', 'asc_under', 'ooh_required', 'ooh_planned',
        'ooh_under', 'dfg_available', 'dfg_allocated', 'dfg_retained', 'dfg_passported'."""
        keys = [f"income:{label}" for label in self.year.labels] + ["income", None]
        keys += [f"spend:{area.value}" for area in AreaOfSpend] + ["spend", "balance", None, "nhs", "la", None]
        keys += ["asc_required", "asc_planned", "asc_under", None, "ooh_required", "ooh_planned", "ooh_under", None]
        keys += ["dfg_available", "dfg_allocated", "dfg_retained", "dfg_passported"]
        return {key: row for row, key in enumerate(keys, start=4) if key is not None}

    def summary_cell(self, key: str, year_index: int) -> str:
        return f"{self.summary_col(year_index)}{self.summary_rows[key]}"

    # --- Placing findings --------------------------------------------------------------------------

    @cached_property
    def placement(self) -> Placement:
        """Where a finding about each kind of record, field and plan year shows in the template."""
        n = len(self.years)
        per_year = {"amount": "amounts", "nhs": "nhs"}
        scheme: dict[FieldKey, str] = {}
        for key, column in self.scheme_columns.items():
            stem, _, year = key.partition(":")
            scheme[(per_year[stem], self.years.index(year)) if year else (key, None)] = column
        source: dict[FieldKey, str] = {("source_id", None): "A", ("kind", None): "B", ("contributor", None): "C"}
        source |= {("description", None): "D"}
        source |= {(name, i): self.income_amount_col(i) for i in range(n) for name in ("amounts", "balance")}
        district: dict[FieldKey, str] = {("district_id", None): "A", ("name", None): "B"}
        for i in range(n):
            district[("dfg_allocation", i)] = self.district_col("allocation", i)
            district[("retained", i)] = self.district_col("retained", i)
            district[("agreement_reference", i)] = self.district_col("reference", i)
        metric: dict[FieldKey, str] = {(key, None): column for key, column in self.METRIC_COLUMNS.items()}
        metric[("metric_id", None)] = self.METRIC_COLUMNS["code"]
        for key in ("polarity", "actual", "forecast", "name"):  # fixed by NHS England: the plan's target is the cell
            metric[(key, None)] = self.METRIC_COLUMNS["target"]
        partner: dict[FieldKey, str] = {("partner_id", None): "B", ("name", None): "C", ("kind", None): "D"}
        tables = (
            TablePlace("scheme", EXPENDITURE, self.scheme_columns["scheme_id"], scheme),
            TablePlace("source", INCOME, "A", source),
            TablePlace("district", INCOME, "A", district),
            TablePlace("metric", METRICS, self.METRIC_COLUMNS["code"], metric),
            TablePlace("partner", COVER, "B", partner),
        )
        cells: dict[tuple[str, str, int | None], tuple[str, str]] = {}
        for i in range(n):
            cells |= {
                ("plan", "balance", i): (SUMMARY, self.summary_cell("balance", i)),
                ("asc_minimum", "required", i): (SUMMARY, self.summary_cell("asc_under", i)),
                ("ooh_minimum", "required", i): (SUMMARY, self.summary_cell("ooh_under", i)),
                ("dfg", "allocations", i): (SUMMARY, self.summary_cell("dfg_allocated", i)),
                ("dfg", "received", i): (INCOME, self.dfg_received_cell(i)),
            }
        cells[("dfg", "received", None)] = (INCOME, self.dfg_received_cell(0))
        cells[("plan", "area_name", None)] = (COVER, self.cover_cell("area"))
        return Placement(self.years, tables, cells)


SUMMARY_LABELS = {
    "income": "Total income",
    "spend": "Total expenditure",
    "balance": "Income less expenditure",
    "nhs": "Commissioned by the NHS",
    "la": "Commissioned by the local authority",
    "asc_required": "Minimum NHS contribution to adult social care",
    "asc_planned": "Planned NHS contribution to adult social care",
    "asc_under": "Under-spend against the ASC minimum",
    "ooh_required": "Minimum NHS-commissioned out-of-hospital spend",
    "ooh_planned": "Planned NHS-commissioned out-of-hospital spend",
    "ooh_under": "Under-spend against the out-of-hospital minimum",
    "dfg_available": "DFG received plus in-year top-up",
    "dfg_allocated": "DFG allocated to districts (grant letter)",
    "dfg_retained": "DFG retained by agreement",
    "dfg_passported": "DFG passported to districts",
}


def scheme_rows_for(n_schemes: int) -> int:
    """Expenditure rows to give a plan: its schemes and room for more, at least 100."""
    return max(100, n_schemes + 50)
