"""Where everything sits in the submission workbook: the one layout the builder, reader,
validator and tests use. No cell address of the submission is written anywhere else.

The layout is worked out from a :class:`TemplateYear` and the number of expenditure rows; the
number of rows is kept in the workbook (defined name ``BCF_SCHEME_ROWS``) so a reader finds it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import ClassVar

from bcf_xl.files import MAX_SCHEME_ROWS
from bcf_xl.model import AreaOfSpend
from bcf_xl.policy import Policy
from bcf_xl.submission.definition import TemplateYear
from bcf_xl.workbook.placement import FieldKey, Placement
from bcf_xl.workbook.references import absolute, column_letter
from bcf_xl.workbook.tables import CHOICE, MONEY, NUMBER, SHARE, TEXT, Field, Lines, Table, one_a_row, quote
from bcf_xl.workbook.validation import SCHEME_LISTS, dropdown_lists, list_ranges as ranges_on_sheet, select

GUIDANCE = "Guidance"
COVER = "Cover"
SUMMARY = "Summary"
INCOME = "Income"
EXPENDITURE = "Expenditure"
METRICS = "Metrics"
LISTS = "Lists"
# The sheets every year's template has, before and after the year's conditions tab (TemplateYear.conditions_sheet).
SHEETS = (GUIDANCE, COVER, SUMMARY, INCOME, EXPENDITURE, METRICS)

TITLE_CELL = "A1"  # every sheet's title
STATUS_CELL = "A2"  # the Cover's status, directly below the title: "Complete Template" or "Incomplete Template"
STATUS_CELLS = "A2:C2"  # the status cell, merged across the Cover's label and input columns
COMPLETE, INCOMPLETE = "Complete Template", "Incomplete Template"

# Guidance: one line of text a row from GUIDANCE_FIRST_ROW, in column A.
GUIDANCE_COLUMN = "A"
GUIDANCE_FIRST_ROW = 3

# Cover: grey lines naming the template year (how a reader knows the template, the same cell in every year) and
# the generator, then the year's yellow inputs one a row from COVER_FIRST_ROW, label in B, input in C.
COVER_FIXED = one_a_row(3, ("template_year", "generator"))
TEMPLATE_YEAR_CELL = f"C{COVER_FIXED['template_year']}"
COVER_FIRST_ROW = 6
PARTNER_ROWS = 8
INCOME_HEADER_ROW = 3
INCOME_ROWS = 20
DISTRICT_ROWS = 15
SCHEME_HEADER_ROW = 3
METRIC_HEADER_ROW = 3
CONDITION_HEADER_ROW = 3
SUMMARY_HEADER_ROW = 3
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


def expenditure_header(plan_year: str) -> str:
    """The header of a plan year's amount column on the Expenditure tab: ``Expenditure 2023-24 (£)``."""
    return f"Expenditure {plan_year} (£)"


# ...and after them: (key, header).
SCHEME_TRAILING = (
    ("status", "New/Existing Scheme"),
    ("prior_year_budget", "Prior-year budget (£)"),
    ("additional_investment", "Additional investment (£)"),
)


def col(index: int) -> str:
    """Column letter of a 1-based column number."""
    return column_letter(index)


def checklist_table(header_row: int) -> Table:
    """The checklist inside a Cover from ``header_row``: sheet, required item, the cell it links to, and its
    checker (the builder counts the lines). The planning template and the returns share it."""
    fields = (
        Field("sheet", "Sheet"),
        Field("item", "Required item"),
        Field("link", "Cell"),
        Field("complete", "Complete?"),
    )
    return Table(COVER, "Checklist", header_row, 0, fields, first_column=2)


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
    start, end = absolute(table.cell(first, rows[0])), absolute(table.cell(last, rows[-1]))
    return f"{quote(table.sheet)}!{start}:{end}"


