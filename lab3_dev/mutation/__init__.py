"""``python -m kmeans_em_lab mutants`` (``make mutants``): the mutation score of the checks.

Generates mutants of the six solution functions (:mod:`.operators`), grades
each with its function's hidden checks and public test in worker processes
(:mod:`.runner`, :mod:`.grading`, :mod:`.pool`), looks for evidence of equivalence where the
hidden checks let one through (:mod:`.equivalence`) and writes
``grader_tests/mutation.md`` (:mod:`.report`).

Why not mutmut or cosmic-ray: both mutate the files of a package and judge a
mutant by running a test command. The lab's functions live in notebook cells
and are judged by the checks' planned calls, in-process; the operators that
matter here (numpy reductions, ``axis``, ``ddof``, old instead of new values)
are not theirs; and a test command per mutant would cost a new process and
the imports each time. A small AST mutator (:mod:`.operators`) does the job.

Exit status: 0 when both goals are met (the kill rates of the hidden checks and of the
public tests, :mod:`.report`) and every survivor is explained (:mod:`.survivors`), 1
otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kmeans_em_lab.course import paths
from lab3_dev.mutation import operators, report, runner


def default_output() -> Path:
    return paths.course_root() / "grader_tests" / "mutation.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a sample: every {runner.QUICK_EVERY}th mutant of each function; prints the "
        "summary and writes no file unless --output is given",
    )
    parser.add_argument(
        "--function",
        action="append",
        choices=operators.FUNCTIONS,
        default=[],
        help="only the mutants of this function (repeatable); writes no file unless --output",
    )
    parser.add_argument(
        "--workers", type=int, default=runner.WORKERS, help="worker processes (default 2)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the report (default: grader_tests/mutation.md for a full run)",
    )


def main(args: argparse.Namespace) -> int:
    start = time.monotonic()
    mutants = runner.select(quick=args.quick, functions=args.function)
    print(f"{len(mutants)} mutants, {args.workers} workers", file=sys.stderr, flush=True)
    results = runner.run(mutants, workers=args.workers)
    seconds = time.monotonic() - start
    rows = report.rows_of(results)
    print(report.SUMMARY_HEAD)
    for cells in report.summary_rows(rows):
        print("| " + " | ".join(cells) + " |")
    for row in rows:
        if row.klass == "survived":
            print(f"survived: {row.id} {row.change}: {row.note}")
    output = args.output
    if output is None and not args.quick and not args.function:
        output = default_output()
    if output is not None:
        command = "make mutants" + (" ARGS=--quick" if args.quick else "")
        if args.function:
            command = "python -m kmeans_em_lab mutants " + " ".join(
                f"--function {f}" for f in args.function
            )
        text = report.render(results, seconds=seconds, workers=args.workers, command=command)
        Path(output).write_text(text)
        print(f"wrote {output}", file=sys.stderr)
    hidden, public = report.goal_met(rows), report.public_goal_met(rows)
    missing = report.unexplained(rows)
    print(
        f"{seconds:.0f} s; hidden goal {report.verdict(hidden)}; public goal "
        f"{report.verdict(public)}; {len(missing)} unexplained survivors",
        file=sys.stderr,
    )
    return 0 if hidden and public and not missing else 1
