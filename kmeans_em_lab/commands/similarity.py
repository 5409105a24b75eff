"""``make similarity``: ``reports/similarity.html`` from the autograded notebooks."""

from __future__ import annotations

from kmeans_em_lab.course.paths import Course


def add_arguments(parser) -> None:
    parser.add_argument("--course-root", default=None, help="the course folder (default: this one)")
    parser.add_argument("--student", nargs="+", default=None, help="compare only these students")


def main(args) -> int:
    from kmeans_em_lab import similarity

    course = Course.at(args.course_root)
    path, students, worth = similarity.report(course, args.student)
    print(f"similarity: {students} graded student(s) compared, {worth} pair(s) worth a look")
    print(f"page:       {path}")
    return 0
