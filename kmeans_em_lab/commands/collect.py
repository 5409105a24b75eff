"""``make collect ZIP=...``: an LMS download into ``submitted/<student>/lab3/``.

The command line only: the work is :mod:`kmeans_em_lab.exchange.collect`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kmeans_em_lab.course import paths
from kmeans_em_lab.exchange.collect import collect
from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal

EXIT_OK, EXIT_SKIPPED, EXIT_SETUP = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument(
        "downloads",
        nargs="+",
        type=Path,
        metavar="ZIP",
        help="the LMS download: a zip (or notebooks, or a folder of them)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a student's earlier submission when the download holds a different one",
    )
    parser.add_argument("--assignment", default=paths.ASSIGNMENT)
    parser.add_argument("--course-root", type=Path, default=None, help="course folder")


def main(args: argparse.Namespace) -> int:
    try:
        app = collect(args.downloads, args.course_root, args.assignment, args.force)
    except FileNotFoundError as err:
        print(f"collect: {err}", file=sys.stderr)
        return EXIT_SETUP
    except SystemExit:  # nbgrader's own fail(): its message is already logged
        print("collect: nbgrader's zip collection stopped (see above)", file=sys.stderr)
        return EXIT_SETUP
    for status, lines in (("collected", app.collected), ("unchanged", app.unchanged)):
        for line in lines:
            print(f"{status:<10} {for_terminal(line)}")  # names of the download's files
    for line in app.problems:
        print(f"{'SKIPPED':<10} {for_terminal(line)}")
    submitted = Path(app.coursedir.root) / app.coursedir.submitted_directory
    print(
        f"collected {len(app.collected)} submission(s) into {submitted}/, "
        f"{len(app.unchanged)} unchanged, {len(app.problems)} skipped"
        + (" (SKIPPED above: nothing of theirs was written)" if app.problems else "")
    )
    return EXIT_SKIPPED if app.problems else EXIT_OK
