"""Build the NHS England planning template for a plan, with openpyxl.

Yellow unlocked cells are inputs, grey locked cells are pre-populated, every other cell is locked
and each sheet protected without a password. Dropdown lists live on a hidden Lists sheet inside
the workbook. Summary and checklist use native Excel formulas only. User text is always written
as text, never as a formula, whatever it starts with.
"""

from __future__ import annotations

import math
import re
import textwrap
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from bcf_xl import __version__
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import write_atomically
from bcf_xl.metrics import as_submitted
from bcf_xl.minimums import asc_minimum
from bcf_xl.model import MetricUnit, Plan, SourceKind
from bcf_xl.policy import Policy, Uplift
from bcf_xl.submission import checklist
from bcf_xl.submission.definition import COVER_INPUTS, TemplateYear
from bcf_xl.submission.layout import (
    COMPLETE,
    COVER,
    DIFFERENCES,
    EXPENDITURE,
    EXPENDITURE_PRINTING,
    GUIDANCE,
    INCOME,
    INCOMPLETE,
    LISTS,
    METRICS,
    SCHEME_ROWS_NAME,
    STATUS_CELL,
    STATUS_CELLS,
    SUMMARY,
    SUMMARY_LABELS,
    TITLE_CELL,
    Layout,
    cells,
    col,
    guidance_cell,
    layout_of,
    list_ranges,
    lists_for,
    scheme_rows_for,
)
from bcf_xl.submission.totals import rated_rule, summary_formulas
from bcf_xl.workbook import to_openpyxl
from bcf_xl.workbook.formats import MONEY, MONEY_FORMAT, NUMBER_FORMATS, RATE, SHARE, TEMPLATE, TEXT, WHOLE, Style
from bcf_xl.workbook.rules import Calculation, ExcelError, Expr, Range, countif, if_
from bcf_xl.workbook.sheets import HIDDEN_LISTS, printed
from bcf_xl.workbook.tables import Table
from bcf_xl.workbook.validation import (
    Validation,
    between,
    dropdown,
    list_cells,
    percent,
    pounds,
)
from bcf_xl.workbook.values import cover_values, dfg_inputs, retained, scheme_values

LOOK = TEMPLATE
POUNDS = MONEY_FORMAT
GREEN, RED = LOOK.good, LOOK.bad


def _write_text(sheet: Worksheet, ref: str, value: str) -> None:
    """Write text as text: a scheme called '=HYPERLINK(...)' must stay words, not become a formula."""
    to_openpyxl.label(sheet, ref, value)


_WRAPPED_INPUT = LOOK.input(TEXT).but(wrap=True, valign="top")


def _input(sheet: Worksheet, ref: str, value: object = None, kind: str = TEXT) -> None:
    to_openpyxl.put(sheet, ref, value, LOOK.input(kind))


def _grey(sheet: Worksheet, ref: str, value: object, kind: str = TEXT) -> None:
    """A pre-populated, locked cell: a figure or text the template fills in for the officer."""
    to_openpyxl.put(sheet, ref, value, LOOK.computed(kind))


def _computed(sheet: Worksheet, ref: str, formula: str, kind: str = TEXT) -> None:
    to_openpyxl.formula(sheet, ref, formula, LOOK.computed(kind))


def _headers(sheet: Worksheet, table: Table, headers: Iterable[str], row: int | None = None) -> None:
    """Write a header over each of the table's columns, in its header row or in ``row``."""
    for field, text in zip(table.fields, headers, strict=True):
        to_openpyxl.label(sheet, table.cell(field.key, table.header_row if row is None else row), text, LOOK.header)


def _title(sheet: Worksheet, text: str) -> None:
    to_openpyxl.label(sheet, TITLE_CELL, text, LOOK.title)


def _finish(
    sheet: Worksheet,
    widths: Mapping[str, float],
    freeze: str | None,
    last_column: int,
    last_row: int,
    *,
    one_page: bool = False,
    header_row: int | None = None,
    across: tuple[int, str] | None = None,
) -> None:
    """Set a sheet's widths, frozen panes, protection and printing: a page wide, or on one page, or ``across``
    pages at (scale in per cent, columns repeated at the left of each page)."""
    scale, repeat_columns = across or (None, None)
    setup = printed(
        col(last_column),
        last_row,
        freeze=freeze,
        one_page=one_page,
        widths=tuple(widths.items()),
        header_row=header_row,
        scale=scale,
        repeat_columns=repeat_columns,
    )
    to_openpyxl.finish(sheet, setup)
    _fit_rows(sheet)


