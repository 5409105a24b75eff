"""The example students under ``submitted/``, generated from cases of the grading corpus.

``python -m kmeans_em_lab examples`` writes ``submitted/<student>/lab3/``: the
release notebook with the case's code in it, and the data files beside it, as a
student's folder would hold them. ``make grade`` on a fresh clone grades them.
``--check`` regenerates them in a scratch folder and fails on any difference
(the test suite does the same), so they stay in step with the release.

| student | corpus case | what it is | expected |
|---|---|---|---|
| ``ada_correct`` | ``vectorised`` | complete and correct, written differently (vectorised) | 100 |
| ``grace_original`` | ``original_lab`` | the original lab's own code | 60 |
| ``alan_partial`` | ``partial_kmeans_only`` | K-Means part done, EM not started | 55 |
| ``blank_release`` | ``blank_release`` | the release as handed out | 0 |
"""

from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path

from . import paths, submissions

# student -> corpus case (grader_tests/corpus/cases/<case>.py)
STUDENTS = {
    "ada_correct": "vectorised",
    "grace_original": "original_lab",
    "alan_partial": "partial_kmeans_only",
    "blank_release": "blank_release",
}


def cases_dir(course_root: Path) -> Path:
    return course_root / "grader_tests" / "corpus" / "cases"


def generate(course_root: Path | None = None, target: Path | None = None) -> list[Path]:
    """Write every example student's folder under ``target`` (default: ``submitted/``)."""
    root = Path(course_root or paths.course_root())
    target = Path(target or root / "submitted")
    release = submissions.release_notebook(root)
    source = root / "source" / paths.ASSIGNMENT / paths.NOTEBOOK
    solutions = submissions.source_solutions(source)
    written = []
    for student, case_name in STUDENTS.items():
        case = submissions.load_case(cases_dir(root) / f"{case_name}.py", solutions)
        folder = target / student / paths.ASSIGNMENT
        written.append(submissions.write_submission(case.edits, folder, release=release))
    return written


def differences(course_root: Path | None = None) -> list[str]:
    """Files of the committed examples that differ from a fresh generation (empty: in step)."""
    root = Path(course_root or paths.course_root())
    with tempfile.TemporaryDirectory() as scratch:
        generate(root, Path(scratch))
        found = []
        for student in STUDENTS:
            fresh = Path(scratch) / student / paths.ASSIGNMENT
            committed = root / "submitted" / student / paths.ASSIGNMENT
            for path in sorted(fresh.rglob("*")):
                if not path.is_file():
                    continue
                rel = path.relative_to(Path(scratch))
                other = root / "submitted" / rel
                if not other.is_file() or not filecmp.cmp(path, other, shallow=False):
                    found.append(str(Path("submitted") / rel))
            if committed.is_dir():
                extra = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
                extra -= {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
                found += [str(Path("submitted") / student / paths.ASSIGNMENT / p) for p in extra]
        return sorted(found)


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
