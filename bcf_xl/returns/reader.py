"""Read and validate a filled quarterly or end-of-year return, reporting every problem with its sheet and cell.

A return reads back into the actuals it reports (:class:`bcf_xl.monitoring.Actuals`) for its year and quarter,
with the assessment words chosen for each metric and the Cover's contacts. :func:`return_view` gives the part of
a plan's actuals a return holds, so a round trip is lossless.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.findings import Finding, Severity, Validated, by_severity
from bcf_xl.model import Plan
from bcf_xl.money import ZERO
from bcf_xl.monitoring import (
    NOTHING_YET,
    Actuals,
    Answer,
    ConditionStatus,
    IncomeReceived,
    MetricReport,
    Quarterly,
    SchemeSpend,
)
from bcf_xl.monitoring_checks import CONDITION_STATUS, INCOME_RECEIVED, METRIC_REPORT, SCHEME_SPEND, check_actuals
from bcf_xl.policy import Policy
from bcf_xl.returns import rules
from bcf_xl.returns.definition import RETURN_YEARS, ReturnKind, ReturnYear, return_year
from bcf_xl.returns.layout import (
    COVER_INPUTS,
    QUARTER_CELL,
    RETURN_KIND_CELL,
    RETURN_YEAR_CELL,
    ReturnLayout,
    assessment_words,
    layout_for,
    quarter_text,
)
from bcf_xl.submission.checklist import Item
from bcf_xl.submission.layout import COVER
from bcf_xl.submission.validator import checklist_findings, findings_json
from bcf_xl.workbook.reading import Book, CellReader, Values, bounds_of, load_cells, shown, table_rows

# How far the Cover is read to tell a return from the planning template.
_COVER_BOUNDS = {COVER: (10, 3)}


@dataclass(frozen=True)
class ReturnFile:
    """A filled return as read: what it is, its cell values, the actuals it reports and the problems found."""

    path: Path
    layout: ReturnLayout
    values: Values
    actuals: Actuals
    assessments: tuple[tuple[str, str], ...]
    contacts: Mapping[str, str]
    findings: tuple[Finding, ...]

    @property
    def title(self) -> str:
        return f"{self.layout.title}, {quarter_text(self.layout.kind, self.layout.quarter)}"


def is_return(path: Path) -> bool:
    """True when a workbook file's Cover names it a quarterly or end-of-year return."""
    _, values = load_cells(path, _COVER_BOUNDS)
    return str(values.get((COVER, RETURN_KIND_CELL)) or "").strip() in {kind.value for kind in ReturnKind}


def _bounds(policy: Policy) -> dict[str, tuple[int, int]]:
    """How far each sheet of a return is read: every table and line either kind of return declares."""
    layouts = [layout_for(year, kind, 4, policy) for kind in ReturnKind for year in RETURN_YEARS.values()]
    return bounds_of(
        *(
            part
            for layout in layouts
            for part in (
                layout.cover_lines,
                layout.conditions,
                layout.metrics,
                layout.income,
                layout.schemes,
                layout.by_source,
                layout.statement,
                layout.checklist,
            )
        )
    )


def identify(path: Path, book: Book, values: Values, policy: Policy, expected: str | None) -> ReturnLayout:
    """The layout of the return a workbook is, refusing a workbook that is not a return or is another year's."""
    where = Location(sheet=path.name)
    kind_text = str(values.get((COVER, RETURN_KIND_CELL)) or "").strip()
    kinds = {kind.value: kind for kind in ReturnKind}
    if kind_text not in kinds:
        raise BcfInputError(
            where,
            f"is not a BCF return bcf-xl knows: {COVER}!{RETURN_KIND_CELL} should say {' or '.join(kinds)}",
            kind_text or None,
        )
    kind = kinds[kind_text]
    name = str(values.get((COVER, RETURN_YEAR_CELL)) or "").strip()
    if name not in RETURN_YEARS:
        raise BcfInputError(
            where, f"{COVER}!{RETURN_YEAR_CELL} should name the year reported ({', '.join(RETURN_YEARS)})", name or None
        )
    if expected is not None and name != return_year(expected).name:
        raise BcfInputError(where, f"is a return for {name}, not {expected}", show_got=False)
    period = str(values.get((COVER, QUARTER_CELL)) or "").strip()
    quarters = {quarter_text(kind, q): q for q in ((4,) if kind is ReturnKind.YEAR_END else (1, 2, 3, 4))}
    if period not in quarters:
        raise BcfInputError(
            where, f"{COVER}!{QUARTER_CELL} should give the reporting period ({', '.join(quarters)})", period or None
        )
    layout = layout_for(RETURN_YEARS[name], kind, quarters[period], policy)
    missing = [sheet for sheet in layout.sheets if sheet not in book.sheetnames]
    if missing:
        raise BcfInputError(
            where, f"is not a complete BCF return: it has no {', '.join(missing)} sheet", show_got=False
        )
    return layout


