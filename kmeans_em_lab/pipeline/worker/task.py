"""What a Dask worker runs for one submission: the job, under a watchdog.

The driver (:mod:`.cluster`) submits :func:`run_task` with the course bundle
(:mod:`.course_bundle`), the submission's files (:class:`SubmissionFiles`) and
the run's :class:`TaskOptions`. :func:`run_task` loads the job named by
``Settings.job`` (:func:`.grader.grade_submission` unless a test swaps it),
announces the start on the ``lab3-started`` event topic (the driver's
progress line), and returns the job's :class:`GradingResult`. It never raises: a
failure of the job is a result with ``status`` ``error``, which the driver retries once.

Dask cannot interrupt a running task, so the watchdog is here: at the deadline
it kills the processes this task started (the submission's kernel and what it
spawned) and the result says so; if the job still has not returned after
``grace`` seconds, it ends the whole worker process, and Dask reruns the
submission on another worker, then gives up on it (``KilledWorker``).

:func:`dask_setup` prepares a worker process once (``--preload`` of ``dask
worker``; a LocalCluster passes it itself): a private folder for kernel
runtime files (also its working folder, removed when the process exits),
nbgrader imported in the background, and, for the local cluster, the
process's own stdout and stderr in a private file whose new lines travel back
with each result instead of garbling the driver's terminal.
"""

from __future__ import annotations

import atexit
import faulthandler
import importlib
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import psutil

from kmeans_em_lab.pipeline.shared import guarded_ports
from kmeans_em_lab.pipeline.shared.jobs import (
    ERROR,
    GradingResult,
    SubmissionFiles,
    TaskOptions,
    cut_log,
)

STARTED_TOPIC = "lab3-started"  # Dask event topic: {"student": ..., "worker": ..., "key": ...}
QUIET_ENV = "LAB3_WORKER_QUIET"  # "1": the worker's stdout/stderr go to a private file
EXIT_WATCHDOG = 70  # exit status of a worker process the watchdog ended
LOG_TAIL = 64 * 1024  # bytes of the worker's own output sent back with one result


# -- once per worker process -------------------------------------------------------

# imported before a worker listens (by the fork server of the local cluster, as a preload
# by `dask worker`; dask_setup runs after): its tls:// listener is the guarded one (the
# local cluster's fork server then makes it refuse other users too, in .warm)
guarded_ports.install()

_SCRATCH: Path | None = None
_LOG: Path | None = None


def scratch() -> Path:
    """This worker process's private folder (short path: ipc socket paths stay short)."""
    global _SCRATCH
    if _SCRATCH is None:
        base = tempfile.gettempdir()
        if len(base) > 40:
            base = "/tmp" if os.path.isdir("/tmp") else base
        _SCRATCH = Path(tempfile.mkdtemp(prefix="lab3-w-", dir=base))
        atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
    return _SCRATCH


# seconds after the watchdog's grace before faulthandler ends a worker whose grading holds
# the interpreter lock (the watchdog's own thread cannot run then)
LOCKED_MARGIN = 30.0


def without_worker_paths(text: str) -> str:
    """``text`` with this worker's private folder written as ``<worker>``: a failure's
    message says which file of the submission, not where the worker keeps it."""
    if _SCRATCH is None:
        return text
    return text.replace(str(_SCRATCH), "<worker>")


def setup_worker() -> None:
    """Environment for grading in this process (idempotent)."""
    from kmeans_em_lab.pipeline.worker.config import (
        quiet_known_warnings,
        skip_slow_optional_imports,
    )

    global _LOG
    if os.environ.get("JUPYTER_RUNTIME_DIR", "").startswith(str(scratch())):
        return
    skip_slow_optional_imports()
    quiet_known_warnings()
    # its own working folder: the one it was started in may be anyone's, and may go away
    os.chdir(scratch())
    os.environ["JUPYTER_RUNTIME_DIR"] = str(scratch() / "runtime")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if os.environ.get(QUIET_ENV) == "1" and _LOG is None:
        _LOG = scratch() / "worker.log"
        fd = os.open(_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)


