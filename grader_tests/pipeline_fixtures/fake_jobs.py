"""Stand-ins for the grading job, to test the Dask dispatcher without nbgrader.

A job is called on a worker as ``job(bundle, submission, options)``; the
student's name says what it does: ``hang*`` starts a grandchild process and
waits for it (the watchdog must kill it, and the job then returns), ``stuck*``
ignores the watchdog (the worker process must be ended), ``crash*`` kills its
worker process, ``flaky*`` fails its first attempt only (told by the task's key, so a
recomputation of a first attempt whose worker died also fails, and so does a first
attempt sent again because a worker died before it started), anything else is
graded. Pid files go to the folder named by ``bundle.files["dir"]``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from kmeans_em_lab.pipeline.shared.jobs import ERROR, GRADED, GradingResult


def job(bundle, submission, options) -> GradingResult:
    folder = Path(bundle.files["dir"].decode())
    student = submission.student
    if student.startswith(("hang", "stuck")):
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
        )
        (folder / f"{student}.{child.pid}.pid").write_text(str(child.pid))
        if student.startswith("hang"):
            child.wait()  # returns once the watchdog killed it
        else:
            time.sleep(60)  # far past the test's watchdog (a broken one fails, not hangs)
    if student.startswith("crash"):
        os._exit(3)
    if student.startswith("flaky"):
        from distributed import get_worker

        # the key ends in the attempt, then "-r<n>" when sent again unstarted: "-1" or
        # "-1-r<n>" is the first (kmeans_em_lab.pipeline.driver.cluster.task_key)
        if re.search(r"-1(-r\d+)?$", get_worker().get_current_task()):
            return GradingResult.not_graded(student, ERROR, "transient failure")
    return GradingResult(student, GRADED)


def broken_job(bundle, submission, options) -> GradingResult:
    raise RuntimeError("this job cannot grade anything")


def locked_job(bundle, submission, options) -> GradingResult:
    """Holds the interpreter lock for minutes: one regular-expression search that backtracks
    (the watchdog's thread cannot run meanwhile)."""
    re.search(r"(a*)*b", "a" * 40)
    return GradingResult(submission.student, GRADED)
