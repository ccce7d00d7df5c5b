# mypy: disable-error-code="misc"
# (mypy cannot type lambdas that bind loop variables as default arguments; each rule below is one.)
"""The template's checklist: each required item as an Excel formula and the same rule in Python.

In the workbook each item's checker shows red "No" until its formula holds, then green "Yes";
the title reads "Complete Template" once every checker says Yes. The validator applies the very
same rules in Python to a filled template (:func:`unmet`), so ``bcf-xl validate`` and Excel agree
on whether a template is complete. Both sides are written next to each other here, item by item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bcf_xl.model import MetricUnit, SourceKind
from bcf_xl.submission.layout import (
    AREA_KINDS,
    COVER,
    COVER_FIELDS,
    EXPENDITURE,
    INCOME,
    METRICS,
    PARTNER_KINDS,
    REQUIREMENTS,
    SUMMARY,
    Layout,
)
from bcf_xl.submission.totals import cell_number, cell_text, planned_minimum, round_pence

Values = Mapping[tuple[str, str], object]
MAX_AMOUNT = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Item:
    """One checklist line: what it asks, the cell it links to, its Excel test and its Python test."""

    key: str
    sheet: str
    description: str
    link: str
    formula: str
    holds: Callable[[Values], bool]


# --- how Excel sees a cell, in Python --------------------------------------------------------------


_text = cell_text
_number = cell_number


def _same(a: str, b: str) -> bool:
    """Excel's = on text: case-insensitive."""
    return a.casefold() == b.casefold()


def _in(value: str, choices: Iterable[str]) -> bool:
    return any(_same(value, choice) for choice in choices)


def _rows(layout_rows: range, column: str) -> list[str]:
    return [f"{column}{row}" for row in layout_rows]


def _area(a: str, first: int, last: int, sheet: str | None = None) -> str:
    prefix = f"'{sheet}'!" if sheet and " " in sheet else (f"{sheet}!" if sheet else "")
    return f"{prefix}${a}${first}:${a}${last}"


# --- the items -------------------------------------------------------------------------------------


def items(layout: Layout, lists: Mapping[str, tuple[str, ...]], list_ranges: Mapping[str, str]) -> tuple[Item, ...]:
    """Every checklist item of a template year, in the order the Checklist tab shows them.

    Args:
        layout: the template's layout.
        lists: the dropdown vocabularies by name (as on the Lists sheet).
        list_ranges: the Lists-sheet range of each vocabulary, e.g. ``Lists!$D$2:$D$20``.
    """
    found: list[Item] = []
    found += _cover_items(layout)
    found += _income_items(layout, lists, list_ranges)
    found += _expenditure_items(layout, lists, list_ranges)
    found += _summary_items(layout)
    found += _metric_items(layout)
    found += _requirement_items(layout)
    return tuple(found)


def _cover_items(layout: Layout) -> list[Item]:
    found = []
    for key, label in COVER_FIELDS:
        cell = layout.cover_cell(key)
        ref = f"{COVER}!{cell}"
        if key == "area_kind":
            found.append(
                Item(
                    key,
                    COVER,
                    f"{label} is Unitary or Two-tier",
                    ref,
                    f'OR({ref}="Unitary",{ref}="Two-tier")',
                    lambda v, c=cell: _in(_text(v, COVER, c), AREA_KINDS),
                )
            )
        elif key == "email":
            found.append(
                Item(
                    key,
                    COVER,
                    f"{label} is an e-mail address",
                    ref,
                    f'ISNUMBER(SEARCH("@",{ref}))',
                    lambda v, c=cell: "@" in _text(v, COVER, c),
                )
            )
        else:
            found.append(
                Item(
                    key,
                    COVER,
                    f"{label} is filled in",
                    ref,
                    f"LEN(TRIM({ref}))>0",
                    lambda v, c=cell: _text(v, COVER, c) != "",
                )
            )
    rows = layout.partner_rows
    ids, names, kinds = (_area(c, rows[0], rows[-1], COVER) for c in "BCD")

    def partners_complete(v: Values) -> bool:
        filled = [r for r in rows if _text(v, COVER, f"B{r}")]
        kinds_given = [_text(v, COVER, f"D{r}") for r in filled]
        complete = all(_text(v, COVER, f"C{r}") and _in(_text(v, COVER, f"D{r}"), PARTNER_KINDS) for r in filled)
        return complete and _in("Council", kinds_given) and _in("ICB", kinds_given)

    found.append(
        Item(
            "partners",
            COVER,
            "Partners: the council and at least one ICB, each with ID, name and type",
            f"{COVER}!B{rows[0]}",
            f'AND(COUNTIF({kinds},"Council")>=1,COUNTIF({kinds},"ICB")>=1,'
            f'SUMPRODUCT((LEN({ids})>0)*((LEN({names})=0)+(({kinds}<>"Council")*({kinds}<>"ICB"))))=0)',
            partners_complete,
        )
    )
    return found


