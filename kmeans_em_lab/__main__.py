"""Command line: ``python -m kmeans_em_lab <command>``.

Commands are loaded lazily so that ``data`` does not pay for nbgrader's imports.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys

from kmeans_em_lab import logs

# the course and its grading: one small module per command, kmeans_em_lab.commands.<name>,
# each with ``add_arguments(parser)`` and ``main(args)``; name -> its help
COURSE_COMMANDS = {
    "grade": "autograde submitted/, feedback, CSV and class report",
    "release": "regenerate release/lab3 from source/lab3",
    "data": "rebuild data/*.p with the seeded generator",
    "examples": "write the example students in submitted/",
    "bundle": "build dist/lab3-student.zip for students",
    "collect": "an LMS download (Canvas, Moodle) to submitted/",
    "canvas": "reports/grades.csv as a Canvas import file",
    "similarity": "reports/similarity.html: pairs of submissions worth a look",
}
# developer tools (lab3_dev: never imported by the grader): name -> (module, help)
DEV_COMMANDS = {
    "bench": ("lab3_dev.bench.command", "benchmarks; writes bench/results.md"),
    "figures": ("lab3_dev.figures", "print the calibration and oracle figures"),
    "mutants": ("lab3_dev.mutation", "mutation score of the checks: grader_tests/mutation.md"),
}
COMMANDS = {
    **{name: (f"kmeans_em_lab.commands.{name}", text) for name, text in COURSE_COMMANDS.items()},
    **DEV_COMMANDS,
}
"""Every command: name -> (module, help), loaded lazily."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmeans_em_lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    known, rest = parser.parse_known_args(argv)
    module = importlib.import_module(COMMANDS[known.command][0])
    command_parser = argparse.ArgumentParser(prog=f"python -m kmeans_em_lab {known.command}")
    command_parser.add_argument(
        "--log-level",
        type=str.lower,
        choices=logs.LEVELS,
        default=None,
        help=f"diagnostics on stderr (default: ${logs.ENV_VAR}, else {logs.DEFAULT_LEVEL})",
    )
    module.add_arguments(command_parser)
    args = command_parser.parse_args(rest)
    try:
        logs.configure(args.log_level)
    except ValueError as err:  # a bad LAB3_LOG_LEVEL
        command_parser.error(str(err))
    return int(module.main(args) or 0)


def exit_quickly(status: int) -> None:
    """Exit without the interpreter's final garbage collections.

    Once nbgrader and matplotlib are loaded, collecting their objects at exit
    takes about 0.4 s, a share of every ``grade`` run. Frozen objects are
    left to the OS; files are still flushed and closed and atexit handlers still run.
    """
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    exit_quickly(main())
