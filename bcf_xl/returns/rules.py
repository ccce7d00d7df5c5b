"""A return's computed cells and checklist, each declared once as a rule (:mod:`bcf_xl.workbook.rules`).

The builder writes each rule's Excel formula and caches its value; the validator evaluates the same rules over a
filled return's cells, so ``bcf-xl validate`` and Excel agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from bcf_xl.monitoring import quarter_name
from bcf_xl.policy import Bound
from bcf_xl.returns.layout import COVER_INPUTS, PARTNER_COLUMNS, ReturnLayout
from bcf_xl.submission.checklist import Item, _none_of, _out_of, _pounds
from bcf_xl.submission.definition import COVER_INPUTS as COVER_LABELS
from bcf_xl.submission.layout import COVER
from bcf_xl.workbook.rules import (
    Expr,
    Range,
    Ref,
    and_,
    if_,
    isnumber,
    len_,
    n,
    or_,
    range_at,
    round_,
    search,
    sum_,
    sumif,
    sumifs,
    trim,
)
from bcf_xl.workbook.tables import Table

Cell = tuple[str, str]


def _at(table: Table, key: str, row: int) -> Ref:
    return Ref(table.sheet, table.cell(key, row))


def _row_span(table: Table, first: str, last: str, row: int) -> Range:
    return range_at(f"{table.sheet}!{table.cell(first, row)}:{table.cell(last, row)}")


def _column(table: Table, key: str) -> Range:
    return range_at(table.span(key))


def computed_cells(layout: ReturnLayout) -> dict[Cell, Expr]:
    """The rule of every computed cell of a return but the checklist's, by (sheet, cell)."""
    found: dict[Cell, Expr] = {}
    first, last = f"q{layout.quarters[0]}", f"q{layout.quarters[-1]}"
    income, schemes = layout.income, layout.schemes
    for row in income.data_rows:
        received = sum_(_row_span(income, first, last, row))
        found[(income.sheet, income.cell("received", row))] = received
        found[(income.sheet, income.cell("difference", row))] = _at(income, "received", row) - n(
            _at(income, "expected", row)
        )
    for what in ("planned", "expected", "received", "difference"):
        found[(income.sheet, income.cell(what, layout.income_total_row))] = sum_(_column(income, what))
    for row in schemes.data_rows:
        actual = _at(schemes, "actual", row)
        found[(schemes.sheet, schemes.cell("actual", row))] = sum_(_row_span(schemes, first, last, row))
        found[(schemes.sheet, schemes.cell("variance", row))] = actual - n(_at(schemes, "profile", row))
        who, share = _at(schemes, "commissioner", row), _at(schemes, "nhs_share", row)
        found[(schemes.sheet, schemes.cell("nhs", row))] = if_(
            who.eq("ICB"), actual, if_(who.eq("Joint"), round_(actual * n(share), 2), 0)
        )
    groups = [(layout.by_source, "source"), (layout.by_type, "scheme_type"), (layout.by_area, "area_of_spend")]
    for table, key in groups:
        for row in table.data_rows:
            line = _at(table, "key", row)
            for figure in ("planned", "profile", "actual"):
                total = sumif(_column(schemes, key), line, _column(schemes, figure))
                found[(table.sheet, table.cell(figure, row))] = if_(line.eq(""), 0, total)
            found[(table.sheet, table.cell("variance", row))] = _at(table, "actual", row) - _at(table, "profile", row)
    if layout.year_end:
        nhs_row, la_row = layout.by_commissioner.data_rows
        table = layout.by_commissioner
        found[(table.sheet, table.cell("actual", nhs_row))] = sum_(_column(schemes, "nhs"))
        found[(table.sheet, table.cell("actual", la_row))] = sum_(_column(schemes, "actual")) - _at(
            table, "actual", nhs_row
        )
        for row in (nhs_row, la_row):
            found[(table.sheet, table.cell("variance", row))] = _at(table, "actual", row) - n(
                _at(table, "profile", row)
            )
        found |= _minimums(layout)
        found |= _statement(layout)
    totals = layout.by_source
    for figure in ("planned", "profile", "actual"):
        found[(totals.sheet, totals.cell(figure, layout.total_row))] = sum_(_column(schemes, figure))
    found[(totals.sheet, totals.cell("variance", layout.total_row))] = _at(totals, "actual", layout.total_row) - _at(
        totals, "profile", layout.total_row
    )
    return found