# The default width of a column, in characters, and the height of a line of text, in points.
_DEFAULT_WIDTH, _LINE_HEIGHT = 8.43, 15


def _fit_rows(sheet: Worksheet) -> None:
    """Make each row as tall as the lines its wrapped text needs in its column's width: not every program grows a
    row for wrapped text, and a row that stays one line tall prints its lines over the next row's."""
    merged = {cell for block in sheet.merged_cells.ranges for cell in block.cells}
    characters: dict[str, int] = {}  # by column letter
    for index, row in enumerate(sheet.iter_rows(min_row=1), start=1):
        lines = 1
        for column, cell in enumerate(row, start=1):
            text = cell.value
            if not isinstance(text, str) or text.startswith("="):
                continue
            letter = get_column_letter(column)
            if letter not in characters:
                characters[letter] = max(1, int(sheet.column_dimensions[letter].width or _DEFAULT_WIDTH) - 1)
            if len(text) <= characters[letter] and "\n" not in text:
                continue  # one line, wrapped or not
            if not cell.alignment.wrap_text or (index, column) in merged:
                continue  # a merged block's rows are set where it is written (the Guidance lines)
            lines = max(lines, _lines(text, characters[letter]))
        if lines > 1:
            sheet.row_dimensions[index].height = max(sheet.row_dimensions[index].height or 0, _LINE_HEIGHT * lines)


def _lines(text: str, characters: int) -> int:
    """The lines ``text`` wraps to in a column ``characters`` wide: each of its own lines, wrapped at spaces."""
    return sum(len(textwrap.wrap(part, characters)) or 1 for part in text.split("\n"))


def _dropdown(sheet: Worksheet, source: str, cells: str, prompt: str) -> None:
    to_openpyxl.validate(sheet, cells, dropdown(source, prompt))


def _amounts(policy: Policy) -> Validation:
    """An amount of the plan: within the policy's planning bound."""
    bound = policy.bound("planning")
    return between(bound, f"Between {pounds(bound.low)} and {pounds(bound.high)}")


def build(plan: Plan, year: TemplateYear, policy: Policy) -> Workbook:
    """The filled template of ``year`` for ``plan`` (formulas without cached values; :func:`write` adds them)."""
    return _assemble(plan, year, policy)[0]


def _assemble(plan: Plan, year: TemplateYear, policy: Policy) -> tuple[Workbook, dict[tuple[str, str], Expr]]:
    """The filled template, and the rule of every formula cell (from which :func:`write` computes the cached values).

    Raises:
        BcfInputError: the plan's years are not the template's, or the plan holds something the
            template has no place for (a funding source of a kind the year has no line for, more
            partners, income lines or districts than the template has rows for).
    """
    if plan.years != year.plan_years:
        raise BcfInputError(
            Location(field="Plan years"),
            f"the {year.name} template is for {', '.join(year.plan_years)}",
            ", ".join(plan.years),
        )
    layout = layout_of(year, scheme_rows_for(len(plan.schemes)))
    _fits(plan, layout)
    lists = lists_for(policy, year)
    ranges = list_ranges(lists)
    book = new_book(layout.sheets, lists)
    _guidance(book[GUIDANCE], layout, policy)
    _income(book[INCOME], plan, layout, ranges, policy)
    _expenditure(book[EXPENDITURE], plan, layout, ranges, policy)
    _metrics(book[METRICS], plan, layout)
    _conditions(book[layout.conditions_sheet], plan, layout, ranges)
    _summary(book[SUMMARY], layout)
    items = checklist.items(layout, lists, ranges, policy)
    checkers = _cover(book[COVER], plan, layout, ranges, items)
    book.defined_names[SCHEME_ROWS_NAME] = DefinedName(SCHEME_ROWS_NAME, attr_text=layout.scheme_rows_reference)
    return ready(book), {**checklist.computed_rules(layout), **checkers}


