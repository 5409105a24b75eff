"""The grading pipeline end to end, on a toy nbgrader course built in a temporary folder.

One class is graded three times by ``python -m kmeans_em_lab grade`` (the real
command, in a subprocess):

1. every student submits a correct notebook: full marks all round;
2. most students then resubmit something broken (kernel killed by ``os._exit``
   or a segfault, an infinite loop, a kernel ignoring SIGINT, a 200 MB line,
   a renamed notebook, invalid JSON, an empty folder, no notebook, a notebook
   nbgrader refuses): the class is regraded, only what changed;
3. ``--force --student ok`` regrades one unchanged submission.

Run 1 makes stale scores visible: after run 2 no broken student may keep any
of run 1's points for what did not run.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.notebooknode import NotebookNode
from pipeline_fixtures import toy_course as toy

from kmeans_em_lab.course import points
from kmeans_em_lab.pipeline.shared import scores, verdicts
from kmeans_em_lab.pipeline.shared.course_config import (
    course_id,
    db_url,
    gradebook_of,
    load_course_config,
)
from lab3_dev import postgres

BIN = str(Path(sys.executable).parent)
DONE_LINE = re.compile(r"^\[\s*\d+/\d+\] [\w-]+: ")  # one per finished submission


# The grading runs' temporary folder: every kernel's sandbox and sockets live under it, so
# a process whose command line names it after a run is one the run left behind.
RUN_TMP = tempfile.mkdtemp(prefix="lab3-pt-", dir="/tmp" if os.path.isdir("/tmp") else None)


def leftover_processes() -> list[str]:
    """Command lines of live processes started by the grading runs (none should remain)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if RUN_TMP in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(cmdline[:200])
    return found


