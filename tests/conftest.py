"""Shared fixtures: the embedded sample plan and the shipped national policy; the test being run, for the
``libreoffice`` marker check in tests/libreoffice.py."""

from __future__ import annotations

import pytest

from bcf_xl.model import Plan
from bcf_xl.policy import Policy, load_policy
from bcf_xl.sample import sample_plan
from tests import libreoffice


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    libreoffice.current_test = item


def pytest_runtest_teardown(item: pytest.Item) -> None:
    libreoffice.current_test = None


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def plan() -> Plan:
    return sample_plan()
