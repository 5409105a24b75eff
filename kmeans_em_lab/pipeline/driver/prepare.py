"""Before grading: the release is current and the gradebook knows the assignment and students.

:func:`regenerate_release` is the one swappable step that writes ``release/``
and records the assignment (its cells and hidden tests) in the gradebook: the
course's own :func:`kmeans_em_lab.course.release.generate` when it exists, else
nbgrader's ``generate_assignment`` through ``NbGraderAPI``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from kmeans_em_lab.course import points
from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.driver.settings import Settings
from kmeans_em_lab.pipeline.shared import scores
from kmeans_em_lab.pipeline.shared.course_config import gradebook_of

# The release may be this much older than the source (a fresh clone writes files
# in arbitrary order, a few milliseconds apart).
MTIME_SLACK = 2.0


class SetupError(RuntimeError):
    """The course cannot be graded at all (no source, release failed, ...)."""


def layout(notebook: Path) -> AssignmentCells:
    return points.assignment_cells(nbformat.read(notebook, as_version=4))


def regenerate_release(settings: Settings, config) -> None:
    """Write ``release/<assignment>`` and record the assignment in the gradebook."""
    try:
        release = importlib.import_module("kmeans_em_lab.course.release")
    except ModuleNotFoundError:
        release = None
    if release is not None and hasattr(release, "generate"):
        release.generate(settings.root, settings.assignment, use_db=True)
        return
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=config)
    result = api.generate_assignment(settings.assignment, force=True, create=True)
    if not result["success"]:
        raise SetupError(f"nbgrader generate_assignment failed:\n{result.get('log', '')}")


def release_is_current(settings: Settings, config, expected: AssignmentCells) -> str | None:
    """None when the release and the gradebook match the source; else why not."""
    release, source = settings.release_notebook, settings.source_notebook
    if not release.exists():
        return f"{release} is missing"
    if source.stat().st_mtime > release.stat().st_mtime + MTIME_SLACK:
        return "the source notebook is newer than the release"
    with gradebook_of(config, settings.assignment).open() as gb:
        try:
            notebook = gb.find_notebook(settings.notebook_id, settings.assignment)
        except MissingEntry:
            return "the gradebook does not know the assignment yet"
        known = {(c.name, float(c.max_score or 0.0)) for c in notebook.grade_cells}
    if known != set(expected.cells):
        return "the gradebook's graded cells differ from the source notebook's"
    return None


def prepare(settings: Settings, config, students: list[str]) -> tuple[AssignmentCells, str]:
    """Release and gradebook ready for ``students``; returns the layout and what was done."""
    if not settings.source_notebook.exists():
        raise SetupError(f"no source notebook: {settings.source_notebook}")
    expected = layout(settings.source_notebook)
    why = release_is_current(settings, config, expected)
    if why:
        try:
            regenerate_release(settings, config)
        except Exception as err:
            raise SetupError(f"could not regenerate the release ({why}): {err}") from err
        still = release_is_current(settings, config, expected)
        if still:
            raise SetupError(f"release regenerated but still not current: {still}")
        done = f"release regenerated ({why})"
    else:
        done = "release is current"
    scores.ensure_students(gradebook_of(config, settings.assignment), students)
    return expected, done
