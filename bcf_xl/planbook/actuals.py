"""The planning workbook's actuals: the Spend actuals and Quarterly progress sheets and the Cover's period reported.

What an officer types through the year after the plan is agreed (docs/domain.md section 7), in the planning
workbook itself, so that the buttons "Generate quarterly return" and "Generate year-end return" need nothing else:

- **Spend actuals**: each funding source's income received in each quarter of each plan year (a row for each
  row of the Funding table) and each scheme's spend in each quarter, with an optional typed profile and forecast
  outturn (a row for each row of the Schemes table). Grey beside them, for the period reported: the plan's
  amount, the profile to date (straight-line quarters unless a profile is typed, split as
  :func:`bcf_xl.money.quarters` splits it), spend to date, the variance in pounds and as a share of the profile,
  and the forecast outturn (the typed one, else spend to date and the profile still to come), exactly as
  :func:`bcf_xl.monitoring.scheme_progress` works them out.
- **Quarterly progress**: a row for each metric and quarter (the latest figure, the date of its data,
  "Challenges and any Support Needs", "Achievements", and grey the figure and target as rated and the progress
  words) and for each national condition and quarter ("Still met?" and the explanation).
- On the Cover, the plan year and quarter to report; blank takes the latest with actuals (grey beside them).

:func:`write_sheets` writes them for the builder; :func:`read_actuals` reads them back into
:class:`bcf_xl.monitoring.Actuals`, every bad input a finding at its cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.findings import Finding
from bcf_xl.model import MetricUnit, Polarity
from bcf_xl.monitoring import (
    QUARTERS,
    Actuals,
    Answer,
    ConditionStatus,
    IncomeReceived,
    MetricReport,
    Quarterly,
    SchemeSpend,
    latest_quarter,
)
from bcf_xl.monitoring_checks import CONDITION_STATUS, INCOME_RECEIVED, METRIC_REPORT, SCHEME_SPEND
from bcf_xl.planbook import layout as L  # noqa: N812 - the layout is referred to often, as L
from bcf_xl.workbook import to_xlsxwriter
from bcf_xl.workbook.formats import NUMBER, RATED, SHARE, TEXT
from bcf_xl.workbook.reading import CellReader, RowCells, Values, shown, table_rows
from bcf_xl.workbook.sheets import SheetSetup
from bcf_xl.workbook.validation import OUT_OF_RANGE, WHOLE_NUMBER, Validation

if TYPE_CHECKING:
    from bcf_xl.planbook.builder import _Writer

QUARTER_VALIDATION = Validation(
    WHOLE_NUMBER, low=Decimal(1), high=Decimal(4), error_title=OUT_OF_RANGE, error="A quarter: 1, 2, 3 or 4"
)


# --- formulas ----------------------------------------------------------------------------------------------


def _second_year() -> str:
    """True in Excel when the period reported is the second plan year."""
    second = L.year_cell(1)
    return f'AND({second}<>"",{L.period_cell("report_year")}={second})'


def _quarter() -> str:
    return L.period_cell("report_quarter")


def _amount(cells: str) -> str:
    """The amount of a cell as the engine reads it (text amounts too), 0 when blank."""
    return f"BCF_TOTAL({cells})"


def _inputs(table: L.Table, row: int | None = None) -> str:
    """The input columns of a row (absolute on the flag rows when ``row`` is None), e.g. ``$C28:$U28``."""
    keys = [f.key for f in table.fields if not f.computed]
    first, last = table.columns[keys[0]], table.columns[keys[-1]]
    return f"${first}{row}:${last}{row}"


def _flags(table: L.Table, lines: L.Lines, line: str) -> str:
    keys = [f.key for f in table.fields if not f.computed]
    first, last = table.columns[keys[0]], table.columns[keys[-1]]
    row = lines.row(line)
    return f"${first}${row}:${last}${row}"


def _flag_cells(w: _Writer, table: L.Table, lines: L.Lines) -> None:
    """The grey rows above an actuals table naming, over each input column, what it counts as for the period
    reported (see layout.SPEND_FLAGS)."""
    for line in lines.rows:
        w.label(L.SPEND, lines.label(line), _FLAG_LABELS[line])
    for field in table.fields:
        if field.computed:
            continue
        stem, _, quarter = field.key.partition("_q")
        year = int(stem[-1])
        name = stem[:-1]
        in_year = _second_year() if year == 2 else f"NOT({_second_year()})"
        column = table.columns[field.key]
        for line in lines.rows:
            if line == "to_date" and quarter:
                test = f'AND({in_year},{_quarter()}<>"",{quarter}<={_quarter()})'
            elif line == "year":
                test = in_year
            else:
                continue
            w.formula(L.SPEND, f"{column}{lines.row(line)}", f'=IF({test},"{name}","")', TEXT)


_FLAG_LABELS = {
    "to_date": "Counts to date in the period reported",
    "year": "Counts in the year reported",
}


def _sum(table: L.Table, lines: L.Lines, line: str, row: int, name: str) -> str:
    """The total of a row's inputs that the flag row ``line`` names ``name``, as the engine adds amounts."""
    return f'BCF_TOTAL({_inputs(table, row)},{_flags(table, lines, line)},"{name}")'


