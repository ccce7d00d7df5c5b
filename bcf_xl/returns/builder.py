"""Build a quarterly or end-of-year return from a plan and its actuals, with openpyxl.

Built as the planning template is (:mod:`bcf_xl.submission.builder`): yellow unlocked inputs, grey locked
pre-populated and computed cells, every sheet protected without a password and set up for printing, dropdowns
on a hidden Lists sheet, the checklist inside the Cover with the status cell under the title, native formulas
with their cached values, and user text always written as text.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bcf_xl import __version__
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import write_atomically
from bcf_xl.minimums import asc_minimum, ooh_minimum
from bcf_xl.model import AreaOfSpend, Plan, SourceKind
from bcf_xl.monitoring import Actuals
from bcf_xl.monitoring_report import MonitoringReport, monitoring_report
from bcf_xl.policy import Policy
from bcf_xl.returns import rules
from bcf_xl.returns.definition import ReturnKind, ReturnYear
from bcf_xl.returns.layout import (
    COMMISSIONERS,
    CONDITIONS,
    COVER_INPUTS,
    INCOME_ROWS,
    METRICS,
    MINIMUM_LABELS,
    PARTNER_COLUMNS,
    POOL_ROWS,
    SCHEME_ROWS,
    SECTION_75,
    ReturnLayout,
    assessment_words,
    layout_for,
    quarter_text,
)
from bcf_xl.submission.builder import (
    LOOK,
    _dropdown,
    _finish,
    _grey,
    _headers,
    _input,
    _title,
    _write_text,
    finished,
    new_book,
    store_cached_values,
    write_checklist,
)
from bcf_xl.submission.checklist import Item
from bcf_xl.submission.definition import COVER_INPUTS as COVER_LABELS
from bcf_xl.submission.layout import COMPLETE, COVER, GUIDANCE, guidance_cell, list_ranges
from bcf_xl.workbook import to_openpyxl
from bcf_xl.workbook.formats import MONEY, NUMBER, TEXT
from bcf_xl.workbook.rules import Expr
from bcf_xl.workbook.tables import Table
from bcf_xl.workbook.validation import between, dropdown_lists, pounds, select
from bcf_xl.workbook.values import cover_values

Cells = dict[tuple[str, str], object]


def lists_for(policy: Policy, kind: ReturnKind) -> dict[str, tuple[str, ...]]:
    """The dropdown vocabularies of a return's Lists sheet."""
    return {"assessment": assessment_words(kind), **select(dropdown_lists(policy), ("yes_no", "scheme_types"))}


def build(
    plan: Plan, actuals: Actuals, year: ReturnYear, kind: ReturnKind, quarter: int, policy: Policy
) -> tuple[Workbook, Cells]:
    """The filled return and the value every formula cell computes to (for the cached values).

    Raises:
        BcfInputError: the year is not one of the plan's, the quarter is not 1 to 4, or the plan holds more than
            the return has room for.
    """
    quarter = 4 if kind is ReturnKind.YEAR_END else quarter
    report = monitoring_report(plan, actuals, year.name, quarter, policy)
    layout = layout_for(year, kind, quarter, policy)
    _fits(plan)
    lists = lists_for(policy, kind)
    ranges = list_ranges(lists)
    book = new_book(layout.sheets, lists)
    _guidance(book[GUIDANCE], layout, policy)
    _conditions(book[CONDITIONS], report, layout, ranges)
    _metrics(book[METRICS], report, layout, ranges)
    _spend(book[layout.spend_sheet], report, layout, policy)
    if layout.year_end:
        _section_75(book[SECTION_75], report, layout)
    items = rules.items(layout, assessment_words(kind), policy.bound("quarterly"))
    checkers = _cover(book[COVER], plan, layout, items)
    computed = rules.computed_cells(layout)
    for (sheet, cell), rule in computed.items():
        to_openpyxl.formula(book[sheet], cell, "=" + rule.formula(sheet), LOOK.computed(MONEY))
    return finished(book, computed | checkers)


def _fits(plan: Plan) -> None:
    pools = [p for p in plan.pools if not p.is_risk_pool]
    for what, count, room in (
        ("income lines", len(plan.sources), INCOME_ROWS),
        ("schemes", len(plan.schemes), SCHEME_ROWS),
        ("pools", len(pools), POOL_ROWS),
        ("partners", len(plan.partners), PARTNER_COLUMNS),
    ):
        if count > room:
            raise BcfInputError(Location(field=what), f"the return has room for {room}", count)


