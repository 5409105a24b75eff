"""``python -m kmeans_em_lab examples``: the example students written under ``submitted/``
from cases of the corpus.

The command line only: the work is :mod:`kmeans_em_lab.course.examples`.
"""

from __future__ import annotations

from pathlib import Path

from kmeans_em_lab.course.examples import differences, generate


def add_arguments(parser) -> None:
    parser.description = "write the example students' submissions under submitted/"
    parser.add_argument("--course-root", type=Path, default=None, help="course folder")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the committed examples differ from a fresh generation",
    )


def main(args) -> int:
    if args.check:
        stale = differences(args.course_root)
        for path in stale:
            print(f"out of date: {path}")
        if stale:
            print("run `python -m kmeans_em_lab examples` and commit submitted/")
            return 1
        print("the example submissions are up to date")
        return 0
    for notebook in generate(args.course_root):
        print(f"wrote {notebook}")
    return 0
