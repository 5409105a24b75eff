"""The grading pipeline's parts, without running student notebooks.

The Dask dispatcher's watchdog, retry and worker deaths run a real LocalCluster
with a stand-in job (``pipeline_fixtures.fake_jobs``); the rest are plain functions.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook
from pipeline_fixtures import toy_course

from kmeans_em_lab.pipeline.driver import intake, stamps
from kmeans_em_lab.pipeline.driver.progress import Progress
from kmeans_em_lab.pipeline.driver.settings import Settings, submission_deadline
from kmeans_em_lab.pipeline.shared.grouping import function_of, group
from kmeans_em_lab.pipeline.worker.config import grading_config, pipeline_preprocessors
from kmeans_em_lab.pipeline.worker.limit_bytes import LimitOutputBytes, utf8_prefix
from lab3_kernel.wire import values_in

# -- grouping graded cells into the lab's functions ------------------------------------

LAB_FUNCTIONS = ["Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM"]


@pytest.mark.parametrize(
    ("grade_id", "function"),
    [
        ("test_Set_public", "Set"),
        ("test_Set_hidden", "Set"),
        ("test_K_Means_hidden", "K_Means"),
        ("test_K_Means_hidden_1d", "K_Means"),
        ("test_Centroid_init_public", "Centroid_init"),
        ("test_EM_step_hidden", "EM_step"),
        ("test_EM_hidden", "EM"),
        ("kmeans_run", "kmeans_run"),
    ],
)
def test_grade_ids_group_into_functions(grade_id, function):
    assert function_of(grade_id, LAB_FUNCTIONS) == function
    # without the list of functions, the _public/_hidden marker decides
    assert function_of(grade_id) == function


def test_grouping_falls_back_to_the_grade_id():
    assert function_of("written_answer") == "written_answer"
    assert function_of("test_square_3") == "square"
    assert group(["test_a_public", "x", "test_a_hidden"]) == {
        "a": ["test_a_public", "test_a_hidden"],
        "x": ["x"],
    }


# -- output limited by bytes -------------------------------------------------------------


def test_utf8_prefix_cuts_at_a_character_boundary():
    assert utf8_prefix("abc", 10) == ("abc", 3, False)
    text, size, cut = utf8_prefix("é" * 10, 5)  # 2 bytes each
    assert (text, size, cut) == ("éé", 4, True)
    text, size, cut = utf8_prefix("x" * 50_000_000, 100)
    assert (len(text), size, cut) == (100, 100, True)


def _cell(*outputs) -> NotebookNode:
    cell = nbformat.v4.new_code_cell("pass")
    cell.outputs = [nbformat.v4.output_from_msg(o) if "header" in o else o for o in outputs]
    return cell


def test_limit_output_bytes_keeps_what_decides_the_score():
    pp = LimitOutputBytes(max_bytes=1000)
    huge = "x" * 5_000_000  # one line: LimitOutput (lines) would keep all of it
    cell = _cell(
        nbformat.v4.new_output("stream", name="stdout", text=huge),
        nbformat.v4.new_output("stream", name="stderr", text="warning: " + huge),
        nbformat.v4.new_output("execute_result", data={"text/plain": huge}, execution_count=1),
        nbformat.v4.new_output("error", ename="ValueError", evalue=huge, traceback=[huge, huge]),
    )
    cell, _ = pp.preprocess_cell(cell, {}, 0)
    kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
    # the stderr stream, the result and the error are still there: the score is unchanged
    assert kinds == [
        ("stream", "stdout"),
        ("stream", "stderr"),
        ("execute_result", None),
        ("error", None),
    ]
    assert len(json.dumps(cell.outputs)) < 1000 + LimitOutputBytes.ERROR_ROOM * 2 + 2000
    assert "truncated by the grader" in cell.outputs[0].text
    assert cell.outputs[2].data["text/plain"]  # nbgrader reads it for partial credit


def test_limit_output_bytes_leaves_small_output_alone():
    pp = LimitOutputBytes(max_bytes=1000)
    stream = nbformat.v4.new_output("stream", name="stdout", text="hello\n")
    cell, _ = pp.preprocess_cell(_cell(stream), {}, 0)
    assert cell.outputs[0].text == "hello\n"


def test_huge_image_is_dropped_with_a_note():
    pp = LimitOutputBytes(max_bytes=1000)
    cell = _cell(nbformat.v4.new_output("display_data", data={"image/png": "A" * 100_000}))
    cell, _ = pp.preprocess_cell(cell, {}, 0)
    assert "image/png" not in cell.outputs[0].data
    assert "removed" in cell.outputs[0].data["text/plain"]


def test_json_is_charged_what_it_holds_once_decoded():
    """1 MiB of ``{"":{"":...}}`` is a hundred megabytes of dicts: every value, container
    and key is charged :data:`VALUE_BYTES`, so the byte budgets bound what is held."""
    from kmeans_em_lab.pipeline.worker.limit_bytes import VALUE_BYTES, held_bytes

    chain: dict = {}
    for _ in range(60):
        chain = {"": chain}
    assert held_bytes(chain) >= 2 * 60 * VALUE_BYTES  # each level: a dict and a key
    assert held_bytes([chain] * 100) >= 100 * held_bytes(chain)
    assert held_bytes("x" * 1000) == 1000 + VALUE_BYTES  # text: its bytes
    pp = LimitOutputBytes(max_bytes=100_000)
    cell = _cell(nbformat.v4.new_output("display_data", data={
        "application/json": [chain] * 100, "text/plain": "<JSON>"}))  # fmt: skip
    cell, _ = pp.preprocess_cell(cell, {}, 0)
    assert "application/json" not in cell.outputs[0].data  # 12 kB as text, removed


def test_json_outputs_are_counted_as_json():
    """``display(JSON([1, 2, 3]))``: a list that holds numbers, which nbformat allows under
    ``application/json``, is measured as its JSON (a join of its items once failed the
    submission), kept when small and removed, with a note, when large."""
    pp = LimitOutputBytes(max_bytes=1000)
    small = {"application/json": [1, 2, {"a": None}], "text/plain": "<JSON>"}
    large = {"application/json": list(range(2000)), "text/plain": "<JSON>"}
    cell = _cell(
        nbformat.v4.new_output("display_data", data=small),
        nbformat.v4.new_output("display_data", data=large),
    )
    cell, _ = pp.preprocess_cell(cell, {}, 0)
    assert cell.outputs[0].data["application/json"] == [1, 2, {"a": None}]
    assert "application/json" not in cell.outputs[1].data
    assert "by the grader" in cell.outputs[1].data["text/plain"]


# -- the preprocessors and the kernel sockets through nbgrader's config --------------


def test_pipeline_swaps_execute_and_adds_the_byte_limit():
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute, LimitOutput, SaveAutoGrades

    from kmeans_em_lab.pipeline.worker.execute import ResilientExecute
    from kmeans_em_lab.pipeline.worker.judge import JudgeRecords

    out = pipeline_preprocessors(list(Autograde.autograde_preprocessors.default()))
    assert Execute not in out and ResilientExecute in out
    assert out.index(JudgeRecords) == out.index(ResilientExecute) + 1  # judged at once
    assert out.index(LimitOutput) < out.index(LimitOutputBytes) < out.index(SaveAutoGrades)
    assert pipeline_preprocessors(out) == out


def test_symbolic_links_in_a_submission_are_never_followed(tmp_path):
    course_secret = tmp_path / "source" / "lab3"
    course_secret.mkdir(parents=True)
    (course_secret / "lab3.ipynb").write_text(_nb_text())
    folder = tmp_path / "eve" / "lab3"
    folder.mkdir(parents=True)
    (folder / "lab3.ipynb").symlink_to(course_secret / "lab3.ipynb")
    (folder / "data").symlink_to(course_secret)
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.notebook is None and "symbolic link" in sub.problem
    (folder / "lab3.ipynb").unlink()
    (folder / "lab3.ipynb").write_text(_nb_text())
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.notebook == folder / "lab3.ipynb" and not sub.problem
    assert any("left out: data (symbolic link)" in f for f in sub.flags)
    linked = tmp_path / "mallory" / "lab3"
    linked.parent.mkdir()
    linked.symlink_to(folder)
    assert "symbolic link" in intake.inspect("mallory", linked, "lab3.ipynb").problem


def test_a_record_over_the_cap_is_refused_unread_and_a_correct_one_is_far_below_it(tmp_path):
    from pipeline_fixtures.judged_notebooks import notebook

    from kmeans_em_lab import checks
    from kmeans_em_lab.pipeline.worker.mailbox import MAX_RECORD_BYTES, MAX_RECORD_VALUES, Mailbox

    box = Mailbox(tmp_path)
    with open(box.outbox / "record.json", "wb") as fh:
        fh.truncate(MAX_RECORD_BYTES + 1)  # sparse: nothing is written, and nothing read
    record = box.take("Set")
    assert record["check"] == "Set" and record["refused"]["code"] == "record_too_big"
    assert "far more than the lab's functions return" in checks.judgement("Set", record).message
    namespace = notebook()
    for check in checks.CHECKS:
        text = json.dumps(checks.record_in_process(check, namespace))
        assert len(text) < MAX_RECORD_BYTES / 8, check
        assert values_in(text.encode()) < MAX_RECORD_VALUES / 100, check


def test_a_record_of_many_small_values_is_refused_before_it_is_decoded(tmp_path):
    """8 MiB of ``[]`` would decode into hundreds of MiB of lists, kept until the notebook
    is judged: past :data:`MAX_RECORD_VALUES` a record is refused like one over the bytes."""
    import tracemalloc

    from kmeans_em_lab.pipeline.worker.mailbox import MAX_RECORD_BYTES, MAX_RECORD_VALUES, Mailbox

    box = Mailbox(tmp_path)
    body = b"[" * 400 + b"]" * 400
    text = b'{"check": "Set", "outcomes": [' + b",".join([body] * 10_000) + b"]}"
    assert len(text) < MAX_RECORD_BYTES and values_in(text) > MAX_RECORD_VALUES
    (box.outbox / "record.json").write_bytes(text)
    tracemalloc.start()
    try:
        record = box.take("Set")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert record["check"] == "Set" and record["refused"]["code"] == "record_too_big"
    assert peak < 4 * len(text)  # read, counted, never decoded
    just_under = b'{"check": "Set", "outcomes": [' + b",".join([b"[]"] * 1000) + b"]}"
    (box.outbox / "record.json").write_bytes(just_under)
    assert box.take("Set")["outcomes"] == [[]] * 1000


def test_a_record_is_read_as_hostile_data(tmp_path):

    from kmeans_em_lab.pipeline.worker.mailbox import Mailbox, read_untrusted

    box = Mailbox(tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text('{"check": "Set"}')
    (box.outbox / "record.json").symlink_to(secret)
    assert box.take() is None  # a link is not followed
    os.mkfifo(box.outbox / "record.json")
    assert box.take() is None  # a FIFO does not block the grader
    (box.outbox / "record.json").write_text("[" * 100_000)
    assert box.take() is None  # nor does a record too deep to parse
    (box.outbox / "record.json").write_text('{"check": "Set", "outcomes": []}')
    box.post({"check": "Update"})
    assert list(box.outbox.iterdir()) == []  # what a cell leaves is not the next cell's
    (box.outbox / "record.json").write_text('{"check": "Update", "outcomes": []}')
    assert box.take() == {"check": "Update", "outcomes": []}
    assert not (box.inbox / "plan.json").exists()  # the plan is withdrawn after the cell
    big = tmp_path / "big"
    big.write_bytes(b"x" * 1001)
    assert read_untrusted(big, 1000) is None and read_untrusted(big, 2000) == b"x" * 1001
    box.close()
    assert not box.root.exists()


def test_a_lone_surrogate_in_a_record_becomes_a_replacement_character(tmp_path):
    """No UTF-8 file can hold a lone surrogate (an exception message ``chr(0xD800)``): the
    record's strings, keys included, are made writable; a valid pair stays one character."""
    from kmeans_em_lab.pipeline.worker.mailbox import Mailbox

    box = Mailbox(tmp_path)
    (box.outbox / "record.json").write_text(
        '{"check": "Set", "outcomes": [{"error": "not written \\ud800", "\\udc80": ["\\uDFFF",'
        ' "\\ud83d\\ude00"]}]}'
    )
    record = box.take("Set")
    outcome = record["outcomes"][0]
    assert outcome == {"error": "not written \ufffd", "\ufffd": ["\ufffd", "\U0001f600"]}
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    box.close()


