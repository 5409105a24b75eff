"""What a notebook holds for the comparison: the six solution cells, the release's template,
the cells a student added.

The solution cells are found by their ``grade_id`` (the lab's function names,
from the source notebook's nbgrader metadata, :func:`kmeans_em_lab.course.points.assignment_cells`);
in an autograded notebook that metadata is the course's (a submission's own is
replaced before grading). The release's text of those cells (signature,
docstring, ``# YOUR CODE HERE``, ``raise NotImplementedError()``) is the
*template*: every student has it, so it is never evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from kmeans_em_lab.course import points

# A solution cell is a few dozen lines of code: of a longer cell or line (a student's,
# untrusted), the comparison reads the first MAX_CODE_CHARS characters and of each line the
# first MAX_LINE_CHARS only, in every step and on the page (Python's tokenizer takes time
# growing with the square of a malformed line's length)
MAX_CODE_CHARS = 20_000
MAX_LINE_CHARS = 1_000


def readable(code: str) -> str:
    """What the comparison reads of ``code``: each line cut to :data:`MAX_LINE_CHARS`, then
    the first :data:`MAX_CODE_CHARS` characters."""
    lines = str(code).split("\n")
    return "\n".join(line[:MAX_LINE_CHARS] for line in lines)[:MAX_CODE_CHARS]


@dataclass(frozen=True)
class Template:
    """The release's solution cells, by function, and every line of them (stripped)."""

    code: dict[str, str]
    lines: frozenset[str]
    cell_ids: frozenset[str]

    def is_template(self, line: str) -> bool:
        return line.strip() in self.lines


def functions_of(nb) -> list[str]:
    """The grade ids of the solution cells (the lab's functions), in notebook order."""
    return [points.grade_id(c) for c in nb.cells if points.is_solution(c) and points.grade_id(c)]


def template(release_notebook: Path) -> Template:
    nb = nbformat.read(release_notebook, as_version=4)
    code = solution_code(nb, functions_of(nb))
    lines = frozenset(line.strip() for text in code.values() for line in text.splitlines())
    return Template(code, lines - {""}, frozenset(c.get("id", "") for c in nb.cells))


def solution_code(nb, functions) -> dict[str, str]:
    """``function -> source`` of the solution cells of ``nb`` (missing ones left out; each
    as the comparison reads it: :func:`readable`)."""
    wanted, out = set(functions), {}
    for cell in nb.cells:
        name = points.grade_id(cell) if points.is_solution(cell) else None
        if name in wanted and name not in out and cell.cell_type == "code":
            out[name] = readable(cell.source)
    return out


def without_template(code: str, tpl: Template) -> str:
    """``code`` with the template's lines removed (what the student wrote)."""
    return "\n".join(line for line in code.splitlines() if not tpl.is_template(line))


def added_cells(nb, tpl: Template) -> list[str]:
    """The sources of the cells a student added (an id the release does not have), each as
    the comparison reads it (:func:`readable`)."""
    return [
        readable(cell.source)
        for cell in nb.cells
        if cell.get("id", "") not in tpl.cell_ids and str(cell.source).strip()
    ]
