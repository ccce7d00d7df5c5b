"""National parameters as data: uplift rates by year, numeric bounds, closed vocabularies and the
progress words of the national return.

The figures live in ``national.toml`` beside this module, each with its source. When a new
framework year arrives a user supplies an override file of the same shape; its entries replace
the shipped ones of the same name (:func:`load_policy`). The progress words are the one
exception: the engine's :class:`~bcf_xl.metrics.Progress` takes them from the shipped file
(:func:`progress_words`), so they are changed there and an override file may not change them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import check_year
from bcf_xl.money import to_decimal

_SHIPPED = "national.toml"
#: The keys of ``[metric_progress]``: a metric on track, not on track, or without the data to say.
PROGRESS_KEYS = ("on_track", "not_on_track", "no_data")


@dataclass(frozen=True, slots=True)
class Uplift:
    """The NHS minimum uplift of one framework year, with where the figure comes from."""

    year: str
    rate: Decimal
    checked: bool
    source: str


@dataclass(frozen=True, slots=True)
class Bound:
    """The numeric range an input cell accepts."""

    name: str
    low: Decimal
    high: Decimal
    source: str

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class Policy:
    """National parameters, loaded from data files."""

    uplifts: Mapping[str, Uplift]
    bounds: Mapping[str, Bound]
    vocabularies: Mapping[str, tuple[str, ...]]
    scheme_types: Mapping[str, tuple[str, ...]]
    #: The progress words by key (see :func:`progress_words`); :class:`bcf_xl.metrics.Progress` shows them.
    progress_words: Mapping[str, str]
    origin: str

    def uplift(self, year: str) -> Uplift:
        """The uplift of a year, or an error saying which years are known."""
        try:
            return self.uplifts[year]
        except KeyError:
            known = ", ".join(sorted(self.uplifts))
            raise BcfInputError(
                Location(field="uplift", item=year),
                f"no uplift rate is known for this year (known: {known}); supply one in a policy file",
                year,
            ) from None

    def bound(self, name: str) -> Bound:
        return self.bounds[name]


def load_policy(override: Path | None = None) -> Policy:
    """Load the shipped national parameters, with an optional override file on top.

    Args:
        override: a TOML file shaped like ``national.toml``; each table entry it names replaces
            the shipped one (so a file with one ``[uplift]`` line adds or corrects one year).

    Raises:
        BcfInputError: the override file is missing, not TOML, or holds a value of the wrong kind.
    """
    data = _shipped()
    origin = "shipped national parameters"
    if override is not None:
        extra = _read_override(override)
        _known_tables(extra, data, str(override))
        _keep_progress_words(extra, data, Location(sheet=str(override), field="metric_progress"))
        data = _merge(data, extra)
        origin = f"shipped national parameters with {override.name}"
    return _build(data, origin, str(override) if override else _SHIPPED)


def progress_words() -> Mapping[str, str]:
    """The national return's progress words, from the shipped ``[metric_progress]`` table, by key.

    They are the words :class:`bcf_xl.metrics.Progress` (and so ``bcf_progress``, the report and
    the workbooks) shows: ``on_track``, ``not_on_track`` and ``no_data``.

    Raises:
        BcfInputError: the shipped table lacks a key, has an unknown one, or a word is not text.
    """
    return _progress_table(_shipped(), Location(sheet=_SHIPPED, field="metric_progress"))


def _shipped() -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath(_SHIPPED).read_text(encoding="utf-8"))


def _progress_table(data: dict[str, Any], where: Location) -> Mapping[str, str]:
    table = _table(data, "metric_progress", where)
    if sorted(table) != sorted(PROGRESS_KEYS):
        raise BcfInputError(where, f"must give exactly the words {', '.join(PROGRESS_KEYS)}", ", ".join(table))
    for key, word in table.items():
        if not isinstance(word, str) or not word.strip():
            raise BcfInputError(Location(sheet=where.sheet, field=f"metric_progress.{key}"), "must be text", word)
    return MappingProxyType({key: table[key] for key in PROGRESS_KEYS})


def _keep_progress_words(extra: dict[str, Any], shipped: dict[str, Any], where: Location) -> None:
    """Refuse an override that would change a progress word: the engine takes them from the shipped file only."""
    table = _table(extra, "metric_progress", where)
    for key, word in table.items():
        if shipped["metric_progress"].get(key) != word:
            raise BcfInputError(
                Location(sheet=where.sheet, field=f"metric_progress.{key}"),
                "the progress words are the national return's and cannot be overridden; "
                "they are changed in the shipped national.toml",
                word,
            )


def _read_override(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BcfInputError(Location(field=str(path)), "the policy file cannot be read", exc.strerror) from None
    except UnicodeDecodeError:
        raise BcfInputError(Location(field=str(path)), "the policy file must be UTF-8 text", "binary data") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BcfInputError(Location(field=str(path)), "the policy file must be valid TOML", str(exc)) from None


def _known_tables(extra: dict[str, Any], shipped: dict[str, Any], file_name: str) -> None:
    """Refuse a table the shipped parameters do not have: a misspelt name would otherwise change nothing."""
    for key in extra:
        if key not in shipped:
            raise BcfInputError(
                Location(sheet=file_name, field=key),
                f"is not a table of national parameters (known: {', '.join(sorted(shipped))})",
                show_got=False,
            )


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build(data: dict[str, Any], origin: str, file_name: str) -> Policy:
    def where(*names: str) -> Location:
        return Location(sheet=file_name, field=".".join(names))

    uplifts: dict[str, Uplift] = {}
    for year, entry in _table(data, "uplift", where("uplift")).items():
        check_year(year, where("uplift", year))
        entry = _entry(entry, where("uplift", year))
        rate = to_decimal(entry.get("rate"), where("uplift", year, "rate"))
        if rate <= -1:
            raise BcfInputError(where("uplift", year, "rate"), "must be above -1 (a fraction: 0.0566 for 5.66%)", rate)
        uplifts[year] = Uplift(
            year=year,
            rate=rate,
            checked=_flag(entry.get("checked", False), where("uplift", year, "checked")),
            source=_text(entry.get("source", ""), where("uplift", year, "source")),
        )
    bounds: dict[str, Bound] = {}
    for name, entry in _table(data, "bounds", where("bounds")).items():
        entry = _entry(entry, where("bounds", name))
        low = to_decimal(entry.get("min"), where("bounds", name, "min"))
        high = to_decimal(entry.get("max"), where("bounds", name, "max"))
        if low > high:
            raise BcfInputError(where("bounds", name), "min must not exceed max", f"{low} > {high}")
        bounds[name] = Bound(name, low, high, _text(entry.get("source", ""), where("bounds", name, "source")))
    vocab_table = _table(data, "vocabulary", where("vocabulary"))
    vocabularies = {
        name: _words(words, where("vocabulary", name)) for name, words in vocab_table.items() if name != "scheme_types"
    }
    scheme_types = {
        name: _words(subs, where("vocabulary", "scheme_types", name), may_be_empty=True)
        for name, subs in _table(vocab_table, "scheme_types", where("vocabulary", "scheme_types")).items()
    }
    progress = _progress_table(data, where("metric_progress"))
    return Policy(
        uplifts=MappingProxyType(uplifts),
        bounds=MappingProxyType(bounds),
        vocabularies=MappingProxyType(vocabularies),
        scheme_types=MappingProxyType(scheme_types),
        progress_words=progress,
        origin=origin,
    )


def _table(data: dict[str, Any], key: str, where: Location) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise BcfInputError(where, "must be a table", value)
    return value


def _entry(value: object, where: Location) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BcfInputError(where, 'must be a table such as { rate = "0.039", source = "..." }', value)
    return value


def _words(value: object, where: Location, *, may_be_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise BcfInputError(where, "must be a list of text", value)
    if not value and not may_be_empty:  # an empty list would make every value of its cells wrong
        raise BcfInputError(where, "must list at least one entry", value)
    return tuple(value)


def _flag(value: object, where: Location) -> bool:
    if not isinstance(value, bool):
        raise BcfInputError(where, "must be true or false", value)
    return value


def _text(value: object, where: Location) -> str:
    if not isinstance(value, str):
        raise BcfInputError(where, "must be text", value)
    return value