def test_folders_nested_thousands_deep_in_the_outbox_never_fail_a_submission(tmp_path):
    """A kernel may nest folders in its outbox deeper than any recursion goes (1,500 levels,
    a file at the bottom): taking a record leaves them (the kernel may still write there)
    and closing the mailbox removes them all, without an error."""
    from kmeans_em_lab.pipeline.worker.mailbox import Mailbox

    box = Mailbox(tmp_path)
    fd = os.open(box.outbox, os.O_RDONLY)
    for _ in range(1500):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    with open(os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "wb") as out:
        out.write(b"x" * 4096)
    os.close(fd)
    (box.outbox / "record.json").write_text('{"check": "Set", "outcomes": []}')
    assert box.take("Set") == {"check": "Set", "outcomes": []}
    assert (box.outbox / "d").is_dir()
    box.close()
    assert not box.root.exists()


def test_workers_never_share_kernel_sockets(tmp_path):
    from traitlets.config import Config

    base = Config()
    base.CourseDirectory.root = str(tmp_path)
    ipc = [grading_config(base, sandbox=True, scratch=tmp_path / f"w{i}") for i in range(3)]
    assert {c.KernelManager.transport for c in ipc} == {"ipc"}
    assert len({c.KernelManager.ip for c in ipc}) == 3
    assert all(Path(c.KernelManager.ip).is_absolute() for c in ipc)
    assert {c.SandboxedKernelManager.sandbox for c in ipc} == {True}
    off = grading_config(base, sandbox=False, scratch=tmp_path / "w")
    assert off.SandboxedKernelManager.sandbox is False
    # SQLite always waits for the lock instead of failing
    assert "timeout=" in ipc[0].CourseDirectory.db_url
    assert "CourseDirectory" not in base or "db_url" not in base.CourseDirectory


