"""``reports/grades.csv``: nbgrader's export columns, per-function points, the run's outcome.

Columns, in order:

- ``assignment, duedate, timestamp, student_id, last_name, first_name, email,
  raw_score, late_submission_penalty, score, max_score``: exactly what
  ``nbgrader export`` writes (its default CSV plugin), one row per student in
  the gradebook;
- ``<Function>`` for each function of the lab (the graded cells grouped by
  :func:`.grouping.function_of`): points obtained on that function's test cells;
- ``status``: ``graded``, ``zero`` (nothing gradable was submitted), ``failed``
  (could not be graded: 0 everywhere), ``not submitted``;
- ``flags``: what the instructor should look at, ``; ``-separated;
- ``sandbox``: ``on`` when the student's code ran in the sandbox, ``off`` when it
  was graded with ``--no-sandbox`` (with the grader's own rights);
- ``causes``: why points were lost, ``; ``-separated ``function:code`` items
  (``Update:input_modified; EM:time_limit``), codes of
  :data:`kmeans_em_lab.checks.cause_codes.CAUSES` read from the autograded notebook
  (:mod:`.causes`); empty when nothing was lost or the student is not graded.

Student ids, flags and messages are the submission's words, and the file is
opened in spreadsheets: every text cell goes through
:func:`.untrusted_text.for_csv` (a cell that would start a formula, such as
``=HYPERLINK(...)``, gets a leading ``'``; control characters are escaped).
Points and scores are the grader's numbers and are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from nbgrader.api import MissingEntry

from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.shared.causes import csv_field
from kmeans_em_lab.pipeline.shared.grouping import group
from kmeans_em_lab.pipeline.shared.scores import GradebookRef, StudentScores
from kmeans_em_lab.pipeline.shared.untrusted_text import for_csv

NBGRADER_COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]


def function_points(row: StudentScores, layout: AssignmentCells) -> dict[str, tuple[float, float]]:
    """function -> (points obtained, points available) for one student."""
    out = {}
    for function, ids in group(layout.grade_ids, layout.functions).items():
        got = sum(row.grades.get(g, (0.0, 0.0))[0] for g in ids)
        available = sum(points for g, points in layout.cells if g in ids)
        out[function] = (got, available)
    return out


def sandbox_mark(outcome: dict) -> str:
    """``on``/``off``: whether this outcome's grading ran in the sandbox ('' if not graded)."""
    if "status" not in outcome or outcome.get("status") == "not submitted":
        return ""
    return "off" if outcome.get("sandbox") is False else "on"


def _student_info(book: GradebookRef) -> tuple[object, dict[str, dict]]:
    with book.open() as gb:
        try:
            duedate = gb.find_assignment(book.assignment).duedate
        except MissingEntry:
            duedate = None
        info = {
            s.id: {"last_name": s.last_name, "first_name": s.first_name, "email": s.email}
            for s in gb.students
        }
    return duedate, info


def write_csv(
    path: Path,
    *,
    book: GradebookRef,
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    outcomes: dict[str, dict],
    causes: Mapping[str, Mapping[str, list]] | None = None,
) -> Path:
    """Write the CSV; ``outcomes`` is student -> {status, flags} (this run or the stamps),
    ``causes`` student -> function -> causes (:func:`.causes.read_class`)."""
    duedate, info = _student_info(book)
    functions = list(group(layout.grade_ids, layout.functions))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(NBGRADER_COLUMNS + functions + ["status", "flags", "sandbox", "causes"])
        for student in sorted(table):
            row = table[student]
            who = info.get(student, {})
            outcome = outcomes.get(student, {})
            points = function_points(row, layout)
            texts = [
                book.assignment,
                duedate or "",
                row.timestamp or "",
                student,
                who.get("last_name") or "",
                who.get("first_name") or "",
                who.get("email") or "",
            ]
            numbers = [row.raw_score, row.late_penalty, row.score, row.max_score]
            outcome_texts = [
                outcome.get("status", "not submitted"),
                "; ".join(outcome.get("flags", [])),
                sandbox_mark(outcome),
                csv_field((causes or {}).get(student, {})),
            ]
            writer.writerow(
                [for_csv(text) for text in texts]
                + [f"{number:g}" for number in numbers]
                + [f"{points[f][0]:g}" for f in functions]
                + [for_csv(text) for text in outcome_texts]
            )
    return path
