"""A plan's records as the cells of a workbook show them: one reading shared by every builder.

Enums show as their text, money stays Decimal (the adapters store it as a number), and what a record does not
have is None (a blank cell). Per-year fields are left to each layout, which keys them its own way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import Enum

from bcf_xl.model import Plan, Scheme

CONTACT_FIELDS = (
    "completed_by",
    "job_title",
    "email",
    "telephone",
    "signed_off_by",
    "sign_off_date",
    "hwb_chair",
    "director_asc",
    "section151",
    "hwb_signed_off",
)


def cover_values(plan: Plan) -> dict[str, object]:
    """The Cover's single inputs by field name: area, area_kind, year1, year2..., then the contacts."""
    values: dict[str, object] = {"area": plan.area.name, "area_kind": plan.area.kind.value}
    values |= {f"year{index + 1}": year for index, year in enumerate(plan.years)}
    values |= {key: getattr(plan.contacts, key) for key in CONTACT_FIELDS}
    return values


SCHEME_FIELDS = (
    "scheme_id",
    "name",
    "description",
    "scheme_type",
    "sub_type",
    "area_of_spend",
    "commissioner",
    "nhs_share",
    "provider",
    "source",
    "status",
    "theme",
    "pool",
    "prior_year_budget",
    "additional_investment",
)


def field_values(record: object, keys: Iterable[str]) -> dict[str, object]:
    """The fields of ``record`` named in ``keys``, enums as their text; keys the record has no field for are left
    out (a layout's computed columns)."""
    values: dict[str, object] = {}
    for key in keys:
        if hasattr(record, key):
            value = getattr(record, key)
            values[key] = value.value if isinstance(value, Enum) else value
    return values


def per_year(prefix: str, values: Sequence[object]) -> dict[str, object]:
    """Per-year values keyed as the planning workbook keys them: ``amount1``, ``amount2``..."""
    return {f"{prefix}{index + 1}": value for index, value in enumerate(values)}


def scheme_values(scheme: Scheme) -> dict[str, object]:
    """A scheme's single fields by name (its amounts per year are keyed by each layout)."""
    return field_values(scheme, SCHEME_FIELDS)


def dfg_inputs(plan: Plan | None, index: int) -> tuple[Decimal | None, Decimal | None]:
    """The DFG received and the in-year top-ups (summed) of plan year ``index`` (0-based); None where unknown."""
    if plan is None or index >= len(plan.dfg):
        return None, None
    year = plan.dfg[index]
    return year.received, sum(year.top_ups, Decimal(0))


def retained(plan: Plan | None, district_id: str, index: int) -> tuple[Decimal | None, str | None]:
    """What a district agreed the county keeps of year ``index``'s DFG, and the agreements' references joined
    by '; ' (None, None where it agreed nothing)."""
    if plan is None or index >= len(plan.dfg):
        return None, None
    kept = [r for r in plan.dfg[index].retentions if r.district_id == district_id]
    if not kept:
        return None, None
    return sum((r.amount for r in kept), Decimal(0)), "; ".join(r.agreement_reference for r in kept)
