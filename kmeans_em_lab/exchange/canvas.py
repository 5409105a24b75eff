"""``make canvas``: ``reports/grades.csv`` as a file Canvas imports into its gradebook.

Canvas's gradebook import (*Grades > Import*) reads the columns of its own
export: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``,
then one column per assignment, named ``<name> (<Canvas assignment id>)`` for
an existing assignment (a new name makes a new assignment), and an optional
``Points Possible`` row. This command writes ``reports/canvas_grades.csv``
with those columns and one grade column, ``Lab 3``.

The Canvas fields of each student come from the **roster**, Canvas's own
gradebook export (*Grades > Export > Export Entire Gradebook*), saved as
``roster.csv`` in the course root. Settings, in ``nbgrader_config.py``
(class ``CanvasGrades``, or ``--roster``, ``--id-column``, ``--assignment``):

- ``roster``: its path (relative to the course root);
- ``id_column``: the roster column that holds nbgrader's student ids: ``ID``
  (Canvas's user id, which ``make collect`` takes from Canvas's file names),
  ``SIS User ID`` or ``SIS Login ID`` (e.g. for JupyterHub user names);
- ``assignment``: the grade column; when the roster has a column
  ``<assignment> (<id>)`` that one is used, so the grades land in that
  Canvas assignment.

Only students with a grade are written (``graded`` and ``zero`` rows of
``grades.csv``; Canvas leaves the others unchanged). Every graded student
missing from the roster, every student who could not be graded and every
roster student without a grade is listed. Exit status: 0, 1 when some grades
are not in the file (listed), 2 when the file cannot be written (no roster, no
``grades.csv``, an unknown column, a duplicate id).

Like ``grades.csv``, the file is opened in spreadsheets, and a roster's names
are the students' own words: every text cell goes through
:func:`~kmeans_em_lab.pipeline.shared.untrusted_text.for_csv` (the grade, a number,
as it is). ``grades.csv`` holds each student id in that written form, so the
roster's ids are compared in it too.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from traitlets import Unicode
from traitlets.config import Configurable

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.shared.untrusted_text import for_csv

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it in its exports
GRADED = {"graded", "zero"}  # grades.csv statuses with a grade to return
OUTPUT = Path("reports") / "canvas_grades.csv"


class CanvasGrades(Configurable):
    """Where each student's Canvas fields come from (``c.CanvasGrades`` in nbgrader_config.py)."""

    roster = Unicode(
        "roster.csv",
        help="Canvas's gradebook export (Grades > Export), relative to the course root",
    ).tag(config=True)
    id_column = Unicode(
        "ID", help="roster column holding nbgrader's student ids (ID, SIS User ID, SIS Login ID)"
    ).tag(config=True)
    assignment = Unicode(
        "Lab 3", help='grade column; "<assignment> (<Canvas id>)" when the roster has one'
    ).tag(config=True)


class SetupError(Exception):
    """The Canvas file cannot be written (the message says why)."""


@dataclass
class Result:
    path: Path
    column: str
    written: list[str] = field(default_factory=list)  # student ids in the file
    not_in_roster: list[str] = field(default_factory=list)  # "id (score/max)"
    not_graded: list[str] = field(default_factory=list)  # "id (status)"
    without_grade: list[str] = field(default_factory=list)  # roster students, no grade


def settings(course_root: Path, **overrides: str | None) -> CanvasGrades:
    """``CanvasGrades`` from the course's nbgrader_config.py, then ``overrides`` (not None)."""

    grades = CanvasGrades(config=paths.Course.at(course_root).load_config())
    for name, value in overrides.items():
        if value is not None:
            setattr(grades, name, value)
    return grades


def read_roster(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, student rows) of a Canvas gradebook export, without its non-student rows."""
    if not path.is_file():
        raise SetupError(
            f"no roster at {path}: export Canvas's gradebook (Grades > Export > Export Entire "
            "Gradebook) and save it there, or set CanvasGrades.roster in nbgrader_config.py"
        )
    with open(path, newline="", encoding="utf-8-sig") as fh:  # Canvas writes a BOM
        reader = csv.DictReader(fh)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        rows = []
        for row in reader:
            student = (row.get("Student") or "").strip()
            # Canvas's export: a "Points Possible" row, and its "Student, Test" view user
            if student in ("Points Possible", "Student, Test") or not any(row.values()):
                continue
            rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    return header, rows


def grade_column(header: list[str], assignment: str) -> str:
    """The roster's ``<assignment> (<id>)`` column if there is one, else ``assignment``."""
    pattern = re.compile(rf"{re.escape(assignment)} \(\d+\)")
    matches = [name for name in header if pattern.fullmatch(name)]
    if len(matches) > 1:
        raise SetupError(f"the roster has several columns for {assignment!r}: {matches}")
    return matches[0] if matches else assignment


def read_grades(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise SetupError(f"no {path}: run `make grade` first")
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(
    course_root: Path | None = None,
    grades_csv: Path | None = None,
    output: Path | None = None,
    **overrides: str | None,
) -> Result:
    """Write the Canvas import file; raises :class:`SetupError` when it cannot."""
    root = Path(course_root or paths.course_root()).resolve()
    config = settings(root, **overrides)
    roster_path = root / config.roster
    header, roster = read_roster(roster_path)
    if config.id_column not in header:
        raise SetupError(
            f"{roster_path} has no column {config.id_column!r} (CanvasGrades.id_column); "
            f"its columns: {', '.join(header[:8])}"
        )
    by_id: dict[str, dict[str, str]] = {}
    for row in roster:
        key = for_csv(row.get(config.id_column, ""))  # as grades.csv writes a student id
        if key in by_id:
            raise SetupError(f"{roster_path}: {config.id_column} {key!r} appears twice")
        if key:
            by_id[key] = row
    grades = read_grades(Path(grades_csv or root / "reports" / "grades.csv"))
    result = Result(Path(output or root / OUTPUT), grade_column(header, config.assignment))
    rows, max_score = [], None
    graded_ids = set()
    for grade in grades:
        student, status = grade["student_id"], grade.get("status", "graded")
        score = f"{float(grade['score']):g}/{float(grade['max_score']):g}"
        max_score = max_score or grade["max_score"]
        if status not in GRADED:
            if status != "not submitted":
                result.not_graded.append(f"{student} ({status})")
            continue
        graded_ids.add(student)
        if student not in by_id:
            result.not_in_roster.append(f"{student} ({score})")
            continue
        rows.append((by_id[student], f"{float(grade['score']):g}"))
        result.written.append(student)
    result.without_grade = [k for k in by_id if k not in graded_ids]

    result.path.parent.mkdir(parents=True, exist_ok=True)
    with open(result.path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([for_csv(name) for name in CANVAS_COLUMNS + [result.column]])
        points = f"{float(max_score):g}" if max_score else ""
        writer.writerow([POINTS_POSSIBLE] + [""] * (len(CANVAS_COLUMNS) - 1) + [points])
        for row, score in rows:
            writer.writerow([for_csv(row.get(name, "")) for name in CANVAS_COLUMNS] + [score])
    return result
