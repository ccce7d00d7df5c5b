"""The xlwings adapters in udfs/bcf_udfs.py: thin, named as in Excel, documented, errors as text."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import xlwings as xw

import bcf_udfs
from bcf_xl.cells import CATALOGUE

ADAPTERS = {name: getattr(bcf_udfs, name) for name in dir(bcf_udfs) if name.startswith("bcf_")}


def test_one_adapter_per_catalogued_function() -> None:
    """bcf_udfs exposes exactly the catalogued functions, under their Excel names."""
    assert sorted(ADAPTERS) == sorted(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_adapter_signature_matches_catalogue(name: str) -> None:
    """Parameters match the catalogue, optional ones default to None, none is annotated (xlwings would convert)."""
    adapter = ADAPTERS[name]
    params = inspect.signature(adapter).parameters
    spec = CATALOGUE[name]
    assert list(params) == [a.name for a in spec.args]
    for arg in spec.args:
        param = params[arg.name]
        assert param.annotation is inspect.Parameter.empty
        if arg.optional:
            assert param.default is None
        else:
            assert param.default is inspect.Parameter.empty
    assert adapter.__doc__ == spec.summary


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("bcf_uplift", (10000000.0, 0.0566)),
        ("bcf_uplift", (100.0, 566.0)),
        ("bcf_total", ([1.0, None, "#REF!"],)),
        ("bcf_total", ([[1.0], [2.0]], [["a"], ["b"]], "B")),
        ("bcf_passport", (100.0, [1.0, 1.0, 1.0])),
        ("bcf_share", (10.0, [[1.0, 3.0]])),
        ("bcf_quarter", (1000.03, 4.0)),
        ("bcf_shortfall", (1.0, 3.5)),
        ("bcf_rate", (450.0, 180000.0, None)),
        ("bcf_rag", (620.0, 600.0, None, False, 0.02)),
        ("bcf_progress", (None, 0.84, True)),
        ("bcf_achieved", (93.4, 93.0, True)),
        (
            "bcf_dsr",
            (
                [[120.0], [180.0], [260.0], [330.0], [310.0], [240.0]],
                [[5.2e4], [4.4e4], [3.3e4], [2.4e4], [1.5e4], [8e3]],
            ),
        ),
        ("bcf_dsr", ([1.0, None], [10.0, 10.0], [1.0, 1.0], None)),
        ("bcf_dsr_ci", ([1.0, 2.0], [10.0, 10.0], [1.0, 1.0], 1000.0, 0.998)),
    ],
)
def test_adapter_returns_what_the_cell_function_returns(name: str, args: tuple[object, ...]) -> None:
    """Each adapter passes Excel's values through unchanged and returns the cell function's value."""
    assert ADAPTERS[name](*args) == CATALOGUE[name].function(*args)


@pytest.fixture
def recorded() -> Iterator[dict[str, dict[str, Any]]]:
    """Reload bcf_udfs under recording stand-ins for xlwings' decorators (which are no-ops on Linux)."""
    record: dict[str, dict[str, Any]] = {}

    def func(**options: Any) -> Callable[[Any], Any]:
        def mark(f: Any) -> Any:
            record.setdefault(f.__name__, {"args": {}})["func"] = options
            return f

        return mark

    def arg(name: str, **options: Any) -> Callable[[Any], Any]:
        def mark(f: Any) -> Any:
            record.setdefault(f.__name__, {"args": {}})["args"][name] = options
            return f

        return mark

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xw, "func", func)
        patch.setattr(xw, "arg", arg)
        importlib.reload(bcf_udfs)
        yield record
    importlib.reload(bcf_udfs)


def test_adapters_register_help_and_err_to_str(recorded: dict[str, dict[str, Any]]) -> None:
    """Every argument gets its wizard help and err_to_str=True, so #REF! arrives as text, never as a blank."""
    assert sorted(recorded) == sorted(CATALOGUE)
    for name, spec in CATALOGUE.items():
        assert recorded[name]["func"] == {"category": "Better Care Fund"}
        assert recorded[name]["args"] == {a.name: {"doc": a.help, "err_to_str": True} for a in spec.args}
