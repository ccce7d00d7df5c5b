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

from bcf_xl.dfg import dfg_by_year_and_district
from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import MAX_SCHEME_ROWS, check_workbook_file
from bcf_xl.findings import Finding, Severity, Target
from bcf_xl.metrics import bands_rate
from bcf_xl.model import (
    AgeBand,
    Area,
    AreaKind,
    AscMinimum,
    ConditionAnswer,
    FundingSource,
    Metric,
    MetricUnit,
    PerformanceFund,
    Plan,
    Polarity,
    Pool,
    RagRule,
    RiskShareTerms,
    Scheme,
    SourceKind,
    check_year,
)
from bcf_xl.money import ZERO, allocate, parse_amount
from bcf_xl.monitoring import Actuals
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.planbook.actuals import read_actuals
from bcf_xl.workbook import records
from bcf_xl.workbook.placement import Origins
from bcf_xl.workbook.reading import (
    Book,
    CellReader,
    RowCells,
    Values,
    bounds_of,
    build_record,
    load_cells,
    shown,
    table_rows,
)

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
    actuals: Actuals | None = None  # what the Spend actuals and Quarterly progress sheets hold (None: nothing)
    period: tuple[str, int] | None = None  # the plan year and quarter to report (None: no actuals)


# How far each sheet is read: every table and line the layout declares, the Schemes table at its largest and one
# row more, to see whether it goes on.
READ_BOUNDS = bounds_of(
    *(part for part in vars(L).values() if isinstance(part, L.Table | L.Lines)),
    L.schemes_table(MAX_SCHEME_ROWS + 1),
    L.spend_table(MAX_SCHEME_ROWS),
)


def load(path: Path) -> tuple[Book, Values]:
    """Open a planning workbook file (checked first as untrusted; never modified) and take its input cells' values.

    Only the sheets the layout declares are parsed, and each only within :data:`READ_BOUNDS`.

    Raises:
        BcfInputError: the file is not a workbook that can be read.
    """
    return load_cells(path, READ_BOUNDS)


def read(path: Path) -> PlanRead:
    """Read a planning workbook file (checked first as untrusted; never modified).

    Raises:
        BcfInputError: the file is not a workbook, not a planning workbook, or its Schemes table is
            longer than :data:`MAX_SCHEME_ROWS` rows.
    """
    book, values = load(path)
    missing = [name for name in MISSING if name not in book.sheetnames]
    if missing:
        raise BcfInputError(
            Location(sheet=path.name),
            f"is not a bcf-xl planning workbook: it has no {', '.join(missing)} sheet",
            show_got=False,
        )
    return read_values(values, scheme_rows_of(book, values))


def is_planning_workbook(path: Path) -> bool:
    """True when a (sound) workbook file has the planning workbook's sheets."""
    check_workbook_file(path)
    try:
        book, _ = load_cells(path, {})
    except BcfInputError:
        return False
    return all(name in book.sheetnames for name in MISSING)


def scheme_rows_of(book: Book, values: Values) -> int:
    """How many data rows a planning workbook's Schemes table has (it is as long as the sheet).

    Raises:
        BcfInputError: a value sits on the last row read, so the table may go on beyond what is read.
    """
    header = L.schemes_table(1).header_row
    last_row, _ = READ_BOUNDS[L.SCHEMES]
    last = f"{last_row}"
    for sheet, cell in values:
        if sheet == L.SCHEMES and cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == last:
            raise BcfInputError(
                Location(sheet=L.SCHEMES, cell=cell),
                f"the Schemes table may have at most {MAX_SCHEME_ROWS:,} rows; this one goes on beyond them",
                show_got=False,
            )
    return max(1, book.last_rows.get(L.SCHEMES, 0) - header)


def read_values(values: Values, scheme_rows: int) -> PlanRead:
    """Build the plan from the input cells' values, collecting every problem instead of stopping."""
    cells = CellReader(values | pro_rata_allocations(values))
    plan = _plan(cells, L.schemes_table(scheme_rows))
    reported = read_actuals(cells, plan.years if plan else _years(CellReader(values)), scheme_rows)
    return PlanRead(plan, tuple(cells.findings), values, scheme_rows, cells.origins, reported.actuals, reported.period)


