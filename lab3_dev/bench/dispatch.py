"""Dask's own cost per submission: a no-op job through the pipeline's dispatcher.

``python -m lab3_dev.bench.dispatch COURSE WORKERS`` does what ``make grade``
does around the grading, with the same dispatcher, course bundle and
submissions' bytes, but its job (``Settings.job``) is :func:`noop`. Nothing is
saved. It prints a :class:`Dispatch` as one JSON object.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Dispatch:
    start: float  # seconds to start the cluster: workers up, their nbgrader imports done
    run: float  # seconds to dispatch every submission and collect its result
    close: float  # seconds to close the cluster
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


def measure(course: Path, workers: int) -> Dispatch:
    from kmeans_em_lab.pipeline.driver import course_bundle, intake, store
    from kmeans_em_lab.pipeline.driver.cluster import Dispatcher, connect, disconnect
    from kmeans_em_lab.pipeline.driver.settings import Settings
    from kmeans_em_lab.pipeline.shared.jobs import TaskOptions
    from kmeans_em_lab.pipeline.worker.config import skip_slow_optional_imports

    skip_slow_optional_imports()  # nbgrader imported as lean as in a worker
    settings = Settings(root=course.resolve(), force=True, job="lab3_dev.bench.dispatch:noop")
    settings.workers = workers
    bundle = course_bundle.build(settings)
    submissions = [
        store.submission_files(
            intake.inspect(s, settings.submitted / s / settings.assignment, settings.notebook),
            settings.notebook,
        )
        for s in intake.discover(settings.submitted, settings.assignment)
    ]
    marks = [time.perf_counter()]
    client, cluster = connect(settings, workers)
    try:
        client.wait_for_workers(workers, timeout=120)
        client.run(_wait_warm)
        marks.append(time.perf_counter())
        dispatcher = Dispatcher(client, bundle, settings, TaskOptions(sandbox=settings.sandbox))
        results = dispatcher.run(submissions, lambda r: r.outcome())
        marks.append(time.perf_counter())
    finally:
        disconnect(client, cluster)
        marks.append(time.perf_counter())
    start, run, close = (b - a for a, b in zip(marks, marks[1:], strict=False))
    statuses = sorted({r["status"] for r in results.values()})
    return Dispatch(start, run, close, len(submissions), statuses)


if __name__ == "__main__":
    found = measure(Path(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps(dataclasses.asdict(found)))
