"""A plan's records read from table rows, shared by every layout that holds them.

The planning workbook and NHS England's templates key their columns by the records' own field
names (``scheme_type``, ``amount1``...), so one function reads each kind of record from a row of
either; what only one layout holds (a scheme's theme and pool, how a source's kind is written)
is passed in by its reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from bcf_xl.model import (
    AreaOfSpend,
    Commissioner,
    Contacts,
    DfgYear,
    District,
    FundingSource,
    Partner,
    PartnerKind,
    Retention,
    Scheme,
    SchemeStatus,
    SourceKind,
)
from bcf_xl.money import ZERO
from bcf_xl.workbook.reading import CellReader, RowCells, shown, table_rows
from bcf_xl.workbook.tables import Table
from bcf_xl.workbook.values import CONTACT_FIELDS


def partner(r: RowCells) -> Partner | None:
    """A partner from its row: ID, name and type."""
    kind = r.choice("kind", PartnerKind)
    if kind is None:
        return None
    chief_executive = r.text("chief_executive") if "chief_executive" in r.table.columns else ""
    return r.record("name", Partner, r.text("partner_id"), r.text("name"), kind, chief_executive)


def source(r: RowCells, years: int, kind: SourceKind | None) -> FundingSource | None:
    """A funding source from its row, its kind read by the layout (a list choice, or NHS England's label)."""
    amounts = r.amounts("amount", years)
    if kind is None:
        return None
    description = r.text("description")
    return r.record(
        "description", FundingSource, r.text("source_id"), kind, r.text("contributor"), amounts, description
    )


def scheme(
    r: RowCells,
    years: int,
    *,
    theme: str = "",
    pool: str = "",
    outturn: tuple[Decimal | None, ...] = (),
) -> Scheme | None:
    """A scheme from its row; the local grouping and outturn only the planning workbook holds come from its reader."""
    area = r.choice("area_of_spend", AreaOfSpend)
    commissioner = r.choice("commissioner", Commissioner)
    status = r.choice("status", SchemeStatus)
    amounts = r.amounts("amount", years)
    share, prior, extra = r.amount("nhs_share"), r.amount("prior_year_budget"), r.amount("additional_investment")
    if area is None or commissioner is None or status is None:
        return None
    ident, name, description, scheme_type, sub_type, provider, source = r.texts(_SCHEME_TEXTS)
    return r.record(
        "name",
        Scheme,
        scheme_id=ident,
        name=name,
        description=description,
        scheme_type=scheme_type,
        sub_type=sub_type,
        area_of_spend=area,
        commissioner=commissioner,
        provider=provider,
        source=source,
        amounts=amounts,
        status=status,
        theme=theme,
        pool=pool,
        nhs_share=share,
        prior_year_budget=prior,
        additional_investment=extra,
        outturn=outturn if any(o is not None for o in outturn) else (),
    )


_SCHEME_TEXTS = ("scheme_id", "name", "description", "scheme_type", "sub_type", "provider", "source")


def district(r: RowCells, years: int) -> tuple[District | None, tuple[Retention | None, ...]]:
    """A district from its row, and its agreed retention per plan year (None where nothing is retained)."""
    allocations = r.amounts("allocation", years)
    found = r.record("name", District, r.text("district_id"), r.text("name"), allocations)
    retentions: list[Retention | None] = []
    for index in range(years):
        kept = r.amount(f"retained{index + 1}")
        reference = r.text(f"reference{index + 1}")
        retentions.append(Retention(r.text("district_id"), kept, reference) if kept else None)
    return found, tuple(retentions)


def districts(cells: CellReader, table: Table, years: int) -> tuple[list[District], list[list[Retention]]]:
    """Every district of a table, and each plan year's agreed retentions."""
    found: list[District] = []
    retentions: list[list[Retention]] = [[] for _ in range(years)]
    for r in table_rows(cells, table):
        district_, kept = district(r, years)
        if district_ is not None:
            found.append(district_)
        for index, retention in enumerate(kept):
            if retention is not None:
                retentions[index].append(retention)
    return found, retentions


def dfg_years(
    cells: CellReader, sheet: str, received: Sequence[str], top_ups: Sequence[str], retentions: list[list[Retention]]
) -> tuple[DfgYear, ...]:
    """The DFG of each plan year from its received and top-up cells, with the year's retentions; none when all blank."""
    found = []
    for index, (received_cell, top_up_cell) in enumerate(zip(received, top_ups, strict=True)):
        amount = cells.amount(sheet, received_cell, "DFG received", required=False)
        top_up = cells.amount(sheet, top_up_cell, "In-year top-up", required=False)
        found.append(DfgYear(amount or ZERO, (top_up,) if top_up else (), tuple(retentions[index])))
    return tuple(found) if any(d.received or d.top_ups or d.retentions for d in found) else ()


def contacts(
    cells: CellReader, sheet: str, cell_of: Callable[[str], str], keys: Sequence[str] = CONTACT_FIELDS
) -> Contacts:
    """Who completed and signed off the plan, from the cell the layout gives each contact field named in ``keys``
    (the fields a layout does not hold stay blank). The HWB sign-off answer must be Yes or No (any case)."""
    found = {key: cells.text(sheet, cell_of(key)) for key in keys}
    answer = found.get("hwb_signed_off", "")
    if answer.casefold() in ("yes", "no"):
        found["hwb_signed_off"] = answer.capitalize()
    elif answer:
        cells.error(
            sheet,
            cell_of("hwb_signed_off"),
            f"Signed off by the HWB at submission: must be Yes or No (got {shown(answer)})",
        )
        found["hwb_signed_off"] = ""
    return Contacts(**found)
