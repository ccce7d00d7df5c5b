"""Read a filled planning template back into a plan, reporting every problem with its sheet and cell.

The reader works on templates bcf-xl wrote and on the same templates after officers filled them
in Excel. It reads what the template holds: the plan's local pools, themes, outturn, risk-share
terms and performance fund are not part of an NHS England submission
(:func:`submission_view` gives the part of a plan a template holds, so a round trip is lossless).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from bcf_xl.dfg import dfg_by_year_and_district
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import MAX_SCHEME_ROWS
from bcf_xl.findings import Finding
from bcf_xl.metrics import as_submitted
from bcf_xl.minimums import asc_minimum
from bcf_xl.model import (
    Area,
    AreaKind,
    AscMinimum,
    ConditionAnswer,
    Contacts,
    FundingSource,
    Metric,
    Partner,
    Plan,
    RagRule,
    RiskShareTerms,
    Scheme,
)
from bcf_xl.money import ZERO
from bcf_xl.policy import Policy
from bcf_xl.submission.definition import YEARS, TemplateYear, template_year
from bcf_xl.submission.layout import (
    COVER,
    EXPENDITURE,
    INCOME,
    LISTS,
    SCHEME_HEADER_ROW,
    SCHEME_ROWS_NAME,
    SHEETS,
    SUMMARY,
    TEMPLATE_YEAR_CELL,
    Layout,
    layout_of,
)
from bcf_xl.uplift import uplift_series
from bcf_xl.workbook import records
from bcf_xl.workbook.placement import Origins
from bcf_xl.workbook.reading import (
    Book,
    Bounds,
    CellReader,
    Values,
    bounds_of,
    build_record,
    load_cells,
    shown,
    table_rows,
)
from bcf_xl.workbook.references import cell_position
from bcf_xl.workbook.values import CONTACT_FIELDS


@dataclass(frozen=True)
class Submission:
    """A filled template as read: its year, layout, raw cell values, the plan and the problems found."""

    path: Path
    year: TemplateYear
    layout: Layout
    values: Values
    plan: Plan | None
    findings: tuple[Finding, ...]
    origins: Origins


# The Lists sheet holds the dropdown vocabularies, one a column: far more than any vocabulary has.
LIST_BOUNDS = (500, 40)


def _read_bounds() -> dict[str, tuple[int, int]]:
    """How far each template sheet is read: every table, line and cell any template year declares."""
    found: dict[str, tuple[int, int]] = {LISTS: LIST_BOUNDS}
    for year in YEARS.values():
        layout = Layout(year, MAX_SCHEME_ROWS)
        indexes = range(len(layout.years))
        cells = [
            layout.asc_prior_cell,
            *(f(i) for i in indexes for f in (layout.asc_minimum_cell, layout.ooh_minimum_cell)),
            *(f(i) for i in indexes for f in (layout.dfg_received_cell, layout.dfg_top_up_cell)),
        ]
        declared = bounds_of(
            layout.cover_lines,
            layout.checklist,
            layout.partners,
            layout.income,
            layout.districts,
            layout.expenditure,
            layout.metrics,
            layout.summary,
            layout.conditions,
            *((INCOME, cell) for cell in cells),
        )
        for sheet, (row, column) in declared.items():
            last_row, last_column = found.get(sheet, (1, 1))
            found[sheet] = (max(row, last_row), max(column, last_column))
    return found


READ_BOUNDS = _read_bounds()
#: What reading a template for its plan and its checks takes: every sheet but the Summary, whose every line the
#: validator works out from its rule over the inputs (a stored Summary value is never used).
PLAN_BOUNDS = MappingProxyType({sheet: bounds for sheet, bounds in READ_BOUNDS.items() if sheet != SUMMARY})


def load_values(path: Path) -> tuple[Book, Values]:
    """Open a workbook file (checked first, never modified) and take the template sheets' cell values.

    Only the template's sheets are parsed, and each only within :data:`READ_BOUNDS`.
    """
    return load_cells(path, READ_BOUNDS)


# Templates written before the checklist moved into the Cover kept it on this tab (and the template year elsewhere).
_EARLIER_CHECKLIST_TAB = "Checklist"


def identify(path: Path, book: Book, values: Values, expected: str | None) -> TemplateYear:
    """The template year a workbook is, refusing a workbook that is not a planning template or another year's."""
    where = Location(sheet=path.name)
    _require_sheets(where, book, SHEETS)
    name = str(values.get((COVER, TEMPLATE_YEAR_CELL)) or "").strip()
    if name not in YEARS and _EARLIER_CHECKLIST_TAB in book.sheetnames:
        raise BcfInputError(
            where,
            "is a template made by an earlier bcf-xl, with the checklist on a tab of its own: generate it again "
            "from the plan",
            show_got=False,
        )
    if name not in YEARS:
        raise BcfInputError(
            where,
            f"is not a BCF planning template bcf-xl knows: {COVER}!{TEMPLATE_YEAR_CELL} "
            f"should name the template year ({', '.join(YEARS)})",
            name or None,
        )
    if expected is not None and name != template_year(expected).name:
        raise BcfInputError(where, f"is the {name} template, not the {expected} one", show_got=False)
    _require_sheets(where, book, (YEARS[name].conditions_sheet,))
    return YEARS[name]


