"""bcf-xl: exact Better Care Fund planning calculations behind Excel.

The engine is pure Python over Decimal money and frozen records; it imports nothing
Excel-facing. The Excel adapters live in ``udfs/`` and ``macros/``.

The public API is what this module exports (see ``__all__``). A plan from plain data, computed,
as pandas DataFrames::

    import bcf_xl
    plan = bcf_xl.plan_from_mapping(data)  # or bcf_xl.sample_plan()
    frames = bcf_xl.compute(plan).to_frames()

Importing ``bcf_xl`` loads none of its modules: each name is loaded on first use, and importing one
module (``bcf_xl.collate``, say) loads only what that module needs. Nor does it load pandas or the
workbook libraries: the workbook functions import them when called.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bcf_xl.errors import BcfError, BcfInputError, Location, PlanError
    from bcf_xl.findings import Finding, Severity, Target
    from bcf_xl.mapping import plan_from_mapping, plan_to_mapping
    from bcf_xl.model import (
        Area,
        AreaKind,
        AreaOfSpend,
        AscMinimum,
        Commissioner,
        ConditionAnswer,
        Contacts,
        DfgYear,
        District,
        FundingSource,
        Metric,
        MetricUnit,
        Partner,
        PartnerKind,
        PerformanceFund,
        Plan,
        Polarity,
        Pool,
        RagRule,
        Retention,
        RiskShareTerms,
        Scheme,
        SchemeStatus,
        SourceKind,
    )
    from bcf_xl.monitoring import (
        Actuals,
        ActualsError,
        Answer,
        ConditionStatus,
        IncomeReceived,
        MetricReport,
        SchemeSpend,
        actuals_from_mapping,
        actuals_to_mapping,
    )
    from bcf_xl.monitoring_report import MonitoringReport
    from bcf_xl.planbook.reader import PlanRead
    from bcf_xl.policy import Policy
    from bcf_xl.report import PlanReport
    from bcf_xl.sample import sample_actuals, sample_plan
    from bcf_xl.submission.reader import Submission
    from bcf_xl.submission.validator import Validation

__version__ = "0.1.0"

__all__ = [
    "Actuals",
    "ActualsError",
    "Answer",
    "Area",
    "AreaKind",
    "AreaOfSpend",
    "AscMinimum",
    "BcfError",
    "BcfInputError",
    "Commissioner",
    "ConditionAnswer",
    "ConditionStatus",
    "Contacts",
    "DfgYear",
    "District",
    "Finding",
    "FundingSource",
    "IncomeReceived",
    "Location",
    "Metric",
    "MetricReport",
    "MetricUnit",
    "MonitoringReport",
    "Partner",
    "PartnerKind",
    "PerformanceFund",
    "Plan",
    "PlanError",
    "PlanReport",
    "Polarity",
    "Policy",
    "Pool",
    "RagRule",
    "Retention",
    "RiskShareTerms",
    "Scheme",
    "SchemeSpend",
    "SchemeStatus",
    "Severity",
    "SourceKind",
    "Target",
    "__version__",
    "actuals_from_mapping",
    "actuals_to_mapping",
    "compute",
    "load_policy",
    "monitoring_report",
    "plan_from_mapping",
    "plan_to_mapping",
    "read_planbook",
    "read_submission",
    "run_checks",
    "sample_actuals",
    "sample_plan",
    "validate",
    "write_submission",
]

PathLike = str | os.PathLike[str]

# Each public name not defined here, by the module it is loaded from on first use (PEP 562): importing bcf_xl, or
# one of its modules, loads only what is used.
_LAZY = {
    **dict.fromkeys(("BcfError", "BcfInputError", "Location", "PlanError"), "bcf_xl.errors"),
    **dict.fromkeys(("Finding", "Severity", "Target"), "bcf_xl.findings"),
    **dict.fromkeys(("plan_from_mapping", "plan_to_mapping"), "bcf_xl.mapping"),
    **dict.fromkeys(
        (
            "Area",
            "AreaKind",
            "AreaOfSpend",
            "AscMinimum",
            "Commissioner",
            "ConditionAnswer",
            "Contacts",
            "DfgYear",
            "District",
            "FundingSource",
            "Metric",
            "MetricUnit",
            "Partner",
            "PartnerKind",
            "PerformanceFund",
            "Plan",
            "Polarity",
            "Pool",
            "RagRule",
            "Retention",
            "RiskShareTerms",
            "Scheme",
            "SchemeStatus",
            "SourceKind",
        ),
        "bcf_xl.model",
    ),
    **dict.fromkeys(
        (
            "Actuals",
            "ActualsError",
            "Answer",
            "ConditionStatus",
            "IncomeReceived",
            "MetricReport",
            "SchemeSpend",
            "actuals_from_mapping",
            "actuals_to_mapping",
        ),
        "bcf_xl.monitoring",
    ),
    "MonitoringReport": "bcf_xl.monitoring_report",
    "Policy": "bcf_xl.policy",
    "PlanReport": "bcf_xl.report",
    **dict.fromkeys(("sample_actuals", "sample_plan"), "bcf_xl.sample"),
}


def __getattr__(name: str) -> object:
    """A public name (or a module of the package) loaded on its first use, then kept as an attribute."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")  # as when every module was loaded eagerly
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package keeps its ``monitoring_report`` function when the module of that name is first loaded.

    Loading a module sets it as an attribute of its package; with the modules loaded on first use, loading
    ``bcf_xl.monitoring_report`` would otherwise hide the function of the same name.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _KEEP and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


