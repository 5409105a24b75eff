"""The lab's points, read from one place: the source notebook's nbgrader metadata.

Each graded test cell holds its points in ``metadata.nbgrader.points``; that is
the only place they are written. Everything else that states points is
generated from it:

- the ``(N points)`` comment of every graded cell;
- the points column of the notebook's first table (points per function, total);
- the points columns of README.md's two tables (per function; per graded cell).

``python -m kmeans_em_lab release`` (``make release``) rewrites those texts
(:func:`sync`) before nbgrader generates the release; :func:`stale` lists the
places that disagree with the metadata (a test keeps it empty).

The helpers :func:`nbgrader`, :func:`grade_id`, :func:`is_graded`,
:func:`is_solution` and :func:`points_of` read one cell's metadata, for a
notebook read with nbformat or a cell as plain JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kmeans_em_lab.course import paths

# -- one cell's nbgrader metadata ---------------------------------------------------------------


def nbgrader(cell) -> dict:
    """The cell's ``metadata.nbgrader`` (empty when the cell has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    """The cell's nbgrader ``grade_id``, or None."""
    return nbgrader(cell).get("grade_id")


def is_graded(cell) -> bool:
    """Whether nbgrader grades the cell (a test cell with points)."""
    return bool(nbgrader(cell).get("grade"))


def is_solution(cell) -> bool:
    """Whether the cell is one students write (``YOUR CODE HERE``)."""
    return bool(nbgrader(cell).get("solution"))


def points_of(cell) -> float:
    """The points of a graded cell (0 for any other cell)."""
    return float(nbgrader(cell).get("points", 0) or 0) if is_graded(cell) else 0.0


# -- the points of the lab ----------------------------------------------------------------------


@dataclass
class AssignmentCells:
    """The assignment's graded cells and functions, in notebook order."""

    cells: list[tuple[str, float]]  # (grade_id, points) of the graded cells
    functions: list[str]  # grade ids of the solution cells (the lab's functions)

    @property
    def grade_ids(self) -> list[str]:
        return [grade_id for grade_id, _ in self.cells]


def assignment_cells(nb) -> AssignmentCells:
    """The graded cells and functions of a notebook already read (the source, or an
    autograded one: same cells), from its nbgrader metadata."""
    cells, functions = [], []
    for cell in nb.cells:
        if is_graded(cell):
            cells.append((grade_id(cell), points_of(cell)))
        elif is_solution(cell) and grade_id(cell):
            functions.append(grade_id(cell))
    return AssignmentCells(cells=cells, functions=functions)


def source_notebook(course_root: Path | None = None) -> Path:
    """The source notebook, the one place the points are written."""
    return paths.Course.at(course_root).source_notebook


def _notebook(notebook=None):
    """``notebook`` as a NotebookNode: a path, a notebook, or None for the source notebook."""
    if notebook is None or isinstance(notebook, (str, Path)):
        import nbformat

        return nbformat.read(notebook or source_notebook(), as_version=4)
    return notebook


def functions(notebook=None) -> list[str]:
    """The lab's functions, in notebook order: the grade ids of the solution cells."""
    nb = _notebook(notebook)
    return [grade_id(c) for c in nb.cells if is_solution(c) and grade_id(c)]


def function_of(cell_id: str, names) -> str:
    """The lab function a graded cell tests: ``test_K_Means_hidden_1d`` -> ``K_Means``."""
    from kmeans_em_lab.pipeline.shared.grouping import function_of as _function_of

    return _function_of(cell_id, names)


def cell_points(notebook=None) -> dict[str, float]:
    """grade_id -> points of every graded cell, in notebook order."""
    nb = _notebook(notebook)
    return {grade_id(c): points_of(c) for c in nb.cells if is_graded(c)}


def function_points(notebook=None) -> dict[str, float]:
    """function -> the points of its graded cells, in notebook order."""
    nb = _notebook(notebook)
    return per_function(cell_points(nb), functions(nb))


def per_function(cells: dict[str, float], names) -> dict[str, float]:
    """Points per graded cell summed per function (every function of ``names`` present)."""
    out = dict.fromkeys(names, 0.0)
    for cell_id, points in cells.items():
        function = function_of(cell_id, names)
        out[function] = out.get(function, 0.0) + points
    return out


def scored(failing, notebook=None) -> dict[str, float]:
    """grade_id -> points a submission gets when exactly the cells ``failing`` fail.

    An nbgrader test cell scores all its points or none (autograde has no partial
    credit for a test cell)."""
    cells = cell_points(notebook)
    unknown = set(failing) - set(cells)
    if unknown:
        raise KeyError(f"no graded cell {sorted(unknown)}")
    return {cell_id: 0.0 if cell_id in failing else points for cell_id, points in cells.items()}


# -- the texts generated from the metadata ------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:g}"


_COMMENT_POINTS = re.compile(r"\((\d+(?:\.\d+)?) points?\)")


def _leading_comments(source: str) -> int:
    """How many lines the cell's leading comment holds (up to the hidden-test markers)."""
    lines = source.split("\n")
    for n, line in enumerate(lines):
        if not line.startswith("#") or line.startswith("### "):
            return n
    return len(lines)


