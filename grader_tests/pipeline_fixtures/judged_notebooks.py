"""Autograded notebooks built in memory: graded cells judged by ``JudgeRecords``, no kernel.

Cells carry the real sources of the lab's graded cells and nbgrader's
metadata; records are made in-process the way a kernel makes them
(:func:`kmeans_em_lab.checks.record_in_process`) from the corpus' cases; the
executor's own observations (events, the kernel's replies) are given as
``ResilientExecute`` leaves them in ``resources``.
"""

from __future__ import annotations

import nbformat
from nbformat.notebooknode import NotebookNode

from kmeans_em_lab.course import paths, submissions
from kmeans_em_lab.pipeline.shared.verdicts import EVENTS, REPLIES, Event, Reply
from kmeans_em_lab.pipeline.worker.judge import JudgeRecords
from kmeans_em_lab.pipeline.worker.mailbox import RECORDS
from kmeans_em_lab.pipeline.worker.score_from_verdicts import ScoreFromVerdicts

CASES = submissions.load_cases(paths.corpus_dir() / "cases")
SOLUTIONS = submissions.source_solutions()


def notebook(case: str = "solution", **replacements: str) -> dict:
    """The namespace of a corpus case's solution cells (with some replaced)."""
    code = {**SOLUTIONS, **CASES[case].edits.replace, **replacements}
    return submissions.run_cells(code[name] for name in SOLUTIONS)


def graded(grade_id: str, source: str, points: float = 5.0, outputs=()) -> NotebookNode:
    """A graded (test) code cell with these outputs."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": grade_id,
        "points": points,
        "schema_version": 3,
    }
    cell.outputs = list(outputs)
    return cell


def solution(function: str) -> NotebookNode:
    """The solution cell of ``function`` (what tells the lab's functions apart)."""
    cell = nbformat.v4.new_code_cell(f"def {function}(*args):\n    pass\n")
    cell.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": function,
        "schema_version": 3,
    }
    return cell


def hidden(check: str) -> str:
    """The source of a hidden test cell of ``check``."""
    return f'import lab3_kernel\nlab3_kernel.record("{check}", globals())\n'


def judged(
    cells,
    records: dict[int, tuple[str, dict | None]],
    events: dict[int, list[Event]] | None = None,
    replies: dict[int, Reply] | None = None,
) -> NotebookNode:
    """A notebook of ``cells`` after ``JudgeRecords`` and ``ScoreFromVerdicts`` (records,
    events and replies by cell index), as nbgrader's ``SaveAutoGrades`` then reads it."""
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    resources = {RECORDS: records, EVENTS: events or {}, REPLIES: replies or {}}
    JudgeRecords().preprocess(nb, resources)
    ScoreFromVerdicts().preprocess(nb, resources)
    return nb
