"""Where everything sits in the submission workbook: the one layout the builder, reader,
validator and tests use. No cell address of the submission is written anywhere else.

The layout is worked out from a :class:`TemplateYear` and the number of expenditure rows; the
number of rows is kept in the workbook (defined name ``BCF_SCHEME_ROWS``) so a reader finds it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import ClassVar

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import absolute_coordinate

from bcf_xl.model import AreaOfSpend
from bcf_xl.submission.definition import TemplateYear
from bcf_xl.workbook.placement import FieldKey, Placement
from bcf_xl.workbook.tables import CHOICE, MONEY, NUMBER, SHARE, TEXT, Field, Lines, Table, one_a_row, quote

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

TITLE_CELL = "A1"  # every sheet's title; the Checklist's reads Complete or Incomplete Template

# Guidance: one line of text a row from GUIDANCE_FIRST_ROW, in column A.
GUIDANCE_COLUMN = "A"
GUIDANCE_FIRST_ROW = 3

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
# ...and the grey lines below them: the template year (how a reader knows the template) and the generator.
COVER_LINES = Lines(
    COVER,
    "B",
    ("C",),
    MappingProxyType(
        {**one_a_row(COVER_FIRST_ROW, (key for key, _ in COVER_FIELDS)), "template_year": 12, "generator": 13}
    ),
)
COVER_LABELS = {key: COVER_LINES.label(key) for key in COVER_LINES.rows}
COVER_CELLS = {key: COVER_LINES.cell(key) for key in COVER_LINES.rows}
TEMPLATE_YEAR_CELL = COVER_CELLS["template_year"]
PARTNER_HEADER_ROW = 15
PARTNER_ROWS = 8
INCOME_HEADER_ROW = 3
INCOME_ROWS = 20
DISTRICT_ROWS = 15
SCHEME_HEADER_ROW = 3
METRIC_HEADER_ROW = 3
CONDITION_HEADER_ROW = 3
SUMMARY_HEADER_ROW = 3
CHECKLIST_HEADER_ROW = 3
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


def guidance_cell(line: int) -> str:
    """The cell of the Guidance sheet's ``line``-th line of text (from 0)."""
    return f"{GUIDANCE_COLUMN}{GUIDANCE_FIRST_ROW + line}"


def cells(table: Table, first: str, last: str | None = None) -> str:
    """A table's data cells in column ``first`` (through column ``last``), as a validation or a conditional
    format takes them: ``D16:D23``."""
    rows = table.data_rows
    return f"{table.cell(first, rows[0])}:{table.cell(last or first, rows[-1])}"


def block(table: Table, first: str, last: str) -> str:
    """The absolute reference of a table's data cells from column ``first`` to column ``last``,
    e.g. ``Income!$A$4:$B$23``."""
    rows = table.data_rows
    start, end = absolute_coordinate(table.cell(first, rows[0])), absolute_coordinate(table.cell(last, rows[-1]))
    return f"{quote(table.sheet)}!{start}:{end}"


