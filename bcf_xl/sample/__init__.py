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

from bcf_xl.mapping import plan_from_mapping
from bcf_xl.model import Plan
from bcf_xl.monitoring import Actuals, actuals_from_mapping, as_at

PLAN_FILE = "northmoor.toml"
SCHEMES_FILE = "northmoor_schemes.csv"


@cache
def sample_plan() -> Plan:
    """The embedded sample plan, read from the package data once (a plan is immutable, so calls share it)."""
    return plan_from_mapping(sample_mapping())


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
