"""Dask's own cost per submission: a no-op job through the pipeline's dispatcher.

``python -m lab3_dev.bench.dispatch COURSE [--workers N | --scheduler ADDRESS]``
does what ``make grade`` does around the grading itself, with the same
:class:`~kmeans_em_lab.pipeline.driver.cluster.Dispatcher`, course bundle and
submissions' bytes, but the job (``Settings.job``) is :func:`noop`: it sends
the submission's files back as if they were the autograded notebook, so the
result travels as a real one does. Nothing is saved. It prints one JSON
object: seconds to build the bundle, to start the cluster (workers up, their
nbgrader imports done), to dispatch every submission and collect its result,
and to close the cluster.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

NOOP_JOB = "lab3_dev.bench.dispatch:noop"


def noop(bundle, submission, options):
    """A job that grades nothing: the submission's bytes back, as a graded result."""
    from kmeans_em_lab.pipeline.shared.jobs import GRADED, GradingResult

    return GradingResult(submission.student, GRADED, autograded=dict(submission.files))


def _wait_warm() -> bool:
    """On a worker: wait until its preload has imported nbgrader (as a first task would)."""
    from kmeans_em_lab.pipeline.worker import task

    if task._WARMING is not None:
        task._WARMING.join()
    return True


def measure(course: Path, workers: int | None = None, scheduler: str | None = None) -> dict:
    from kmeans_em_lab.pipeline.driver import course_bundle, intake, store
    from kmeans_em_lab.pipeline.driver.cluster import Dispatcher, connect, disconnect, kernel_slots
    from kmeans_em_lab.pipeline.driver.settings import Settings
    from kmeans_em_lab.pipeline.shared.jobs import TaskOptions
    from kmeans_em_lab.pipeline.worker.config import skip_slow_optional_imports

    skip_slow_optional_imports()
    settings = Settings(root=course.resolve(), force=True, scheduler=scheduler, job=NOOP_JOB)
    if workers:
        settings.workers = workers
    out: dict = {}
    start = time.perf_counter()
    bundle = course_bundle.build(settings)
    out["bundle"] = time.perf_counter() - start
    students = intake.discover(settings.submitted, settings.assignment)
    submissions = [
        store.submission_files(
            intake.inspect(s, settings.submitted / s / settings.assignment, settings.notebook),
            settings.notebook,
        )
        for s in students
    ]
    start = time.perf_counter()
    client, cluster = connect(settings, settings.workers)
    try:
        if cluster is not None:
            client.wait_for_workers(settings.workers, timeout=120)
        client.run(_wait_warm)
        out["start"] = time.perf_counter() - start
        out["slots"] = kernel_slots(client)
        options = TaskOptions(sandbox=settings.sandbox)
        start = time.perf_counter()
        results = Dispatcher(client, bundle, settings, options).run(
            submissions, lambda r: r.outcome()
        )
        out["run"] = time.perf_counter() - start
    finally:
        start = time.perf_counter()
        disconnect(client, cluster)
        out["close"] = time.perf_counter() - start
    out["submissions"] = len(submissions)
    out["statuses"] = sorted({r["status"] for r in results.values()})
    out["bytes"] = sum(len(b) for s in submissions for b in s.files.values())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--scheduler", default=None)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.course, args.workers, args.scheduler)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