def _typed(table: L.Table, lines: L.Lines, row: int, name: str) -> str:
    """True when any input of the row that the year's flag row names ``name`` holds something."""
    return f'SUMPRODUCT(({_flags(table, lines, "year")}="{name}")*LEN({_inputs(table, row)}))>0'


def _straight_line(planned: str) -> str:
    """The profile to date of an annual amount in four quarters: three quarters cut to the penny, the fourth the
    rest (:func:`bcf_xl.money.quarters`)."""
    return f"IF({_quarter()}=4,ROUND({planned},2),ROUNDDOWN(ROUND({planned},2)/4,2)*{_quarter()})"


def _per_year(first: str, second: str) -> str:
    return f"IF({_second_year()},{second},{first})"


def _period_cells(w: _Writer, spend: L.Table) -> None:
    """The Cover's period to report, typed, and beside it the period in use: the one typed, else the latest with
    actuals (the second plan year when it has any, the latest quarter of that year with any figure or answer)."""
    lines = L.REPORT_LINES
    for field in L.REPORT_FIELDS:
        w.label(L.COVER, lines.label(field.key), field.header)
        w.put(L.COVER, lines.cell(field.key), None, field.kind)
    to_xlsxwriter.validate(w.sheets[L.COVER], lines.cell("report_quarter"), QUARTER_VALIDATION)
    first, second = L.year_cell(0), L.year_cell(1)
    metric_years, condition_years = (t.span("year") for t in (L.METRIC_ACTUALS, L.CONDITION_ACTUALS))
    metric_quarters, condition_quarters = (t.span("quarter") for t in (L.METRIC_ACTUALS, L.CONDITION_ACTUALS))

    def figures(year: int, quarters: Sequence[int]) -> str:
        columns = []
        for table, stem in ((spend, "spend"), (L.INCOME_ACTUALS, "received")):
            rows = table.data_rows
            for q in quarters:
                column = table.columns[f"{stem}{year}_q{q}"]
                columns.append(f"COUNT({L.quote(L.SPEND)}!${column}${rows[0]}:${column}${rows[-1]})")
        return "+".join(columns)

    in_second = f"{figures(2, QUARTERS)}+COUNTIF({metric_years},{second})+COUNTIF({condition_years},{second})"
    typed_year = lines.cell("report_year")
    w.formula(
        L.COVER,
        lines.cell("report_year", 1),
        f'=IF({typed_year}<>"",{typed_year},IF(AND({second}<>"",{in_second}>0),{second},IF({first}="","",{first})))',
        TEXT,
    )
    year = L.period_cell("report_year")
    latest = '""'
    for q in QUARTERS:
        counted = (
            f"IF({_second_year()},{figures(2, (q,))},{figures(1, (q,))})"
            f"+COUNTIFS({metric_years},{year},{metric_quarters},{q})"
            f"+COUNTIFS({condition_years},{year},{condition_quarters},{q})"
        )
        latest = f"IF({counted}>0,{q},{latest})"
    typed_quarter = lines.cell("report_quarter")
    w.formula(L.COVER, lines.cell("report_quarter", 1), f'=IF({typed_quarter}<>"",{typed_quarter},{latest})', NUMBER)