def write(
    plan: Plan,
    actuals: Actuals,
    year: ReturnYear,
    kind: ReturnKind,
    quarter: int,
    policy: Policy,
    target: Path,
    *,
    overwrite: bool = False,
) -> None:
    """Build the return and write it atomically to ``target`` (.xlsx)."""
    if target.suffix.lower() != ".xlsx":
        raise BcfInputError(
            Location(sheet=target.name), "the return must be an .xlsx file", target.suffix or "no extension"
        )
    book, cached = build(plan, actuals, year, kind, quarter, policy)

    def save(temporary: Path) -> None:
        book.save(temporary)
        store_cached_values(temporary, cached)

    write_atomically(target, save, overwrite=overwrite)


# --- the sheets --------------------------------------------------------------------------------------


def _guidance(sheet: Worksheet, layout: ReturnLayout, policy: Policy) -> None:
    _title(sheet, layout.title)
    bound = policy.bound("quarterly")
    period = "the year" if layout.year_end else f"quarter {layout.quarter}"
    lines = [
        "How to complete this return",
        f"This return reports {period} of {layout.year.name} against the plan agreed for the year.",
        "Yellow cells are inputs. Grey cells are pre-populated from the plan or calculated, and locked.",
        "Sheets are protected without a password so that formulas are not overwritten by accident.",
        f"Amounts are in pounds and pence, between {pounds(bound.low)} and {pounds(bound.high)}.",
        f"The checklist on the Cover shows a red 'No' for each required field still to complete; the cell under "
        f"the Cover's title reads '{COMPLETE}' when every required field is filled in.",
        "National conditions: answer Yes, or No with an explanation.",
        f"Metrics: choose the {layout.assessment_heading.lower()} from the list; give the actual unless no data "
        "is available.",
        "",
        f"This return was produced by bcf-xl {__version__}. These details could not be confirmed against NHS "
        "England's published returns:",
        *[f"  - {note}" for note in layout.year.unconfirmed],
    ]
    for line, text in enumerate(lines):
        to_openpyxl.label(sheet, guidance_cell(line), text, LOOK.wrapped)
    to_openpyxl.apply(sheet[guidance_cell(0)], LOOK.bold)
    _finish(sheet, layout.widths[GUIDANCE], None, 1, 3 + len(lines), one_page=True)


def _cover(sheet: Worksheet, plan: Plan, layout: ReturnLayout, items: tuple[Item, ...]) -> dict[tuple[str, str], Expr]:
    _title(sheet, layout.title)
    values = cover_values(plan)
    for key in COVER_INPUTS:
        _write_text(sheet, layout.cover_lines.label(key), COVER_LABELS[key])
        to_openpyxl.apply(sheet[layout.cover_lines.label(key)], LOOK.wrapped)
        _input(sheet, layout.cover_cell(key), values.get(key) or None)
    for key, label, value in (
        ("template_year", "Year reported", layout.year.name),
        ("generator", "Generated by", f"bcf-xl {__version__}"),
        ("return_kind", "Return", layout.kind.value),
        ("quarter", "Reporting period", quarter_text(layout.kind, layout.quarter)),
    ):
        _write_text(sheet, layout.cover_lines.label(key), label)
        _grey(sheet, layout.cover_cell(key), value)
    checkers, last_row = write_checklist(sheet, items, layout.checklist)
    _finish(sheet, layout.widths[COVER], None, len(layout.checklist.fields) + 1, last_row, one_page=True)
    return checkers


def _conditions(sheet: Worksheet, report: MonitoringReport, layout: ReturnLayout, ranges: dict[str, str]) -> None:
    _title(sheet, f"{layout.title}: {CONDITIONS}")
    table = layout.conditions
    _headers(sheet, table, (field.header for field in table.fields))
    answers = {status.code: status for status in report.conditions}
    for condition, row in zip(layout.year.framework.conditions, table.data_rows, strict=True):
        answer = answers.get(condition.code)
        _grey(sheet, table.cell("code", row), condition.code)
        _grey(sheet, table.cell("text", row), condition.text)
        to_openpyxl.apply(sheet[table.cell("text", row)], LOOK.wrapped)
        _input(sheet, table.cell("met", row), answer.met.value if answer and answer.met else None)
        _input(sheet, table.cell("explanation", row), (answer.explanation or None) if answer else None)
        to_openpyxl.apply(sheet[table.cell("explanation", row)], LOOK.wrapped)
    _dropdown(sheet, ranges["yes_no"], _column_cells(table, "met"), "Choose Yes or No")
    _finish(sheet, layout.widths[CONDITIONS], None, len(table.fields), table.data_rows[-1], one_page=True)


def _column_cells(table: Table, key: str) -> str:
    rows = table.data_rows
    return f"{table.cell(key, rows[0])}:{table.cell(key, rows[-1])}"


