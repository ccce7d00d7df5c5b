"""The Summary tab's totals: the native Excel formulas the template computes them with, and the
same arithmetic in Python over a filled template's cells (used by the checklist's Python side).

Summary and checks use native Excel functions only: NHS England's copy of Excel has no add-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from bcf_xl.model import AreaOfSpend, SourceKind
from bcf_xl.submission.layout import COVER, EXPENDITURE, INCOME, Layout

Values = Mapping[tuple[str, str], object]


def kind_formula(layout: Layout, row: int) -> str:
    """Expenditure's grey 'Funding source' cell: the Income label of the scheme's source ref."""
    source = f"{layout.scheme_columns['source']}{row}"
    rows = layout.income_rows
    return f'=IFERROR(VLOOKUP({source},{INCOME}!$A${rows[0]}:$B${rows[-1]},2,FALSE),"")'


def nhs_formula(layout: Layout, row: int, year: str) -> str:
    """Expenditure's grey 'NHS commissioned' cell: all of an ICB scheme, the NHS share of a joint one."""
    cols = layout.scheme_columns
    amount, share, who = f"{cols[f'amount:{year}']}{row}", f"{cols['nhs_share']}{row}", f"{cols['commissioner']}{row}"
    return f'=IF({who}="ICB",N({amount}),IF({who}="Joint",ROUND(N({amount})*N({share}),2),0))'


def summary_formulas(layout: Layout) -> dict[str, list[str]]:
    """Every Summary line's formula per plan year, keyed as in :attr:`Layout.summary_rows`."""
    income_rows = layout.income_rows
    labels = f"{INCOME}!$B${income_rows[0]}:$B${income_rows[-1]}"
    nhs_label = layout.year.label(SourceKind.NHS_MINIMUM)
    kinds, areas = layout.scheme_range("kind"), layout.scheme_range("area_of_spend")
    area_kind = f"{COVER}!${layout.cover_cell('area_kind')[0]}${layout.cover_cell('area_kind')[1:]}"
    formulas: dict[str, list[str]] = {key: [] for key in layout.summary_rows}
    for index, year in enumerate(layout.years):
        amounts = layout.income_range(layout.income_amount_col(index))
        spend, nhs = layout.scheme_range(f"amount:{year}"), layout.scheme_range(f"nhs:{year}")
        cell = {key: layout.summary_cell(key, index) for key in layout.summary_rows}
        for label in layout.year.labels:
            formulas[f"income:{label}"].append(f'=SUMIF({labels},"{label}",{amounts})')
        formulas["income"].append(f"=SUM({amounts})")
        for area in AreaOfSpend:
            formulas[f"spend:{area.value}"].append(f'=SUMIF({areas},"{area.value}",{spend})')
        formulas["spend"].append(f"=SUM({spend})")
        formulas["balance"].append(f"={cell['income']}-{cell['spend']}")
        formulas["nhs"].append(f"=SUM({nhs})")
        formulas["la"].append(f"={cell['spend']}-{cell['nhs']}")
        formulas["asc_required"].append(f"=N({INCOME}!{layout.asc_minimum_cell(index)})")
        formulas["asc_planned"].append(f'=SUMIFS({spend},{kinds},"{nhs_label}",{areas},"Social Care")')
        formulas["asc_under"].append(f"=MAX(0,ROUND({cell['asc_required']}-{cell['asc_planned']},2))")
        formulas["ooh_required"].append(f"=N({INCOME}!{layout.ooh_minimum_cell(index)})")
        formulas["ooh_planned"].append(
            f'=SUMIFS({nhs},{kinds},"{nhs_label}")-SUMIFS({nhs},{kinds},"{nhs_label}",{areas},"Acute")'
            f'-SUMIFS({nhs},{kinds},"{nhs_label}",{areas},"Social Care")'
        )
        formulas["ooh_under"].append(f"=MAX(0,ROUND({cell['ooh_required']}-{cell['ooh_planned']},2))")
        received, top_up = layout.dfg_received_cell(index), layout.dfg_top_up_cell(index)
        formulas["dfg_available"].append(f"=N({INCOME}!{received})+N({INCOME}!{top_up})")
        formulas["dfg_allocated"].append(f"=SUM({layout.district_range('allocation', index)})")
        formulas["dfg_retained"].append(f"=SUM({layout.district_range('retained', index)})")
        formulas["dfg_passported"].append(
            f'=IF({area_kind}="Two-tier",{cell["dfg_allocated"]}+N({INCOME}!{top_up})-{cell["dfg_retained"]},0)'
        )
    return formulas


# --- the same arithmetic in Python -----------------------------------------------------------------


_WIDE = Context(prec=400)  # any float a cell can hold (up to 1.8e308) still rounds to pence, as ROUND would


def round_pence(value: Decimal) -> Decimal:
    """Excel's ROUND(value, 2): half away from zero, for any number a cell can hold."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP, context=_WIDE)


def cell_number(values: Values, sheet: str, cell: str) -> Decimal | None:
    """The cell as Excel's ISNUMBER sees it: a number (not text, not TRUE/FALSE), else None."""
    value = values.get((sheet, cell))
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None  # a cell never holds NaN or infinity: treat as not a number


