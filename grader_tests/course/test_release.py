"""The release is generated from the source, byte for byte, and leaks nothing."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from kmeans_em_lab.checks import CHECKS, cell_check, out_of_order, plan
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.course import paths, points, release, submissions
from lab3_kernel import refusals

ROOT = paths.course_root()
SOURCE_NB = ROOT / "source" / paths.ASSIGNMENT / paths.NOTEBOOK
RELEASE_DIR = ROOT / "release" / paths.ASSIGNMENT
RELEASE_NB = RELEASE_DIR / paths.NOTEBOOK
FUNCTIONS = ("Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM")
_nbgrader = points.nbgrader


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """release/lab3 generated afresh from a copy of source/ and the course config."""
    return release.generate(_course_copy(tmp_path_factory.mktemp("course")))


@pytest.fixture(scope="module")
def source_nb():
    return nbformat.read(SOURCE_NB, as_version=4)


@pytest.fixture(scope="module")
def release_nb():
    return nbformat.read(RELEASE_NB, as_version=4)


def test_committed_release_equals_a_fresh_generation(regenerated):
    fresh, committed = _files(regenerated), _files(RELEASE_DIR)
    assert sorted(fresh) == sorted(committed), "release/lab3 holds other files than nbgrader makes"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"release/lab3 is stale ({stale}): run `make release` and commit it"


def _course_copy(folder: Path) -> Path:
    shutil.copytree(ROOT / "source", folder / "source")
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    return folder


def test_generating_never_changes_the_working_directory(tmp_path):
    """The grading driver generates the assignment into a scratch course while its Dask
    cluster spawns worker processes in another thread; a worker spawned while the process
    stood in the scratch folder would start there and fail once the folder is removed."""
    course = _course_copy(tmp_path / "course")
    here, seen, done = os.getcwd(), set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.add(os.getcwd())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        release.generate(course, use_db=True, db_url=f"sqlite:///{tmp_path / 'gradebook.db'}")
    finally:
        done.set()
        watcher.join()
    assert seen == {here}
    assert (course / "release" / paths.ASSIGNMENT / paths.NOTEBOOK).is_file()
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        assert [a.name for a in gb.assignments] == [paths.ASSIGNMENT]


def test_a_header_notebook_is_read_from_the_course_root(tmp_path, monkeypatch):
    course = _course_copy(tmp_path / "course")
    header = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Course header")])
    nbformat.write(header, course / "header.ipynb")
    with (course / "nbgrader_config.py").open("a") as config:
        config.write('\nc.IncludeHeaderFooter.header = "header.ipynb"\n')
    monkeypatch.chdir(tmp_path)
    generated = nbformat.read(release.generate(course) / paths.NOTEBOOK, as_version=4)
    assert generated.cells[0].source == "Course header"


def test_a_file_made_from_the_source_notebook_stops_the_release(tmp_path):
    """nbgrader copies every file of the source assignment into the release: a script
    made from the source notebook (``nbconvert --to script``) would give students the
    solutions. Generating refuses, naming the file and what to do."""
    course = _course_copy(tmp_path / "course")
    source = course / "source" / paths.ASSIGNMENT
    script = "\n".join(c.source for c in nbformat.read(source / paths.NOTEBOOK, 4).cells)
    (source / "notes").mkdir()
    (source / "notes" / "lab3.py").write_text(script)
    with pytest.raises(RuntimeError, match=r"notes/lab3\.py .*Move them out of source/lab3"):
        release.generate(course)
    (source / "notes" / "lab3.py").unlink()  # as a PowerShell redirection writes it
    (source / "lab3.txt").write_bytes(script.encode("utf-16"))
    with pytest.raises(RuntimeError, match=r"lab3\.txt"):
        release.generate(course)


def test_a_bundle_of_a_release_holding_the_solutions_is_refused(tmp_path, capsys):
    """A release whose generation was refused stays on disk with the file in it: the
    student bundle checks it again and is not made."""
    import argparse

    from kmeans_em_lab.commands import bundle as bundle_command

    course = _course_copy(tmp_path / "course")
    for name in ("student", "student_bundle"):
        shutil.copytree(ROOT / name, course / name)
    shutil.copy(ROOT / "requirements.txt", course / "requirements.txt")
    release.generate(course)
    (course / "release" / paths.ASSIGNMENT / "answers.py").write_text("### BEGIN SOLUTION\n")
    args = argparse.Namespace(course_root=course, out=tmp_path / "dist")
    assert bundle_command.main(args) == 2
    assert "answers.py" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()


def test_release_data_is_the_course_data():
    for name in paths.DATA_FILES:
        assert (RELEASE_DIR / "data" / name).read_bytes() == (ROOT / "data" / name).read_bytes()


def test_every_cell_has_a_stable_id(source_nb):
    ids = [cell.get("id") for cell in source_nb.cells]
    assert all(ids), "cells without ids make generation non-deterministic"
    assert len(set(ids)) == len(ids)
    graded = [_nbgrader(c) for c in source_nb.cells if _nbgrader(c)]
    assert all(
        meta["grade_id"] == cell.id
        for meta, cell in zip(graded, (c for c in source_nb.cells if _nbgrader(c)), strict=True)
    )


def test_release_has_no_solution_code(source_nb, release_nb):
    text = RELEASE_NB.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in text
    solution_lines = {
        line.strip()
        for code in submissions.source_solutions(SOURCE_NB).values()
        for line in code.split('"""')[-1].splitlines()  # the code after the docstring
        if len(line.strip()) > 12 and not line.strip().startswith(("#", "return", "def "))
    }
    assert len(solution_lines) > 20
    leaked = sorted(line for line in solution_lines if line in text)
    assert not leaked, f"solution code in the release: {leaked[:5]}"
    stubs = [c for c in release_nb.cells if _nbgrader(c).get("solution")]
    assert [c.id for c in stubs] == list(FUNCTIONS)
    assert all("raise NotImplementedError()" in c.source for c in stubs)


