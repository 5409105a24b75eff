"""The class-size simulation (lab3_dev/simulate.py): what it feeds the driver, what it reports.

The simulation itself (thousands of results through the real driver) is a
benchmark; here only its pieces: each student's result is its template's,
with files of its own, and the report's goals follow the figures.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from kmeans_em_lab.pipeline.task import CellResult, GradedCells
from lab3_dev import simulate


def _template(name: str, score: float) -> dict:
    notebook = json.dumps({"cells": [], "metadata": {"kernelspec": {}}, "nbformat": 4}).encode()
    return {
        "name": name,
        "submitted": {"lab3.ipynb": notebook, "data/GMM.p": b"\x00" * 10},
        "result": {
            "status": "graded",
            "flags": [],
            "message": "",
            "log": "",
            "grades": {},
            "timestamp": None,
            "cells": GradedCells((CellResult("test_Set_public", score, 5.0, ()),)),
            "autograded": {"lab3.ipynb": notebook},
            "feedback": {"lab3.html": b"<html><body><p>page</p></body></html>"},
        },
    }


def test_each_student_gets_its_templates_result_with_files_of_its_own(tmp_path):
    made = [_template("correct", 5.0), _template("blank", 0.0)]
    files = SimpleNamespace(student=simulate.student_id(15), digest="d" * 64)
    result = simulate.synthetic(made, files, 15)
    assert result["cells"].auto_score == 0.0  # 15 mod 2: the second template
    assert result["student"] == "s00015" and result["submission"] == "d" * 64
    notebook = result["autograded"]["lab3.ipynb"]
    assert json.loads(notebook)["metadata"]["lab3_simulation"] == "s00015"
    assert b"s00015" in result["feedback"]["lab3.html"]
    assert notebook is not made[1]["result"]["autograded"]["lab3.ipynb"]
    flagged = simulate.synthetic(made, files, simulate.FLAG_EVERY - 1)
    assert flagged["flags"] == ["simulated: a flag for the instructor"]
    assert result["flags"] == [] and made[1]["result"]["flags"] == []

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
    found[1]["check"] = "s00003: graded 80, expected 85"
    section = simulate.section(found[:2], quick=False)
    assert section.goals[0].met is False, "a wrong score fails the rate goal"
    assert "s00003: graded 80" in section.markdown()