def _metrics(sheet: Worksheet, report: MonitoringReport, layout: ReturnLayout, ranges: dict[str, str]) -> None:
    _title(sheet, f"{layout.title}: {METRICS}")
    table = layout.metrics
    _headers(sheet, table, (field.header for field in table.fields))
    lines = {line.metric_id: line for line in report.metrics}
    for national, row in zip(layout.year.framework.metrics, table.data_rows, strict=True):
        line = lines.get(national.code)
        at = {field.key: table.cell(field.key, row) for field in table.fields}
        _grey(sheet, at["code"], national.code)
        _grey(sheet, at["name"], national.name)
        to_openpyxl.apply(sheet[at["name"]], LOOK.wrapped)
        _grey(sheet, at["polarity"], national.polarity.value)
        _grey(sheet, at["target"], line.metric.target if line else None, NUMBER)
        words = None
        if line is not None:
            words = (line.achievement or line.progress).value if layout.year_end else line.progress.value
        _input(sheet, at["actual"], line.actual if line else None, NUMBER)
        _input(sheet, at["data_date"], (line.data_date or None) if line else None)
        _input(sheet, at["assessment"], words)
        for key in ("challenges", "achievements"):
            _input(sheet, at[key], (getattr(line, key) or None) if line else None)
            to_openpyxl.apply(sheet[at[key]], LOOK.wrapped)
    _dropdown(sheet, ranges["assessment"], _column_cells(table, "assessment"), "Choose from the national words")
    _finish(sheet, layout.widths[METRICS], None, len(table.fields), table.data_rows[-1], one_page=True)


def _spend(sheet: Worksheet, report: MonitoringReport, layout: ReturnLayout, policy: Policy) -> None:
    plan = report.plan
    _title(sheet, f"{layout.title}: {layout.spend_sheet}")
    bound = policy.bound("quarterly")
    money = between(bound, f"Between {pounds(bound.low)} and {pounds(bound.high)}")
    types = dropdown_lists(policy)["scheme_types"]
    keyed: list[tuple[Table, tuple[str, ...]]] = [
        (layout.by_source, tuple(s.source_id for s in plan.sources)),
        (layout.by_type, types),
        (layout.by_area, tuple(area.value for area in AreaOfSpend)),
    ]
    if layout.year_end:
        keyed.append((layout.by_commissioner, COMMISSIONERS))
    for table, keys in keyed:
        _headers(sheet, table, (field.header for field in table.fields))
        for row, key in zip(table.data_rows, (*keys, *([None] * table.rows)), strict=False):
            _grey(sheet, table.cell("key", row), key)
    if layout.year_end:  # the plan's figures by commissioner, from the engine (a joint scheme split by its share)
        planned = {t.key: t.figures for t in report.totals if t.grouping.value == "commissioner"}
        for row, who in zip(layout.by_commissioner.data_rows, COMMISSIONERS, strict=True):
            figures = planned.get(who)
            _grey(sheet, layout.by_commissioner.cell("planned", row), figures.planned if figures else 0, MONEY)
            _grey(sheet, layout.by_commissioner.cell("profile", row), figures.profile_to_date if figures else 0, MONEY)
        _minimum_lines(sheet, report, layout, policy)
    to_openpyxl.label(sheet, layout.by_source.cell("key", layout.total_row), "Total expenditure", LOOK.bold)
    income = layout.income
    _headers(sheet, income, (field.header for field in income.fields))
    by_source = {line.source_id: line for line in report.income}
    for row, source in zip(income.data_rows, (*plan.sources, *([None] * INCOME_ROWS)), strict=False):
        line = by_source.get(source.source_id) if source else None
        _grey(sheet, income.cell("source_id", row), source.source_id if source else None)
        _grey(sheet, income.cell("label", row), layout.year.framework.label(source.kind) if source else None)
        _grey(sheet, income.cell("planned", row), line.planned if line else None, MONEY)
        _grey(sheet, income.cell("expected", row), line.expected_to_date if line else None, MONEY)
        received = report.actuals.received(source.source_id, report.year) if source else None
        for quarter in layout.quarters:
            value = received.received[quarter - 1] if received else None
            _input(sheet, income.cell(f"q{quarter}", row), value if source else None, MONEY)
    to_openpyxl.label(sheet, income.cell("source_id", layout.income_total_row), "Total income", LOOK.bold)
    schemes = layout.schemes
    _headers(sheet, schemes, (field.header for field in schemes.fields))
    minimum_sources = {s.source_id for s in plan.sources if s.kind is SourceKind.NHS_MINIMUM}
    for row, progress in zip(schemes.data_rows, report.schemes, strict=False):
        scheme = progress.scheme
        described: tuple[tuple[str, str | None], ...] = (
            ("scheme_id", scheme.scheme_id),
            ("name", scheme.name),
            ("source", scheme.source),
            ("scheme_type", scheme.scheme_type),
            ("area_of_spend", scheme.area_of_spend.value),
            ("commissioner", scheme.commissioner.value),
            ("minimum", "Yes" if scheme.source in minimum_sources else "No"),
            ("pool", scheme.pool or None),
        )
        for key, text in described:
            _grey(sheet, schemes.cell(key, row), text, TEXT)
        _grey(sheet, schemes.cell("nhs_share", row), scheme.nhs_share, NUMBER)
        _grey(sheet, schemes.cell("planned", row), progress.figures.planned, MONEY)
        _grey(sheet, schemes.cell("profile", row), progress.figures.profile_to_date, MONEY)
        for quarter in layout.quarters:
            _input(sheet, schemes.cell(f"q{quarter}", row), progress.spend[quarter - 1], MONEY)
    for table in (income, schemes):
        for quarter in layout.quarters:
            to_openpyxl.validate(sheet, _column_cells(table, f"q{quarter}"), money)
    last_column = max(len(schemes.fields), len(income.fields))
    _finish(sheet, layout.widths[layout.spend_sheet], None, last_column, schemes.data_rows[-1])
    for table in (income, schemes):  # empty rows stay yellow so a line can be typed in
        for row in table.data_rows:
            for quarter in layout.quarters:
                to_openpyxl.apply(sheet[table.cell(f"q{quarter}", row)], LOOK.input(MONEY))