def test_release_has_no_hidden_tests_nor_grading_package(release_nb):
    text = RELEASE_NB.read_text()
    for secret in ("HIDDEN TESTS", "kmeans_em_lab", "lab3_kernel", "record(", "importlib"):
        assert secret not in text, f"{secret!r} appears in the release"
    hidden = [c for c in release_nb.cells if c.id.endswith(("_hidden", "_hidden_1d"))]
    assert len(hidden) == 7
    for cell in hidden:
        code = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")]
        assert not code, f"{cell.id} still holds code in the release: {code}"


def test_release_has_no_outputs_nor_reference_results(release_nb):
    for cell in release_nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    text = RELEASE_NB.read_text()
    mle = ref.em_mle()
    centres = ref.best_kmeans("gmm", 2).centres
    for value in (mle.pi, *mle.mu, *mle.sigma, *centres):
        assert f"{value:.4f}" not in text, f"a reference result ({value:.4f}) is in the release"


def test_every_function_has_points_in_the_metadata(source_nb):
    table = points.function_points(source_nb)
    assert list(table) == list(FUNCTIONS)
    assert all(value > 0 for value in table.values()), table
    graded = [c for c in source_nb.cells if points.is_graded(c)]
    assert all(isinstance(_nbgrader(c).get("points"), int | float) for c in graded)


def test_points_texts_agree_with_the_metadata():
    """The test cells' "(N points)" comments, the notebook's points table and README.md's
    two points tables say what the cells' nbgrader.points say."""
    assert points.stale(ROOT) == [], (
        "points stated otherwise than in the source notebook's metadata: run `make release`"
    )


def test_the_release_step_rewrites_the_points_texts_from_the_metadata(tmp_path):
    notebook = points.source_notebook(tmp_path)
    notebook.parent.mkdir(parents=True)
    shutil.copy(SOURCE_NB, notebook)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    assert points.sync(tmp_path) == []  # in step already: nothing written
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.id in ("test_Set_hidden", "test_EM_public"):
            cell.metadata["nbgrader"]["points"] = {"test_Set_hidden": 11, "test_EM_public": 1}[
                cell.id
            ]
    nbformat.write(nb, notebook)
    assert points.stale(tmp_path) == [
        "source notebook, cell intro",
        "source notebook, cell test_Set_hidden",
        "source notebook, cell test_EM_public",
        "README.md, the points tables",
    ]
    assert points.sync(tmp_path) == [notebook, tmp_path / "README.md"]
    assert points.stale(tmp_path) == [] and points.sync(tmp_path) == []
    synced = nbformat.read(notebook, as_version=4)
    assert [c.id for c in synced.cells] == [c.id for c in nb.cells]
    by_id = {c.id: c.source for c in synced.cells}
    assert "(11 points)" in by_id["test_Set_hidden"]
    assert by_id["test_EM_public"].startswith("# Public tests for EM (1 point)\n")
    assert "| 16 |" in by_id["intro"] and "| **97** |" in by_id["intro"]
    readme = (tmp_path / "README.md").read_text()
    assert "| `test_Set_public` / `test_Set_hidden` | 5 / 11 |" in readme
    assert "| `test_EM_public` / `test_EM_hidden` | 1 / 20 |" in readme
    assert "| **total** | | **97** |" in readme
    before, after = SOURCE_NB.read_text().split("\n"), notebook.read_text().split("\n")
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 7, changed  # 2 points, 2 comments, 3 table rows: nothing else


