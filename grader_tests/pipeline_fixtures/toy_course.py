"""A toy nbgrader course built in a temporary folder, for the pipeline tests.

The course mirrors the lab's layout and naming convention: one assignment
``lab3`` with one notebook ``lab3.ipynb``, two functions (``square`` and
``add``) with a solution cell each and graded test cells named
``test_<Function>_<something>`` (public and hidden). The release is
generated with nbgrader's own ``NbGraderAPI.generate_assignment``.

Student submissions are the release notebook with the solution cells
replaced (:func:`make_submission`), so their cell metadata is the real one.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat

ASSIGNMENT = "lab3"
NOTEBOOK = "lab3.ipynb"

# grade_id -> points of the autograded test cells
POINTS = {
    "test_square_public": 1.0,
    "test_square_hidden": 2.0,
    "test_add_public": 1.0,
}
MAX_SCORE = sum(POINTS.values())

CORRECT = {
    "square": "def square(x):\n    return x * x\n",
    "add": "def add(a, b):\n    return a + b\n",
}

CONFIG = """\
import os

c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "toy"
c.CourseDirectory.db_url = os.environ.get(
    "LAB3_DB_URL", "sqlite:///{root}/gradebook.db?timeout=120"
)
c.OverwriteCells.add_missing_cells = True
c.Execute.shutdown_kernel = "immediate"
c.Execute.interrupt_on_timeout = True
c.Execute.timeout = {timeout}
c.LimitOutput.max_lines = 50
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
"""


def _meta(grade_id: str, *, solution=False, grade=False, points=None, locked=False) -> dict:
    meta = {
        "grade_id": grade_id,
        "solution": solution,
        "grade": grade,
        "locked": locked,
        "schema_version": 3,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook() -> nbformat.NotebookNode:
    """The instructor's notebook: solutions and hidden tests included."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cells = [
        nbformat.v4.new_markdown_cell("# Toy lab\nWrite `square` and `add`."),
        nbformat.v4.new_code_cell(
            "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION\n",
            metadata=_meta("square", solution=True),
        ),
        nbformat.v4.new_code_cell(
            "assert square(2) == 4\nprint('square public ok')\n",
            metadata=_meta("test_square_public", grade=True, points=1, locked=True),
        ),
        nbformat.v4.new_code_cell(
            "assert square(3) == 9\n### BEGIN HIDDEN TESTS\nassert square(-4) == 16\n"
            "### END HIDDEN TESTS\n",
            metadata=_meta("test_square_hidden", grade=True, points=2, locked=True),
        ),
        nbformat.v4.new_code_cell(
            "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION\n",
            metadata=_meta("add", solution=True),
        ),
        nbformat.v4.new_code_cell(
            "assert add(2, 3) == 5\n",
            metadata=_meta("test_add_public", grade=True, points=1, locked=True),
        ),
    ]
    nb.cells = cells
    return nb


def build_course(root: Path, *, timeout: int = 5) -> Path:
    """Write the course (config, source notebook) and generate the release."""
    from nbgrader.apps import NbGraderAPI

    from kmeans_em_lab.course.paths import Course

    course = Course.at(root, ASSIGNMENT)
    root = course.root
    course.source.mkdir(parents=True, exist_ok=True)
    course.config_file.write_text(CONFIG.format(root=str(root), timeout=timeout))
    nbformat.write(source_notebook(), course.source / NOTEBOOK)
    (course.source / "data.txt").write_text("42\n")
    config = course.load_config()
    api = NbGraderAPI(config=config)
    result = api.generate_assignment(ASSIGNMENT)
    if not result["success"]:
        raise RuntimeError(result.get("error", "") + result.get("log", ""))
    course.submitted_root.mkdir(exist_ok=True)
    return root


def release_notebook(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)


def submission_notebook(root: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with the solution cells named in ``answers`` replaced."""
    nb = release_notebook(root)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def student_dir(root: Path, student: str) -> Path:
    return Path(root) / "submitted" / student / ASSIGNMENT


def make_submission(
    root: Path,
    student: str,
    answers: dict[str, str] | None = None,
    *,
    filename: str = NOTEBOOK,
) -> Path:
    """Write ``submitted/<student>/lab3/<filename>`` (the release with ``answers``)."""
    folder = student_dir(root, student)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    path = folder / filename
    nbformat.write(submission_notebook(root, answers if answers is not None else CORRECT), path)
    (folder / "timestamp.txt").write_text("2030-01-01 10:00:00.000000 UTC\n")
    return path


def write_raw(root: Path, student: str, files: dict[str, str]) -> Path:
    """A submission folder with exactly ``files`` (name -> text) in it."""
    folder = student_dir(root, student)
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def dump(nb: nbformat.NotebookNode) -> str:
    return json.dumps(nb)


def answers(**overrides: str) -> dict[str, str]:
    """Correct answers with some solution cells replaced (dedented)."""
    out = dict(CORRECT)
    out.update({k: textwrap.dedent(v) for k, v in overrides.items()})
    return out