def _require_sheets(where: Location, book: Book, names: tuple[str, ...]) -> None:
    missing = [name for name in names if name not in book.sheetnames]
    if missing:
        raise BcfInputError(
            where, f"is not a BCF planning template: it has no {', '.join(missing)} sheet", show_got=False
        )


_RANGE = re.compile(r"\$?[A-Z]{1,3}\$?[1-9][0-9]*:\$?[A-Z]{1,3}\$?[1-9][0-9]*")


def _scheme_rows(path: Path, book: Book) -> int:
    """The Expenditure table's data rows, as the defined name ``BCF_SCHEME_ROWS`` keeps them (else the sheet's).

    Raises:
        BcfInputError: the defined name is not a range of rows, or claims more than :data:`MAX_SCHEME_ROWS`.
    """
    reference = book.defined_names.get(SCHEME_ROWS_NAME)
    if reference is None:
        return max(0, book.last_rows.get(EXPENDITURE, 0) - SCHEME_HEADER_ROW)
    where = Location(sheet=path.name, field=f"defined name {SCHEME_ROWS_NAME}")
    sheet, _, cells = reference.rpartition("!")
    first = last = None
    if sheet in (EXPENDITURE, f"'{EXPENDITURE}'") and _RANGE.fullmatch(cells):
        (first, _), (last, _) = (cell_position(end) for end in cells.split(":"))
    if first is None or last is None or last < first:
        raise BcfInputError(where, "must name the Expenditure table's rows as a range of cells", reference)
    if last - first + 1 > MAX_SCHEME_ROWS:
        raise BcfInputError(where, f"may name at most {MAX_SCHEME_ROWS:,} rows, not {last - first + 1:,}", reference)
    return last - first + 1


def read(path: Path, policy: Policy, expected_year: str | None = None, *, bounds: Bounds = READ_BOUNDS) -> Submission:
    """Read a filled template: the plan, with the values of its sheets within ``bounds`` (every sheet read by
    default; :data:`PLAN_BOUNDS` leaves out the Summary's stored values, which validating never uses).

    Raises:
        BcfInputError: the file is not a workbook, not a planning template, or another year's.
    """
    book, values = load_cells(path, bounds)
    year = identify(path, book, values, expected_year)
    return read_values(path, values, layout_of(year, _scheme_rows(path, book)), policy)


def read_values(path: Path, values: Values, layout: Layout, policy: Policy) -> Submission:
    """Build the plan from a template's cell values, collecting every problem instead of stopping."""
    cells = CellReader(values)
    plan = _plan(cells, layout, policy)
    return Submission(path, layout.year, layout, values, plan, tuple(cells.findings), cells.origins)


