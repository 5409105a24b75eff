"""The worker process: a private environment, one job built once, a loop over students.

Protocol on the worker's end of a ``multiprocessing`` pipe:

- worker -> parent: ``("ready", pid)`` once the job is built (``NbGraderAPI`` loaded),
  ``("fatal", text)`` if it cannot be built, ``("done", student, result)`` per student;
- parent -> worker: a student id, or ``None`` to stop.

The worker starts its own session (a Ctrl-C in the terminal reaches the parent,
which stops everything cleanly) and sends its stdout/stderr, and its kernels'
stderr, to its log file so that nothing garbles the progress bar.
"""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from .settings import Settings, skip_slow_optional_imports


def load_job(spec: str):
    """``"package.module:function"`` -> the function."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def scratch_dir(index: int) -> Path:
    """A private folder with a short path (ipc socket paths must stay under ~100 bytes)."""
    base = tempfile.gettempdir()
    if len(base) > 40:
        base = "/tmp" if os.path.isdir("/tmp") else base
    return Path(tempfile.mkdtemp(prefix=f"lab3-w{index}-", dir=base))


def _redirect_output(log_path: Path | None) -> None:
    if log_path is None:
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def run(conn, index: int, settings: Settings, log_path: Path | None = None) -> None:
    """Entry point of a worker process (``multiprocessing`` spawn target)."""
    try:
        os.setsid()
    except OSError:
        pass
    _redirect_output(log_path)
    skip_slow_optional_imports()
    scratch = scratch_dir(index)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(scratch / "runtime")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    try:
        try:
            job = load_job(settings.job)(index, settings, scratch)
        except BaseException:
            conn.send(("fatal", traceback.format_exc()))
            return
        conn.send(("ready", os.getpid()))
        while True:
            try:
                student = conn.recv()
            except (EOFError, OSError):
                break
            if student is None:
                break
            try:
                result = job(student)
            except Exception as err:  # noqa: BLE001 - reported to the parent, which retries
                traceback.print_exc()
                message = f"{type(err).__name__}: {err}"
                result = {"student": student, "status": "error", "message": message}
            conn.send(("done", student, result))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        gc.freeze()  # no final collection of nbgrader's objects: the exit takes 0.02 s, not 0.4
