"""Generating the student version ``release/lab3`` from ``source/lab3`` with nbgrader.

``python -m kmeans_em_lab release`` (``make release``) first rewrites the texts
that state points (the test cells' ``(N points)`` comments, the notebook's and
README.md's points tables) from the source notebook's metadata
(:func:`kmeans_em_lab.course.points.sync`), then regenerates the release without
touching the gradebook (byte-deterministic: every cell has an id); the instructor pipeline
calls :func:`generate` with ``use_db=True`` so that the gradebook records the
assignment and its hidden tests.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from kmeans_em_lab.course import paths


def generate(
    course_root: Path | None = None,
    assignment: str = paths.ASSIGNMENT,
    use_db: bool = False,
    db_url: str | None = None,
) -> Path:
    """Regenerate ``release/<assignment>``; returns its folder. Raises on failure.

    ``db_url``: the gradebook to record the assignment in (``use_db``), instead
    of the one ``nbgrader_config.py`` names."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course = paths.Course.at(course_root, assignment)
    course_root = course.root
    config = course.load_config()
    # what `nbgrader generate_assignment --no-db` sets
    config.GenerateAssignment.no_database = not use_db
    config.SaveCells.enabled = use_db
    if db_url:
        config.CourseDirectory.db_url = db_url
    with contextlib.chdir(course_root):
        coursedir = CourseDirectory(config=config)
        api = NbGraderAPI(coursedir=coursedir, config=config)
        result = api.generate_assignment(assignment, force=True, create=use_db)
    if not result["success"]:
        raise RuntimeError(
            f"nbgrader could not generate release/{assignment}:\n"
            f"{result.get('error') or ''}\n{result.get('log') or ''}"
        )
    return course.release