def _plan(cells: CellReader, layout: Layout, policy: Policy) -> Plan | None:
    years = layout.years
    partners = _partners(cells, layout)
    sources = _sources(cells, layout)
    districts, retentions = records.districts(cells, layout.districts, len(years))
    area_kind = cells.choice(COVER, layout.cover_cell("area_kind"), "Area type", AreaKind)
    area_name = cells.text(COVER, layout.cover_cell("area"))
    area = build_record(
        cells,
        COVER,
        layout.cover_cell("area"),
        Area,
        area_name,
        area_kind or AreaKind.TWO_TIER,
        tuple(districts) if (area_kind or AreaKind.TWO_TIER) is AreaKind.TWO_TIER else (),
    )
    if area_kind is AreaKind.UNITARY and districts:
        first = layout.districts.cell("district_id", layout.districts.data_rows[0])
        cells.error(INCOME, first, "a unitary area passports no DFG: remove the districts")
    received = [layout.dfg_received_cell(index) for index in range(len(years))]
    top_ups = [layout.dfg_top_up_cell(index) for index in range(len(years))]
    dfg = records.dfg_years(cells, INCOME, received, top_ups, retentions)
    schemes = _schemes(cells, layout)
    contacts = records.contacts(cells, COVER, layout.cover_cell, _contact_keys(layout.year))
    if area is None:
        return None
    try:
        return Plan(
            area=area,
            years=years,
            partners=tuple(partners),
            sources=tuple(sources),
            pools=(),
            schemes=tuple(schemes),
            metrics=_metrics(cells, layout),
            asc_minimum=_asc(cells, layout, policy),
            ooh_minimum=_ooh(cells, layout),
            dfg=dfg,
            contacts=contacts,
            conditions=_conditions(cells, layout),
        )
    except BcfInputError as exc:
        cells.error(COVER, layout.cover_cell("area"), str(exc))
        return None


def _contact_keys(year: TemplateYear) -> tuple[str, ...]:
    """The contact fields a year's Cover asks for."""
    return tuple(key for key in year.cover_inputs if key in CONTACT_FIELDS)


def _partners(cells: CellReader, layout: Layout) -> list[Partner]:
    return [p for r in table_rows(cells, layout.partners) if (p := records.partner(r)) is not None]


def _sources(cells: CellReader, layout: Layout) -> list[FundingSource]:
    found = []
    for r in table_rows(cells, layout.income):
        kind = layout.year.kind(r.text("kind"))
        if kind is None:
            labels = ", ".join(layout.year.labels)
            r.error("kind", f"Funding source: must be one of {labels} (got {shown(r.raw('kind'))})")
        source = records.source(r, len(layout.years), kind)
        if source is not None:
            found.append(source)
    return found


def _schemes(cells: CellReader, layout: Layout) -> list[Scheme]:
    n = len(layout.years)
    return [s for r in table_rows(cells, layout.expenditure) if (s := records.scheme(r, n)) is not None]


def _metrics(cells: CellReader, layout: Layout) -> tuple[Metric, ...]:
    found = []
    national_metrics = {m.code: m for m in layout.year.metrics}
    for r in table_rows(cells, layout.metrics):
        national = national_metrics.get(r.text("code"))
        if national is None or all(r.raw(k) is None for k in ("population", "population_source", "baseline", "target")):
            continue
        population = r.amount("population")
        if population is not None and population != population.to_integral_value():
            r.error("population", f"Population: must be a whole number (got {population})")
        metric = r.record(
            "population",
            Metric,
            national.code,
            national.name,
            national.polarity,
            national.unit,
            baseline=r.amount("baseline"),
            target=r.amount("target"),
            population=int(population) if population is not None else None,
            per=national.per,
            population_source=r.text("population_source"),
        )
        if metric is not None:
            found.append(metric)
    return tuple(found)


