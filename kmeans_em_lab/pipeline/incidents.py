"""Flags read back from an autograded notebook: kernel death, time limits, cut output.

The autograded notebook is the record of what happened: :mod:`.execute` and
nbgrader write error outputs with known names, :mod:`.limit_bytes` a known note.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from kmeans_em_lab.pipeline.execute import KERNEL_DIED, KERNEL_UNRESPONSIVE, NOT_RUN, cell_label
from kmeans_em_lab.pipeline.limit_bytes import TRUNCATED

TIMEOUT = "CellTimeoutError"  # nbgrader's Execute.error_on_timeout


def _texts(output) -> list[str]:
    if output.get("output_type") == "stream":
        return [output.get("text", "")]
    if output.get("output_type") in ("execute_result", "display_data"):
        return [v if isinstance(v, str) else "".join(v) for v in output.get("data", {}).values()]
    return [output.get("evalue", "")]


def flags(notebook: Path) -> list[str]:
    """Human-readable flags for one autograded notebook (empty when nothing happened)."""
    nb = nbformat.read(notebook, as_version=4)
    found: list[str] = []
    not_run = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        label = cell_label(cell, index)
        for output in cell.get("outputs", []):
            ename = output.get("ename")
            if ename in (KERNEL_DIED, KERNEL_UNRESPONSIVE):
                found.append(output.get("evalue", ename))
            elif ename == NOT_RUN:
                not_run += 1
            elif ename == TIMEOUT:
                found.append(f"time limit reached in cell {label}")
            if any(TRUNCATED in text for text in _texts(output)):
                found.append(f"output cut to the byte limit in cell {label}")
    if not_run:
        found.append(f"{not_run} later cell(s) not run: scored 0")
    return list(dict.fromkeys(found))
