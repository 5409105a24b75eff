"""``python -m kmeans_em_lab release`` (``make release``): the points texts and the corpus
tables rewritten from the metadata, then ``release/lab3`` generated from ``source/lab3``.

The command line only: the work is :mod:`kmeans_em_lab.course.release`.
"""

from __future__ import annotations

from pathlib import Path

from kmeans_em_lab.course import corpus, paths, points
from kmeans_em_lab.course.release import generate


def add_arguments(parser) -> None:
    parser.add_argument("--course-root", type=Path, default=None, help="course folder")
    parser.add_argument("--assignment", default=paths.ASSIGNMENT)


def main(args) -> int:
    for path in points.sync(args.course_root):
        print(f"points rewritten from the notebook's metadata: {path}")
    for path in corpus.sync(args.course_root):
        print(f"table of cases rewritten from the expectations and the points: {path}")
    folder = generate(args.course_root, args.assignment)
    print(f"regenerated {folder}")
    return 0
