"""The student bundle (``make student-bundle``): what students get, and nothing else.

The bundle is built into a scratch folder and its zip scanned: exactly the
expected files; the notebook and data are the release's; no line of the
solutions, the hidden tests, the reference code, the checks or the corpus; no
name of the grading package; none of the instructor's configuration; the
student requirements are the course's pins of five packages. Validate, loaded
the way nbgrader's server extension loads it, gets the grader's time limits
from the bundle alone. Rebuilding gives the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from kmeans_em_lab.course import paths, submissions
from kmeans_em_lab.exchange import student_bundle as bundle

ROOT = paths.course_root()
RELEASE_DIR = ROOT / "release" / paths.ASSIGNMENT
TOP = bundle.BUNDLE
EXPECTED_FILES = {
    "README.md",
    "environment.yml",
    "requirements.txt",
    "start_lab.py",
    "jupyter/jupyter_server_config.json",
    "jupyter/labconfig/page_config.json",
    "jupyter/nbgrader_config.py",
    "lab3/lab3.ipynb",
    "lab3/data/GMM.p",
    "lab3/data/spotify.p",
}
# names of instructor-only things: none may appear in any file of the bundle
FORBIDDEN_WORDS = (
    "kmeans_em_lab",
    "lab3_kernel",
    "grader_tests",
    "corpus",
    "HIDDEN TESTS",
    "BEGIN SOLUTION",
    "sklearn",
    "gradebook",
    "db_url",
    "LAB3_DB_URL",
    "CourseDirectory",
    "course_id",
    "Sandbox",
    "CanvasGrades",
    "FileNameCollectorPlugin",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    return bundle.build(ROOT, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def entries(built) -> dict[str, bytes]:
    """The zip's files, by path inside the bundle folder."""
    with zipfile.ZipFile(built[1]) as zf:
        names = zf.namelist()
        assert all(n.startswith(f"{TOP}/") for n in names), names
        return {n.removeprefix(f"{TOP}/"): zf.read(n) for n in names}


def _texts(entries: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode() for name, data in entries.items() if not name.endswith(".p")}


def _code_lines(text: str) -> set[str]:
    """Distinctive lines of code: long enough not to be common, not comments."""
    return {
        line.strip()
        for line in text.splitlines()
        if len(line.strip()) > 16 and not line.strip().startswith(("#", '"""', "import ", "from "))
    }


def secret_lines() -> set[str]:
    """Lines of what students must not get, minus those the release shows them anyway."""
    source = nbformat.read(ROOT / "source" / paths.ASSIGNMENT / paths.NOTEBOOK, as_version=4)
    secret = set()
    for code in submissions.source_solutions().values():
        secret |= _code_lines(code.split('"""')[-1])
    for cell in source.cells:  # the hidden tests
        if "BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")
            secret |= _code_lines(hidden[0])
    package = ROOT / "kmeans_em_lab"
    modules = [package / "reference" / "kmeans.py", package / "reference" / "em.py",
               ROOT / "lab3_dev" / "oracles.py",
               *sorted((package / "checks").glob("*.py"))]  # fmt: skip
    for module in modules:
        secret |= _code_lines(module.read_text())
    for case in sorted((paths.corpus_dir() / "cases").glob("*.py")):
        secret |= _code_lines(case.read_text())
    public = (RELEASE_DIR / paths.NOTEBOOK).read_text()
    return {line for line in secret if json.dumps(line)[1:-1] not in public and line not in public}


def test_bundle_holds_exactly_what_a_student_needs(built, entries):
    folder, archive = built
    assert archive.name == f"{TOP}.zip" and folder.name == TOP
    assert set(entries) == EXPECTED_FILES
    on_disk = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
               if p.is_file()}  # fmt: skip
    assert on_disk == entries, "dist/lab3-student/ and the zip differ"
    for name in ("lab3.ipynb", "data/GMM.p", "data/spotify.p"):
        assert entries[f"lab3/{name}"] == (RELEASE_DIR / name).read_bytes(), name
    for name in ("jupyter_server_config.json", "labconfig/page_config.json"):
        assert entries[f"jupyter/{name}"] == (ROOT / "student" / name).read_bytes(), name
    for name in bundle.TEMPLATE_FILES:
        assert entries[name] == (ROOT / "student_bundle" / name).read_bytes(), name


