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

A *case* (:func:`load_case`, the grading corpus in ``corpus/validity/cases``)
is such a file with a header of comment lines before the first block::

    # One line saying what the case is.
    # Base: solution            (the default) or release
    # Why: Set (test_Set_hidden): D sums distances, not squared distances.

The header names the functions that lose points and the graded cells that fail,
never points: what a case scores follows from which cells fail (the corpus'
``expected.json``) and the points in the source notebook's metadata
(:mod:`kmeans_em_lab.course.points`).

On the ``solution`` base, every solution cell the file does not list gets the
source notebook's solution, so a case changes exactly what it lists; on the
``release`` base, unlisted solution cells keep the release's stubs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, points

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


def run_cells(codes, seed: int = 12345) -> dict:
    """Execute solution-cell code the way the notebook does; returns the namespace.

    ``codes``: cell sources in notebook order. The namespace starts with what
    the notebook's setup cell provides (``np``, ``norm``, ``warnings`` and the
    seeded ``rng``) and its ``__name__`` is ``__main__``, as in a kernel.
    """
    import textwrap
    import warnings

    import numpy as np
    from scipy.stats import norm

    namespace = {"__name__": "__main__", "np": np, "norm": norm, "warnings": warnings,
                 "rng": np.random.default_rng(seed)}  # fmt: skip
    for n, code in enumerate(codes):
        exec(compile(textwrap.dedent(code), f"<cell {n}>", "exec"), namespace)
    return namespace


def release_notebook(course_root: Path | None = None) -> Path:
    return paths.Course.at(course_root).release_notebook


def source_solutions(source: Path | None = None) -> dict[str, str]:
    """The source notebook's solution cells (markers removed), by cell id."""
    source = source or paths.Course.at().source_notebook
    nb = nbformat.read(source, as_version=4)
    return {
        cell.id: _SOLUTION_MARKERS.sub("", cell.source)
        for cell in nb.cells
        if points.is_solution(cell)
    }


@dataclass
class Case:
    """A submission of the grading corpus, with why it loses points."""

    name: str
    title: str
    base: str  # "solution" or "release"
    why: list[str]
    edits: Edits  # complete: unlisted solution cells filled in on the solution base


_HEADER_KEY = re.compile(r"^#\s*(Base|Expect|Why):\s*(.*)$")
BASES = ("solution", "release")


def parse_case(name: str, text: str, solutions: dict[str, str] | None = None) -> Case:
    """A case from the text of its file (see the module docstring)."""
    first_block = _BLOCK.search(text)
    header = text[: first_block.start()] if first_block else text
    title_lines: list[str] = []
    fields: dict[str, list[str]] = {"Base": [], "Expect": [], "Why": []}
    last = None
    for line in header.splitlines():
        if not line.startswith("#"):
            continue
        match = _HEADER_KEY.match(line)
        if match:
            last = match.group(1)
            fields[last].append(match.group(2).strip())
        elif last is not None and line.startswith("#  "):  # continuation of the last field
            fields[last][-1] += " " + line[1:].strip()
        elif last is None:
            title_lines.append(line[1:].strip())
    base = fields["Base"][0] if fields["Base"] else "solution"
    if base not in BASES:
        raise ValueError(f"case {name}: Base must be one of {BASES}, not {base!r}")
    if fields["Expect"]:
        raise ValueError(
            f"case {name}: no '# Expect:' line: what a case scores follows from the graded "
            "cells it fails (the corpus' expected.json) and the notebook's points"
        )
    edits = parse(text)
    if base == "solution":
        if solutions is None:
            solutions = source_solutions()
        for cell_id, code in solutions.items():
            if cell_id not in edits.replace and cell_id not in edits.delete:
                edits.replace[cell_id] = code
    return Case(
        name=name,
        title=" ".join(title_lines),
        base=base,
        why=fields["Why"],
        edits=edits,
    )


def load_case(path: Path, solutions: dict[str, str] | None = None) -> Case:
    """The case in the file ``path`` (its name is the file's stem)."""
    path = Path(path)
    return parse_case(path.stem, path.read_text(), solutions)


def load_cases(folder: Path, solutions: dict[str, str] | None = None) -> dict[str, Case]:
    """Every ``*.py`` case in ``folder``, by name, sorted."""
    solutions = source_solutions() if solutions is None else solutions
    return {p.stem: load_case(p, solutions) for p in sorted(Path(folder).glob("*.py"))}


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
