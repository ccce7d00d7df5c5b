"""The shortcuts that read a plan quickly give exactly what the full path gives: the same values, the same
findings, the same records and the same refusals."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bcf_xl.collate.returns import AREA_OF_SPEND, COMMISSIONER, SCHEME_TYPE, _figures, plan_years
from bcf_xl.errors import BcfInputError
from bcf_xl.model import AreaOfSpend, Commissioner, Plan, Scheme, SchemeStatus, _check_scheme, _plainly_valid
from bcf_xl.pooling import Dimension, totals_by
from bcf_xl.submission.definition import YEARS as TEMPLATE_YEARS
from bcf_xl.workbook.reading import CellReader, RowCells
from bcf_xl.workbook.tables import CHOICE, MONEY, Field, Table
from tests.plans import plans

# What a cell may hold, the awkward kinds included.
CELL_VALUES = (
    None,
    "",
    "   ",
    " Social care ",
    "SOCIAL CARE",
    "Acute",
    "acute!",
    "Joint",
    " 12 ",
    "£1,234.50",
    "(1,234.50)",
    "1,23",
    "twelve",
    0,
    -0.0,
    7,
    2.5,
    1e20,
    float("nan"),
    True,
    D("3.10"),
    D("NaN"),
    dt.datetime(2024, 4, 1),
    dt.datetime(2024, 4, 1, 9, 30),
    dt.date(2024, 4, 1),
)

TABLE = Table(
    "Expenditure",
    "Schemes",
    1,
    len(CELL_VALUES),
    (
        Field("scheme_id", "Scheme ID"),
        Field("area_of_spend", "Area of Spend", CHOICE),
        Field("amount1", "Expenditure 2024-25 (£)", MONEY),
    ),
)


def test_a_row_reads_each_value_as_the_cell_reader_does() -> None:
    """Reading a field of a table row gives the value and the finding (message and cell) that reading its cell
    through the cell reader gives, for every kind of value a cell can hold."""
    values: dict[tuple[str, str], object] = {}
    for row, value in zip(TABLE.data_rows, CELL_VALUES, strict=True):
        for key in ("scheme_id", "area_of_spend", "amount1"):
            values[("Expenditure", TABLE.cell(key, row))] = value
    by_row, by_cell = CellReader(values), CellReader(values)
    for row in TABLE.data_rows:
        r = RowCells(by_row, TABLE, row)
        cell = {key: TABLE.cell(key, row) for key in ("scheme_id", "area_of_spend", "amount1")}
        assert r.text("scheme_id") == by_cell.text("Expenditure", cell["scheme_id"])
        assert r.raw("scheme_id") is by_cell.raw("Expenditure", cell["scheme_id"])
        assert r.choice("area_of_spend", AreaOfSpend) == by_cell.choice(
            "Expenditure", cell["area_of_spend"], "Area of Spend", AreaOfSpend
        )
        for required in (False, True):
            assert r.amount("amount1", required=required) == by_cell.amount(
                "Expenditure", cell["amount1"], "Expenditure 2024-25", required=required
            )
    assert by_row.findings == by_cell.findings
    assert len(by_row.findings) >= 10  # the awkward values were refused, not waved through


def _fields(scheme: Scheme) -> tuple[object, ...]:
    return tuple(getattr(scheme, name) for name in Scheme.__slots__)


def _made(fields: dict[str, object]) -> tuple[object, ...]:
    """A scheme built as every caller builds one, or the refusal's kind and message."""
    try:
        return ("made", _fields(Scheme(**fields)))  # type: ignore[arg-type]
    except Exception as exc:
        return ("refused", type(exc), str(exc))


def _checked(fields: dict[str, object]) -> tuple[object, ...]:
    """The same fields put through the full field-by-field check alone."""
    scheme = object.__new__(Scheme)
    for name, value in fields.items():
        object.__setattr__(scheme, name, value)
    try:
        _check_scheme(scheme)
    except Exception as exc:
        return ("refused", type(exc), str(exc))
    return ("made", _fields(scheme))


class Words(str):
    """Text of a subclass of str: valid, though not of the exact type the shortcut takes."""


