"""The driver's side of grading: submissions out as bytes, results in, one writer.

Before a batch, :func:`clear` removes each student's autograded notebook,
feedback and stamp and zeroes their automatic scores (the stale-score rule:
whatever happens next, the gradebook holds this run's scores or zeros, never
the previous run's). :func:`submission_files` reads a submission as bytes for
a worker. :func:`save` writes what a worker sent back: the autograded and
feedback files, the scores (through nbgrader's own ``SaveAutoGrades`` on the
autograded notebook, so manual scores and comments behave as in nbgrader),
flags, and last the stamp, so a driver stopped half way regrades exactly the
students it had not saved.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import PurePosixPath

import nbformat
from nbgrader.api import Gradebook

from kmeans_em_lab.checks.draws import Draw
from kmeans_em_lab.pipeline import intake, scores, stamps
from kmeans_em_lab.pipeline.folders import read_regular, remove, walk, write_files
from kmeans_em_lab.pipeline.settings import Settings
from kmeans_em_lab.pipeline.task import SubmissionFiles
from kmeans_em_lab.pipeline.untrusted_text import for_log


def clear_outputs(settings: Settings, student: str) -> None:
    """This student's autograded notebook, feedback and stamp: gone (they would be stale)."""
    stamps.remove(settings.root, settings.assignment, student)
    remove(settings.autograded_dir(student))
    remove(settings.feedback_dir(student))


def clear(settings: Settings, url: str, course: str, students: list[str]) -> None:
    """Before grading ``students``: outputs removed, automatic scores zeroed, not flagged."""
    for student in students:
        clear_outputs(settings, student)
    scores.zero_submissions(url, course, settings.assignment, students, flagged=False)


def mark_failed(settings: Settings, url: str, course: str, student: str) -> None:
    """After the last attempt failed: 0 everywhere, flagged, nothing stale left behind."""
    clear_outputs(settings, student)
    scores.zero_submissions(url, course, settings.assignment, [student], flagged=True)


def submission_files(
    sub: intake.Submission, notebook_name: str, secret: bytes = b""
) -> SubmissionFiles:
    """The files of a gradable submission, the notebook under ``notebook_name``, with its
    draw of the hidden tests' inputs from the course ``secret`` (b"": the fixed inputs).

    Walked by :func:`.folders.walk`: symbolic links, FIFOs and devices are never
    followed nor opened, and other notebooks are left out (only the one being
    graded goes in, as :func:`.intake.inspect` read it); ``timestamp.txt`` goes
    with them (nbgrader reads the submission time from it). Never raises on what
    the folder holds: a file that cannot be read now, or would take the files
    over ``sub.limits.total_bytes``, is left out and flagged (in ``sub.flags``).
    """
    files: dict[str, bytes] = {}
    missed: list[tuple[str, str]] = []
    budget = sub.limits.total_bytes if sub.limits is not None else None
    used = 0
    for entry in walk(sub.folder).files:
        if PurePosixPath(entry.rel).suffix == ".ipynb" or entry.rel in sub.left_out:
            continue
        if budget is not None and used + entry.size > budget:
            missed.append((entry.rel, "over the total size limit"))
            continue
        data = read_regular(sub.folder, entry.rel, limit=entry.size)
        if data is None:
            missed.append((entry.rel, "unreadable, or changed while read"))
            continue
        used += len(data)
        files[entry.rel] = data
    notebook = sub.notebook_bytes
    if notebook is None:
        notebook = read_regular(sub.folder, sub.notebook.relative_to(sub.folder).as_posix())
        if notebook is None:
            missed.append((sub.notebook.name, "unreadable, or changed while read"))
            notebook = b""
    if missed:
        sub.flags.append(intake.left_out_flag(missed))
    files[notebook_name] = notebook
    digest = stamps.folder_digest(sub.folder)
    draw = Draw.for_submission(secret, digest, sub.student) if secret else None
    return SubmissionFiles(student=sub.student, digest=digest, files=files, draw=draw)


def _save_scores(settings: Settings, url: str, course: str, student: str, result: dict) -> None:
    from nbgrader.preprocessors import SaveAutoGrades

    timestamp = result.get("timestamp")
    with Gradebook(url, course) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(
                settings.assignment, student, timestamp=datetime.fromisoformat(timestamp)
            )
        else:
            gb.update_or_create_submission(settings.assignment, student)
    notebook = nbformat.reads(
        result["autograded"][settings.notebook].decode("utf-8"), as_version=nbformat.NO_CONVERT
    )
    resources = {
        "nbgrader": {
            "notebook": settings.notebook_id,
            "assignment": settings.assignment,
            "student": student,
            "db_url": url,
        }
    }
    SaveAutoGrades().preprocess(notebook, resources)


def save(settings: Settings, url: str, course: str, result: dict, course_digest: str) -> dict:
    """Write a finished result (``status`` ``graded`` or ``zero``) and its stamp."""
    student = result["student"]
    if result["status"] == "graded":
        for folder, files in (
            (settings.autograded_dir(student), result.get("autograded", {})),
            (settings.feedback_dir(student), result.get("feedback", {})),
        ):
            remove(folder)
            write_files(folder, files)
        _save_scores(settings, url, course, student, result)
    if result.get("flags"):
        scores.set_flagged(url, course, settings.assignment, student, True)
    row = scores.student_scores(url, course, settings.assignment, student)
    result["score"], result["max_score"] = row.score, row.max_score
    if result["status"] == "graded" and scores.has_manual_grades(
        url, course, settings.assignment, student
    ):
        regenerate_feedback(settings, [student])  # the worker's feedback knew only its scores
    write_log(settings, student, result.get("log", ""))
    stamp = {k: v for k, v in result.items() if k not in ("autograded", "feedback", "log")}
    stamp["course"] = course_digest
    stamps.write(settings.root, settings.assignment, student, stamp)
    return result


def write_log(settings: Settings, student: str, text: str) -> None:
    settings.logs.mkdir(parents=True, exist_ok=True)
    path = settings.logs / f"{student}.log"
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(for_log(text))
    os.replace(tmp, path)


def regenerate_feedback(settings: Settings, students: list[str]) -> list[str]:
    """The feedback pages of ``students`` made again from the instructor's gradebook
    (:func:`.feedback_page.regenerate`: the one exporter, the summary); returns the
    students it failed for."""
    from kmeans_em_lab.pipeline.feedback_page import regenerate

    return regenerate(settings.root, settings.assignment, students, settings.notebook)
