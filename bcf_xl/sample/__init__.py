"""The embedded sample plan: Northmoor, an invented two-tier area, for 2023-24 and 2024-25.

Every name and figure here is invented but shaped like a real plan: a county council and two
ICBs, five district councils sharing the DFG (with an in-year top-up and one agreed retention),
two pools and a risk pool, 45 schemes over ten themes funded from every kind of source, and six
metrics that rate Green, Amber, Red and No data. The plan balances and meets both minimum
spends; its agreed 2024-25 ASC minimum differs from the calculated one, which the checks flag
as a warning.

The plan is data shipped with the package: ``northmoor.toml`` holds everything but the schemes
(the keys of :func:`bcf_xl.mapping.plan_from_mapping`; TOML numbers are read as exact decimals),
and ``northmoor_schemes.csv`` one row a scheme, in columns named after the scheme's fields, with
``amount_<year>`` and ``outturn_<year>`` for each plan year (an outturn row left blank in every
year means no outturn yet; a blank optional cell means none).
"""

from __future__ import annotations

import csv
import io
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.mapping import plan_from_mapping
from bcf_xl.model import Plan
from bcf_xl.monitoring import Actuals, actuals_from_mapping, as_at

PLAN_FILE = "northmoor.toml"
SCHEMES_FILE = "northmoor_schemes.csv"
PLAN_2025_26_FILE = "northmoor_2025_26.toml"


@cache
def sample_plan() -> Plan:
    """The embedded sample plan, read from the package data once (a plan is immutable, so calls share it)."""
    return plan_from_mapping(sample_mapping())


def sample_plan_for(years: tuple[str, ...]) -> Plan:
    """The sample plan for ``years``: the embedded 2023-24 and 2024-25 plan, or its 2025-26 successor
    (:func:`sample_2025_26_mapping`).

    Raises:
        BcfInputError: there is no sample plan for those years.
    """
    if years == sample_plan().years:
        return sample_plan()
    if years == ("2025-26",):
        return _sample_2025_26()
    raise BcfInputError(
        Location(field="Plan years"), "the sample plan is for 2023-24 and 2024-25, or for 2025-26", ", ".join(years)
    )


@cache
def _sample_2025_26() -> Plan:
    return plan_from_mapping(sample_2025_26_mapping())


def sample_2025_26_mapping() -> dict[str, Any]:
    """The 2025-26 sample plan as plain data: the 2023-25 sample at its 2024-25 figures (sources and schemes with
    nothing that year left out), changed and completed by ``northmoor_2025_26.toml``."""
    data = sample_mapping()
    extra = tomllib.loads(
        resources.files(__package__).joinpath(PLAN_2025_26_FILE).read_text(encoding="utf-8"), parse_float=Decimal
    )
    kinds, chiefs = extra.pop("kinds"), extra.pop("chief_executives")
    last = len(data["years"]) - 1

    def carried(record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "amounts": [record["amounts"][last]]}

    sources = [carried(s) for s in data["sources"] if Decimal(str(s["amounts"][last] or 0))]
    for source in sources:
        source["kind"] = kinds.get(source["source_id"], source["kind"])
    schemes = [carried(s) for s in data["schemes"] if Decimal(str(s["amounts"][last] or 0))]
    for scheme in schemes:
        scheme |= {"prior_year_budget": scheme["amounts"][0], "additional_investment": 0, "outturn": []}
    data |= {
        "sources": sources,
        "schemes": schemes,
        "partners": [{**p, "chief_executive": chiefs.get(p["partner_id"], "")} for p in data["partners"]],
        "dfg": data["dfg"][last:],
        "performance_fund": None,
    }
    data["area"]["districts"] = [{**d, "dfg_allocation": d["dfg_allocation"][last:]} for d in data["area"]["districts"]]
    return data | extra


def sample_mapping() -> dict[str, Any]:
    """The embedded sample plan as plain data, as :func:`bcf_xl.mapping.plan_from_mapping` takes it."""
    folder = resources.files(__package__)
    data = tomllib.loads(folder.joinpath(PLAN_FILE).read_text(encoding="utf-8"), parse_float=Decimal)
    rows = csv.DictReader(io.StringIO(folder.joinpath(SCHEMES_FILE).read_text(encoding="utf-8")))
    data["schemes"] = [scheme_mapping(row, data["years"]) for row in rows]
    return data


def scheme_mapping(row: dict[str, str], years: list[str]) -> dict[str, Any]:
    """One CSV row as a scheme mapping: ``amount_<year>`` and ``outturn_<year>`` columns become per-year lists.

    Args:
        row: the row by column name, as :class:`csv.DictReader` gives it.
        years: the plan years, in order.
    """
    scheme: dict[str, Any] = dict(row)
    scheme["amounts"] = [scheme.pop(f"amount_{year}", None) for year in years]
    outturn = [scheme.pop(f"outturn_{year}", "") for year in years]
    scheme["outturn"] = outturn if any(outturn) else []
    return scheme


ACTUALS_FILE = "northmoor_actuals.toml"


def sample_actuals(quarter: int = 4) -> Actuals:
    """The sample plan's actuals for its first year as they stood at a quarter's return (4: the full year).

    Figures of later quarters are blank (:func:`bcf_xl.monitoring.as_at`), so ``sample_actuals(3)``
    is what the third quarter's return reports.

    Raises:
        BcfInputError: ``quarter`` is not 1 to 4.
    """
    return as_at(_full_year_actuals(), sample_plan().years[0], quarter)


@cache
def _full_year_actuals() -> Actuals:
    text = resources.files(__package__).joinpath(ACTUALS_FILE).read_text(encoding="utf-8")
    return actuals_from_mapping(tomllib.loads(text, parse_float=Decimal))