def read(path: Path, policy: Policy, expected_year: str | None = None) -> ReturnFile:
    """Read a filled return.

    Raises:
        BcfInputError: the file is not a workbook, not a return, or another year's.
    """
    book, values = load_cells(path, _bounds(policy))
    layout = identify(path, book, values, policy, expected_year)
    return read_values(path, values, layout)


def _quarterly(figures: list[object], quarter: int) -> Quarterly:
    padded = (*figures[:quarter], *NOTHING_YET[quarter:])
    first, second, third, fourth = padded
    return first, second, third, fourth  # type: ignore[return-value]


def read_values(path: Path, values: Values, layout: ReturnLayout) -> ReturnFile:
    """The actuals, assessments and contacts a return's cell values hold, collecting every problem."""
    cells = CellReader(values)
    year, quarter = layout.year.name, layout.quarter
    contacts = {key: cells.text(COVER, layout.cover_cell(key)) for key in COVER_INPUTS}
    conditions = []
    for r in table_rows(cells, layout.conditions):
        met_text, explanation = r.text("met"), r.text("explanation")
        met = next((a for a in Answer if a.value.casefold() == met_text.casefold()), None)
        if met_text and met is None:
            r.error("met", f"{r.text('code')}: must be Yes or No (got {shown(r.raw('met'))})")
        if met is not None or explanation:
            conditions.append(ConditionStatus(r.text("code"), year, quarter, met, explanation))
    words = assessment_words(layout.kind)
    metrics, assessments = [], []
    for r in table_rows(cells, layout.metrics):
        code, assessment = r.text("code"), r.text("assessment")
        if assessment and assessment not in words:
            r.error("assessment", f"{code}: must be one of {', '.join(words)} (got {shown(r.raw('assessment'))})")
        if assessment:
            assessments.append((code, assessment))
        actual = r.amount("actual")
        texts = {key: r.text(key) for key in ("data_date", "challenges", "achievements")}
        if actual is not None or any(texts.values()):
            report = r.record("code", MetricReport, code, year, quarter, actual, **texts)
            if report is not None:
                metrics.append(report)
    income = [
        IncomeReceived(r.text("source_id"), year, _quarterly([r.amount(f"q{q}") for q in layout.quarters], quarter))
        for r in table_rows(cells, layout.income)
    ]
    schemes = [
        SchemeSpend(r.text("scheme_id"), year, _quarterly([r.amount(f"q{q}") for q in layout.quarters], quarter))
        for r in table_rows(cells, layout.schemes)
    ]
    actuals = Actuals(tuple(schemes), tuple(income), tuple(metrics), tuple(conditions))
    return ReturnFile(path, layout, values, actuals, tuple(assessments), contacts, tuple(cells.findings))


def return_view(plan: Plan, actuals: Actuals, year: str, quarter: int, codes: tuple[str, ...]) -> Actuals:
    """The part of a plan's actuals a return of ``year`` and ``quarter`` holds, as :func:`read` gives it back.

    Every scheme and funding source of the plan in its order, with the quarters to the reporting one (typed
    profiles and forecasts are not part of a return); the reports of the national metrics ``codes`` and the
    answers for that quarter that hold anything.
    """

    def upto(figures: Quarterly) -> Quarterly:
        return _quarterly(list(figures), quarter)

    schemes = tuple(
        SchemeSpend(
            s.scheme_id, year, upto(spent.spend if (spent := actuals.spend(s.scheme_id, year)) else NOTHING_YET)
        )
        for s in plan.schemes
    )
    income = tuple(
        IncomeReceived(
            s.source_id, year, upto(paid.received if (paid := actuals.received(s.source_id, year)) else NOTHING_YET)
        )
        for s in plan.sources
    )
    metrics = tuple(
        m
        for code in codes
        if (m := actuals.metric(code, year, quarter)) is not None
        and (m.actual is not None or m.data_date or m.challenges or m.achievements)
    )
    conditions = tuple(
        c for c in actuals.conditions if (c.year, c.quarter) == (year, quarter) and (c.met is not None or c.explanation)
    )
    return Actuals(schemes, income, metrics, conditions)


@dataclass(frozen=True)
class ReturnValidation(Validated):
    """The outcome of validating a return."""

    returned: ReturnFile
    findings: tuple[Finding, ...]
    unmet: tuple[Item, ...]

    def to_json(self) -> str:
        layout = self.returned.layout
        return json.dumps(
            {
                "file": str(self.returned.path),
                "template": layout.year.name,
                "return": layout.kind.value,
                "period": quarter_text(layout.kind, layout.quarter),
                "status": self.status,
                "ok": self.ok,
                "findings": findings_json(self.findings),
            },
            indent=2,
        )


