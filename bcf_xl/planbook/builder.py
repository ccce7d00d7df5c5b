"""Build the planning workbook (.xlsm) with XlsxWriter, from the layout in :mod:`bcf_xl.planbook.layout`.

XlsxWriter, unlike openpyxl, can write form buttons and a VBA project. Yellow cells are unlocked
inputs; grey cells are locked formulas; sheets are protected without a password. Live figures
are computed in the cells by the ``bcf_*`` functions of the Excel add-in (see udfs/bcf_udfs.py)
next to native Excel formulas. The file is reproducible: the same plan gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bcf_xl import __version__
from bcf_xl.checks import Finding
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import write_atomically
from bcf_xl.metrics import Progress
from bcf_xl.model import AreaOfSpend, Metric, MetricUnit, Plan, Polarity, RagRule, SourceKind
from bcf_xl.monitoring import Actuals
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.actuals import write_sheets as write_actuals
from bcf_xl.planbook.buttons import insert_lite_buttons
from bcf_xl.planbook.figures import engine_figures
from bcf_xl.planbook.layout import Field, Table
from bcf_xl.policy import Policy
from bcf_xl.workbook import to_xlsxwriter
from bcf_xl.workbook.formats import CHOICE, MONEY, NUMBER, PLANNING, RATED, SHARE, SIGNED_MONEY, TEXT
from bcf_xl.workbook.formulas import (
    amount_of,
    criterion,
    out_of_hospital_from_nhs_minimum,
    social_care_from_nhs_minimum,
    sumifs,
)
from bcf_xl.workbook.references import absolute, split_cell
from bcf_xl.workbook.sheets import HIDDEN_LISTS, Printing, SheetSetup, printed
from bcf_xl.workbook.to_xlsxwriter import Formats
from bcf_xl.workbook.validation import (
    Validation,
    between,
    dropdown,
    dropdown_lists,
    list_cells,
    list_ranges,
    percent,
    pounds,
    select,
    signed,
)
from bcf_xl.workbook.values import cover_values, dfg_inputs, field_values, per_year, retained, scheme_values

NHS_MINIMUM = SourceKind.NHS_MINIMUM.value
REPRODUCIBLE_DATE = dt.datetime(2025, 1, 1)
LOOK = PLANNING


Cached = Mapping[tuple[str, str], object]


def _bounds(cells: str) -> tuple[int, str, int, str]:
    """First row, first column, last row and last column of a range such as ``K4:K18``."""
    first, last = cells.split(":")
    first_column, first_row = split_cell(first)
    last_column, last_row = split_cell(last)
    return first_row, first_column, last_row, last_column


def _keys(table: Table) -> tuple[str, ...]:
    return tuple(field.key for field in table.fields)


def _across(sheet: str) -> dict[str, Any]:
    """The printing options of a wide table printed across pages at a readable scale (layout.PRINT_ACROSS)."""
    scale, columns = L.PRINT_ACROSS[sheet]
    return {"scale": scale, "repeat_columns": columns}


def _page(last_column: str, last_row: int, **options: Any) -> SheetSetup:
    """A planning sheet's setup: printed from A1 to the last cell; rows and columns resizable under protection."""
    return printed(last_column, last_row, resizable=True, **options)


