"""The class-size simulation (lab3_dev/simulate.py): what it feeds the driver, what it reports.

The simulation itself (thousands of results through the real driver) is a
benchmark; here its pieces: each student's result is its template's, with
files of its own, some students fail or are rejected with hostile words, and
the report's goals follow the figures. One small run through the real driver
(marked slow) checks what the reports say of those students.
"""

from __future__ import annotations

import csv
import html
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from kmeans_em_lab.pipeline.driver import timeline as phases
from kmeans_em_lab.pipeline.shared.jobs import GRADED, CellResult, GradedCells, GradingResult
from lab3_dev import simulate
from lab3_dev.bench.report import parse_tables


def _template(name: str, score: float) -> dict:
    notebook = json.dumps({"cells": [], "metadata": {"kernelspec": {}}, "nbformat": 4}).encode()
    return {
        "name": name,
        "submitted": {"lab3.ipynb": notebook, "data/GMM.p": b"\x00" * 10},
        "result": GradingResult(
            name,
            GRADED,
            cells=GradedCells((CellResult("test_Set_public", score, 5.0, ()),)),
            autograded={"lab3.ipynb": notebook},
            feedback={"lab3.html": b"<html><body><p>page</p></body></html>"},
        ),
    }


def test_each_student_gets_its_templates_result_with_files_of_its_own(tmp_path):
    made = [_template("correct", 5.0), _template("blank", 0.0)]
    files = SimpleNamespace(student=simulate.student_id(15), digest="d" * 64)
    result = simulate.synthetic(made, files, 15)
    assert result.cells.auto_score == 0.0  # 15 mod 2: the second template
    assert result.student == "s00015" and result.submission == "d" * 64
    notebook = result.autograded["lab3.ipynb"]
    assert json.loads(notebook)["metadata"]["lab3_simulation"] == "s00015"
    assert b"s00015" in result.feedback["lab3.html"]
    assert notebook is not made[1]["result"].autograded["lab3.ipynb"]
    flagged = simulate.synthetic(made, files, simulate.FLAG_EVERY - 1)
    assert flagged.flags == ["simulated: a flag for the instructor"]
    assert result.flags == [] and made[1]["result"].flags == []

    simulate.write_class(tmp_path, made, 3)
    for index in range(3):
        folder = tmp_path / "submitted" / simulate.student_id(index) / "lab3"
        assert (folder / "lab3.ipynb").read_bytes() == made[index % 2]["submitted"]["lab3.ipynb"]
        assert (folder / "data" / "GMM.p").stat().st_size == 10


def _run(database: str, n: int, rate: float, report: float, peak: float) -> dict:
    return {
        "database": database, "n": n, "rate": rate, "sustained": rate, "clear_seconds": 1.0,
        "start_seconds": 2.0, "report_seconds": report, "peak": peak * 2**20,
        "peak_saving": peak * 2**20, "wall": 10.0, "check": "",
    }  # fmt: skip


def test_the_section_states_each_goal_from_the_figures():
    found = [
        _run("sqlite", 2000, 90.0, 3.0, 300.0),
        _run("sqlite", 10000, 70.0, 15.0, 340.0),
        _run("postgresql", 2000, 80.0, 3.0, 300.0),
        _run("postgresql", 10000, 45.0, 35.0, 400.0),
    ]
    goals = {g.name: g for g in simulate.section(found, quick=False).goals}
    assert goals["6. the driver saves results (every N, both databases)"].met is False
    assert goals["6. class report for 10,000 students"].met is False
    assert goals["6. peak memory flat in N (sqlite, 10,000 vs 2,000)"].met is True
    assert goals["6. peak memory flat in N (postgresql, 10,000 vs 2,000)"].met is False
    found[0].update(similarity=True, similarity_seconds=12.0)
    found[1].update(similarity=False, similarity_seconds=0.001)
    rows = {row[1]: row for row in parse_tables(simulate.section(found[:2], False).markdown())[0]}
    assert rows["2,000"][rows["students"].index("similarity report")] == "12 s"
    assert rows["10,000"][rows["students"].index("similarity report")] == "off"
    found[1]["check"] = "s00003: graded 80, expected 85"
    section = simulate.section(found[:2], quick=False)
    assert section.goals[0].met is False, "a wrong score fails the rate goal"
    assert "s00003: graded 80" in section.markdown()


