"""Returning grades: ``reports/canvas_grades.csv``, Canvas's gradebook import format.

- From a Canvas roster (its gradebook export: BOM, "Points Possible" row, test
  student, an existing "Lab 3 (<id>)" column) and ``reports/grades.csv``: the
  file has Canvas's columns and that assignment column, a Points Possible row,
  one row per graded student with the Canvas fields of the roster; every grade
  left out (not in the roster, could not be graded) is listed and makes the
  exit status 1; roster students without a grade are listed, not written.
- The mapping nbgrader id -> roster row is configurable
  (``c.CanvasGrades.id_column`` in nbgrader_config.py, or ``--id-column``).
- No roster: a clear error, or nothing at all with ``--if-roster`` (how
  ``make grade`` calls it).
- End to end, the README's two commands on a toy course: ``make collect
  ZIP=<Canvas zip>`` then ``make grade`` give an importable Canvas file.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pipeline_fixtures import toy_course as toy

from kmeans_em_lab.commands import canvas as canvas_command
from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.reports.export import NBGRADER_COLUMNS

ROOT = paths.course_root()
ROSTER = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (4410),Lab 3 (4412),Final Score
    Points Possible,,,,,10,100,(read only)
"Smith, John",12345,S001,jsmith,Section A,9,,90
"Doe, Jane",23456,S002,jdoe,Section B,,,
"Roe, Ann",34567,S003,aroe,Section A,,,
"Student, Test",99999,,test_student,Section A,,,
"""