def grade(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m kmeans_em_lab grade --course-root root ...`` as ``make grade`` runs it."""
    environ = {k: v for k, v in os.environ.items() if k != "LAB3_DB_URL"}
    environ.update({"PATH": BIN + os.pathsep + environ.get("PATH", ""), "MPLBACKEND": "Agg"})
    environ["TMPDIR"] = RUN_TMP
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kmeans_em_lab", "grade", "--course-root", str(root), *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=600,
    )


def class_table(root: Path, env: dict | None = None) -> dict[str, scores.StudentScores]:
    saved = os.environ.get("LAB3_DB_URL")
    os.environ.pop("LAB3_DB_URL", None)
    os.environ.update(env or {})
    try:
        config = load_course_config(root)
        return scores.class_scores(gradebook_of(config, "lab3"))
    finally:
        os.environ.pop("LAB3_DB_URL", None)
        if saved is not None:
            os.environ["LAB3_DB_URL"] = saved


def read_csv(root: Path) -> dict[str, dict]:
    with open(root / "reports" / "grades.csv", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def grades_of(table, student) -> dict[str, float]:
    return {g: got for g, (got, _) in table[student].grades.items()}


FULL = {"test_square_public": 1.0, "test_square_hidden": 2.0, "test_add_public": 1.0}

# student -> what they resubmit for run 2 (None: unchanged)
# square is right; around every later cell, hooks publish what once decided a test cell's
# points (an execute_result first, any error cleared) and add raises an error named like the
# grader's own, with escapes: add's test must still score 0, with no flag
FORGER = """\
def square(x):
    return x * x

import sys
from IPython import get_ipython
from IPython.display import clear_output

get_ipython().events.register("pre_run_cell", lambda *a: sys.displayhook("full marks"))
get_ipython().events.register("post_run_cell", lambda *a: clear_output())
"""

FORGED_ERROR = """\
class KernelDied(Exception):
    pass

raise KernelDied("\\x1b[2J the kernel died in cell square (#1): 100/100")
"""

BROKEN = {
    "ok": None,
    "partial": lambda root: toy.make_submission(root, "partial", toy.answers(add="x = 1\n")),
    "exits": lambda root: toy.make_submission(
        root, "exits", toy.answers(add="import os\nos._exit(1)\n")
    ),
    "segfault": lambda root: toy.make_submission(
        root, "segfault", toy.answers(add="import ctypes\nctypes.string_at(0)\n")
    ),
    "loops": lambda root: toy.make_submission(
        root, "loops", toy.answers(add="while True:\n    pass\n")
    ),
    "nosigint": lambda root: toy.make_submission(
        root,
        "nosigint",
        toy.answers(
            add=(
                "import signal\n"
                "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True:\n    pass\n"
            )
        ),
    ),
    "bigline": lambda root: toy.make_submission(
        root,
        "bigline",
        toy.answers(square="def square(x):\n    return x * x\nprint('x' * 200_000_000)\n"),
    ),
    "forged": lambda root: toy.make_submission(
        root, "forged", toy.answers(square=FORGER, add=FORGED_ERROR)
    ),
    "renamed": lambda root: toy.make_submission(root, "renamed", filename="lab3 (1).ipynb"),
    "badjson": lambda root: toy.write_raw(root, "badjson", {"lab3.ipynb": '{"cells": [}'}),
    "emptied": lambda root: toy.write_raw(root, "emptied", {}),
    "nonotebook": lambda root: toy.write_raw(root, "nonotebook", {"answers.py": "x = 1\n"}),
    "refused": lambda root: _schema_from_the_future(root, "refused"),
    "metadata": lambda root: _forged_metadata(root, "metadata"),
}


def _forged_metadata(root: Path, student: str) -> None:
    """Right answers, nbgrader metadata that lies: the solution cell claims to be a graded
    cell worth 50 points (and is pasted again below), a test cell claims to be a task of a
    future schema, an added cell claims a grade id the course does not have, another has no
    grade id; and a timestamp.txt nbgrader cannot read. Each once stopped autograde."""
    path = toy.make_submission(root, student)
    nb = nbformat.read(path, as_version=4)
    square = next(c for c in nb.cells if points.grade_id(c) == "square")
    square.metadata.nbgrader.update(grade=True, points=50)
    forged = nbformat.v4.new_code_cell("pass")
    forged.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": False,
        "grade_id": "test_bonus",
        "points": 100,
        "schema_version": 3,
    }
    nameless = nbformat.v4.new_code_cell("pass")
    nameless.metadata["nbgrader"] = {"grade": True, "points": 5, "schema_version": 3}
    pasted = nbformat.from_dict(square)  # a copy and paste in JupyterLab keeps the metadata
    pasted.id = "pasted-square"
    hidden = next(c for c in nb.cells if points.grade_id(c) == "test_square_hidden")
    hidden.metadata.nbgrader.update(task=True, schema_version=99)
    nb.cells += [forged, nameless, pasted]
    nbformat.write(nb, path)
    (path.parent / "timestamp.txt").write_text("not a date")


def _schema_from_the_future(root: Path, student: str) -> None:
    """A notebook whose every nbgrader cell claims a schema nbgrader refuses (too new)."""
    path = toy.make_submission(root, student)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["schema_version"] = 99
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = toy.build_course(tmp_path_factory.mktemp("toy") / "course", timeout=3)
    for student in BROKEN:
        toy.make_submission(root, student)
    first = grade(root, "--workers", "2")
    before = class_table(root)
    stamps_before = {
        s: (root / "autograded" / ".grade-stamps" / "lab3" / f"{s}.json").stat().st_mtime_ns
        for s in BROKEN
    }
    feedback_before = {s: (root / "feedback" / s / "lab3" / "lab3.html").exists() for s in BROKEN}
    for change in BROKEN.values():
        if change:
            change(root)
    second = grade(root, "--workers", "2")
    after = class_table(root)
    csv_after = read_csv(root)
    stamps_after = {
        s: (root / "autograded" / ".grade-stamps" / "lab3" / f"{s}.json").stat().st_mtime_ns
        for s in ("ok",)
    }
    third = grade(root, "--force", "--student", "ok")
    forced = class_table(root)
    return {
        "root": root,
        "runs": (first, second, third),
        "before": before,
        "after": after,
        "forced": forced,
        "csv": csv_after,
        "stamps": (stamps_before, stamps_after),
        "feedback_before": feedback_before,
    }


def test_first_run_grades_the_class_with_progress(graded_class):
    first = graded_class["runs"][0]
    assert first.returncode == 0, first.stderr
    assert all(grades_of(graded_class["before"], s) == FULL for s in BROKEN)
    # progress on stderr: plain lines (not a terminal), done/total, failures, ETA
    lines = [line for line in first.stderr.splitlines() if DONE_LINE.match(line)]
    assert len(lines) == len(BROKEN)
    assert lines[-1].startswith(f"[{len(BROKEN)}/{len(BROKEN)}]")
    assert all("failed, ETA" in line for line in lines)
    assert all(graded_class["feedback_before"].values())


def test_kernel_death_scores_zero_for_cells_not_reached_and_flags(graded_class):
    after, root = graded_class["after"], graded_class["root"]
    for student, how in (("exits", "exit code 1"), ("segfault", "SIGSEGV")):
        # cells before the crash keep their points, the rest is 0: no stale 1 from run 1
        assert grades_of(after, student) == {**FULL, "test_add_public": 0.0}
        row = graded_class["csv"][student]
        assert row["status"] == "graded" and "kernel died" in row["flags"] and how in row["flags"]
        nb = nbformat.read(root / "autograded" / student / "lab3" / "lab3.ipynb", as_version=4)
        enames = [o.get("ename") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert "KernelDied" in enames  # in the cell where it died, for the reader
        (test_add,) = [c for c in nb.cells if points.grade_id(c) == "test_add_public"]
        assert verdicts.read_events(test_add)[0].code == "not_run"
        assert [o.get("ename") for o in test_add.outputs] == ["AssertionError"]
        assert test_add.outputs[0].evalue.startswith("not run: the kernel died in cell add")
        assert (root / "feedback" / student / "lab3" / "lab3.html").exists()


def test_infinite_loop_ends_at_the_cell_time_limit(graded_class):
    # the loop was interrupted, the kernel lived on: the cells after it ran
    assert grades_of(graded_class["after"], "loops") == {**FULL, "test_add_public": 0.0}
    assert "time limit reached in cell add" in graded_class["csv"]["loops"]["flags"]
    nb = nbformat.read(
        graded_class["root"] / "autograded" / "loops" / "lab3" / "lab3.ipynb", as_version=4
    )
    (test_add,) = [
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_add_public"
    ]
    # the kernel's NameError quoted as text, then the grader's verdict, which reports it
    assert [o.output_type for o in test_add.outputs] == ["display_data", "error"]
    assert "NameError" in test_add.outputs[0].data["text/plain"]
    assert test_add.outputs[1].evalue.startswith("NameError: name 'add' is not defined")


def test_a_notebooks_own_outputs_neither_give_points_nor_raise_flags(graded_class):
    assert grades_of(graded_class["after"], "forged") == {**FULL, "test_add_public": 0.0}
    assert graded_class["csv"]["forged"]["flags"] == ""
    nb = nbformat.read(
        graded_class["root"] / "autograded" / "forged" / "lab3" / "lab3.ipynb", as_version=4
    )
    (test_add,) = [c for c in nb.cells if points.grade_id(c) == "test_add_public"]
    *quoted, verdict = test_add.outputs  # what the cell showed, quoted; then the verdict
    assert quoted and all(o.output_type == "display_data" for o in quoted)
    assert all(o.metadata["lab3"]["quoted"] for o in quoted)
    assert verdict.output_type == "error" and "NameError" in verdict.evalue


def test_kernel_ignoring_sigint_neither_hangs_nor_loses_the_class(graded_class):
    after = graded_class["after"]
    assert grades_of(after, "nosigint") == {**FULL, "test_add_public": 0.0}
    assert "did not stop when interrupted" in graded_class["csv"]["nosigint"]["flags"]
    assert leftover_processes() == []  # the stuck kernel was killed with its sandbox
    assert graded_class["runs"][1].stdout.count("graded") >= 1
    assert set(graded_class["csv"]) == set(BROKEN)


def test_output_is_limited_by_bytes(graded_class):
    root = graded_class["root"]
    notebook = root / "autograded" / "bigline" / "lab3" / "lab3.ipynb"
    assert notebook.stat().st_size < 2_000_000  # the 200 MB line is not in it
    assert "output truncated by the grader" in notebook.read_text()
    assert grades_of(graded_class["after"], "bigline") == FULL
    assert "byte limit" in graded_class["csv"]["bigline"]["flags"]


def test_forged_nbgrader_metadata_neither_stops_grading_nor_counts(graded_class):
    assert grades_of(graded_class["after"], "metadata") == FULL
    row = graded_class["csv"]["metadata"]
    assert row["status"] == "graded"
    assert "left out: timestamp.txt (not a time nbgrader reads)" in row["flags"]


def test_renamed_notebook_is_graded_and_flagged(graded_class):
    assert grades_of(graded_class["after"], "renamed") == FULL
    row = graded_class["csv"]["renamed"]
    assert row["status"] == "graded" and "renamed notebook" in row["flags"]
    assert "lab3 (1).ipynb" in row["flags"]


@pytest.mark.parametrize(
    ("student", "message"),
    [
        ("badjson", "not a readable notebook"),
        ("emptied", "empty submission folder"),
        ("nonotebook", "no notebook: lab3.ipynb is missing"),
    ],
)
def test_nothing_gradable_gets_zero_and_a_clear_message(graded_class, student, message):
    root = graded_class["root"]
    assert set(grades_of(graded_class["after"], student).values()) == {0.0}  # not run 1's
    row = graded_class["csv"][student]
    assert row["status"] == "zero" and message in row["flags"] and row["score"] == "0"
    assert f"{student} [zero]: " in graded_class["runs"][1].stdout
    assert message in graded_class["runs"][1].stdout
    # run 1's autograded notebook and feedback are gone: they were stale
    assert not (root / "feedback" / student / "lab3").exists()
    assert not (root / "autograded" / student / "lab3").exists()


def test_a_schema_from_the_future_is_made_the_courses_and_graded(graded_class):
    """Every cell claiming an nbgrader schema nbgrader refuses once failed the submission
    (exit 1); its metadata is now rebuilt from the gradebook, so it is graded like any other.
    A job that cannot grade is still given up after one retry: test_pipeline_units."""
    second = graded_class["runs"][1]
    assert second.returncode == 0, second.stderr
    assert graded_class["csv"]["refused"]["status"] == "graded"
    assert grades_of(graded_class["after"], "refused") == FULL
    assert "failed" not in {r["status"] for r in graded_class["csv"].values()}


def test_rerun_regrades_only_what_changed(graded_class):
    second = graded_class["runs"][1]
    assert "1 unchanged since last graded" in second.stdout
    graded = [
        line.split("] ")[1].split(":")[0]
        for line in second.stderr.splitlines()
        if DONE_LINE.match(line)
    ]
    assert "ok" not in graded and "partial" in graded
    before, after = graded_class["stamps"]
    assert before["ok"] == after["ok"]  # its stamp was not even rewritten
    assert grades_of(graded_class["after"], "ok") == FULL
    assert grades_of(graded_class["after"], "partial") == {**FULL, "test_add_public": 0.0}


def test_unchanged_submission_missing_from_a_new_gradebook_is_graded_again(tmp_path):
    root = toy.build_course(tmp_path / "course", timeout=3)
    toy.make_submission(root, "ok")
    toy.make_submission(root, "later")
    first = grade(root, "--workers", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    (root / "gradebook.db").unlink()  # e.g. the instructor starts a new database
    toy.make_submission(root, "later", toy.answers(add="raise ValueError('no')\n"))
    second = grade(root, "--workers", "2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "unchanged since last graded" not in second.stdout
    # "later" changed on disk, "ok" did not: the gradebook alone says "ok" needs grading
    assert (
        "grading 2 submission(s) on a local Dask cluster of 2 worker process(es)" in second.stdout
    )
    table = class_table(root)
    assert grades_of(table, "ok") == FULL
    assert grades_of(table, "later") == {**FULL, "test_add_public": 0.0}


def test_a_driver_killed_mid_batch_loses_nothing_and_the_rerun_grades_only_the_rest(tmp_path):
    root = toy.build_course(tmp_path / "course", timeout=3)
    students = ["s1", "s2", "s3", "s4"]
    for student in students:
        toy.make_submission(root, student)
    environ = {k: v for k, v in os.environ.items() if k != "LAB3_DB_URL"}
    environ.update(PATH=BIN + os.pathsep + environ.get("PATH", ""), MPLBACKEND="Agg",
                   TMPDIR=RUN_TMP)  # fmt: skip
    driver = subprocess.Popen(
        [sys.executable, "-m", "kmeans_em_lab", "grade", "--course-root", str(root),
         "--workers", "1"],
        env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    # the first result saved, the driver and its whole cluster die at once (a power cut)
    for line in driver.stderr:
        if line.startswith("[1/4]"):
            os.killpg(driver.pid, 9)
            break
    driver.wait(timeout=60)
    saved = [s for s in students if stamp_of(root, s)]
    assert 1 <= len(saved) < len(students), saved
    rerun = grade(root, "--workers", "2")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(saved)} unchanged since last graded: kept" in rerun.stdout
    assert f"grading {len(students) - len(saved)} submission(s)" in rerun.stdout
    table = class_table(root)
    assert {s: grades_of(table, s) for s in students} == {s: FULL for s in students}


def test_an_instructors_manual_score_survives_a_regrade_and_reaches_the_feedback(tmp_path):
    from nbgrader.api import Gradebook

    root = toy.build_course(tmp_path / "course", timeout=3)
    toy.make_submission(root, "ok")
    assert grade(root, "--workers", "1").returncode == 0
    config = load_course_config(root)
    with Gradebook(db_url(config), course_id(config)) as gb:  # the instructor's judgement
        gb.find_grade("test_square_hidden", "lab3", "lab3", "ok").manual_score = 0.5
        gb.find_comment("square", "lab3", "lab3", "ok").manual_comment = "see me about this"
        gb.db.commit()
    toy.make_submission(root, "ok", toy.answers(add="def add(a, b):\n    return b + a\n"))
    rerun = grade(root, "--workers", "1")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    table = class_table(root)
    assert grades_of(table, "ok") == {**FULL, "test_square_hidden": 0.5}
    with Gradebook(db_url(config), course_id(config)) as gb:
        assert gb.find_grade("test_square_hidden", "lab3", "lab3", "ok").needs_manual_grade
    page = (root / "feedback" / "ok" / "lab3" / "lab3.html").read_text()
    assert "see me about this" in page, "the feedback was made from the instructor's gradebook"
    assert '<section id="lab3-summary"' in page, "the page opens with the summary"


def stamp_of(root: Path, student: str) -> Path | None:
    path = root / "autograded" / ".grade-stamps" / "lab3" / f"{student}.json"
    return path if path.exists() else None


def test_forced_regrade_gives_identical_scores(graded_class):
    third = graded_class["runs"][2]
    assert third.returncode == 0, third.stderr
    assert "[1/1] ok: 4/4" in third.stderr
    after, forced = graded_class["after"], graded_class["forced"]
    assert {s: grades_of(forced, s) for s in BROKEN} == {s: grades_of(after, s) for s in BROKEN}


def test_csv_report_and_feedback(graded_class):
    root = graded_class["root"]
    with open(root / "reports" / "grades.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert (
        header[:11]
        == (  # nbgrader's own export, column for column
            "assignment duedate timestamp student_id last_name first_name email raw_score "
            "late_submission_penalty score max_score"
        ).split()
    )
    assert header[11:] == ["square", "add", "status", "flags", "sandbox", "causes"]
    row = graded_class["csv"]["partial"]
    assert (row["square"], row["add"], row["score"], row["max_score"]) == ("3", "0", "3", "4")
    # why: add is not defined (NameError); the kernel died before exits' test of add
    assert (row["causes"], graded_class["csv"]["exits"]["causes"]) == ("add:not_defined",
                                                                        "add:not_run")  # fmt: skip
    assert graded_class["csv"]["ok"]["causes"] == ""
    assert (root / "reports" / "class_report.png").read_bytes()[:4] == b"\x89PNG"
    page = (root / "reports" / "class_report.html").read_text()
    assert '<a href="../feedback/partial/lab3/lab3.html">feedback</a>' in page
    table = graded_class["runs"][1].stdout
    assert "student" in table and "square" in table and "full marks" in table
    assert "why points were lost:" in table and "not_defined" in table
    for student in ("ok", "partial", "exits", "renamed"):
        assert (root / "feedback" / student / "lab3" / "lab3.html").exists()
    feedback = (root / "feedback" / "partial" / "lab3" / "lab3.html").read_text()
    assert '<section id="lab3-summary"' in feedback and 'href="#test_add_public"' in feedback


# -- output bytes: the kernel-side cap keeps a 200 MB line out of the grader ----------


def _run_cells(
    tmp_path, source: str | list[str], read_delay: float = 0.0, **traits
) -> tuple[NotebookNode, list[int]]:
    """Run one cell (or several: ``source`` a list) with ResilientExecute; returns the last
    cell and the sizes of the stream messages (``_run_cells.notebook``: the notebook).
    ``read_delay``: seconds the grader takes over each stream message (a busy worker)."""
    from kmeans_em_lab.pipeline.worker.execute import ResilientExecute

    received: list[int] = []

    class Recording(ResilientExecute):
        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] == "stream":
                received.append(len(msg["content"]["text"]))
                time.sleep(read_delay)
            return super().process_message(msg, cell, cell_index)

    from traitlets.config import Config

    config = Config()  # a sandboxed kernel talks over ipc socket files (short paths)
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(Path(tempfile.mkdtemp(dir=RUN_TMP)) / "kernel")
    nb = toy.source_notebook()
    sources = [source] if isinstance(source, str) else source
    nb.cells = [nbformat.v4.new_code_cell(text) for text in sources]
    executor = Recording(config=config, timeout=60, shutdown_kernel="immediate", **traits)
    executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    _run_cells.notebook, _run_cells.executor = nb, executor
    return nb.cells[-1], received


def test_a_message_of_a_type_nbclient_does_not_handle_is_dropped_unlogged(tmp_path, caplog):
    """nbclient logged an unknown output type in full ("unhandled iopub msg: <type>"), into
    the submission's log: a megabyte a message. The executor drops every type it does not
    handle before nbclient reads it, and the cell runs on."""
    import logging

    caplog.set_level(logging.DEBUG)
    source = (
        "kernel = get_ipython().kernel\n"
        "for _ in range(3):\n"
        "    kernel.session.send(kernel.iopub_socket, 'lab3-' + 'x' * 200_000, content={},\n"
        "                        parent=kernel.get_parent('shell'))\n"
        "print('after')"
    )
    last, _ = _run_cells(tmp_path, source)
    assert "after" in "".join(o.get("text", "") for o in last.outputs)
    assert "x" * 1000 not in caplog.text


def test_a_cell_sending_too_many_messages_stops_the_notebook_there(tmp_path):
    """A million tiny signed messages (an empty stream each costs no output byte) kept the
    grader decoding most of a core for as long as the cell ran. Past ``max_messages`` in
    one cell the notebook stops there, as at an unreadable message; a cell that prints a
    hundred thousand lines sends far fewer (ipykernel gathers them)."""
    flood = (
        "kernel = get_ipython().kernel\n"
        "for _ in range(20_000):\n"
        "    kernel.session.send(kernel.iopub_socket, 'stream', {'name': 'stdout', 'text': ''},\n"
        "                        parent=kernel.get_parent('shell'))\n"
        "import time; time.sleep(2)"
    )
    prints = "for i in range(100_000):\n    print(i)"
    last, _ = _run_cells(tmp_path, [prints, flood, "print('after')"], max_messages=2_000)
    printed, flooded = _run_cells.notebook.cells[:2]
    assert "99999" in json.dumps(printed.outputs)
    assert "more than 2,000 messages in one cell" in json.dumps(flooded.outputs)
    assert "after" not in json.dumps(last.outputs)


def test_cells_each_under_the_cells_message_limit_add_up_to_the_notebooks(tmp_path):
    """Cells each sending a little less than ``max_messages`` kept the grader decoding for
    minutes across a notebook. Past ``max_notebook_messages`` the notebook stops at the
    cell that crossed it; the cells before it keep their output."""
    flood = (
        "kernel = get_ipython().kernel\n"
        "for _ in range(1_500):\n"
        "    kernel.session.send(kernel.iopub_socket, 'stream', {'name': 'stdout', 'text': ''},\n"
        "                        parent=kernel.get_parent('shell'))\n"
        "print('flooded')"
    )
    cells = [flood] * 4 + ["print('LAST CELL')"]
    last, _ = _run_cells(tmp_path, cells, max_messages=2_000, max_notebook_messages=4_000)
    outputs = [json.dumps(cell.outputs) for cell in _run_cells.notebook.cells]
    assert "flooded" in outputs[0] and "flooded" in outputs[1]
    assert "more than 4,000 messages in the notebook" in outputs[2]
    assert "LAST CELL" not in outputs[4] and "not run" in outputs[4]


def test_display_ids_past_the_notebooks_limit_keep_their_output_but_no_id(tmp_path):
    """nbclient walks every display id of the notebook at each clear_output: 24,000 ids made
    each clear cost the grader 0.6 ms. Past ``max_display_ids`` a display keeps its output
    but no id."""
    source = (
        "from IPython.display import display\n"
        "for i in range(300):\n"
        "    display(i, display_id=f'id-{i}')"
    )
    cells = [source, "print('last')"]
    last, _ = _run_cells(tmp_path, cells, max_display_ids=100)
    assert len(_run_cells.executor._display_id_map) == 100
    assert json.dumps(_run_cells.notebook.cells[0].outputs).count("text/plain") == 300
    assert "last" in json.dumps(last.outputs)


def test_cells_past_the_notebooks_time_budget_are_not_run(tmp_path):
    """Cells a submission adds, each within its own limit, cannot together hold the worker:
    past ``notebook_seconds`` the cells left are not run, each saying why."""
    cells = ["import time; time.sleep(1.5)", "time.sleep(1.5)", "print('third')"]
    last, _ = _run_cells(tmp_path, cells, notebook_seconds=2.0)
    first, second = _run_cells.notebook.cells[:2]
    assert first.execution_count and second.execution_count  # started within the budget
    text = json.dumps(last.outputs)
    assert "third" not in text and "ran past its time limit (2 s for all its cells" in text


def test_a_cell_past_the_length_the_grader_runs_is_not_run_and_the_notebook_goes_on(tmp_path):
    """IPython compiles a cell's statements one by one: a cell of a million one-line
    statements held the kernel past its time limit, in a phase that ignores the interrupt
    under load, so the rest of the notebook scored 0 or not by the machine's load. A cell
    past ``max_cell_chars`` is not run (its error says why); the cells after it run."""
    cells = ["x = 1", "y = 2\n" + "a = 0\n" * 20, "print('after', x)"]
    last, _ = _run_cells(tmp_path, cells, max_cell_chars=100)
    first, long_cell = _run_cells.notebook.cells[:2]
    assert first.execution_count and long_cell.execution_count is None
    (error,) = long_cell.outputs
    assert error.ename == "CellTooLong"
    assert error.evalue == "cell #1 not run: it holds 126 characters, more than the 100 " \
        "the grader runs in one cell"  # fmt: skip
    assert "after 1" in json.dumps(last.outputs)
    events = _run_cells.executor.resources[verdicts.EVENTS]
    assert [e.code for e in events[1]] == [verdicts.CELL_TOO_LONG]


def test_kernel_caps_output_before_it_reaches_the_grader(tmp_path):
    cell, received = _run_cells(tmp_path, "print('x' * 200_000_000)\nprint('after')")
    assert sum(received) < 2_000_000  # what crossed the wire, not just what was saved
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "output truncated by the grader" in text and len(text) < 2_000_000


def test_grader_caps_output_as_it_arrives_when_the_kernel_does_not(tmp_path):
    cell, received = _run_cells(
        tmp_path, "print('y' * 20_000_000)", kernel_output_bytes=-1, max_output_bytes=100_000
    )
    assert sum(received) >= 20_000_000  # the kernel sent it all...
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert len(text) < 200_000 and "output truncated by the grader" in text  # ...not kept


def test_grader_caps_every_kind_of_output_as_it_arrives(tmp_path):
    """Displays, their updates and results count against the cell's budget, not only streams."""
    source = (
        "from IPython.display import HTML, display, update_display\n"
        "handle = display(HTML('<b>small</b>'), display_id=True)\n"
        "update_display(HTML('u' * 3_000_000), display_id=handle.display_id)\n"
        "display(HTML('z' * 3_000_000))\n"
        "'r' * 3_000_000\n"
    )
    cell, _ = _run_cells(tmp_path, source, kernel_output_bytes=-1, max_output_bytes=100_000)
    kept = json.dumps(cell.outputs)
    assert len(kept) < 200_000 and "output truncated by the grader" in kept
    assert "<b>small</b>" in kept  # what came within the budget stays


def test_the_whole_notebooks_output_has_a_budget_too(tmp_path):
    """Forty cells each within their own limit cannot add up past the notebook's."""
    cells = ["print('n' * 90_000)"] * 40
    _run_cells(
        tmp_path,
        cells,
        kernel_output_bytes=-1,
        max_output_bytes=100_000,
        max_notebook_output_bytes=1_000_000,
    )
    kept = json.dumps([c.outputs for c in _run_cells.notebook.cells])
    assert 900_000 < len(kept) < 1_200_000
    assert "more than 1000000 bytes in this notebook" in kept


def test_an_update_counts_once_for_every_output_it_rewrites(tmp_path):
    """One update of a display id shown by 50 cells is copied into all 50 outputs."""
    show = "from IPython.display import display\ndisplay('tiny', display_id='amp')"
    update = (
        "from IPython.display import update_display\n"
        "update_display('u' * 100_000, display_id='amp')"
    )
    _run_cells(
        tmp_path,
        [show] * 50 + [update],
        kernel_output_bytes=-1,
        max_output_bytes=1_000_000,
        max_notebook_output_bytes=1_000_000,
    )
    kept = json.dumps([c.outputs for c in _run_cells.notebook.cells])
    assert len(kept) < 1_000_000 and "output truncated by the grader" in kept


def test_one_huge_message_is_dropped_unread_and_the_notebook_goes_on(tmp_path):
    """ZeroMQ drops a message over max_message_bytes with the connection: the grader never
    holds it, says so instead of waiting out the cell's time limit, and runs the next cell
    (whose output may be lost with the connection: its verdict would come from its record)."""
    source = (
        "from IPython.display import display\n"
        "display({'text/plain': 'h' * 30_000_000}, raw=True)\n"
        "print('after the flood')\n"
    )
    last, _ = _run_cells(
        tmp_path, [source, "1 + 1"], kernel_output_bytes=-1, max_output_bytes=-1,
        max_message_bytes=1_000_000,
    )  # fmt: skip
    kept = json.dumps(_run_cells.notebook.cells[0].outputs)
    assert len(kept) < 100_000 and "h" * 1000 not in kept
    assert "output stopped reaching the grader" in kept and "1,000,000 bytes" in kept
    assert "shell.execute_reply" in last.metadata["execution"]  # the next cell ran


def test_a_cell_whose_output_is_still_arriving_at_the_deadline_is_cut_and_the_rest_runs(
    tmp_path,
):
    """Each flushed print is a message: an honest cell of 5,000 was still being read when
    nbclient's wait after the cell's reply ended, and the notebook stopped there (0 points
    for every test after it). What arrives late is cut; the notebook goes on."""
    cells = ["for i in range(5_000):\n    print(i, flush=True)", "print('after')"]
    last, _ = _run_cells(tmp_path, cells, read_delay=0.002, iopub_timeout=2)
    first = json.dumps(_run_cells.notebook.cells[0].outputs)
    assert "was still arriving 2 s after the cell's reply" in first  # a busy grader
    assert "after" in json.dumps(last.outputs)


def test_the_notebook_stops_at_the_cell_past_its_limit_of_cut_cells(tmp_path):
    """A kernel flooding past its own queue after every cell had each cell waited out and
    cut, and held a worker for minutes. Past ``max_output_cuts`` cut cells the notebook
    stops at the cell that crossed it; the cells before it keep what arrived."""
    slow = "for i in range(500):\n    print(i, flush=True)"
    cells = [slow, slow, slow, "print('LAST CELL')"]
    last, _ = _run_cells(tmp_path, cells, read_delay=0.01, iopub_timeout=1, max_output_cuts=1)
    first, second, third = (json.dumps(c.outputs) for c in _run_cells.notebook.cells[:3])
    assert "was still arriving 1 s after the cell's reply" in first and "stops" not in first
    assert "the output of 2 cells had not all reached the grader" in second
    assert "not run" in third and "LAST CELL" not in json.dumps(last.outputs)


# -- the gradebook on PostgreSQL ---------------------------------------------------------


@pytest.fixture
def postgres_url():
    """A throw-away PostgreSQL server (unix socket in a temp folder, no TCP port)."""
    why = postgres.unavailable()
    if why:
        pytest.skip(why)
    pytest.importorskip("psycopg2", reason="psycopg2 is needed to reach PostgreSQL")
    try:
        server = postgres.Postgres()
    except subprocess.CalledProcessError as err:
        pytest.fail(f"could not start PostgreSQL: {err.stderr.decode(errors='replace')}")
    try:
        yield server.database("lab3")
    finally:
        server.stop()


def test_pipeline_on_postgresql(tmp_path, postgres_url):
    root = toy.build_course(tmp_path / "course", timeout=3)
    (root / "gradebook.db").unlink()  # the toy release was made with SQLite: gone
    toy.make_submission(root, "ok")
    toy.make_submission(root, "exits", toy.answers(add="import os\nos._exit(1)\n"))
    env = {"LAB3_DB_URL": postgres_url}
    # the driver alone writes PostgreSQL (the workers grade against private SQLite copies);
    # unsandboxed here, which also shows --no-sandbox end to end
    run = grade(root, "--workers", "2", "--no-sandbox", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {row["sandbox"] for row in read_csv(root).values()} == {"off"}
    assert "WITHOUT the sandbox" in run.stdout or "without the sandbox" in run.stdout
    assert "release regenerated" in run.stdout  # the assignment went into PostgreSQL
    table = class_table(root, env)
    assert grades_of(table, "ok") == FULL
    assert grades_of(table, "exits") == {**FULL, "test_add_public": 0.0}
    assert not (root / "gradebook.db").exists()


def test_a_display_nbformat_would_refuse_is_dropped_and_the_notebook_runs_on(tmp_path):
    """``display({"xjson": 5}, raw=True)`` sends a bundle whose key ends in "json" but is not
    one nbformat lets hold a number: that output is dropped, the cell and the notebook run on
    (it once failed the whole submission, twice)."""
    cells = [
        'from IPython.display import display\ndisplay({"xjson": 5}, raw=True)\nprint("after")',
        'print("next cell")',
    ]
    last, _ = _run_cells(tmp_path, cells)
    first = _run_cells.notebook.cells[0]
    assert [o.get("text") for o in first.outputs] == ["after\n"]
    assert [o.get("text") for o in last.outputs] == ["next cell\n"]
    nbformat.validate(_run_cells.notebook)