def cell_text(values: Values, sheet: str, cell: str) -> str:
    """The cell as text, trimmed, as Excel's LEN(TRIM()) and = see it."""
    value = values.get((sheet, cell))
    if value is None or isinstance(value, bool):
        return "" if value is None else ("TRUE" if value else "FALSE")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(values: Values, sheet: str, cell: str) -> Decimal:
    """Excel's N(): the number in a cell, 0 for text, blanks and TRUE/FALSE."""
    return cell_number(values, sheet, cell) or Decimal(0)


_text = cell_text


def _kind(values: Values, layout: Layout, row: int) -> str:
    source = _text(values, EXPENDITURE, f"{layout.scheme_columns['source']}{row}").casefold()
    for income_row in layout.income_rows:
        if source and _text(values, INCOME, f"A{income_row}").casefold() == source:
            return _text(values, INCOME, f"B{income_row}")
    return ""


def nhs_part(values: Values, layout: Layout, row: int, year: str) -> Decimal:
    cols = layout.scheme_columns
    who = _text(values, EXPENDITURE, f"{cols['commissioner']}{row}").casefold()
    amount = _number(values, EXPENDITURE, f"{cols[f'amount:{year}']}{row}")
    if who == "icb":
        return amount
    if who == "joint":
        share = _number(values, EXPENDITURE, f"{cols['nhs_share']}{row}")
        return round_pence(amount * share)
    return Decimal(0)


def planned_minimum(values: Values, layout: Layout, key: str, index: int) -> Decimal:
    """Planned spend against the ASC ('asc') or out-of-hospital ('ooh') minimum, as the Summary computes it."""
    year = layout.years[index]
    nhs_label = layout.year.label(SourceKind.NHS_MINIMUM).casefold()
    cols = layout.scheme_columns
    planned = Decimal(0)
    for row in layout.scheme_rows_range:
        if _kind(values, layout, row).casefold() != nhs_label:
            continue
        area = _text(values, EXPENDITURE, f"{cols['area_of_spend']}{row}").casefold()
        if key == "asc" and area == "social care":
            planned += _number(values, EXPENDITURE, f"{cols[f'amount:{year}']}{row}")
        elif key == "ooh" and area not in ("acute", "social care"):
            planned += nhs_part(values, layout, row, year)
    return planned


def summary_values(values: Values, layout: Layout) -> dict[str, list[Decimal]]:
    """Every Summary line per plan year, computed in Python as :func:`summary_formulas` computes it in Excel."""
    cols = layout.scheme_columns
    result: dict[str, list[Decimal]] = {key: [] for key in layout.summary_rows}
    two_tier = _text(values, COVER, layout.cover_cell("area_kind")).casefold() == "two-tier"
    for index, year in enumerate(layout.years):
        income_col = layout.income_amount_col(index)
        lines = [
            (_text(values, INCOME, f"B{r}").casefold(), _number(values, INCOME, f"{income_col}{r}"))
            for r in layout.income_rows
        ]
        rows = layout.scheme_rows_range
        spend = [
            (
                _text(values, EXPENDITURE, f"{cols['area_of_spend']}{r}").casefold(),
                _number(values, EXPENDITURE, f"{cols[f'amount:{year}']}{r}"),
            )
            for r in rows
        ]
        line: dict[str, Decimal] = {}
        for label in layout.year.labels:
            line[f"income:{label}"] = sum((a for text, a in lines if text == label.casefold()), Decimal(0))
        line["income"] = sum((a for _, a in lines), Decimal(0))
        for area in AreaOfSpend:
            line[f"spend:{area.value}"] = sum((a for text, a in spend if text == area.value.casefold()), Decimal(0))
        line["spend"] = sum((a for _, a in spend), Decimal(0))
        line["balance"] = line["income"] - line["spend"]
        line["nhs"] = sum((nhs_part(values, layout, r, year) for r in rows), Decimal(0))
        line["la"] = line["spend"] - line["nhs"]
        for key, required_cell in (("asc", layout.asc_minimum_cell(index)), ("ooh", layout.ooh_minimum_cell(index))):
            line[f"{key}_required"] = _number(values, INCOME, required_cell)
            line[f"{key}_planned"] = planned_minimum(values, layout, key, index)
            shortfall = round_pence(line[f"{key}_required"] - line[f"{key}_planned"])
            line[f"{key}_under"] = max(Decimal(0), shortfall)
        top_up = _number(values, INCOME, layout.dfg_top_up_cell(index))
        line["dfg_available"] = _number(values, INCOME, layout.dfg_received_cell(index)) + top_up
        line["dfg_allocated"] = sum(
            (_number(values, INCOME, f"{layout.district_col('allocation', index)}{r}") for r in layout.district_rows),
            Decimal(0),
        )
        line["dfg_retained"] = sum(
            (_number(values, INCOME, f"{layout.district_col('retained', index)}{r}") for r in layout.district_rows),
            Decimal(0),
        )
        line["dfg_passported"] = (line["dfg_allocated"] + top_up - line["dfg_retained"]) if two_tier else Decimal(0)
        for key in result:
            result[key].append(line[key])
    return result


def expenditure_values(values: Values, layout: Layout) -> dict[tuple[str, str], object]:
    """The grey computed cells of every Expenditure row: funding source label and NHS-commissioned amounts."""
    cols = layout.scheme_columns
    computed: dict[tuple[str, str], object] = {}
    for row in layout.scheme_rows_range:
        computed[(EXPENDITURE, f"{cols['kind']}{row}")] = _kind(values, layout, row)
        for year in layout.years:
            computed[(EXPENDITURE, f"{cols[f'nhs:{year}']}{row}")] = nhs_part(values, layout, row, year)
    return computed