def new_book(sheets: Iterable[str], lists: dict[str, tuple[str, ...]]) -> Workbook:
    """An empty template (the planning template or a return): its sheets in order, the Lists sheet filled."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for name in sheets:
        book.create_sheet(name)
    _lists(book[LISTS], lists)
    return book


def finished(book: Workbook, rules: Mapping[tuple[str, str], Expr]) -> tuple[Workbook, dict[tuple[str, str], object]]:
    """A filled template made :func:`ready`, with the value each formula cell computes to (for the cached values)."""
    return ready(book), cached_values(book, rules)


def ready(book: Workbook) -> Workbook:
    """A filled template made ready: the Cover shown first, every formula recalculated on opening."""
    book.active = book.sheetnames.index(COVER)
    book.calculation.fullCalcOnLoad = True
    return book


def _fits(plan: Plan, layout: Layout) -> None:
    for what, count, room in (
        ("partners", len(plan.partners), len(layout.partner_rows)),
        ("income lines", len(plan.sources), len(layout.income_rows)),
        ("districts", len(plan.area.districts), len(layout.district_rows)),
        ("schemes", len(plan.schemes), layout.scheme_rows),
    ):
        if count > room:
            raise BcfInputError(Location(field=what), f"the template has room for {room:,}", f"{count:,}")
    for source in plan.sources:
        layout.year.label(source.kind)


def write(plan: Plan, year: TemplateYear, policy: Policy, target: Path, *, overwrite: bool = False) -> None:
    """Build the template and write it atomically to ``target`` (.xlsx)."""
    if target.suffix.lower() != ".xlsx":
        raise BcfInputError(
            Location(sheet=target.name), "the submission must be an .xlsx file", target.suffix or "no extension"
        )
    book, rules = _assemble(plan, year, policy)
    cached = cached_values(book, rules)

    def save(temporary: Path) -> None:
        book.save(temporary)
        store_cached_values(temporary, cached)

    write_atomically(target, save, overwrite=overwrite)


# --- the sheets --------------------------------------------------------------------------------------


def _lists(sheet: Worksheet, lists: dict[str, tuple[str, ...]]) -> None:
    for ref, text, _ in list_cells(lists):
        _write_text(sheet, ref, text)
    to_openpyxl.finish(sheet, HIDDEN_LISTS)


def _guidance(sheet: Worksheet, layout: Layout, policy: Policy) -> None:
    year = layout.year
    _title(sheet, year.title)
    bound = policy.bound("planning")
    lines = [
        "How to complete this template",
        "Yellow cells are inputs. Grey cells are pre-populated. All other cells are calculated and locked.",
        "Sheets are protected without a password so that formulas are not overwritten by accident.",
        f"Dropdowns offer the national lists; numbers must be between {pounds(bound.low)} and {pounds(bound.high)}.",
        "The checklist on the Cover shows a red 'No' for each required field still to complete and a green 'Yes' "
        f"once it is complete. The cell under the Cover's title reads '{COMPLETE}' when every required field is "
        "filled in.",
        "The Summary shows the differences NHS England's rules require to be zero: income less expenditure, "
        "under-spends against the minimums, DFG not passed on, repeated scheme IDs. A template can be complete "
        "and still show a difference: resolve each one before submitting.",
        "Amounts are in pounds and pence; joint schemes give the NHS share as a percentage.",
        *_folded_lines(year),
        *_uplift_lines(year, policy),
        "",
        f"This template was produced from the plan by bcf-xl {__version__}. It follows the structure of NHS "
        "England's planning template; these details could not be confirmed against the published template:",
        *[f"  - {note}" for note in (*year.unconfirmed, *_unconfirmed_uplifts(year, policy))],
    ]
    for line, text in enumerate(lines):
        to_openpyxl.label(sheet, guidance_cell(line), text, LOOK.wrapped)
        # Wrapped text does not grow its row in every program: give each line the rows its words need.
        sheet.row_dimensions[coordinate_to_tuple(guidance_cell(line))[0]].height = 15 * (
            1 + len(text) // _GUIDANCE_CHARACTERS
        )
    to_openpyxl.apply(sheet[guidance_cell(0)], LOOK.bold)
    last_row, last_column = coordinate_to_tuple(guidance_cell(len(lines) - 1))
    _finish(sheet, layout.widths[GUIDANCE], None, last_column, last_row, one_page=True)


# Characters of Guidance text a line of its column holds.
_GUIDANCE_CHARACTERS = 100


def _folded_lines(year: TemplateYear) -> list[str]:
    """A line for each kind of funding the year has no line for, naming the line that holds it."""
    return [
        f"Funding recorded in plans as {folded.kind.value} is shown in the {year.label(folded.into)} line "
        f"({folded.why})."
        for folded in year.folded
        if folded.kind is not SourceKind.WINTER_PRESSURES  # merged in 2020-21: no template since names it
    ]


def _uplift_lines(year: TemplateYear, policy: Policy) -> list[str]:
    """The confirmed uplift of the NHS contribution to adult social care in each plan year, with its source."""
    lines = []
    for plan_year in year.plan_years:
        uplift = _known_uplift(policy, plan_year)
        if uplift is not None and uplift.checked:
            lines.append(
                f"The NHS minimum contribution to adult social care rises {_percent(uplift.rate)} in {plan_year} "
                f"(confirmed: {uplift.source})."
            )
    return lines


def _unconfirmed_uplifts(year: TemplateYear, policy: Policy) -> list[str]:
    """A note for each plan year whose uplift of the contribution to adult social care is not confirmed."""
    notes = []
    for plan_year in year.plan_years:
        uplift = _known_uplift(policy, plan_year)
        if uplift is None:
            notes.append(f"The {plan_year} uplift of the NHS contribution to adult social care is not known.")
        elif not uplift.checked:
            notes.append(
                f"The {plan_year} uplift of the NHS contribution to adult social care ({_percent(uplift.rate)}) is "
                "not confirmed."
            )
    return notes


def _known_uplift(policy: Policy, plan_year: str) -> Uplift | None:
    try:
        return policy.uplift(plan_year)
    except BcfInputError:
        return None


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _cover(
    sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str], items: tuple[checklist.Item, ...]
) -> dict[tuple[str, str], Expr]:
    """Write the Cover: title, status cell, the year's inputs, the partners and the checklist; return the rule of
    each formula cell the checklist writes."""
    _title(sheet, layout.year.title)
    values = cover_values(plan)
    for key in layout.year.cover_inputs:
        _write_text(sheet, layout.cover_label(key), COVER_INPUTS[key])
        to_openpyxl.apply(sheet[layout.cover_label(key)], LOOK.wrapped)
        _input(sheet, layout.cover_cell(key), values[key] or None)
    _dropdown(sheet, ranges["area_kinds"], layout.cover_cell("area_kind"), "Choose Unitary or Two-tier")
    if "hwb_signed_off" in layout.year.cover_inputs:
        _dropdown(sheet, ranges["yes_no"], layout.cover_cell("hwb_signed_off"), "Choose Yes or No")
    for key, label, value in (
        ("template_year", "Template", layout.year.name),
        ("generator", "Generated by", f"bcf-xl {__version__}"),
    ):
        _write_text(sheet, layout.cover_label(key), label)
        _grey(sheet, layout.cover_cell(key), value)
    partners = layout.partners
    _headers(sheet, partners, (field.header for field in partners.fields))
    rows = layout.partner_rows
    for row, partner in zip(rows, (*plan.partners, *([None] * len(rows))), strict=False):
        _input(sheet, partners.cell("partner_id", row), partner.partner_id if partner else None)
        _input(sheet, partners.cell("name", row), partner.name if partner else None)
        _input(sheet, partners.cell("kind", row), partner.kind.value if partner else None)
        if "chief_executive" in partners.columns:
            _input(sheet, partners.cell("chief_executive", row), (partner.chief_executive or None) if partner else None)
    _dropdown(sheet, ranges["partner_kinds"], cells(partners, "kind"), "Choose Council or ICB")
    rules, last_row = write_checklist(sheet, items, layout.checklist)
    _finish(sheet, layout.widths[COVER], None, len(layout.checklist.fields) + 1, last_row, one_page=True)
    return rules


def _income(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str], policy: Policy) -> None:
    _title(sheet, f"{layout.year.title}: Income")
    years = layout.years
    income = layout.income
    _headers(
        sheet,
        income,
        ("Ref", "Funding source", "Contributor (Partner ID)", "Description", *(f"Income {y} (£)" for y in years)),
    )
    rows = layout.income_rows
    amounts = [f"amount{index + 1}" for index in range(len(years))]
    for row, source in zip(rows, (*plan.sources, *([None] * len(rows))), strict=False):
        _input(sheet, income.cell("source_id", row), source.source_id if source else None)
        _input(sheet, income.cell("kind", row), layout.year.label(source.kind) if source else None)
        _input(sheet, income.cell("contributor", row), source.contributor if source else None)
        _input(sheet, income.cell("description", row), (source.description or None) if source else None)
        for index, key in enumerate(amounts):
            _input(sheet, income.cell(key, row), source.amounts[index] if source else None, MONEY)
    _dropdown(sheet, ranges["income"], cells(income, "kind"), "Choose a funding source from the list")
    _dropdown(
        sheet,
        layout.partners.span("partner_id"),
        cells(income, "contributor"),
        "Choose a Partner ID from the Cover",
    )
    to_openpyxl.validate(sheet, cells(income, amounts[0], amounts[-1]), _amounts(policy))

    labels = layout.income_labels
    _headers(
        sheet,
        income,
        ("Minimum requirements (pre-populated)", "", "", "", *(f"{y} (£)" for y in years)),
        layout.minimums_row,
    )
    _write_text(sheet, labels["asc_prior"], "NHS contribution to adult social care in the year before the plan")
    _write_text(sheet, labels["asc_minimum"], "Minimum NHS contribution to adult social care")
    _write_text(sheet, labels["ooh_minimum"], "Minimum NHS-commissioned out-of-hospital spend")
    minimums = asc_minimum(plan, policy)
    _grey(sheet, layout.asc_prior_cell, plan.asc_minimum.prior_year if plan.asc_minimum else None, MONEY)
    for index in range(len(years)):
        _grey(sheet, layout.asc_minimum_cell(index), minimums[index].required if minimums else None, MONEY)
        _grey(sheet, layout.ooh_minimum_cell(index), plan.ooh_minimum[index] if plan.ooh_minimum else None, MONEY)

    _headers(sheet, income, ("Disabled Facilities Grant", "", "", "", *(f"{y} (£)" for y in years)), layout.dfg_row)
    _write_text(sheet, labels["dfg_received"], "DFG received (grant letter)")
    _write_text(sheet, labels["dfg_top_up"], "In-year top-up")
    for index in range(len(years)):
        received, top_up = dfg_inputs(plan, index)
        _input(sheet, layout.dfg_received_cell(index), received, MONEY)
        _input(sheet, layout.dfg_top_up_cell(index), top_up, MONEY)
    table = layout.districts
    district_headers = ["District ID", "District council (two-tier areas)"]
    for y in years:
        district_headers += [f"Allocation {y} (£)", f"Retained by agreement {y} (£)", f"Agreement reference {y}"]
    _headers(sheet, table, district_headers)
    districts = plan.area.districts
    for row, district in zip(table.data_rows, (*districts, *([None] * table.rows)), strict=False):
        _input(sheet, table.cell("district_id", row), district.district_id if district else None)
        _input(sheet, table.cell("name", row), district.name if district else None)
        for index in range(len(years)):
            amount, references = retained(plan, district.district_id, index) if district else (None, None)
            allocation = district.dfg_allocation[index] if district else None
            _input(sheet, table.cell(f"allocation{index + 1}", row), allocation, MONEY)
            _input(sheet, table.cell(f"retained{index + 1}", row), amount, MONEY)
            _input(sheet, table.cell(f"reference{index + 1}", row), references)
    _finish(
        sheet,
        layout.widths[INCOME],
        layout.freeze[INCOME],
        max(len(table.fields), len(income.fields)),
        table.data_rows[-1],
    )


def _expenditure(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str], policy: Policy) -> None:
    _title(sheet, f"{layout.year.title}: Expenditure")
    cols = layout.scheme_columns
    table = layout.expenditure
    _headers(sheet, table, layout.scheme_headers.values())
    rows = layout.scheme_rows_range
    schemes = (*plan.schemes, *([None] * len(rows)))
    computed = checklist.computed_rules(layout)  # the grey cells' rules, built once per layout
    for row, scheme in zip(rows, schemes, strict=False):
        values: dict[str, object] = {}
        if scheme:
            values = scheme_values(scheme)
            values |= {f"amount:{year}": amount for year, amount in zip(layout.years, scheme.amounts, strict=True)}
        for key, letter in cols.items():
            ref = f"{letter}{row}"
            if key == "kind":
                _computed(sheet, ref, "=" + computed[(EXPENDITURE, ref)].formula(EXPENDITURE))
            elif key.startswith("nhs:"):
                _computed(sheet, ref, "=" + computed[(EXPENDITURE, ref)].formula(EXPENDITURE), MONEY)
            elif key.startswith("amount:") or key in ("prior_year_budget", "additional_investment"):
                _input(sheet, ref, values.get(key), MONEY)
            elif key == "nhs_share":
                _input(sheet, ref, values.get(key), SHARE)
            else:  # text wraps within its column, so it prints whole rather than cut off by the next column
                to_openpyxl.put(sheet, ref, values.get(key), _WRAPPED_INPUT)
    for key, name in (
        ("scheme_type", "scheme_types"),
        ("sub_type", "sub_types"),
        ("area_of_spend", "area_of_spend"),
        ("commissioner", "commissioner"),
        ("provider", "provider"),
        ("status", "status"),
    ):
        _dropdown(sheet, ranges[name], cells(table, key), "Choose from the national list")
    _dropdown(
        sheet,
        layout.income.span("source_id"),
        cells(table, "source"),
        "Choose an income Ref from the Income tab",
    )
    bound = policy.bound("nhs_share")
    share = between(bound, f"Between {percent(bound.low)} and {percent(bound.high)}")
    to_openpyxl.validate(sheet, cells(table, "nhs_share"), share)
    for index in range(len(layout.years)):
        to_openpyxl.validate(sheet, cells(table, f"amount{index + 1}"), _amounts(policy))
    freeze = layout.freeze[EXPENDITURE]
    _finish(
        sheet,
        layout.widths[EXPENDITURE],
        freeze,
        len(table.fields),
        rows[-1],
        header_row=table.header_row,
        across=EXPENDITURE_PRINTING,
    )


def _metrics(sheet: Worksheet, plan: Plan, layout: Layout) -> None:
    _title(sheet, f"{layout.year.title}: Metrics")
    table = layout.metrics
    _headers(sheet, table, layout.METRIC_HEADERS.values())
    by_code = {metric.metric_id: metric for metric in plan.metrics}
    for national, row in zip(layout.year.metrics, layout.metric_rows, strict=True):
        ours = by_code.get(national.code)
        at = {field.key: table.cell(field.key, row) for field in table.fields}
        _grey(sheet, at["code"], national.code)
        _grey(sheet, at["name"], national.name)
        unit = {
            MetricUnit.RATE: f"Count; rated per {national.per:,}",
            MetricUnit.PERCENT: "Percentage",
            MetricUnit.NUMBER: "Number",
            MetricUnit.STANDARDISED: f"Directly age-standardised rate per {national.per:,}",
        }[national.unit]
        _grey(sheet, at["unit"], unit)
        _grey(sheet, at["polarity"], national.polarity.value)
        value_format = SHARE if national.unit is MetricUnit.PERCENT else RATE
        _input(sheet, at["population"], ours.population if ours else None, WHOLE)
        _input(sheet, at["population_source"], (ours.population_source or None) if ours else None)
        _input(sheet, at["baseline"], as_submitted(national.unit, ours.baseline) if ours else None, value_format)
        _input(sheet, at["target"], as_submitted(national.unit, ours.target) if ours else None, value_format)
        for source, rated in (("baseline", "baseline_rate"), ("target", "target_rate")):
            formula = "=" + rated_rule(layout, row, source).formula(METRICS)
            _computed(sheet, at[rated], formula, value_format)
        to_openpyxl.apply(sheet[at["name"]], LOOK.wrapped)
    _finish(
        sheet,
        layout.widths[METRICS],
        None,
        len(table.fields),
        layout.metric_rows[-1],
        one_page=True,
    )


def _conditions(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str]) -> None:
    _title(sheet, f"{layout.year.title}: {layout.conditions_sheet}")
    table = layout.conditions
    _headers(sheet, table, (field.header for field in table.fields))
    answers = {answer.code: answer for answer in plan.conditions}
    for condition, row in zip(layout.year.conditions, layout.condition_rows, strict=True):
        answer = answers.get(condition.code)
        _grey(sheet, table.cell("code", row), condition.code)
        _grey(sheet, table.cell("text", row), condition.text)
        to_openpyxl.apply(sheet[table.cell("text", row)], LOOK.wrapped)
        if "statement" in table.columns:
            _grey(sheet, table.cell("statement", row), condition.statement)
            to_openpyxl.apply(sheet[table.cell("statement", row)], LOOK.wrapped)
        met = None if answer is None or answer.met is None else ("Yes" if answer.met else "No")
        _input(sheet, table.cell("met", row), met)
        _input(sheet, table.cell("explanation", row), (answer.explanation or None) if answer else None)
        to_openpyxl.apply(sheet[table.cell("explanation", row)], LOOK.wrapped)
    _dropdown(sheet, ranges["yes_no"], cells(table, "met"), "Choose Yes or No")
    widths = layout.widths[layout.conditions_sheet]
    _finish(sheet, widths, None, len(table.fields), layout.condition_rows[-1], one_page=True)


def _summary(sheet: Worksheet, layout: Layout) -> None:
    _title(sheet, f"{layout.year.title}: Summary")
    table = layout.summary
    _headers(sheet, table, (field.header for field in table.fields))
    formulas = summary_formulas(layout)
    for key, row in layout.summary_rows.items():
        label = SUMMARY_LABELS.get(key) or key.split(":", 1)[1]
        prefix = "Income: " if key.startswith("income:") else "Expenditure: " if key.startswith("spend:") else ""
        _write_text(sheet, table.cell("line", row), prefix + label)
        if key in ("income", "spend", "balance"):
            sheet[table.cell("line", row)].font = Font(bold=True)
        for index, formula in enumerate(formulas[key]):
            cell = sheet[layout.summary_cell(key, index)]
            cell.value = formula
            cell.number_format = NUMBER_FORMATS[WHOLE] if key == "repeated_ids" else POUNDS  # a count of rows
    for key in DIFFERENCES:  # a difference that is not zero shows red
        _not_zero(sheet, layout.summary_cell(key, 0) + ":" + layout.summary_cell(key, len(formulas[key]) - 1))
    last = max(layout.summary_rows.values())
    _finish(
        sheet,
        layout.widths[SUMMARY],
        None,
        len(table.fields),
        last,
        one_page=True,
    )


def write_checklist(
    sheet: Worksheet, items: tuple[checklist.Item, ...], table: Table
) -> tuple[dict[tuple[str, str], Expr], int]:
    """Write the checklist ``table`` inside the Cover and the status cell under its title; return the rule of each
    formula cell (every checker, each sheet's "completed" line and the status) by (sheet, cell), and the last row
    used. The planning template and the returns write their checklists with it."""
    first_row = table.header_row + 1
    _headers(sheet, table, (field.header for field in table.fields))
    row = first_row
    rules: dict[tuple[str, str], Expr] = {}
    by_sheet: dict[str, list[checklist.Item]] = {}
    for item in items:
        by_sheet.setdefault(item.sheet, []).append(item)
    for sheet_name, sheet_items in by_sheet.items():
        start = row
        for item in sheet_items:
            description, link = table.cell("item", row), table.cell("link", row)
            _write_text(sheet, table.cell("sheet", row), sheet_name)
            _write_text(sheet, description, item.description)
            sheet[description].alignment = Alignment(wrap_text=True, vertical="top")
            sheet.row_dimensions[row].height = 15 * (1 + len(item.description) // 70)
            _write_text(sheet, link, item.link.replace("'", ""))
            sheet[link].hyperlink = Hyperlink(ref=link, location=_quoted(item.link))
            sheet[link].font = Font(color="0563C1", underline="single")
            rules[(COVER, table.cell("complete", row))] = if_(item.rule, "Yes", "No")
            row += 1
        _write_text(sheet, table.cell("item", row), f"{sheet_name} sheet completed")
        sheet[table.cell("item", row)].font = Font(bold=True)
        done = Range(COVER, f"{table.cell('complete', start)}:{table.cell('complete', row - 1)}")
        rules[(COVER, table.cell("complete", row))] = _all_yes(done, "Yes", "No")
        row += 2
    last = row - 2
    checkers = Range(COVER, f"{table.cell('complete', first_row)}:{table.cell('complete', last)}")
    rules[(COVER, STATUS_CELL)] = _all_yes(checkers, COMPLETE, INCOMPLETE)
    for (_, cell), rule in rules.items():
        sheet[cell] = "=" + rule.formula(COVER)
    sheet.merge_cells(STATUS_CELLS)
    sheet[STATUS_CELL].font = Font(bold=True, size=14)
    _highlight(sheet, checkers.cells, "Yes", GREEN)
    _highlight(sheet, checkers.cells, "No", RED)
    _highlight(sheet, STATUS_CELL, COMPLETE, GREEN)
    _highlight(sheet, STATUS_CELL, INCOMPLETE, RED)
    return rules, last


def _all_yes(checkers: Range, done: str, not_done: str) -> Expr:
    """``done`` when no checker in the range shows No."""
    return if_(countif(checkers, "No").eq(0), done, not_done)


def _highlight(sheet: Worksheet, cells: str, text: str, style: Style) -> None:
    """Show cells that read exactly ``text`` in ``style`` (conditional formatting)."""
    to_openpyxl.highlight(sheet, cells, text, style)


def _not_zero(sheet: Worksheet, cells: str) -> None:
    """Show Summary difference cells that are not zero in red."""
    to_openpyxl.highlight_not_zero(sheet, cells, RED)


def cached_values(book: Workbook, rules: Mapping[tuple[str, str], Expr]) -> dict[tuple[str, str], object]:
    """What every formula cell computes to, evaluated from its rule over the cells the template holds."""
    calculation = Calculation(held_values(book), rules)
    return {key: calculation[key] for key in rules}


def held_values(book: Workbook) -> dict[tuple[str, str], object]:
    """Every value a built template holds, formulas left out, by (sheet, cell): what its rules read."""
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None and cell.data_type != "f"
    }


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def store_cached_values(path: Path, cached: Mapping[tuple[str, str], object]) -> None:
    """Give each formula cell of a saved workbook its computed value, so that viewers which do not
    recalculate (previews, readers of cached values such as pandas) still show the numbers.

    openpyxl writes formulas without values. This parses each worksheet part of the saved file (found
    through the workbook's relationships), sets the ``<v>`` of every formula cell named in ``cached``
    ({(sheet, cell): value}) with the type Excel expects (``t="str"`` for text, ``"b"`` for TRUE/FALSE,
    ``"e"`` for an error, none for a number), and writes the part back with its namespace prefixes.
    Excel recalculates on opening anyway (fullCalcOnLoad).
    """
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    by_sheet: dict[str, dict[str, object]] = {}
    for (sheet, cell), value in cached.items():
        by_sheet.setdefault(sheet, {})[cell] = value
    for name, part in _worksheet_parts(parts).items():
        if name in by_sheet and part in parts:
            parts[part] = _with_values(parts[part], by_sheet[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in parts.items():
            archive.writestr(filename, data)


def _worksheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    """The zip part of each sheet, by sheet name, as the workbook and its relationships declare them."""
    workbook = ElementTree.fromstring(parts["xl/workbook.xml"])
    relationships = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {
        rel.get("Id"): str(rel.get("Target")) for rel in relationships.iter(f"{{{_PACKAGE_RELATIONSHIPS}}}Relationship")
    }
    found: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_RELATIONSHIPS}}}id"), "")
        found[str(sheet.get("name"))] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return found


def _with_values(xml: bytes, values: Mapping[str, object]) -> bytes:
    """A worksheet part with the cached value of each formula cell named in ``values`` set."""
    parsing = ElementTree.iterparse(BytesIO(xml), events=["start-ns"])
    declared = [ns for _, ns in parsing]
    root = parsing.root  # type: ignore[attr-defined]  # set once the part is read, as documented
    for prefix, uri in declared:  # written back with the part's own prefixes (ElementTree keeps one map per process)
        if not re.fullmatch(r"ns\d+", prefix):  # names ElementTree reserves for prefixes it makes up
            ElementTree.register_namespace(prefix, uri)
    used: set[str] = set()
    cells: list[ElementTree.Element] = []
    cell_tag, formula_tag = f"{{{_MAIN}}}c", f"{{{_MAIN}}}f"
    for node in root.iter():  # one walk: the namespaces in use, and the formula cells to give values
        if node.tag.startswith("{"):
            used.add(node.tag.partition("}")[0][1:])
        used.update(key.partition("}")[0][1:] for key in node.attrib if key.startswith("{"))
        if node.tag == cell_tag and node.get("r") in values and node.find(formula_tag) is not None:
            cells.append(node)
    for cell in cells:
        _set_value(cell, values[str(cell.get("r"))])
    for prefix, uri in declared:  # keep declarations the part makes but does not use (mc:Ignorable names them)
        if uri not in used and prefix:
            root.set(f"xmlns:{prefix}", uri)
    # Serialised as text, then encoded: the same bytes as ElementTree's own UTF-8 writing, without its
    # encoder being called for every piece.
    return _DECLARATION + ElementTree.tostring(root, encoding="unicode").encode("utf-8")


_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def _set_value(cell: ElementTree.Element, value: object) -> None:
    stored = cell.find(f"{{{_MAIN}}}v")
    if value is None:
        if stored is not None:
            cell.remove(stored)
        cell.attrib.pop("t", None)
        return
    if stored is None:
        stored = ElementTree.SubElement(cell, f"{{{_MAIN}}}v")
    if isinstance(value, bool):
        cell.set("t", "b")
        stored.text = "1" if value else "0"
    elif isinstance(value, ExcelError):
        cell.set("t", "e")
        stored.text = value.code
    elif isinstance(value, int | float | Decimal) and math.isfinite(value):
        cell.attrib.pop("t", None)
        stored.text = repr(float(value)).removesuffix(".0")
    elif isinstance(value, int | float | Decimal):  # beyond what a cell can hold, as Excel shows it
        cell.set("t", "e")
        stored.text = "#NUM!"
    else:
        cell.set("t", "str")
        stored.text = str(value)


def _quoted(link: str) -> str:
    """A sheet!cell link with the sheet quoted, as Excel's hyperlink locations need it."""
    sheet, cell = link.rsplit("!", 1)
    return f"'{sheet.strip(chr(39))}'!{cell}"
