"""What a grading worker receives about the course: files in memory, no shared folder.

A Dask worker may run on another machine with only the course's package and
its environment installed. :func:`build` packs, once per run, what grading
depends on besides the submission: ``nbgrader_config.py``, the source
assignment (the notebook with its hidden tests, its data) and ``data/`` (which
the hidden checks read), plus a SQLite gradebook that knows the assignment and
no student. The worker unpacks it into a private course (:mod:`.task`); it
never sees the instructor's gradebook, so it needs no database credentials.

The template gradebook is the slow part (nbgrader's ``generate_assignment``):
it is kept in ``autograded/.cache`` under the course's digest and rebuilt only
when the source, the configuration or the pipeline changed.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from kmeans_em_lab.course.paths import CONFIG_FILE, page_name
from kmeans_em_lab.pipeline.driver import stamps
from kmeans_em_lab.pipeline.driver.intake import NBGRADER_FILES
from kmeans_em_lab.pipeline.driver.prepare import SetupError
from kmeans_em_lab.pipeline.driver.settings import Settings
from kmeans_em_lab.pipeline.shared.folders import read_regular, walk, write_atomically
from kmeans_em_lab.pipeline.shared.jobs import GRADEBOOK, CourseBundle

log = logging.getLogger(__name__)


def _regular_files(folder: Path) -> list[str]:
    """Regular files under ``folder`` by relative path (:func:`.folders.walk`: links and
    other special files never followed nor opened, caches left out)."""
    found = walk(folder)
    for entry in found.left_out:
        log.warning("course bundle: %s/%s left out (%s)", folder, entry.rel, entry.why)
    return [entry.rel for entry in found.files]


def _released(course) -> set[str]:
    """The files of the source assignment a kernel may be given: its notebook and what the
    release holds. nbgrader's autograde copies every other file of the source assignment
    beside the submission, where the student's code reads it: an instructor's script or
    page made from the source notebook (``nbconvert --to script``), a paired ``.py``, notes,
    a backup hold the solutions."""
    if not course.release.is_dir():
        return {course.notebook}
    return {course.notebook, *_regular_files(course.release)}


def written_beside_submission(settings: Settings) -> frozenset[str]:
    """The paths, relative to a submission's folder, that nbgrader and the grader write in
    its copies: the source assignment's files the kernel is given (autograde copies them
    over the student's), nbgrader's submission time, the feedback page."""
    notebook = settings.notebook
    return frozenset({*_released(settings.course), *NBGRADER_FILES, page_name(notebook)})


def course_files(settings: Settings) -> dict[str, bytes]:
    """What grading reads from the course besides the submission, by relative path."""
    course = settings.course
    root = course.root
    files = {CONFIG_FILE: course.config_file.read_bytes()}
    source, released = course.source.relative_to(root), _released(course)
    for folder in (source, course.data.relative_to(root)):
        for rel in _regular_files(root / folder):
            if folder == source and rel not in released:
                log.warning(
                    "course bundle: %s/%s left out: not in %s (a kernel is given only what "
                    "the students were given)", root / folder, rel, course.release,
                )  # fmt: skip
                continue
            data = read_regular(root / folder, rel)
            if data is None:
                log.warning("course bundle: %s/%s cannot be read: left out", root / folder, rel)
                continue
            files[(folder / rel).as_posix()] = data
    return files


def template_gradebook(settings: Settings, files: dict[str, bytes]) -> bytes:
    """A SQLite gradebook in which nbgrader recorded the assignment (built in a scratch copy)."""
    from kmeans_em_lab.course import release

    with tempfile.TemporaryDirectory(prefix="lab3-course-") as scratch:
        root = Path(scratch)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        url = f"sqlite:///{root / GRADEBOOK}"
        try:
            release.generate(root, settings.assignment, use_db=True, db_url=url)
        except RuntimeError as err:  # what generating refuses (a release file with markers)
            raise SetupError(str(err)) from None
        return (root / GRADEBOOK).read_bytes()


def build(settings: Settings) -> CourseBundle:
    """The bundle of ``settings``' course (the template gradebook cached by digest)."""
    digest = stamps.course_digest(
        settings.root, settings.assignment, drawn=not settings.fixed_inputs
    )
    files = course_files(settings)
    cached = settings.cache / f"gradebook-{digest[:32]}.db"
    if cached.is_file():
        gradebook = cached.read_bytes()
    else:
        gradebook = template_gradebook(settings, files)
        for old in cached.parent.glob("gradebook-*.db"):
            old.unlink(missing_ok=True)
        write_atomically(cached, gradebook)
    return CourseBundle(
        assignment=settings.assignment,
        notebook=settings.notebook,
        digest=digest,
        files=files,
        gradebook=gradebook,
    )