# --- writing ---------------------------------------------------------------------------------------------------


def _quarterly_values(stem: str, year: int, figures: Sequence[Decimal | None] | None) -> dict[str, object]:
    return {f"{stem}{year}_q{q}": value for q, value in zip(QUARTERS, figures or (None,) * 4, strict=True)}


def write_sheets(w: _Writer, actuals: Actuals | None) -> None:
    """Write the Cover's period to report, the Spend actuals sheet and the Quarterly progress sheet.

    Only the actuals of the plan's own schemes and sources can be placed (a row each, as on Schemes and Funding);
    metric reports and condition answers go one a row.

    Raises:
        BcfInputError: more metric reports or condition answers than the sheet has rows for.
    """
    spend = L.spend_table(w.schemes.rows)
    _period_cells(w, spend)
    _spend_sheet(w, spend, actuals)
    _progress_sheet(w, actuals)


def _spend_sheet(w: _Writer, spend: L.Table, actuals: Actuals | None) -> None:
    plan = w.plan
    w.title(L.SPEND, "Spend actuals: income received and spend by quarter, against the plan's profile")
    years = plan.years if plan else ()
    income_rows: list[dict[str, object]] = []
    spend_rows: list[dict[str, object]] = []
    for source in plan.sources if plan else ():
        values: dict[str, object] = {}
        for index, year in enumerate(years):
            received = actuals.received(source.source_id, year) if actuals else None
            values |= _quarterly_values("received", index + 1, received.received if received else None)
        income_rows.append(values)
    for scheme in plan.schemes if plan else ():
        values = {}
        for index, year in enumerate(years):
            record = actuals.spend(scheme.scheme_id, year) if actuals else None
            values |= _quarterly_values("spend", index + 1, record.spend if record else None)
            values |= _quarterly_values("profile", index + 1, record.profile if record else None)
            values[f"forecast{index + 1}"] = record.forecast if record else None
        spend_rows.append(values)
    w.table(L.INCOME_ACTUALS, income_rows)
    w.table(spend, spend_rows)
    _income_formulas(w)
    _spend_formulas(w, spend)
    w.finish(L.SPEND, _page(L.SPEND, spend.last_column, spend.data_rows[-1], spend.header_row))


def _page(sheet: str, last_column: str, last_row: int, header_row: int) -> SheetSetup:
    """A wide actuals sheet printed across pages at a readable scale, its IDs and header row on every page."""
    from bcf_xl.planbook.builder import _across, _page as page

    return page(last_column, last_row, freeze=L.FREEZE_CELLS[sheet], header_row=header_row, **_across(sheet))


def _owned_row(w: _Writer, table: L.Table, row: int, owner: L.Table, owner_row: int, label: str) -> str:
    """The grey start of an actuals row: its owner's ID and ``label`` field (from the row of the same place on the
    owner's sheet) and the owner's amount for the year reported; the condition under which the row shows nothing."""
    sheet = L.FUNDING if owner is L.SOURCES else L.SCHEMES
    ident_key = owner.fields[0].key

    def o(key: str) -> str:
        return f"{sheet}!{owner.cell(key, owner_row)}"

    ident = table.cell(ident_key, row)
    w.formula(L.SPEND, ident, f'=IF({o(ident_key)}="","",{o(ident_key)}&"")', TEXT)
    w.formula(L.SPEND, table.cell(label, row), f'=IF({ident}="","",{o(label)}&"")', TEXT)
    w.formula(
        L.SPEND,
        table.cell("planned", row),
        f'=IF({ident}="","",{_per_year(_amount(o("amount1")), _amount(o("amount2")))})',
    )
    return f'OR({ident}="",{_quarter()}="")'