def validate(path: Path, policy: Policy, expected_year: str | None = None) -> ReturnValidation:
    """Read a filled return and check it: what could not be read, each checklist item the Cover shows No, and the
    checks on actuals (:func:`bcf_xl.monitoring_checks.check_actuals`) that the return's own contents allow, its
    plan columns taken as the plan, each finding at the return's cell."""
    returned = read(path, policy, expected_year)
    layout = returned.layout
    items = rules.items(layout, assessment_words(layout.kind), policy.bound("quarterly"))
    unmet = tuple(item for item in items if not item.holds(returned.values))
    findings = [*returned.findings, *checklist_findings(unmet), *actuals_findings(returned)]
    return ReturnValidation(returned, by_severity(findings), unmet)


@dataclass(frozen=True)
class _Scheme:
    scheme_id: str
    amounts: tuple[Decimal, ...]


@dataclass(frozen=True)
class _Source:
    source_id: str


@dataclass(frozen=True)
class _Metric:
    metric_id: str


@dataclass(frozen=True)
class _Condition:
    code: str


@dataclass(frozen=True)
class ReturnedPlan:
    """The plan as a return shows it, for the checks on actuals: its year, the schemes with their plan for the
    year, the funding sources, the metrics with a plan figure and the national conditions."""

    years: tuple[str, ...]
    schemes: tuple[_Scheme, ...]
    sources: tuple[_Source, ...]
    metrics: tuple[_Metric, ...]
    conditions: tuple[_Condition, ...]

    def year_index(self, year: str) -> int:
        """The position of the return's year (its one year)."""
        return self.years.index(year)


def returned_plan(returned: ReturnFile) -> ReturnedPlan:
    """The plan columns of a return: what its Spend, Metrics and National Conditions sheets say was planned."""
    layout = returned.layout
    cells = CellReader(returned.values)
    schemes = tuple(
        _Scheme(r.text("scheme_id"), (r.amount("planned") or ZERO,)) for r in table_rows(cells, layout.schemes)
    )
    sources = tuple(_Source(r.text("source_id")) for r in table_rows(cells, layout.income))
    metrics = tuple(_Metric(r.text("code")) for r in table_rows(cells, layout.metrics) if r.raw("target") is not None)
    conditions = tuple(_Condition(r.text("code")) for r in table_rows(cells, layout.conditions))
    return ReturnedPlan((layout.year.name,), schemes, sources, metrics, conditions)


# Where each kind of actuals record shows on a return: its table, and the column of each of its fields.
_COLUMNS: dict[str, Callable[[str], str]] = {
    SCHEME_SPEND: lambda field: f"q{field[-1]}" if field.startswith("spend_q") else "scheme_id",
    INCOME_RECEIVED: lambda field: f"q{field[-1]}" if field.startswith("received_q") else "source_id",
    METRIC_REPORT: lambda field: "actual" if field == "actual" else "code",
    CONDITION_STATUS: lambda field: "met",
}


def actuals_findings(returned: ReturnFile) -> tuple[Finding, ...]:
    """The checks on actuals a return allows on its own, each at its cell: repeated IDs (MON03), negative figures
    (MON04), a condition not met (MON06, with its explanation: an unexplained No is the checklist's), a metric
    without a figure (MON08), a scheme without spend for a quarter (MON09). What the return cannot hold (another
    year, a later quarter, a typed profile) or its checklist reports (an unanswered condition) does not arise."""
    layout = returned.layout
    checked = check_actuals(returned_plan(returned), returned.actuals, layout.year.name, layout.quarter)
    tables = {
        SCHEME_SPEND: (layout.schemes, "scheme_id"),
        INCOME_RECEIVED: (layout.income, "source_id"),
        METRIC_REPORT: (layout.metrics, "code"),
        CONDITION_STATUS: (layout.conditions, "code"),
    }
    cells = CellReader(returned.values)
    placed = []
    for finding in checked:
        if finding.code == "MON07" or (finding.code == "MON06" and finding.severity is Severity.ERROR):
            continue  # the checklist reports the condition's cell
        target = finding.target
        table, key = tables[target.record]
        rows = [row for row in table.data_rows if cells.text(table.sheet, table.cell(key, row)) == target.ident]
        if len(rows) <= target.occurrence:
            placed.append(finding)
            continue
        column = _COLUMNS[target.record](target.field or "")
        where = Location(sheet=table.sheet, cell=table.cell(column, rows[target.occurrence]))
        placed.append(finding.placed(where))
    return tuple(placed)


__all__ = ["ReturnFile", "ReturnValidation", "ReturnYear", "is_return", "read", "return_view", "validate"]