def _minimum_lines(sheet: Worksheet, report: MonitoringReport, layout: ReturnLayout, policy: Policy) -> None:
    plan = report.plan
    index = plan.year_index(report.year)
    asc = asc_minimum(plan, policy)
    ooh = ooh_minimum(plan)
    required: dict[str, Decimal | None] = {
        "asc_required": asc[index].required if asc else None,
        "ooh_required": ooh[index].required if ooh else None,
    }
    lines = layout.minimums
    for key in lines.rows:
        _write_text(sheet, lines.label(key), MINIMUM_LABELS[key])
        if key in required:
            _grey(sheet, lines.cell(key), required[key], MONEY)
        else:
            to_openpyxl.apply(sheet[lines.cell(key)], LOOK.computed(MONEY if key.endswith("actual") else TEXT))


def _section_75(sheet: Worksheet, report: MonitoringReport, layout: ReturnLayout) -> None:
    plan = report.plan
    _title(sheet, f"{layout.title}: {SECTION_75}")
    table = layout.statement
    partners = [p.partner_id for p in plan.partners]
    headers = []
    for field in table.fields:
        stem = field.key.rstrip("0123456789")
        number = field.key[len(stem) :]
        if stem in ("contribution", "share"):
            partner = partners[int(number) - 1] if int(number) <= len(partners) else ""
            what = "Contribution" if stem == "contribution" else "Share of the difference"
            headers.append(f"{what}: {partner} (£)" if partner else "")
        else:
            headers.append(field.header)
    _headers(sheet, table, headers)
    pools = {p.pool_id: p for p in plan.pools}
    for row, statement in zip(table.data_rows, (*report.year_end, *([None] * POOL_ROWS)), strict=False):
        if statement is None:
            continue
        pool = pools[statement.pool_id]
        _grey(sheet, table.cell("pool_id", row), pool.pool_id)
        _grey(sheet, table.cell("name", row), pool.name)
        _grey(sheet, table.cell("host", row), pool.host)
        contributions = dict(statement.contributions)
        shares = dict(statement.treatment_split)
        for column, partner in enumerate(partners, start=1):
            _grey(sheet, table.cell(f"contribution{column}", row), contributions.get(partner, Decimal(0)), MONEY)
            _grey(sheet, table.cell(f"share{column}", row), shares.get(partner, Decimal(0)), MONEY)
        _grey(sheet, table.cell("treatment", row), statement.treatment.value)
    waterfall = layout.waterfall
    _headers(sheet, waterfall, (field.header for field in waterfall.fields))
    for row, step in zip(waterfall.data_rows, report.waterfall, strict=False):
        _grey(sheet, waterfall.cell("step", row), step.name)
        _grey(sheet, waterfall.cell("available", row), step.available, MONEY)
        _grey(sheet, waterfall.cell("applied", row), step.applied, MONEY)
    _finish(sheet, layout.widths[SECTION_75], None, len(table.fields), waterfall.data_rows[-1], one_page=True)
