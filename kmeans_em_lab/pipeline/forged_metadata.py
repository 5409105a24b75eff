"""``ForgetForgedMetadata``: a submission's nbgrader metadata made to agree with the course.

nbgrader trusts the ``nbgrader`` metadata a submission brings before it
restores the course's cells: a solution cell that claims ``grade: true`` (its
grade cell is then looked for and missing), an added cell that claims to be
graded under an id the course does not have, a cell without a ``grade_id``;
each of these makes autograde fail, which took the submission out of the batch
as "could not be graded". This preprocessor runs first when autograde
sanitizes a submission: a cell whose ``grade_id`` the course's notebook has
gets that cell's kind (graded, solution, locked, points) from the gradebook; any
other ``nbgrader`` metadata is removed, so the cell is the student's own. The
course's cells are then restored by nbgrader's ``OverwriteCells`` as usual.
"""

from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor


class ForgetForgedMetadata(NbGraderPreprocessor):
    """Every cell's nbgrader metadata is the course's for that cell, or none."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            graded = {cell.name: float(cell.max_score or 0) for cell in source.grade_cells}
            solutions = {cell.name for cell in source.solution_cells}
            locked = {cell.name: bool(cell.locked) for cell in source.source_cells}
        forgotten = 0
        for cell in nb.cells:
            meta = cell.get("metadata", {})
            nbgrader = meta.get("nbgrader")
            if nbgrader is None:
                continue
            grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
            if not isinstance(grade_id, str) or grade_id not in locked:
                del meta["nbgrader"]
                forgotten += 1
                continue
            nbgrader["grade"] = grade_id in graded
            nbgrader["solution"] = grade_id in solutions
            nbgrader["locked"] = locked[grade_id]
            if grade_id in graded:
                nbgrader["points"] = graded[grade_id]
            else:
                nbgrader.pop("points", None)
        if forgotten:
            self.log.warning("nbgrader metadata of %d cell(s) not in the course removed", forgotten)
        return nb, resources
