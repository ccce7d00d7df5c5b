"""Build the NHS England planning template for a plan, with openpyxl.

Yellow unlocked cells are inputs, grey locked cells are pre-populated, every other cell is locked
and each sheet protected without a password. Dropdown lists live on a hidden Lists sheet inside
the workbook. Summary and checklist use native Excel formulas only. User text is always written
as text, never as a formula, whatever it starts with.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from bcf_xl import __version__
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import write_atomically
from bcf_xl.minimums import asc_minimum
from bcf_xl.model import MetricUnit, Plan
from bcf_xl.policy import Policy
from bcf_xl.submission import checklist
from bcf_xl.submission.definition import TemplateYear
from bcf_xl.submission.layout import (
    CHECKLIST,
    CONDITION_HEADER_ROW,
    COVER,
    COVER_FIELDS,
    COVER_FIRST_ROW,
    EXPENDITURE,
    GENERATOR_CELL,
    GUIDANCE,
    INCOME,
    INCOME_HEADER_ROW,
    LISTS,
    METRIC_HEADER_ROW,
    METRICS,
    PARTNER_HEADER_ROW,
    REQUIREMENTS,
    SCHEME_HEADER_ROW,
    SCHEME_ROWS_NAME,
    SUMMARY,
    SUMMARY_LABELS,
    TEMPLATE_YEAR_CELL,
    Layout,
    col,
    scheme_rows_for,
)
from bcf_xl.submission.totals import computed_cells, kind_rule, nhs_rule, rated_rule, summary_rules
from bcf_xl.workbook import to_openpyxl
from bcf_xl.workbook.formats import MONEY, MONEY_FORMAT, RATE, SHARE, TEMPLATE, TEXT, WHOLE, Style
from bcf_xl.workbook.rules import Calculation, ExcelError, Expr, Range, countif, if_
from bcf_xl.workbook.sheets import HIDDEN_LISTS, printed
from bcf_xl.workbook.validation import (
    SCHEME_LISTS,
    Validation,
    between,
    dropdown,
    dropdown_lists,
    list_cells,
    list_ranges as ranges_on_sheet,
    percent,
    pounds,
    select,
)
from bcf_xl.workbook.values import cover_values, dfg_inputs, retained, scheme_values

LOOK = TEMPLATE
POUNDS = MONEY_FORMAT
GREEN, RED = LOOK.good, LOOK.bad
_LIST_NAMES = ("partner_kinds", "area_kinds", *SCHEME_LISTS)


def lists_for(policy: Policy, year: TemplateYear) -> dict[str, tuple[str, ...]]:
    """The dropdown vocabularies of the Lists sheet, by name: the year's income labels, then the shared lists."""
    return {"income": year.labels, **select(dropdown_lists(policy), _LIST_NAMES)}


