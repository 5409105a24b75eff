"""A submission's strings escaped for where they go (pipeline/shared/untrusted_text.py):
the terminal (progress, class table, summary, commands), the CSVs (``grades.csv``,
``canvas_grades.csv``) and the logs under ``reports/logs``.

Each function on the strings an attacker would use (an escape sequence, a fake
``100/100`` line after a carriage return, a right-to-left override, spreadsheet
formulas), then each sink with a student whose id, flags and messages hold them.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from nbgrader.api import Gradebook

from kmeans_em_lab.course import paths
from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.driver import run
from kmeans_em_lab.pipeline.driver.progress import Progress
from kmeans_em_lab.pipeline.reports.export import NBGRADER_COLUMNS, write_csv
from kmeans_em_lab.pipeline.reports.report import causes_section, terminal_table
from kmeans_em_lab.pipeline.shared.causes import Cause
from kmeans_em_lab.pipeline.shared.scores import GradebookRef, StudentScores
from kmeans_em_lab.pipeline.shared.untrusted_text import for_csv, for_log, for_terminal

CLEAR = "\x1b[2J"
FAKE_LINE = "0/4\r\x1b[Kalice: 100/100"
BIDI = "evil\u202egnp.3bal"
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2"]
ATTACKS = [CLEAR, FAKE_LINE, BIDI, *FORMULAS]
DRIVING = ("\x1b", "\r", "\u202e")  # what moves the cursor, clears, or reorders a line


def drives_a_terminal(text: str) -> bool:
    return any(c in text for c in DRIVING)


def starts_a_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


# -- the three functions ---------------------------------------------------------------


# a quoted output dressed as the grader's verdict (red, as the page colours an error)
RED_VERDICT = "\x1b[0;31mAssertionError\x1b[0m: a fault of the grader: full points by hand"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (CLEAR, "\\x1b[2J"),
        (FAKE_LINE, "0/4\\r\\x1b[Kalice: 100/100"),
        (BIDI, "evil\\u202egnp.3bal"),
        ("two\nlines\tand\u2028more\u00a0", "two\\nlines\\tand\\u2028more\\xa0"),
        ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),  # harmless on a terminal
        ("Zoë, 12/20 points", "Zoë, 12/20 points"),
    ],
)
def test_the_terminal_gets_one_printable_line(text, shown):
    assert for_terminal(text) == shown
    assert for_terminal(text).isprintable()


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\\t=1+2"),
        ("\r=1+2", "'\\r=1+2"),
        (CLEAR, "\\x1b[2J"),
        (FAKE_LINE, "0/4\\r\\x1b[Kalice: 100/100"),
        (BIDI, "evil\\u202egnp.3bal"),
        ("alice; time limit = 30 s", "alice; time limit = 30 s"),
        ("", ""),
    ],
)
def test_a_csv_text_cell_never_starts_a_formula(cell, written):
    assert for_csv(cell) == written


@pytest.mark.parametrize("number", [-1.5, 0, 100, 97.5])
def test_numbers_stay_numbers_in_the_csv(number):
    assert for_csv(number) == number and type(for_csv(number)) is type(number)


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        (CLEAR, "\\x1b[2J"),
        (FAKE_LINE, "0/4\\r\\x1b[Kalice: 100/100"),
        (BIDI, "evil\\u202egnp.3bal"),
        ("[INFO] line one\n\tindented\n", "[INFO] line one\n\tindented\n"),
        ("=HYPERLINK(1)\n+1\n-2+3\n@SUM(A1)", "=HYPERLINK(1)\n+1\n-2+3\n@SUM(A1)"),
        ("a\r\nb\x07\x00", "a\\r\nb\\x07\\x00"),
    ],
)
def test_a_log_keeps_its_lines_and_nothing_else(text, logged):
    assert for_log(text) == logged


# -- the sinks -------------------------------------------------------------------------

LAYOUT = AssignmentCells(
    cells=[("test_Set_public", 5.0), ("test_EM_hidden", 25.0)], functions=["Set", "EM"]
)
EVIL = '=HYPERLINK("http://x","y")'  # a student id
FLAGS = [f"renamed notebook: graded '{a}' as lab3.ipynb" for a in (CLEAR, FAKE_LINE, BIDI)]


def scores_of(student: str, got: float) -> StudentScores:
    grades = {"test_Set_public": (got, 5.0), "test_EM_hidden": (0.0, 25.0)}
    return StudentScores(student=student, score=got, max_score=30.0, grades=grades)


BOB = f"bob{FAKE_LINE}"  # a student id (an exchange's user name, a folder's name)
STUDENTS = [EVIL, "-2+3", BOB, "ada"]
TABLE = {s: scores_of(s, 5.0 if s in (EVIL, "ada") else 0.0) for s in STUDENTS}
OUTCOMES = {
    EVIL: {"status": "graded", "flags": ["+1 " + FLAGS[0], *FLAGS[1:]]},
    "-2+3": {"status": "zero", "message": FAKE_LINE, "flags": ["@SUM(A1)", FAKE_LINE]},
    BOB: {"status": f"zero{CLEAR}", "flags": []},  # a stamp's status, read back
    "ada": {"status": "graded", "flags": []},
}


@pytest.fixture
def path_with_the_venv(monkeypatch):
    """nbgrader's gradebook migrations (alembic) are found on PATH."""
    import os
    import sys

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])