@dataclass(frozen=True)
class Layout:
    """Cell positions of one template year with a given number of expenditure rows."""

    year: TemplateYear
    scheme_rows: int

    @property
    def years(self) -> tuple[str, ...]:
        return self.year.plan_years

    # --- Cover -------------------------------------------------------------------------------------

    @cached_property
    def cover_lines(self) -> Lines:
        """The Cover's single cells: the grey template year and generator, then the year's inputs."""
        inputs = one_a_row(COVER_FIRST_ROW, self.year.cover_inputs)
        return Lines(COVER, "B", ("C",), MappingProxyType({**COVER_FIXED, **inputs}))

    def cover_cell(self, key: str) -> str:
        """The cell of a Cover line: an input of :data:`COVER_INPUTS`, ``template_year`` or ``generator``."""
        return self.cover_lines.cell(key)

    def cover_label(self, key: str) -> str:
        return self.cover_lines.label(key)

    @property
    def conditions_sheet(self) -> str:
        return self.year.conditions_sheet

    @property
    def sheets(self) -> tuple[str, ...]:
        """The template's sheets in order."""
        return (*SHEETS, self.conditions_sheet, LISTS)

    @cached_property
    def checklist(self) -> Table:
        """The checklist inside the Cover, below the partners: one line a required item (the builder counts them)."""
        return checklist_table(self.partner_rows[-1] + 3)

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
        }

    @cached_property
    def widths(self) -> Mapping[str, Mapping[str, float]]:
        """The width of each sized column, by sheet."""
        schemes = self.expenditure.columns
        expenditure: dict[str, float] = dict.fromkeys(schemes.values(), 18)
        expenditure |= {schemes["name"]: 36, schemes["description"]: 48}
        expenditure |= {schemes["scheme_type"]: 34, schemes["sub_type"]: 34, schemes["provider"]: 26}
        return {
            GUIDANCE: {GUIDANCE_COLUMN: 110},
            COVER: {"A": 3, "B": 48, "C": 60, "D": 22, "E": 30 if self.year.partner_sign_off else 12},
            INCOME: {"A": 34, "B": 40, "C": 24, "D": 40, **{col(5 + i): 20 for i in range(len(self.districts.fields))}},
            EXPENDITURE: expenditure,
            METRICS: {"A": 10, "B": 60, "C": 24, "D": 18, "E": 14, "F": 34, "G": 14, "H": 14, "I": 16, "J": 16},
            self.conditions_sheet: dict(zip(self.conditions.columns.values(), self._condition_widths, strict=True)),
            SUMMARY: {"A": 60, **{self.summary_col(i): 20 for i in range(len(self.years))}},
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

    # --- Metrics and national conditions ------------------------------------------------------------

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

    @property
    def has_statements(self) -> bool:
        """The year asks for each condition as an assurance statement, shown in a column of its own."""
        return any(condition.statement for condition in self.year.conditions)

    @property
    def _condition_widths(self) -> tuple[float, ...]:
        return (8, 44, 70, 22, 50) if self.has_statements else (8, 70, 22, 60)

    # The column of each metric field, as the table below places them.
    METRIC_COLUMNS: ClassVar[Mapping[str, str]] = {key: col(i) for i, key in enumerate(METRIC_HEADERS, start=1)}

    @property
    def condition_columns(self) -> Mapping[str, str]:
        """The column of each field of the conditions table."""
        return self.conditions.columns

    # --- Summary -----------------------------------------------------------------------------------

    @cached_property
    def _summary_lines(self) -> tuple[str | None, ...]:
        """The Summary's line keys top to bottom, None for a blank row between groups."""
        keys = [f"income:{label}" for label in self.year.labels] + ["income", None]
        keys += [f"spend:{area.value}" for area in AreaOfSpend] + ["spend", "balance", None, "nhs", "la", None]
        keys += ["asc_required", "asc_planned", "asc_under", None, "ooh_required", "ooh_planned", "ooh_under", None]
        keys += ["dfg_available", "dfg_allocated", "dfg_retained", "dfg_passported", None]
        keys += ["dfg_unallocated", "dfg_unmatched", "repeated_ids"]
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
        'ooh_under', 'dfg_available', 'dfg_allocated', 'dfg_retained', 'dfg_passported', 'dfg_unallocated',
        'dfg_unmatched', 'repeated_ids' (one figure, in the first year's column)."""
        rows = self.summary.data_rows
        return {key: row for row, key in zip(rows, self._summary_lines, strict=True) if key is not None}

    def summary_cell(self, key: str, year_index: int) -> str:
        return self.summary.cell(f"amount{year_index + 1}", self.summary_rows[key])

    # --- Tables (the layout vocabulary the reader and placement work from) ---------------------------

    @cached_property
    def partners(self) -> Table:
        """The partners, below the Cover's inputs; a year whose plan each partner's chief executive signs off
        names them in a fourth column."""
        fields = [
            Field("partner_id", "Partner ID"),
            Field("name", "Partner"),
            Field("kind", "Type (Council or ICB)", CHOICE),
        ]
        if self.year.partner_sign_off:
            fields.append(Field("chief_executive", "Chief executive (signs off the plan)"))
        header = COVER_FIRST_ROW + len(self.year.cover_inputs) + 1
        return Table(COVER, "Partners", header, PARTNER_ROWS, tuple(fields), first_column=2, record="partner")

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
        fields += [Field(f"amount{i + 1}", expenditure_header(y), MONEY) for i, y in enumerate(self.years)]
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
        """The national conditions on the year's conditions tab: each one's code and name, its assurance statement
        where the year has them, the Yes/No answer and the explanation."""
        fields = [Field("code", "Code"), Field("text", "National condition")]
        if self.has_statements:
            fields.append(Field("statement", "Assurance statement"))
        fields += [
            Field("met", self.year.condition_heading, CHOICE),
            Field("explanation", "Explanation (required if No)"),
        ]
        rows = len(self.year.conditions)
        return Table(self.conditions_sheet, "Conditions", CONDITION_HEADER_ROW, rows, tuple(fields), record="condition")

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
    "dfg_unallocated": "DFG received not allocated to districts (two-tier areas)",
    "dfg_unmatched": "DFG income line less DFG received and in-year top-up",
    "repeated_ids": "Expenditure rows whose Scheme ID is entered more than once",
}
# The Expenditure tab, far wider than a page, prints at a readable scale across as many pages as it needs, each
# scheme's ID and name at the left of every page: (scale in per cent, columns repeated).
EXPENDITURE_PRINTING = (75, "A:B")
# The Summary lines that show a difference: each must be zero for the plan to meet NHS England's rules
# (income equals expenditure, the minimums are met, the DFG is passed on in full, scheme IDs are unique).
DIFFERENCES = ("balance", "asc_under", "ooh_under", "dfg_unallocated", "dfg_unmatched", "repeated_ids")


def scheme_rows_for(n_schemes: int) -> int:
    """Expenditure rows to give a plan: its schemes and room for more, at least 100 and at most the
    :data:`~bcf_xl.files.MAX_SCHEME_ROWS` a reader reads (the builder refuses a plan with more schemes)."""
    return min(MAX_SCHEME_ROWS, max(100, n_schemes + 50))


_LIST_NAMES = ("partner_kinds", "area_kinds", *SCHEME_LISTS)


def lists_for(policy: Policy, year: TemplateYear) -> dict[str, tuple[str, ...]]:
    """The dropdown vocabularies of the Lists sheet, by name: the year's income labels, then the shared lists."""
    return {"income": year.labels, **select(dropdown_lists(policy), _LIST_NAMES)}


def list_ranges(lists: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Where each list sits on the template's Lists sheet, e.g. ``Lists!$A$2:$A$7``."""
    return ranges_on_sheet(LISTS, lists)


@functools.lru_cache(maxsize=64)
def layout_of(year: TemplateYear, scheme_rows: int) -> Layout:
    """The layout of a template year with a given number of expenditure rows: one object for every file read with
    them, so that what it works out (its tables, its lines) is worked out once."""
    return Layout(year, scheme_rows)
