"""Gradebook reads and writes the pipeline needs, through nbgrader's ``Gradebook`` and its
ORM (SQLite or PostgreSQL alike).

The stale-score rule lives here: :func:`zero_submissions` sets every automatic
score of a student's submission to 0 before a regrade (and after a failure),
so a grading that dies half way can never leave the previous run's scores.
Manual scores an instructor entered are left alone, as nbgrader itself does.

The class is read and written in bulk: :func:`save_results` writes a batch of
results in one transaction (the automatic scores and comments a worker's
``SaveAutoGrades`` produced, with nbgrader's rule for ``needs_manual_grade``),
:func:`class_scores` reads every student in a few queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from nbgrader import utils as nbgrader_utils
from nbgrader.api import (
    Assignment,
    BaseCell,
    Comment,
    Grade,
    Gradebook,
    MissingEntry,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
)
from sqlalchemy import func


@dataclass(frozen=True)
class GradebookRef:
    """Where one assignment's scores live: the gradebook's URL, the course id in it, the
    assignment's name. The one handle every read and write below takes."""

    url: str
    course: str
    assignment: str

    def open(self) -> Gradebook:
        """nbgrader's ``Gradebook`` on it (a context manager: closed on leaving)."""
        return Gradebook(self.url, self.course)


CHUNK = 500  # students per ``IN (...)`` of one query (within every database's limit)
# rows a class-wide query hands over at a time: PostgreSQL streams them from a server-side
# cursor instead of buffering the whole class in the driver (SQLite streams anyway)
ROWS_AT_A_TIME = 5000


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


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _new_submission(gb: Gradebook, assignment: Assignment, student: Student):
    """A submission mirroring the assignment's cells, as ``Gradebook.add_submission`` makes
    it, added to the session (committed with the rest of the transaction)."""
    # no flush while it is built: SQLAlchemy would warn that the half-made submission,
    # reachable from the assignment already, is not in the session yet (on the terminal)
    with gb.db.no_autoflush:
        submission = SubmittedAssignment(assignment=assignment, student=student)
        for notebook in assignment.notebooks:
            nb = SubmittedNotebook(notebook=notebook, assignment=submission)
            for grade_cell in notebook.grade_cells:
                Grade(cell_id=grade_cell.id, notebook=nb)
            for solution_cell in notebook.solution_cells:
                Comment(cell_id=solution_cell.id, notebook=nb)
            for task_cell in notebook.task_cells:
                Comment(cell_id=task_cell.id, notebook=nb)
                Grade(cell_id=task_cell.id, notebook=nb)
        gb.db.add(submission)
    return submission


def _students(gb: Gradebook, students: list[str]) -> dict[str, Student]:
    """The students (created where missing, uncommitted)."""
    found = {s.id: s for s in gb.db.query(Student).filter(Student.id.in_(students))}
    for student in students:
        if student not in found:
            found[student] = Student(id=student)
            gb.db.add(found[student])
    return found


def _submissions(
    gb: Gradebook, assignment: str, students: list[str]
) -> dict[str, SubmittedAssignment]:
    """Each student's submission of ``assignment`` (students and submissions created where
    missing, uncommitted)."""
    known = _students(gb, students)
    found = {
        sub.student_id: sub
        for sub in gb.db.query(SubmittedAssignment)
        .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
        .filter(Assignment.name == assignment, SubmittedAssignment.student_id.in_(students))
    }
    missing = [s for s in students if s not in found]
    if missing:
        master = gb.find_assignment(assignment)
        for student in missing:
            found[student] = _new_submission(gb, master, known[student])
    gb.db.flush()
    return found


def ensure_students(book: GradebookRef, students: list[str]) -> None:
    """Every student in the gradebook (one transaction)."""
    with book.open() as gb:
        for chunk in _chunks(sorted(set(students))):
            _students(gb, chunk)
        gb.db.commit()


