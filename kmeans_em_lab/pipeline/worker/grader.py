"""Grading one submission on a worker, in a private course that nothing else sees.

The worker unpacks the course bundle once (:mod:`.course_bundle`: config,
source assignment, data, a gradebook that knows the assignment) into a
private folder and keeps one ``NbGraderAPI`` on it. For each submission it
writes the submitted files under ``submitted/<student>``, runs nbgrader's
``autograde`` (the pipeline's preprocessors: sandboxed kernel, verdicts judged
outside it) and ``generate_feedback`` against that private gradebook, and
returns everything the driver needs as data: the autograded and feedback
files, the per-cell scores, comments and causes as its gradebook and notebook
hold them (:class:`.jobs.GradedCells`: the driver saves them without reading
the notebook again), the submission's timestamp, flags and log. The
worker never writes the instructor's gradebook or course; the driver
(:mod:`.store`) is the one writer.
"""

from __future__ import annotations

import os
import re
from functools import partial

from nbgrader.api import MissingEntry

from kmeans_em_lab.course.paths import Course, page_name
from kmeans_em_lab.pipeline.pages.feedback_page import PAGE_LIMITS, make_page
from kmeans_em_lab.pipeline.shared import contained, scores
from kmeans_em_lab.pipeline.shared.course_config import course_id, load_course_config
from kmeans_em_lab.pipeline.shared.folders import read_files, remove, write_files
from kmeans_em_lab.pipeline.shared.jobs import (
    ERROR,
    GRADEBOOK,
    GRADED,
    CellResult,
    CommentResult,
    CourseBundle,
    GradedCells,
    GradingResult,
    SubmissionFiles,
    TaskOptions,
)
from kmeans_em_lab.pipeline.worker import incidents
from kmeans_em_lab.pipeline.worker.config import grading_config
from kmeans_em_lab.pipeline.worker.task import scratch, without_worker_paths

_EXCEPTION_LINE = re.compile(r"^\s*((?:\w+\.)*\w*(?:Error|Exception|Exit)\w*): (.+)$")


def error_summary(log: str, error: str = "") -> str:
    """The most telling line of a failed nbgrader run: its last exception, else an ERROR line."""
    # each line read to its first 2,000 characters: the pattern backtracks on a long one
    lines = [line[:2000] for line in (log or "").splitlines() + (error or "").splitlines()]
    for line in reversed(lines):
        match = _EXCEPTION_LINE.match(line)
        if match and "NbGraderException" not in match.group(1):
            return f"{match.group(1)}: {match.group(2).strip()}"[:500]
    for line in lines:
        if line.startswith("[ERROR]"):
            return line[len("[ERROR]") :].strip()[:500]
    return "nbgrader failed without saying why (see the student's log)"