def with_points_comment(cell) -> str:
    """The graded cell's source with its ``(N points)`` comment set from its metadata.

    Only the cell's leading comment lines are rewritten."""
    points = points_of(cell)
    label = f"({_num(points)} point{'' if points == 1 else 's'})"
    lines = cell["source"].split("\n")
    head = _leading_comments(cell["source"])
    lines[:head] = [_COMMENT_POINTS.sub(label, line) for line in lines[:head]]
    return "\n".join(lines)


def points_comments(cell) -> list[str]:
    """The ``(N points)`` comments of the graded cell's leading comment lines."""
    lines = cell["source"].split("\n")[: _leading_comments(cell["source"])]
    return [m.group(0) for line in lines for m in _COMMENT_POINTS.finditer(line)]


_ROW = re.compile(r"^\|.*\|[ \t]*$")
_NAMES = re.compile(r"`(\w+)`")


def rewrite_tables(text: str, points: dict[str, float], seen: set | None = None) -> str:
    """``text`` with the last column of its points tables set from ``points``.

    A table row whose first column is known ids only (`` `Set` ``, or
    `` `test_Set_public` / `test_Set_hidden` ``) gets their points, joined by
    `` / `` like the ids; the ``**total**`` row of a table holding such rows gets
    their sum. Every other line stays as it is. The ids of the rows rewritten are added
    to ``seen``."""
    lines = text.split("\n")
    n = 0
    while n < len(lines):
        if not _ROW.match(lines[n]):
            n += 1
            continue
        end = n
        while end < len(lines) and _ROW.match(lines[end]):
            end += 1
        _rewrite_table(lines, n, end, points, set() if seen is None else seen)
        n = end
    return "\n".join(lines)


def _rewrite_table(lines: list[str], start: int, end: int, points: dict, seen: set) -> None:
    total, total_rows = 0.0, []
    for n in range(start, end):
        first = lines[n].split("|")[1].strip()
        names = _NAMES.findall(first)
        if (
            names
            and all(name in points for name in names)
            and first == " / ".join(f"`{name}`" for name in names)
        ):
            total += sum(points[name] for name in names)
            seen.update(names)
            lines[n] = _set_last(lines[n], " / ".join(_num(points[name]) for name in names))
        elif first == "**total**":
            total_rows.append(n)
    if total:
        for n in total_rows:
            lines[n] = _set_last(lines[n], f"**{_num(total)}**")


def _set_last(line: str, value: str) -> str:
    """The table row ``line`` with ``value`` in its last column."""
    head = line.rstrip()[:-1].rsplit("|", 1)[0]
    return f"{head}| {value} |"


# -- keeping the texts in step -------------------------------------------------------------------


def _readme(course_root: Path | None) -> Path:
    return Path(course_root or paths.course_root()) / "README.md"


def _rendered(nb):
    """The notebook with every generated text set from its metadata (a copy); cell ids kept."""
    import copy

    nb = copy.deepcopy(nb)
    table = function_points(nb)
    for cell in nb.cells:
        if is_graded(cell):
            cell.source = with_points_comment(cell)
    intro = nb.cells[0]
    intro.source = rewrite_tables(intro.source, table)
    return nb


def _readme_text(text: str, nb) -> str:
    return rewrite_tables(text, {**function_points(nb), **cell_points(nb)})


def stale(course_root: Path | None = None) -> list[str]:
    """The places whose points disagree with the source notebook's metadata (empty: none).

    Also a graded cell without exactly one ``(N points)`` comment, and a notebook or
    README without its points tables."""
    import nbformat

    nb = nbformat.read(source_notebook(course_root), as_version=4)
    rendered = _rendered(nb)
    out = []
    for before, after in zip(nb.cells, rendered.cells, strict=True):
        if before.source != after.source:
            out.append(f"source notebook, cell {before.id}")
        if is_graded(before) and len(points_comments(before)) != 1:
            out.append(f"source notebook, cell {before.id}: not one '(N points)' comment")
    readme = _readme(course_root).read_text()
    if _readme_text(readme, nb) != readme:
        out.append("README.md, the points tables")
    for where, text, ids in [
        ("source notebook, first cell", nb.cells[0].source, functions(nb)),
        ("README.md", readme, functions(nb) + list(cell_points(nb))),
    ]:
        seen: set[str] = set()
        rewrite_tables(text, dict.fromkeys(ids, 0.0), seen)
        missing = [i for i in ids if i not in seen]
        if missing:
            out.append(f"{where}: no points table row for {', '.join(missing)}")
    return out


def sync(course_root: Path | None = None) -> list[Path]:
    """Rewrite the generated texts from the metadata; returns the files that changed.

    A file already in step is not written, so the release stays byte-identical."""
    import nbformat

    path = source_notebook(course_root)
    nb = nbformat.read(path, as_version=4)
    changed = []
    rendered = _rendered(nb)
    if rendered != nb:
        nbformat.write(rendered, path)
        changed.append(path)
    readme = _readme(course_root)
    if readme.is_file():
        text = readme.read_text()
        new = _readme_text(text, nb)
        if new != text:
            readme.write_text(new)
            changed.append(readme)
    return changed