def zero_submissions(
    book: GradebookRef, students: list[str], *, flagged: bool | None = None
) -> None:
    """All automatic scores of each student's submission set to 0 (created if missing),
    in one transaction."""
    assignment = book.assignment
    with book.open() as gb:
        for chunk in _chunks(sorted(set(students))):
            ids = [sub.id for sub in _submissions(gb, assignment, chunk).values()]
            notebooks = gb.db.query(SubmittedNotebook.id).filter(
                SubmittedNotebook.assignment_id.in_(ids)
            )
            gb.db.query(Grade).filter(Grade.notebook_id.in_(notebooks.scalar_subquery())).update(
                {Grade.auto_score: 0.0, Grade.needs_manual_grade: False},
                synchronize_session=False,
            )
            if flagged is not None:
                gb.db.query(SubmittedNotebook).filter(
                    SubmittedNotebook.assignment_id.in_(ids)
                ).update({SubmittedNotebook.flagged: flagged}, synchronize_session=False)
        gb.db.commit()


def submitted_students(book: GradebookRef) -> set[str]:
    """The students with a submission of ``assignment`` in the gradebook."""
    assignment = book.assignment
    with book.open() as gb:
        rows = (
            gb.db.query(SubmittedAssignment.student_id)
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .filter(Assignment.name == assignment)
        )
        return {student for (student,) in rows}


def saved_cells(
    book: GradebookRef, student: str
) -> tuple[list[tuple[str, float | None, float]], list[tuple[str, str | None]]]:
    """What ``SaveAutoGrades`` wrote for one submission: ``(grade id, auto score, points)``
    per grade and ``(grade id, auto comment)`` per comment, in the notebook's order."""
    assignment = book.assignment
    with book.open() as gb:
        submission = gb.find_submission(assignment, student)
        grades, comments = [], []
        for notebook in submission.notebooks:
            grades += [(g.name, g.auto_score, float(g.max_score or 0.0)) for g in notebook.grades]
            comments += [(c.name, c.auto_comment) for c in notebook.comments]
        return grades, comments


@dataclass(frozen=True)
class ToSave:
    """One result for :func:`save_results`. ``graded``: ``scores`` (grade id -> automatic
    score) and ``comments`` (grade id -> automatic comment) are what the worker's
    ``SaveAutoGrades`` wrote; otherwise the submission got 0 without grading.
    ``timestamp``: ISO 8601, or None."""

    student: str
    graded: bool = False
    scores: Mapping[str, float | None] = field(default_factory=dict)
    comments: Mapping[str, str | None] = field(default_factory=dict)
    timestamp: str | None = None
    flagged: bool = False


@dataclass(frozen=True)
class Saved:
    """A student's submission after :func:`save_results`: the gradebook's total, and
    whether an instructor's score, extra credit or comment is in it."""

    score: float
    max_score: float
    manual: bool


