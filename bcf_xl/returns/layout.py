"""Where everything sits in a quarterly or end-of-year return: the one layout its builder, reader, validator and
tests use. No cell address of a return is written anywhere else.

Every table has a fixed number of rows (a plan with more schemes, income lines, pools or partners than a return
holds is refused by the builder), so a reader finds each table without trusting anything the file claims.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from bcf_xl.metrics import Achievement, Progress
from bcf_xl.model import AreaOfSpend
from bcf_xl.policy import Policy
from bcf_xl.returns.definition import ReturnKind, ReturnYear
from bcf_xl.submission.layout import COVER, GUIDANCE, LISTS, checklist_table, col
from bcf_xl.workbook.tables import CHOICE, MONEY, NUMBER, Field, Lines, Table, one_a_row
from bcf_xl.workbook.validation import dropdown_lists

CONDITIONS = "National Conditions"
METRICS = "Metrics"
SPEND = {ReturnKind.QUARTERLY: "Spend", ReturnKind.YEAR_END: "Income and Expenditure"}
SECTION_75 = "Section 75 Statement"

# Cover: grey lines naming the return (how a reader knows it), then the inputs one a row, label in B, input in C.
COVER_FIXED = one_a_row(3, ("template_year", "generator", "return_kind", "quarter"))
RETURN_YEAR_CELL = f"C{COVER_FIXED['template_year']}"
RETURN_KIND_CELL = f"C{COVER_FIXED['return_kind']}"
QUARTER_CELL = f"C{COVER_FIXED['quarter']}"
COVER_FIRST_ROW = 8
COVER_INPUTS = ("area", "completed_by", "job_title", "email", "telephone", "signed_off_by")
YEAR_END_QUARTER = "Year end"

INCOME_ROWS = 20
SCHEME_ROWS = 200
POOL_ROWS = 10
PARTNER_COLUMNS = 8
FIGURES = (
    ("planned", "Plan for the year (£)"),
    ("profile", "Plan to date (£)"),
    ("actual", "Actual to date (£)"),
    ("variance", "Actual less plan to date (£)"),
)
COMMISSIONERS = ("NHS", "Local Authority")
MINIMUM_LINES = ("asc_required", "asc_actual", "asc_met", "ooh_required", "ooh_actual", "ooh_met")
MINIMUM_LABELS = {
    "asc_required": "Minimum NHS contribution to adult social care (£)",
    "asc_actual": "Actual NHS contribution to adult social care (£)",
    "asc_met": "Adult social care minimum met? (Yes/No)",
    "ooh_required": "Minimum NHS-commissioned out-of-hospital spend (£)",
    "ooh_actual": "Actual NHS-commissioned out-of-hospital spend (£)",
    "ooh_met": "Out-of-hospital minimum met? (Yes/No)",
}


def quarter_text(kind: ReturnKind, quarter: int) -> str:
    """The Cover's words for the reporting period: "Q3", or "Year end"."""
    return YEAR_END_QUARTER if kind is ReturnKind.YEAR_END else f"Q{quarter}"