def test_some_students_fail_or_are_rejected_with_hostile_words(tmp_path):
    made = [_template("correct", 5.0), _template("blank", 0.0)]
    kinds = {simulate.kind(i) for i in range(simulate.SPECIAL_EVERY)}
    assert kinds == {"graded", "failed", "missing", "hostile flag", "renamed"}
    special = {simulate.kind(i): i for i in range(simulate.SPECIAL_EVERY)}
    assert simulate.kind(special["failed"] + simulate.SPECIAL_EVERY) == "failed"

    failed = simulate.failure(simulate.student_id(special["failed"]))
    assert failed.status == "failed" and simulate.HOSTILE in failed.message
    for words in ("\x1b[2J", "=HYPERLINK(", "<script>"):
        assert words in simulate.HOSTILE
    files = SimpleNamespace(student=simulate.student_id(special["hostile flag"]), digest="d")
    hostile = simulate.synthetic(made, files, special["hostile flag"])
    assert hostile.status == "graded" and hostile.flags[0] == simulate.HOSTILE

    simulate.write_class(tmp_path, made, simulate.SPECIAL_EVERY)
    folder = tmp_path / "submitted"
    missing = folder / simulate.student_id(special["missing"]) / "lab3"
    assert sorted(p.name for p in missing.rglob("*.ipynb")) == []
    assert (missing / "data" / "GMM.p").is_file()
    renamed = folder / simulate.student_id(special["renamed"]) / "lab3"
    assert [p.name for p in renamed.glob("*.ipynb")] == [simulate.HOSTILE_NOTEBOOK]
    assert simulate.expected(made, special["missing"]) == ("zero", 0.0, "no notebook")
    assert simulate.expected(made, special["failed"])[:2] == ("failed", 0.0)
    assert simulate.expected(made, special["renamed"])[:2] == ("graded", 0.0)  # 85 mod 2: blank


N_SMALL = 100  # every kind of student once


@pytest.mark.slow
def test_a_small_class_through_the_real_driver_reports_every_student_escaped(tmp_path):
    """N_SMALL synthetic results through `make grade --force`'s driver (real templates,
    graded once and cached): grades.csv, the terminal and the class page give the failed,
    rejected and flagged students their status and score, the hostile words escaped."""
    made = simulate.templates()
    course = simulate._scratch_course(tmp_path / "course")
    simulate.write_class(course, made, N_SMALL)
    made_file = tmp_path / "templates.pickle"
    made_file.write_bytes(simulate.pickle.dumps(made))
    out = tmp_path / "figures.json"
    env = simulate._env()
    env.pop("LAB3_DB_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "lab3_dev.simulate", "run", str(course), str(out), str(made_file)],
        env=env, capture_output=True, text=True, check=False, timeout=400,
    )  # fmt: skip
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    figures = json.loads(out.read_text())
    assert figures["status"] == 1, "a grading that failed makes the run exit 1"
    # the driver's own timeline: its phases in order, every result it saved counted
    order = [phases.CLEAR, phases.DISPATCH, phases.SAVED, phases.REPORT, phases.SIMILARITY]
    assert sorted(order, key=figures["marks"].__getitem__) == order
    not_saved = sum(simulate.kind(i) == "failed" for i in range(N_SMALL))  # marked failed
    assert [count for _, count in figures["saves"]] == list(range(1, N_SMALL - not_saved + 1))

    special = {simulate.kind(i): simulate.student_id(i) for i in range(N_SMALL)}
    with open(course / "reports" / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert len(rows) == N_SMALL
    failed, missing = rows[special["failed"]], rows[special["missing"]]
    assert (failed["status"], float(failed["score"])) == ("failed", 0.0)
    assert (missing["status"], float(missing["score"])) == ("zero", 0.0)
    assert "no notebook" in missing["flags"]
    hostile = rows[special["hostile flag"]]
    assert hostile["status"] == "graded" and hostile["flags"].startswith("'=HYPERLINK(")
    renamed = rows[special["renamed"]]
    assert renamed["status"] == "graded" and "renamed notebook" in renamed["flags"]
    for row in (failed, hostile, renamed):
        assert os.linesep not in row["flags"] and "\x1b" not in row["flags"]
        assert "\\x1b" in row["flags"]  # shown as an escape
    template_score = made[int(special["hostile flag"][1:]) % len(made)]["result"].cells
    assert float(hostile["score"]) == template_score.auto_score

    assert "\x1b" not in log and "\\x1b[2J" in log
    table = {line.split()[0]: line.split() for line in reversed(log.splitlines()) if line.split()}
    assert table[special["failed"]][-1] == "FAILED"
    assert table[special["missing"]][-1] == "0!"
    assert table[special["hostile flag"]][-1] == "flagged"

    page = (course / "reports" / "class_report.html").read_text()
    assert "<script>" not in page and "\x1b" not in page
    row = page[page.index(f'id="student-{special["failed"]}"') :].split("</tr>", 1)[0]
    assert "FAILED" in row and html.escape("<script>") in row

    assert simulate.check(course, made, N_SMALL, log, figures["status"]) == ""
    (course / "reports" / "grades.csv").write_text(
        (course / "reports" / "grades.csv").read_text().replace("'=HYPERLINK", "=HYPERLINK")
    )
    problem = simulate.check(course, made, N_SMALL, log, figures["status"])
    assert problem.startswith(f"{special['hostile flag']}: CSV flags '=HYPERLINK"), problem