def save_results(book: GradebookRef, notebook: str, batch: Iterable[ToSave]) -> dict[str, Saved]:
    """Write ``batch`` into the gradebook in one transaction: each graded cell's automatic
    score and each comment as the worker's ``SaveAutoGrades`` left them (a grade with a
    manual score, or no automatic one, then needs manual grading: nbgrader's rule; manual
    scores and comments stay), the submission's timestamp, the flag. Returns student ->
    :class:`Saved`.

    Every row is found through the unique keys nbgrader's tables have (a cell and a
    submitted notebook; a notebook and a submission), so a batch costs the same in a
    class of ten thousand as in a class of ten."""
    batch = list(batch)
    students = sorted({entry.student for entry in batch})
    out: dict[str, Saved] = {}
    assignment = book.assignment
    with book.open() as gb:
        subs = _submissions(gb, assignment, students)
        master = gb.find_assignment(assignment)
        cells = _assignment_cells(master)
        of_submission = {sub.id: student for student, sub in subs.items()}
        submitted = {
            nb_id: of_submission[sub_id]
            for nb_id, sub_id, nb in gb.db.query(
                SubmittedNotebook.id, SubmittedNotebook.assignment_id, SubmittedNotebook.notebook_id
            ).filter(
                SubmittedNotebook.notebook_id.in_([n.id for n in master.notebooks]),
                SubmittedNotebook.assignment_id.in_(list(of_submission)),
            )
        }
        graded = {e.student: e for e in batch if e.graded}
        for entry in graded.values():
            if entry.timestamp:
                subs[entry.student].timestamp = nbgrader_utils.parse_utc(
                    datetime.fromisoformat(entry.timestamp)
                )
        manual: set[str] = set()
        mine = [nb_id for nb_id, student in submitted.items() if student in graded]
        for grade in _rows(gb, Grade, cells.graded, mine):
            student, name = submitted[grade.notebook_id], cells.names[grade.cell_id]
            auto = graded[student].scores
            if cells.notebook[grade.cell_id] == notebook and name in auto:
                grade.auto_score = auto[name]
                grade.needs_manual_grade = (grade.manual_score is not None) or (
                    grade.auto_score is None
                )
            if grade.manual_score is not None or grade.extra_credit:
                manual.add(student)
        for comment in _rows(gb, Comment, cells.commented, mine):
            student, name = submitted[comment.notebook_id], cells.names[comment.cell_id]
            texts = graded[student].comments
            if cells.notebook[comment.cell_id] == notebook and name in texts:
                comment.auto_comment = texts[name]
            if comment.manual_comment:
                manual.add(student)
        flag = [subs[e.student].id for e in batch if e.flagged]
        if flag:
            gb.db.query(SubmittedNotebook).filter(
                SubmittedNotebook.notebook_id.in_([n.id for n in master.notebooks]),
                SubmittedNotebook.assignment_id.in_(flag),
            ).update({SubmittedNotebook.flagged: True}, synchronize_session=False)
        gb.db.commit()
        totals = {student: 0.0 for student in students}
        for nb_id, score in (
            gb.db.query(Grade.notebook_id, func.coalesce(func.sum(Grade.score), 0.0))
            .filter(Grade.cell_id.in_(cells.graded), Grade.notebook_id.in_(list(submitted)))
            .group_by(Grade.notebook_id)
        ):
            totals[submitted[nb_id]] += float(score or 0.0)
        most = _max_score(gb, assignment)
        for student in students:
            out[student] = Saved(totals[student], most, student in manual)
    return out


@dataclass(frozen=True)
class _Cells:
    """An assignment's cells by id: grade id, notebook, and which have grades or comments."""

    names: dict[str, str]
    notebook: dict[str, str]
    graded: list[str]
    commented: list[str]


def _assignment_cells(assignment: Assignment) -> _Cells:
    names, notebooks, graded, commented = {}, {}, [], []
    for nb in assignment.notebooks:
        for cell in [*nb.grade_cells, *nb.solution_cells, *nb.task_cells]:
            names[cell.id], notebooks[cell.id] = cell.name, nb.name
        graded += [c.id for c in [*nb.grade_cells, *nb.task_cells]]
        commented += [c.id for c in [*nb.solution_cells, *nb.task_cells]]
    return _Cells(names, notebooks, graded, commented)


def _rows(gb: Gradebook, kind, cell_ids: list[str], notebook_ids: list[str]) -> list:
    """The grades or comments (``kind``) of these cells in these submitted notebooks, found
    through their unique key (cell, notebook)."""
    if not cell_ids or not notebook_ids:
        return []
    return (
        gb.db.query(kind)
        .filter(kind.cell_id.in_(cell_ids), kind.notebook_id.in_(notebook_ids))
        .all()
    )


def _max_score(gb: Gradebook, assignment: str) -> float:
    """The assignment's points (nbgrader's ``Assignment.max_score``)."""
    most = gb.db.query(Assignment.max_score).filter(Assignment.name == assignment).scalar()
    return float(most or 0.0)