def test_watchdog_is_the_sum_of_cell_limits_plus_margin(tmp_path):
    from kmeans_em_lab.course.limits import timeout_for_cell
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config

    root = tmp_path / "course"
    (root / "source" / "lab3").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    nbformat.write(toy_course.source_notebook(), root / "source" / "lab3" / "lab3.ipynb")
    config = load_course_config(root)
    config.Execute.timeout = 7
    config.Execute.iopub_timeout = 4
    settings = Settings(root=root, margin=100, similarity=False)
    assert submission_deadline(config, settings) == 5 * (7 + 4) + 100  # 5 code cells
    config.Execute.timeout_func = timeout_for_cell({"add": 50}, 7)
    assert submission_deadline(config, settings) == 4 * 11 + (50 + 4) + 100
    assert submission_deadline(config, Settings(root=root, watchdog=9)) == 9
    # the cells together: the limits less the longest, which ends before the watchdog
    from kmeans_em_lab.pipeline.driver.settings import notebook_budget

    assert notebook_budget(config, settings) == 4 * 7
    assert 4 * 7 + 50 + 4 < submission_deadline(config, settings)
    assert notebook_budget(config, Settings(root=root, watchdog=9)) == float("inf")


def test_the_watchdog_counts_the_similarity_probes_when_they_run(tmp_path):
    """A run that writes the similarity report runs one probe cell per function after the
    notebook's cells: the watchdog's deadline counts each at its own limit; the notebook's
    budget, which stops the student's cells, does not."""
    from kmeans_em_lab.pipeline.driver.settings import notebook_budget
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config
    from kmeans_em_lab.similarity import probes

    root = tmp_path / "course"
    (root / "source" / "lab3").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    nbformat.write(toy_course.source_notebook(), root / "source" / "lab3" / "lab3.ipynb")
    config = load_course_config(root)
    config.Execute.timeout, config.Execute.iopub_timeout = 7, 4
    off = Settings(root=root, margin=100, similarity=False)
    on = Settings(root=root, margin=100, similarity=True)
    cells = len(probes.functions())
    assert cells == 6
    extra = submission_deadline(config, on) - submission_deadline(config, off)
    assert extra == cells * (probes.CELL_SECONDS + 4)
    config.ResilientExecute.probe_seconds = 2
    extra = submission_deadline(config, on) - submission_deadline(config, off)
    assert extra == cells * (2 + 4)
    assert notebook_budget(config, on) == notebook_budget(config, off)


# -- what a submission folder holds ------------------------------------------------------


def _nb_text() -> str:
    return nbformat.writes(nbformat.v4.new_notebook())


@pytest.mark.parametrize(
    ("files", "graded", "problem", "flag"),
    [
        ({"lab3.ipynb": "NB"}, "lab3.ipynb", None, None),
        ({"lab3 (1).ipynb": "NB", "data.csv": "1"}, "lab3 (1).ipynb", None, "renamed"),
        ({"lab3.ipynb": "NB", "other.ipynb": "NB"}, "lab3.ipynb", None, None),
        ({"a.ipynb": "NB", "b.ipynb": "NB"}, None, "cannot tell which", None),
        ({"answers.py": "x = 1"}, None, "no notebook", None),
        ({}, None, "empty submission folder", None),
        ({"lab3.ipynb": "{not json"}, None, "not a readable notebook", None),
        ({"lab3.ipynb": ""}, None, "not a readable notebook", None),
    ],
)
def test_intake_classifies_submissions(tmp_path, files, graded, problem, flag):
    folder = tmp_path / "alice" / "lab3"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(_nb_text() if text == "NB" else text)
    sub = intake.inspect("alice", folder, "lab3.ipynb")
    assert (sub.notebook.name if sub.notebook else None) == graded
    if problem:
        assert problem in sub.problem
    else:
        assert sub.problem is None
    assert any(flag in f for f in sub.flags) if flag else not sub.flags


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({"lab3\x1b[2J\x1b[H100 \u202e.ipynb": "NB"}, "flags"),
        ({"a\x1b]0;title\x07.ipynb": "NB", "b\u2028.ipynb": "NB"}, "problem"),
        ({"lab3.ipynb": "{not json \x1b[31m"}, "problem"),
    ],
)
def test_intake_never_passes_on_a_file_name_s_control_characters(tmp_path, files, where):
    """A student's file name quoted in a flag or problem cannot drive the instructor's
    terminal (escape sequences) or reorder text (bidirectional overrides)."""
    folder = tmp_path / "alice" / "lab3"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(_nb_text() if text == "NB" else text)
    (folder / "link\x1b[1A").symlink_to(folder / next(iter(files)))
    sub = intake.inspect("alice", folder, "lab3.ipynb")
    texts = sub.flags + [sub.problem or ""]
    said = " ".join(texts)
    assert sub.flags if where == "flags" else sub.problem, (sub.flags, sub.problem)
    assert all(c.isprintable() for c in said), said
    assert "\\x1b" in said  # shown, escaped


def test_discover_lists_students_and_rejects_unknown_ones(tmp_path):
    for student in ("bob", "alice"):
        (tmp_path / student / "lab3").mkdir(parents=True)
    (tmp_path / "carol" / "lab2").mkdir(parents=True)
    assert intake.discover(tmp_path, "lab3") == ["alice", "bob"]
    assert intake.discover(tmp_path, "lab3", ["bob"]) == ["bob"]
    with pytest.raises(KeyError, match="carol"):
        intake.discover(tmp_path, "lab3", ["carol"])


def test_submission_digest_follows_content(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lab3.ipynb").write_text("one")
    first = stamps.folder_digest(tmp_path / "a")
    assert stamps.folder_digest(tmp_path / "a") == first
    (tmp_path / "a" / "lab3.ipynb").write_text("two")
    assert stamps.folder_digest(tmp_path / "a") != first
    stamp = {"submission": first, "course": "c", "status": "graded"}
    assert stamps.is_current(stamp, first, "c")
    assert not stamps.is_current(stamp, first, "other course")
    assert not stamps.is_current({**stamp, "status": "failed"}, first, "c")


# -- progress ---------------------------------------------------------------------------


def test_progress_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    progress = Progress(3, stream=out, tty=False)
    progress.started("alice")
    progress.finished({"student": "alice", "status": "graded", "score": 4, "max_score": 4})
    progress.finished({"student": "bob", "status": "failed", "message": "worker killed"})
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/3] alice: 4/4") and "0 failed" in lines[0]
    assert "ETA" in lines[0] and "\r" not in out.getvalue()
    assert lines[1].startswith("[2/3] bob: FAILED (worker killed)") and "1 failed" in lines[1]
    assert lines[-1].startswith("graded 2/3")


def test_progress_bar_redraws_in_place_on_a_terminal():
    out = io.StringIO()
    progress = Progress(2, stream=out, tty=True)
    progress.started("alice")
    progress.finished({"student": "alice", "status": "graded", "score": 1, "max_score": 2})
    text = out.getvalue()
    assert "\r\x1b[K[" in text and "1/2 done, 0 failed, ETA" in text and "#" in text


# -- the Dask dispatcher: watchdog, retry once, workers that die ---------------------


# Seconds the watchdog waits, after killing a task's processes, for the job to return
# before it ends the worker: generous, so that only a job that ignores the kill (stuck*)
# takes its worker down, however loaded the machine.
GRACE = 5.0