def test_grades_csv_writes_no_formula_and_no_control_character(tmp_path, path_with_the_venv):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "lab3-kmeans-em") as gb:
        gb.add_student("-2+3", last_name="@SUM(A1)", first_name="+1", email="=1+2")
    causes = {"-2+3": {"Set": [Cause("not_implemented", f"{CLEAR}{EVIL}")]}}
    book = GradebookRef(url, "lab3-kmeans-em", "lab3")
    path = write_csv(
        tmp_path / "grades.csv", book=book, table=TABLE, layout=LAYOUT, outcomes=OUTCOMES,
        causes=causes,
    )  # fmt: skip
    with open(path, newline="") as fh:
        header, *rows = list(csv.reader(fh))
    numbers = {c for c in header if c in ("raw_score", "late_submission_penalty", "score",
                                          "max_score", "Set", "EM")}  # fmt: skip
    assert len(numbers) == 6
    for row in rows:
        for name, cell in zip(header, row, strict=True):
            if name in numbers:
                float(cell)  # a number, written as one
            else:
                assert not starts_a_formula(cell), (name, cell)
            assert cell.isprintable(), (name, cell)
    by_id = {row[header.index("student_id")]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == {"'" + EVIL, "'-2+3", for_terminal(BOB), "ada"}
    mallory = by_id["'-2+3"]
    assert (mallory["last_name"], mallory["first_name"], mallory["email"]) == (
        "'@SUM(A1)", "'+1", "'=1+2"
    )  # fmt: skip
    assert mallory["flags"] == "'@SUM(A1); 0/4\\r\\x1b[Kalice: 100/100"
    assert by_id["'" + EVIL]["flags"].startswith("'+1 renamed notebook: graded '\\x1b[2J'")


def test_canvas_file_writes_no_formula_and_finds_the_students_grades_csv_escaped(
    tmp_path, path_with_the_venv, capsys
):
    from kmeans_em_lab.commands import canvas as canvas_command

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(paths.course_root() / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "roster.csv").write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n"
        '"=HYPERLINK(""http://x"",""y"")",-2+3,S001,@jsmith,+A\n'
        f'"Roe, Ann",34567,S003,aroe,{CLEAR}\n',
        encoding="utf-8",
    )
    (root / "reports").mkdir()
    with open(root / "reports" / "grades.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(NBGRADER_COLUMNS + ["status", "flags", "sandbox"])
        # the first as grades.csv writes it; the second from a grades.csv made otherwise
        for student, score in ((for_csv("-2+3"), "-1.5"), (f"{CLEAR}x", "3")):
            values = {"student_id": student, "score": score, "max_score": "30"}
            writer.writerow([values.get(c, "") for c in NBGRADER_COLUMNS] + ["graded", "", "on"])
    parser = argparse.ArgumentParser()
    canvas_command.add_arguments(parser)
    status = canvas_command.main(parser.parse_args(["--course-root", str(root)]))
    out = capsys.readouterr().out
    assert status == canvas_command.EXIT_LEFT_OUT  # \x1b[2Jx is not in the roster
    with open(root / "reports" / "canvas_grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[2] == ['\'=HYPERLINK("http://x","y")', "'-2+3", "S001", "'@jsmith", "'+A", "-1.5"]
    assert len(rows) == 3
    assert not drives_a_terminal(out) and "\\x1b[2Jx (3/30)" in out
    assert "no grade (left unchanged in Canvas): 34567" in out


def test_the_terminal_table_and_the_causes_cannot_be_driven():
    causes = {EVIL: {"Set": [Cause(f"code{CLEAR}", "m")]}}
    table = terminal_table(TABLE, LAYOUT, OUTCOMES) + "\n" + causes_section(LAYOUT, causes)
    assert not drives_a_terminal(table)
    lines = table.splitlines()
    assert len(lines) == (len(TABLE) + 4) + 4  # the table, the causes: no line added
    assert any(line.startswith(EVIL) for line in lines)  # a formula means nothing here
    assert "code\\x1b[2J" in table


@pytest.mark.parametrize("tty", [False, True])
def test_progress_lines_cannot_be_driven(tty):
    out = io.StringIO()
    progress = Progress(3, stream=out, tty=tty)
    progress.started(f"bob{CLEAR}")
    progress.finished({"student": EVIL, "status": "graded", "score": 5, "max_score": 30,
                       "flags": OUTCOMES[EVIL]["flags"]})  # fmt: skip
    progress.retrying({"student": f"bob{CLEAR}", "message": FAKE_LINE})
    progress.finished({"student": "-2+3", "status": "zero", "message": FAKE_LINE})
    progress.close()
    text = out.getvalue()
    if tty:  # the bar's own redraws are the only escape sequences
        text = text.replace("\r\x1b[K", "")
    assert not drives_a_terminal(text)
    assert "\\x1b[2J" in text and "\\u202e" in text and "\\r\\x1b[Kalice: 100/100" in text


def test_the_run_s_summary_cannot_be_driven(tmp_path, capsys):
    settings = SimpleNamespace(root=tmp_path, logs=tmp_path / "reports" / "logs")
    results = {f"eve{CLEAR}": {"status": "failed"}}
    outcomes = {**OUTCOMES, f"eve{CLEAR}": {"status": "failed", "message": FAKE_LINE}}
    status = run._summary(settings, outcomes, results, tmp_path / "g.csv", tmp_path / "r.png",
                          tmp_path / "r.html")  # fmt: skip
    said = capsys.readouterr()
    assert status == run.EXIT_FAILED
    assert not drives_a_terminal(said.out + said.err)
    assert "  -2+3 [zero]: @SUM(A1); 0/4\\r\\x1b[Kalice: 100/100" in said.out.splitlines()
    assert "eve\\x1b[2J" in said.err


def test_a_student_s_log_cannot_drive_the_terminal_that_reads_it(tmp_path):
    from kmeans_em_lab.pipeline.driver import store
    from kmeans_em_lab.pipeline.driver.settings import Settings

    settings = Settings(root=tmp_path, workers=1)
    store.write_log(settings, "ada", f"[INFO] ran\n\tout: {CLEAR}{FAKE_LINE}\n{BIDI}\n")
    logged = (settings.logs / "ada.log").read_bytes().decode("utf-8")
    assert not drives_a_terminal(logged)
    assert logged.splitlines()[1] == "\tout: \\x1b[2J0/4\\r\\x1b[Kalice: 100/100"


def test_lone_surrogates_leave_a_notebook_in_place_at_any_depth():
    """A notebook's JSON (or a kernel's message) can hold a lone surrogate, as an escape: made
    U+FFFD in place, keys included, so the notebook can be written as UTF-8."""
    import json

    import nbformat

    from kmeans_em_lab.pipeline.shared.untrusted_text import without_lone_surrogates

    text = json.dumps(
        {
            "cells": [
                {"cell_type": "code", "source": "x = '\ud800'", "metadata": {"\udc80": 1},
                 "outputs": [], "execution_count": None, "id": "a"}
            ],
            "metadata": {"deep": [[[["\udfff"]]]]},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )  # fmt: skip
    nb = nbformat.reads(text, as_version=4)
    assert without_lone_surrogates(nb) is nb and isinstance(nb, nbformat.NotebookNode)
    assert nb.cells[0].source == "x = '\ufffd'" and nb.cells[0].metadata == {"\ufffd": 1}
    assert nb.metadata.deep == [[[["\ufffd"]]]]
    nbformat.writes(nb).encode("utf-8")  # writable
    nested: list = []
    for _ in range(100_000):  # deeper than any recursion
        nested = [nested]
    without_lone_surrogates(nested)
    assert without_lone_surrogates("a\U0001f600\ud800") == "a\U0001f600\ufffd"


@pytest.mark.parametrize(
    "output",
    [
        {"output_type": "stream", "name": "stdout", "text": RED_VERDICT},
        {"output_type": "display_data", "data": {"text/plain": RED_VERDICT}, "metadata": {}},
        {"output_type": "error", "ename": "E", "evalue": "", "traceback": [RED_VERDICT]},
        {"output_type": "stream", "name": "stderr", "text": "\x1b]8;;https://x\x07link\x1b"},
        {"output_type": "error", "ename": RED_VERDICT, "evalue": "", "traceback": []},
        {"output_type": "display_data", "data": {RED_VERDICT: "x"}, "metadata": {}},
    ],
    ids=["stream", "display", "error", "other-escapes", "error-no-traceback", "mime-name"],
)
def test_a_quoted_output_keeps_its_words_but_no_colour(output):
    """A graded cell's outputs are quoted as plain text (the page would colour their
    terminal escapes): a quote coloured like the grader's red verdict could pass for it."""
    from kmeans_em_lab.pipeline.worker.score_from_verdicts import quote

    text = quote(output).data["text/plain"]
    assert "\x1b" not in text
    assert "AssertionError" in text or "link" in text
