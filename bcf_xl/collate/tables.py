"""The collated tables: their columns, declared once as toolkit fields, and the rows of every file in them.

Each sheet of the collated workbook and each CSV file is one table here. Its columns are
:class:`~bcf_xl.workbook.tables.Field` declarations (key, header, kind of cell, width); the pandas
DataFrame of a table has the fields' keys as its columns and keeps money as exact
:class:`~decimal.Decimal` (``object`` dtype), as :meth:`bcf_xl.report.PlanReport.to_frames` does.
Expenditure is area x scheme: a scheme line a row, with an amount column per plan year headed as the
template's Expenditure tab heads it ("Expenditure 2023-24 (£)"), for every plan year of the templates
collated (:func:`~bcf_xl.collate.returns.plan_years`, known before any file is read); a year a file's
template does not cover is empty (None). Totals are wide: an area and plan year a row, a column per
commissioner, area of spend and scheme type, and an England row per plan year that adds up the rows above it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING

from bcf_xl.collate.returns import TOTAL_VIEWS, AreaReturn, Row
from bcf_xl.money import ZERO
from bcf_xl.submission.layout import expenditure_header
from bcf_xl.workbook.tables import MONEY, NUMBER, WHOLE, Field

if TYPE_CHECKING:
    import pandas as pd

ENGLAND = "England"
TOTAL = "total"

_HEAD = (Field("area", "Area", width=28), Field("file", "File", width=28), Field("template_year", "Template year"))

AREAS = (
    Field("area", "Area", width=28),
    Field("template", "Template", width=20),
    Field("template_year", "Template year"),
    Field("status", "Status", width=12),
    Field("errors", "Errors", WHOLE, width=9),
    Field("warnings", "Warnings", WHOLE, width=9),
    Field("file", "File", width=28),
    Field("duplicate", "Duplicate of", width=28),
    Field("reason", "Why it was not read", width=80),
)
INCOME = (
    *_HEAD,
    Field("source_id", "Source ID", width=12),
    Field("source", "Funding source", width=36),
    Field("contributor", "Contributor", width=28),
    Field("year", "Year", width=10),
    Field("amount", "Income", MONEY, width=16),
)
#: Expenditure's columns before its amount per plan year (:func:`expenditure`).
SCHEME = (
    *_HEAD,
    Field("scheme_id", "Scheme ID", width=12),
    Field("scheme", "Scheme", width=36),
    Field("scheme_type", "Scheme type", width=36),
    Field("area_of_spend", "Area of spend", width=18),
    Field("commissioner", "Commissioner", width=16),
    Field("source_id", "Source ID", width=12),
)
METRICS = (
    *_HEAD,
    Field("metric_id", "Metric", width=10),
    Field("name", "Name", width=40),
    Field("unit", "Unit", width=10),
    Field("baseline", "Baseline", NUMBER, width=14),
    Field("target", "Target", NUMBER, width=14),
    Field("actual", "Actual", NUMBER, width=14),
    Field("rate", "Target rate (per population)", NUMBER, width=16),
    Field("rag", "RAG", width=10),
    Field("progress", "Progress", width=18),
)
FINDINGS = (
    *_HEAD,
    Field("severity", "Severity", width=10),
    Field("code", "Code", width=11),
    Field("cell", "Cell", width=22),
    Field("message", "Message", width=100),
)
_TOTALS_HEAD = (*_HEAD, Field("year", "Year", width=10), Field(TOTAL, "Total expenditure", MONEY, width=18))


@dataclass(frozen=True)
class Sheet:
    """One collated table: its name (the sheet's, and the CSV file's stem), its columns and its rows."""

    name: str
    fields: tuple[Field, ...]
    rows: tuple[Row, ...]

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame: the fields' keys as columns, every value as it is (money as Decimal)."""
        import pandas as pd  # only when frames are asked for: the engine runs without pandas

        return pd.DataFrame(list(self.rows), columns=[f.key for f in self.fields], dtype=object)


#: The sheets in the workbook's order (and the tables' order everywhere).
ORDER = ("Areas", "Income", "Expenditure", "Totals", "Metrics", "Findings")