def _totals(
    gb: Gradebook, assignment: str, submission_ids: list[str] | None = None
) -> dict[str, tuple[float, float]]:
    """student -> (score, late penalty) of their submission of ``assignment``: the sums of
    nbgrader's ``SubmittedAssignment.score`` and ``late_submission_penalty``, grouped in one
    query each (not a sub-query per submission)."""

    def of_assignment(query):
        query = query.join(Assignment, Assignment.id == SubmittedAssignment.assignment_id).filter(
            Assignment.name == assignment
        )
        if submission_ids is not None:
            query = query.filter(SubmittedAssignment.id.in_(submission_ids))
        return query.group_by(SubmittedAssignment.student_id)

    scores_ = of_assignment(
        gb.db.query(SubmittedAssignment.student_id, func.coalesce(func.sum(Grade.score), 0.0))
        .select_from(SubmittedAssignment)
        .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
    )
    penalties = of_assignment(
        gb.db.query(
            SubmittedAssignment.student_id,
            func.coalesce(func.sum(SubmittedNotebook.late_submission_penalty), 0.0),
        )
        .select_from(SubmittedAssignment)
        .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
    )
    found = {student: (float(score or 0.0), 0.0) for student, score in scores_}
    for student, penalty in penalties:
        found[student] = (found.get(student, (0.0, 0.0))[0], float(penalty or 0.0))
    return found


def has_manual_grades(book: GradebookRef, student: str) -> bool:
    """An instructor entered a score, extra credit or comment for this submission."""
    assignment = book.assignment
    with book.open() as gb:
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


def set_flagged(book: GradebookRef, student: str, flagged: bool) -> None:
    assignment = book.assignment
    with book.open() as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            notebook.flagged = flagged
        gb.db.commit()


def has_submission(book: GradebookRef, student: str) -> bool:
    assignment = book.assignment
    with book.open() as gb:
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


def student_scores(book: GradebookRef, student: str) -> StudentScores:
    assignment = book.assignment
    with book.open() as gb:
        return _row(gb, _cells(gb, assignment), assignment, student)


def class_scores(book: GradebookRef) -> dict[str, StudentScores]:
    """Every student in the gradebook -> their scores (zeros when nothing was submitted),
    read in a few queries whatever the size of the class (the same numbers as
    :func:`student_scores`: nbgrader's own score expressions)."""
    assignment = book.assignment
    with book.open() as gb:
        cells = _cells(gb, assignment)
        max_score = sum(points for _, points in cells)
        table = {}
        for (student,) in gb.db.query(Student.id).yield_per(ROWS_AT_A_TIME):
            row = StudentScores(student=student, max_score=max_score)
            row.grades = {name: (0.0, points) for name, points in cells}
            table[student] = row
        submissions = (
            gb.db.query(SubmittedAssignment.student_id, SubmittedAssignment.timestamp)
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .filter(Assignment.name == assignment)
        )
        most = _max_score(gb, assignment)
        totals = _totals(gb, assignment)
        for student, timestamp in submissions.yield_per(ROWS_AT_A_TIME):
            row = table[student]
            row.timestamp = timestamp
            row.score, row.late_penalty = totals.get(student, (0.0, 0.0))
            row.max_score = most or row.max_score
        of_assignment = (
            gb.db.query(SubmittedAssignment.student_id, SubmittedNotebook.flagged)
            .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .filter(Assignment.name == assignment)
        )
        for student, flagged in of_assignment.yield_per(ROWS_AT_A_TIME):
            table[student].flagged = table[student].flagged or bool(flagged)
        grades = (
            gb.db.query(SubmittedAssignment.student_id, BaseCell.name, Grade.score, Grade.max_score)
            .select_from(Grade)
            .join(BaseCell, Grade.cell_id == BaseCell.id)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
            .filter(Assignment.name == assignment)
        )
        for student, name, score, most in grades.yield_per(ROWS_AT_A_TIME):
            table[student].grades[name] = (float(score or 0.0), float(most))
        return table
