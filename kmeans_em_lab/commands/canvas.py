"""``make canvas``: ``reports/grades.csv`` as a file Canvas imports into its gradebook.

The command line only: the work is :mod:`kmeans_em_lab.exchange.canvas`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kmeans_em_lab.course import paths
from kmeans_em_lab.exchange.canvas import SetupError, settings, write
from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal

EXIT_OK, EXIT_LEFT_OUT, EXIT_SETUP = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument("--course-root", type=Path, default=None, help="course folder")
    parser.add_argument("--roster", default=None, help="overrides CanvasGrades.roster")
    parser.add_argument("--id-column", default=None, help="overrides CanvasGrades.id_column")
    parser.add_argument("--assignment", default=None, help="overrides CanvasGrades.assignment")
    parser.add_argument(
        "--if-roster",
        action="store_true",
        help="do nothing (exit 0) when there is no roster (how `make grade` calls it)",
    )


def _listing(items: list[str], limit: int = 20) -> str:
    """Student ids (the submissions' and the roster's words) as one line for the terminal."""
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return for_terminal(", ".join(items[:limit])) + more


def main(args: argparse.Namespace) -> int:
    root = Path(args.course_root or paths.course_root()).resolve()
    try:
        if args.if_roster:
            roster = root / settings(root, roster=args.roster).roster
            if not roster.is_file():
                print(f"canvas: no roster ({roster}): no Canvas file (README: Returning grades)")
                return EXIT_OK
        result = write(
            root, roster=args.roster, id_column=args.id_column, assignment=args.assignment
        )
    except SetupError as err:
        print(f"canvas: {for_terminal(err)}", file=sys.stderr)
        return EXIT_SETUP
    print(f"canvas:   {result.path} ({len(result.written)} grade(s), column {result.column!r})")
    if result.without_grade:
        print(f"  no grade (left unchanged in Canvas): {_listing(result.without_grade)}")
    if result.not_graded:
        print(f"  NOT IN THE FILE, could not be graded: {_listing(result.not_graded)}")
    if result.not_in_roster:
        print(
            f"  NOT IN THE FILE, not in the roster: {_listing(result.not_in_roster)} "
            "(a student added since the export? export the roster again, or check "
            "CanvasGrades.id_column)"
        )
    return EXIT_LEFT_OUT if result.not_in_roster or result.not_graded else EXIT_OK
