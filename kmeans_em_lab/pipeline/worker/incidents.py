"""Flags read back from an autograded notebook: kernel death, time limits, cut output.

Only the grader's own events count (:mod:`.verdicts`: written by
:class:`.judge.JudgeRecords` from what the executor observed), never the
name or text of an error in a cell's outputs, which student code can raise
under any name. Every flag's text is the grader's.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from kmeans_em_lab.pipeline.shared import verdicts


def flags(notebook: Path | nbformat.NotebookNode) -> list[str]:
    """Human-readable flags for one autograded notebook (empty when nothing happened)."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, 4)
    found: list[str] = []
    not_run = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for event in verdicts.read_events(cell):
            if event.code == verdicts.NOT_RUN:
                not_run += 1
            elif event.code in (
                verdicts.KERNEL_DIED,
                verdicts.KERNEL_UNRESPONSIVE,
                verdicts.OUTPUT_FLOOD,
                verdicts.TIME_LIMIT,
                verdicts.OUTPUT_CUT,
                verdicts.CELL_TOO_LONG,
            ):
                found.append(event.message)
    if not_run:
        found.append(f"{not_run} later cell(s) not run: scored 0")
    return list(dict.fromkeys(found))
