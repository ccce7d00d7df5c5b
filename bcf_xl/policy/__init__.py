"""National parameters as data: uplift rates by year, numeric bounds, closed vocabularies, the
progress and achievement words of the national returns, and the standard population of
age-standardised rates.

The figures live in ``national.toml`` beside this module, each with its source. When a new
framework year arrives a user supplies an override file of the same shape; its entries replace
the shipped ones of the same name (:func:`load_policy`). The words are the one exception: the
engine's :class:`~bcf_xl.metrics.Progress` and :class:`~bcf_xl.metrics.Achievement` take them
from the shipped file (:func:`progress_words`, :func:`achievement_words`), so they are changed
there and an override file may not change them.
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
#: The keys of ``[metric_achievement]``: a metric's target achieved at year end, not achieved, or no data.
ACHIEVEMENT_KEYS = ("achieved", "not_achieved", "no_data")
#: The tables of words the engine takes from the shipped file only, with their keys.
WORD_TABLES = {
    "metric_progress": PROGRESS_KEYS,
    "metric_achievement": ACHIEVEMENT_KEYS,
    "metric_words_earlier": PROGRESS_KEYS,
}


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
class StandardPopulation:
    """A standard population for directly age-standardised rates: a weight per age band, with its source."""

    name: str
    source: str
    bands: tuple[str, ...]
    weights: tuple[Decimal, ...]
    #: The first band of the people aged 65 and over (the BCF falls metric's bands).
    older_people_from: str

    def weights_from(self, band: str) -> tuple[Decimal, ...]:
        """The weights of ``band`` and every older band: ``weights_from("65-69")`` gives the six 65+ weights."""
        return self.weights[self.bands.index(band) :]

    @property
    def older_people(self) -> tuple[tuple[str, Decimal], ...]:
        """The bands of people aged 65 and over with their weights (ESP2013: 65-69 ... 90+, summing to 19,500)."""
        start = self.bands.index(self.older_people_from)
        return tuple(zip(self.bands[start:], self.weights[start:], strict=True))


@dataclass(frozen=True, slots=True)
class Policy:
    """National parameters, loaded from data files."""

    uplifts: Mapping[str, Uplift]
    bounds: Mapping[str, Bound]
    vocabularies: Mapping[str, tuple[str, ...]]
    scheme_types: Mapping[str, tuple[str, ...]]
    #: The progress words by key (see :func:`progress_words`); :class:`bcf_xl.metrics.Progress` shows them.
    progress_words: Mapping[str, str]
    #: The year-end words by key (see :func:`achievement_words`); :class:`bcf_xl.metrics.Achievement` shows them.
    achievement_words: Mapping[str, str]
    #: The short progress words of earlier versions by key, which readers still accept.
    earlier_words: Mapping[str, str]
    standard_population: StandardPopulation
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
        _keep_words(extra, data, str(override))
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
    return _word_table(_shipped(), "metric_progress", _SHIPPED)


def achievement_words() -> Mapping[str, str]:
    """The end-of-year return's words, from the shipped ``[metric_achievement]`` table, by key.

    They are the words :class:`bcf_xl.metrics.Achievement` (and so ``bcf_achieved``) shows:
    ``achieved``, ``not_achieved`` and ``no_data``.

    Raises:
        BcfInputError: the shipped table lacks a key, has an unknown one, or a word is not text.
    """
    return _word_table(_shipped(), "metric_achievement", _SHIPPED)


def earlier_words() -> Mapping[str, str]:
    """The short progress words earlier versions wrote (``[metric_words_earlier]``), by the key of today's words.

    Raises:
        BcfInputError: the shipped table lacks a key, has an unknown one, or a word is not text.
    """
    return _word_table(_shipped(), "metric_words_earlier", _SHIPPED)


def _shipped() -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath(_SHIPPED).read_text(encoding="utf-8"))


def _word_table(data: dict[str, Any], name: str, file_name: str) -> Mapping[str, str]:
    keys = WORD_TABLES[name]
    where = Location(sheet=file_name, field=name)
    table = _table(data, name, where)
    if sorted(table) != sorted(keys):
        raise BcfInputError(where, f"must give exactly the words {', '.join(keys)}", ", ".join(table))
    for key, word in table.items():
        if not isinstance(word, str) or not word.strip():
            raise BcfInputError(Location(sheet=file_name, field=f"{name}.{key}"), "must be text", word)
    return MappingProxyType({key: table[key] for key in keys})


def _keep_words(extra: dict[str, Any], shipped: dict[str, Any], file_name: str) -> None:
    """Refuse an override that would change a national word: the engine takes them from the shipped file only."""
    for name in WORD_TABLES:
        table = _table(extra, name, Location(sheet=file_name, field=name))
        for key, word in table.items():
            if shipped[name].get(key) != word:
                raise BcfInputError(
                    Location(sheet=file_name, field=f"{name}.{key}"),
                    "the progress and achievement words are the national returns' and cannot be overridden; "
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
    return Policy(
        uplifts=MappingProxyType(uplifts),
        bounds=MappingProxyType(bounds),
        vocabularies=MappingProxyType(vocabularies),
        scheme_types=MappingProxyType(scheme_types),
        progress_words=_word_table(data, "metric_progress", file_name),
        achievement_words=_word_table(data, "metric_achievement", file_name),
        earlier_words=_word_table(data, "metric_words_earlier", file_name),
        standard_population=_standard_population(data, file_name),
        origin=origin,
    )


def _standard_population(data: dict[str, Any], file_name: str) -> StandardPopulation:
    """The ``[standard_population]`` table: one weight above 0 per named band, and where the bands of 65+ start."""

    def where(name: str = "") -> Location:
        return Location(sheet=file_name, field="standard_population" + (f".{name}" if name else ""))

    table = _table(data, "standard_population", where())
    bands = _words(table.get("bands"), where("bands"))
    weights = table.get("weights")
    if not isinstance(weights, list) or len(weights) != len(bands):
        raise BcfInputError(where("weights"), f"must be a list of {len(bands)} weights, one per band", weights)
    values = tuple(to_decimal(weight, where("weights")) for weight in weights)
    if any(value <= 0 for value in values):
        raise BcfInputError(where("weights"), "each weight must be above 0", ", ".join(map(str, values)))
    older = _text(table.get("older_people_from"), where("older_people_from"))
    if older not in bands:
        raise BcfInputError(where("older_people_from"), f"must be one of the bands ({', '.join(bands)})", older)
    return StandardPopulation(
        name=_text(table.get("name"), where("name")),
        source=_text(table.get("source"), where("source")),
        bands=bands,
        weights=values,
        older_people_from=older,
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
