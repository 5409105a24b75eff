"""Grading one student, inside a long-lived worker holding one ``NbGraderAPI``.

Order matters for the stale-score rule: the old stamp, the old automatic scores
(zeroed), the old autograded notebook and feedback go first; only then is the
submission run. Whatever happens next, the gradebook holds either this run's
scores or zeros, never the previous run's.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from . import incidents, intake, scores, stamps
from .settings import Settings, course_id, db_url, grading_config, load_course_config

_EXCEPTION_LINE = re.compile(r"^\s*((?:\w+\.)*\w*(?:Error|Exception|Exit)\w*): (.+)$")


def error_summary(log: str, error: str = "") -> str:
    """The most telling line of a failed nbgrader run: its last exception, else an ERROR line."""
    lines = (log or "").splitlines() + (error or "").splitlines()
    for line in reversed(lines):
        match = _EXCEPTION_LINE.match(line)
        if match and "NbGraderException" not in match.group(1):
            return f"{match.group(1)}: {match.group(2).strip()}"[:500]
    for line in lines:
        if line.startswith("[ERROR]"):
            return line[len("[ERROR]") :].strip()[:500]
    return "nbgrader failed without saying why (see the student's log)"


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def clear_outputs(settings: Settings, student: str) -> None:
    """This student's autograded notebook, feedback and stamp: gone (they would be stale)."""
    stamps.remove(settings.root, settings.assignment, student)
    _remove(settings.autograded_dir(student))
    _remove(settings.feedback_dir(student))


def mark_failed(settings: Settings, url: str, course: str, student: str) -> None:
    """After the last attempt failed: 0 everywhere, flagged, nothing stale left behind."""
    clear_outputs(settings, student)
    scores.zero_submission(url, course, settings.assignment, student, flagged=True)


class StudentGrader:
    """Grades students one after another with one ``NbGraderAPI`` (built once)."""

    def __init__(self, settings: Settings, worker_index: int = 0, scratch: Path | None = None):
        from nbgrader.apps import NbGraderAPI

        self.settings = settings
        base = load_course_config(settings.root)
        self.url = db_url(base)
        self.course = course_id(base)
        config = grading_config(base, settings, worker_index=worker_index, scratch=scratch)
        self.api = NbGraderAPI(config=config)
        self.course_digest = stamps.course_digest(settings.root, settings.assignment)

    def __call__(self, student: str) -> dict:
        return self.grade(student)

    def grade(self, student: str) -> dict:
        s = self.settings
        started = time.monotonic()
        folder = s.submitted / student / s.assignment
        result = {
            "student": student,
            "submission": stamps.folder_digest(folder),
            "course": self.course_digest,
            "flags": [],
            "message": "",
            "sandbox": s.sandbox,
        }
        clear_outputs(s, student)
        scores.zero_submission(self.url, self.course, s.assignment, student, flagged=False)
        sub = intake.inspect(student, folder, s.notebook)
        result["flags"] += sub.flags
        if sub.problem:
            result.update(status="zero", message=sub.problem)
            result["flags"].insert(0, sub.problem)
        else:
            self._autograde(sub, result)
        if result["status"] in ("graded", "zero"):
            if result["flags"]:
                scores.set_flagged(self.url, self.course, s.assignment, student, True)
            result["score"], result["max_score"] = self._total(student)
            result["seconds"] = round(time.monotonic() - started, 2)
            stamps.write(s.root, s.assignment, student, result)
        result["seconds"] = round(time.monotonic() - started, 2)
        return result

    def _autograde(self, sub: intake.Submission, result: dict) -> None:
        s = self.settings
        staged = self._stage(sub)
        try:
            run = self.api.autograde(s.assignment, sub.student, force=True, create=True)
        finally:
            shutil.rmtree(staged.parent, ignore_errors=True)
        log = run.get("log", "")
        notebook = s.autograded_dir(sub.student) / s.notebook
        if not run.get("success") or not notebook.exists():
            self._write_log(sub.student, log + run.get("error", ""))
            result.update(status="error", message=error_summary(log, run.get("error", "")))
            return
        result["flags"] += incidents.flags(notebook)
        feedback = self.api.generate_feedback(s.assignment, sub.student, force=True)
        log += feedback.get("log", "")
        if not feedback.get("success"):
            result["flags"].append(
                "feedback not generated: " + error_summary(log, feedback.get("error", ""))
            )
        self._write_log(sub.student, log)
        result.update(status="graded")

    def _stage(self, sub: intake.Submission) -> Path:
        """Copy the submission where nbgrader reads it, the notebook under its expected name."""
        s = self.settings
        dest = s.staging / sub.student / s.assignment
        _remove(dest)
        dest.mkdir(parents=True)
        for path in sub.folder.rglob("*"):
            rel = path.relative_to(sub.folder)
            skipped = intake.IGNORED - {"timestamp.txt"}
            if path.is_symlink() or not path.is_file() or any(p in skipped for p in rel.parts):
                continue
            if path.suffix == ".ipynb":
                continue  # only the notebook being graded goes in, below
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
        shutil.copy2(sub.notebook, dest / s.notebook)
        return dest

    def _total(self, student: str) -> tuple[float, float]:
        row = scores.student_scores(self.url, self.course, self.settings.assignment, student)
        return row.score, row.max_score

    def _write_log(self, student: str, text: str) -> None:
        logs = self.settings.logs
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"{student}.log").write_text(text)


def make_job(worker_index: int, settings: Settings, scratch: Path) -> Callable[[str], dict]:
    """The worker's job: ``student -> result dict`` (see :mod:`.worker`)."""
    return StudentGrader(settings, worker_index, scratch)
