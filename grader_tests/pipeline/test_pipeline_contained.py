"""The grader's reading of a submission's records runs in a forked child within limits:
a step that breaks one fails alone, and the worker and the other steps go on."""

from __future__ import annotations

import os
import signal
import time

import nbformat
import pytest
from pipeline_fixtures.judged_notebooks import graded, hidden, judged, notebook

from kmeans_em_lab import checks
from kmeans_em_lab.checks import record_in_process
from kmeans_em_lab.pipeline.shared import causes, contained, verdicts
from kmeans_em_lab.pipeline.worker import judge

LIMITS = contained.Limits(cpu_seconds=1.0, memory_bytes=256 * 2**20, wall_seconds=60.0)


def spin(seconds: float = 3600.0):
    """Busy for ``seconds`` of CPU time (a bounded loop: a grader without the limit still
    ends, and fails the test, instead of hanging)."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_the_steps_run_in_one_child_and_return_their_values_in_order():
    results = contained.run_steps([os.getpid, lambda: [1.5, "é", None], os.getpid], LIMITS)
    assert results[1] == [1.5, "é", None]
    assert results[0] == results[2] != os.getpid()  # one child for all: one fork


@pytest.mark.parametrize(
    "step, why",
    [
        (spin, contained.CPU_TIME),
        (lambda: bytearray(2**31), contained.MEMORY),
        (lambda: 1 / 0, contained.CRASHED),
        (lambda: os.kill(os.getpid(), signal.SIGSEGV), contained.CRASHED),
        (lambda: os._exit(0), contained.CRASHED),
        (lambda: {"not": {1, 2}}, contained.CRASHED),  # not JSON
    ],
    ids=["cpu", "memory", "exception", "segfault", "exit", "not_json"],
)
def test_a_step_that_breaks_a_limit_fails_alone_and_the_next_runs_in_a_new_child(step, why):
    first, stopped, after = contained.run_steps([os.getpid, step, os.getpid], LIMITS)
    assert stopped == contained.Stopped(why)
    assert first != after and os.getpid() not in (first, after)


def test_a_step_that_waits_is_stopped_at_the_wall_deadline():
    limits = contained.Limits(cpu_seconds=1.0, memory_bytes=256 * 2**20, wall_seconds=1.0)
    started = time.monotonic()
    assert contained.run_steps([lambda: time.sleep(600), lambda: "next"], limits) == [
        contained.Stopped(contained.WALL_TIME),
        "next",
    ]
    assert time.monotonic() - started < 300  # not the sleep's ten minutes


def test_a_record_whose_judging_runs_away_fails_its_own_cell_only(monkeypatch):
    """Whatever shape of record makes judging dear, it costs that cell: the cell fails with
    ``judge_limit``, the other cells keep their verdicts, and the grader goes on."""
    real = checks.judgement

    def dear_for_set(check, record, *args, **kwargs):
        if check == "Set":
            spin(20.0)
        return real(check, record, *args, **kwargs)

    monkeypatch.setattr(judge.checks, "judgement", dear_for_set)
    monkeypatch.setattr(judge.JudgeRecords, "cpu_seconds", 1.0)
    cells = [
        graded("test_Update_hidden", hidden("Update"), 10),
        graded("test_Set_hidden", hidden("Set"), 10),
        graded("test_Centroid_init_hidden", hidden("Centroid_init"), 3),
    ]
    solved = notebook()
    records = {
        0: ("Update", record_in_process("Update", solved)),
        1: ("Set", record_in_process("Set", solved)),
        2: ("Centroid_init", record_in_process("Centroid_init", solved)),
    }
    nb = judged(cells, records)
    found = {c.metadata.nbgrader.grade_id: verdicts.read_verdict(c) for c in nb.cells}
    assert found["test_Update_hidden"].passed and found["test_Centroid_init_hidden"].passed
    assert not found["test_Set_hidden"].passed
    assert "CPU time" in found["test_Set_hidden"].message
    assert causes.codes(nb) == {
        "test_Update_hidden": [],
        "test_Set_hidden": [judge.JUDGE_LIMIT],
        "test_Centroid_init_hidden": [],
    }
    assert nbformat.validate(nb) is None
