"""Dask's own cost per submission: a no-op job through the pipeline's dispatcher.

``python -m lab3_dev.bench.dispatch COURSE [--workers N]`` does what ``make
grade`` does around the grading itself, with the same
:class:`~kmeans_em_lab.pipeline.driver.cluster.Dispatcher`, course bundle and
submissions' bytes, but the job (``Settings.job``) is :func:`noop`: it sends
the submission's files back as if they were the autograded notebook, so the
result travels as a real one does. Nothing is saved. It prints one JSON
object, a :class:`Dispatch`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NOOP_JOB = "lab3_dev.bench.dispatch:noop"


@dataclass(frozen=True)
class Dispatch:
    start: float  # seconds to start the cluster: workers up, their nbgrader imports done
    run: float  # seconds to dispatch every submission and collect its result
    close: float  # seconds to close the cluster
    slots: int  # kernel slots the cluster offers
    submissions: int
    statuses: list[str]

    @property
    def per_submission(self) -> float:
        return self.run / max(1, self.submissions)


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


def measure(course: Path, workers: int | None = None) -> Dispatch:
    from kmeans_em_lab.pipeline.driver import course_bundle, intake, store
    from kmeans_em_lab.pipeline.driver.cluster import Dispatcher, connect, disconnect, kernel_slots
    from kmeans_em_lab.pipeline.driver.settings import Settings
    from kmeans_em_lab.pipeline.shared.jobs import TaskOptions
    from kmeans_em_lab.pipeline.worker.config import skip_slow_optional_imports

    skip_slow_optional_imports()  # nbgrader imported as lean as in a worker
    settings = Settings(root=course.resolve(), force=True, job=NOOP_JOB)
    settings.workers = workers or settings.workers
    bundle = course_bundle.build(settings)
    submissions = [
        store.submission_files(
            intake.inspect(s, settings.submitted / s / settings.assignment, settings.notebook),
            settings.notebook,
        )
        for s in intake.discover(settings.submitted, settings.assignment)
    ]
    marks = [time.perf_counter()]
    client, cluster = connect(settings, settings.workers)
    try:
        client.wait_for_workers(settings.workers, timeout=120)
        client.run(_wait_warm)
        marks.append(time.perf_counter())
        slots = kernel_slots(client)
        dispatcher = Dispatcher(client, bundle, settings, TaskOptions(sandbox=settings.sandbox))
        results = dispatcher.run(submissions, lambda r: r.outcome())
        marks.append(time.perf_counter())
    finally:
        disconnect(client, cluster)
        marks.append(time.perf_counter())
    start, run, close = (b - a for a, b in zip(marks, marks[1:], strict=False))
    statuses = sorted({r["status"] for r in results.values()})
    return Dispatch(start, run, close, slots, len(submissions), statuses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    print(json.dumps(dataclasses.asdict(measure(args.course, args.workers))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
