"""The template's checklist and the Summary's differences, each declared once as a rule (:mod:`bcf_xl.workbook.rules`).

The checklist sits inside the Cover and tracks completion of the required fields only: each item's checker shows
red "No" until its rule holds, then green "Yes", and the status cell under the Cover's title reads
"Complete Template" once every checker says Yes. NHS England's business rules (income equals expenditure, the
minimum spends, the DFG passed on in full, unique scheme IDs) are not checklist items: they show on the Summary as
differences that must be zero (:data:`bcf_xl.submission.layout.DIFFERENCES`), and ``bcf-xl validate`` reports each
one that is not as an error.

The builder writes each rule's Excel formula; the validator evaluates the very same rule in Python over a filled
template's cells, recalculating the Summary and the grey cells from their own rules
(:mod:`bcf_xl.submission.totals`), so ``bcf-xl validate`` and Excel agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from types import MappingProxyType

from bcf_xl.model import MetricUnit, SourceKind
from bcf_xl.policy import Bound, Policy, load_policy
from bcf_xl.submission.definition import COVER_INPUTS
from bcf_xl.submission.layout import (
    AREA_KINDS,
    COVER,
    DIFFERENCES,
    EXPENDITURE,
    INCOME,
    METRICS,
    PARTNER_KINDS,
    SUMMARY,
    SUMMARY_LABELS,
    YES_NO,
    Layout,
)
from bcf_xl.submission.totals import computed_cells
from bcf_xl.workbook import rules
from bcf_xl.workbook.rules import (
    Calculation,
    Expr,
    Range,
    Ref,
    and_,
    countif,
    group,
    isna,
    isnumber,
    len_,
    match,
    n,
    not_,
    or_,
    range_at,
    round_,
    search,
    sumproduct,
    trim,
)
from bcf_xl.workbook.tables import Table
from bcf_xl.workbook.validation import pounds

Cell = tuple[str, str]
Values = Mapping[Cell, object]


@dataclass(frozen=True, slots=True)
class Item:
    """One checklist line: what it asks, the cell it links to, and its rule.

    ``computed`` holds the rules of the template's computed cells (Summary, grey cells) that the rule may
    read, so :meth:`holds` recalculates them from the inputs instead of trusting stored values.
    """

    key: str
    sheet: str
    description: str
    link: str
    rule: Expr
    computed: Mapping[Cell, Expr] = field(compare=False, repr=False)

    @property
    def formula(self) -> str:
        """The checker's Excel test (without "="), as the Cover's checklist writes it."""
        return self.rule.formula()

    def holds(self, values: Values) -> bool:
        """True when the checker shows Yes for a template holding ``values`` ({(sheet, cell): value})."""
        return rules.holds(self.rule, Calculation(values, self.computed))


def unmet(checklist: Sequence[Item], values: Values) -> tuple[Item, ...]:
    """The items the checker shows No for a template holding ``values``, its computed cells worked out once."""
    calculations: dict[int, Calculation] = {}
    found = []
    for item in checklist:
        calculation = calculations.get(id(item.computed))
        if calculation is None:
            calculation = calculations[id(item.computed)] = Calculation(values, item.computed)
        if not rules.holds(item.rule, calculation):
            found.append(item)
    return tuple(found)


def items(
    layout: Layout,
    lists: Mapping[str, tuple[str, ...]],
    list_ranges: Mapping[str, str],
    policy: Policy | None = None,
) -> tuple[Item, ...]:
    """Every checklist item of a template year, in the order the Cover's checklist shows them.

    Args:
        layout: the template's layout.
        lists: the dropdown vocabularies by name (as on the Lists sheet); the rules read them through
            ``list_ranges``, so this is kept for callers that pass it.
        list_ranges: the Lists-sheet range of each vocabulary, e.g. ``Lists!$D$2:$D$20``.
        policy: the national parameters whose bounds the amounts must keep (``planning``, ``nhs_share``);
            the shipped ones when not given.
    """
    policy = policy or load_policy()
    amount, share = policy.bound("planning"), policy.bound("nhs_share")
    found: list[tuple[str, str, str, str, Expr]] = []
    found += _cover_items(layout)
    found += _income_items(layout, list_ranges, amount)
    found += _expenditure_items(layout, list_ranges, amount, share)
    found += _metric_items(layout)
    found += _condition_items(layout)
    computed = computed_rules(layout)
    return tuple(Item(key, sheet, words, link, rule, computed) for key, sheet, words, link, rule in found)


@lru_cache(maxsize=32)
def computed_rules(layout: Layout) -> Mapping[Cell, Expr]:
    """The rules of a template's computed cells (:func:`bcf_xl.submission.totals.computed_cells`), built once
    per template year and table length: a region's files share them."""
    return MappingProxyType(computed_cells(layout))