# The Checklist: one line a required item, its rows following the items (the builder counts them).
CHECKLIST_TABLE = Table(
    CHECKLIST,
    "Checklist",
    CHECKLIST_HEADER_ROW,
    0,
    (
        Field("sheet", "Sheet"),
        Field("item", "Required item"),
        Field("link", "Cell"),
        Field("complete", "Complete?"),
    ),
)


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
        return COVER_CELLS[key]

    @property
    def partner_rows(self) -> range:
        return self.partners.data_rows

    # --- Income ------------------------------------------------------------------------------------

    @property
    def income_rows(self) -> range:
        return self.income.data_rows

    def income_amount_col(self, year_index: int) -> str:
        return self.income.columns[f"amount{year_index + 1}"]

    def income_range(self, column: str) -> str:
        return f"{INCOME}!${column}${self.income_rows[0]}:${column}${self.income_rows[-1]}"

    @property
    def minimums_row(self) -> int:
        return self.income_rows[-1] + 2

    @cached_property
    def income_labels(self) -> Mapping[str, str]:
        """The label cell of each line below the Income table: the pre-populated minimums and the DFG inputs."""
        base, dfg = self.minimums_row, self.dfg_row
        return {
            "asc_prior": f"A{base + 1}",
            "asc_minimum": f"A{base + 2}",
            "ooh_minimum": f"A{base + 3}",
            "dfg_received": f"A{dfg + 1}",
            "dfg_top_up": f"A{dfg + 2}",
        }

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
        return self.districts.data_rows

    def district_col(self, what: str, year_index: int) -> str:
        """Column of a district's 'allocation', 'retained' or 'reference' for a plan year."""
        return self.districts.columns[f"{what}{year_index + 1}"]

    def district_range(self, what: str, year_index: int) -> str:
        column = self.district_col(what, year_index)
        return f"{INCOME}!${column}${self.district_rows[0]}:${column}${self.district_rows[-1]}"

    @cached_property
    def income_lookup(self) -> str:
        """The Income table's refs and funding-source labels, where a scheme's source ref is looked up."""
        return block(self.income, "source_id", "kind")

    @cached_property
    def freeze(self) -> Mapping[str, str]:
        """The first cell that scrolls on each sheet with frozen panes (rows above, columns left stay in view)."""
        return {
            INCOME: self.income.cell("source_id", self.income_rows[0]),
            EXPENDITURE: self.expenditure.cell("description", self.scheme_rows_range[0]),
            CHECKLIST: CHECKLIST_TABLE.cell("sheet", CHECKLIST_TABLE.header_row + 1),
        }

    @cached_property
    def widths(self) -> Mapping[str, Mapping[str, float]]:
        """The width of each sized column, by sheet."""
        schemes = self.expenditure.columns
        expenditure: dict[str, float] = dict.fromkeys(schemes.values(), 18)
        expenditure |= {schemes["name"]: 36, schemes["description"]: 48}
        expenditure |= {schemes["scheme_type"]: 34, schemes["sub_type"]: 34, schemes["provider"]: 26}
        return {
            GUIDANCE: {GUIDANCE_COLUMN: 120},
            COVER: {"A": 3, "B": 48, "C": 60, "D": 22},
            INCOME: {"A": 34, "B": 40, "C": 24, "D": 40, **{col(5 + i): 20 for i in range(len(self.districts.fields))}},
            EXPENDITURE: expenditure,
            METRICS: {"A": 10, "B": 60, "C": 24, "D": 18, "E": 14, "F": 34, "G": 14, "H": 14, "I": 16, "J": 16},
            REQUIREMENTS: {"A": 8, "B": 70, "C": 22, "D": 60},
            SUMMARY: {"A": 60, **{self.summary_col(i): 20 for i in range(len(self.years))}},
            CHECKLIST: {"A": 22, "B": 80, "C": 26, "D": 12},
        }

    # --- Expenditure -------------------------------------------------------------------------------

    @cached_property
    def scheme_rows_reference(self) -> str:
        """Every data cell of the Expenditure table, as the defined name ``BCF_SCHEME_ROWS`` keeps them."""
        fields = self.expenditure.fields
        return block(self.expenditure, fields[0].key, fields[-1].key)

    @property
    def scheme_rows_range(self) -> range:
        return self.expenditure.data_rows

    @cached_property
    def scheme_columns(self) -> dict[str, str]:
        """Column letter of every Expenditure field; per-year keys are 'amount:YEAR' and 'nhs:YEAR'."""
        columns = {}
        for key, column in self.expenditure.columns.items():
            stem, number = key.rstrip("0123456789"), key[len(key.rstrip("0123456789")) :]
            columns[f"{stem}:{self.years[int(number) - 1]}" if number else key] = column
        return columns

    @cached_property
    def scheme_headers(self) -> dict[str, str]:
        columns = self.scheme_columns
        return {key: field.header for key, field in zip(columns, self.expenditure.fields, strict=True)}

    def scheme_range(self, key: str) -> str:
        column = self.scheme_columns[key]
        rows = self.scheme_rows_range
        return f"{EXPENDITURE}!${column}${rows[0]}:${column}${rows[-1]}"

    # --- Metrics and Planning Requirements ----------------------------------------------------------

    @property
    def metric_rows(self) -> range:
        return self.metrics.data_rows

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
        return self.conditions.data_rows

    CONDITION_FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("code", "Code"),
        Field("text", "National condition"),
        Field("met", "Met?", CHOICE),
        Field("explanation", "Explanation"),
    )
    # The column of each metric and condition field, as the tables below place them.
    METRIC_COLUMNS: ClassVar[Mapping[str, str]] = {key: col(i) for i, key in enumerate(METRIC_HEADERS, start=1)}
    CONDITION_COLUMNS: ClassVar[Mapping[str, str]] = {f.key: col(i) for i, f in enumerate(CONDITION_FIELDS, start=1)}

    # --- Summary -----------------------------------------------------------------------------------

    @cached_property
    def _summary_lines(self) -> tuple[str | None, ...]:
        """The Summary's line keys top to bottom, None for a blank row between groups."""
        keys = [f"income:{label}" for label in self.year.labels] + ["income", None]
        keys += [f"spend:{area.value}" for area in AreaOfSpend] + ["spend", "balance", None, "nhs", "la", None]
        keys += ["asc_required", "asc_planned", "asc_under", None, "ooh_required", "ooh_planned", "ooh_under", None]
        keys += ["dfg_available", "dfg_allocated", "dfg_retained", "dfg_passported"]
        return tuple(keys)

    @cached_property
    def summary(self) -> Table:
        """The Summary: a line's label in ``line``, its amount for each plan year in ``amount1``..."""
        fields = (Field("line", ""), *(Field(f"amount{i + 1}", f"{y} (£)", MONEY) for i, y in enumerate(self.years)))
        return Table(SUMMARY, "Summary", SUMMARY_HEADER_ROW, len(self._summary_lines), fields)

    def summary_col(self, year_index: int) -> str:
        return self.summary.columns[f"amount{year_index + 1}"]

    @cached_property
    def summary_rows(self) -> dict[str, int]:
        """Row of each Summary line: 'income:LABEL', 'income', 'spend:AREA', 'spend', 'balance',
        'nhs', 'la', 'asc_required', 'asc_planned', 'asc_under', 'ooh_required', 'ooh_planned',
        'ooh_under', 'dfg_available', 'dfg_allocated', 'dfg_retained', 'dfg_passported'."""
        rows = self.summary.data_rows
        return {key: row for row, key in zip(rows, self._summary_lines, strict=True) if key is not None}

    def summary_cell(self, key: str, year_index: int) -> str:
        return self.summary.cell(f"amount{year_index + 1}", self.summary_rows[key])

    # --- Tables (the layout vocabulary the reader and placement work from) ---------------------------

    @cached_property
    def partners(self) -> Table:
        fields = (
            Field("partner_id", "Partner ID"),
            Field("name", "Partner"),
            Field("kind", "Type (Council or ICB)", CHOICE),
        )
        return Table(COVER, "Partners", PARTNER_HEADER_ROW, PARTNER_ROWS, fields, first_column=2, record="partner")

    @cached_property
    def income(self) -> Table:
        fields = (
            Field("source_id", "Ref"),
            Field("kind", "Funding source", CHOICE),
            Field("contributor", "Contributor (Partner ID)", CHOICE),
            Field("description", "Description"),
            *(Field(f"amount{i + 1}", f"Income {y}", MONEY) for i, y in enumerate(self.years)),
        )
        aliases = (("amount", "amounts"),)
        return Table(INCOME, "Income", INCOME_HEADER_ROW, INCOME_ROWS, fields, record="source", aliases=aliases)

    @cached_property
    def districts(self) -> Table:
        fields = [Field("district_id", "District ID"), Field("name", "District council (two-tier areas)")]
        for i, y in enumerate(self.years):
            fields += [
                Field(f"allocation{i + 1}", f"Allocation {y}", MONEY),
                Field(f"retained{i + 1}", f"Retained {y}", MONEY),
                Field(f"reference{i + 1}", f"Agreement reference {y}"),
            ]
        aliases = (("allocation", "dfg_allocation"), ("reference", "agreement_reference"))
        header = self.district_header_row
        return Table(INCOME, "Districts", header, DISTRICT_ROWS, tuple(fields), record="district", aliases=aliases)

    @cached_property
    def expenditure(self) -> Table:
        """The Expenditure table: per-year keys are ``amount1``... and ``nhs1``... (``scheme_columns`` gives the
        same columns under ``amount:YEAR`` and ``nhs:YEAR``)."""
        kinds = {"nhs_share": SHARE, "prior_year_budget": MONEY, "additional_investment": MONEY}
        fields = [Field(key, header, kinds.get(key, TEXT)) for key, header in SCHEME_LEADING]
        fields += [Field(f"amount{i + 1}", f"Expenditure {y} (£)", MONEY) for i, y in enumerate(self.years)]
        fields += [Field(key, header, kinds.get(key, TEXT)) for key, header in SCHEME_TRAILING]
        fields += [Field("kind", "Funding source (from Income)", TEXT, computed=True)]
        fields += [
            Field(f"nhs{i + 1}", f"NHS commissioned {y} (£)", NUMBER, computed=True) for i, y in enumerate(self.years)
        ]
        rows = self.scheme_rows
        aliases = (("amount", "amounts"),)
        return Table(
            EXPENDITURE, "Expenditure", SCHEME_HEADER_ROW, rows, tuple(fields), record="scheme", aliases=aliases
        )

    @cached_property
    def metrics(self) -> Table:
        fields = tuple(Field(key, header) for key, header in self.METRIC_HEADERS.items())
        rows = len(self.year.metrics)
        return Table(
            METRICS, "Metrics", METRIC_HEADER_ROW, rows, fields, record="metric", aliases=(("code", "metric_id"),)
        )

    @cached_property
    def conditions(self) -> Table:
        rows = len(self.year.conditions)
        return Table(REQUIREMENTS, "Conditions", CONDITION_HEADER_ROW, rows, self.CONDITION_FIELDS, record="condition")

    @cached_property
    def placement(self) -> Placement:
        """Where a finding about each kind of record, field and plan year shows in the template."""
        income = self.income.place()
        # An unspent or overcommitted source is shown at its income for the year.
        balances: dict[FieldKey, str] = {("balance", i): self.income_amount_col(i) for i in range(len(self.years))}
        income = dataclasses.replace(income, columns={**income.columns, **balances})
        tables = (self.expenditure.place(), income, self.districts.place(), self.metrics.place(), self.partners.place())
        cells: dict[tuple[str, str, int | None], tuple[str, str]] = {}
        for i in range(len(self.years)):
            cells |= {
                ("plan", "balance", i): (SUMMARY, self.summary_cell("balance", i)),
                ("asc_minimum", "required", i): (SUMMARY, self.summary_cell("asc_under", i)),
                ("ooh_minimum", "required", i): (SUMMARY, self.summary_cell("ooh_under", i)),
                ("dfg", "allocations", i): (SUMMARY, self.summary_cell("dfg_allocated", i)),
                ("dfg", "received", i): (INCOME, self.dfg_received_cell(i)),
                ("policy", "uplift", i): (INCOME, self.asc_minimum_cell(i)),  # the minimum the uplift gives
            }
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