@dataclass(frozen=True)
class ReturnLayout:
    """Cell positions of one return: its year, kind and reporting quarter (4 at year end)."""

    year: ReturnYear
    kind: ReturnKind
    quarter: int
    scheme_types: int  # rows of the scheme-type totals: the national list's length

    @property
    def title(self) -> str:
        return self.year.title(self.kind)

    @property
    def spend_sheet(self) -> str:
        return SPEND[self.kind]

    @property
    def year_end(self) -> bool:
        return self.kind is ReturnKind.YEAR_END

    @property
    def sheets(self) -> tuple[str, ...]:
        statement = (SECTION_75,) if self.year_end else ()
        return (GUIDANCE, COVER, CONDITIONS, METRICS, self.spend_sheet, *statement, LISTS)

    # --- Cover ---------------------------------------------------------------------------------------

    @cached_property
    def cover_lines(self) -> Lines:
        inputs = one_a_row(COVER_FIRST_ROW, COVER_INPUTS)
        return Lines(COVER, "B", ("C",), MappingProxyType({**COVER_FIXED, **inputs}))

    def cover_cell(self, key: str) -> str:
        return self.cover_lines.cell(key)

    @cached_property
    def checklist(self) -> Table:
        return checklist_table(COVER_FIRST_ROW + len(COVER_INPUTS) + 1)

    # --- National conditions and metrics -------------------------------------------------------------

    @cached_property
    def conditions(self) -> Table:
        heading = "Met at the year end? (Yes/No)" if self.year_end else "Still met? (Yes/No)"
        fields = (
            Field("code", "Code"),
            Field("text", "National condition"),
            Field("met", heading, CHOICE),
            Field("explanation", "Explanation (required if No)"),
        )
        rows = len(self.year.framework.conditions)
        return Table(CONDITIONS, "Conditions", 3, rows, fields, record="condition")

    @property
    def assessment_heading(self) -> str:
        if self.year_end:
            return "Achievement of the metric plan for the year"
        return "Assessment of progress against the metric plan for the reporting period"

    @cached_property
    def metrics(self) -> Table:
        fields = (
            Field("code", "Code"),
            Field("name", "Metric"),
            Field("polarity", "Better when"),
            Field("target", "Plan"),
            Field("actual", "Actual", NUMBER),
            Field("data_date", "Date of the data (YYYY-MM-DD)"),
            Field("assessment", self.assessment_heading, CHOICE),
            Field("challenges", "Challenges and any Support Needs"),
            Field("achievements", "Achievements"),
        )
        return Table(METRICS, "Metrics", 3, len(self.year.framework.metrics), fields, record="metric")

    # --- Spend: totals, then income, then schemes ------------------------------------------------------

    @property
    def quarters(self) -> range:
        """The quarters the return reports: 1 to its quarter."""
        return range(1, self.quarter + 1)

    def _totals(self, name: str, header_row: int, rows: int, what: str) -> Table:
        fields = (Field("key", what), *(Field(key, header, MONEY, computed=True) for key, header in FIGURES))
        return Table(self.spend_sheet, name, header_row, rows, fields)

    @cached_property
    def by_source(self) -> Table:
        return self._totals("By funding source", 4, INCOME_ROWS, "Expenditure by funding source (Income Ref)")

    @cached_property
    def by_type(self) -> Table:
        return self._totals("By scheme type", self.by_source.data_rows[-1] + 3, self.scheme_types, "Scheme type")

    @cached_property
    def by_area(self) -> Table:
        return self._totals("By area of spend", self.by_type.data_rows[-1] + 3, len(AreaOfSpend), "Area of spend")

    @cached_property
    def by_commissioner(self) -> Table:
        rows = len(COMMISSIONERS) if self.year_end else 0
        return self._totals("By commissioner", self.by_area.data_rows[-1] + 3, rows, "Commissioner")

    @property
    def total_row(self) -> int:
        """The row of the grand total of expenditure, in the totals' columns."""
        return self.by_commissioner.data_rows[-1] + 2 if self.year_end else self.by_area.data_rows[-1] + 2

    @cached_property
    def minimums(self) -> Lines:
        """The year end's minimum spends as actually spent: a label in A and a figure in B, one a row."""
        rows = one_a_row(self.total_row + 2, MINIMUM_LINES) if self.year_end else {}
        return Lines(self.spend_sheet, "A", ("B",), MappingProxyType(dict(rows)))

    @cached_property
    def income(self) -> Table:
        header = (max(self.minimums.rows.values()) if self.year_end else self.total_row) + 3
        fields = (
            Field("source_id", "Income Ref"),
            Field("label", "Funding source"),
            Field("planned", "Plan for the year (£)", MONEY, computed=True),
            Field("expected", "Plan to date (£)", MONEY, computed=True),
            *(Field(f"q{q}", f"Received Q{q} (£)", MONEY) for q in self.quarters),
            Field("received", "Received to date (£)", MONEY, computed=True),
            Field("difference", "Received less plan to date (£)", MONEY, computed=True),
        )
        return Table(self.spend_sheet, "Income", header, INCOME_ROWS, fields, record="source")

    @property
    def income_total_row(self) -> int:
        return self.income.data_rows[-1] + 1

    @cached_property
    def schemes(self) -> Table:
        fields = (
            Field("scheme_id", "Scheme ID"),
            Field("name", "Scheme Name"),
            Field("source", "Source of Funding (Income Ref)"),
            Field("scheme_type", "Scheme Type"),
            Field("area_of_spend", "Area of Spend"),
            Field("commissioner", "Commissioner"),
            Field("nhs_share", "% NHS (if Joint Commissioner)", NUMBER),
            Field("minimum", "Funded from the NHS minimum?"),
            Field("pool", "Pool"),
            Field("planned", "Plan for the year (£)", MONEY, computed=True),
            Field("profile", "Plan to date (£)", MONEY, computed=True),
            *(Field(f"q{q}", f"Spend Q{q} (£)", MONEY) for q in self.quarters),
            Field("actual", "Actual to date (£)", MONEY, computed=True),
            Field("variance", "Actual less plan to date (£)", MONEY, computed=True),
            Field("nhs", "NHS commissioned to date (£)", MONEY, computed=True),
        )
        return Table(self.spend_sheet, "Schemes", self.income_total_row + 3, SCHEME_ROWS, fields, record="scheme")

    # --- Section 75 statement (year end) ---------------------------------------------------------------

    @cached_property
    def statement(self) -> Table:
        fields = [Field("pool_id", "Pool"), Field("name", "Pool name"), Field("host", "Host")]
        fields += [Field(f"contribution{i + 1}", "", MONEY) for i in range(PARTNER_COLUMNS)]
        fields += [
            Field("contributions", "Contributions (£)", MONEY, computed=True),
            Field("expenditure", "Expenditure (£)", MONEY, computed=True),
            Field("difference", "Contributions less expenditure (£)", MONEY, computed=True),
            Field("treatment", "Treatment of the difference"),
        ]
        fields += [Field(f"share{i + 1}", "", MONEY) for i in range(PARTNER_COLUMNS)]
        return Table(SECTION_75, "Statement", 4, POOL_ROWS, tuple(fields), record="pool")

    @property
    def partner_row(self) -> int:
        """The row above the statement's headers naming the partner of each contribution and share column."""
        return self.statement.header_row - 1

    @cached_property
    def waterfall(self) -> Table:
        fields = (
            Field("step", "Overspend covered by"),
            Field("available", "Available (£)", MONEY),
            Field("applied", "Applied (£)", MONEY),
        )
        return Table(SECTION_75, "Waterfall", self.statement.data_rows[-1] + 3, 3, fields)

    @property
    def widths(self) -> dict[str, dict[str, float]]:
        spend = {col(i): 16.0 for i in range(1, len(self.schemes.fields) + 1)}
        spend |= {"A": 40.0, "B": 36.0}
        return {
            GUIDANCE: {"A": 110},
            COVER: {"A": 3, "B": 48, "C": 60, "D": 22, "E": 12},
            CONDITIONS: {"A": 8, "B": 70, "C": 22, "D": 60},
            METRICS: {"A": 10, "B": 60, "C": 18, "D": 14, "E": 14, "F": 16, "G": 34, "H": 50, "I": 50},
            self.spend_sheet: spend,
            SECTION_75: {col(i): 18.0 for i in range(1, len(self.statement.fields) + 1)},
        }


def assessment_words(kind: ReturnKind) -> tuple[str, ...]:
    """The words a metric may be given: the progress words each quarter, the achievement words at year end (the
    no-data words last in both)."""
    if kind is ReturnKind.YEAR_END:
        return tuple(word.value for word in (Achievement.ACHIEVED, Achievement.NOT_ACHIEVED, Achievement.NO_DATA))
    return tuple(word.value for word in (Progress.ON_TRACK, Progress.NOT_ON_TRACK, Progress.NO_DATA))


def layout_for(year: ReturnYear, kind: ReturnKind, quarter: int, policy: Policy) -> ReturnLayout:
    """The layout of a return (its scheme-type totals have a row for each national scheme type): one object for
    every return of the same year, kind, quarter and list, so that what it works out is worked out once."""
    return _layout(year, kind, quarter, len(dropdown_lists(policy)["scheme_types"]))


@functools.lru_cache(maxsize=64)
def _layout(year: ReturnYear, kind: ReturnKind, quarter: int, scheme_types: int) -> ReturnLayout:
    return ReturnLayout(year, kind, quarter, scheme_types)