def _dispatch(tmp_path, students, job, deadline=2.0, workers=2):
    from kmeans_em_lab.pipeline.driver.cluster import Dispatcher, Events, connect, disconnect
    from kmeans_em_lab.pipeline.shared.jobs import CourseBundle, SubmissionFiles, TaskOptions

    settings = Settings(root=tmp_path, workers=workers, job=job)
    bundle = CourseBundle("lab3", "lab3.ipynb", "0" * 64, {"dir": str(tmp_path).encode()}, b"")
    submissions = [SubmissionFiles(s, f"{i:064d}", {}) for i, s in enumerate(students)]
    events = []
    saved = []
    client, cluster = connect(settings)
    try:
        dispatcher = Dispatcher(
            client,
            bundle,
            settings,
            TaskOptions(sandbox=False, deadline=deadline, grace=GRACE),
            Events(finished=events.append, retrying=lambda r: events.append({**r, "retry": 1})),
        )
        results = dispatcher.run(
            submissions, lambda r: saved.append((r.student, r.status)) or r.outcome()
        )
    finally:
        disconnect(client, cluster)
    return results, events, saved


def test_dask_watchdog_kills_kernels_retries_once_gives_up_on_worker_killers(tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="kmeans_em_lab")
    students = ["a", "hang", "b", "crash", "flaky", "stuck", "c", "d"]
    results, events, saved = _dispatch(tmp_path, students, "pipeline_fixtures.fake_jobs:job")
    assert set(results) == set(students)
    for student in ("a", "b", "c", "d", "flaky"):
        assert results[student]["status"] == "graded", results[student]
    assert results["flaky"]["attempts"] == 2
    # the watchdog killed the kernel (here: the job's child); the job returned; retried once
    assert results["hang"]["status"] == "failed" and results["hang"]["attempts"] == 2
    assert "watchdog" in results["hang"]["message"]
    # a job that ignores the watchdog, and one that kills its worker: Dask reran each on
    # another worker once, then gave up (KilledWorker), and the batch went on
    for student in ("stuck", "crash"):
        assert results[student]["status"] == "failed", results[student]
        assert "died 2 times" in results[student]["message"]
    retried = sorted(e["student"] for e in events if e.get("retry"))
    assert retried == ["flaky", "hang"]
    assert sorted(s for s, status in saved if status == "graded") == ["a", "b", "c", "d", "flaky"]
    assert sorted(s for s, _ in saved) == sorted(students), "each final result saved once"
    assert sorted(e["student"] for e in events if not e.get("retry")) == sorted(students)
    # the diagnostics say what happened to each (kmeans_em_lab.logs)
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("kmeans")]
    warnings = [message for level, message in logged if level == logging.WARNING]
    for student in ("flaky", "hang"):
        assert any(m.startswith(f"{student}: attempt 1 lost (") for m in warnings), warnings
    for student in ("stuck", "crash"):
        assert any(m.startswith(f"{student}: Dask gave up on it") for m in warnings), warnings
    finished = [m for level, m in logged if level == logging.INFO and ", attempt " in m]
    assert sorted(m.split(":")[0] for m in finished) == sorted(students), finished
    assert any(m.startswith("flaky: graded, attempt 2,") for m in finished), finished
    pids = [int(p.read_text()) for p in tmp_path.glob("*.*.pid")]
    assert len(pids) >= 4  # hang twice, stuck twice
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"


def test_tasks_no_worker_starts_are_given_up_and_the_batch_ends(tmp_path, monkeypatch):
    """A task the cluster never starts (here: it asks for a resource no worker has; in a
    run, one whose dependency Dask lost) sends no event, and its worker-side watchdog never
    runs: past :func:`stall_limit` without any task started or finished, the driver gives
    up on what it waits for, and after a second such wait on the rest of the class. A
    submission that does run is graded meanwhile, and every result is saved once."""
    from kmeans_em_lab.pipeline.driver import cluster

    real_submit = cluster.Dispatcher._submit

    def submit(self, bundle, submission, attempt, requeue):
        if submission.student.startswith("ok"):
            return real_submit(self, bundle, submission, attempt, requeue)
        return self.client.submit(
            cluster.run_task, self.settings.job, bundle, submission, self.options,
            key=cluster.task_key(submission, self.bundle, attempt, requeue),
            resources={"no-such-resource": 1}, pure=False,
        )  # fmt: skip

    monkeypatch.setattr(cluster.Dispatcher, "_submit", submit)
    monkeypatch.setattr(cluster, "stall_limit", lambda options: 3.0)
    students = ["ok1", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]
    results, _, saved = _dispatch(tmp_path, students, "pipeline_fixtures.fake_jobs:job")
    assert set(results) == set(students)
    assert results["ok1"]["status"] == "graded"
    for student in students[1:]:
        assert results[student]["status"] == "failed", results[student]
        assert "nothing started or finished on the cluster for 3 s" in results[student]["message"]
    assert sorted(s for s, _ in saved) == sorted(students), "each final result saved once"
    monkeypatch.undo()  # the limit itself: past the longest a task may run, or never
    assert cluster.stall_limit(cluster.TaskOptions(deadline=100.0, grace=10.0)) > 110.0
    assert cluster.stall_limit(cluster.TaskOptions()) == float("inf")


def test_a_job_that_holds_the_interpreter_lock_still_ends_its_worker(tmp_path):
    """The watchdog is a thread, which cannot run while a C-level search holds the lock:
    faulthandler ends the process all the same, soon after the deadline and the grace."""
    import subprocess
    import sys
    import time

    code = (
        "import sys; sys.path.insert(0, 'grader_tests')\n"
        "from kmeans_em_lab.pipeline.shared import jobs\n"
        "from kmeans_em_lab.pipeline.worker import task\n"
        "task.LOCKED_MARGIN = 0.5\n"
        "from types import SimpleNamespace as N\n"
        "task.run_task('pipeline_fixtures.fake_jobs:locked_job', N(files={}),"
        " jobs.SubmissionFiles('locked', '0' * 64, {}),"
        " jobs.TaskOptions(sandbox=False, deadline=0.5, grace=0.5))\n"
        "print('never reached')\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode != 0 and "never reached" not in done.stdout
    assert "Timeout" in done.stderr  # faulthandler's dump: it ended the process
    assert time.monotonic() - started < 60


def test_dask_reports_every_student_when_the_job_cannot_grade(tmp_path):
    results, events, saved = _dispatch(
        tmp_path, ["a", "b"], "pipeline_fixtures.fake_jobs:broken_job", workers=1
    )
    assert {r["status"] for r in results.values()} == {"failed"}
    assert "this job cannot grade anything" in results["a"]["message"]
    assert sorted(saved) == [("a", "failed"), ("b", "failed")]


def test_an_unreachable_scheduler_stops_the_run_before_any_score_changes(
    tmp_path, capsys, monkeypatch
):
    import argparse

    import dask

    from kmeans_em_lab.commands import grade as cli
    from kmeans_em_lab.course import paths
    from kmeans_em_lab.pipeline.driver import run
    from kmeans_em_lab.pipeline.shared import scores
    from kmeans_em_lab.pipeline.shared.course_config import course_id, db_url, load_course_config

    # the CLI points LAB3_COURSE_ROOT at the course it grades: restored for later tests
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(paths.course_root()))
    root = toy_course.build_course(tmp_path / "course")
    toy_course.make_submission(root, "ada")
    config = load_course_config(root)
    url, course = db_url(config), course_id(config)
    book = scores.GradebookRef(url, course, "lab3")
    scores.zero_submissions(book, ["ada"])
    with Gradebook(url, course) as gb:  # a score from an earlier run
        gb.find_grade("test_add_public", "lab3", "lab3", "ada").auto_score = 1.0
        gb.db.commit()
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(
        ["--course-root", str(root), "--scheduler", "tcp://127.0.0.1:9", "--no-sandbox"]
    )
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        assert cli.main(args) == run.EXIT_SETUP
    err = capsys.readouterr().err
    assert "tcp://127.0.0.1:9" in err and "could not start grading" in err
    row = scores.student_scores(book, "ada")
    assert row.grades["test_add_public"][0] == 1.0, "the earlier score is kept"


