"""A stand-in for the grading job, to test the pool (workers, watchdog, retry) without nbgrader.

The student's name says what the job does: ``hang*`` starts a grandchild
process and never returns (the watchdog must kill both), ``crash*`` kills its
worker process, ``flaky*`` fails its first attempt only, anything else is graded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def make_job(worker_index, settings, scratch):
    root = Path(settings.root)

    def job(student: str) -> dict:
        if student.startswith("hang"):
            child = subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
            )
            (root / f"{student}.{child.pid}.pid").write_text(str(child.pid))
            time.sleep(60)  # far past the test's watchdog (a broken one fails, not hangs)
        if student.startswith("crash"):
            os._exit(3)
        if student.startswith("flaky"):
            marker = root / f"{student}.seen"
            if not marker.exists():
                marker.write_text("first attempt")
                return {"student": student, "status": "error", "message": "transient failure"}
        return {"student": student, "status": "graded", "score": 1.0, "max_score": 1.0}

    return job


def make_broken_job(worker_index, settings, scratch):
    raise RuntimeError("this job cannot be built")
