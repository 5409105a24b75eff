"""``ForgetForgedMetadata``: a submission's nbgrader metadata made to agree with the course.

nbgrader trusts the ``nbgrader`` metadata a submission brings before it
restores the course's cells: a solution cell that claims ``grade: true`` (its
grade cell is then looked for and missing), an added cell that claims to be
graded under an id the course does not have, a cell without a ``grade_id``;
each of these makes autograde fail, which took the submission out of the batch
as "could not be graded". So did keys nbgrader checks (``task``, a
``schema_version`` from the future), a second cell with the same ``grade_id``
(a copy and paste in JupyterLab) and a cell of another type claiming a
course cell's id. This preprocessor runs first when autograde sanitizes a
submission: the first cell of the course's type for each ``grade_id`` the
course's notebook has gets that cell's nbgrader metadata, rebuilt from the
gradebook (graded, solution, locked, points, nothing else); every other
``nbgrader`` metadata is removed, so the cell is the student's own. The
course's cells are then restored by nbgrader's ``OverwriteCells`` as usual (a
missing one is added back).

Every other key of a cell's metadata is removed too: nbconvert and nbclient act
on some of them (``tags`` become classes of the cell on its page, so
``navbar-fixed-top`` pins a cell over the summary and ``hidden`` hides the test
cells; ``transient.remove_source`` removes a test cell's score heading;
``skip-execution`` skips a cell), and a grade needs none of them. A cell of no
type nbformat 4 knows is removed (nbconvert writes its ``type`` into the page
unescaped).
"""

from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import SCHEMA_VERSION
from nbgrader.preprocessors import NbGraderPreprocessor

from kmeans_em_lab.pipeline.shared.untrusted_text import without_lone_surrogates

CELL_TYPES = ("code", "markdown", "raw")  # nbformat 4's; a page writes any other type raw


class ForgetForgedMetadata(NbGraderPreprocessor):
    """Every cell's nbgrader metadata is the course's for that cell, or none."""

    def preprocess(self, nb, resources):
        without_lone_surrogates(nb)  # the notebook's JSON can hold them: no UTF-8 file can
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            graded = {cell.name: float(cell.max_score or 0) for cell in source.grade_cells}
            solutions = {cell.name for cell in source.solution_cells}
            kinds = {cell.name: (cell.cell_type, bool(cell.locked)) for cell in source.source_cells}
        forgotten, seen = 0, set()
        unknown = [c for c in nb.cells if c.get("cell_type") not in CELL_TYPES]
        if unknown:  # a notebook of a newer minor version passes validation with any type
            nb.cells = [c for c in nb.cells if c.get("cell_type") in CELL_TYPES]
            self.log.warning("%d cell(s) of no known type removed", len(unknown))
        for cell in nb.cells:
            meta = cell.get("metadata", {})
            for key in [k for k in meta if k != "nbgrader"]:
                del meta[key]
            nbgrader = meta.get("nbgrader")
            if nbgrader is None:
                continue
            grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
            kind = kinds.get(grade_id) if isinstance(grade_id, str) else None
            if kind is None or grade_id in seen or cell.get("cell_type") != kind[0]:
                del meta["nbgrader"]
                forgotten += 1
                continue
            seen.add(grade_id)
            meta["nbgrader"] = {
                "grade": grade_id in graded,
                "solution": grade_id in solutions,
                "locked": kind[1],
                "grade_id": grade_id,
                "schema_version": SCHEMA_VERSION,
                **({"points": graded[grade_id]} if grade_id in graded else {}),
            }
        if forgotten:
            self.log.warning("nbgrader metadata of %d cell(s) not in the course removed", forgotten)
        return nb, resources