def amount_key(plan_year: str) -> str:
    """The key of Expenditure's amount column for a plan year: ``amount_2023_24`` for 2023-24."""
    return "amount_" + plan_year.replace("-", "_")


def expenditure(years: Sequence[str]) -> tuple[Field, ...]:
    """Expenditure's columns: the scheme's, then its planned expenditure in each of ``years``, headed as the
    template's Expenditure tab heads it ("Expenditure 2023-24 (£)")."""
    return (*SCHEME, *(Field(amount_key(y), expenditure_header(y), MONEY, width=18) for y in years))


def per_file(
    years: Sequence[str],
) -> tuple[tuple[str, tuple[Field, ...], Callable[[AreaReturn], tuple[Row, ...]]], ...]:
    """The tables whose rows are each file's own, in file order (written as each file is read): each sheet's name,
    columns and the file's rows for it, with Expenditure's amounts for ``years``."""
    return (
        ("Income", INCOME, attrgetter("income")),
        ("Expenditure", expenditure(years), attrgetter("expenditure")),
        ("Metrics", METRICS, attrgetter("metrics")),
        ("Findings", FINDINGS, attrgetter("findings")),
    )


def sheets(returns: Sequence[AreaReturn], duplicates: dict[str, str], years: Sequence[str]) -> tuple[Sheet, ...]:
    """The collated tables of every file, in the order of ``returns``.

    Args:
        returns: each file's rows.
        duplicates: file path to the file name(s) of the other files for the same area and year.
        years: the plan years of Expenditure's amount columns (:func:`~bcf_xl.collate.returns.plan_years`).
    """
    made = {
        name: Sheet(name, fields, tuple(row for r in returns for row in rows(r)))
        for name, fields, rows in per_file(years)
    }
    made["Areas"], made["Totals"] = areas(returns, duplicates), totals(returns)
    return tuple(made[name] for name in ORDER)


def areas(returns: Sequence[AreaReturn], duplicates: dict[str, str]) -> Sheet:
    """The Areas table: a row per file, with its outcome and the other files for its area and year."""
    rows = tuple(
        (r.area, r.kind, r.year, r.status, r.errors, r.warnings, r.file, duplicates.get(r.path, ""), r.reason)
        for r in returns
    )
    return Sheet("Areas", AREAS, rows)


def totals(returns: Sequence[AreaReturn]) -> Sheet:
    """The Totals table: an area and plan year a row, a money column per view and category, England rows last.

    A column's categories are those any file holds, in the order first met; an England row per plan
    year adds up every row of that year above it (a duplicated area counts twice: its files are
    flagged on the Areas sheet).
    """
    columns: dict[tuple[str, str], Field] = {}
    lines: dict[tuple[str, str, str, str], dict[tuple[str, str], Decimal]] = {}
    for r in returns:
        for area, file, template_year, year, view, category, amount in r.totals:
            if (view, category) not in columns:
                columns[(view, category)] = Field(f"{view}: {category}", f"{view}: {category}", MONEY, width=18)
            lines.setdefault((area, file, template_year, year), {})[(view, category)] = amount
    ordered = sorted(columns, key=lambda vc: TOTAL_VIEWS.index(vc[0]))  # stable: first met within a view
    rows: list[Row] = []
    england: dict[str, dict[tuple[str, str], Decimal]] = {}
    for (area, file, template_year, year), amounts in lines.items():
        spent = sum((a for (view, _), a in amounts.items() if view == TOTAL_VIEWS[0]), ZERO)
        rows.append((area, file, template_year, year, spent, *(amounts.get(c) for c in ordered)))
        sums = england.setdefault(year, {})
        sums[(TOTAL, "")] = sums.get((TOTAL, ""), ZERO) + spent
        for column, amount in amounts.items():
            sums[column] = sums.get(column, ZERO) + amount
    for year in sorted(england):
        sums = england[year]
        rows.append((ENGLAND, "", "", year, sums[(TOTAL, "")], *(sums.get(c, ZERO) for c in ordered)))
    return Sheet("Totals", (*_TOTALS_HEAD, *(columns[c] for c in ordered)), tuple(rows))