def _asc(cells: CellReader, layout: Layout, policy: Policy) -> AscMinimum | None:
    prior = cells.amount(INCOME, layout.asc_prior_cell, "ASC prior year", required=False)
    published = [
        cells.amount(INCOME, layout.asc_minimum_cell(i), "ASC minimum", required=False)
        for i in range(len(layout.years))
    ]
    if prior is None:
        return None
    try:
        calculated = uplift_series(prior, [policy.uplift(y).rate for y in layout.years])
    except BcfInputError:
        calculated = tuple(published_value or ZERO for published_value in published)
    agreed = tuple(p if p is not None and p != c else None for p, c in zip(published, calculated, strict=True))
    return AscMinimum(prior, agreed if any(a is not None for a in agreed) else ())


def _ooh(cells: CellReader, layout: Layout) -> tuple[Decimal, ...]:
    values = [
        cells.amount(INCOME, layout.ooh_minimum_cell(i), "Out-of-hospital minimum", required=False)
        for i in range(len(layout.years))
    ]
    return () if all(v is None for v in values) else tuple(v or ZERO for v in values)


def _conditions(cells: CellReader, layout: Layout) -> tuple[ConditionAnswer, ...]:
    found = []
    for r in table_rows(cells, layout.conditions):
        met_text, explanation = r.text("met"), r.text("explanation")
        if not met_text and not explanation:
            continue
        met: bool | None = None
        if met_text.casefold() in ("yes", "no"):
            met = met_text.casefold() == "yes"
        elif met_text:
            r.error("met", f"{r.text('code')}: must be Yes or No (got {shown(r.raw('met'))})")
        found.append(ConditionAnswer(r.text("code"), met, explanation))
    return tuple(found)


def submission_view(plan: Plan, year: TemplateYear, policy: Policy) -> Plan:
    """The part of a plan a template of ``year`` holds, as :func:`read` gives it back.

    Local grouping (pools, themes), outturn, risk-share terms and the performance fund are not
    part of a submission; metrics are the year's national ones under their national names;
    top-ups and agreed retentions are one figure per year and district; an agreed ASC minimum is
    kept only where it differs from the calculated one; funding of a kind the year has no line for is in the line
    that holds it (Winter Pressures in the iBCF); only the contacts the year's Cover asks for are kept.
    """
    national = {m.code: m for m in year.metrics}
    metrics = tuple(
        Metric(
            m.metric_id,
            national[m.metric_id].name,
            national[m.metric_id].polarity,
            national[m.metric_id].unit,
            as_submitted(national[m.metric_id].unit, m.baseline),
            as_submitted(national[m.metric_id].unit, m.target),
            population=m.population,
            per=national[m.metric_id].per,
            population_source=m.population_source,
            rag_rule=RagRule.BASELINE,
        )
        for m in sorted(
            (m for m in plan.metrics if m.metric_id in national),
            key=lambda m: [n.code for n in year.metrics].index(m.metric_id),
        )
    )
    dfg = dfg_by_year_and_district(plan)
    asc = None
    if plan.asc_minimum is not None:
        required = [m.required for m in asc_minimum(plan, policy)]
        calculated = uplift_series(plan.asc_minimum.prior_year, [policy.uplift(y).rate for y in plan.years])
        agreed = tuple(r if r != c else None for r, c in zip(required, calculated, strict=True))
        asc = AscMinimum(plan.asc_minimum.prior_year, agreed if any(a is not None for a in agreed) else ())
    codes = [c.code for c in year.conditions]
    held = _contact_keys(year)
    contacts = Contacts(**{key: getattr(plan.contacts, key) for key in held})
    partners = (
        plan.partners
        if year.partner_sign_off
        else tuple(dataclasses.replace(p, chief_executive="") for p in plan.partners)
    )
    return dataclasses.replace(
        plan,
        partners=partners,
        sources=tuple(dataclasses.replace(s, kind=year.line_kind(s.kind)) for s in plan.sources),
        contacts=contacts,
        pools=(),
        schemes=tuple(dataclasses.replace(s, theme="", pool="", outturn=()) for s in plan.schemes),
        metrics=metrics,
        dfg=dfg,
        asc_minimum=asc,
        risk_terms=RiskShareTerms(),
        performance_fund=None,
        conditions=tuple(sorted((c for c in plan.conditions if c.code in codes), key=lambda c: codes.index(c.code))),
    )