def test_folders_travel_as_bytes_and_never_leave_their_folder(tmp_path):
    from kmeans_em_lab.pipeline.shared.folders import read_files, remove, write_files

    write_files(tmp_path / "a", {"lab3.ipynb": b"{}", "data/GMM.p": b"\x00"})
    (tmp_path / "a" / "link").symlink_to(tmp_path / "secret")
    (tmp_path / "secret").write_bytes(b"not for the grader")
    assert read_files(tmp_path / "a") == {"data/GMM.p": b"\x00", "lab3.ipynb": b"{}"}
    for bad in ("../escaped", "/etc/passwd", "data/../../escaped", ""):
        with pytest.raises(ValueError):
            write_files(tmp_path / "b", {bad: b"x"})
    assert not (tmp_path / "escaped").exists()
    remove(tmp_path / "a" / "link")  # the link goes, not what it points to
    assert (tmp_path / "secret").exists() and not (tmp_path / "a" / "link").is_symlink()


def test_only_nbgrader_s_harmless_session_warning_is_hidden():
    import warnings

    from sqlalchemy.exc import SAWarning

    from kmeans_em_lab.pipeline.worker.config import quiet_known_warnings

    session = "Object of type <SubmittedAssignment> not in session, add operation will not proceed"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        quiet_known_warnings()
        warnings.warn_explicit(session, SAWarning, "api.py", 1, module="nbgrader.api")
        warnings.warn_explicit("something else", SAWarning, "api.py", 2, module="nbgrader.api")
        warnings.warn_explicit(session, SAWarning, "mine.py", 3, module="kmeans_em_lab.x")
    assert [(str(w.message), w.lineno) for w in seen] == [("something else", 2), (session, 3)]


def _worker_facts() -> dict:
    import os

    import dask
    import psutil

    return {
        "profiler": dask.config.get("distributed.worker.profile.enabled"),
        "parent": " ".join(psutil.Process().parent().cmdline()),
        "mark": os.environ.get("LAB3_TEST_MARK"),
    }


def test_local_workers_are_forked_with_the_driver_s_environment_and_no_profiler(
    tmp_path, monkeypatch
):
    from kmeans_em_lab.pipeline.driver.cluster import connect, disconnect

    disconnect(*connect(Settings(root=tmp_path, workers=1)))  # the fork server is up
    monkeypatch.setenv("LAB3_TEST_MARK", str(tmp_path))  # set after it started
    client, cluster = connect(Settings(root=tmp_path, workers=1))
    try:
        (facts,) = client.run(_worker_facts).values()
    finally:
        disconnect(client, cluster)
    assert "multiprocessing.forkserver" in facts["parent"]
    assert "kmeans_em_lab.pipeline.worker.warm" in facts["parent"]  # what the server imported
    assert facts["mark"] == str(tmp_path)
    assert facts["profiler"] is False


def _http_port(dask_worker) -> int:
    return dask_worker.http_server.port


def test_the_local_cluster_refuses_a_client_without_the_run_s_key(tmp_path, recwarn):
    """Any user of the machine reaches 127.0.0.1, and a Dask scheduler runs what a client
    sends (``run_on_scheduler``: code in the driver, which holds the course secret and
    writes the gradebook): the local cluster speaks TLS with a key of its own run only,
    and serves no web page: its web servers close every connection as they accept it.
    Dask's usual web port, held by someone else, changes nothing and warns of nothing."""
    import itertools
    import socket
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from kmeans_em_lab.pipeline.driver.cluster import connect, disconnect

    usual = socket.socket()
    try:
        usual.bind(("127.0.0.1", 8787))
        usual.listen()
    except OSError:
        pass  # held already
    client, cluster = connect(Settings(root=tmp_path, workers=1))
    try:
        assert not [w for w in recwarn if "already in use" in str(w.message)]
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        ports = [cluster.scheduler.http_server.port, *client.run(_http_port).values()]
        pages = ("/health", "/info/main/workers.html", "/json/counts.json", "/sitemap.json")
        for port, page in itertools.product(ports, pages):  # no page served: no answer at all
            with pytest.raises(OSError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=5)
            assert not isinstance(refused.value, urllib.error.HTTPError), (port, page)
        assert client.submit(sum, [1, 2]).result() == 3  # the run's own client works
        # each other client in a process of its own, as another user would connect (a
        # refused Client collected while another is made can hang Dask's loop runner)
        attempt = (
            "import sys\n"
            "from distributed import Client\n"
            "from distributed.security import Security\n"
            "key = Security.temporary() if sys.argv[2] == 'key' else None\n"
            "try:\n"
            "    Client(sys.argv[1], security=key, timeout=5, set_as_default=False)\n"
            "except Exception:\n"
            "    sys.exit(3)\n"
            "print('connected')\n"
        )
        for other, key in (
            (address.replace("tls://", "tcp://"), "none"),  # plain TCP
            (address, "none"),  # TLS, no certificate
            (address, "key"),  # a key of another run
        ):
            tried = subprocess.run([sys.executable, "-c", attempt, other, key],
                                   capture_output=True, text=True, timeout=120)  # fmt: skip
            assert tried.returncode == 3 and "connected" not in tried.stdout, (other, key)
    finally:
        disconnect(client, cluster)
        usual.close()


def test_the_owner_of_a_local_peer_socket_is_read_from_the_kernel():
    import socket

    from kmeans_em_lab.pipeline.shared.guarded_ports import peer_uid

    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        with client, accepted:
            assert peer_uid(accepted) == os.geteuid()
        closing = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        closing.close()  # its entry stays a while, with no owner (read as root's)
        with accepted:
            assert peer_uid(accepted) is None
    with socket.socket(socket.AF_INET6) as unconnected:
        assert peer_uid(unconnected) is None


_HELD_BY_ANOTHER_USER = 40  # fewer than a listener would hold, were they the grader's


