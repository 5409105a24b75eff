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

from kmeans_em_lab.course import paths, submissions

# student -> corpus case (corpus/validity/cases/<case>.py)
STUDENTS = {
    "ada_correct": "vectorised",
    "grace_original": "original_lab",
    "alan_partial": "partial_kmeans_only",
    "blank_release": "blank_release",
}


def cases_dir(course_root: Path) -> Path:
    return paths.corpus_dir("validity", course_root) / "cases"


def generate(course_root: Path | None = None, target: Path | None = None) -> list[Path]:
    """Write every example student's folder under ``target`` (default: ``submitted/``)."""
    course = paths.Course.at(course_root)
    root = course.root
    target = Path(target or course.submitted_root)
    release = submissions.release_notebook(root)
    source = course.source_notebook
    solutions = submissions.source_solutions(source)
    written = []
    for student, case_name in STUDENTS.items():
        case = submissions.load_case(cases_dir(root) / f"{case_name}.py", solutions)
        folder = target / student / paths.ASSIGNMENT
        written.append(submissions.write_submission(case.edits, folder, release=release))
    return written


def differences(course_root: Path | None = None) -> list[str]:
    """Files of the committed examples that differ from a fresh generation (empty: in step)."""
    course = paths.Course.at(course_root)
    root = course.root
    with tempfile.TemporaryDirectory() as scratch:
        generate(root, Path(scratch))
        found = []
        for student in STUDENTS:
            fresh = Path(scratch) / student / paths.ASSIGNMENT
            committed = course.submitted(student)
            for path in sorted(fresh.rglob("*")):
                if not path.is_file():
                    continue
                rel = path.relative_to(Path(scratch))
                other = course.submitted_root / rel
                if not other.is_file() or not filecmp.cmp(path, other, shallow=False):
                    found.append(str(Path("submitted") / rel))
            if committed.is_dir():
                extra = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
                extra -= {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
                found += [str(Path("submitted") / student / paths.ASSIGNMENT / p) for p in extra]
        return sorted(found)