def test_every_graded_function_has_public_and_hidden_tests(source_nb):
    ids = {c.id for c in source_nb.cells}
    for function in FUNCTIONS:
        assert {f"test_{function}_public", f"test_{function}_hidden"} <= ids
    text = "\n".join(c.source for c in source_nb.cells)
    hidden_calls = re.findall(r'lab3_kernel\.record\("(\w+)"', text)
    assert sorted(hidden_calls) == sorted(CHECKS), "every check runs in exactly one hidden cell"
    for cell in source_nb.cells:
        if _nbgrader(cell).get("grade"):
            function = re.match(r"test_(.+?)_(public|hidden)", cell.id).group(1)
            check = cell_check(cell.source)
            if cell.id.endswith("_public"):
                assert check == "public:" + function, cell.id
            else:
                assert check in CHECKS and CHECKS[check][0] == function, cell.id


def test_a_reference_helper_reaches_the_kernel_only_after_its_functions_tests(source_nb):
    """The helpers a plan ships (e.g. the reference Set, for K_Means' tests) come after every
    graded cell of that function, so a student cannot pass its own tests with it."""
    graded = [c for c in source_nb.cells if _nbgrader(c).get("grade")]
    last_test = {}
    for position, cell in enumerate(graded):
        last_test[re.match(r"test_(.+?)_(public|hidden)", cell.id).group(1)] = position
    shipped = []
    for position, cell in enumerate(graded):
        for helper in plan(cell_check(cell.source))["helpers"]:
            assert position > last_test[helper], f"{cell.id} ships the reference {helper}"
            shipped.append(helper)
    assert set(shipped) == {"Centroid_init", "Set", "Update", "K_Means", "EM_step"}


def test_a_reference_helper_is_withheld_while_its_functions_tests_are_pending():
    """Cells moved before the tests of the functions whose reference they run with get no
    helper (and no call to make): the grader scores them 0 with its own refusal."""
    withheld, reason = out_of_order("public:EM", pending={"EM_step"})
    assert reason == {"code": "tests_moved", "names": ["EM_step"]}
    assert "out of their order" in refusals.words("EM", reason["code"], reason["names"])
    assert withheld["helpers"] == {}
    withheld, reason = out_of_order("K_Means", pending={"Set", "EM"})
    assert reason["names"] == ["Set"] and withheld["calls"] == []
    sent, reason = out_of_order("public:EM", pending={"EM"})
    assert reason == "" and set(sent["helpers"]) == {"K_Means", "EM_step"}
    # names and parameters only: the grader answers the calls, no code is sent
    assert sent["helpers"]["EM_step"] == {"params": ["X", "pi", "mu", "sigma"], "random": False}
    assert sent["helpers"]["K_Means"] == {"params": ["X", "K"], "random": True}
    assert set(sent) == {"check", "function", "replaced", "calls", "helpers"}


def test_timeouts_name_existing_cells(source_nb):
    config = paths.Course.at(ROOT).load_config()
    timeout = config.Execute.timeout_func
    ids = {c.id for c in source_nb.cells}
    text = (ROOT / "nbgrader_config.py").read_text()
    block = text[text.index("CELL_TIMEOUTS = {") :].split("}")[0]
    named = re.findall(r'"(\w+)":', block)
    assert named and set(named) <= ids, f"timeouts for unknown cells: {set(named) - ids}"
    for cell in source_nb.cells:
        limit = timeout(cell)
        assert limit == (config.Execute.timeout if cell.id not in named else limit)
        assert limit >= config.Execute.timeout