def _as_another_user(code: str, *args) -> str:
    """What ``code`` prints, run by the system's Python as uid 65534 with ``args`` (as
    root; the venv's Python is not that user's to read)."""
    import subprocess

    other = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    done = subprocess.run(
        [*other, "/usr/bin/python3", "-c", code, *map(str, args)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done
    return done.stdout


def _another_user_connects_and_closes(port: int, times: int) -> None:
    """uid 65534 connects to 127.0.0.1:``port`` and closes at once, ``times`` times (as
    root)."""
    flood = (
        "import socket, sys\n"
        "for _ in range(int(sys.argv[2])):\n"
        "    socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()\n"
    )
    _as_another_user(flood, port, times)


def _closed_at_once_of_another_user_s(port: int) -> int:
    """How many of the connections uid 65534 opens to 127.0.0.1:``port`` are closed within
    1.5 s (run as root)."""

    hold = (
        "import socket, sys, time\n"
        "held = [socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
        f"        for _ in range({_HELD_BY_ANOTHER_USER})]\n"
        "time.sleep(1.5)\n"
        "def shut(s):\n"
        "    s.settimeout(0.1)\n"
        "    try:\n"
        "        return s.recv(1) == b''\n"
        "    except ConnectionError:\n"
        "        return True\n"
        "    except OSError:\n"
        "        return False\n"
        "print(sum(map(shut, held)))\n"
    )
    return int(_as_another_user(hold, port))


@pytest.mark.skipif(os.geteuid() != 0, reason="opens connections as another user (uid 65534)")
@pytest.mark.parametrize("local", [True, False], ids=["local-cluster", "admin-cluster"])
def test_only_the_local_cluster_refuses_other_users_connections(local, monkeypatch):
    """Every process of the local cluster is the grader's, so its listeners close another
    user's connection at once, held or closed already: a flood of connections opened and
    closed at once never takes the place of one of the grader's waiting for its handshake
    (a closed socket's entry reads as root's, the grader's when it grades as root). A
    cluster of the administrator's may run its scheduler and workers as different users
    of one host: its workers (which import the worker's task module as their preload)
    keep the cap and the time limit, and reach one another."""
    import asyncio
    import socket
    import subprocess
    import sys

    from distributed.comm import listen, registry
    from distributed.security import Security

    from kmeans_em_lab.pipeline.shared import guarded_ports

    monkeypatch.setitem(registry.backends, "tls", registry.backends["tls"])
    preloaded = subprocess.run(
        [sys.executable, "-c", "import kmeans_em_lab.pipeline.worker.task as t, "
         "distributed.comm.registry as r; print(type(r.backends['tls']).__name__)"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert preloaded.stdout.split() == ["GuardedTLSBackend"], preloaded  # a `dask worker`'s
    guarded_ports.install(local=local)
    security = Security.temporary()

    async def closed_at_once() -> int:
        async def ignore(comm):
            await comm.close()

        listener = listen("tls://127.0.0.1:0", ignore, **security.get_listen_args("scheduler"))
        await listener.start()
        try:
            port = int(listener.contact_address.rsplit(":", 1)[1])
            closed = await asyncio.to_thread(_closed_at_once_of_another_user_s, port)
            waiting = socket.create_connection(("127.0.0.1", port))  # the grader's, slow
            waiting.setblocking(False)
            await asyncio.sleep(0.5)
            await asyncio.to_thread(
                _another_user_connects_and_closes, port, 4 * guarded_ports.MAX_PENDING
            )
            await asyncio.sleep(1.0)
            try:
                evicted = waiting.recv(1) == b""
            except BlockingIOError:
                evicted = False
            except ConnectionError:
                evicted = True
            waiting.close()
            return closed, evicted
        finally:
            listener.stop()

    closed, evicted = asyncio.run(closed_at_once())
    assert closed == (_HELD_BY_ANOTHER_USER if local else 0)
    assert evicted is not local  # the cap alone: the grader's waiting one was closed


def _tls_backend() -> str:
    from distributed.comm import registry

    return type(registry.backends["tls"]).__name__


def test_idle_connections_to_the_local_cluster_are_capped_and_timed_out(tmp_path, monkeypatch):
    """Every user of the machine reaches the local cluster's ports on 127.0.0.1, and may
    open connections and never start their TLS handshake: Dask waited for each forever, and
    thousands used up the driver's open files (grading stalled, then stopped). A listener
    holds at most ``MAX_PENDING`` of them, each ``HANDSHAKE_SECONDS`` at most, and the
    run's own client goes on working."""
    import shutil
    import socket
    import time

    import psutil

    from kmeans_em_lab.pipeline.driver.cluster import connect, disconnect
    from kmeans_em_lab.pipeline.shared import guarded_ports

    def held_by_the_scheduler(port: int) -> int:
        return sum(
            1 for c in psutil.Process().net_connections("tcp")
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
        )  # fmt: skip

    def closed(sock: socket.socket) -> bool:
        try:
            return sock.recv(1) == b""
        except BlockingIOError:
            return False
        except ConnectionError:
            return True

    monkeypatch.setattr(guarded_ports, "HANDSHAKE_SECONDS", 3.0)
    client, cluster = connect(Settings(root=tmp_path, workers=1))
    idle: list[socket.socket] = []
    try:
        host, port = cluster.scheduler_address.removeprefix("tls://").rsplit(":", 1)
        port = int(port)
        own = held_by_the_scheduler(port)  # the cluster's own connections
        for _ in range(300):
            idle.append(socket.create_connection((host, port)))
            idle[-1].setblocking(False)
        time.sleep(1.0)  # accepted meanwhile: the oldest past the cap closed at once
        assert held_by_the_scheduler(port) <= own + guarded_ports.MAX_PENDING
        shut = {id(sock) for sock in idle if closed(sock)}
        assert len(shut) >= 300 - guarded_ports.MAX_PENDING
        assert client.submit(sum, [1, 2]).result() == 3
        deadline = time.monotonic() + 60
        while len(shut) < len(idle) and time.monotonic() < deadline:
            shut |= {id(sock) for sock in idle if id(sock) not in shut and closed(sock)}
            time.sleep(0.5)
        assert len(shut) == len(idle)  # the rest, at their time limit
        assert set(client.run(_tls_backend).values()) == {"LocalTLSBackend"}  # workers'
        if os.geteuid() == 0 and shutil.which("setpriv"):  # another user: refused at once
            assert _closed_at_once_of_another_user_s(port) == _HELD_BY_ANOTHER_USER
            assert client.submit(sum, [1, 2]).result() == 3
    finally:
        for sock in idle:
            sock.close()
        disconnect(client, cluster)


def _sys_path() -> list[str]:
    import sys

    return list(sys.path)


def test_a_local_worker_the_cluster_s_close_leaves_running_is_ended(tmp_path, monkeypatch):
    """The driver's exit waits for every process it started: when the cluster's close
    timed out (its connections lost in a flood of other users' connections), a worker it
    left running held ``make grade`` after its last line, for good. Here the close fails
    outright."""
    import psutil

    from kmeans_em_lab.pipeline.driver.cluster import connect, disconnect

    client, cluster = connect(Settings(root=tmp_path, workers=1))
    (pid,) = client.run(os.getpid).values()
    close = cluster.close

    def timed_out(*args, **kwargs):
        raise TimeoutError("the cluster did not close in time")

    monkeypatch.setattr(cluster, "close", timed_out)
    try:
        disconnect(client, cluster)
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    finally:
        close(timeout=10)


def test_the_local_cluster_s_folder_is_private_and_forgotten_once_closed(tmp_path, monkeypatch):
    """Dask puts its folder first on the scheduler's (this process's) and the workers'
    ``sys.path``: by default ``/tmp/dask-scratch-space``, which any user of the machine may
    make first and fill with modules the grader then imports. Here a folder of the test's
    stands for /tmp, with such a folder made in it beforehand."""
    import sys
    import tempfile

    from kmeans_em_lab.pipeline.driver.cluster import connect, disconnect

    planted = tmp_path / "tmp" / "dask-scratch-space"
    planted.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    client, cluster = connect(Settings(root=tmp_path, workers=1))
    try:
        scratch = cluster.lab3_scratch
        (worker_path,) = client.run(_sys_path).values()
        dask_paths = [p for p in [*sys.path, *worker_path] if "dask-scratch-space" in p]
        assert len(dask_paths) >= 3  # the scheduler's, a worker's, their parent
        assert all(p.startswith(scratch + os.sep) for p in dask_paths), dask_paths
        assert os.stat(scratch).st_mode & 0o077 == 0 and os.stat(scratch).st_uid == os.geteuid()
    finally:
        disconnect(client, cluster)
    assert not os.path.exists(scratch)
    assert not [p for p in sys.path if p.startswith(scratch)]


def test_an_execution_count_a_kernel_sent_as_text_is_dropped():
    """nbclient copies a kernel message's execution_count into the cell; a text there would
    make the notebook invalid and the submission impossible to save."""
    from kmeans_em_lab.pipeline.worker.execute import _plain_execution_counts

    cell = nbformat.v4.new_code_cell("x")
    cell.execution_count = "<img src=x onerror=alert(1)>"
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"})]
    cell.outputs[0]["execution_count"] = "7"
    _plain_execution_counts(cell)
    assert cell.execution_count is None and cell.outputs[0]["execution_count"] is None
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))


DEEP: list = []
for _ in range(200):
    DEEP = [DEEP]
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "msg",
    [
        {"msg_type": "stream", "content": {"name": "stdout", "text": 5}},
        {"msg_type": "stream", "content": {"name": "/etc/passwd", "text": "x"}},
        {"msg_type": "display_data", "content": {"data": {"text/plain": "a"}, "transient": "zz"}},
        {"msg_type": "display_data", "content": {"data": {"text/plain": "a"},
                                                 "transient": {"display_id": ["x"]}}},
        {"msg_type": "display_data", "content": {"data": [["text/plain", "a"]]}},
        {"msg_type": "display_data", "content": {"metadata": {}}},
        {"msg_type": "execute_result", "content": {"data": {"text/plain": "1"},
                                                   "execution_count": "<img>"}},
        {"msg_type": "error", "content": {"ename": 1, "evalue": "x", "traceback": []}},
        {"msg_type": "error", "content": {"ename": "E", "evalue": "x", "traceback": [1]}},
        {"msg_type": "error", "content": {"ename": "E", "evalue": "x"}},
        {"msg_type": "display_data", "content": {"data": {"text/plain": "x"}}},  # no metadata
        {"msg_type": "execute_result", "content": {"data": {"text/plain": "1"}, "metadata": {}}},
        {"msg_type": "display_data", "content": {"data": {"application/json": DEEP},
                                                 "metadata": {}}},
        # NaN and Infinity: json.dumps writes them, a notebook's strict readers refuse them
        {"msg_type": "display_data", "content": {"data": {"application/json": {"a": NAN}},
                                                 "metadata": {}}},
        {"msg_type": "execute_result", "content": {"data": {"application/json": [[INF]]},
                                                   "metadata": {}, "execution_count": 1}},
        {"msg_type": "display_data", "content": {"data": {"application/json": -INF},
                                                 "metadata": {}}},
        {"msg_type": "display_data", "content": {"data": {"text/plain": "x"},
                                                 "metadata": {"w": [NAN]}}},
    ],
)  # fmt: skip
def test_a_kernel_message_of_the_wrong_shape_is_dropped(msg):
    """A kernel may send anything; nbclient would copy it into the notebook, which then
    could not be saved (the submission left ungraded)."""
    from kmeans_em_lab.pipeline.worker.execute import well_formed

    assert not well_formed(msg)


def test_the_messages_of_a_normal_cell_are_kept():
    from kmeans_em_lab.pipeline.worker.execute import well_formed

    kept = [
        {"msg_type": "stream", "content": {"name": "stderr", "text": "warning\n"}},
        {"msg_type": "display_data", "content": {
            "data": {"image/png": "iVBOR", "text/plain": "<Figure>",
                     "application/vnd.plotly.v1+json": {"data": []}},
            "metadata": {"image/png": {"width": 400}}, "transient": {"display_id": "d1"}}},
        {"msg_type": "execute_result", "content": {"data": {"text/plain": "3"},
                                                   "metadata": {}, "execution_count": 4}},
        {"msg_type": "error", "content": {"ename": "ValueError", "evalue": "x",
                                          "traceback": ["line"]}},
        {"msg_type": "clear_output", "content": {"wait": True}},
    ]  # fmt: skip
    assert all(well_formed(msg) for msg in kept)


@pytest.mark.parametrize(
    "key",
    [
        "xjson", "text/json", "json", "application/jsonx", "application/json-seq",
        "foo+json", "image/svg+json", "application/json", "application/geo+json",
        "application/vnd.plotly.v1+json", "application/+json", "application/json\n",
    ],
)  # fmt: skip
@pytest.mark.parametrize("value", [5, {"a": [1]}, None])
def test_a_mime_key_takes_any_json_exactly_where_nbformat_says(key, value):
    """A bundle's value that is not a string is kept only under a key nbformat's schema
    lets hold any JSON (``^application/(.*\\+)?json$``): anything ``well_formed`` lets
    through, nbclient's ``output_from_msg`` must take (``display({"xjson": 5}, raw=True)``
    once failed the whole submission)."""
    from kmeans_em_lab.pipeline.worker.execute import well_formed

    msg = {
        "msg_type": "display_data",
        "header": {"msg_type": "display_data"},
        "content": {"data": {key: value, "text/plain": "x"}, "metadata": {}},
    }
    try:
        nbformat.v4.output_from_msg(msg)
    except nbformat.ValidationError:
        takes = False
    else:
        takes = True
    assert well_formed(msg) == takes


def test_a_message_nbformat_refuses_is_dropped_not_raised(monkeypatch, caplog):
    """Should a shape ``well_formed`` does not know of reach nbclient, nbformat's refusal
    drops that one message (said in the log), not the submission."""
    import logging

    from kmeans_em_lab.pipeline.worker import execute

    monkeypatch.setattr(execute, "well_formed", lambda msg: True)
    executor = execute.ResilientExecute(max_output_bytes=-1)
    executor.reset_execution_trackers()
    cell = nbformat.v4.new_code_cell("display(...)")
    msg = {
        "msg_type": "display_data",
        "header": {"msg_type": "display_data"},
        "parent_header": {},
        "metadata": {},
        "content": {"data": {"xjson": 5}, "metadata": {}, "transient": {}},
    }
    with caplog.at_level(logging.INFO):
        assert executor.process_message(msg, cell, 0) is None
    assert cell.outputs == []
    assert "nbformat refused was dropped" in caplog.text


def _run_in_a_kernel(tmp_path, codes) -> tuple:
    """The notebook of ``codes`` run by the grader's executor in a plain kernel (ipc
    sockets, as a sandboxed one uses): (notebook, resources)."""
    import tempfile

    from traitlets.config import Config

    from kmeans_em_lab.pipeline.worker.execute import ResilientExecute

    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(Path(tempfile.mkdtemp()) / "kernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in codes]
    executor = ResilientExecute(config=config, timeout=60, shutdown_kernel="immediate")
    return executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})


