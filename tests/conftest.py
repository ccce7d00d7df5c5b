"""Shared fixtures: the embedded sample plan and the shipped national policy."""

from __future__ import annotations

import pytest

from bcf_xl.model import Plan
from bcf_xl.policy import Policy, load_policy
from bcf_xl.sample import sample_plan


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def plan() -> Plan:
    return sample_plan()
