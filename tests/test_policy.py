"""National parameters load from data with their sources, and an override file replaces entries."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from bcf_xl import policy as policy_module
from bcf_xl.errors import BcfInputError
from bcf_xl.policy import Policy, load_policy, progress_words


@pytest.mark.parametrize(
    ("year", "rate", "checked"),
    [
        ("2021-22", "0.053", True),
        ("2022-23", "0.0566", True),
        ("2023-24", "0.0566", True),
        ("2024-25", "0.0566", False),
        ("2025-26", "0.039", True),
        ("2017-18", "0.0179", False),
    ],
)
def test_shipped_uplifts(policy: Policy, year: str, rate: str, checked: bool) -> None:
    """The shipped uplift rates are docs/domain.md's, each with whether it was confirmed."""
    uplift = policy.uplift(year)
    assert uplift.rate == D(rate)
    assert uplift.checked is checked
    assert uplift.source


def test_unknown_uplift_year_says_which_are_known(policy: Policy) -> None:
    """Asking for a year with no rate names the year and lists the known ones."""
    with pytest.raises(BcfInputError, match=r"\[2026-27\].*known: 2017-18, .*2025-26"):
        policy.uplift("2026-27")


def test_bounds_and_vocabularies(policy: Policy) -> None:
    """Planning inputs run 0 to 1,000,000,000; the lists hold the template's words."""
    planning = policy.bound("planning")
    assert (planning.low, planning.high) == (D(0), D(1_000_000_000))
    assert planning.contains(D(1_000_000_000)) and not planning.contains(D("-0.01"))
    assert policy.bound("quarterly").high == D(100_000_000)
    assert "Acute" in policy.vocabularies["area_of_spend"]
    assert "Reablement at home" in policy.scheme_types["Home-based intermediate care services"]
    assert policy.scheme_types["Urgent Community Response"] == ()
    assert policy.progress_words["no_data"] == "Data not available to assess progress"


def test_override_file_adds_a_year_and_keeps_the_rest(tmp_path: Path) -> None:
    """An override replaces only the entries it names."""
    override = tmp_path / "2026.toml"
    override.write_text(
        '[uplift]\n"2026-27" = { rate = "0.041", checked = true, source = "Framework 2026-27" }\n'
        '"2025-26" = { rate = "0.040", checked = true, source = "Framework 2025-26" }\n',
        encoding="utf-8",
    )
    policy = load_policy(override)
    assert policy.uplift("2026-27").rate == D("0.041")
    assert policy.uplift("2025-26").rate == D("0.040")
    assert policy.uplift("2025-26").checked is True
    assert policy.uplift("2023-24").rate == D("0.0566")
    assert "2026.toml" in policy.origin


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[uplift\n", "must be valid TOML"),
        ('[uplift]\n"2026-27" = { rate = "five" }\n', r"uplift\.2026-27\.rate: must be a number"),
        ('[uplift]\n"2026/27" = { rate = "0.04" }\n', "a plan year must read like 2025-26"),
        ('[bounds]\nplanning = { min = "10", max = "1" }\n', "min must not exceed max"),
        ('[vocabulary]\nprovider = "Private Sector"\n', "must be a list of text"),
    ],
)
def test_bad_override_is_named(tmp_path: Path, text: str, message: str) -> None:
    """A broken override file gets one clear error naming the file and the entry."""
    override = tmp_path / "bad.toml"
    override.write_text(text, encoding="utf-8")
    with pytest.raises(BcfInputError, match=message):
        load_policy(override)


def test_missing_override_file(tmp_path: Path) -> None:
    """A missing override file is reported, not a traceback."""
    with pytest.raises(BcfInputError, match="cannot be read"):
        load_policy(tmp_path / "nowhere.toml")


def test_override_may_not_change_a_progress_word(tmp_path: Path) -> None:
    """The progress words have one source, the shipped national parameters: an override that changes one is
    refused, naming the file and the word, rather than loaded and ignored."""
    override = tmp_path / "words.toml"
    override.write_text('[metric_progress]\non_track = "On Track"\n', encoding="utf-8")
    with pytest.raises(
        BcfInputError,
        match=r"words\.toml'? metric_progress\.on_track: the progress and achievement words .*\(got \"On Track\"\)",
    ):
        load_policy(override)


def test_override_repeating_the_progress_words_loads(tmp_path: Path) -> None:
    """An override that repeats a shipped progress word unchanged (a copy of the shipped file) is accepted."""
    override = tmp_path / "copy.toml"
    override.write_text('[metric_progress]\nno_data = "Data not available to assess progress"\n', encoding="utf-8")
    assert load_policy(override).progress_words == progress_words()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"on_track": "On track", "not_on_track": "Not on track"}, r"metric_progress: must give exactly the words"),
        ({"on_track": "On track", "not_on_track": "Not on track", "no_data": "", "late": "Late"}, "exactly the words"),
        ({"on_track": "On track", "not_on_track": 1, "no_data": "x"}, r"metric_progress\.not_on_track: must be text"),
    ],
)
def test_broken_shipped_progress_words_are_named(
    monkeypatch: pytest.MonkeyPatch, table: dict[str, object], message: str
) -> None:
    """A shipped progress table with a word missing, an unknown word or a word that is not text is named."""
    monkeypatch.setattr(policy_module, "_shipped", lambda: {"metric_progress": table})
    with pytest.raises(BcfInputError, match=message):
        progress_words()