TEXT_VALUES = ["S1", "Home care", "", "  ", Words("S2"), 5, None]
AMOUNT_VALUES = [D("10.00"), D("-3"), D("0"), D("NaN"), D("Infinity"), 1, 2.5, None, "12"]
TEXTS = st.sampled_from(TEXT_VALUES)
AMOUNT = st.sampled_from(AMOUNT_VALUES)
SCHEME_FIELDS = st.fixed_dictionaries(
    {
        "scheme_id": TEXTS,
        "name": TEXTS,
        "description": TEXTS,
        "scheme_type": TEXTS,
        "sub_type": TEXTS,
        "area_of_spend": st.sampled_from([AreaOfSpend.ACUTE, "Acute", "acute", "Nowhere", None]),
        "commissioner": st.sampled_from([*Commissioner, "Joint", "ICB", "joint", 3]),
        "provider": TEXTS,
        "source": TEXTS,
        "amounts": st.one_of(st.lists(AMOUNT, max_size=3).map(tuple), st.lists(AMOUNT, max_size=3), st.just("10")),
        "status": st.sampled_from([SchemeStatus.NEW, "Existing", "existing"]),
        "theme": TEXTS,
        "pool": TEXTS,
        "nhs_share": st.sampled_from([None, D("0"), D("0.6"), D("1"), D("1.5"), D("-0.1"), D("Infinity"), D("NaN")]),
        "prior_year_budget": st.sampled_from([None, D("5")]),
        "additional_investment": st.sampled_from([None, D("5")]),
        "outturn": st.one_of(st.lists(AMOUNT, max_size=3).map(tuple), st.lists(AMOUNT, max_size=3)),
    }
)
# Nearly valid schemes, one field at a time astray: the shortcut's edge.
VALID = {
    "scheme_id": "S1",
    "name": "Home care",
    "description": "",
    "scheme_type": "Home Care",
    "sub_type": "",
    "area_of_spend": AreaOfSpend.SOCIAL_CARE,
    "commissioner": Commissioner.JOINT,
    "provider": "Private Sector",
    "source": "NHS1",
    "amounts": (D("10.00"), D("12.50")),
    "status": SchemeStatus.EXISTING,
    "theme": "",
    "pool": "",
    "nhs_share": D("0.5"),
    "prior_year_budget": None,
    "additional_investment": None,
    "outturn": (),
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEME_FIELDS)
def test_a_scheme_is_refused_exactly_as_the_full_check_refuses_it(fields: dict[str, object]) -> None:
    """A scheme whose fields the shortcut takes as plainly valid is made with the same fields, and refused with the
    same message, as when the full field-by-field check decides alone."""
    assert _made(fields) == _checked(fields)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(VALID)), SCHEME_FIELDS)
def test_one_field_astray_is_refused_exactly_as_the_full_check_refuses_it(name: str, other: dict[str, object]) -> None:
    """A valid scheme with any one field changed is made or refused exactly as the full check makes or refuses it."""
    fields = {**VALID, name: other[name]}
    assert _made(fields) == _checked(fields)


_TEXT_FIELDS = ("scheme_id", "name", "description", "scheme_type", "sub_type", "provider", "source", "theme", "pool")
_AMOUNT_ROWS = [(value,) for value in AMOUNT_VALUES] + [[D("1")], "10", ()]
ASTRAY: dict[str, list[object]] = {
    **dict.fromkeys(_TEXT_FIELDS, TEXT_VALUES),
    "area_of_spend": [AreaOfSpend.ACUTE, "Acute", "acute", "Nowhere", None],
    "commissioner": [*Commissioner, "Joint", "ICB", "joint", 3],
    "amounts": _AMOUNT_ROWS,
    "outturn": _AMOUNT_ROWS,
    "status": [SchemeStatus.NEW, "Existing", "existing", None],
    "nhs_share": [None, D("0"), D("1"), D("1.5"), D("-0.1"), D("Infinity"), D("NaN"), 1, 0.5],
}


@pytest.mark.parametrize(("name", "value"), [(name, value) for name, values in ASTRAY.items() for value in values])
def test_each_field_astray_in_each_way_is_refused_exactly_as_the_full_check_refuses_it(
    name: str, value: object
) -> None:
    """A valid scheme with one field given each of the values above (right, wrong, of a near type) is made or refused
    exactly as the full check makes or refuses it: every field, every value, not a sample."""
    fields = {**VALID, name: value}
    assert _made(fields) == _checked(fields)


def test_the_shortcut_takes_only_schemes_the_full_check_leaves_alone() -> None:
    """Where the shortcut takes a scheme as plainly valid, the full check neither refuses nor changes it; a scheme
    read from a template takes the shortcut."""
    scheme = Scheme(**VALID)  # type: ignore[arg-type]
    assert _plainly_valid(scheme)
    before = _fields(scheme)
    _check_scheme(scheme)
    assert _fields(scheme) == before
    for name, value in (("nhs_share", D("1.01")), ("name", " "), ("amounts", [D("1")]), ("status", "New")):
        astray = object.__new__(Scheme)
        for key, field in {**VALID, name: value}.items():
            object.__setattr__(astray, key, field)
        assert not _plainly_valid(astray)
    with pytest.raises(BcfInputError, match=r"NHS share.*1\.01"):
        Scheme(**{**VALID, "nhs_share": D("1.01")})  # type: ignore[arg-type]


def _view(plan: Plan, year: str, view: str) -> list[tuple[str, D]]:
    head = ("Area", "area.xlsx", "2023-25")
    totals = _figures(plan, head, plan_years())[2]
    return [(row[5], row[6]) for row in totals if row[3] == year and row[4] == view]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(TEMPLATE_YEARS.values())).flatmap(plans))
def test_collated_totals_are_the_engines_totals_for_any_plan(plan: Plan) -> None:
    """Each Totals view of a file, for each plan year, holds the engine's pooled totals line for line, in the
    engine's order (joint schemes split as the engine splits them); scheme types add up each type's schemes."""
    for index, year in enumerate(plan.years):
        for dimension, view in ((Dimension.COMMISSIONER, COMMISSIONER), (Dimension.AREA_OF_SPEND, AREA_OF_SPEND)):
            assert _view(plan, year, view) == [(line.key, line.amount) for line in totals_by(plan, dimension, year)]
        by_type = {
            kind: sum((s.amounts[index] for s in schemes), D(0))
            for kind, schemes in itertools.groupby(
                sorted(plan.schemes, key=lambda s: s.scheme_type), key=lambda s: s.scheme_type
            )
        }
        assert _view(plan, year, SCHEME_TYPE) == sorted(by_type.items())