def pro_rata_allocations(values: Values) -> Values:
    """The second year's allocations where none is typed but the DFG received is: the total split in proportion
    to each district's first-year allocation, as ``bcf_passport`` splits it in the workbook (exact, to the penny).

    Nothing is added where any second-year allocation is typed, or where a figure it needs cannot be read (the
    reading of those cells reports them).
    """
    table = L.DISTRICTS
    rows = [row for row in table.data_rows if values.get((L.DFG, table.cell("district_id", row))) not in (None, "")]
    if not rows or any(values.get((L.DFG, table.cell("allocation2", row))) not in (None, "") for row in rows):
        return {}
    try:
        received = parse_amount(values.get((L.DFG, L.DFG_LINES.cell("received", 1))))
        weights = [parse_amount(values.get((L.DFG, table.cell("allocation1", row)))) or ZERO for row in rows]
        if not received or sum(weights, ZERO) <= 0:
            return {}
        parts = allocate(received, weights)
    except BcfInputError:
        return {}
    return {(L.DFG, table.cell("allocation2", row)): part for row, part in zip(rows, parts, strict=True)}


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
            cells.error(L.COVER, cell, f"Plan year: {exc.rule} (got {shown(cells.raw(L.COVER, cell))})")
    return tuple(years)


def _plan(cells: CellReader, schemes_table: L.Table) -> Plan | None:
    years = _years(cells)
    n = max(1, len(years))
    partners = _rows(cells, L.PARTNERS, records.partner)
    sources = _rows(cells, L.SOURCES, lambda r: _source(r, n))
    schemes = _rows(cells, schemes_table, lambda r: _scheme(r, n))
    pools = _rows(cells, L.POOL_TABLE, _pool)
    districts, retentions = records.districts(cells, L.DISTRICTS, n)
    owner, bands = _age_bands(cells)
    metrics = _rows(
        cells, L.METRIC_TABLE, lambda r: _metric(r, bands if owner and r.text("metric_id") == owner else ())
    )
    named = {cells.text(L.METRICS, L.METRIC_TABLE.cell("metric_id", row)) for row in L.METRIC_TABLE.data_rows}
    if bands and owner not in named:
        cells.error(
            L.AGE_BANDS,
            L.AGE_BAND_LINES.cell("metric_id"),
            f"Metric ID: must name a metric of the Metrics sheet rated as an {MetricUnit.STANDARDISED.value} "
            f"(got {shown(cells.raw(L.AGE_BANDS, L.AGE_BAND_LINES.cell('metric_id')))})",
        )
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
    received = [L.DFG_LINES.cell("received", index) for index in range(n)]
    top_ups = [L.DFG_LINES.cell("top_up", index) for index in range(n)]
    dfg = records.dfg_years(cells, L.DFG, received, top_ups, retentions)
    contacts = records.contacts(cells, L.COVER, L.cover_cell)
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
            dfg=dfg,
            risk_terms=_risk_terms(cells),
            performance_fund=_performance_fund(cells),
            contacts=contacts,
            conditions=tuple(conditions),
        )
    except BcfInputError as exc:
        cells.error(L.COVER, L.cover_cell("year1"), str(exc))
        return None


def _rows(cells: CellReader, table: L.Table, make: Callable[[RowCells], T | None]) -> list[T]:
    """Each record of a table (rows that fail are findings)."""
    return [record for r in table_rows(cells, table) if (record := make(r)) is not None]


def _source(r: RowCells, years: int) -> FundingSource | None:
    kind = r.choice("kind", SourceKind)
    if kind is SourceKind.WINTER_PRESSURES:  # a plan made before the grant was merged keeps being read
        ident = r.text("source_id")
        r.cells.findings.append(
            Finding(
                Severity.NOTE,
                "READ02",
                Target("source", ident or None, "kind"),
                f"[{ident}] Funding source: the Winter Pressures grant was merged into the iBCF in 2020-21; "
                "NHS England's templates show this source in the iBCF line",
                Location(sheet=r.sheet, cell=r.ref("kind")),
            )
        )
    return records.source(r, years, kind)


