"""Plans from plain data and back: exact numbers, enum text, every problem named with its path."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bcf_xl.errors import BcfError, PlanError
from bcf_xl.mapping import plan_from_mapping, plan_to_mapping
from bcf_xl.model import Commissioner, PartnerKind, Plan, RiskShareTerms, SourceKind
from bcf_xl.sample import sample_plan
from bcf_xl.submission.definition import YEAR_2023_25, YEAR_2025_26, TemplateYear
from tests.plans import plans

Mapping = dict[str, Any]


def sample() -> Mapping:
    """A fresh mapping of the sample plan that a test may change freely."""
    return plan_to_mapping(sample_plan())


def problems_of(data: Mapping) -> tuple[str, ...]:
    with pytest.raises(PlanError) as caught:
        plan_from_mapping(data)
    return caught.value.problems


# --- round trips ------------------------------------------------------------------------------------


def test_sample_round_trips_through_json() -> None:
    """plan_to_mapping gives JSON-safe data that plan_from_mapping turns back into the same plan."""
    plan = sample_plan()
    text = json.dumps(plan_to_mapping(plan))
    assert plan_from_mapping(json.loads(text)) == plan


def test_mapping_keeps_amounts_exact_as_text() -> None:
    """Amounts come out as plain-notation text with every digit, never as floats."""
    data = sample()
    dfg = next(s for s in data["sources"] if s["source_id"] == "DFG")
    assert dfg["amounts"] == ["4385123.45", "4350000.00"]
    assert dfg["kind"] == "Disabled Facilities Grant" and type(dfg["kind"]) is str
    assert data["performance_fund"]["achieved_by_quarter"] == ["0.025", "0.018", "0", "-0.004"]
    assert data["asc_minimum"]["agreed"] == [None, "12559541.00"]
    assert not _floats(data)


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats(item)]
    if isinstance(value, list):
        return [f for item in value for f in _floats(item)]
    return []


def test_exponent_amounts_are_written_in_plain_notation() -> None:
    """A Decimal held with an exponent (1E+3, 1E-7) is written as plain digits and read back equal."""
    plan = sample_plan()
    terms = RiskShareTerms(override=(("NCC", D("1E-7")),), risk_pool_balance=D("1E+3"))
    data = plan_to_mapping(Plan(**{**_fields(plan), "risk_terms": terms}))
    assert data["risk_terms"]["override"] == [["NCC", "0.0000001"]]
    assert data["risk_terms"]["risk_pool_balance"] == "1000"
    assert plan_from_mapping(data).risk_terms == terms


def _fields(plan: Plan) -> dict[str, object]:
    return {name: getattr(plan, name) for name in Plan.__dataclass_fields__}


@pytest.mark.parametrize("year", [YEAR_2025_26, YEAR_2023_25], ids=lambda y: y.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_plans_round_trip(year: TemplateYear, data: st.DataObject) -> None:
    """For any valid plan, plan_from_mapping(plan_to_mapping(plan)) == plan, through JSON text too."""
    plan = data.draw(plans(year))
    assert plan_from_mapping(json.loads(json.dumps(plan_to_mapping(plan)))) == plan


# --- conversions ------------------------------------------------------------------------------------


def test_floats_are_read_through_repr() -> None:
    """A float becomes the Decimal of its shortest repr: 0.1 is exactly 0.1, not 0.1000000000000000055..."""
    data = sample()
    data["schemes"][0]["amounts"] = [0.1, 4385123.45]
    data["metrics"][1]["tolerance"] = 0.02
    plan = plan_from_mapping(data)
    assert plan.schemes[0].amounts == (D("0.1"), D("4385123.45"))
    assert str(plan.schemes[0].amounts[0]) == "0.1"
    assert str(plan.metrics[1].tolerance) == "0.02"


@pytest.mark.parametrize(
    ("given", "expected"),
    [(1234, D("1234")), ("1234.50", D("1234.50")), ("£1,234.50", D("1234.50")), (D("7.125"), D("7.125"))],
)
def test_amounts_from_ints_text_and_decimals(given: object, expected: D) -> None:
    """An amount may be an int, a Decimal or text such as "1234.50" or "£1,234.50", read exactly."""
    data = sample()
    data["sources"][0]["amounts"][1] = given
    amount = plan_from_mapping(data).sources[0].amounts[1]
    assert amount == expected and str(amount) == str(expected)


def test_enum_text_becomes_the_member() -> None:
    """Enum fields take the exact text of a value and hold the enum member itself."""
    data = sample()
    data["partners"][1]["kind"] = "ICB"
    data["schemes"][0]["commissioner"] = "ICB"
    plan = plan_from_mapping(data)
    assert plan.partners[1].kind is PartnerKind.ICB
    assert plan.schemes[0].commissioner is Commissioner.ICB
    assert plan.sources[2].kind is SourceKind.DFG


def test_optional_fields_may_be_left_out_or_blank() -> None:
    """A field with a default may be omitted; an optional number may be None or blank text."""
    data = {
        "area": {"name": "Westby", "kind": "Unitary"},
        "years": ["2025-26"],
        "partners": [{"partner_id": "LA", "name": "Westby Council", "kind": "Council"}],
        "sources": [{"source_id": "DFG", "kind": "Disabled Facilities Grant", "contributor": "LA", "amounts": [900]}],
        "pools": [],
        "schemes": [],
        "asc_minimum": {"prior_year": "1000000", "agreed": [""]},
    }
    plan = plan_from_mapping(data)
    assert plan.metrics == () and plan.dfg == () and plan.performance_fund is None
    assert plan.sources[0].description == ""
    assert plan.asc_minimum is not None and plan.asc_minimum.agreed == (None,)


def test_risk_override_as_a_table() -> None:
    """risk_terms.override takes a table of partner ID to weight as well as a list of pairs."""
    data = sample()
    data["risk_terms"]["override"] = {"NCC": "0.6", "NME": 0.4}
    assert plan_from_mapping(data).risk_terms.override == (("NCC", D("0.6")), ("NME", D("0.4")))


# --- problems ---------------------------------------------------------------------------------------


def test_three_mistakes_are_all_named() -> None:
    """A mapping with three different mistakes raises one PlanError naming all three paths."""
    data = sample()
    data["schemes"][3]["amounts"][1] = "lots"
    data["partners"][0]["kind"] = "NHS"
    data["sources"][2]["amout"] = data["sources"][2].pop("amounts")
    with pytest.raises(PlanError) as caught:
        plan_from_mapping(data)
    assert caught.value.problems == (
        'partners[0].kind: must be one of Council, ICB (got "NHS")',
        'sources[2]: unknown field "amout" (did you mean "amounts"?)',
        'sources[2]: missing field "amounts"',
        'schemes[3].amounts[1]: must be an amount (got "lots")',
    )
    message = str(caught.value)
    assert message.splitlines()[0] == "the plan has 4 problems:"
    assert all(f"  {line}" in message.splitlines() for line in caught.value.problems)
    assert isinstance(caught.value, BcfError)


def test_repeated_ids_are_findings_not_plan_errors() -> None:
    """A repeated Source ID is a rule between records: the plan builds and check BCF15 names the repeat."""
    from bcf_xl import run_checks
    from bcf_xl.findings import Target

    data = sample()
    data["sources"][1]["source_id"] = data["sources"][0]["source_id"]
    plan = plan_from_mapping(data)
    repeats = [f.target for f in run_checks(plan) if f.code == "BCF15"]
    assert repeats == [Target("source", data["sources"][0]["source_id"], "source_id", occurrence=1)]


def _set(path: str, value: object) -> Callable[[Mapping], None]:
    """A change to the sample mapping: set the value at a dotted path such as ``schemes.3.amounts.1``."""

    def change(data: Mapping) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_set("schemes.3.amounts.1", "lots"), 'schemes[3].amounts[1]: must be an amount (got "lots")'),
        (_set("schemes.3.amounts.1", None), "schemes[3].amounts[1]: must be an amount (got a blank)"),
        (_set("schemes.3.amounts.1", True), "schemes[3].amounts[1]: must be an amount (got TRUE)"),
        (_set("schemes.3.amounts.1", float("nan")), "schemes[3].amounts[1]: must be a finite number (got nan)"),
        (_set("schemes.3.amounts", "1000"), 'schemes[3].amounts: must be a list (got "1000")'),
        (
            _set("schemes.3.amounts", ["1", "2", "3"]),
            "schemes[3].amounts: must hold one value per plan year, 2 in all (got 3)",
        ),
        (
            _set("area.districts.1.dfg_allocation", ["1"]),
            "area.districts[1].dfg_allocation: must hold one value per plan year, 2 in all (got 1)",
        ),
        (_set("ooh_minimum", ["1"]), "ooh_minimum: must hold one value per plan year, 2 in all (got 1)"),
        (_set("partners.0.kind", "NHS"), 'partners[0].kind: must be one of Council, ICB (got "NHS")'),
        (
            _set("schemes.0.commissioner", "LOCAL_AUTHORITY"),
            'schemes[0].commissioner: must be one of Local Authority, ICB, Joint (got "LOCAL_AUTHORITY")',
        ),
        (_set("sources.2.amout", 1), 'sources[2]: unknown field "amout" (did you mean "amounts"?)'),
        (_set("pools.2.is_risk_pool", "yes"), 'pools[2].is_risk_pool: must be true or false (got "yes")'),
        (_set("partners.1.name", 42), "partners[1].name: must be text (got 42)"),
        (_set("metrics.0.population", "many"), 'metrics[0].population: must be a whole number (got "many")'),
        (_set("metrics.0.population", 1.5), "metrics[0].population: must be a whole number (got 1.5)"),
        (_set("years.1", "2024/25"), 'years[1]: a plan year must read like 2025-26 (got "2024/25")'),
        (
            _set("years", ["2023-24", "2025-26"]),
            'years: the two plan years must follow each other (got "2023-24 and 2025-26")',
        ),
        (_set("contacts", "Priya"), 'contacts: must be a mapping of field names to values (got "Priya")'),
        (
            _set("performance_fund.achieved_by_quarter", [1, 2, 3]),
            "performance_fund.achieved_by_quarter: must be a list of 4 values (got a list of 3 values)",
        ),
        (
            _set("schemes.1.commissioner", "Joint"),
            "schemes[1]: [S002] NHS share: a joint scheme needs its NHS share as a fraction from 0 to 1 (got a blank)",
        ),
    ],
)
def test_each_mistake_is_named_with_its_path(change: Callable[[Mapping], None], problem: str) -> None:
    """Each kind of mistake is reported at its path, with the rule and what arrived."""
    data = sample()
    change(data)
    assert problems_of(data) == (problem,)


def test_missing_fields_are_named() -> None:
    """A required field left out is named on the record that lacks it."""
    data = sample()
    del data["schemes"][4]["provider"]
    del data["area"]
    assert problems_of(data) == ('plan: missing field "area"', 'schemes[4]: missing field "provider"')


def test_not_a_mapping_is_one_problem() -> None:
    """Data that is not a mapping at all is refused as a whole."""
    with pytest.raises(PlanError) as caught:
        plan_from_mapping([])  # type: ignore[arg-type]
    assert caught.value.problems == ("plan: must be a mapping of field names to values (got a list of 0 values)",)