# A kernel signs its messages with the session's key, so a cell can send any bytes as one.
UNDECODABLE_MESSAGES = {
    "an integer past what json decodes": (
        "_k = get_ipython().kernel\n"
        '_k.session.send(_k.iopub_socket, \'stream\', content=b\'{"name": "stdout", "text": '
        "\"x\", \"n\": ' + b'1' * 5000 + b'}', parent=_k.get_parent())"
    ),
    "content that is not JSON": (
        "_k = get_ipython().kernel\n"
        "_k.session.send(_k.iopub_socket, 'stream', content=b'{not json',"
        " parent=_k.get_parent())"
    ),
}


UNDECODABLE_MESSAGES["a parent header that is a list"] = (
    "_k = get_ipython().kernel\n"
    "_m = _k.session.msg('stream', content={'name': 'stdout', 'text': 'x'},"
    " parent=_k.get_parent())\n"
    "_m['parent_header'] = ['not', 'a', 'dict']\n"
    "_k.session.send(_k.iopub_socket, _m)"
)
UNDECODABLE_MESSAGES["a status without its state"] = (
    "_k = get_ipython().kernel\n"
    "_k.session.send(_k.iopub_socket, 'status', content={}, parent=_k.get_parent())"
)

# within the size limit, and gigabytes once decoded: counted first, never decoded
UNDECODABLE_MESSAGES["a message of more values than any output holds"] = (
    "_k = get_ipython().kernel\n"
    "_n = 1_100_000\n"
    '_k.session.send(_k.iopub_socket, \'display_data\', content=b\'{"data": {"text/plain":'
    ' "x", "application/json": [\' + b\'{},\' * _n + b\'{}]}, "metadata": {}}\','
    " parent=_k.get_parent())"
)
UNDECODABLE_MESSAGES["a transient that is a string"] = (
    "_k = get_ipython().kernel\n"
    "_k.session.send(_k.iopub_socket, 'stream', content={'name': 'stdout', 'text': 'x',"
    " 'transient': 'x'}, parent=_k.get_parent())"
)
UNDECODABLE_MESSAGES["a reply of another type on the shell channel"] = (
    "_k = get_ipython().kernel\n"
    "_k.session.send(_k.shell_stream, 'kernel_info_reply', content={},"
    " parent=_k.get_parent(), ident=_k._parent_ident['shell'])\n"
    "import time; time.sleep(1)"
)