def _scheme(r: RowCells, years: int) -> Scheme | None:
    outturn = r.optional_amounts("outturn", years)
    return records.scheme(r, years, theme=r.text("theme"), pool=r.text("pool"), outturn=outturn)


def _pool(r: RowCells) -> Pool | None:
    risk = r.text("risk_pool").casefold()
    if risk not in ("", "yes", "no"):
        r.error("risk_pool", f"Risk pool?: must be Yes or No (got {shown(r.raw('risk_pool'))})")
    return r.record("name", Pool, r.text("pool_id"), r.text("name"), r.text("host"), risk == "yes")


def _age_bands(cells: CellReader) -> tuple[str, tuple[AgeBand, ...]]:
    """The Falls by age band sheet: the metric its bands rate and the bands (none when no band has a figure).

    A workbook made before the sheet existed has none. Bands that cannot give a rate (a count in some
    bands but not others) are findings at their cells, and the metric gets no bands.
    """
    table = L.AGE_BAND_TABLE
    owner = cells.text(L.AGE_BANDS, L.AGE_BAND_LINES.cell("metric_id"))
    found: list[AgeBand] = []
    rows: list[int] = []
    broken = False
    for r in table_rows(cells, table):
        figures = [r.amount(key) for key in ("population", "weight", *L.BAND_COUNTS)]
        if all(value is None for value in figures):
            continue  # a band named, ready for its figures
        population = figures[0]
        if population is not None and population != population.to_integral_value():
            r.error("population", f"Population: must be a whole number (got {population})")
            broken = True
            continue
        band = r.record(
            "population",
            AgeBand,
            r.text("band"),
            int(population) if population is not None else 0,
            *figures[1:],
        )
        if band is None:
            broken = True
        else:
            found.append(band)
            rows.append(r.row)
    if not found or broken:  # a band that could not be read is already a finding; no rate without it
        return owner, ()
    if not owner:
        cells.error(
            L.AGE_BANDS, L.AGE_BAND_LINES.cell("metric_id"), "Metric ID: is required with age bands (got a blank)"
        )
        return owner, ()
    good = True
    for key in L.BAND_COUNTS:
        try:
            bands_rate(found, key, 100_000)
        except BcfInputError as exc:
            # The engine names a count, the weights or the populations; each is a column of the table.
            named = (exc.location.field or key).split()[0]
            column = {"weights": "weight", "populations": "population", "counts": key}.get(named, named)
            column = column if column in table.columns else key
            row = next((at for band, at in zip(found, rows, strict=True) if getattr(band, column) is None), rows[0])
            cells.error(L.AGE_BANDS, table.cell(column, row), f"{table.field(column).label}: {exc.rule}")
            good = False
            break
    return owner, tuple(found) if good else ()


def _metric(r: RowCells, bands: tuple[AgeBand, ...] = ()) -> Metric | None:
    polarity = r.choice("polarity", Polarity)
    unit = r.choice("unit", MetricUnit)
    if bands and unit is not MetricUnit.STANDARDISED:
        r.error("unit", f"Unit: the metric rated by the age bands must be an {MetricUnit.STANDARDISED.value}")
        return None
    rule = r.choice("rag_rule", RagRule) if r.text("rag_rule") else RagRule.BASELINE
    population, per = _whole(r, "population"), _whole(r, "per")
    if polarity is None or unit is None or rule is None:
        return None
    base = per or 100_000
    values = {key: _figure(r, key, unit, population, base) for key in L.VALUE_KEYS}
    national = r.text("national")
    if national and national != r.text("metric_id"):
        # A national metric goes to NHS England under its template code; findings about it come back to this row.
        r.cells.origins.add("metric", national, r.row)
    return r.record(
        "name",
        Metric,
        national or r.text("metric_id"),
        r.text("name"),
        polarity,
        unit,
        values["baseline"],
        values["target"],
        actual=values["actual"],
        forecast=values["forecast"],
        # A rate typed as published with no population is held as a count per "Rate per" people.
        population=population if population is not None or unit is not MetricUnit.RATE else base,
        per=base,
        population_source=r.text("population_source"),
        rag_rule=rule,
        tolerance=r.amount("tolerance"),
        bands=bands,
    )