def grades_csv(path: Path, rows: list[tuple[str, float, str]]) -> Path:
    """A reports/grades.csv as ``make grade`` writes it: (student, score, status) rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(NBGRADER_COLUMNS + ["status", "flags", "sandbox"])
        for student, score, status in rows:
            values = {"assignment": "lab3", "student_id": student, "max_score": "100"}
            values.update(raw_score=f"{score:g}", score=f"{score:g}", late_submission_penalty="0")
            writer.writerow([values.get(c, "") for c in NBGRADER_COLUMNS] + [status, "", "on"])
    return path


@pytest.fixture
def course(tmp_path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    grades_csv(
        root / "reports" / "grades.csv",
        [
            ("12345", 100, "graded"),
            ("23456", 0, "zero"),  # an empty notebook: 0 is the grade
            ("34567", 0, "not submitted"),
            ("45678", 55, "graded"),  # not in the roster
            ("56789", 0, "failed"),  # could not be graded
        ],
    )
    return root


def run(course: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    canvas_command.add_arguments(parser)
    return canvas_command.main(parser.parse_args(["--course-root", str(course), *argv]))


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_canvas_file_from_roster_and_grades(course, capsys):
    assert run(course) == canvas_command.EXIT_LEFT_OUT
    out = capsys.readouterr().out
    rows = read(course / "reports" / "canvas_grades.csv")
    assert rows == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 3 (4412)"],
        ["    Points Possible", "", "", "", "", "100"],
        ["Smith, John", "12345", "S001", "jsmith", "Section A", "100"],
        ["Doe, Jane", "23456", "S002", "jdoe", "Section B", "0"],
    ]
    assert "(2 grade(s), column 'Lab 3 (4412)')" in out
    assert "NOT IN THE FILE, not in the roster: 45678 (55/100)" in out
    assert "NOT IN THE FILE, could not be graded: 56789 (failed)" in out
    assert "no grade (left unchanged in Canvas): 34567" in out
    assert "99999" not in out  # Canvas's test student is no student


def test_every_grade_in_the_roster_exits_0_and_a_new_column_is_named(course, capsys):
    grades_csv(course / "reports" / "grades.csv", [("12345", 97.5, "graded")])
    (course / "roster.csv").write_text(ROSTER.replace("Lab 3 (4412)", "Lab 2 (4411)"))
    assert run(course) == canvas_command.EXIT_OK
    rows = read(course / "reports" / "canvas_grades.csv")
    assert rows[0][-1] == "Lab 3"  # no Lab 3 in Canvas yet: the import creates it
    assert rows[2] == ["Smith, John", "12345", "S001", "jsmith", "Section A", "97.5"]
    assert len(rows) == 3


def test_the_id_mapping_is_configurable(course, capsys):
    grades_csv(course / "reports" / "grades.csv", [("aroe", 70, "zero"), ("jsmith", 80, "graded")])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + '\nc.CanvasGrades.id_column = "SIS Login ID"\n')
    assert run(course) == canvas_command.EXIT_OK
    rows = read(course / "reports" / "canvas_grades.csv")
    assert [(r[1], r[-1]) for r in rows[2:]] == [("34567", "70"), ("12345", "80")]
    assert run(course, "--id-column", "SIS User ID") == canvas_command.EXIT_LEFT_OUT  # overrides it
    assert "not in the roster: aroe (70/100), jsmith (80/100)" in capsys.readouterr().out


def test_no_roster_is_explained_or_skipped(course, capsys):
    (course / "roster.csv").unlink()
    assert run(course) == canvas_command.EXIT_SETUP
    assert "no roster at" in capsys.readouterr().err
    assert run(course, "--if-roster") == canvas_command.EXIT_OK
    assert "no Canvas file" in capsys.readouterr().out
    assert not (course / "reports" / "canvas_grades.csv").exists()


def test_a_bad_roster_is_a_setup_error(course, capsys):
    assert run(course, "--id-column", "Login") == canvas_command.EXIT_SETUP
    assert "has no column 'Login'" in capsys.readouterr().err
    (course / "roster.csv").write_text(ROSTER.replace(",23456,", ",12345,"))
    assert run(course) == canvas_command.EXIT_SETUP
    assert "ID '12345' appears twice" in capsys.readouterr().err


# --------------------------------------------------------------------------
# The README's two commands, end to end on a toy course
# --------------------------------------------------------------------------


def make(target: str, course: Path, *variables: str) -> subprocess.CompletedProcess:
    """``make <target>`` in this repository, on ``course`` (LAB3_COURSE_ROOT)."""
    # not the outer make's variables either: `make test ARGS=...` exports ARGS
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LAB3_", "MAKE")) and k != "ARGS"
    }
    env["LAB3_COURSE_ROOT"] = str(course)
    return subprocess.run(
        # -o: never rebuild the venv here, whatever the timestamps of requirements.txt say
        ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.ready", target, *variables],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_lms_zip_to_canvas_file_with_two_commands(tmp_path):
    course = toy.build_course(tmp_path / "toy")
    # the real course's settings for collecting and returning grades
    regexp = paths.Course.at(ROOT).load_config().FileNameCollectorPlugin.named_regexp
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write(f"c.FileNameCollectorPlugin.named_regexp = {regexp!r}\n")
    (course / "roster.csv").write_text(ROSTER)
    wrong = toy.answers(add="def add(a, b):\n    return a - b\n")
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as zf:
        for name, answers in (
            ("smithjohn_12345_6789012_lab3.ipynb", toy.CORRECT),
            ("doejane_LATE_23456_6789013_lab3-1.ipynb", wrong),
        ):
            zf.writestr(name, toy.dump(toy.submission_notebook(course, answers)))

    collected = make("collect", course, f"ZIP={download}")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "collected 2 submission(s)" in collected.stdout
    assert (course / "submitted" / "23456" / "lab3" / "data.txt").is_file()  # the release's file

    graded = make("grade", course, "ARGS=--workers 2")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "canvas_grades.csv (2 grade(s), column 'Lab 3 (4412)')" in graded.stdout
    rows = read(course / "reports" / "canvas_grades.csv")
    max_score = f"{toy.MAX_SCORE:g}"
    assert rows[1][-1] == max_score
    assert rows[2:] == [
        ["Smith, John", "12345", "S001", "jsmith", "Section A", max_score],
        ["Doe, Jane", "23456", "S002", "jdoe", "Section B", f"{toy.MAX_SCORE - 1:g}"],
    ]
