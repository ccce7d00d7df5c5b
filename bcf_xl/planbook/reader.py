"""Read a plan out of the planning workbook's input cells, reporting every problem with its sheet and cell.

Only the yellow input cells are read: every total, split and rating is worked out again by the
engine, so a workbook saved without cached values (or with stale ones) reads the same. The
values can come from a file (:func:`read`) or from the live workbook in Excel (:func:`read_values`,
which the macros call with what xlwings reads, unsaved edits included).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import openpyxl

from bcf_xl.cellreader import CellReader, Values, build_record, load_cells
from bcf_xl.dfg import dfg_by_year_and_district
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import check_workbook_file
from bcf_xl.findings import Finding
from bcf_xl.model import (
    Area,
    AreaKind,
    AreaOfSpend,
    AscMinimum,
    Commissioner,
    ConditionAnswer,
    Contacts,
    DfgYear,
    District,
    FundingSource,
    Metric,
    MetricUnit,
    Partner,
    PartnerKind,
    PerformanceFund,
    Plan,
    Polarity,
    Pool,
    RagRule,
    Retention,
    RiskShareTerms,
    Scheme,
    SchemeStatus,
    SourceKind,
    check_year,
)
from bcf_xl.money import ZERO
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.workbook.placement import Origins

T = TypeVar("T")

MISSING = (
    L.COVER,
    L.FUNDING,
    L.SCHEMES,
    L.POOLS,
    L.DFG,
    L.METRICS,
    L.RISK,
)


@dataclass(frozen=True)
class PlanRead:
    """A planning workbook as read: the plan (None when it cannot be built) and every problem found."""

    plan: Plan | None
    findings: tuple[Finding, ...]
    values: Values
    scheme_rows: int
    origins: Origins


def read(path: Path) -> PlanRead:
    """Read a planning workbook file (checked first as untrusted; never modified).

    Raises:
        BcfInputError: the file is not a workbook, or not a planning workbook.
    """
    book, values = load_cells(path, L.SHEETS)
    missing = [name for name in MISSING if name not in book.sheetnames]
    if missing:
        raise BcfInputError(
            Location(sheet=path.name),
            f"is not a bcf-xl planning workbook: it has no {', '.join(missing)} sheet",
            show_got=False,
        )
    return read_values(values, scheme_rows_of(book))


def is_planning_workbook(path: Path) -> bool:
    """True when a (sound) workbook file has the planning workbook's sheets."""
    check_workbook_file(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:
        return False
    try:
        return all(name in book.sheetnames for name in MISSING)
    finally:
        book.close()


def scheme_rows_of(book: openpyxl.Workbook) -> int:
    """How many data rows a planning workbook's Schemes table has (it is as long as the sheet)."""
    return max(1, int(book[L.SCHEMES].max_row or 0) - L.schemes_table(1).header_row)


def read_values(values: Values, scheme_rows: int) -> PlanRead:
    """Build the plan from the input cells' values, collecting every problem instead of stopping."""
    cells = CellReader(values)
    plan = _plan(cells, L.schemes_table(scheme_rows))
    return PlanRead(plan, tuple(cells.findings), values, scheme_rows, cells.origins)


def _years(cells: CellReader) -> tuple[str, ...]:
    years = []
    for key in ("year1", "year2"):
        cell = L.cover_cell(key)
        text = cells.text(L.COVER, cell)
        if not text:
            if key == "year1":
                cells.error(L.COVER, cell, "First plan year: is required (e.g. 2025-26)")
            continue
        try:
            years.append(check_year(text))
        except BcfInputError as exc:
            cells.error(L.COVER, cell, f'Plan year: {exc.rule} (got "{text}")')
    return tuple(years)


def _plan(cells: CellReader, schemes_table: L.Table) -> Plan | None:
    years = _years(cells)
    n = max(1, len(years))
    partners = _rows(cells, L.PARTNERS, _partner)
    sources = _rows(cells, L.SOURCES, lambda c, r: _source(c, r, n))
    schemes = _rows(cells, schemes_table, lambda c, r: _scheme(c, schemes_table, r, n))
    pools = _rows(cells, L.POOL_TABLE, _pool)
    districts, retentions = _districts(cells, n)
    metrics = _rows(cells, L.METRIC_TABLE, _metric)
    conditions = _rows(cells, L.CONDITIONS, _condition)
    kind = cells.choice(L.COVER, L.cover_cell("area_kind"), "Area type", AreaKind)
    name = cells.text(L.COVER, L.cover_cell("area"))
    area = build_record(
        cells,
        L.COVER,
        L.cover_cell("area"),
        Area,
        name,
        kind or AreaKind.TWO_TIER,
        tuple(districts) if kind is not AreaKind.UNITARY else (),
    )
    if kind is AreaKind.UNITARY and districts:
        cells.error(
            L.DFG,
            L.DISTRICTS.cell("district_id", L.DISTRICTS.data_rows[0]),
            "a unitary area passports no DFG: remove the districts",
        )
    dfg = []
    for index in range(n):
        received = cells.amount(L.DFG, L.dfg_cell(L.DFG_RECEIVED_ROW, index), "DFG received", required=False)
        top_up = cells.amount(L.DFG, L.dfg_cell(L.DFG_TOP_UP_ROW, index), "In-year top-up", required=False)
        dfg.append(DfgYear(received or ZERO, (top_up,) if top_up else (), tuple(retentions[index])))
    contacts = Contacts(
        *(
            cells.text(L.COVER, L.cover_cell(key))
            for key in ("completed_by", "job_title", "email", "telephone", "signed_off_by", "sign_off_date")
        )
    )
    if area is None or not years:
        return None
    try:
        return Plan(
            area=area,
            years=years,
            partners=tuple(partners),
            sources=tuple(sources),
            pools=tuple(pools),
            schemes=tuple(schemes),
            metrics=tuple(metrics),
            asc_minimum=_asc(cells, n),
            ooh_minimum=_per_year_or_none(cells, "ooh_required", n, "Out-of-hospital minimum"),
            dfg=tuple(dfg) if any(d.received or d.top_ups or d.retentions for d in dfg) else (),
            risk_terms=_risk_terms(cells),
            performance_fund=_performance_fund(cells),
            contacts=contacts,
            conditions=tuple(conditions),
        )
    except BcfInputError as exc:
        cells.error(L.COVER, L.cover_cell("year1"), str(exc))
        return None


def _rows(cells: CellReader, table: L.Table, make: Callable[[CellReader, int], T | None]) -> list[T]:
    """Each data row whose first field holds something, made into a record (rows that fail are findings)."""
    found = []
    first = table.fields[0].key
    for row in table.data_rows:
        ident = cells.text(table.sheet, table.cell(first, row))
        if not ident:
            if any(
                cells.raw(table.sheet, table.cell(f.key, row)) not in (None, "") for f in table.fields if not f.computed
            ):
                cells.error(
                    table.sheet,
                    table.cell(first, row),
                    f"{table.fields[0].header}: is required on a row that holds other values (got a blank)",
                )
            continue
        cells.origins.add(table.record, ident, row)
        record = make(cells, row)
        if record is not None:
            found.append(record)
    return found


def _partner(cells: CellReader, row: int) -> Partner | None:
    t = L.PARTNERS
    kind = cells.choice(L.COVER, t.cell("kind", row), "Partner type", PartnerKind)
    if kind is None:
        return None
    return build_record(
        cells,
        L.COVER,
        t.cell("name", row),
        Partner,
        cells.text(L.COVER, t.cell("partner_id", row)),
        cells.text(L.COVER, t.cell("name", row)),
        kind,
    )


def _source(cells: CellReader, row: int, years: int) -> FundingSource | None:
    t = L.SOURCES
    kind = cells.choice(L.FUNDING, t.cell("kind", row), "Funding source", SourceKind)
    amounts = tuple(
        cells.amount(L.FUNDING, t.cell(f"amount{i + 1}", row), f"Income, year {i + 1}") or ZERO for i in range(years)
    )
    if kind is None:
        return None
    return build_record(
        cells,
        L.FUNDING,
        t.cell("description", row),
        FundingSource,
        cells.text(L.FUNDING, t.cell("source_id", row)),
        kind,
        cells.text(L.FUNDING, t.cell("contributor", row)),
        amounts,
        cells.text(L.FUNDING, t.cell("description", row)),
    )


def _scheme(cells: CellReader, t: L.Table, row: int, years: int) -> Scheme | None:
    def text(key: str) -> str:
        return cells.text(L.SCHEMES, t.cell(key, row))

    def money(key: str, what: str, *, required: bool = False) -> Decimal | None:
        return cells.amount(L.SCHEMES, t.cell(key, row), what, required=required)

    area = cells.choice(L.SCHEMES, t.cell("area_of_spend", row), "Area of Spend", AreaOfSpend)
    commissioner = cells.choice(L.SCHEMES, t.cell("commissioner", row), "Commissioner", Commissioner)
    status = cells.choice(L.SCHEMES, t.cell("status", row), "New/Existing", SchemeStatus)
    amounts = tuple(money(f"amount{i + 1}", f"Planned, year {i + 1}", required=True) or ZERO for i in range(years))
    outturn = tuple(money(f"outturn{i + 1}", f"Outturn, year {i + 1}") for i in range(years))
    share = money("nhs_share", "% NHS")
    prior = money("prior_year_budget", "Prior-year budget")
    extra = money("additional_investment", "Additional investment")
    if area is None or commissioner is None or status is None:
        return None
    return build_record(
        cells,
        L.SCHEMES,
        t.cell("name", row),
        Scheme,
        scheme_id=text("scheme_id"),
        name=text("name"),
        description=text("description"),
        scheme_type=text("scheme_type"),
        sub_type=text("sub_type"),
        area_of_spend=area,
        commissioner=commissioner,
        provider=text("provider"),
        source=text("source"),
        amounts=amounts,
        status=status,
        theme=text("theme"),
        pool=text("pool"),
        nhs_share=share,
        prior_year_budget=prior,
        additional_investment=extra,
        outturn=outturn if any(o is not None for o in outturn) else (),
    )


def _pool(cells: CellReader, row: int) -> Pool | None:
    t = L.POOL_TABLE
    risk = cells.text(L.POOLS, t.cell("risk_pool", row)).casefold()
    if risk not in ("", "yes", "no"):
        cells.error(L.POOLS, t.cell("risk_pool", row), f'Risk pool?: must be Yes or No (got "{risk}")')
    return build_record(
        cells,
        L.POOLS,
        t.cell("name", row),
        Pool,
        cells.text(L.POOLS, t.cell("pool_id", row)),
        cells.text(L.POOLS, t.cell("name", row)),
        cells.text(L.POOLS, t.cell("host", row)),
        risk == "yes",
    )


def _districts(cells: CellReader, years: int) -> tuple[list[District], list[list[Retention]]]:
    t = L.DISTRICTS
    districts: list[District] = []
    retentions: list[list[Retention]] = [[] for _ in range(years)]
    for row in t.data_rows:
        ident = cells.text(L.DFG, t.cell("district_id", row))
        if not ident:
            continue
        cells.origins.add(t.record, ident, row)
        allocations = tuple(
            cells.amount(L.DFG, t.cell(f"allocation{i + 1}", row), f"Allocation, year {i + 1}") or ZERO
            for i in range(years)
        )
        district = build_record(
            cells, L.DFG, t.cell("name", row), District, ident, cells.text(L.DFG, t.cell("name", row)), allocations
        )
        if district is not None:
            districts.append(district)
        for index in range(years):
            kept = cells.amount(
                L.DFG, t.cell(f"retained{index + 1}", row), f"Retained, year {index + 1}", required=False
            )
            if kept:
                reference = cells.text(L.DFG, t.cell(f"reference{index + 1}", row))
                retentions[index].append(Retention(ident, kept, reference))
    return districts, retentions


def _metric(cells: CellReader, row: int) -> Metric | None:
    t = L.METRIC_TABLE

    def number(key: str, what: str) -> Decimal | None:
        return cells.amount(L.METRICS, t.cell(key, row), what, required=False)

    polarity = cells.choice(L.METRICS, t.cell("polarity", row), "Better when", Polarity)
    unit = cells.choice(L.METRICS, t.cell("unit", row), "Unit", MetricUnit)
    rule_text = cells.text(L.METRICS, t.cell("rag_rule", row))
    rule = cells.choice(L.METRICS, t.cell("rag_rule", row), "RAG rule", RagRule) if rule_text else RagRule.BASELINE
    population, per = number("population", "Population"), number("per", "Rate per")
    for value, key in ((population, "population"), (per, "per")):
        if value is not None and value != value.to_integral_value():
            cells.error(L.METRICS, t.cell(key, row), f"{t.field(key).header}: must be a whole number (got {value})")
    if polarity is None or unit is None or rule is None:
        return None
    return build_record(
        cells,
        L.METRICS,
        t.cell("name", row),
        Metric,
        cells.text(L.METRICS, t.cell("metric_id", row)),
        cells.text(L.METRICS, t.cell("name", row)),
        polarity,
        unit,
        number("baseline", "Baseline"),
        number("target", "Target"),
        actual=number("actual", "Actual"),
        forecast=number("forecast", "Forecast"),
        population=int(population) if population is not None else None,
        per=int(per) if per is not None else 100_000,
        population_source=cells.text(L.METRICS, t.cell("population_source", row)),
        rag_rule=rule,
        tolerance=number("tolerance", "Tolerance"),
    )


def _condition(cells: CellReader, row: int) -> ConditionAnswer | None:
    t = L.CONDITIONS
    met_text = cells.text(L.COVER, t.cell("met", row)).casefold()
    if met_text not in ("", "yes", "no"):
        cells.error(L.COVER, t.cell("met", row), f'Met?: must be Yes or No (got "{met_text}")')
    met = None if met_text not in ("yes", "no") else met_text == "yes"
    return ConditionAnswer(
        cells.text(L.COVER, t.cell("code", row)), met, cells.text(L.COVER, t.cell("explanation", row))
    )


def _per_year_or_none(cells: CellReader, key: str, years: int, what: str) -> tuple[Decimal, ...]:
    values = [cells.amount(L.FUNDING, L.minimum_cell(key, i), what, required=False) for i in range(years)]
    return () if all(v is None for v in values) else tuple(v or ZERO for v in values)


def _asc(cells: CellReader, years: int) -> AscMinimum | None:
    prior = cells.amount(L.FUNDING, L.minimum_cell("asc_prior", 0), "ASC prior year", required=False)
    agreed = tuple(
        cells.amount(L.FUNDING, L.minimum_cell("asc_agreed", i), "Agreed ASC minimum", required=False)
        for i in range(years)
    )
    if prior is None:
        if any(a is not None for a in agreed):
            cells.error(
                L.FUNDING,
                L.minimum_cell("asc_prior", 0),
                "ASC prior year: is required with an agreed minimum (got a blank)",
            )
        return None
    return AscMinimum(prior, agreed if any(a is not None for a in agreed) else ())


def _risk_terms(cells: CellReader) -> RiskShareTerms:
    t = L.SHARE_OVERRIDE
    override = []
    for row in t.data_rows:
        partner = cells.text(L.RISK, t.cell("partner_id", row))
        if partner:
            weight = cells.amount(L.RISK, t.cell("weight", row), "Agreed share") or ZERO
            override.append((partner, weight))
    balance = cells.amount(L.RISK, L.RISK_INPUTS["risk_pool_balance"], "Risk pool balance", required=False)
    uncommitted = cells.amount(L.RISK, L.RISK_INPUTS["uncommitted"], "Uncommitted allocations", required=False)
    return RiskShareTerms(tuple(override), balance or ZERO, uncommitted or ZERO)


def _performance_fund(cells: CellReader) -> PerformanceFund | None:
    fund = cells.amount(L.RISK, L.RISK_INPUTS["fund"], "Performance fund", required=False)
    if fund is None:
        return None
    target = cells.amount(L.RISK, L.RISK_INPUTS["target_reduction"], "Target reduction") or ZERO
    achieved = tuple(
        cells.amount(L.RISK, f"{column}{L.ACHIEVED_ROW}", f"Reduction achieved, Q{q + 1}") or ZERO
        for q, column in enumerate("CDEF")
    )
    return PerformanceFund(fund, target, (achieved[0], achieved[1], achieved[2], achieved[3]))


def planbook_view(plan: Plan) -> Plan:
    """A plan as the planning workbook holds it: in-year top-ups and each district's agreed retentions are
    one figure per year, and a scheme's outturn is blank rather than absent when none is recorded."""
    dfg = dfg_by_year_and_district(plan)
    n = len(plan.years)
    schemes = tuple(
        dataclasses.replace(
            s, outturn=(*s.outturn, *([None] * (n - len(s.outturn)))) if any(o is not None for o in s.outturn) else ()
        )
        for s in plan.schemes
    )
    asc = plan.asc_minimum
    if asc is not None and not any(a is not None for a in asc.agreed):
        asc = AscMinimum(asc.prior_year)
    return dataclasses.replace(
        plan,
        schemes=schemes,
        asc_minimum=asc,
        dfg=dfg,
    )
