"""The ``bcf-xl`` command.

Every error prints one line naming the place and exits non-zero; no traceback reaches a user.
Exit codes: 0 done, 1 the plan has errors, 2 bad input or usage or a file that cannot be read or
written, 3 an internal fault.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bcf_xl import __version__
from bcf_xl.checks import errors, tally
from bcf_xl.errors import LINE_LIMIT, BcfError, BcfInputError, Location, describe, one_line
from bcf_xl.model import Plan
from bcf_xl.monitoring import Actuals, actuals_to_mapping, as_at, latest_quarter
from bcf_xl.monitoring_checks import check_actuals
from bcf_xl.policy import Policy, load_policy
from bcf_xl.returns.definition import ReturnKind, return_year
from bcf_xl.submission.definition import DEFAULT_YEAR, YEARS, template_year, year_for_plan

if TYPE_CHECKING:
    from bcf_xl.planbook.reader import PlanRead

# Each command imports the modules it runs inside its own function (the engine above is what reading a template
# loads anyway): `bcf-xl collate` starts without the builders, the sample or the plan report, `bcf-xl functions`
# without the readers.

EXIT_OK, EXIT_PLAN_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bcf-xl",
        description="Exact Better Care Fund planning: pooled totals, uplifts, DFG passporting, metric RAGs, "
        "risk share and plan checks, on the embedded sample plan or your own.",
        epilog="Exit codes: 0 done; 1 the plan has errors; 2 bad input or usage, or a file that cannot be read or "
        "written; 3 internal fault.",
    )
    parser.add_argument("--version", action="version", version=f"bcf-xl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="compute the embedded sample plan and print a summary",
        description="Compute the embedded sample plan (Northmoor, an invented two-tier area) and print funding "
        "by source, pooled totals by pool, theme, commissioner and partner, minimum spends, the DFG split, "
        "metric RAG ratings, the year-end position and every finding of the checks.",
    )
    demo.add_argument("--thousands", action="store_true", help="show amounts in £000 (rounded half-up for display)")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("bcf-xl-demo"),
        metavar="DIR",
        help="folder for the sample's workbooks (default: bcf-xl-demo); demo replaces the files it wrote before",
    )
    _policy_option(demo)
    demo.set_defaults(run=_demo)

    functions = commands.add_parser(
        "functions",
        help="list the bcf_* Excel functions with their arguments and help",
        description="Print the catalogue of bcf_* cell functions, as Excel's function wizard shows them.",
    )
    functions.set_defaults(run=_functions)

    recalc = commands.add_parser(
        "recalc",
        help="evaluate every formula of a workbook without Excel and write a copy with values",
        description="Evaluate every formula of WORKBOOK headlessly, native Excel functions and the bcf_* "
        "functions alike (the same implementations the Excel add-in uses), and write a copy in which every "
        "formula is replaced by its value. A formula that cannot be evaluated is reported with its sheet "
        "and cell, as is every cell that evaluates to an error. WORKBOOK is never modified.",
    )
    recalc.add_argument("workbook", type=Path, metavar="WORKBOOK", help="the .xlsx or .xlsm workbook to evaluate")
    recalc.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.xlsx", help="the copy to write")
    recalc.add_argument("--force", action="store_true", help="replace OUT.xlsx if it exists")
    recalc.set_defaults(run=_recalc)

    new_plan = commands.add_parser(
        "new-plan",
        help="write a planning workbook (.xlsm): empty, or filled with the sample plan",
        description="Write the planning workbook officers work in: Cover, Funding, Schemes, Pools, DFG, Metrics, "
        "Risk & year end, Spend actuals, Quarterly progress, Checks and Dashboard, with live bcf_* formulas and the "
        "buttons; with --sample, the sample plan and its first year's actuals.",
    )
    new_plan.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsm")
    new_plan.add_argument("--sample", action="store_true", help="fill it with the embedded sample plan")
    new_plan.add_argument(
        "--figures",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --sample, store the engine's figure beside each computed cell's formula, so a viewer without "
        "the add-in (LibreOffice, a web preview, a phone) shows it (default); --no-figures leaves them to Excel",
    )
    new_plan.add_argument("--force", action="store_true", help="replace FILE.xlsm if it exists")
    _policy_option(new_plan)
    new_plan.set_defaults(run=_new_plan)

    check = commands.add_parser(
        "check",
        help="check a planning workbook and print every problem with its sheet and cell",
        description="Read a planning workbook and print every problem: text in an amount, a value not in its "
        "list, a missing required field, a duplicate scheme ID, districts that do not add up, and every other "
        "plan check. Exits 0 when the plan has no errors (warnings are printed but do not fail it), 1 when it has.",
    )
    check.add_argument("plan", type=Path, metavar="PLAN.xlsm")
    _policy_option(check)
    check.set_defaults(run=_check)

    generate = commands.add_parser(
        "generate",
        help="build the NHS England planning template from a plan",
        description="Build the NHS England BCF planning template, filled from PLAN (a planning workbook, or a filled "
        "template to rebuild after a change of rules) or from the embedded sample (--sample), checked, in one step. "
        "The template year is --year, or else the year whose plan years are the plan's.",
    )
    source = generate.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "plan", nargs="?", type=Path, metavar="PLAN", help="a planning workbook (.xlsm) or a filled template (.xlsx)"
    )
    source.add_argument(
        "--sample", action="store_true", help="use the embedded sample plan (its 2025-26 successor with --year 2025-26)"
    )
    generate.add_argument("-o", "--output", type=Path, required=True, metavar="SUBMISSION.xlsx")
    generate.add_argument("--year", metavar="YEAR", help=f"template year: {', '.join(YEARS)}")
    generate.add_argument("--force", action="store_true", help="replace SUBMISSION.xlsx if it exists")
    _policy_option(generate)
    generate.set_defaults(run=_generate)

    read = commands.add_parser(
        "read",
        help="read a filled template back into the plan and print its summary",
        description="Read a filled NHS England planning template (written by bcf-xl, or filled in Excel) back "
        "into the plan and print the plan's summary and anything that could not be read.",
    )
    read.add_argument("submission", type=Path, metavar="SUBMISSION")
    read.add_argument("--year", metavar="YEAR", help="refuse a template of any other year")
    read.add_argument("--thousands", action="store_true", help="show amounts in £000")
    _policy_option(read)
    read.set_defaults(run=_read)

    validate = commands.add_parser(
        "validate",
        help="check a filled template: every problem with its sheet, cell and rule",
        description="Check a filled NHS England planning template: missing required items, numbers out of "
        "bounds, values not in their lists, income and expenditure not balancing, minimum spends not met, DFG "
        "not passported in full. Exits 0 only when the template would show 'Complete Template' and no error "
        "remains.",
    )
    validate.add_argument("submission", type=Path, metavar="SUBMISSION")
    validate.add_argument("--year", metavar="YEAR", help="refuse a template of any other year")
    validate.add_argument("--json", action="store_true", help="print the findings as JSON for other tools")
    _policy_option(validate)
    validate.set_defaults(run=_validate)

    for name, kind_help, description in (
        (
            "quarterly",
            "build the quarterly return for a quarter of a plan year",
            "Build the quarterly return (Guidance, Cover with its checklist, National Conditions, Metrics, Spend) "
            "for --quarter of --year from PLAN and its actuals (the planning workbook's own, or --actuals), or "
            "from the embedded sample and its actuals (--sample), then validate it. The period defaults to the "
            "one typed on the planning workbook's Cover, else the latest plan year and quarter with actuals.",
        ),
        (
            "year-end",
            "build the end-of-year return and the Section 75 year-end statement",
            "Build the end-of-year return (Cover, National Conditions, Metrics with achievement words, Income and "
            "Expenditure actual with the minimums as spent, the Section 75 statement per pool) for --year "
            "(default: the Cover's, else the latest with actuals) from PLAN and its actuals (the planning "
            "workbook's own, or --actuals), or from the sample (--sample).",
        ),
    ):
        command = commands.add_parser(name, help=kind_help, description=description)
        origin = command.add_mutually_exclusive_group(required=True)
        origin.add_argument(
            "plan", nargs="?", type=Path, metavar="PLAN", help="a planning workbook (.xlsm) or a filled template"
        )
        origin.add_argument("--sample", action="store_true", help="use the embedded sample plan and its actuals")
        command.add_argument(
            "--actuals",
            type=Path,
            metavar="FILE.toml",
            help="the actuals reported (with PLAN; default: those the planning workbook holds)",
        )
        if name == "quarterly":
            command.add_argument(
                "--quarter",
                type=int,
                choices=(1, 2, 3, 4),
                help="1 to 4 (default: the Cover's, else the latest with actuals)",
            )
        command.add_argument(
            "--year",
            metavar="YYYY-YY",
            help="the plan year reported (default: the Cover's, else the latest with actuals)",
        )
        command.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")
        command.add_argument("--force", action="store_true", help="replace FILE.xlsx if it exists")
        _policy_option(command)
        command.set_defaults(run=_return, kind=name)

    lite = commands.add_parser(
        "lite",
        help="write what xlwings Lite needs: main.py, requirements.txt and the planning workbook (.xlsx)",
        description="Write into DIR what an officer pastes into the xlwings Lite editor (main.py and "
        "requirements.txt: the bcf_* functions and the buttons' scripts, with bcf-xl's wheel and its "
        "pure-Python dependencies) and the planning workbook without VBA (.xlsx) whose buttons run those scripts.",
    )
    lite.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="the folder to write into")
    lite.add_argument("--sample", action="store_true", help="fill the workbook with the embedded sample plan")
    lite.add_argument(
        "--wheel-url",
        metavar="URL",
        help="where the add-in fetches bcf-xl's wheel (default: bcf-xl by name from the package index)",
    )
    lite.add_argument("--force", action="store_true", help="replace the files if they exist")
    _policy_option(lite)
    lite.set_defaults(run=_lite)
    _collate_command(commands)
    return parser


def _collate_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    collate = commands.add_parser(
        "collate",
        help="read and validate many areas' templates and collate them into one workbook",
        description="Read and validate every filled template under PATH (files, or folders searched for .xlsx and "
        ".xlsm) in parallel, and write one workbook: a Dashboard of charts, then Areas (a row per file, with why a "
        "file could not be read), Income, Expenditure, Totals (with England totals), Metrics and Findings. Two files "
        "for the same area and year are both kept and flagged. Exits 0 when every file was read and has no errors, "
        "1 when any has errors or could not be read, 2 for bad usage.",
    )
    collate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a template, or a folder of them")
    collate.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.xlsx", help="the workbook to write")
    collate.add_argument("--csv", type=Path, metavar="DIR", help="also write each table as DIR/<sheet>.csv")
    collate.add_argument("--year", metavar="YYYY-YY", help=f"only templates of this year: {', '.join(YEARS)}")
    collate.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    collate.add_argument("--force", action="store_true", help="replace OUT.xlsx and the CSV files if they exist")
    _policy_option(collate)
    collate.set_defaults(run=_collate)


def _policy_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="a TOML file of national parameters (uplift rates, bounds, lists) that replaces the shipped entries",
    )


def _demo(args: argparse.Namespace) -> int:
    from bcf_xl.planbook.builder import write as write_planbook
    from bcf_xl.planbook.buttons import button_macros
    from bcf_xl.planbook.checking import plan_findings
    from bcf_xl.report import compute
    from bcf_xl.sample import sample_actuals, sample_plan
    from bcf_xl.submission.builder import write as write_submission
    from bcf_xl.submission.validator import validate as validate_submission
    from bcf_xl.summary import render

    policy = load_policy(args.policy)
    plan = sample_plan()
    report = compute(plan, policy)
    sys.stdout.write(render(report, thousands=args.thousands))
    args.out.mkdir(parents=True, exist_ok=True)
    planbook = args.out / "bcf_planning_sample.xlsm"
    placed = plan_findings(plan, policy)
    write_planbook(
        planbook,
        plan,
        policy,
        vba_project=button_macros(),
        findings=placed,
        overwrite=True,
        cache=True,
        actuals=sample_actuals(),
    )
    print()
    _out(f"Wrote {planbook}: the sample planning workbook")
    year = year_for_plan(plan.years) or template_year(DEFAULT_YEAR)
    submission = args.out / f"sample-submission-{year.name}.xlsx"
    write_submission(plan, year, policy, submission, overwrite=True)
    validation = validate_submission(submission, policy)
    print()
    _out(
        f"Wrote {submission}: {'Complete Template' if validation.complete else 'Incomplete Template'}, "
        f"{tally(validation.findings)}"
    )
    failed = errors(report.findings) or not validation.ok
    return EXIT_PLAN_ERRORS if failed else EXIT_OK


def _new_plan(args: argparse.Namespace) -> int:
    from bcf_xl.planbook.builder import write as write_planbook
    from bcf_xl.planbook.buttons import button_macros
    from bcf_xl.planbook.checking import plan_findings
    from bcf_xl.sample import sample_actuals, sample_plan

    policy = load_policy(args.policy)
    plan = sample_plan() if args.sample else None
    found = plan_findings(plan, policy) if plan else ()
    write_planbook(
        args.output,
        plan,
        policy,
        vba_project=button_macros(),
        findings=found,
        overwrite=args.force,
        cache=args.figures,
        actuals=sample_actuals() if plan else None,
    )
    _out(f"Wrote {args.output} ({'the sample plan and its actuals' if plan else 'empty'})")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from bcf_xl.planbook.checking import findings as planbook_findings
    from bcf_xl.planbook.reader import read as read_planbook

    policy = load_policy(args.policy)
    found = planbook_findings(read_planbook(args.plan), policy)
    _out(f"{args.plan.name}: {tally(found)}")
    for finding in found:
        _out(f"  {finding}")
    return EXIT_PLAN_ERRORS if errors(found) else EXIT_OK


def _generate(args: argparse.Namespace) -> int:
    from bcf_xl.sample import sample_plan, sample_plan_for
    from bcf_xl.submission.builder import write as write_submission
    from bcf_xl.submission.validator import validate as validate_submission

    policy = load_policy(args.policy)
    if args.sample:
        plan = sample_plan_for(template_year(args.year).plan_years) if args.year else sample_plan()
    else:
        read_plan = _read_plan(args.plan, policy, template_for=args.year or "")
        if read_plan is None:
            return EXIT_PLAN_ERRORS
        plan = read_plan
    year = template_year(args.year) if args.year else (year_for_plan(plan.years) or template_year(DEFAULT_YEAR))
    write_submission(plan, year, policy, args.output, overwrite=args.force)
    validation = validate_submission(args.output, policy)
    status = validation.status
    _out(f"Wrote {args.output} ({year.title}): {status}, {tally(validation.findings)}")
    for finding in validation.findings:
        _out(f"  {finding}")
    return EXIT_OK if validation.ok else EXIT_PLAN_ERRORS


def _read(args: argparse.Namespace) -> int:
    from bcf_xl.report import compute
    from bcf_xl.returns.reader import is_return
    from bcf_xl.submission.reader import read as read_submission
    from bcf_xl.summary import render

    policy = load_policy(args.policy)
    if is_return(args.submission):
        return _read_return(args, policy)
    submission = read_submission(args.submission, policy, args.year)
    if submission.plan is not None:
        sys.stdout.write(render(compute(submission.plan, policy), thousands=args.thousands))
    print()
    _out(f"Read {args.submission.name} ({submission.year.title}): {tally(submission.findings)}")
    for finding in submission.findings:
        _out(f"  {finding}")
    return EXIT_PLAN_ERRORS if submission.plan is None or errors(submission.findings) else EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from bcf_xl.returns.reader import ReturnValidation, is_return, validate as validate_return
    from bcf_xl.submission.validator import Validation, validate as validate_submission

    policy = load_policy(args.policy)
    validation: Validation | ReturnValidation
    if is_return(args.submission):
        validation = validate_return(args.submission, policy, args.year)
        title = validation.returned.title
    else:
        validation = validate_submission(args.submission, policy, args.year)
        title = validation.submission.year.title
    if args.json:
        print(validation.to_json())
    else:
        status = validation.status
        _out(f"{args.submission.name} ({title}): {status}, {tally(validation.findings)}")
        for finding in validation.findings:
            _out(f"  {finding}")
    return EXIT_OK if validation.ok else EXIT_PLAN_ERRORS


def _collate(args: argparse.Namespace) -> int:
    from bcf_xl.collate import collate  # the collation and its writers load only for this command

    policy = load_policy(args.policy)
    year = template_year(args.year).name if args.year else None
    for path in args.paths:
        _refuse_writing_over(path, args.output)
    result = collate(
        args.paths,
        policy=policy,
        year=year,
        jobs=args.jobs,
        progress=sys.stderr,
        output=args.output,
        overwrite=args.force,
    )
    if args.csv is not None:
        result.write_csv(args.csv, overwrite=args.force)
    read = [r for r in result.returns if r.read]
    failed = [r for r in result.returns if not r.ok]
    _out(f"Collated {len(read)} of {len(result.returns)} files into {args.output}")
    for outcome in failed:
        what = outcome.reason or f"{outcome.status}, {outcome.errors} errors, {outcome.warnings} warnings"
        _out(f"  {outcome.file}: {what}")
    return EXIT_OK if result.ok else EXIT_PLAN_ERRORS


def _plan_and_actuals(args: argparse.Namespace, policy: Policy) -> tuple[Plan, Actuals, PlanRead | None] | None:
    """The plan and actuals a return is built from, with the planning workbook they were read from (if they were):
    the sample's, PLAN's with --actuals, or a planning workbook's own (None: PLAN cannot be read into a plan).

    Raises:
        BcfInputError: --actuals with --sample; no --actuals with a filled template; a planning workbook that holds
            no actuals.
    """
    from bcf_xl.planbook.reader import is_planning_workbook, read as read_planbook
    from bcf_xl.returns.actuals_file import read_actuals
    from bcf_xl.sample import sample_actuals, sample_plan

    if args.sample:
        if args.actuals is not None:
            raise BcfInputError(Location(field="--actuals"), "goes with PLAN, not with --sample", str(args.actuals))
        return sample_plan(), sample_actuals(), None
    if args.actuals is None and not is_planning_workbook(args.plan):
        raise BcfInputError(
            Location(field="--actuals"),
            "is required with a filled template: the actuals reported, as a TOML file of schemes, income, metrics "
            "and conditions",
            show_got=False,
        )
    plan = _read_plan(args.plan, policy)
    if plan is None:
        return None
    if args.actuals is not None:
        return plan, read_actuals(args.actuals), None
    source = read_planbook(args.plan)
    if source.actuals is None:
        raise BcfInputError(
            Location(sheet=args.plan.name),
            "holds no actuals: type them on the Spend actuals and Quarterly progress sheets, or give --actuals",
            show_got=False,
        )
    return plan, source.actuals, source


def _period(args: argparse.Namespace, plan: Plan, actuals: Actuals, typed: tuple[str, int] | None) -> tuple[str, int]:
    """The plan year and quarter a return reports: --year and --quarter, else the planning workbook's period (the
    Cover's, else the latest with actuals), else the latest quarter with actuals of the plan's latest year that
    has any; a year-end return reports quarter 4.

    Raises:
        BcfInputError: no actuals for the year, so no quarter to report.
    """
    with_actuals = [year for year in plan.years if latest_quarter(actuals, year) is not None]
    default_year = typed[0] if typed else (with_actuals[-1] if with_actuals else plan.years[0])
    year = args.year or default_year
    if args.kind == "year-end":
        return year, 4
    quarter = args.quarter or (typed[1] if typed and typed[0] == year else latest_quarter(actuals, year))
    if quarter is None:
        raise BcfInputError(
            Location(field="--quarter"), f"is needed: the actuals hold nothing for {year}", show_got=False
        )
    return year, quarter


def _read_plan(path: Path, policy: Policy, template_for: str | None = None) -> Plan | None:
    """The plan a planning workbook or a filled template holds; None (its problems printed) when it cannot be read.

    With ``template_for`` (a template year, or "" for the plan's own), a planning workbook is also checked for
    what that template needs, each finding at the planning workbook's own cell.
    """
    from bcf_xl.planbook.checking import template_needs
    from bcf_xl.planbook.reader import is_planning_workbook, read as read_planbook
    from bcf_xl.submission.reader import read as read_submission

    if is_planning_workbook(path):
        source = read_planbook(path)
        plan, problems = source.plan, source.findings
        if plan is not None and template_for is not None:
            wanted = template_year(template_for) if template_for else year_for_plan(plan.years)
            problems = (*problems, *template_needs(source, wanted, policy))
    else:
        submission = read_submission(path, policy)
        plan, problems = submission.plan, submission.findings
    if plan is None or errors(problems):
        for finding in problems:
            _out(f"  {finding}")
        _say(f"{path.name}: cannot be read into a plan (see above)")
        return None
    return plan


def _return(args: argparse.Namespace) -> int:
    from bcf_xl.planbook.actuals import place_findings
    from bcf_xl.returns.builder import write as write_return
    from bcf_xl.returns.reader import validate as validate_return

    policy = load_policy(args.policy)
    found = _plan_and_actuals(args, policy)
    if found is None:
        return EXIT_PLAN_ERRORS
    plan, reported, source = found
    year_name, quarter = _period(args, plan, reported, source.period if source else None)
    year = return_year(year_name)
    kind = ReturnKind.YEAR_END if args.kind == "year-end" else ReturnKind.QUARTERLY
    actuals = as_at(reported, year.name, quarter)  # figures reported after the quarter belong to later returns
    write_return(plan, actuals, year, kind, quarter, policy, args.output, overwrite=args.force)
    validation = validate_return(args.output, policy)
    status = validation.status
    _out(f"Wrote {args.output} ({validation.returned.title}): {status}, {tally(validation.findings)}")
    for finding in validation.findings:
        _out(f"  {finding}")
    checked = check_actuals(plan, actuals, year.name, quarter)
    if source is not None:  # at the planning workbook's cells where the actuals were typed
        checked = place_findings(checked, source.values, source.scheme_rows, plan.years, quarter)
    if checked:
        _out(f"The actuals against the plan: {tally(checked)}")
        for finding in checked:
            _out(f"  {finding}")
    return EXIT_OK if validation.ok and not errors(checked) else EXIT_PLAN_ERRORS


def _read_return(args: argparse.Namespace, policy: Policy) -> int:
    from bcf_xl.returns.reader import read as read_return

    returned = read_return(args.submission, policy, args.year)
    mapping = actuals_to_mapping(returned.actuals)
    counts = ", ".join(f"{len(mapping[key])} {key}" for key in ("schemes", "income", "metrics", "conditions"))
    _out(f"Read {args.submission.name} ({returned.title}): {counts}; {tally(returned.findings)}")
    for code, words in returned.assessments:
        _out(f"  {code}: {words}")
    for finding in returned.findings:
        _out(f"  {finding}")
    return EXIT_PLAN_ERRORS if errors(returned.findings) else EXIT_OK


def _functions(args: argparse.Namespace) -> int:
    from bcf_xl.cells import catalogue_text

    sys.stdout.write(catalogue_text())
    return EXIT_OK


def _recalc(args: argparse.Namespace) -> int:
    _refuse_writing_over(args.workbook, args.output)
    from bcf_xl.recalc import recalculate, write_values  # loads the formula engine: only when asked

    result = recalculate(args.workbook)
    write_values(result, args.output, overwrite=args.force)
    _out(f"Evaluated {result.formula_count} formula cells of {args.workbook.name}; wrote {args.output}")
    for finding in result.findings:
        _out(f"  {finding}")
    return EXIT_PLAN_ERRORS if result.failed else EXIT_OK


def _lite(args: argparse.Namespace) -> int:
    from bcf_xl.lite import write_lite
    from bcf_xl.planbook.checking import plan_findings
    from bcf_xl.sample import sample_plan

    policy = load_policy(args.policy)
    plan = sample_plan() if args.sample else None
    found = plan_findings(plan, policy) if plan else ()
    written = write_lite(args.output, plan, policy, findings=found, wheel_url=args.wheel_url, overwrite=args.force)
    for path in written:
        _out(f"Wrote {path}")
    return EXIT_OK


def _refuse_writing_over(source: Path, output: Path) -> None:
    """Refuse an output that is the input itself (by any name or link): inputs are never modified."""
    with contextlib.suppress(OSError):  # either does not exist: they cannot be one file
        if os.path.samefile(source, output):
            raise BcfInputError(
                Location(sheet=output.name, field="-o"),
                f"is the workbook being read ({source}); the input is never modified, so choose another name",
                show_got=False,
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Bad input and problems of the machine (a file that cannot be read, a folder that cannot be
    written, a disk that is full) exit 2 with one line naming the file; only a fault of bcf-xl
    itself exits 3. Library warnings and log records are kept off the terminal.
    """
    args = _parser().parse_args(argv)
    with _quiet_libraries():
        try:
            code: int = args.run(args)
        except BcfError as exc:
            _say(str(exc))
            return EXIT_BAD_INPUT
        except OSError as exc:
            _say(_environment_problem(exc, args))
            return EXIT_BAD_INPUT
        except MemoryError:
            source = _input_file(args)
            _say(f"{source.name if source else 'the work'}: needs more memory than this machine allows bcf-xl")
            return EXIT_BAD_INPUT
        except Exception as exc:  # the last line of defence: one clear line, never a traceback
            problem = _unreadable_input(exc, args)
            if problem is None:
                _say(f"internal error ({type(exc).__name__}: {exc}); please report it")
                return EXIT_INTERNAL
            _say(problem)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            _say("interrupted")
            return EXIT_INTERNAL
    return code


def _out(text: str) -> None:
    """Print one line to stdout: a file name or finding cannot start or forge another line."""
    print(one_line(text, LINE_LIMIT))


def _say(message: str) -> None:
    """Print one line to stderr: whatever a message quotes from a file cannot break it into more lines."""
    print(f"bcf-xl: {one_line(message, LINE_LIMIT)}", file=sys.stderr)


def _environment_problem(exc: OSError, args: argparse.Namespace) -> str:
    """An operating-system error as one line naming the file and the reason.

    A failure in the output's folder (its temporary file included) names the output the user asked for.
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    output: Path | None = getattr(args, "output", None)
    name = None if exc.filename is None else Path(os.fsdecode(exc.filename))
    inputs = [getattr(args, key, None) for key in ("plan", "submission", "workbook", "policy", "actuals")]
    if name is not None and any(path is not None and path.absolute() == name.absolute() for path in inputs):
        return f"{name}: cannot be read ({reason})"
    if output is not None and (name is None or name.absolute().parent == output.absolute().parent):
        return f"{output}: cannot be written ({reason})"
    if name is None:
        return f"cannot finish ({reason})"
    return f"{name}: cannot be read or written ({reason})"


# The modules that read an input workbook, and the libraries that parse one.
_READERS = frozenset(
    {
        "bcf_xl.files",
        "bcf_xl.workbook.reading",
        "bcf_xl.planbook.reader",
        "bcf_xl.submission.reader",
        "bcf_xl.returns.reader",
    }
)
_FILE_FORMAT_LIBRARIES = frozenset({"openpyxl", "zipfile", "xml", "defusedxml", "lxml", "et_xmlfile"})


def _input_file(args: argparse.Namespace) -> Path | None:
    """The workbook the command reads, if it reads one."""
    return next((getattr(args, key) for key in ("plan", "submission", "workbook") if getattr(args, key, None)), None)


def _unreadable_input(exc: Exception, args: argparse.Namespace) -> str | None:
    """The one line for a fault that the input file caused while it was read, or None for a fault of bcf-xl.

    A fault counts as the file's when it arose while a reader was reading the input workbook and
    either the spreadsheet library raised it (a defined name or range it cannot parse, a part it
    cannot decode) or it concerns one of that library's objects (a chart sheet where a worksheet of
    cells belongs): the file holds something no BCF workbook holds there.
    """
    from openpyxl.chartsheet import Chartsheet

    source = _input_file(args)
    modules = [frame.f_globals.get("__name__", "") for frame, _ in traceback.walk_tb(exc.__traceback__)]
    if source is None or not _READERS.intersection(modules):
        return None
    culprit = getattr(exc, "obj", None) if isinstance(exc, AttributeError) else None
    if isinstance(culprit, Chartsheet):
        return f"{source.name}: the sheet '{culprit.title}' is a chart sheet where a worksheet of cells belongs"
    if culprit is not None and type(culprit).__module__.startswith("openpyxl."):
        return f"{source.name}: holds a {type(culprit).__name__} where bcf-xl expects a worksheet of cells"
    if modules[-1].split(".")[0] in _FILE_FORMAT_LIBRARIES:
        got = describe(f"{type(exc).__name__}: {exc}")
        return f"{source.name}: cannot be read as a workbook: part of it is malformed (got {got})"
    return None


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
    """Keep the libraries' warnings (openpyxl's) and log records (the formula engine's) off the terminal.

    bcf-xl reports in its own lines everything a user needs from a file; a library's remarks about
    a workbook's extensions or its evaluation steps would only bury them.
    """
    disabled = logging.root.manager.disable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(disabled)


def run() -> None:
    """The ``bcf-xl`` command: :func:`main`, then the process ends with its exit code.

    What the command leaves behind is frozen first (:func:`gc.freeze`), so the collector's last full pass, as
    Python ends, does not walk it (after a collation, every figure and cell of every file): that pass would free
    nothing that matters, as every file bcf-xl writes is closed and in place before :func:`main` returns.
    """
    import gc

    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