def _income_formulas(w: _Writer) -> None:
    table, flags = L.INCOME_ACTUALS, L.INCOME_FLAGS
    _flag_cells(w, table, flags)
    for row, source_row in zip(table.data_rows, L.SOURCES.data_rows, strict=True):

        def c(key: str, r: int = row) -> str:
            return table.cell(key, r)

        blank = _owned_row(w, table, row, L.SOURCES, source_row, "kind")
        w.formula(L.SPEND, c("expected"), f'=IF({blank},"",{_straight_line(c("planned"))})')
        w.formula(L.SPEND, c("to_date"), f'=IF({blank},"",{_sum(table, flags, "to_date", row, "received")})')
        w.formula(L.SPEND, c("difference"), f'=IF({blank},"",{c("to_date")}-{c("expected")})')


def _spend_formulas(w: _Writer, table: L.Table) -> None:
    schemes, flags = w.schemes, L.SPEND_FLAGS
    _flag_cells(w, table, flags)
    for row, scheme_row in zip(table.data_rows, schemes.data_rows, strict=True):

        def c(key: str, r: int = row) -> str:
            return table.cell(key, r)

        blank = _owned_row(w, table, row, schemes, scheme_row, "name")
        profiled = _typed(table, flags, row, "profile")
        w.formula(
            L.SPEND,
            c("profile_to_date"),
            f'=IF({blank},"",IF({profiled},{_sum(table, flags, "to_date", row, "profile")},'
            f"{_straight_line(c('planned'))}))",
        )
        w.formula(L.SPEND, c("to_date"), f'=IF({blank},"",{_sum(table, flags, "to_date", row, "spend")})')
        w.formula(L.SPEND, c("variance"), f'=IF({blank},"",{c("to_date")}-{c("profile_to_date")})')
        w.formula(
            L.SPEND,
            c("variance_share"),
            f'=IF(OR({blank},N({c("profile_to_date")})=0),"",ROUND({c("variance")}/ABS({c("profile_to_date")}),4))',
            SHARE,
        )
        whole = f"IF({profiled},{_sum(table, flags, 'year', row, 'profile')},ROUND({c('planned')},2))"
        w.formula(
            L.SPEND,
            c("outturn"),
            f'=IF({blank},"",IF({_typed(table, flags, row, "forecast")},{_sum(table, flags, "year", row, "forecast")},'
            f"{c('to_date')}+{whole}-{c('profile_to_date')}))",
        )


def _progress_sheet(w: _Writer, actuals: Actuals | None) -> None:
    w.title(L.PROGRESS, "Quarterly progress: each metric's latest figure and each national condition, by quarter")
    metrics, conditions = L.METRIC_ACTUALS, L.CONDITION_ACTUALS
    reports = actuals.metrics if actuals else ()
    answers = actuals.conditions if actuals else ()
    for table, records in ((metrics, reports), (conditions, answers)):
        if len(records) > table.rows:
            raise BcfInputError(
                Location(sheet=L.PROGRESS, field=table.name), f"the sheet has room for {table.rows}", len(records)
            )
    w.table(
        metrics,
        [
            {
                "metric_id": m.metric_id,
                "year": m.year,
                "quarter": m.quarter,
                "actual": m.actual,
                "data_date": m.data_date or None,
                "challenges": m.challenges or None,
                "achievements": m.achievements or None,
            }
            for m in reports
        ],
    )
    w.table(
        conditions,
        [
            {
                "code": c.code,
                "year": c.year,
                "quarter": c.quarter,
                "met": c.met.value if c.met else None,
                "explanation": c.explanation or None,
            }
            for c in answers
        ],
    )
    sheet = w.sheets[L.PROGRESS]
    for table in (metrics, conditions):
        to_xlsxwriter.validate(sheet, table.span("quarter", sheet=False).replace("$", ""), QUARTER_VALIDATION)
    source = L.METRIC_TABLE
    for row in metrics.data_rows:

        def c(key: str, r: int = row) -> str:
            return metrics.cell(key, r)

        def m(key: str, r: int = row) -> str:
            return f"INDEX({source.span(key)},MATCH({c('metric_id', r)},{source.span('metric_id')},0))"

        ident = c("metric_id")
        w.formula(L.PROGRESS, c("target"), f'=IF({ident}="","",IFERROR({m("target_rate")},""))', RATED)
        per = f"IF(ISNUMBER({m('per')}),{m('per')},100000)"
        rated = (
            f'IF(AND({m("unit")}="{MetricUnit.RATE.value}",ISNUMBER({m("population")})),'
            f"BCF_RATE({c('actual')},{m('population')},{per}),{c('actual')})"
        )
        w.formula(
            L.PROGRESS,
            c("measured"),
            f'=IF(OR({ident}="",NOT(ISNUMBER({c("actual")}))),"",IFERROR({rated},""))',
            RATED,
        )
        higher = f'IFERROR({m("polarity")}="{Polarity.HIGHER_IS_BETTER.value}",FALSE)'
        w.formula(
            L.PROGRESS, c("progress"), f'=IF({ident}="","",BCF_PROGRESS({c("measured")},{c("target")},{higher}))', TEXT
        )
    w.finish(L.PROGRESS, _page(L.PROGRESS, metrics.last_column, conditions.data_rows[-1], metrics.header_row))


