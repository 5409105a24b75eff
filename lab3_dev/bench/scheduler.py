"""A Dask cluster of separate programs for the benchmark: ``dask scheduler`` and ``dask worker``.

Started as README's "Grading on a cluster" says (one thread and one ``kernel``
resource per worker process, ``--preload kmeans_em_lab.pipeline.worker.task``), on
this machine, each worker in a folder of its own with no course in it. Its
start is not timed: a cluster that grades a class is up before ``make grade``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from kmeans_em_lab.pipeline.driver.cluster import WORKER_MEMORY
from lab3_dev.bench.course import tool


def _env(home: Path, **extra: str) -> dict[str, str]:
    """The venv's tools, no course or Dask variable, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAB3_", "DASK_"))}
    env.update(
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        HOME=str(home),
        MPLBACKEND="Agg",
    )
    env.update(extra)
    return env


def _kill_tree(pid: int) -> None:
    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=10)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)


def _workers_connected(address: str) -> int:
    from distributed import Client

    with Client(address, timeout=10, set_as_default=False) as client:
        return len(client.scheduler_info(n_workers=-1).get("workers", {}))


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int, timeout: float = 120.0) -> Iterator[str]:
    """A scheduler on 127.0.0.1 and ``workers`` worker processes; yields its address once
    every worker has joined; stops them all (their kernels too) at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen] = []
    scheduler_file = folder / "scheduler.json"
    home = folder / "scheduler"
    home.mkdir(exist_ok=True)
    try:
        started.append(
            subprocess.Popen(
                [tool("dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                 "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                cwd=home,
                env=_env(home, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1"),
                stdout=subprocess.DEVNULL, stderr=open(home / "log", "wb"),
            )
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not scheduler_file.exists():
            if time.monotonic() > deadline or started[0].poll() is not None:
                raise RuntimeError(f"dask scheduler did not start (see {home / 'log'})")
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one go, but give it a moment
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(workers):
            where = folder / f"worker{i + 1}"
            (where / "tmp").mkdir(parents=True, exist_ok=True)
            started.append(
                subprocess.Popen(
                    [tool("dask"), "worker", address, "--name", f"bench-w{i + 1}",
                     "--nthreads", "1", "--resources", "kernel=1",
                     "--preload", "kmeans_em_lab.pipeline.worker.task",
                     "--memory-limit", WORKER_MEMORY,
                     "--no-dashboard",
                     "--local-directory", str(where / "dask")],
                    cwd=where, env=_env(where, TMPDIR=str(where / "tmp")),
                    stdout=subprocess.DEVNULL, stderr=open(where / "log", "wb"),
                )
            )  # fmt: skip
        while _workers_connected(address) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only some of {workers} dask workers joined {address}")
            time.sleep(0.5)
        yield address
    finally:
        for proc in reversed(started):
            _kill_tree(proc.pid)
        shutil.rmtree(folder, ignore_errors=True)