_WARMING: threading.Thread | None = None


def dask_setup(worker=None) -> None:
    """Dask preload hook: set up this worker and import nbgrader while it waits for work."""
    global _WARMING
    setup_worker()
    _WARMING = threading.Thread(target=_warm_imports, name="lab3-warm-imports", daemon=True)
    _WARMING.start()


def _warm_imports() -> None:
    try:
        importlib.import_module("nbgrader.apps")
        importlib.import_module("kmeans_em_lab.pipeline.worker.grader")
    except Exception:  # noqa: BLE001 - the first task imports them again and reports
        pass


def _log_offset() -> int:
    try:
        return _LOG.stat().st_size if _LOG else 0
    except OSError:
        return 0


def _log_since(offset: int) -> str:
    if _LOG is None:
        return ""
    try:
        with open(_LOG, "rb") as fh:
            fh.seek(max(offset, _log_offset() - LOG_TAIL))
            return fh.read(LOG_TAIL).decode("utf-8", "replace")
    except OSError:
        return ""


# -- one submission ------------------------------------------------------------------


def load_job(spec: str):
    """``"package.module:function"`` -> the function."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def kill_new_children(before: set[int]) -> int:
    """SIGKILL this process's descendants that were not there at ``before``; how many."""
    try:
        procs = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    except psutil.Error:
        return 0
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=5)
    return len(procs)


def _children() -> set[int]:
    try:
        return {p.pid for p in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return set()


def _announce(student: str) -> None:
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return  # not on a Dask worker (called directly)
    event = {"student": student, "worker": worker.address, "key": worker.get_current_task()}
    worker.log_event(STARTED_TOPIC, event)


def run_task(job: str, bundle, submission: SubmissionFiles, options: TaskOptions) -> GradingResult:
    """Grade ``submission`` with the job ``job`` under the watchdog; never raises."""
    setup_worker()
    if _WARMING is not None:
        _WARMING.join()  # two threads importing one package can see it half initialised
    _announce(submission.student)
    offset = _log_offset()
    before = _children()
    finished = threading.Event()
    fired: list[bool] = []

    def watchdog() -> None:
        fired.append(True)  # first: the job may return as soon as its kernel is dead
        kill_new_children(before)
        if not finished.wait(options.grace):
            os._exit(EXIT_WATCHDOG)  # the job ignores its dead kernel: end the worker

    timer = None
    if options.deadline != float("inf"):
        timer = threading.Timer(options.deadline, watchdog)
        timer.daemon = True
        timer.start()
        # the last resort that needs no interpreter lock: a C-level search (a regular
        # expression on a huge input) holds it, and the timer's thread cannot run
        faulthandler.dump_traceback_later(
            options.deadline + options.grace + LOCKED_MARGIN, exit=True
        )
    started = time.monotonic()
    try:
        result = load_job(job)(bundle, submission, options)
        if not isinstance(result, GradingResult):
            raise TypeError(f"the job returned {type(result).__name__}, not a GradingResult")
    except Exception as err:  # noqa: BLE001 - reported to the driver, which retries
        result = GradingResult.not_graded(
            submission.student,
            ERROR,
            without_worker_paths(f"{type(err).__name__}: {err}"),
            log=traceback.format_exc(),
        )
    finally:
        finished.set()
        if timer is not None:
            timer.cancel()
            faulthandler.cancel_dump_traceback_later()
    if fired:  # whatever the job returned once its kernel was killed is not a grade
        result = GradingResult.not_graded(
            submission.student,
            ERROR,
            f"still running after {options.deadline:.0f} s (the watchdog's limit "
            "for one submission): its kernel was killed",
            log=result.log,
        )
    result.student = submission.student
    result.seconds = round(time.monotonic() - started, 2)
    log = _log_since(offset)
    if log:
        result.log += "\n[worker output]\n" + log
    result.log = cut_log(result.log)
    return result