# --- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActualsRead:
    """The actuals a planning workbook holds (None when nothing is typed) and the period to report.

    ``period`` is the (plan year, quarter) typed on the Cover, else the latest with actuals (None when the
    workbook holds no actuals and no quarter is typed).
    """

    actuals: Actuals | None
    period: tuple[str, int] | None


def read_actuals(cells: CellReader, years: Sequence[str], scheme_rows: int) -> ActualsRead:
    """Read the actuals sheets and the Cover's period, every bad input a finding (on ``cells``) at its cell.

    A scheme's or source's row is the one of the same place in the Schemes or Funding table; the metrics' IDs
    are the Metrics sheet's (a national metric's is taken as its template code, as the plan holds it).
    """
    schemes = _schemes(cells, years, L.schemes_table(scheme_rows), L.spend_table(scheme_rows))
    income = _income(cells, years)
    metrics = _metrics(cells, years)
    conditions = _conditions(cells, years)
    found = Actuals(tuple(schemes), tuple(income), tuple(metrics), tuple(conditions))
    actuals = found if any((schemes, income, metrics, conditions)) else None
    return ActualsRead(actuals, _period(cells, years, actuals))


def _quarterly(r: RowCells, stem: str, year: int) -> list[Decimal | None]:
    return [r.amount(f"{stem}{year}_q{q}") for q in QUARTERS]


def _four(values: Sequence[Decimal | None]) -> Quarterly:
    first, second, third, fourth = values
    return first, second, third, fourth


def _owner(cells: CellReader, sheet: str, table: L.Table, row: int, key: str) -> str:
    return cells.text(sheet, table.cell(key, row))


def _rows_by_owner(
    cells: CellReader, table: L.Table, owners: L.Table, sheet: str, key: str
) -> list[tuple[RowCells, str]]:
    """Each row of an actuals table with the ID of the record on the same place of its owner's table; a row
    with inputs and no owner is a finding at its first input."""
    rows = []
    inputs = [f.key for f in table.fields if not f.computed]
    for row, owner_row in zip(table.data_rows, owners.data_rows, strict=False):
        r = RowCells(cells, table, row)
        typed = [k for k in inputs if r.raw(k) not in (None, "")]
        if not typed:
            continue
        ident = _owner(cells, sheet, owners, owner_row, key)
        if not ident:
            r.error(
                typed[0],
                f"{table.field(typed[0]).label}: the row of {sheet} beside it ({owner_row}) has no "
                f"{owners.field(key).label} (got {shown(r.raw(typed[0]))})",
            )
            continue
        rows.append((r, ident))
    return rows


def _years_typed(r: RowCells, years: Sequence[str], stems: Sequence[str], extra: Sequence[str] = ()) -> None:
    """A figure typed for a plan year the Cover does not give is a finding at its cell."""
    for index in range(len(years), L.YEARS):
        for key in [f"{stem}{index + 1}_q{q}" for stem in stems for q in QUARTERS] + [f"{k}{index + 1}" for k in extra]:
            if r.raw(key) not in (None, ""):
                r.error(key, f"{r.table.field(key).label}: the Cover gives no {L.YEAR_WORDS[index]} plan year")
                return


