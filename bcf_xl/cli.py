"""The ``bcf-xl`` command.

Every error prints one line naming the place and exits non-zero; no traceback reaches a user.
Exit codes: 0 done, 1 the plan has errors, 2 bad input or usage, 3 an internal fault.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bcf_xl import __version__
from bcf_xl.cells import catalogue_text
from bcf_xl.checks import errors
from bcf_xl.errors import BcfError
from bcf_xl.policy import load_policy
from bcf_xl.report import compute
from bcf_xl.sample import sample_plan
from bcf_xl.summary import render

EXIT_OK, EXIT_PLAN_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bcf-xl",
        description="Exact Better Care Fund planning: pooled totals, uplifts, DFG passporting, metric RAGs, "
        "risk share and plan checks, on the embedded sample plan or your own.",
        epilog="Exit codes: 0 done; 1 the plan has errors; 2 bad input or usage; 3 internal fault.",
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
        "--policy",
        type=Path,
        metavar="FILE",
        help="a TOML file of national parameters (uplift rates, bounds, lists) that replaces the shipped entries",
    )
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
    return parser


def _demo(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    report = compute(sample_plan(), policy)
    sys.stdout.write(render(report, thousands=args.thousands))
    return EXIT_PLAN_ERRORS if errors(report.findings) else EXIT_OK


def _functions(args: argparse.Namespace) -> int:
    sys.stdout.write(catalogue_text())
    return EXIT_OK


def _recalc(args: argparse.Namespace) -> int:
    from bcf_xl.recalc import recalculate, write_values  # loads the formula engine: only when asked

    result = recalculate(args.workbook)
    write_values(result, args.output, overwrite=args.force)
    print(f"Evaluated {result.formula_count} formula cells of {args.workbook.name}; wrote {args.output}")
    for finding in result.findings:
        print(f"  {finding}")
    return EXIT_PLAN_ERRORS if result.failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except BcfError as exc:
        print(f"bcf-xl: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("bcf-xl: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # the last line of defence: one clear line, never a traceback
        print(f"bcf-xl: internal error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return EXIT_INTERNAL
    return code


if __name__ == "__main__":
    sys.exit(main())
