"""Building submissions from the release notebook plus per-function code.

The example students under ``submitted/`` and the grading corpus are written
as code for the lab's solution cells, not as whole notebooks, so they stay in
step with the notebook: :func:`assemble` puts the code into a copy of the
release. A code file holds one block per solution cell::

    ### CELL Set
    def Set(X, m):
        ...

Cells are matched by their id (the solution cells' ids are the function
names). Blocks may also replace any other cell (``### CELL <id>``), delete
one (``### DELETE <id>``) or add a cell after one (``### AFTER <id>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import paths

_BLOCK = re.compile(r"^### (CELL|DELETE|AFTER) (\S+)[ \t]*$", re.M)
_SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


@dataclass
class Edits:
    """What to change in the release notebook, by cell id."""

    replace: dict[str, str] = field(default_factory=dict)
    delete: set[str] = field(default_factory=set)
    insert_after: dict[str, list[str]] = field(default_factory=dict)


def parse(text: str) -> Edits:
    """Parse a code file of ``### CELL/DELETE/AFTER <id>`` blocks."""
    edits = Edits()
    matches = list(_BLOCK.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        kind, cell_id = match.groups()
        body = text[match.end() : end].strip("\n")
        if kind == "CELL":
            edits.replace[cell_id] = body
        elif kind == "DELETE":
            edits.delete.add(cell_id)
        else:
            edits.insert_after.setdefault(cell_id, []).append(body)
    return edits


def release_notebook(course_root: Path | None = None) -> Path:
    root = course_root or paths.course_root()
    return root / "release" / paths.ASSIGNMENT / paths.NOTEBOOK


def source_solutions(source: Path | None = None) -> dict[str, str]:
    """The source notebook's solution cells (markers removed), by cell id."""
    source = source or paths.course_root() / "source" / paths.ASSIGNMENT / paths.NOTEBOOK
    nb = nbformat.read(source, as_version=4)
    return {
        cell.id: _SOLUTION_MARKERS.sub("", cell.source)
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def assemble(edits: Edits, release: Path | None = None) -> nbformat.NotebookNode:
    """A copy of the release notebook with ``edits`` applied."""
    nb = nbformat.read(release or release_notebook(), as_version=4)
    known = {cell.id for cell in nb.cells}
    unknown = (set(edits.replace) | edits.delete | set(edits.insert_after)) - known
    if unknown:
        raise KeyError(f"no cell with id {sorted(unknown)} in the release notebook")
    cells = []
    for cell in nb.cells:
        if cell.id in edits.replace:
            cell.source = edits.replace[cell.id]
        if cell.id not in edits.delete:
            cells.append(cell)
        for n, code in enumerate(edits.insert_after.get(cell.id, [])):
            cells.append(nbformat.v4.new_code_cell(code, id=f"{cell.id}-extra-{n}"))
    nb.cells = cells
    return nb


def write_submission(edits: Edits, folder: Path, release: Path | None = None) -> Path:
    """Write a student's submission folder: the assembled notebook and the release's data."""
    release = release or release_notebook()
    folder.mkdir(parents=True, exist_ok=True)
    for data_file in (release.parent / "data").glob("*"):
        (folder / "data").mkdir(exist_ok=True)
        (folder / "data" / data_file.name).write_bytes(data_file.read_bytes())
    target = folder / paths.NOTEBOOK
    nbformat.write(assemble(edits, release), target)
    return target
