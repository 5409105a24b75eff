"""``RestoreTestOrder``: the test cells run in the course's order, wherever a student moved them.

nbgrader restores the *content* of locked test cells, not their place: a
student can move the tests of ``EM_step`` after those of ``EM``. The reference
helpers a test runs with (e.g. the reference ``EM_step``, for the tests of
``EM``) are sent only after every test of their own function has run
(:func:`kmeans_em_lab.checks.out_of_order`); this preprocessor, run after
``OverwriteCells`` when autograde sanitizes the submission, puts the test cells
back in the order of the source notebook, in the places where the submission
has test cells. The student's own cells stay where they are.
"""

from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from kmeans_em_lab.course import points


def _test_id(cell) -> str | None:
    return (
        points.grade_id(cell) if points.is_graded(cell) and not points.is_solution(cell) else None
    )


class RestoreTestOrder(NbGraderPreprocessor):
    """Reorders the autograded test cells to the source notebook's order (same slots)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            rank = {cell.name: i for i, cell in enumerate(source.source_cells)}
        slots = [i for i, cell in enumerate(nb.cells) if _test_id(cell) in rank]
        tests = sorted((nb.cells[i] for i in slots), key=lambda cell: rank[_test_id(cell)])
        if [_test_id(nb.cells[i]) for i in slots] != [_test_id(cell) for cell in tests]:
            self.log.warning("Test cells were out of the course's order: put back in order")
            for slot, cell in zip(slots, tests, strict=True):
                nb.cells[slot] = cell
        return nb, resources