def list_ranges(lists: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Where each list sits on the template's Lists sheet, e.g. ``Lists!$A$2:$A$7``."""
    return ranges_on_sheet(LISTS, lists)


def _write_text(sheet: Worksheet, ref: str, value: str) -> None:
    """Write text as text: a scheme called '=HYPERLINK(...)' must stay words, not become a formula."""
    to_openpyxl.label(sheet, ref, value)


def _input(sheet: Worksheet, ref: str, value: object = None, kind: str = TEXT) -> None:
    to_openpyxl.put(sheet, ref, value, LOOK.input(kind))


def _grey(sheet: Worksheet, ref: str, value: object, kind: str = TEXT) -> None:
    """A pre-populated, locked cell: a figure or text the template fills in for the officer."""
    to_openpyxl.put(sheet, ref, value, LOOK.computed(kind))


def _computed(sheet: Worksheet, ref: str, formula: str, kind: str = TEXT) -> None:
    to_openpyxl.formula(sheet, ref, formula, LOOK.computed(kind))


def _headers(sheet: Worksheet, row: int, headers: Iterable[str], first_column: int = 1) -> None:
    for index, text in enumerate(headers, start=first_column):
        to_openpyxl.label(sheet, f"{col(index)}{row}", text, LOOK.header)


def _title(sheet: Worksheet, text: str) -> None:
    to_openpyxl.label(sheet, "A1", text, LOOK.title)


def _finish(
    sheet: Worksheet,
    widths: Mapping[str, float],
    freeze: str | None,
    last_column: int,
    last_row: int,
    *,
    one_page: bool = False,
    header_row: int | None = None,
) -> None:
    setup = printed(
        col(last_column),
        last_row,
        freeze=freeze,
        one_page=one_page,
        widths=tuple(widths.items()),
        header_row=header_row,
    )
    to_openpyxl.finish(sheet, setup)


def _dropdown(sheet: Worksheet, source: str, cells: str, prompt: str) -> None:
    to_openpyxl.validate(sheet, cells, dropdown(source, prompt))


def _amounts(policy: Policy) -> Validation:
    """An amount of the plan: within the policy's planning bound."""
    bound = policy.bound("planning")
    return between(bound, f"Between {pounds(bound.low)} and {pounds(bound.high)}")


def build(plan: Plan, year: TemplateYear, policy: Policy) -> Workbook:
    """The filled template of ``year`` for ``plan`` (formulas without cached values; :func:`write` adds them)."""
    return _assemble(plan, year, policy)[0]


def _assemble(plan: Plan, year: TemplateYear, policy: Policy) -> tuple[Workbook, dict[tuple[str, str], object]]:
    """The filled template, and the value every formula cell computes to (for the cached values).

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
    layout = Layout(year, scheme_rows_for(len(plan.schemes)))
    _fits(plan, layout)
    lists = lists_for(policy, year)
    ranges = list_ranges(lists)
    book = Workbook()
    book.remove(book.worksheets[0])
    for name in (GUIDANCE, COVER, CHECKLIST, SUMMARY, INCOME, EXPENDITURE, METRICS, REQUIREMENTS, LISTS):
        book.create_sheet(name)
    _lists(book[LISTS], lists)
    _guidance(book[GUIDANCE], year, policy)
    _cover(book[COVER], plan, layout, ranges)
    _income(book[INCOME], plan, layout, ranges, policy)
    _expenditure(book[EXPENDITURE], plan, layout, ranges, policy)
    _metrics(book[METRICS], plan, layout)
    _requirements(book[REQUIREMENTS], plan, layout, ranges)
    _summary(book[SUMMARY], layout)
    items = checklist.items(layout, lists, ranges, policy)
    checkers = _checklist(book[CHECKLIST], items)
    rows = layout.scheme_rows_range
    book.defined_names[SCHEME_ROWS_NAME] = DefinedName(
        SCHEME_ROWS_NAME, attr_text=f"{EXPENDITURE}!$A${rows[0]}:${col(len(layout.scheme_columns))}${rows[-1]}"
    )
    book.active = book.sheetnames.index(CHECKLIST)
    book.calculation.fullCalcOnLoad = True
    return book, _cached_values(book, computed_cells(layout) | checkers)


def _fits(plan: Plan, layout: Layout) -> None:
    for what, count, room in (
        ("partners", len(plan.partners), len(layout.partner_rows)),
        ("income lines", len(plan.sources), len(layout.income_rows)),
        ("districts", len(plan.area.districts), len(layout.district_rows)),
    ):
        if count > room:
            raise BcfInputError(Location(field=what), f"the template has room for {room}", count)
    for source in plan.sources:
        layout.year.label(source.kind)


def write(plan: Plan, year: TemplateYear, policy: Policy, target: Path, *, overwrite: bool = False) -> None:
    """Build the template and write it atomically to ``target`` (.xlsx)."""
    if target.suffix.lower() != ".xlsx":
        raise BcfInputError(
            Location(sheet=target.name), "the submission must be an .xlsx file", target.suffix or "no extension"
        )
    book, cached = _assemble(plan, year, policy)

    def save(temporary: Path) -> None:
        book.save(temporary)
        store_cached_values(temporary, cached)

    write_atomically(target, save, overwrite=overwrite)


# --- the sheets --------------------------------------------------------------------------------------


def _lists(sheet: Worksheet, lists: dict[str, tuple[str, ...]]) -> None:
    for ref, text, _ in list_cells(lists):
        _write_text(sheet, ref, text)
    to_openpyxl.finish(sheet, HIDDEN_LISTS)


def _guidance(sheet: Worksheet, year: TemplateYear, policy: Policy) -> None:
    _title(sheet, year.title)
    bound = policy.bound("planning")
    lines = [
        "How to complete this template",
        "Yellow cells are inputs. Grey cells are pre-populated. All other cells are calculated and locked.",
        "Sheets are protected without a password so that formulas are not overwritten by accident.",
        f"Dropdowns offer the national lists; numbers must be between {pounds(bound.low)} and {pounds(bound.high)}.",
        "The Checklist tab shows a red 'No' for each required item still incomplete and a green 'Yes' once it is "
        "complete. The template is ready to submit when its title reads 'Complete Template'.",
        "Amounts are in pounds and pence; joint schemes give the NHS share as a percentage.",
        "",
        f"This template was regenerated from the plan by bcf-xl {__version__}. It follows the structure of NHS "
        "England's planning template; where details could not be confirmed:",
        *[f"  - {note}" for note in year.unconfirmed],
    ]
    for row, text in enumerate(lines, start=3):
        to_openpyxl.label(sheet, f"A{row}", text, LOOK.wrapped)
    to_openpyxl.apply(sheet["A3"], LOOK.bold)
    _finish(sheet, {"A": 120}, None, 1, 2 + len(lines), one_page=True)


def _cover(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str]) -> None:
    _title(sheet, f"{layout.year.title}: Cover")
    values = cover_values(plan)
    for offset, (key, label) in enumerate(COVER_FIELDS):
        _write_text(sheet, f"B{COVER_FIRST_ROW + offset}", label)
        _input(sheet, layout.cover_cell(key), values[key])
    _dropdown(sheet, ranges["area_kinds"], layout.cover_cell("area_kind"), "Choose Unitary or Two-tier")
    _write_text(sheet, f"B{TEMPLATE_YEAR_CELL[1:]}", "Template")
    _grey(sheet, TEMPLATE_YEAR_CELL, layout.year.name)
    _write_text(sheet, f"B{GENERATOR_CELL[1:]}", "Generated by")
    _grey(sheet, GENERATOR_CELL, f"bcf-xl {__version__}")
    _headers(sheet, PARTNER_HEADER_ROW, ("Partner ID", "Partner", "Type (Council or ICB)"), first_column=2)
    for row, partner in zip(layout.partner_rows, (*plan.partners, *([None] * len(layout.partner_rows))), strict=False):
        _input(sheet, f"B{row}", partner.partner_id if partner else None)
        _input(sheet, f"C{row}", partner.name if partner else None)
        _input(sheet, f"D{row}", partner.kind.value if partner else None)
    rows = layout.partner_rows
    _dropdown(sheet, ranges["partner_kinds"], f"D{rows[0]}:D{rows[-1]}", "Choose Council or ICB")
    _finish(sheet, {"A": 3, "B": 48, "C": 60, "D": 22}, None, 4, rows[-1], one_page=True)


def _income(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str], policy: Policy) -> None:
    _title(sheet, f"{layout.year.title}: Income")
    years = layout.years
    _headers(
        sheet,
        INCOME_HEADER_ROW,
        ("Ref", "Funding source", "Contributor (Partner ID)", "Description", *(f"Income {y} (£)" for y in years)),
    )
    rows = layout.income_rows
    for row, source in zip(rows, (*plan.sources, *([None] * len(rows))), strict=False):
        _input(sheet, f"A{row}", source.source_id if source else None)
        _input(sheet, f"B{row}", layout.year.label(source.kind) if source else None)
        _input(sheet, f"C{row}", source.contributor if source else None)
        _input(sheet, f"D{row}", (source.description or None) if source else None)
        for index in range(len(years)):
            _input(sheet, f"{layout.income_amount_col(index)}{row}", source.amounts[index] if source else None, MONEY)
    last_amount = layout.income_amount_col(len(years) - 1)
    _dropdown(sheet, ranges["income"], f"B{rows[0]}:B{rows[-1]}", "Choose a funding source from the list")
    _dropdown(
        sheet,
        layout.partner_range("B").replace("$B", f"{COVER}!$B", 1),
        f"C{rows[0]}:C{rows[-1]}",
        "Choose a Partner ID from the Cover",
    )
    to_openpyxl.validate(sheet, f"E{rows[0]}:{last_amount}{rows[-1]}", _amounts(policy))

    base = layout.minimums_row
    _headers(sheet, base, ("Minimum requirements (pre-populated)", "", "", "", *(f"{y} (£)" for y in years)))
    _write_text(sheet, f"A{base + 1}", "NHS contribution to adult social care in the year before the plan")
    _write_text(sheet, f"A{base + 2}", "Minimum NHS contribution to adult social care")
    _write_text(sheet, f"A{base + 3}", "Minimum NHS-commissioned out-of-hospital spend")
    minimums = asc_minimum(plan, policy)
    _grey(sheet, layout.asc_prior_cell, plan.asc_minimum.prior_year if plan.asc_minimum else None, MONEY)
    for index in range(len(years)):
        _grey(sheet, layout.asc_minimum_cell(index), minimums[index].required if minimums else None, MONEY)
        _grey(sheet, layout.ooh_minimum_cell(index), plan.ooh_minimum[index] if plan.ooh_minimum else None, MONEY)

    dfg = layout.dfg_row
    _headers(sheet, dfg, ("Disabled Facilities Grant", "", "", "", *(f"{y} (£)" for y in years)))
    _write_text(sheet, f"A{dfg + 1}", "DFG received (grant letter)")
    _write_text(sheet, f"A{dfg + 2}", "In-year top-up")
    for index in range(len(years)):
        received, top_up = dfg_inputs(plan, index)
        _input(sheet, layout.dfg_received_cell(index), received, MONEY)
        _input(sheet, layout.dfg_top_up_cell(index), top_up, MONEY)
    district_headers = ["District ID", "District council (two-tier areas)"]
    for y in years:
        district_headers += [f"Allocation {y} (£)", f"Retained by agreement {y} (£)", f"Agreement reference {y}"]
    _headers(sheet, layout.district_header_row, district_headers)
    districts = plan.area.districts
    for row, district in zip(layout.district_rows, (*districts, *([None] * len(layout.district_rows))), strict=False):
        _input(sheet, f"A{row}", district.district_id if district else None)
        _input(sheet, f"B{row}", district.name if district else None)
        for index in range(len(years)):
            amount, references = retained(plan, district.district_id, index) if district else (None, None)
            _input(
                sheet,
                f"{layout.district_col('allocation', index)}{row}",
                district.dfg_allocation[index] if district else None,
                MONEY,
            )
            _input(
                sheet,
                f"{layout.district_col('retained', index)}{row}",
                amount,
                MONEY,
            )
            _input(
                sheet,
                f"{layout.district_col('reference', index)}{row}",
                references,
            )
    last_column = 2 + 3 * len(years)
    _finish(
        sheet,
        {"A": 34, "B": 40, "C": 24, "D": 40, **{col(5 + i): 20 for i in range(last_column)}},
        f"A{INCOME_HEADER_ROW + 1}",
        max(last_column, 4 + len(years)),
        layout.district_rows[-1],
    )


def _expenditure(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str], policy: Policy) -> None:
    _title(sheet, f"{layout.year.title}: Expenditure")
    cols = layout.scheme_columns
    _headers(sheet, SCHEME_HEADER_ROW, layout.scheme_headers.values())
    rows = layout.scheme_rows_range
    schemes = (*plan.schemes, *([None] * len(rows)))
    for row, scheme in zip(rows, schemes, strict=False):
        values: dict[str, object] = {}
        if scheme:
            values = scheme_values(scheme)
            values |= {f"amount:{year}": amount for year, amount in zip(layout.years, scheme.amounts, strict=True)}
        for key, letter in cols.items():
            ref = f"{letter}{row}"
            if key == "kind":
                _computed(sheet, ref, "=" + kind_rule(layout, row).formula(EXPENDITURE))
            elif key.startswith("nhs:"):
                _computed(sheet, ref, "=" + nhs_rule(layout, row, key.removeprefix("nhs:")).formula(EXPENDITURE), MONEY)
            else:
                money = key.startswith("amount:") or key in ("prior_year_budget", "additional_investment")
                _input(sheet, ref, values.get(key), MONEY if money else SHARE if key == "nhs_share" else TEXT)
    first, last = rows[0], rows[-1]
    for key, name in (
        ("scheme_type", "scheme_types"),
        ("sub_type", "sub_types"),
        ("area_of_spend", "area_of_spend"),
        ("commissioner", "commissioner"),
        ("provider", "provider"),
        ("status", "status"),
    ):
        _dropdown(sheet, ranges[name], f"{cols[key]}{first}:{cols[key]}{last}", "Choose from the national list")
    income = layout.income_rows
    _dropdown(
        sheet,
        f"{INCOME}!$A${income[0]}:$A${income[-1]}",
        f"{cols['source']}{first}:{cols['source']}{last}",
        "Choose an income Ref from the Income tab",
    )
    bound = policy.bound("nhs_share")
    share = between(bound, f"Between {percent(bound.low)} and {percent(bound.high)}")
    to_openpyxl.validate(sheet, f"{cols['nhs_share']}{first}:{cols['nhs_share']}{last}", share)
    for year in layout.years:
        letter = cols[f"amount:{year}"]
        to_openpyxl.validate(sheet, f"{letter}{first}:{letter}{last}", _amounts(policy))
    widths = dict.fromkeys(cols.values(), 18)
    widths |= {
        cols["name"]: 36,
        cols["description"]: 48,
        cols["scheme_type"]: 34,
        cols["sub_type"]: 34,
        cols["provider"]: 26,
    }
    _finish(sheet, widths, f"C{first}", len(cols), last, header_row=SCHEME_HEADER_ROW)


def _metrics(sheet: Worksheet, plan: Plan, layout: Layout) -> None:
    _title(sheet, f"{layout.year.title}: Metrics")
    columns = layout.METRIC_COLUMNS
    _headers(sheet, METRIC_HEADER_ROW, layout.METRIC_HEADERS.values())
    by_code = {metric.metric_id: metric for metric in plan.metrics}
    for national, row in zip(layout.year.metrics, layout.metric_rows, strict=True):
        ours = by_code.get(national.code)
        _grey(sheet, f"{columns['code']}{row}", national.code)
        _grey(sheet, f"{columns['name']}{row}", national.name)
        unit = {
            MetricUnit.RATE: f"Count; rated per {national.per:,}",
            MetricUnit.PERCENT: "Percentage",
            MetricUnit.NUMBER: "Number",
        }[national.unit]
        _grey(sheet, f"{columns['unit']}{row}", unit)
        _grey(sheet, f"{columns['polarity']}{row}", national.polarity.value)
        value_format = SHARE if national.unit is MetricUnit.PERCENT else RATE
        _input(sheet, f"{columns['population']}{row}", ours.population if ours else None, WHOLE)
        _input(sheet, f"{columns['population_source']}{row}", (ours.population_source or None) if ours else None)
        _input(sheet, f"{columns['baseline']}{row}", ours.baseline if ours else None, value_format)
        _input(sheet, f"{columns['target']}{row}", ours.target if ours else None, value_format)
        for source, rated in (("baseline", "baseline_rate"), ("target", "target_rate")):
            formula = "=" + rated_rule(layout, row, source).formula(METRICS)
            _computed(sheet, f"{columns[rated]}{row}", formula, value_format)
        to_openpyxl.apply(sheet[f"{columns['name']}{row}"], LOOK.wrapped)
    _finish(
        sheet,
        {"A": 10, "B": 60, "C": 24, "D": 18, "E": 14, "F": 34, "G": 14, "H": 14, "I": 16, "J": 16},
        None,
        10,
        layout.metric_rows[-1],
        one_page=True,
    )


def _requirements(sheet: Worksheet, plan: Plan, layout: Layout, ranges: dict[str, str]) -> None:
    _title(sheet, f"{layout.year.title}: Planning Requirements")
    columns = layout.CONDITION_COLUMNS
    _headers(
        sheet,
        CONDITION_HEADER_ROW,
        ("Code", "National condition", layout.year.condition_heading, "Explanation (required if No)"),
    )
    answers = {answer.code: answer for answer in plan.conditions}
    for condition, row in zip(layout.year.conditions, layout.condition_rows, strict=True):
        answer = answers.get(condition.code)
        _grey(sheet, f"{columns['code']}{row}", condition.code)
        _grey(sheet, f"{columns['text']}{row}", condition.text)
        to_openpyxl.apply(sheet[f"{columns['text']}{row}"], LOOK.wrapped)
        met = None if answer is None or answer.met is None else ("Yes" if answer.met else "No")
        _input(sheet, f"{columns['met']}{row}", met)
        _input(sheet, f"{columns['explanation']}{row}", (answer.explanation or None) if answer else None)
        to_openpyxl.apply(sheet[f"{columns['explanation']}{row}"], LOOK.wrapped)
    rows = layout.condition_rows
    _dropdown(sheet, ranges["yes_no"], f"{columns['met']}{rows[0]}:{columns['met']}{rows[-1]}", "Choose Yes or No")
    _finish(sheet, {"A": 8, "B": 70, "C": 22, "D": 60}, None, 4, rows[-1], one_page=True)


def _summary(sheet: Worksheet, layout: Layout) -> None:
    _title(sheet, f"{layout.year.title}: Summary")
    _headers(sheet, 3, ("", *(f"{y} (£)" for y in layout.years)))
    rules = summary_rules(layout)
    for key, row in layout.summary_rows.items():
        label = SUMMARY_LABELS.get(key) or key.split(":", 1)[1]
        prefix = "Income: " if key.startswith("income:") else "Expenditure: " if key.startswith("spend:") else ""
        _write_text(sheet, f"A{row}", prefix + label)
        if key in ("income", "spend", "balance"):
            sheet[f"A{row}"].font = Font(bold=True)
        for index, rule in enumerate(rules[key]):
            sheet[f"{layout.summary_col(index)}{row}"] = "=" + rule.formula(SUMMARY)
            sheet[f"{layout.summary_col(index)}{row}"].number_format = POUNDS
    last = max(layout.summary_rows.values())
    _finish(
        sheet,
        {"A": 60, **{layout.summary_col(i): 20 for i in range(len(layout.years))}},
        None,
        1 + len(layout.years),
        last,
        one_page=True,
    )


def _checklist(sheet: Worksheet, items: tuple[checklist.Item, ...]) -> dict[tuple[str, str], Expr]:
    """Write the checklist; return the rule of each formula cell (every checker in column D, each sheet's
    "completed" line and the title in A1), by (sheet, cell)."""
    first_row = 4
    _headers(sheet, first_row - 1, ("Sheet", "Required item", "Cell", "Complete?"))
    row = first_row
    rules: dict[tuple[str, str], Expr] = {}
    by_sheet: dict[str, list[checklist.Item]] = {}
    for item in items:
        by_sheet.setdefault(item.sheet, []).append(item)
    for sheet_name, sheet_items in by_sheet.items():
        start = row
        for item in sheet_items:
            _write_text(sheet, f"A{row}", sheet_name)
            _write_text(sheet, f"B{row}", item.description)
            sheet[f"B{row}"].alignment = Alignment(wrap_text=True, vertical="top")
            sheet.row_dimensions[row].height = 15 * (1 + len(item.description) // 95)
            _write_text(sheet, f"C{row}", item.link.replace("'", ""))
            sheet[f"C{row}"].hyperlink = Hyperlink(ref=f"C{row}", location=_quoted(item.link))
            sheet[f"C{row}"].font = Font(color="0563C1", underline="single")
            rules[(CHECKLIST, f"D{row}")] = if_(item.rule, "Yes", "No")
            row += 1
        _write_text(sheet, f"B{row}", f"{sheet_name} sheet completed")
        sheet[f"B{row}"].font = Font(bold=True)
        rules[(CHECKLIST, f"D{row}")] = _all_yes(Range(CHECKLIST, f"D{start}:D{row - 1}"), "Yes", "No")
        row += 2
    last = row - 2
    checkers = Range(CHECKLIST, f"D{first_row}:D{last}")
    rules[(CHECKLIST, "A1")] = _all_yes(checkers, "Complete Template", "Incomplete Template")
    for (_, cell), rule in rules.items():
        sheet[cell] = "=" + rule.formula(CHECKLIST)
    sheet["A1"].font = Font(bold=True, size=16)
    _highlight(sheet, checkers.cells, "Yes", GREEN)
    _highlight(sheet, checkers.cells, "No", RED)
    _highlight(sheet, "A1", "Complete Template", GREEN)
    _highlight(sheet, "A1", "Incomplete Template", RED)
    _finish(sheet, {"A": 22, "B": 80, "C": 26, "D": 12}, f"A{first_row}", 4, last)
    return rules


def _all_yes(checkers: Range, done: str, not_done: str) -> Expr:
    """``done`` when no checker in the range shows No."""
    return if_(countif(checkers, "No").eq(0), done, not_done)


def _highlight(sheet: Worksheet, cells: str, text: str, style: Style) -> None:
    """Show cells that read exactly ``text`` in ``style`` (conditional formatting)."""
    to_openpyxl.highlight(sheet, cells, text, style)


def _cached_values(book: Workbook, rules: Mapping[tuple[str, str], Expr]) -> dict[tuple[str, str], object]:
    """What every formula cell computes to, evaluated from its rule over the cells the template holds."""
    values: dict[tuple[str, str], object] = {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None and cell.data_type != "f"
    }
    calculation = Calculation(values, rules)
    return {key: calculation[key] for key in rules}


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
    declared = [ns for _, ns in ElementTree.iterparse(BytesIO(xml), events=["start-ns"])]
    for prefix, uri in declared:  # written back with the part's own prefixes (ElementTree keeps one map per process)
        if not re.fullmatch(r"ns\d+", prefix):  # names ElementTree reserves for prefixes it makes up
            ElementTree.register_namespace(prefix, uri)
    root = ElementTree.fromstring(xml)
    for cell in root.iter(f"{{{_MAIN}}}c"):
        formula = cell.find(f"{{{_MAIN}}}f")
        if formula is None or cell.get("r") not in values:
            continue
        _set_value(cell, values[str(cell.get("r"))])
    used = {node.tag.partition("}")[0][1:] for node in root.iter() if node.tag.startswith("{")}
    used |= {key.partition("}")[0][1:] for node in root.iter() for key in node.attrib if key.startswith("{")}
    for prefix, uri in declared:  # keep declarations the part makes but does not use (mc:Ignorable names them)
        if uri not in used and prefix:
            root.set(f"xmlns:{prefix}", uri)
    written: bytes = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return written


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


CHECKLIST_TITLE_CELL = "A1"