def _income_items(layout: Layout, lists: Mapping[str, tuple[str, ...]], ranges: Mapping[str, str]) -> list[Item]:
    rows = layout.income_rows
    refs, labels, contributors, descriptions = (_area(c, rows[0], rows[-1], INCOME) for c in "ABCD")
    partner_ids = _area("B", layout.partner_rows[0], layout.partner_rows[-1], COVER)
    found = []

    def lines_complete(v: Values) -> bool:
        ids = [_text(v, COVER, f"B{r}") for r in layout.partner_rows]
        return all(
            _in(_text(v, INCOME, f"B{r}"), lists["income"]) and _in(_text(v, INCOME, f"C{r}"), [i for i in ids if i])
            for r in rows
            if _text(v, INCOME, f"A{r}")
        )

    found.append(
        Item(
            "income_lines",
            INCOME,
            "Every income line names a funding source from the list and a partner as contributor",
            f"{INCOME}!A{rows[0]}",
            f"SUMPRODUCT((LEN({refs})>0)*(ISNA(MATCH({labels},{ranges['income']},0))+"
            f"ISNA(MATCH({contributors},{partner_ids},0))))=0",
            lines_complete,
        )
    )
    for index, year in enumerate(layout.years):
        column = layout.income_amount_col(index)
        amounts = _area(column, rows[0], rows[-1], INCOME)
        found.append(
            Item(
                f"income_amounts:{year}",
                INCOME,
                f"Every income line has its {year} amount, from £0 to £1,000,000,000",
                f"{INCOME}!{column}{rows[0]}",
                f"SUMPRODUCT((LEN({refs})>0)*((NOT(ISNUMBER({amounts})))+({amounts}<0)+({amounts}>{MAX_AMOUNT})))=0",
                lambda v, c=column: all(
                    _in_bounds(_number(v, INCOME, f"{c}{r}")) for r in rows if _text(v, INCOME, f"A{r}")
                ),
            )
        )
    additional = dict(layout.year.income_lines).get(SourceKind.ADDITIONAL)
    if additional:
        found.append(
            Item(
                "income_described",
                INCOME,
                "Every additional contribution is described",
                f"{INCOME}!D{rows[0]}",
                f'SUMPRODUCT(({labels}="{additional}")*(LEN(TRIM({descriptions}))=0))=0',
                lambda v: all(_text(v, INCOME, f"D{r}") for r in rows if _same(_text(v, INCOME, f"B{r}"), additional)),
            )
        )
    kind_cell = f"{COVER}!{layout.cover_cell('area_kind')}"
    dfg_label = layout.year.label(SourceKind.DFG)
    for index, year in enumerate(layout.years):
        received, top_up = layout.dfg_received_cell(index), layout.dfg_top_up_cell(index)
        allocations = layout.district_range("allocation", index)
        amounts = _area(layout.income_amount_col(index), rows[0], rows[-1], INCOME)
        found.append(
            Item(
                f"dfg_split:{year}",
                INCOME,
                f"Two-tier areas: district DFG allocations add up to the DFG received, {year}",
                f"{INCOME}!{received}",
                f'OR({kind_cell}<>"Two-tier",ROUND(SUM({allocations})-N({INCOME}!{received}),2)=0)',
                lambda v, i=index, c=received: (
                    not _same(_text(v, COVER, layout.cover_cell("area_kind")), "Two-tier")
                    or _sum(v, INCOME, [f"{layout.district_col('allocation', i)}{r}" for r in layout.district_rows])
                    == (_number(v, INCOME, c) or 0)
                ),
            )
        )
        found.append(
            Item(
                f"dfg_income:{year}",
                INCOME,
                f"DFG received plus top-up equals the DFG income line, {year}",
                f"{INCOME}!{top_up}",
                f'ROUND(SUMIF({labels},"{dfg_label}",{amounts})-N({INCOME}!{received})-N({INCOME}!{top_up}),2)=0',
                lambda v, i=index: (
                    _sum(
                        v,
                        INCOME,
                        [
                            f"{layout.income_amount_col(i)}{r}"
                            for r in rows
                            if _same(_text(v, INCOME, f"B{r}"), dfg_label)
                        ],
                    )
                    == (_number(v, INCOME, layout.dfg_received_cell(i)) or 0)
                    + (_number(v, INCOME, layout.dfg_top_up_cell(i)) or 0)
                ),
            )
        )
        retained, references = layout.district_range("retained", index), layout.district_range("reference", index)
        found.append(
            Item(
                f"dfg_agreement:{year}",
                INCOME,
                f"DFG retained from a district has its agreement reference, {year}",
                f"{INCOME}!{layout.district_col('reference', index)}{layout.district_rows[0]}",
                f"SUMPRODUCT(({retained}>0)*(LEN(TRIM({references}))=0))=0",
                lambda v, i=index: all(
                    _text(v, INCOME, f"{layout.district_col('reference', i)}{r}")
                    for r in layout.district_rows
                    if (_number(v, INCOME, f"{layout.district_col('retained', i)}{r}") or 0) > 0
                ),
            )
        )
    return found