def calculation(layout: Layout, values: Values) -> Calculation:
    """A template's cell values with its computed cells worked out from their rules (each once, when first read):
    one such calculation serves every checklist item and Summary difference of a file."""
    return Calculation(values, computed_rules(layout))


Found = list[tuple[str, str, str, str, Expr]]  # key, sheet, description, link, rule


def _column(table: Table, key: str) -> Range:
    """The data cells of one column of a table, as a rule reads them."""
    return range_at(table.span(key))


def _link(table: Table, key: str) -> str:
    """The first data cell of a table's column, as a checklist line links to it: ``Income!A4``."""
    return Ref(table.sheet, table.cell(key, table.data_rows[0])).formula()


def _none_of(guard: Expr, *failures: Expr) -> Expr:
    """No row where ``guard`` holds fails any test: ``SUMPRODUCT((guard)*(fail1+fail2+...))=0``."""
    return sumproduct(guard * reduce(lambda a, b: a + b, failures)).eq(0)


def _out_of(values: Range, bound: Bound) -> tuple[Expr, ...]:
    """The tests a cell fails when it is not a number within the bound."""
    return group(not_(isnumber(values))), values.lt(bound.low), values.gt(bound.high)


def _pounds(bound: Bound) -> str:
    return f"from {pounds(bound.low)} to {pounds(bound.high)}"


def _cover_items(layout: Layout) -> Found:
    found: Found = []
    inputs = layout.year.cover_inputs
    for key in inputs:
        label = COVER_INPUTS[key]
        cell = Ref(COVER, layout.cover_cell(key))
        if key == "area_kind":
            rule, words = or_(*(cell.eq(kind) for kind in AREA_KINDS)), f"{label} is Unitary or Two-tier"
        elif key == "email":
            rule, words = isnumber(search("@", cell)), f"{label} is an e-mail address"
        elif key == "hwb_signed_off":
            rule, words = (
                or_(*(cell.eq(answer) for answer in YES_NO)),
                "HWB sign-off at submission is answered Yes or No",
            )
        elif key == "sign_off_date" and "hwb_signed_off" in inputs:
            answered_no = Ref(COVER, layout.cover_cell("hwb_signed_off")).eq("No")
            rule = or_(answered_no, len_(trim(cell)).gt(0))
            words = f"{label} is filled in, unless the HWB has not yet signed off"
        else:
            rule, words = len_(trim(cell)).gt(0), f"{label} is filled in"
        found.append((key, COVER, words, cell.formula(), rule))
    partners = layout.partners
    ids, names, kinds = (_column(partners, key) for key in ("partner_id", "name", "kind"))
    council, icb = PARTNER_KINDS
    missing = [len_(names).eq(0), group(kinds.ne(council) * kinds.ne(icb))]
    words = "Partners: the council and at least one ICB, each with ID, name and type"
    if "chief_executive" in partners.columns:
        missing.append(len_(trim(_column(partners, "chief_executive"))).eq(0))
        words = "Partners: the council and at least one ICB, each with ID, name, type and chief executive"
    rule = and_(countif(kinds, council).ge(1), countif(kinds, icb).ge(1), _none_of(len_(ids).gt(0), *missing))
    found.append(("partners", COVER, words, _link(partners, "partner_id"), rule))
    return found


def _income_items(layout: Layout, ranges: Mapping[str, str], bound: Bound) -> Found:
    income = layout.income
    refs, labels, contributors, descriptions = (
        _column(income, key) for key in ("source_id", "kind", "contributor", "description")
    )
    partner_ids = _column(layout.partners, "partner_id")
    filled = len_(refs).gt(0)
    found: Found = [
        (
            "income_lines",
            INCOME,
            "Every income line names a funding source from the list and a partner as contributor",
            _link(income, "source_id"),
            _none_of(filled, isna(match(labels, range_at(ranges["income"]))) + isna(match(contributors, partner_ids))),
        )
    ]
    for index, year in enumerate(layout.years):
        key = f"amount{index + 1}"
        found.append(
            (
                f"income_amounts:{year}",
                INCOME,
                f"Every income line has its {year} amount, {_pounds(bound)}",
                _link(income, key),
                _none_of(filled, *_out_of(_column(income, key), bound)),
            )
        )
    additional = dict(layout.year.income_lines).get(SourceKind.ADDITIONAL)
    if additional:
        found.append(
            (
                "income_described",
                INCOME,
                "Every additional contribution is described",
                _link(income, "description"),
                _none_of(labels.eq(additional), len_(trim(descriptions)).eq(0)),
            )
        )
    for index, year in enumerate(layout.years):
        retained = range_at(layout.district_range("retained", index))
        references = range_at(layout.district_range("reference", index))
        found += [
            (
                f"dfg_agreement:{year}",
                INCOME,
                f"DFG retained from a district has its agreement reference, {year}",
                _link(layout.districts, f"reference{index + 1}"),
                _none_of(retained.gt(0), len_(trim(references)).eq(0)),
            ),
        ]
    return found


