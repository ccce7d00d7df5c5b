"""Actuals from a TOML file, in the shape of :func:`bcf_xl.monitoring.actuals_from_mapping`."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.monitoring import Actuals, actuals_from_mapping


def read_actuals(path: Path) -> Actuals:
    """The actuals a TOML file holds (figures exact: TOML floats are read as Decimal).

    Raises:
        BcfInputError: the file is not UTF-8 TOML; it names the file, the line and what is wrong.
        ActualsError: the data cannot make actuals (every problem with its path).
    """
    where = Location(sheet=path.name, field="--actuals")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BcfInputError(where, "must be a UTF-8 text file of TOML", show_got=False) from None
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise BcfInputError(where, f"is not valid TOML ({exc})", show_got=False) from None
    return actuals_from_mapping(data)