@pytest.mark.parametrize("sender", sorted(UNDECODABLE_MESSAGES))
def test_a_message_the_grader_cannot_decode_stops_the_notebook_not_the_grading(tmp_path, sender):
    """The notebook stops at that cell with the grader's own event; the cells before it
    keep their outputs and the grading goes on (it once failed the whole submission)."""
    from kmeans_em_lab.pipeline.shared import verdicts

    codes = ["print('before')", UNDECODABLE_MESSAGES[sender], "print('after')"]
    nb, resources = _run_in_a_kernel(tmp_path, codes)
    events = resources[verdicts.EVENTS]
    assert [e.code for e in events[1]] == [verdicts.OUTPUT_FLOOD]
    assert "could not be read in cell" in events[1][0].message
    assert nb.cells[0].outputs[0]["text"] == "before\n"
    assert all(o.get("text") != "after\n" for o in nb.cells[2].outputs)


def test_widget_messages_are_dropped_whatever_their_shape(tmp_path):
    """A comm message nbclient would read keys of (``data``) is dropped, like every widget
    message: the pages leave widgets out; the notebook goes on."""
    from kmeans_em_lab.pipeline.shared import verdicts

    send = (
        "_k = get_ipython().kernel\n"
        "_k.session.send(_k.iopub_socket, 'comm_msg', content={'comm_id': 'x'},"
        " parent=_k.get_parent())\n"
        "print('sent')"
    )
    nb, resources = _run_in_a_kernel(tmp_path, (send, "print('after')"))
    assert not resources[verdicts.EVENTS]
    assert [o["text"] for o in nb.cells[1].outputs] == ["after\n"]


def test_a_forged_error_reply_is_written_as_text_the_notebook_can_hold(tmp_path):
    """nbgrader writes an error reply as the cell's error output: a reply whose name is a
    number and whose traceback is a string is made text first (else the notebook could
    not be written, and the submission was not graded)."""
    send = (
        "_k = get_ipython().kernel\n"
        "_k.session.send(_k.shell_stream, 'execute_reply', content={'status': 'error',"
        " 'ename': 5, 'evalue': [1], 'traceback': 'tb'}, parent=_k.get_parent(),"
        " ident=_k._parent_ident['shell'])\n"
        "import time; time.sleep(1)"
    )
    nb, resources = _run_in_a_kernel(tmp_path, (send, "print('after')"))
    nbformat.validate(nb)
    errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert [(o.ename, o.evalue) for o in errors] == [("5", "[1]")]


def test_a_negative_execution_count_is_not_kept(tmp_path):
    """nbclient copies any message's execution count into the cell; the notebook format
    wants none below 0 (a notebook holding one could not be saved: not graded)."""
    send = (
        "_k = get_ipython().kernel\n"
        "_k.session.send(_k.iopub_socket, 'execute_input', content={'code': 'x',"
        " 'execution_count': -3}, parent=_k.get_parent())\n"
        "import time; time.sleep(1)"
    )
    nb, _ = _run_in_a_kernel(tmp_path, (send, "print('after')"))
    nbformat.validate(nb)
    assert nb.cells[0].execution_count is None
    assert [o["text"] for o in nb.cells[1].outputs] == ["after\n"]


def test_what_a_kernel_sends_on_channels_nobody_reads_is_not_queued(tmp_path):
    """nbclient reads neither the stdin nor the control channel: they are not opened, so
    400 MiB a kernel sends there never reach the grader's memory."""
    send = (
        "import zmq\n"
        "_k = get_ipython().kernel\n"
        "_id = _k.get_parent()['header']['session'].encode()\n"
        "_buf = memoryview(bytearray(40 * 2**20))\n"
        "for _ in range(10):\n"
        "    _k.stdin_socket.send_multipart([_id, _buf], copy=False, flags=zmq.NOBLOCK)\n"
        "import time; time.sleep(2)"
    )
    import threading

    me, peak, done = psutil.Process(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            done.wait(0.05)

    before = me.memory_info().rss
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        _run_in_a_kernel(tmp_path, (send, "print('after')"))
    finally:
        done.set()
        sampler.join()
    assert peak[0] - before < 200 * 2**20


def test_an_outbox_the_kernel_locked_is_emptied_all_the_same(tmp_path):
    from kmeans_em_lab.pipeline.worker.mailbox import Mailbox

    box = Mailbox(tmp_path)
    (box.outbox / "record.json").write_text('{"check": "Set", "outcomes": []}')
    box.outbox.chmod(0)
    box.post({"check": "Update"})
    assert box.outbox.stat().st_mode & 0o777 == 0o700  # as a user without root's rights
    assert list(box.outbox.iterdir()) == []
    box.close()


def test_a_failed_runs_summary_is_its_last_exception_line_cut_to_size():
    from kmeans_em_lab.pipeline.worker.grader import error_summary

    log = "[INFO] start\nValueError: first\n  nbgrader.NbGraderException: wrapped\nKeyError: 'last'"
    assert error_summary(log) == "KeyError: 'last'"
    assert error_summary("[INFO] a\n[ERROR] no notebook found") == "no notebook found"
    assert error_summary("") == "nbgrader failed without saying why (see the student's log)"
    long = error_summary("x" * 30_000 + "\nOSError: " + "y" * 30_000)
    assert long.startswith("OSError: yyy") and len(long) == 500


def test_a_submissions_log_is_kept_to_its_head_and_tail():
    """A log holds what a submission made the grader say: kept within ``MAX_LOG_CHARS``
    on the worker and again before the driver escapes and writes it."""
    from kmeans_em_lab.pipeline.shared.jobs import MAX_LOG_CHARS, cut_log

    assert cut_log("short\nlog") == "short\nlog"
    text = "head" + "x" * (3 * MAX_LOG_CHARS) + "tail"
    kept = cut_log(text)
    assert kept.startswith("head") and kept.endswith("tail")
    assert len(kept) < MAX_LOG_CHARS + 100 and "characters left out" in kept