class _Writer:
    """Writes one planning workbook: the plan's inputs, the formulas, validations and protection."""

    def __init__(self, book: Workbook, plan: Plan | None, policy: Policy, cached: Cached) -> None:
        self.book = book
        self.cached = cached
        self.plan = plan
        self.policy = policy
        self.formats = Formats(book)
        self.lists = select(dropdown_lists(policy), L.LIST_NAMES)
        self.list_ranges = list_ranges(L.LISTS, self.lists)
        self.schemes = L.schemes_table(L.scheme_rows_for(len(plan.schemes) if plan else 0))
        self.sheets: dict[str, Worksheet] = {name: book.add_worksheet(name) for name in L.SHEETS}

    # --- cells ----------------------------------------------------------------------------------------

    def put(self, sheet: str, ref: str, value: object, kind: str, *, single: bool = True, wrap: bool = False) -> None:
        """Write an input cell of ``kind``: text always as text (never a formula), numbers as numbers."""
        style = LOOK.input(kind).but(wrap=True) if wrap else LOOK.input(kind)
        to_xlsxwriter.put(self.sheets[sheet], ref, value, self.formats[style])
        if single and kind in (MONEY, SIGNED_MONEY):
            self.flag_text(sheet, ref)

    def flag_text(self, sheet: str, cells: str) -> None:
        """Show an amount held as text (pasted or imported, e.g. "£10,000,000.00") in the warning colour: the
        workbook and the engine both read its figure, but it is better retyped as a number."""
        first = cells.split(":")[0]
        self.sheets[sheet].conditional_format(
            cells, {"type": "formula", "criteria": f"=ISTEXT({first})", "format": self.formats[LOOK.warning]}
        )

    def formula(self, sheet: str, ref: str, text: str, kind: str = MONEY) -> None:
        # The stored result is the figure computed when the workbook was built, or blank (not XlsxWriter's default
        # 0): Excel recalculates on opening, and a viewer that shows stored results without recalculating shows
        # the plan's figures, or nothing rather than a false £0.00.
        self.sheets[sheet].write_formula(
            ref, text, self.formats[LOOK.computed(kind)], self.cached.get((sheet, ref), "")
        )

    def split(self, sheet: str, cells: str, zero_when: str, parts: str) -> None:
        """Each cell of ``cells`` (a column of a table) takes its place in the array ``parts`` a bcf_* function
        returns, or 0 when ``zero_when`` holds. One plain formula a cell (rather than one formula spilling down)
        keeps its stored figure in viewers that recalculate array formulas and cannot run bcf_* functions."""
        first_row, column, last_row, _ = _bounds(cells)
        for row in range(first_row, last_row + 1):
            self.formula(sheet, f"{column}{row}", f"=IF({zero_when},0,INDEX({parts},{row - first_row + 1}))")

    def title(self, sheet: str, text: str) -> Worksheet:
        """Write a sheet's title in its title cell; return the sheet."""
        self.sheets[sheet].write_string(L.TITLE_CELL, text, self.formats[LOOK.title])
        self.sheets[sheet].set_row(0, 21)  # room for the title's larger type above the next line
        return self.sheets[sheet]

    def paragraph(self, sheet: str, ref: str, text: str, *, bold: bool = False) -> None:
        """A line of text wrapped within the columns the layout gives it (layout.PARAGRAPHS), so it stays within
        the printed page; the row is as tall as the lines the text needs."""
        last_column, chars = L.PARAGRAPHS[sheet]
        _, row = split_cell(ref)
        style = (LOOK.bold if bold else LOOK.base).but(wrap=True, valign="top")
        target = self.sheets[sheet]
        target.merge_range(f"{ref}:{last_column}{row}", "", self.formats[style])
        target.write_string(ref, text, self.formats[style])
        lines = -(-len(text) // chars)  # whole lines, rounded up
        target.set_row(row - 1, max(15, 15 * lines))

    def label(self, sheet: str, ref: str, text: str, *, bold: bool = False) -> None:
        self.sheets[sheet].write_string(ref, text, self.formats[LOOK.bold if bold else LOOK.base])

    def headers(self, table: Table) -> None:
        target = self.sheets[table.sheet]
        for field in table.fields:
            column = table.columns[field.key]
            target.write_string(table.cell(field.key, table.header_row), field.header, self.formats[LOOK.header])
            target.set_column(f"{column}:{column}", field.width)
        target.set_row(table.header_row - 1, 42)

    def table(self, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
        """Headers, then each data row's inputs (blank yellow cells where there is no value) and validations."""
        self.headers(table)
        for index, row in enumerate(table.data_rows):
            values = rows[index] if index < len(rows) else {}
            tallest = 0
            for field in table.fields:
                if not field.computed:
                    wrap = (table.name, field.key) in L.WRAPPED_FIELDS
                    value = values.get(field.key)
                    self.put(table.sheet, table.cell(field.key, row), value, field.kind, single=False, wrap=wrap)
                    if wrap and isinstance(value, str):  # as tall as the wrapped lines (about a character a unit)
                        tallest = max(tallest, -(-len(value) // max(1, int(field.width) - 4)))
            if tallest:  # the row as tall as its tallest wrapped text
                self.sheets[table.sheet].set_row(row - 1, max(15, 13 * tallest))
        self.validations(table)
        first, last = table.data_rows[0], table.data_rows[-1]
        start = table.columns[table.fields[0].key]
        self.book.define_name(table.name, f"={L.quote(table.sheet)}!${start}${first}:${table.last_column}${last}")

    def validations(self, table: Table) -> None:
        for field in table.fields:
            check = None if field.computed else self.validation(field)
            cells = table.span(field.key, sheet=False).replace("$", "")
            if check is not None:
                to_xlsxwriter.validate(self.sheets[table.sheet], cells, check)
            if not field.computed and field.kind in (MONEY, SIGNED_MONEY):
                self.flag_text(table.sheet, cells)

    def validation(self, field: Field) -> Validation | None:
        """What an input column accepts: a choice from its list, an amount or a share within the policy's bounds."""
        if field.kind == CHOICE and field.choices:
            source = L.LIVE_LISTS.get(field.choices) or self.list_ranges[field.choices]
            return dropdown(source, f"{field.header}: choose from the list")
        if field.kind in (MONEY, SIGNED_MONEY):
            bound = self.policy.bound("planning")
            bound = signed(bound) if field.kind == SIGNED_MONEY else bound
            return between(bound, f"{field.header}: {pounds(bound.low)} to {pounds(bound.high)}")
        if field.kind == SHARE:
            share = self.policy.bound("nhs_share")
            return between(share, f"A share from {percent(share.low)} to {percent(share.high)}", title=None)
        return None

    def finish(self, sheet: str, setup: SheetSetup) -> None:
        to_xlsxwriter.finish(self.sheets[sheet], setup)


def build(
    plan: Plan | None,
    policy: Policy,
    *,
    vba_project: bytes | None = None,
    findings: Sequence[Finding] = (),
    lite_buttons: bool = False,
    cached: Cached | None = None,
    actuals: Actuals | None = None,
) -> bytes:
    """The planning workbook for ``plan`` (None: an empty one) as .xlsm bytes.

    Args:
        plan: the plan to fill in, or None for an empty workbook.
        policy: national parameters (lists, uplift rates).
        vba_project: a vbaProject.bin to embed; with it the Cover gets its buttons.
        findings: the plan's findings, written to the Checks sheet.
        lite_buttons: give the Cover the buttons as shapes that run xlwings Lite scripts (for the .xlsx
            without VBA); the Checks sheet is then left unprotected, as Lite scripts cannot lift protection.
        cached: the value each formula cell computes to, {(sheet, cell): value}, stored beside its formula so a
            viewer that does not recalculate shows the figures (see :func:`bcf_xl.planbook.figures.engine_figures`);
            blank where absent.
        actuals: the actuals reported against the plan, written to the Spend actuals and Quarterly progress
            sheets (:mod:`bcf_xl.planbook.actuals`).
    """
    if plan is not None and len(plan.years) > L.YEARS:
        raise BcfInputError(
            Location(field="Plan years"), f"the planning workbook holds {L.YEARS} years", len(plan.years)
        )
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    book.set_properties(
        {"title": "Better Care Fund planning workbook", "author": f"bcf-xl {__version__}", "created": REPRODUCIBLE_DATE}
    )
    writer = _Writer(book, plan, policy, cached or {})
    _lists(writer)
    _cover(writer, vba_project is not None)
    _funding(writer)
    _schemes(writer)
    _pools(writer)
    _dfg(writer)
    _metrics(writer)
    _age_bands(writer)
    _risk(writer)
    write_actuals(writer, actuals)
    _checks(writer, findings)
    _dashboard(writer)
    _policy(writer)
    _conf(writer)
    if vba_project is not None:
        book.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    if lite_buttons:
        insert_lite_buttons(writer.sheets[L.COVER])
        writer.sheets[L.CHECKS].protect_options = {}  # XlsxWriter keeps a sheet's protection here; empty is none
    book.close()
    return output.getvalue()


def write(
    target: Path,
    plan: Plan | None,
    policy: Policy,
    *,
    vba_project: bytes | None = None,
    findings: Sequence[Finding] = (),
    overwrite: bool = False,
    lite_buttons: bool = False,
    cache: bool = False,
    actuals: Actuals | None = None,
) -> None:
    """Build the planning workbook and write it atomically (an .xlsx without VBA when it has Lite buttons); with
    ``cache``, each formula cell holds the figure the engine computes for it
    (:func:`bcf_xl.planbook.figures.engine_figures`), so any viewer shows the plan's figures before Excel
    recalculates."""
    suffix = ".xlsx" if lite_buttons else ".xlsm"
    if target.suffix.lower() != suffix:
        raise BcfInputError(
            Location(sheet=target.name),
            f"the planning workbook must be an {suffix} file",
            target.suffix or "no extension",
        )
    cached = engine_figures(plan, policy, actuals) if cache and plan is not None else None
    data = build(
        plan,
        policy,
        vba_project=vba_project,
        findings=findings,
        lite_buttons=lite_buttons,
        cached=cached,
        actuals=actuals,
    )

    def save(temporary: Path) -> None:
        temporary.write_bytes(data)

    write_atomically(target, save, overwrite=overwrite)


# --- the sheets ------------------------------------------------------------------------------------------


def _lists(w: _Writer) -> None:
    sheet = w.sheets[L.LISTS]
    for ref, text, is_name in list_cells(w.lists):
        if is_name:
            sheet.write_string(ref, text, w.formats[LOOK.header])
        else:
            sheet.write_string(ref, text)
    to_xlsxwriter.finish(sheet, HIDDEN_LISTS)


def _cover(w: _Writer, buttons: bool) -> None:
    plan = w.plan
    sheet = w.title(L.COVER, "Better Care Fund planning workbook")
    w.paragraph(
        L.COVER,
        L.COVER_NOTE_CELL,
        "Yellow cells are inputs; grey cells are computed. Press a button to check the plan, "
        "produce the NHS England submission or start next year's plan.",
    )
    values = cover_values(plan) if plan else {}
    for field in L.COVER_FIELDS:
        w.label(L.COVER, L.COVER_LINES.label(field.key), field.header)
        w.put(L.COVER, L.cover_cell(field.key), values.get(field.key), field.kind)
    kind_cell = L.cover_cell("area_kind")
    to_xlsxwriter.validate(sheet, kind_cell, dropdown(w.list_ranges["area_kinds"]))
    w.table(L.PARTNERS, [field_values(p, _keys(L.PARTNERS)) for p in plan.partners] if plan else [])
    instructions = [
        "How to use this workbook",
        "1. Fill in the yellow cells on Cover, Funding, Schemes, Pools, DFG, Metrics and Risk & year end.",
        "2. Totals, uplifts, the DFG split and RAG ratings are computed live by the bcf_* functions of the bcf-xl "
        "add-in. Opened without it, the grey cells show the figures as they stood when the workbook was written.",
        "3. 'Check plan' lists every problem on the Checks sheet, each with the cell it concerns.",
        "4. 'Generate submission' writes NHS England's planning template next to this workbook (a new file each "
        "time) and reports the result on the Checks sheet.",
        "5. 'Roll forward' starts next year's plan in a new workbook: uplifted minimums, prior-year budgets filled "
        "in, actuals cleared.",
    ]
    for offset, text in enumerate(instructions):
        w.paragraph(L.COVER, L.INSTRUCTIONS.label(L.INSTRUCTIONS.first_row + offset), text, bold=offset == 0)
    w.table(L.CONDITIONS, [field_values(c, _keys(L.CONDITIONS)) for c in plan.conditions] if plan else [])
    w.label(L.COVER, L.SIGN_OFF_LINES.label(L.SIGN_OFF_HEADING_ROW), "Sign-off by role (2025-26 onwards)", bold=True)
    for field in L.SIGN_OFF_FIELDS:
        w.label(L.COVER, L.SIGN_OFF_LINES.label(field.key), field.header)
        w.put(L.COVER, L.cover_cell(field.key), values.get(field.key) or None, field.kind)
    to_xlsxwriter.validate(sheet, L.cover_cell("hwb_signed_off"), dropdown(w.list_ranges["yes_no"]))
    if buttons:
        for macro, cell in L.BUTTON_CELLS.items():
            sheet.insert_button(cell, {"macro": macro, "caption": L.BUTTON_CAPTIONS[macro], "width": 170, "height": 36})
    last = L.SIGN_OFF_LINES.rows["hwb_signed_off"]
    w.finish(L.COVER, _page(L.PRINT_COLUMNS[L.COVER], last, one_page=True, widths=L.COVER_WIDTHS))


def _funding(w: _Writer) -> None:
    plan = w.plan
    w.title(L.FUNDING, "Funding: income by source, contributor and year")
    sources = plan.sources if plan else ()
    w.table(L.SOURCES, [field_values(s, _keys(L.SOURCES)) | per_year("amount", s.amounts) for s in sources])
    schemes = w.schemes
    for row in L.SOURCES.data_rows:
        for year in (1, 2):
            source = L.SOURCES.cell("source_id", row)
            amount = L.SOURCES.cell(f"amount{year}", row)
            w.formula(
                L.FUNDING,
                L.SOURCES.cell(f"balance{year}", row),
                f'=IF({source}="","",{amount_of(amount)}-BCF_TOTAL({schemes.span(f"amount{year}")},'
                f"{schemes.span('source')},{source}))",
            )
    totals = L.FUNDING_TOTALS
    w.label(L.FUNDING, totals.label("income"), "Total income", bold=True)
    w.label(L.FUNDING, totals.label("expenditure"), "Total planned expenditure", bold=True)
    for index in range(L.YEARS):
        w.formula(L.FUNDING, totals.cell("income", index), f"=BCF_TOTAL({L.SOURCES.span(f'amount{index + 1}')})")
        w.formula(L.FUNDING, totals.cell("expenditure", index), f"=BCF_TOTAL({schemes.span(f'amount{index + 1}')})")
    _minimums(w)
    # The print area ends a row below the last minimum line.
    last = max(L.MINIMUMS.rows.values()) + 1
    w.finish(L.FUNDING, _page(L.PRINT_COLUMNS[L.FUNDING], last, freeze=L.FREEZE_CELLS[L.FUNDING]))


def _minimums(w: _Writer) -> None:
    plan, schemes = w.plan, w.schemes
    for key, text in L.MINIMUM_LINES:
        w.label(L.FUNDING, L.MINIMUMS.label(key), text)
    asc = plan.asc_minimum if plan else None
    w.put(L.FUNDING, L.minimum_cell("asc_prior", 0), asc.prior_year if asc else None, MONEY)
    for index in range(L.YEARS):
        # The national rate of the plan year typed on the Cover, looked up on the Policy sheet.
        w.formula(
            L.FUNDING,
            L.minimum_cell("uplift", index),
            "=" + L.policy_lookup(L.UPLIFTS, "rate", L.year_cell(index)),
            RATED,
        )
        agreed = asc.agreed[index] if asc and asc.agreed and index < len(asc.agreed) else None
        w.put(L.FUNDING, L.minimum_cell("asc_agreed", index), agreed, MONEY)
        ooh = plan.ooh_minimum[index] if plan and plan.ooh_minimum and index < len(plan.ooh_minimum) else None
        w.put(L.FUNDING, L.minimum_cell("ooh_required", index), ooh, MONEY)

        def at(key: str, i: int = index) -> str:
            return L.minimum_cell(key, i)

        base = at("asc_prior", 0) if index == 0 else L.minimum_cell("asc_calculated", index - 1)
        w.formula(
            L.FUNDING,
            at("asc_calculated"),
            f'=IF(OR({base}="",{at("uplift")}=""),"",BCF_UPLIFT({base},{at("uplift")}))',
        )
        w.formula(
            L.FUNDING,
            at("asc_required"),
            f'=IF({at("asc_agreed")}="",{at("asc_calculated")},{amount_of(at("asc_agreed"))})',
        )
        nhs = schemes.span(f"nhs{index + 1}")
        kinds, areas = schemes.span("kind"), schemes.span("area_of_spend")
        # Each scheme's NHS and council parts hold its amount as a number, text amounts included.
        la = schemes.span(f"la{index + 1}")
        social_care = (kinds, criterion(NHS_MINIMUM)), (areas, criterion("Social Care"))
        w.formula(
            L.FUNDING,
            at("asc_planned"),
            social_care_from_nhs_minimum(nhs, kinds, areas, NHS_MINIMUM) + "+" + sumifs(la, *social_care),
        )
        w.formula(
            L.FUNDING,
            at("asc_shortfall"),
            f'=IF(ISNUMBER({at("asc_required")}),BCF_SHORTFALL({at("asc_planned")},{at("asc_required")}),"")',
        )
        w.formula(L.FUNDING, at("ooh_planned"), out_of_hospital_from_nhs_minimum(nhs, kinds, areas, NHS_MINIMUM))
        w.formula(
            L.FUNDING,
            at("ooh_shortfall"),
            f'=IF({at("ooh_required")}="","",BCF_SHORTFALL({at("ooh_planned")},{at("ooh_required")}))',
        )


def _schemes(w: _Writer) -> None:
    plan, table = w.plan, w.schemes
    w.title(L.SCHEMES, "Schemes: the expenditure plan, one row per scheme")
    rows = []
    for s in plan.schemes if plan else ():
        values = scheme_values(s)
        values |= per_year("amount", s.amounts) | per_year("outturn", s.outturn)
        rows.append(values)
    w.table(table, rows)
    sources = L.SOURCES.span("source_id")
    for row in table.data_rows:

        def c(key: str, r: int = row) -> str:
            return table.cell(key, r)

        w.formula(
            L.SCHEMES,
            c("kind"),
            f'=IF({c("source")}="","",IFERROR(INDEX({L.SOURCES.span("kind")},MATCH({c("source")},{sources},0)),""))',
            TEXT,
        )
        w.formula(
            L.SCHEMES,
            c("contributor"),
            f'=IF({c("source")}="","",IFERROR(INDEX('
            f'{L.SOURCES.span("contributor")},MATCH({c("source")},{sources},0)),""))',
            TEXT,
        )
        for year in (1, 2):
            amount = c(f"amount{year}")
            w.formula(
                L.SCHEMES,
                c(f"nhs{year}"),
                f'=IF({c("commissioner")}="ICB",{amount_of(amount)},IF({c("commissioner")}'
                f'="Joint",ROUND({amount_of(amount)}*N({c("nhs_share")}),2),0))',
            )
        for year in (1, 2):
            w.formula(L.SCHEMES, c(f"la{year}"), f"={amount_of(c(f'amount{year}'))}-{c(f'nhs{year}')}")
        outturn = c("outturn1")
        w.formula(L.SCHEMES, c("spent1"), f'=IF({outturn}="",{amount_of(c("amount1"))},{amount_of(outturn)})')
    last = table.data_rows[-1]
    w.finish(
        L.SCHEMES,
        _page(
            table.last_column, last, freeze=L.FREEZE_CELLS[L.SCHEMES], header_row=table.header_row, **_across(L.SCHEMES)
        ),
    )


def _pools(w: _Writer) -> None:
    plan, schemes = w.plan, w.schemes
    w.title(L.POOLS, "Pools: pooled totals by pool, theme, partner, source and commissioner")
    rows = (
        [
            {"pool_id": p.pool_id, "name": p.name, "host": p.host, "risk_pool": "Yes" if p.is_risk_pool else "No"}
            for p in plan.pools
        ]
        if plan
        else []
    )
    w.table(L.POOL_TABLE, rows)
    themes = (
        sorted({s.theme for s in plan.schemes if s.theme}, key=[s.theme for s in plan.schemes].index) if plan else []
    )
    w.table(L.THEMES, [{"theme": t} for t in themes])
    for table, key_field, by in ((L.POOL_TABLE, "pool_id", "pool"), (L.THEMES, "theme", "theme")):
        for row in table.data_rows:
            key = table.cell(key_field, row)
            for year in (1, 2):
                w.formula(
                    L.POOLS,
                    table.cell(f"total{year}", row),
                    f'=IF({key}="","",BCF_TOTAL({schemes.span(f"amount{year}")},{schemes.span(by)},{key}))',
                )
    view = L.POOL_VIEWS
    for title, rows_ in pool_views(schemes).values():
        w.label(L.POOLS, view.label(rows_[0][0] - 1), title, bold=True)
        for row, label, formulas in rows_:
            if label.startswith("="):
                w.formula(L.POOLS, view.label(row), label, TEXT)
            else:
                w.label(L.POOLS, view.label(row), label)
            for index, text in enumerate(formulas):
                w.formula(L.POOLS, view.cell(row, index), text)
    last = max(r for _, rows_ in pool_views(schemes).values() for r, _, _ in rows_)
    w.finish(L.POOLS, _page(L.PRINT_COLUMNS[L.POOLS], last))


ViewLine = tuple[int, str, tuple[str, str]]  # (row, label or formula, formula for each plan year)


def _each_year(formula: Callable[[int], str]) -> tuple[str, str]:
    return formula(1), formula(2)


def pool_views(schemes: Table) -> dict[str, tuple[str, list[ViewLine]]]:
    """The read-only views of the Pools sheet: for each, its title and lines."""
    contributor, source, area_col = (schemes.span(k) for k in ("contributor", "source", "area_of_spend"))

    def total(year: int, *criteria: str) -> str:
        return f"BCF_TOTAL({schemes.span(f'amount{year}')}{''.join(',' + c for c in criteria)})"

    views: dict[str, tuple[str, list[ViewLine]]] = {}
    row = L.POOL_VIEWS.first_row + 1
    for view, table, key, by in (
        ("partner", L.PARTNERS, "partner_id", contributor),
        ("source", L.SOURCES, "source_id", source),
    ):
        lines: list[ViewLine] = []
        for table_row in table.data_rows:
            ident = f"{L.quote(table.sheet)}!{table.cell(key, table_row)}"

            def by_ident(year: int, i: str = ident, b: str = by) -> str:
                return f'=IF({i}="","",{total(year, b, i)})'

            lines.append((row, f'=IF({ident}="","",{ident})', _each_year(by_ident)))
            row += 1
        views[view] = (L.VIEW_TITLES[view], lines)
        row += 2
    nhs = _each_year(lambda y: f"=BCF_TOTAL({schemes.span(f'nhs{y}')})")
    la = _each_year(lambda y: f"={total(y)}-BCF_TOTAL({schemes.span(f'nhs{y}')})")
    views["commissioner"] = (L.VIEW_TITLES["commissioner"], [(row, "NHS", nhs), (row + 1, "Local Authority", la)])
    row += 4
    lines = []
    for area in AreaOfSpend:

        def by_area(year: int, quoted: str = f'"{area.value}"') -> str:
            return f"={total(year, area_col, quoted)}"

        lines.append((row, area.value, _each_year(by_area)))
        row += 1
    lines.append((row, "Total", _each_year(lambda y: f"={total(y)}")))
    views["area"] = (L.VIEW_TITLES["area"], lines)
    return views


def _dfg(w: _Writer) -> None:
    plan = w.plan
    w.title(L.DFG, "Disabled Facilities Grant: received, top-ups and the split passported to districts")
    lines = L.DFG_LINES
    w.label(L.DFG, lines.label("received"), "DFG received (grant letter)")
    w.label(L.DFG, lines.label("top_up"), "In-year top-up, split pro rata to allocations")
    for index in range(L.YEARS):
        received, top_ups = dfg_inputs(plan, index)
        w.put(L.DFG, lines.cell("received", index), received, MONEY)
        w.put(L.DFG, lines.cell("top_up", index), top_ups, MONEY)
    rows = []
    for district in plan.area.districts if plan else ():
        values: dict[str, object] = {"district_id": district.district_id, "name": district.name}
        for index, amount in enumerate(district.dfg_allocation):
            values[f"allocation{index + 1}"] = amount
            values[f"retained{index + 1}"], values[f"reference{index + 1}"] = retained(
                plan, district.district_id, index
            )
        rows.append(values)
    w.table(L.DISTRICTS, rows)
    table = L.DISTRICTS
    w.paragraph(
        L.DFG,
        L.DFG_NOTE_CELL,
        "Where the grant letter gives only the second year's total, leave the districts' second-year allocations "
        "blank: the DFG received is then split in proportion to the first year's allocations (bcf_passport), "
        "as shown in the last column.",
    )
    first, second = (table.span(f"allocation{year}", sheet=False) for year in (1, 2))
    split = table.span("split2", sheet=False)
    total = lines.cell("received", 1)
    w.split(
        L.DFG,
        split.replace("$", ""),
        f"OR(COUNTA({second})>0,{amount_of(total)}=0,BCF_TOTAL({first})=0)",
        f"BCF_PASSPORT({total},{first})",
    )
    for index in range(L.YEARS):
        year = index + 1
        top_up = lines.cell("top_up", index)
        # The second year's top-up is split by the allocations used: typed, or pro rata to the first year.
        allocations = table.span(f"allocation{year}", sheet=False) if year == 1 else f"({second}+{split})"
        spill = table.span(f"top_up{year}", sheet=False).replace("$", "")
        w.split(
            L.DFG,
            spill,
            f"OR({amount_of(top_up)}=0,BCF_TOTAL({allocations})=0)",
            f"BCF_PASSPORT({top_up},{allocations})",
        )
        for row in table.data_rows:

            def c(key: str, r: int = row) -> str:
                return table.cell(key, r)

            w.formula(
                L.DFG,
                c(f"passported{year}"),
                f'=IF({c("district_id")}="","",{amount_of(c(f"allocation{year}"))}'
                + ("" if year == 1 else f"+N({c('split2')})")
                + f"+N({c(f'top_up{year}')})-{amount_of(c(f'retained{year}'))})",
            )
    w.finish(L.DFG, _page(table.last_column, table.data_rows[-1], header_row=table.header_row, **_across(L.DFG)))


def metric_values(plan: Plan) -> list[dict[str, object]]:
    """Each metric's row of inputs: a rate metric's figures as counts with the population (the rates they give
    show in the grey columns), a percentage or number as it is; a national metric's code in National metric."""
    from bcf_xl.submission.definition import year_for_plan

    template = year_for_plan(plan.years)
    codes = {m.code for m in template.metrics} if template else set()
    rows = []
    for metric in plan.metrics:
        values = field_values(metric, _keys(L.METRIC_TABLE))
        values["national"] = metric.metric_id if metric.metric_id in codes else None
        if metric.unit is MetricUnit.RATE:
            for key in L.VALUE_KEYS:
                values[f"{key}_count"] = values.pop(key)
        else:
            values["population"] = None if metric.population is None else metric.population
        rows.append(values)
    return rows


def banded_metric(plan: Plan | None) -> Metric | None:
    """The plan's metric rated over age bands, which the Falls by age band sheet holds (None if it has none).

    Raises:
        BcfInputError: more than one metric has age bands; the workbook holds one metric's bands.
    """
    banded = [m for m in plan.metrics if m.bands] if plan else []
    if len(banded) > 1:
        raise BcfInputError(
            Location(field="Age bands"),
            "the planning workbook holds the age bands of one metric",
            ", ".join(m.metric_id for m in banded),
        )
    if banded and len(banded[0].bands) > L.AGE_BAND_TABLE.rows:
        raise BcfInputError(
            Location(field="Age bands", item=banded[0].metric_id),
            f"the planning workbook holds {L.AGE_BAND_TABLE.rows} age bands",
            len(banded[0].bands),
        )
    return banded[0] if banded else None


def _without_banded(metric: Metric, values: dict[str, object]) -> dict[str, object]:
    """A metric's Metrics inputs with each value worked out from age bands left blank (the bands give it)."""
    for key in L.BAND_COUNTS:
        if metric.bands and all(getattr(band, key) is not None for band in metric.bands):
            values[key] = None
    return values


def _metrics(w: _Writer) -> None:
    plan = w.plan
    sheet = w.title(L.METRICS, "Metrics: baselines, targets and actuals as published, rated live")
    rows = [_without_banded(m, v) for m, v in zip(plan.metrics, metric_values(plan), strict=True)] if plan else []
    w.table(L.METRIC_TABLE, rows)
    table = L.METRIC_TABLE
    for row in table.data_rows:

        def c(key: str, r: int = row) -> str:
            return table.cell(key, r)

        for source in ("baseline", "target", "actual"):
            w.formula(L.METRICS, c(f"{source}_rate"), "=" + rated_formula(row, source), RATED)
        higher = f'{c("polarity")}="{Polarity.HIGHER_IS_BETTER.value}"'
        w.formula(
            L.METRICS,
            c("rag"),
            f'=IF({c("metric_id")}="","",BCF_RAG({c("actual_rate")},{c("target_rate")},'
            f'IF({c("rag_rule")}="{RagRule.BASELINE.value}",{c("baseline_rate")},""),{higher},'
            f'IF({c("rag_rule")}="{RagRule.TOLERANCE.value}",{c("tolerance")},"")))',
            TEXT,
        )
        actual, target = c("actual_rate"), c("target_rate")
        w.formula(
            L.METRICS,
            c("actual_vs_target"),
            f'=IF(AND(ISNUMBER({actual}),ISNUMBER({target})),IF({target}=0,"",{actual}/{target}),"")',
            SHARE,
        )
        w.formula(
            L.METRICS,
            c("progress"),
            f'=IF({c("metric_id")}="","",BCF_PROGRESS({rated_formula(row, "forecast")},{c("target_rate")},{higher}))',
            TEXT,
        )
    rag = table.span("rag", sheet=False).replace("$", "")
    for word, style in (("Green", LOOK.good), ("Amber", LOOK.warning), ("Red", LOOK.bad)):
        to_xlsxwriter.highlight(sheet, rag, word, w.formats[style])
    words = table.span("progress", sheet=False).replace("$", "")
    for progress, style in ((Progress.ON_TRACK, LOOK.good), (Progress.NOT_ON_TRACK, LOOK.bad)):
        to_xlsxwriter.highlight(sheet, words, progress.value, w.formats[style])
    # A percentage metric's figures show as percentages (84.4% typed is held as 0.844).
    first, last = table.data_rows[0], table.data_rows[-1]
    percent = w.book.add_format({"num_format": "0.0%"})
    unit = f'${table.columns["unit"]}{first}="{MetricUnit.PERCENT.value}"'
    for key in (*L.VALUE_KEYS, "baseline_rate", "target_rate", "actual_rate"):
        cells = f"{table.cell(key, first)}:{table.cell(key, last)}"
        sheet.conditional_format(cells, {"type": "formula", "criteria": f"={unit}", "format": percent})
    w.finish(
        L.METRICS,
        _page(
            table.last_column,
            table.data_rows[-1],
            freeze=L.FREEZE_CELLS[L.METRICS],
            header_row=table.header_row,
            **_across(L.METRICS),
        ),
    )


def rated_formula(row: int, source: str) -> str:
    """A Metrics row's value as rated (no leading =): from the age bands (bcf_dsr) for the metric they belong to
    when they hold that count; else, for a rate, worked out from its count and the population where both are
    given (bcf_rate); else the figure as typed (published)."""
    table, bands = L.METRIC_TABLE, L.AGE_BAND_TABLE

    def c(key: str) -> str:
        return table.cell(key, row)

    def band(key: str) -> str:
        return bands.span(key)

    owner = f"{L.quote(L.AGE_BANDS)}!{absolute(L.AGE_BAND_LINES.cell('metric_id'))}"
    typed = f'IF(ISNUMBER({c(source)}),{c(source)},"")'
    count, population = c(f"{source}_count"), c("population")
    from_count = f"BCF_RATE({count},{population},{c('per')})"
    used = (
        f'IF({c("unit")}="{MetricUnit.RATE.value}",IF(AND(ISNUMBER({count}),ISNUMBER({population})),{from_count},'
        f"{typed}),{typed})"
    )
    return (
        f'IF(AND({c("metric_id")}<>"",{c("metric_id")}={owner},COUNT({band(source)})>0),'
        f"BCF_DSR({band(source)},{band('population')},{band('weight')},{c('per')}),{used})"
    )


def _age_bands(w: _Writer) -> None:
    metric = banded_metric(w.plan)
    sheet = w.title(L.AGE_BANDS, "Falls by age band: counts and populations for the directly age-standardised rate")
    lines, table, rates = L.AGE_BAND_LINES, L.AGE_BAND_TABLE, L.AGE_BAND_RATES
    w.label(L.AGE_BANDS, lines.label("metric_id"), "Metric ID rated by these bands (e.g. FALLS)")
    w.put(L.AGE_BANDS, lines.cell("metric_id"), metric.metric_id if metric else None, TEXT)
    if metric is not None:
        rows = [field_values(band, _keys(table)) for band in metric.bands]
    else:  # the bands of people aged 65 and over named, ready for their figures
        rows = [{"band": band} for band, _ in w.policy.standard_population.older_people]
    w.table(table, rows)
    counts = {key: table.span(key, sheet=False) for key in ("population", "weight", *L.BAND_COUNTS)}
    w.label(L.AGE_BANDS, rates.label("rate"), "Rate per 100,000 (bcf_dsr)", bold=True)
    for index, key in enumerate(L.BAND_COUNTS):
        w.formula(
            L.AGE_BANDS,
            rates.cell("rate", index),
            f'=IF(COUNT({counts[key]})=0,"",BCF_DSR({counts[key]},{counts["population"]},{counts["weight"]}))',
            RATED,
        )
    w.label(L.AGE_BANDS, rates.label("lower"), "Actual rate: 95% confidence interval, lower (bcf_dsr_ci)")
    w.label(L.AGE_BANDS, rates.label("upper"), "Actual rate: 95% confidence interval, upper")
    actual = L.BAND_COUNTS.index("actual")
    spill = f"{rates.cell('lower', actual)}:{rates.cell('upper', actual)}"
    lower, upper = rates.cell("lower", actual), rates.cell("upper", actual)
    sheet.write_dynamic_array_formula(
        spill,
        f'=IF(COUNT({counts["actual"]})=0,"",BCF_DSR_CI({counts["actual"]},{counts["population"]},{counts["weight"]}))',
        w.formats[LOOK.computed(RATED)],
        w.cached.get((L.AGE_BANDS, lower), ""),
    )
    if (L.AGE_BANDS, upper) in w.cached:  # the spilled cell's stored figure, as Excel keeps it beside the formula
        sheet.write(upper, w.cached[(L.AGE_BANDS, upper)], w.formats[LOOK.computed(RATED)])
    w.finish(L.AGE_BANDS, _page(table.last_column, rates.row("upper")))


def _risk(w: _Writer) -> None:
    plan, schemes = w.plan, w.schemes
    w.title(L.RISK, "Risk share, overspend waterfall, quarterly invoices and the year-end statement")
    terms = plan.risk_terms if plan else None
    fund = plan.performance_fund if plan else None
    values = {
        "risk_pool_balance": terms.risk_pool_balance if terms else None,
        "uncommitted": terms.uncommitted if terms else None,
        "fund": fund.fund if fund else None,
        "target_reduction": fund.target_reduction if fund else None,
    }
    lines = L.RISK_LINES
    for key, label in L.RISK_LABELS.items():
        w.label(L.RISK, lines.label(key), label)
        w.put(L.RISK, lines.cell(key), values[key], MONEY if key != "target_reduction" else NUMBER)
    w.label(L.RISK, lines.label("achieved"), "Reduction achieved, quarters 1 to 4")
    for quarter in range(4):
        achieved = fund.achieved_by_quarter[quarter] if fund else None
        w.put(L.RISK, lines.cell("achieved", quarter), achieved, NUMBER)
    overrides = [{"partner_id": p, "weight": weight} for p, weight in terms.override] if terms else []
    w.table(L.SHARE_OVERRIDE, overrides)
    view = L.RISK_VIEWS
    for row, label, formulas in risk_views(schemes):
        if label:
            w.label(L.RISK, view.label(row), label, bold=not formulas)
        for index, text in enumerate(formulas):
            w.formula(L.RISK, view.cell(row, index), text, TEXT if text.startswith('="') else MONEY)
    w.finish(L.RISK, _page(L.PRINT_COLUMNS[L.RISK], max(r for r, _, _ in risk_views(schemes))))


def risk_views(schemes: Table) -> list[tuple[int, str, tuple[str, ...]]]:
    """The Risk & year end sheet's computed lines: (row, label, formulas in the view's columns, first onwards)."""
    view = L.RISK_VIEWS
    contributions_at, spent_at, difference_at = 1, 2, 3  # the statement's columns after the pool's ID
    lines: list[tuple[int, str, tuple[str, ...]]] = []
    row = view.first_row
    lines.append((row, "Year-end statement, first year: contributions, expenditure, difference", ()))
    row += 1
    pool_rows = list(L.POOL_TABLE.data_rows)
    first = row
    for pool_row in pool_rows:
        ident = f"{L.POOLS}!{L.POOL_TABLE.cell('pool_id', pool_row)}"
        contributions = f"BCF_TOTAL({schemes.span('amount1')},{schemes.span('pool')},{ident})"
        spent = f"BCF_TOTAL({schemes.span('spent1')},{schemes.span('pool')},{ident})"
        lines.append(
            (
                row,
                "",
                (
                    f'=IF({ident}="","",{ident})',
                    f'=IF({ident}="","",{contributions})',
                    f'=IF({ident}="","",{spent})',
                    f'=IF({ident}="","",{view.cell(row, contributions_at)}-{view.cell(row, spent_at)})',
                ),
            )
        )
        row += 1
    last = row - 1
    differences = view.span(difference_at, first, last)
    risk = f"{L.POOLS}!{L.POOL_TABLE.span('risk_pool', sheet=False)}"
    row += 1
    # SUMIFS skips the blank ("") lines of unused pool rows; the risk pool's own balance is not an underspend.
    overspend = "-" + sumifs(differences, (differences, criterion("<0")), (risk, criterion("<>Yes")))
    # The waterfall's figures: the overspend, then what each step applies of what the steps before it left.
    step = [view.cell(row + offset) for offset in range(4)]
    lines.append((row, "Overspend to cover", (f"={overspend}",)))
    lines.append(
        (
            row + 1,
            "1. From underspends elsewhere in the pools",
            (f"=MIN({step[0]},{sumifs(differences, (differences, criterion('>0')), (risk, criterion('<>Yes')))})",),
        )
    )
    balance, uncommitted = (L.RISK_LINES.cell(key) for key in ("risk_pool_balance", "uncommitted"))
    lines.append((row + 2, "2. From the risk pool", (f"=MIN({step[0]}-{step[1]},{amount_of(balance)})",)))
    lines.append(
        (
            row + 3,
            "3. From uncommitted scheme allocations",
            (f"=MIN({step[0]}-{step[1]}-{step[2]},{amount_of(uncommitted)})",),
        )
    )
    lines.append((row + 4, "4. From resources outside the pool", (f"={step[0]}-{step[1]}-{step[2]}-{step[3]}",)))
    row += 6
    lines.append((row, "Quarterly invoices, first year (bcf_quarter)", ()))
    row += 1
    # The council invoices each ICB for what it commissions with that ICB's money; the lead ICB invoices the
    # council for what the NHS commissions with the council's money (bcf_xl.risk.partner_invoices).
    la_part = f"BCF_TOTAL({schemes.span('la1')},{schemes.span('contributor')},"
    nhs_part = f"BCF_TOTAL({schemes.span('nhs1')},{schemes.span('contributor')},"
    for partner_row in L.PARTNERS.data_rows:
        ident = f"{L.COVER}!{L.PARTNERS.cell('partner_id', partner_row)}"
        kind = f"{L.COVER}!{L.PARTNERS.cell('kind', partner_row)}"
        annual = f'IF({kind}="ICB",{la_part}{ident}),IF({kind}="Council",{nhs_part}{ident}),0))'
        lines.append(
            (
                row,
                "",
                (
                    f'=IF({kind}="ICB","Council to "&{ident},IF({kind}="Council","Lead ICB to "&{ident},""))',
                    *(f'=IF({kind}="","",BCF_QUARTER({annual},{q}))' for q in (1, 2, 3, 4)),
                ),
            )
        )
        row += 1
    return lines


def _checks(w: _Writer, findings: Sequence[Finding]) -> None:
    sheet = w.title(L.CHECKS, "Checks: every finding of the plan checks, with the cell it concerns")
    write_findings(sheet, findings, w.formats[LOOK.header], "Checked when the workbook was generated")
    w.finish(
        L.CHECKS,
        _page(
            L.PRINT_COLUMNS[L.CHECKS],
            L.CHECK_HEADER_ROW + max(1, len(findings)),
            widths=L.CHECK_WIDTHS,
            header_row=L.CHECK_HEADER_ROW,
        ),
    )


def write_findings(sheet: Worksheet, findings: Sequence[Finding], header: Any, status: str) -> None:
    sheet.write_string(L.CHECK_STATUS_CELL, status)
    for column, text in enumerate(L.CHECK_COLUMNS):
        sheet.write_string(L.CHECK_HEADER_ROW - 1, column, text, header)
    for row, finding in enumerate(findings, start=L.CHECK_HEADER_ROW):
        where = finding.where
        cells = (
            finding.severity.value,
            finding.code,
            where.sheet,
            where.cell,
            where.field,
            where.item,
            finding.message,
        )
        for column, value in enumerate(cells):
            sheet.write_string(row, column, value or "")


# Dashboard charts: (chart type, title, where (a key of layout.CHART_CELLS), table, category field,
# [(value field, series name)], number format of the value axis). Each chart has one unit on its value axis.
POUNDS_AXIS = '"£"#,##0'
_CHARTS = (
    ("bar", "Funding by source", "sources", L.SOURCES, "source_id", (("amount1", "Income, first year"),), POUNDS_AXIS),
    ("bar", "Spend by theme", "themes", L.THEMES, "theme", (("total1", "Planned, first year"),), POUNDS_AXIS),
    ("column", "Spend by pool", "pools", L.POOL_TABLE, "name", (("total1", "Planned, first year"),), POUNDS_AXIS),
    (
        "column",
        "Each metric's actual as a % of its target (100% = on target)",
        "metrics",
        L.METRIC_TABLE,
        "metric_id",
        (("actual_vs_target", "Actual as % of target"),),
        "0%",
    ),
)


def _dashboard(w: _Writer) -> None:
    sheet = w.title(L.DASHBOARD, "Dashboard")
    for kind, title, where, table, category, series, axis in _CHARTS:
        chart = w.book.add_chart({"type": kind})
        first, last = table.data_rows[0] - 1, table.data_rows[-1] - 1  # XlsxWriter counts rows from 0

        def column(key: str, t: Table = table) -> int:
            return t.first_column - 1 + [f.key for f in t.fields].index(key)

        for key, name in series:
            chart.add_series(
                {
                    "name": name,
                    "categories": [table.sheet, first, column(category), last, column(category)],
                    "values": [table.sheet, first, column(key), last, column(key)],
                }
            )
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        # A bar chart's value axis runs across (x), a column chart's up (y).
        values_axis = chart.set_x_axis if kind == "bar" else chart.set_y_axis
        values_axis({"num_format": axis, "min": 0})
        sheet.insert_chart(L.CHART_CELLS[where], chart, {"x_scale": 1.3, "y_scale": 1.2})
    to_xlsxwriter.finish(sheet, SheetSetup(Printing(one_page=True, a4=False)))


def _policy(w: _Writer) -> None:
    """The hidden, protected Policy sheet: each year's uplift rate and each template's national metrics, which the
    workbook's formulas and dropdowns look up by the plan years typed on the Cover."""
    from bcf_xl.submission.definition import YEARS as TEMPLATE_YEARS

    uplifts: list[dict[str, object]] = [
        {"year": year, "rate": uplift.rate, "source": uplift.source}
        for year, uplift in sorted(w.policy.uplifts.items())
    ]
    metrics: list[dict[str, object]] = [
        {
            "year": template.plan_years[0],
            "code": m.code,
            "name": m.name,
            "unit": m.unit.value,
            "per": m.per,
            "polarity": m.polarity.value,
        }
        for template in sorted(TEMPLATE_YEARS.values(), key=lambda t: t.plan_years)
        for m in template.metrics
    ]
    tables: tuple[tuple[Table, list[dict[str, object]]], ...] = ((L.UPLIFTS, uplifts), (L.NATIONAL_METRICS, metrics))
    for table, rows in tables:
        if len(rows) > table.rows:
            raise BcfInputError(Location(sheet=L.POLICY), f"the Policy sheet holds {table.rows} rows", len(rows))
        w.headers(table)
        for row, values in zip(table.data_rows, rows, strict=False):
            for field in table.fields:
                value = values[field.key]
                to_xlsxwriter.put(w.sheets[L.POLICY], table.cell(field.key, row), value, w.formats[LOOK.base])
    to_xlsxwriter.finish(w.sheets[L.POLICY], HIDDEN_LISTS)


def _conf(w: _Writer) -> None:
    sheet = w.sheets[L.CONF]
    for key, value in L.CONF_SETTINGS:
        sheet.write_string(L.CONF_LINES.label(key), key)
        if value:
            sheet.write_string(L.CONF_LINES.cell(key), value)
    sheet.set_column(L.CONF_COLUMNS, 24)