def _expenditure_items(layout: Layout, lists: Mapping[str, tuple[str, ...]], ranges: Mapping[str, str]) -> list[Item]:
    rows = layout.scheme_rows_range
    cols = layout.scheme_columns

    def area(key: str) -> str:
        return layout.scheme_range(key)

    required = ["name", "scheme_type", "area_of_spend", "commissioner", "provider", "source", "status"]
    first = f"{EXPENDITURE}!A{rows[0]}"
    ids = area("scheme_id")

    def filled_rows(v: Values) -> list[int]:
        return [r for r in rows if _text(v, EXPENDITURE, f"{cols['scheme_id']}{r}")]

    found = [
        Item(
            "schemes_complete",
            EXPENDITURE,
            "Every scheme has a name, type, area of spend, commissioner, provider, source of funding and New/Existing",
            first,
            f"SUMPRODUCT((LEN({ids})>0)*(" + "+".join(f"(LEN({area(k)})=0)" for k in required) + "))=0",
            lambda v: all(_text(v, EXPENDITURE, f"{cols[k]}{r}") for r in filled_rows(v) for k in required),
        )
    ]
    vocab = {
        "scheme_type": "scheme_types",
        "area_of_spend": "area_of_spend",
        "commissioner": "commissioner",
        "provider": "provider",
        "status": "status",
    }
    refs = _area("A", layout.income_rows[0], layout.income_rows[-1], INCOME)

    def from_lists(v: Values) -> bool:
        income_refs = [_text(v, INCOME, f"A{r}") for r in layout.income_rows]
        for r in filled_rows(v):
            for key, name in vocab.items():
                if not _in(_text(v, EXPENDITURE, f"{cols[key]}{r}"), lists[name]):
                    return False
            sub_type = _text(v, EXPENDITURE, f"{cols['sub_type']}{r}")
            if sub_type and not _in(sub_type, lists["sub_types"]):
                return False
            if not _in(_text(v, EXPENDITURE, f"{cols['source']}{r}"), [i for i in income_refs if i]):
                return False
        return True

    checks = "+".join(f"ISNA(MATCH({area(k)},{ranges[n]},0))" for k, n in vocab.items())
    found.append(
        Item(
            "schemes_lists",
            EXPENDITURE,
            "Scheme type, sub type, area of spend, commissioner, provider and New/Existing come from the lists, and "
            "each source of funding is an income line",
            first,
            f"SUMPRODUCT((LEN({ids})>0)*({checks}+ISNA(MATCH({area('source')},{refs},0))"
            f"+(LEN({area('sub_type')})>0)*ISNA(MATCH({area('sub_type')},{ranges['sub_types']},0))))=0",
            from_lists,
        )
    )
    share = area("nhs_share")
    found.append(
        Item(
            "schemes_joint",
            EXPENDITURE,
            "Every jointly commissioned scheme gives its NHS share, from 0% to 100%",
            f"{EXPENDITURE}!{cols['nhs_share']}{rows[0]}",
            f'SUMPRODUCT(({area("commissioner")}="Joint")*((NOT(ISNUMBER({share})))+({share}<0)+({share}>1)))=0',
            lambda v: all(
                (n := _number(v, EXPENDITURE, f"{cols['nhs_share']}{r}")) is not None and 0 <= n <= 1
                for r in filled_rows(v)
                if _same(_text(v, EXPENDITURE, f"{cols['commissioner']}{r}"), "Joint")
            ),
        )
    )
    for year in layout.years:
        key = f"amount:{year}"
        amounts = area(key)
        found.append(
            Item(
                f"schemes_amounts:{year}",
                EXPENDITURE,
                f"Every scheme has its {year} expenditure, from £0 to £1,000,000,000",
                f"{EXPENDITURE}!{cols[key]}{rows[0]}",
                f"SUMPRODUCT((LEN({ids})>0)*((NOT(ISNUMBER({amounts})))+({amounts}<0)+({amounts}>{MAX_AMOUNT})))=0",
                lambda v, k=key: all(_in_bounds(_number(v, EXPENDITURE, f"{cols[k]}{r}")) for r in filled_rows(v)),
            )
        )

    def unique(v: Values) -> bool:
        seen = [_text(v, EXPENDITURE, f"{cols['scheme_id']}{r}").casefold() for r in filled_rows(v)]
        return len(seen) == len(set(seen))

    found.append(
        Item(
            "schemes_unique",
            EXPENDITURE,
            "Scheme IDs are unique",
            first,
            f"SUMPRODUCT((LEN({ids})>0)*(COUNTIF({ids},{ids})>1))=0",
            unique,
        )
    )
    return found


