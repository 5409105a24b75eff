"""Grading on a real Dask cluster: a scheduler and two workers as separate programs.

The workers run in folders of their own with no course in them (as on other
machines: the course travels to them as bytes), one of them is killed while it
runs a submission's kernel, and the run must still give every student exactly
their score, once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from nbgrader.api import Gradebook

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver import stamps
from kmeans_em_lab.pipeline.driver.cluster import WORKER_MEMORY
from kmeans_em_lab.pipeline.shared import scores
from kmeans_em_lab.pipeline.shared.course_config import course_id, db_url, load_course_config

BIN = str(Path(sys.executable).parent)
# student -> (example copied, total points it earns)
STUDENTS = {
    "ada1": ("ada_correct", 100.0),
    "ada2": ("ada_correct", 100.0),
    "alan": ("alan_partial", 55.0),
    "blank": ("blank_release", 0.0),
}

pytestmark = pytest.mark.slow


def _env(home: Path, **extra: str) -> dict:
    """A clean environment: the venv's tools, no course variable, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAB3_", "DASK_"))}
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), HOME=str(home), MPLBACKEND="Agg")
    env.update(extra)
    return env


def _course(root: Path) -> Path:
    course = paths.course_root()
    for folder in ("source", "release", "data"):
        shutil.copytree(course / folder, root / folder)
    shutil.copy(course / "nbgrader_config.py", root / "nbgrader_config.py")
    for student, (example, _) in STUDENTS.items():
        shutil.copytree(
            course / "submitted" / example / paths.ASSIGNMENT,
            root / "submitted" / student / paths.ASSIGNMENT,
        )
    return root


def _kernels_under(pid: int) -> list[psutil.Process]:
    try:
        procs = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for proc in procs:
        try:
            if "ipykernel" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            pass
    return found


def _kill_tree(pid: int) -> None:
    try:
        procs = psutil.Process(pid).children(recursive=True) + [psutil.Process(pid)]
    except psutil.Error:
        return
    for proc in procs:
        try:
            proc.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=10)


@pytest.fixture
def cluster(tmp_path):
    """``(scheduler address, [worker processes])``: a scheduler and two workers."""
    started: list[subprocess.Popen] = []
    scheduler_file = tmp_path / "scheduler.json"
    home = tmp_path / "scheduler-home"
    home.mkdir()
    # a submission may take down one worker; the second death gives it up
    scheduler_env = _env(home, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
    started.append(
        subprocess.Popen(
            [f"{BIN}/dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            cwd=home, env=scheduler_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    for name in ("w1", "w2"):
        folder = tmp_path / name
        (folder / "tmp").mkdir(parents=True)
        started.append(
            subprocess.Popen(
                [f"{BIN}/dask", "worker", address, "--name", name, "--nthreads", "1",
                 "--resources", "kernel=1", "--preload", "kmeans_em_lab.pipeline.worker.task",
                 "--memory-limit", WORKER_MEMORY,
                 "--no-dashboard", "--local-directory", str(folder / "dask")],
                cwd=folder, env=_env(folder, TMPDIR=str(folder / "tmp")),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
    try:
        yield address, started[1:]
    finally:
        for proc in reversed(started):
            _kill_tree(proc.pid)


def test_a_dask_cluster_grades_the_class_even_when_a_worker_dies(tmp_path, cluster):
    address, workers = cluster
    root = _course(tmp_path / "course")
    driver_home = tmp_path / "driver-home"
    driver_home.mkdir()
    run = subprocess.Popen(
        [sys.executable, "-m", "kmeans_em_lab", "grade", "--course-root", str(root),
         "--scheduler", address],
        env=_env(driver_home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    # kill the first worker seen running a kernel (the whole program: nanny, worker, kernel)
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and run.poll() is None and time.monotonic() < deadline:
        for worker in workers:
            if _kernels_under(worker.pid):
                _kill_tree(worker.pid)
                killed = worker
                break
        time.sleep(0.2)
    out, _ = run.communicate(timeout=600)
    assert killed is not None, "no worker was seen running a kernel\n" + out
    assert run.returncode == 0, out
    assert f"on the Dask scheduler {address}" in out

    config = load_course_config(root)
    url, course = db_url(config), course_id(config)
    table = scores.class_scores(scores.GradebookRef(url, course, paths.ASSIGNMENT))
    assert {s: row.score for s, row in table.items()} == {
        s: points for s, (_, points) in STUDENTS.items()
    }, out
    with Gradebook(url, course) as gb:  # no duplicates: one submission per student
        assert sorted(s.student.id for s in gb.assignment_submissions(paths.ASSIGNMENT)) == sorted(
            STUDENTS
        )
    for student in STUDENTS:
        assert stamps.read(root, paths.ASSIGNMENT, student)["status"] == "graded"
        assert (root / "feedback" / student / paths.ASSIGNMENT / "lab3.html").is_file()
    survivor = next(w for w in workers if w is not killed)
    assert survivor.poll() is None, "the other worker still runs"
