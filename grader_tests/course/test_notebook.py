"""The lab notebook under nbgrader: the source earns full marks, the blank release none.

Uses nbgrader's own ``Validator`` (``nbgrader validate`` exits 0 even when
tests fail) and a real in-process autograde of a temporary course copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from kmeans_em_lab.course import paths, points, release

ROOT = paths.course_root()
SOURCE_DIR = ROOT / "source" / paths.ASSIGNMENT
RELEASE_DIR = ROOT / "release" / paths.ASSIGNMENT


def _validator():
    from nbgrader.validator import Validator

    return Validator(config=paths.Course.at(ROOT).load_config())


def test_source_passes_validate():
    assert _validator().validate(str(SOURCE_DIR / paths.NOTEBOOK)) == {}


def test_release_fails_validate_on_every_public_test():
    results = _validator().validate(str(RELEASE_DIR / paths.NOTEBOOK))
    failed = results.get("failed", [])
    # the hidden cells are empty in the release: Validate runs the public tests only
    public = {g: p for g, p in points.cell_points().items() if g.endswith("_public")}
    assert [f["source"].splitlines()[0] for f in failed] == [
        f"# Public tests for {points.function_of(g, points.functions())} ({p:g} points)"
        for g, p in public.items()
    ]
    assert all("NotImplementedError" in f["raw_error"] for f in failed)


def test_release_runs_to_the_first_unimplemented_function(tmp_path):
    shutil.copytree(RELEASE_DIR, tmp_path / "lab3")
    nb = nbformat.read(tmp_path / "lab3" / paths.NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=120, resources={"metadata": {"path": tmp_path / "lab3"}})
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert ran[-1].id == "test_Centroid_init_public"
    assert "NotImplementedError" in str(failure.value)
    errors_before = [o for c in ran[:-1] for o in c.outputs if o.output_type == "error"]
    assert not errors_before, "setup, data loading and plots must run in the blank release"
    images = [o for c in ran for o in c.outputs if "image/png" in o.get("data", {})]
    assert images, "the feature scatter plot renders before any student code is needed"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict[str, tuple[float, float]]]:
    """Autograde the source (as 'solution') and the blank release (as 'blank')."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "source", course / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    release.generate(course, use_db=True)
    shutil.copytree(SOURCE_DIR, course / "submitted" / "solution" / paths.ASSIGNMENT)
    shutil.copytree(RELEASE_DIR, course / "submitted" / "blank" / paths.ASSIGNMENT)
    config = paths.Course.at(course).load_config()
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    scores = {}
    for student in ("solution", "blank"):
        result = api.autograde(paths.ASSIGNMENT, student, force=True, create=True)
        assert result["success"], result.get("error")
        with Gradebook(config.CourseDirectory.db_url) as gb:
            nb = gb.find_submission_notebook("lab3", paths.ASSIGNMENT, student)
            scores[student] = {g.name: (g.score, g.max_score) for g in nb.grades}
    return scores


def test_source_earns_full_marks(graded):
    scores = graded["solution"]
    assert {name: s for name, (s, top) in scores.items() if s != top} == {}
    assert {name: top for name, (_, top) in scores.items()} == points.cell_points()


def test_blank_release_earns_nothing(graded):
    assert {name: s for name, (s, _) in graded["blank"].items() if s != 0} == {}


def test_autograded_notebook_is_where_nbgrader_puts_it(graded, tmp_path_factory):
    # the fixture's course is the only one made by this module
    base = Path(tmp_path_factory.getbasetemp())
    autograded = list(base.glob("course*/autograded/*/lab3/lab3.ipynb"))
    assert {p.parts[-3] for p in autograded} >= {"solution", "blank"}