def _minimums(layout: ReturnLayout) -> dict[Cell, Expr]:
    lines, schemes = layout.minimums, layout.schemes
    sheet = lines.sheet
    funded = (range_at(schemes.span("minimum")), "Yes")
    areas = range_at(schemes.span("area_of_spend"))
    actual, nhs = range_at(schemes.span("actual")), range_at(schemes.span("nhs"))
    line = {key: Ref(sheet, lines.cell(key)) for key in lines.rows}
    found: dict[Cell, Expr] = {
        (sheet, lines.cell("asc_actual")): sumifs(actual, funded, (areas, "Social Care")),
        (sheet, lines.cell("ooh_actual")): sumifs(nhs, funded)
        - sumifs(nhs, funded, (areas, "Acute"))
        - sumifs(nhs, funded, (areas, "Social Care")),
    }
    for which in ("asc", "ooh"):
        required, spent = line[f"{which}_required"], line[f"{which}_actual"]
        met = if_(isnumber(required), if_(spent.ge(required), "Yes", "No"), "Not applicable")
        found[(sheet, lines.cell(f"{which}_met"))] = met
    return found


def _statement(layout: ReturnLayout) -> dict[Cell, Expr]:
    table, schemes = layout.statement, layout.schemes
    found: dict[Cell, Expr] = {}
    for row in table.data_rows:
        pool = _at(table, "pool_id", row)
        contributions = sum_(_row_span(table, "contribution1", f"contribution{PARTNER_COLUMNS}", row))
        spent = sumif(range_at(schemes.span("pool")), pool, range_at(schemes.span("actual")))
        found[(table.sheet, table.cell("contributions", row))] = contributions
        found[(table.sheet, table.cell("expenditure", row))] = if_(pool.eq(""), 0, spent)
        found[(table.sheet, table.cell("difference", row))] = _at(table, "contributions", row) - _at(
            table, "expenditure", row
        )
    return found


Found = list[tuple[str, str, str, str, Expr]]  # key, sheet, description, link, rule


def items(layout: ReturnLayout, words: Sequence[str], bound: Bound) -> tuple[Item, ...]:
    """Every checklist item of a return, in the order its Cover shows them.

    Args:
        layout: the return's layout.
        words: the assessment words a metric may be given (the progress words, or at year end the achievement
            words); the first that means "no data" lets a metric's actual stay blank.
        bound: the bounds of every amount (0 to 100,000,000).
    """
    found: Found = []
    for key in COVER_INPUTS:
        cell = Ref(COVER, layout.cover_cell(key))
        label = COVER_LABELS[key]
        if key == "email":
            found.append((key, COVER, f"{label} is an e-mail address", cell.formula(), isnumber(search("@", cell))))
        else:
            found.append((key, COVER, f"{label} is filled in", cell.formula(), len_(trim(cell)).gt(0)))
    table = layout.conditions
    for condition, row in zip(layout.year.framework.conditions, table.data_rows, strict=True):
        met, why = _at(table, "met", row), _at(table, "explanation", row)
        rule = or_(met.eq("Yes"), and_(met.eq("No"), len_(trim(why)).gt(0)))
        found.append(
            (
                f"condition:{condition.code}",
                table.sheet,
                f"{condition.code} answered Yes, or No with an explanation",
                met.formula(),
                rule,
            )
        )
    table = layout.metrics
    no_data = words[-1]
    for metric, row in zip(layout.year.framework.metrics, table.data_rows, strict=True):
        assessment, actual = _at(table, "assessment", row), _at(table, "actual", row)
        listed = or_(*(assessment.eq(word) for word in words))
        rule = and_(listed, or_(assessment.eq(no_data), isnumber(actual)))
        words_text = f"{metric.code}: {layout.assessment_heading.lower()} chosen, with the actual unless no data"
        found.append((f"metric:{metric.code}", table.sheet, words_text, assessment.formula(), rule))
    for table, what in ((layout.income, "received"), (layout.schemes, "spend")):
        filled = len_(_column(table, table.fields[0].key)).gt(0)
        for quarter in layout.quarters:
            key = f"q{quarter}"
            values = range_at(table.span(key))
            link = Ref(table.sheet, table.cell(key, table.data_rows[0])).formula()
            words_text = f"Every {table.record} has its {quarter_name(quarter)} {what}, {_pounds(bound)}"
            found.append(
                (
                    f"{table.record}:{quarter_name(quarter)}",
                    table.sheet,
                    words_text,
                    link,
                    _none_of(filled, *_out_of(values, bound)),
                )
            )
    computed: Mapping[Cell, Expr] = MappingProxyType(computed_cells(layout))
    return tuple(Item(key, sheet, text, link, rule, computed) for key, sheet, text, link, rule in found)