def _schemes(cells: CellReader, years: Sequence[str], schemes: L.Table, table: L.Table) -> list[SchemeSpend]:
    found: list[SchemeSpend] = []
    rows = _rows_by_owner(cells, table, schemes, L.SCHEMES, "scheme_id")
    for index, year in enumerate(years):
        for r, ident in rows:
            number = index + 1
            spend = _quarterly(r, "spend", number)
            profile = _quarterly(r, "profile", number)
            forecast = r.amount(f"forecast{number}")
            typed_profile: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
            if any(v is not None for v in profile):
                blank = next((q for q, v in zip(QUARTERS, profile, strict=True) if v is None), None)
                if blank is not None:
                    key = f"profile{number}_q{blank}"
                    r.error(key, f"{r.table.field(key).label}: a profile needs all four quarters (got a blank)")
                    continue
                typed_profile = cast(tuple[Decimal, Decimal, Decimal, Decimal], tuple(profile))
            if all(v is None for v in spend) and typed_profile is None and forecast is None:
                continue
            record = r.record(f"spend{number}_q1", SchemeSpend, ident, year, _four(spend), typed_profile, forecast)
            if record is not None:
                found.append(record)
    for r, _ in rows:
        _years_typed(r, years, ("spend", "profile"), ("forecast",))
    return found


def _income(cells: CellReader, years: Sequence[str]) -> list[IncomeReceived]:
    found: list[IncomeReceived] = []
    rows = _rows_by_owner(cells, L.INCOME_ACTUALS, L.SOURCES, L.FUNDING, "source_id")
    for index, year in enumerate(years):
        for r, ident in rows:
            received = _quarterly(r, "received", index + 1)
            if all(v is None for v in received):
                continue
            record = r.record(f"received{index + 1}_q1", IncomeReceived, ident, year, _four(received))
            if record is not None:
                found.append(record)
    for r, _ in rows:
        _years_typed(r, years, ("received",))
    return found


def _year_and_quarter(r: RowCells, years: Sequence[str]) -> tuple[str, int] | None:
    year = r.text("year")
    if year not in years:
        r.error(
            "year", f"Plan year: must be one of the Cover's plan years, {', '.join(years)} (got {shown(r.raw('year'))})"
        )
        return None
    quarter = _quarter_of(r.cells, r.sheet, r.ref("quarter"))
    return None if quarter is None else (year, quarter)


def _quarter_of(cells: CellReader, sheet: str, cell: str) -> int | None:
    raw = cells.raw(sheet, cell)
    text = cells.text(sheet, cell)
    if text in ("1", "2", "3", "4", "1.0", "2.0", "3.0", "4.0"):
        return int(float(text))
    cells.error(sheet, cell, f"Quarter: must be 1, 2, 3 or 4 (got {shown(raw)})")
    return None


def _metric_ids(cells: CellReader) -> dict[str, str]:
    """Each Metrics row's ID and the ID the plan holds it under (its template code for a national metric)."""
    table = L.METRIC_TABLE
    ids = {}
    for row in table.data_rows:
        ident = cells.text(L.METRICS, table.cell("metric_id", row))
        if ident:
            ids[ident] = cells.text(L.METRICS, table.cell("national", row)) or ident
    return ids


def _metrics(cells: CellReader, years: Sequence[str]) -> list[MetricReport]:
    found: list[MetricReport] = []
    ids = _metric_ids(cells)
    for r in table_rows(cells, L.METRIC_ACTUALS):
        period = _year_and_quarter(r, years)
        actual = r.amount("actual")
        if period is None:
            continue
        typed = r.text("metric_id")
        texts = {key: r.text(key) for key in ("data_date", "challenges", "achievements")}
        report = r.record("metric_id", MetricReport, ids.get(typed, typed), *period, actual, **texts)
        if report is not None:
            found.append(report)
    return found


def _conditions(cells: CellReader, years: Sequence[str]) -> list[ConditionStatus]:
    found: list[ConditionStatus] = []
    for r in table_rows(cells, L.CONDITION_ACTUALS):
        period = _year_and_quarter(r, years)
        met_text = r.text("met")
        met = next((a for a in Answer if a.value.casefold() == met_text.casefold()), None)
        if met_text and met is None:
            r.error("met", f"Still met?: must be Yes or No (got {shown(r.raw('met'))})")
            continue
        if period is None:
            continue
        status = r.record("code", ConditionStatus, r.text("code"), *period, met, r.text("explanation"))
        if status is not None:
            found.append(status)
    return found


