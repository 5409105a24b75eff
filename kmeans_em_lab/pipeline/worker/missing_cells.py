"""``RestoreSolutionCells``: a solution cell a student deleted comes back as the release has it.

nbgrader's ``OverwriteCells`` puts a deleted test cell back after the course
cell before it, which it looks up among the submission's cells: when that cell
is a solution cell the student deleted too (a notebook of one plain cell, say),
it raises ``KeyError`` and the whole submission is not graded. This
preprocessor, run just before ``OverwriteCells`` when autograde sanitizes the
submission, puts each deleted solution cell back first, with the release's
code (the stub that raises ``NotImplementedError``), after the nearest earlier
course cell the notebook still holds (first, when none). The function then
scores what its stub scores, 0, for the cause ``not_implemented``, and the
rest of the notebook is graded as it stands.
"""

from __future__ import annotations

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from kmeans_em_lab.course import points


class RestoreSolutionCells(NbGraderPreprocessor):
    """Puts the solution cells a submission lacks back, as the release has them."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            order = [(cell.name, cell.source) for cell in source.source_cells]
            solutions = {cell.name for cell in source.solution_cells}
            graded = {cell.name for cell in source.grade_cells}
        for position, (name, code) in enumerate(order):
            held = {points.grade_id(cell): i for i, cell in enumerate(nb.cells)}
            if name in held or name not in solutions or name in graded:
                continue
            earlier = [held[n] for n, _ in order[:position] if n in held]
            at = max(earlier) + 1 if earlier else 0
            self.log.warning("Solution cell %s was deleted: put back as the release has it", name)
            nb.cells.insert(at, _solution_cell(name, code))
        return nb, resources


def _solution_cell(name: str, code: str):
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["nbgrader"] = {
        "grade": False, "grade_id": name, "locked": False, "schema_version": 3, "solution": True,
    }  # fmt: skip
    return cell
