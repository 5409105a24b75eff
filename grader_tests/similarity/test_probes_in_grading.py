"""The similarity probes in a real kernel: what grading keeps, what a probe may cost, what
it may never change.

``ResilientExecute`` with ``run_probes`` runs the lab's solution functions in a
sandboxed kernel (the release's setup cell and the six solution cells), then one
probe cell per function: the answers kept in the notebook's metadata are those
the same code gives in-process (``classroom.answers_in_process``, what the
calibration measures), the probe cells leave no trace in the notebook, and a
function that never returns is stopped at ``probe_seconds`` and loses only its
own answers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from kmeans_em_lab.course import submissions
from kmeans_em_lab.course.paths import Course
from kmeans_em_lab.pipeline.shared.verdicts import EVENTS, REPLIES
from kmeans_em_lab.pipeline.worker.execute import ResilientExecute
from kmeans_em_lab.similarity import answers, cells, classroom, probes
from lab3_dev.bench.probes import function_cells

HANGS = "def Update(X, C, m):\n    while True:\n        pass\n"


def _codes(**replace: str) -> list[str]:
    """The release's setup cell, then the solution's six function cells (some replaced)."""
    codes = function_cells("solution")
    order = list(cells.template(submissions.release_notebook()).code)
    return [codes[0]] + [replace.get(f, code) for f, code in zip(order, codes[1:], strict=True)]


def _graded(tmp_path: Path, codes: list[str], **traits):
    """The notebook of ``codes`` run with the probes on; (notebook, resources)."""
    config = Config()  # a sandboxed kernel talks over ipc socket files (short paths)
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(Path(tempfile.mkdtemp()) / "kernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in codes]
    executor = ResilientExecute(
        config=config, timeout=60, shutdown_kernel="immediate", run_probes=True, **traits
    )
    resources = executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})[1]
    return nb, resources


@pytest.fixture(scope="module")
def solution(tmp_path_factory):
    codes = _codes()
    return codes, *_graded(tmp_path_factory.mktemp("solution"), codes)


def test_grading_keeps_the_answers_the_same_code_gives_in_process(solution):
    codes, nb, resources = solution
    kept = answers.read(nb)
    assert set(kept) == {f"{p.function}: {p.label}" for p in probes.probes()}
    assert kept == classroom.answers_in_process(codes[1:])
    # the reference's answers are the baseline the report compares with: these are them
    assert kept == classroom.reference(Course.at()).reference


def test_the_probe_cells_leave_no_trace_in_the_notebook(solution):
    codes, nb, resources = solution
    assert [c.source for c in nb.cells] == codes
    assert max(resources[REPLIES]) == len(codes) - 1
    assert not resources[EVENTS]


def test_a_function_that_never_returns_loses_only_the_answers_that_need_it(tmp_path):
    """``Update`` never returns: its probe cell, and those of ``K_Means`` and ``EM`` (which
    call it), stop at ``probe_seconds``; the kernel, interrupted, answers ``EM_step``'s
    probes after them, and nothing of it shows in the notebook."""
    codes = _codes(Update=HANGS)
    nb, resources = _graded(tmp_path, codes, probe_seconds=2)
    functions = {key.split(":")[0] for key in answers.read(nb)}
    assert functions == {"Centroid_init", "Set", "EM_step"}
    assert [c.source for c in nb.cells] == codes
    assert not resources[EVENTS]  # a probe's time limit is no event of the notebook's


def test_a_probe_cell_runs_under_its_own_time_limit():
    """The probe cells get ``probe_seconds``; the notebook's cells keep their own limits."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    executor = ResilientExecute(timeout=60, run_probes=True, probe_seconds=3)
    added = executor._add_probe_cells(nb)
    executor._probe_cells = added
    assert len(added) == len(probes.functions()) == len(nb.cells) - 1
    assert executor._get_timeout(nb.cells[0]) == 60
    assert {executor._get_timeout(cell) for cell in nb.cells[1:]} == {3}
    off = ResilientExecute(timeout=60, run_probes=False)
    assert off._add_probe_cells(nb) == {}