class PrivateCourse:
    """One unpacked course bundle and the ``NbGraderAPI`` that grades in it."""

    def __init__(self, bundle: CourseBundle, options: TaskOptions):
        from nbgrader.apps import NbGraderAPI

        from kmeans_em_lab.pipeline.worker import engine_cache, schema_cache

        schema_cache.install()  # nbgrader's metadata check: the schema checked once
        engine_cache.install()  # nbgrader's gradebook: SQL compiled once per worker
        self.bundle = bundle
        self.root = scratch() / f"course-{bundle.digest[:12]}-{'s' if options.sandbox else 'n'}"
        remove(self.root)
        self.root.mkdir(parents=True)
        bundle.unpack(self.root)
        self.folders = Course(self.root, bundle.assignment)  # its folders
        os.environ["LAB3_COURSE_ROOT"] = str(self.root)  # the hidden checks read its data/
        base = load_course_config(self.root)
        base.CourseDirectory.db_url = f"sqlite:///{self.root / GRADEBOOK}"
        # its private gradebook
        self.book = scores.GradebookRef(
            f"sqlite:///{self.root / GRADEBOOK}?timeout=120", course_id(base), bundle.assignment
        )
        config = grading_config(base, sandbox=options.sandbox, scratch=scratch())
        config.CourseDirectory.db_url = self.book.url
        if options.budget != float("inf"):
            config.ResilientExecute.notebook_seconds = options.budget
        config.ResilientExecute.run_probes = options.probes
        self.api = NbGraderAPI(config=config)

    def grade(self, submission: SubmissionFiles) -> GradingResult:
        """Grade ``submission`` under its draw of the hidden tests' inputs
        (:mod:`kmeans_em_lab.checks.draws`; none: the default draw)."""
        from kmeans_em_lab.checks import draws, usable_draw

        os.environ["LAB3_COURSE_ROOT"] = str(self.root)
        student, assignment = submission.student, self.bundle.assignment
        self._forget(student)
        try:
            write_files(self.folders.submitted(student), submission.files)
            with draws.using(usable_draw(submission.draw or draws.Draw.DEFAULT)):
                return self._autograde(student, assignment)
        finally:
            self._forget(student)

    def _autograde(self, student: str, assignment: str) -> GradingResult:
        run = self.api.autograde(assignment, student, force=True, create=True)
        log = run.get("log", "")
        notebook = self.folders.autograded(student) / self.bundle.notebook
        if not run.get("success") or not notebook.exists():
            return GradingResult.not_graded(
                student,
                ERROR,
                without_worker_paths(error_summary(log, run.get("error", ""))),
                log=log + run.get("error", ""),
            )
        flags = incidents.flags(notebook)
        page = self.folders.feedback(student) / page_name(notebook.name)
        step = partial(make_page, self.api, self.bundle.assignment, student, page, notebook)
        made = contained.run_steps([step], PAGE_LIMITS)[0]
        if isinstance(made, contained.Stopped):
            flags.append(
                f"feedback not generated: making the page took {contained.cost(made, PAGE_LIMITS)}"
            )
            remove(page)
        else:
            log += made["log"]
            if not made["success"]:  # in the words of the page's own step, not the kernel's
                why = error_summary(made["log"], made["error"])
                flags.append("feedback not generated: " + without_worker_paths(why))
            elif made["problem"]:
                flags.append(made["problem"])
        row = scores.student_scores(self.book, student)
        return GradingResult(
            student,
            GRADED,
            flags=flags,
            log=log,
            grades={name: got for name, (got, _) in row.grades.items()},
            cells=self._cells(student, notebook),
            timestamp=row.timestamp.isoformat() if row.timestamp else None,
            # the notebook alone: nbgrader copies the submission's other files beside it,
            # and a hand-run generate_feedback copies them on beside the page, where a
            # student's own .html or .svg would run when the page links to it
            autograded=graded_files_only(
                read_files(self.folders.autograded(student)), notebook.name
            ),
            feedback=graded_files_only(read_files(self.folders.feedback(student)), page.name),
        )

    def _cells(self, student: str, notebook) -> GradedCells:
        """The scores and comments ``SaveAutoGrades`` wrote into this course's gradebook, with
        each graded cell's causes read from the autograded notebook."""
        from kmeans_em_lab.pipeline.shared import causes

        found = causes.read(notebook)
        grades, comments = scores.saved_cells(self.book, student)
        return GradedCells(
            cells=tuple(
                CellResult(
                    grade_id,
                    auto,
                    points,
                    tuple((c.code, c.message) for c in found[grade_id])
                    if grade_id in found
                    else None,
                )
                for grade_id, auto, points in grades
            ),
            comments=tuple(CommentResult(g, text) for g, text in comments),
        )

    def _forget(self, student: str) -> None:
        """The student's files and private gradebook entry: gone (each grading starts clean)."""
        folders = self.folders
        for folder in (folders.submitted, folders.autograded, folders.feedback):
            remove(folder(student).parent)
        with self.book.open() as gb:
            try:
                gb.remove_submission(self.bundle.assignment, student)
            except MissingEntry:
                pass


def graded_files_only(files: dict[str, bytes], *names: str) -> dict[str, bytes]:
    """Of the files nbgrader wrote in one of a student's folders, those named ``names``
    (at the folder's top) alone."""
    return {name: files[name] for name in names if name in files}


_COURSES: dict[tuple[str, TaskOptions], PrivateCourse] = {}  # (bundle's digest, options)


def grade_submission(
    bundle: CourseBundle, submission: SubmissionFiles, options: TaskOptions
) -> GradingResult:
    """The default job (``Settings.job``): one submission graded in this worker's course."""
    key = (bundle.digest, options)
    if key not in _COURSES:
        _COURSES[key] = PrivateCourse(bundle, options)
    return _COURSES[key].grade(submission)