_KEEP = frozenset({"monitoring_report"})
sys.modules[__name__].__class__ = _Package


def _policy(policy: Policy | None) -> Policy:
    from bcf_xl.policy import load_policy as load_shipped

    return load_shipped() if policy is None else policy


def load_policy(path: PathLike | None = None) -> Policy:
    """The national parameters (uplifts, bounds, dropdown lists): the shipped ones, or with a TOML override on top.

    Args:
        path: a TOML file shaped like the shipped ``national.toml``; each entry it holds replaces the shipped one.

    Raises:
        BcfInputError: the file is missing, not TOML, or holds a value of the wrong kind.
    """
    from bcf_xl.policy import load_policy as load

    return load(Path(path) if path is not None else None)


def compute(plan: Plan, policy: Policy | None = None) -> PlanReport:
    """Every total, split, rating and finding of a plan (``report.to_frames()`` gives them as DataFrames).

    Args:
        plan: the plan.
        policy: the national parameters; the shipped ones when not given.
    """
    from bcf_xl.report import compute as compute_plan

    return compute_plan(plan, _policy(policy))


def monitoring_report(
    plan: Plan, actuals: Actuals, year: str, quarter: int, policy: Policy | None = None
) -> MonitoringReport:
    """A return's figures for one quarter of a plan year (and the year end at quarter 4), and its findings.

    ``report.to_frames()`` gives them as DataFrames: spend against profile per scheme and in total,
    income to date, each metric's progress (and achievement) words, the conditions, the outturn,
    the Section 75 year-end statements and the checks' findings.

    Args:
        plan: the plan the actuals report on.
        actuals: what has been reported (:func:`actuals_from_mapping` builds them from plain data).
        year: the plan year, such as ``"2023-24"``.
        quarter: the reporting quarter, 1 to 4.
        policy: the national parameters; the shipped ones when not given.

    Raises:
        BcfInputError: ``year`` is not one of the plan's, or ``quarter`` is not 1 to 4.
    """
    from bcf_xl.monitoring_report import monitoring_report as report

    return report(plan, actuals, year, quarter, _policy(policy))


def run_checks(plan: Plan, policy: Policy | None = None) -> tuple[Finding, ...]:
    """Every plan check's findings (errors, warnings, notes), errors first.

    Args:
        plan: the plan.
        policy: the national parameters; the shipped ones when not given.
    """
    from bcf_xl.checks import run_checks as run

    return run(plan, _policy(policy))


def read_planbook(path: PathLike) -> PlanRead:
    """Read a planning workbook (.xlsm): the plan, or None when it cannot be built, and every problem found.

    Raises:
        BcfInputError: the file is not a workbook, or not a planning workbook.
    """
    from bcf_xl.planbook.reader import read

    return read(Path(path))


def read_submission(path: PathLike, *, year: str | None = None, policy: Policy | None = None) -> Submission:
    """Read a filled NHS England planning template: its year, the plan (or None) and every problem found.

    Args:
        path: the template (.xlsx).
        year: the template year it must be (such as ``"2025-26"``); any year bcf-xl knows when not given.
        policy: the national parameters; the shipped ones when not given.

    Raises:
        BcfInputError: the file is not a workbook, not a planning template, or another year's.
    """
    from bcf_xl.submission.reader import read

    return read(Path(path), _policy(policy), year)


def write_submission(
    plan: Plan,
    path: PathLike,
    *,
    year: str | None = None,
    policy: Policy | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the NHS England planning template filled from a plan; return the path written.

    Args:
        plan: the plan.
        path: the template file to write (.xlsx).
        year: the template year (such as ``"2025-26"``); when not given, the year whose plan years are
            the plan's, or else the latest template.
        policy: the national parameters; the shipped ones when not given.
        overwrite: replace the file if it exists.

    Raises:
        BcfInputError: an unknown template year, a plan that does not fit the template, or a file that
            exists (without ``overwrite``).
    """
    from bcf_xl.errors import BcfInputError, Location
    from bcf_xl.submission.builder import write
    from bcf_xl.submission.definition import DEFAULT_YEAR, YEARS, year_for_plan

    if year is not None and year not in YEARS:
        raise BcfInputError(Location(field="year"), f"must be one of {', '.join(YEARS)}", year)
    template = YEARS[year] if year is not None else (year_for_plan(plan.years) or YEARS[DEFAULT_YEAR])
    target = Path(path)
    write(plan, template, _policy(policy), target, overwrite=overwrite)
    return target


def validate(path: PathLike, *, year: str | None = None, policy: Policy | None = None) -> Validation:
    """Check a filled NHS England planning template: every problem with its sheet, cell and rule.

    ``result.ok`` is True when the template would show "Complete Template" and no error remains.

    Args:
        path: the template (.xlsx).
        year: the template year it must be; any year bcf-xl knows when not given.
        policy: the national parameters; the shipped ones when not given.

    Raises:
        BcfInputError: the file is not a workbook, not a planning template, or another year's.
    """
    from bcf_xl.submission.validator import validate as validate_file

    return validate_file(Path(path), _policy(policy), year)