def _period(cells: CellReader, years: Sequence[str], actuals: Actuals | None) -> tuple[str, int] | None:
    """The period to report: the Cover's, else the latest plan year with actuals and its latest quarter."""
    lines = L.REPORT_LINES
    typed_year = cells.text(L.COVER, lines.cell("report_year"))
    year: str | None = None
    if typed_year:
        if typed_year in years:
            year = typed_year
        else:
            cells.error(
                L.COVER,
                lines.cell("report_year"),
                f"Plan year to report: must be one of the plan years, {', '.join(years) or 'none typed'} "
                f"(got {shown(cells.raw(L.COVER, lines.cell('report_year')))})",
            )
            return None
    typed_quarter = cells.raw(L.COVER, lines.cell("report_quarter")) not in (None, "")
    quarter = _quarter_of(cells, L.COVER, lines.cell("report_quarter")) if typed_quarter else None
    if typed_quarter and quarter is None:
        return None
    if year is None:
        with_actuals = [y for y in years if actuals is not None and latest_quarter(actuals, y) is not None]
        year = with_actuals[-1] if with_actuals else (years[0] if years else None)
    if year is None:
        return None
    if quarter is None:
        quarter = latest_quarter(actuals, year) if actuals is not None else None
    return None if quarter is None else (year, quarter)


# --- placing the checks' findings -------------------------------------------------------------------------------


def place_findings(
    findings: Sequence[Finding], values: Values, scheme_rows: int, years: Sequence[str], quarter: int
) -> tuple[Finding, ...]:
    """The findings of the checks on actuals (:func:`bcf_xl.monitoring_checks.check_actuals`) at the planning
    workbook's cells where the actuals were typed: a scheme's or source's quarter on Spend actuals, a metric's or
    condition's row of the reporting ``quarter`` on Quarterly progress (a finding with no such cell stays as it is).
    """
    cells = CellReader(values)
    spend = L.spend_table(scheme_rows)
    owners = {
        SCHEME_SPEND: (spend, L.schemes_table(scheme_rows), L.SCHEMES, "scheme_id", "spend"),
        INCOME_RECEIVED: (L.INCOME_ACTUALS, L.SOURCES, L.FUNDING, "source_id", "received"),
    }
    ids = _metric_ids(cells)
    placed = []
    for finding in findings:
        target = finding.target
        where: Location | None = None
        number = years.index(target.year) + 1 if target.year in years else None
        field = target.field or ""
        if target.record in owners and number is not None:
            table, owner, sheet, key, stem = owners[target.record]
            rows = [
                row
                for row, owner_row in zip(table.data_rows, owner.data_rows, strict=False)
                if cells.text(sheet, owner.cell(key, owner_row)) == target.ident
            ]
            column = {"profile": f"profile{number}_q1", "forecast": f"forecast{number}"}.get(
                field, f"{stem}{number}_q{field[-1]}" if "_q" in field else f"{stem}{number}_q1"
            )
            if len(rows) > target.occurrence:
                where = Location(sheet=L.SPEND, cell=table.cell(column, rows[target.occurrence]))
        elif target.record in (METRIC_REPORT, CONDITION_STATUS):
            table = L.METRIC_ACTUALS if target.record == METRIC_REPORT else L.CONDITION_ACTUALS
            key = table.fields[0].key
            rows = [
                row
                for row in table.data_rows
                if ids.get(ident := cells.text(L.PROGRESS, table.cell(key, row)), ident) == target.ident
                and cells.text(L.PROGRESS, table.cell("year", row)) == target.year
            ]
            now = [row for row in rows if cells.text(L.PROGRESS, table.cell("quarter", row)) == str(quarter)]
            chosen = now[:1] if now and not target.occurrence else rows[target.occurrence : target.occurrence + 1]
            column = field if field in table.columns else key
            if chosen:
                where = Location(sheet=L.PROGRESS, cell=table.cell(column, chosen[0]))
        placed.append(finding.placed(where))
    return tuple(placed)
