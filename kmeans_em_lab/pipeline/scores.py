"""Gradebook reads and writes the pipeline needs, through nbgrader's ``Gradebook``.

The stale-score rule lives here: :func:`zero_submissions` sets every automatic
score of a student's submission to 0 before a regrade (and after a failure),
so a grading that dies half way can never leave the previous run's scores.
Manual scores an instructor entered are left alone, as nbgrader itself does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbgrader.api import Gradebook, MissingEntry


@dataclass
class StudentScores:
    """One student's submission as the gradebook has it."""

    student: str
    timestamp: object = None
    score: float = 0.0
    max_score: float = 0.0
    late_penalty: float = 0.0
    grades: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (got, max)
    flagged: bool = False

    @property
    def raw_score(self) -> float:
        return sum(got for got, _ in self.grades.values())


def ensure_students(url: str, course: str, students: list[str]) -> None:
    with Gradebook(url, course) as gb:
        for student in students:
            gb.update_or_create_student(student)


def zero_submissions(
    url: str, course: str, assignment: str, students: list[str], *, flagged: bool | None = None
) -> None:
    """All automatic scores of each student's submission set to 0 (created if missing)."""
    with Gradebook(url, course) as gb:
        for student in students:
            gb.update_or_create_student(student)
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                submission = gb.add_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
                if flagged is not None:
                    notebook.flagged = flagged
        gb.db.commit()


def has_manual_grades(url: str, course: str, assignment: str, student: str) -> bool:
    """An instructor entered a score, extra credit or comment for this submission."""
    with Gradebook(url, course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return False
        for notebook in submission.notebooks:
            if any(g.manual_score is not None or g.extra_credit for g in notebook.grades):
                return True
            if any(c.manual_comment for c in notebook.comments):
                return True
        return False


def set_flagged(url: str, course: str, assignment: str, student: str, flagged: bool) -> None:
    with Gradebook(url, course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            notebook.flagged = flagged
        gb.db.commit()


def has_submission(url: str, course: str, assignment: str, student: str) -> bool:
    with Gradebook(url, course) as gb:
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            return False
        return True


def _cells(gb: Gradebook, assignment: str) -> list[tuple[str, float]]:
    return [
        (cell.name, float(cell.max_score or 0.0))
        for notebook in gb.find_assignment(assignment).notebooks
        for cell in notebook.grade_cells
    ]


def _row(gb: Gradebook, cells: list[tuple[str, float]], assignment: str, student: str):
    row = StudentScores(student=student)
    row.grades = {name: (0.0, points) for name, points in cells}
    row.max_score = sum(points for _, points in cells)
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return row
    row.timestamp = submission.timestamp
    row.score = float(submission.score or 0.0)
    row.max_score = float(submission.max_score or row.max_score)
    row.late_penalty = float(submission.late_submission_penalty or 0.0)
    for notebook in submission.notebooks:
        row.flagged = row.flagged or bool(notebook.flagged)
        for grade in notebook.grades:
            row.grades[grade.name] = (float(grade.score or 0.0), float(grade.max_score))
    return row


def student_scores(url: str, course: str, assignment: str, student: str) -> StudentScores:
    with Gradebook(url, course) as gb:
        return _row(gb, _cells(gb, assignment), assignment, student)


def class_scores(url: str, course: str, assignment: str) -> dict[str, StudentScores]:
    """Every student in the gradebook -> their scores (zeros when nothing was submitted)."""
    with Gradebook(url, course) as gb:
        cells = _cells(gb, assignment)
        return {st.id: _row(gb, cells, assignment, st.id) for st in gb.students}