def _expenditure_items(layout: Layout, ranges: Mapping[str, str], amount: Bound, share: Bound) -> Found:
    table = layout.expenditure

    def column(key: str) -> Range:
        return range_at(layout.scheme_range(key))

    first = _link(table, "scheme_id")
    ids = column("scheme_id")
    filled = len_(ids).gt(0)
    required = ["name", "scheme_type", "area_of_spend", "commissioner", "provider", "source", "status"]
    vocab = {
        "scheme_type": "scheme_types",
        "area_of_spend": "area_of_spend",
        "commissioner": "commissioner",
        "provider": "provider",
        "status": "status",
    }
    income_refs = _column(layout.income, "source_id")
    sub_type = column("sub_type")
    unlisted = [isna(match(column(key), range_at(ranges[name]))) for key, name in vocab.items()]
    unlisted.append(isna(match(column("source"), income_refs)))
    unlisted.append(len_(sub_type).gt(0) * isna(match(sub_type, range_at(ranges["sub_types"]))))
    shares = column("nhs_share")
    found: Found = [
        (
            "schemes_complete",
            EXPENDITURE,
            "Every scheme has a name, type, area of spend, commissioner, provider, source of funding and New/Existing",
            first,
            _none_of(filled, *(len_(column(key)).eq(0) for key in required)),
        ),
        (
            "schemes_lists",
            EXPENDITURE,
            "Scheme type, sub type, area of spend, commissioner, provider and New/Existing come from the lists, and "
            "each source of funding is an income line",
            first,
            _none_of(filled, reduce(lambda a, b: a + b, unlisted)),
        ),
        (
            "schemes_joint",
            EXPENDITURE,
            f"Every jointly commissioned scheme gives its NHS share, from {share.low:.0%} to {share.high:.0%}",
            _link(table, "nhs_share"),
            _none_of(column("commissioner").eq("Joint"), *_out_of(shares, share)),
        ),
    ]
    for index, year in enumerate(layout.years):
        found.append(
            (
                f"schemes_amounts:{year}",
                EXPENDITURE,
                f"Every scheme has its {year} expenditure, {_pounds(amount)}",
                _link(table, f"amount{index + 1}"),
                _none_of(filled, *_out_of(column(f"amount:{year}"), amount)),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Difference:
    """A Summary line that must be zero, for one plan year: NHS England's business rule it shows, and its rule."""

    key: str
    year: str
    description: str
    sheet: str
    cell: str
    rule: Expr
    computed: Mapping[Cell, Expr] = field(compare=False, repr=False)

    def value(self, values: Values) -> object:
        """What the Summary line shows for a template holding ``values``, recalculated from the inputs."""
        return Calculation(values, self.computed)[(self.sheet, self.cell)]

    def holds(self, values: Values) -> bool:
        """True when the line shows no difference."""
        return rules.holds(self.rule, Calculation(values, self.computed))


@lru_cache(maxsize=32)
def differences(layout: Layout) -> tuple[Difference, ...]:
    """Every Summary difference of a template, per plan year (the repeated-IDs line once, in the first year);
    built once per template year and table length."""
    computed = computed_rules(layout)
    found = []
    for key in DIFFERENCES:
        for index, year in enumerate(layout.years[: 1 if key == "repeated_ids" else None]):
            cell = layout.summary_cell(key, index)
            line = Ref(SUMMARY, cell)
            rule = line.eq(0) if key == "repeated_ids" else round_(line, 2).eq(0)
            found.append(Difference(key, year, SUMMARY_LABELS[key], SUMMARY, cell, rule, computed))
    return tuple(found)


def _metric_items(layout: Layout) -> Found:
    found: Found = []
    table = layout.metrics
    for metric, row in zip(layout.year.metrics, layout.metric_rows, strict=True):
        baseline, target, population = (Ref(METRICS, table.cell(k, row)) for k in ("baseline", "target", "population"))
        tests = [isnumber(baseline), isnumber(target)]
        rated = metric.unit is MetricUnit.RATE
        if rated:
            tests.append(n(population).gt(0))
        words = f"{metric.name}: baseline and target" + (" and population" if rated else "") + " entered"
        found.append((f"metric:{metric.code}", METRICS, words, baseline.formula(), and_(*tests)))
    return found


def _condition_items(layout: Layout) -> Found:
    found: Found = []
    table, sheet = layout.conditions, layout.conditions_sheet
    for condition, row in zip(layout.year.conditions, layout.condition_rows, strict=True):
        met, why = Ref(sheet, table.cell("met", row)), Ref(sheet, table.cell("explanation", row))
        found.append(
            (
                f"condition:{condition.code}",
                sheet,
                f"{condition.code} answered Yes, or No with an explanation",
                met.formula(),
                or_(met.eq("Yes"), and_(met.eq("No"), len_(trim(why)).gt(0))),
            )
        )
    return found