def test_bundle_leaks_nothing_of_the_instructor(entries):
    texts = _texts(entries)
    for name, text in texts.items():
        for word in FORBIDDEN_WORDS:
            assert word not in text, f"{word!r} in {name}"
    secrets = secret_lines()
    assert len(secrets) > 200, "the scan would prove nothing"
    for name, text in texts.items():
        leaked = sorted(line for line in secrets if line in text)
        assert not leaked, f"instructor code in {name}: {leaked[:5]}"
    assert not any(
        part in {"source", "submitted", "autograded", "feedback", "reports", "dist"}
        or part.endswith((".db", ".pyc"))
        for name in entries
        for part in name.split("/")
    )


def test_requirements_are_the_courses_pins_of_five_packages(entries):
    lines = [ln for ln in entries["requirements.txt"].decode().splitlines() if ln[:1].isalnum()]
    names = sorted(bundle.package_name(ln) for ln in lines)
    assert names == ["jupyterlab", "matplotlib", "nbgrader", "numpy", "scipy"]  # no scikit-learn
    course = (ROOT / "requirements.txt").read_text().splitlines()
    assert all(line in course for line in lines), lines
    environment = entries["environment.yml"].decode()
    assert "-r requirements.txt" in environment and "-e ." not in environment


def test_validate_gets_the_graders_time_limits_from_the_bundle_alone(built, tmp_path):
    """nbgrader's Validate handler loads nbgrader_config.py from JUPYTER_CONFIG_PATH and the
    folder JupyterLab runs in: in the bundle, with the grading package not importable."""
    folder = built[0]
    probe = """
import json, sys
sys.modules["kmeans_em_lab"] = sys.modules["lab3_kernel"] = None  # not in a student's Python
import nbformat
from jupyter_core.paths import jupyter_config_path
from nbgrader.apps import NbGrader
import os
paths = jupyter_config_path()
paths.insert(0, os.getcwd())
app = NbGrader()
app.config_file_paths.append(paths)
app.load_config_file()
execute = app.config.Execute
nb = nbformat.read("lab3/lab3.ipynb", as_version=4)
print(json.dumps({
    "default": execute.timeout,
    "interrupt": execute.interrupt_on_timeout,
    "cells": {cell.id: execute.timeout_func(cell) for cell in nb.cells},
    "sections": sorted(name for name, section in app.config.items() if section),
}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "LAB3_"))}
    env.update(
        JUPYTER_CONFIG_PATH=str(folder / "jupyter"), JUPYTER_CONFIG_DIR=str(tmp_path / "home")
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.splitlines()[-1])
    course = paths.Course.at(ROOT).load_config().Execute
    nb = nbformat.read(RELEASE_DIR / paths.NOTEBOOK, as_version=4)
    assert loaded["default"] == course.timeout
    assert loaded["interrupt"] == course.interrupt_on_timeout
    assert loaded["cells"] == {cell.id: course.timeout_func(cell) for cell in nb.cells}
    assert max(loaded["cells"].values()) > course.timeout  # the per-cell limits are there
    assert loaded["sections"] == ["Execute"], "the student config sets only Validate's limits"


def test_rebuilding_gives_the_same_bytes(built, tmp_path):
    """The command line (``make student-bundle``) again, into another folder: same zip."""
    out = subprocess.run(
        [sys.executable, "-m", "kmeans_em_lab", "bundle", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "lab3-student.zip (10 files" in out.stdout
    again = tmp_path / f"{TOP}.zip"
    assert again.read_bytes() == built[1].read_bytes()
    with zipfile.ZipFile(io.BytesIO(again.read_bytes())) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {bundle.ZIP_DATE}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
