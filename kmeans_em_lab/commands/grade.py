"""``python -m kmeans_em_lab grade`` (``make grade``): autograde ``submitted/`` in parallel, then
feedback, ``reports/grades.csv``, the class table and the class report.

The command line only: the run is :func:`kmeans_em_lab.pipeline.driver.run.grade`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver.settings import SCHEDULER_ENV, default_workers


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"grading processes (default: two per usable core, here {default_workers()})",
    )
    parser.add_argument(
        "--student",
        dest="students",
        nargs="+",
        action="extend",
        metavar="S",
        help="grade only these students (repeatable); the report still covers the class",
    )
    parser.add_argument("--assignment", default=paths.ASSIGNMENT)
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    parser.add_argument(
        "--course-root",
        type=Path,
        default=None,
        help="course folder with nbgrader_config.py (default: this repository)",
    )
    parser.add_argument(
        "--watchdog",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wall-clock limit per submission (default: the notebook's cell limits summed "
        "plus a margin)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="grade on this Dask scheduler (e.g. tcp://host:8786; default: $"
        f"{SCHEDULER_ENV}, else a local cluster of --workers processes)",
    )
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run student code with the grader's own rights, outside bubblewrap (only for "
        "code you trust; the CSV's sandbox column and the report say so)",
    )
    parser.add_argument(
        "--fixed-inputs",
        action="store_true",
        help="give every submission the grading policy's fixed hidden-test inputs instead of "
        "inputs drawn from the course secret (to reproduce the corpus' expected scores; a "
        "student can then carry the inputs home)",
    )


def settings_of(args: argparse.Namespace):
    """The run's :class:`~kmeans_em_lab.pipeline.driver.settings.Settings` from the command line."""
    from kmeans_em_lab.pipeline.driver.settings import Settings

    return Settings(
        root=Path(args.course_root or paths.course_root()).resolve(),
        assignment=args.assignment,
        notebook=f"{args.assignment}.ipynb",
        workers=max(1, args.workers or default_workers()),
        students=args.students,
        force=args.force,
        watchdog=args.watchdog,
        sandbox=args.sandbox,
        fixed_inputs=args.fixed_inputs,
        scheduler=args.scheduler or os.environ.get(SCHEDULER_ENV) or None,
    )


def main(args: argparse.Namespace) -> int:
    from kmeans_em_lab.pipeline.worker.config import (
        quiet_known_warnings,
        skip_slow_optional_imports,
    )

    skip_slow_optional_imports()  # before anything imports nbgrader
    quiet_known_warnings()
    from kmeans_em_lab.pipeline.driver import run

    return run.grade(settings_of(args))