def _summary_items(layout: Layout) -> list[Item]:
    found = []
    for index, year in enumerate(layout.years):
        income, spend = (f"{SUMMARY}!{layout.summary_cell(k, index)}" for k in ("income", "spend"))
        found.append(
            Item(
                f"balance:{year}",
                SUMMARY,
                f"Income equals expenditure, {year}",
                income,
                f"ROUND({income}-{spend},2)=0",
                lambda v, i=index: _balanced(v, layout, i),
            )
        )
        for key, words in (
            ("asc", "the NHS contribution to adult social care"),
            ("ooh", "NHS-commissioned out-of-hospital spend"),
        ):
            under = f"{SUMMARY}!{layout.summary_cell(f'{key}_under', index)}"
            found.append(
                Item(
                    f"{key}:{year}",
                    SUMMARY,
                    f"The minimum for {words} is met, {year}",
                    under,
                    f"{under}=0",
                    lambda v, k=key, i=index: _minimum_met(v, layout, k, i),
                )
            )
    return found


def _metric_items(layout: Layout) -> list[Item]:
    found = []
    columns = layout.METRIC_COLUMNS
    for metric, row in zip(layout.year.metrics, layout.metric_rows, strict=True):
        baseline, target, population = (f"{METRICS}!{columns[k]}{row}" for k in ("baseline", "target", "population"))
        tests = [f"ISNUMBER({baseline})", f"ISNUMBER({target})"]
        if metric.unit is MetricUnit.RATE:
            tests.append(f"N({population})>0")
        found.append(
            Item(
                f"metric:{metric.code}",
                METRICS,
                f"{metric.name}: baseline and target"
                + (" and population" if metric.unit is MetricUnit.RATE else "")
                + " entered",
                baseline,
                f"AND({','.join(tests)})",
                lambda v, r=row, m=metric: (
                    _number(v, METRICS, f"{columns['baseline']}{r}") is not None
                    and _number(v, METRICS, f"{columns['target']}{r}") is not None
                    and (m.unit is not MetricUnit.RATE or (_number(v, METRICS, f"{columns['population']}{r}") or 0) > 0)
                ),
            )
        )
    return found


def _requirement_items(layout: Layout) -> list[Item]:
    found = []
    columns = layout.CONDITION_COLUMNS
    sheet = f"'{REQUIREMENTS}'"
    for condition, row in zip(layout.year.conditions, layout.condition_rows, strict=True):
        met, why = f"{sheet}!{columns['met']}{row}", f"{sheet}!{columns['explanation']}{row}"
        found.append(
            Item(
                f"condition:{condition.code}",
                REQUIREMENTS,
                f"{condition.code} answered Yes, or No with an explanation",
                met,
                f'OR({met}="Yes",AND({met}="No",LEN(TRIM({why}))>0))',
                lambda v, r=row: (
                    _same(_text(v, REQUIREMENTS, f"{columns['met']}{r}"), "Yes")
                    or (
                        _same(_text(v, REQUIREMENTS, f"{columns['met']}{r}"), "No")
                        and _text(v, REQUIREMENTS, f"{columns['explanation']}{r}") != ""
                    )
                ),
            )
        )
    return found


# --- helpers for the Python side of the summary items ---------------------------------------------


def _in_bounds(amount: Decimal | None) -> bool:
    return amount is not None and 0 <= amount <= MAX_AMOUNT


def _sum(values: Values, sheet: str, cells: Iterable[str]) -> Decimal:
    return sum((_number(values, sheet, cell) or Decimal(0) for cell in cells), Decimal(0))


def _balanced(values: Values, layout: Layout, index: int) -> bool:
    income = _sum(values, INCOME, [f"{layout.income_amount_col(index)}{r}" for r in layout.income_rows])
    spend_col = layout.scheme_columns[f"amount:{layout.years[index]}"]
    spend = _sum(values, EXPENDITURE, [f"{spend_col}{r}" for r in layout.scheme_rows_range])
    return round_pence(income - spend) == 0


def _minimum_met(values: Values, layout: Layout, key: str, index: int) -> bool:
    """The template's under-spend is zero: planned spend from the NHS minimum meets the published minimum."""
    required_cell = layout.asc_minimum_cell(index) if key == "asc" else layout.ooh_minimum_cell(index)
    required = _number(values, INCOME, required_cell) or Decimal(0)
    return max(Decimal(0), round_pence(required - planned_minimum(values, layout, key, index))) == 0