def _whole(r: RowCells, key: str) -> int | None:
    value = r.amount(key)
    if value is not None and (value != value.to_integral_value() or value <= 0):
        r.error(key, f"{r.table.field(key).label}: must be a whole number above 0 (got {value})")
        return None
    return None if value is None else int(value)


def _figure(r: RowCells, key: str, unit: MetricUnit, population: int | None, per: int) -> Decimal | None:
    """A metric's baseline, target, actual or forecast as the engine holds it.

    A rate is typed as published (per ``per`` people) or worked out from its count and the population; the
    engine holds it as a count of the population. A percentage is a fraction from 0 to 1 (84.4% or 0.844).
    """
    label = r.table.field(key).label
    typed = _percent_text(r, key) if unit is MetricUnit.PERCENT else r.amount(key)
    count_key = f"{key}_count"
    count = r.amount(count_key)
    if count is not None and unit is not MetricUnit.RATE:
        r.error(count_key, f"{r.table.field(count_key).label}: only a rate is worked out from a count (got {count})")
    if unit is MetricUnit.PERCENT and typed is not None and not ZERO <= typed <= 1:
        r.error(key, f"{label}: must be a percentage from 0% to 100%, typed as 84.4% or 0.844 (got {typed})")
        return None
    if unit is not MetricUnit.RATE:
        return typed
    if typed is not None and typed < 0:
        r.error(key, f"{label}: a rate must not be negative (got {typed})")
        return None
    if count is not None:
        if population is None:
            r.error("population", f"Population: is needed to rate the {label.lower()} count (got a blank)")
            return None
        return count
    if typed is None:
        return None
    return typed if population is None else typed * population / per


def _percent_text(r: RowCells, key: str) -> Decimal | None:
    """A percentage cell: a number (0.844), or text such as "84.4%" as pasted."""
    raw = r.raw(key)
    if isinstance(raw, str) and raw.strip().endswith("%"):
        try:
            number = parse_amount(raw.strip()[:-1])
        except BcfInputError:
            number = None
        if number is None:
            r.error(key, f"{r.table.field(key).label}: must be a percentage such as 84.4% (got {shown(raw)})")
            return None
        return number / 100
    return r.amount(key)


def _condition(r: RowCells) -> ConditionAnswer | None:
    met_text = r.text("met").casefold()
    if met_text not in ("", "yes", "no"):
        r.error("met", f"Met?: must be Yes or No (got {shown(r.raw('met'))})")
    met = None if met_text not in ("yes", "no") else met_text == "yes"
    return ConditionAnswer(r.text("code"), met, r.text("explanation"))


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
    balance = cells.amount(L.RISK, L.RISK_LINES.cell("risk_pool_balance"), "Risk pool balance", required=False)
    uncommitted = cells.amount(L.RISK, L.RISK_LINES.cell("uncommitted"), "Uncommitted allocations", required=False)
    return RiskShareTerms(tuple(override), balance or ZERO, uncommitted or ZERO)


def _performance_fund(cells: CellReader) -> PerformanceFund | None:
    fund = cells.amount(L.RISK, L.RISK_LINES.cell("fund"), "Performance fund", required=False)
    if fund is None:
        return None
    target = cells.amount(L.RISK, L.RISK_LINES.cell("target_reduction"), "Target reduction") or ZERO
    achieved = tuple(
        cells.amount(L.RISK, L.RISK_LINES.cell("achieved", q), f"Reduction achieved, Q{q + 1}") or ZERO
        for q in range(4)
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
