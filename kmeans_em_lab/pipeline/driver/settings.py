"""What a run grades and how: the course, the workers, the limits the driver sets.

The course's ``nbgrader_config.py`` stays the one place for time limits, output
limits and the gradebook URL; the driver derives its deadlines from it here, and
each worker adds the pipeline's pieces to it
(:func:`kmeans_em_lab.pipeline.worker.config.grading_config`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from kmeans_em_lab.course.paths import Course

# Seconds added to the sum of a notebook's cell limits before the watchdog kills
# a submission's kernel: kernel start-up (nbclient allows 60 s), sanitizing,
# saving, feedback.
DEFAULT_MARGIN = 120.0
# Seconds the watchdog then waits for the grading to return before it ends the
# whole worker process (Dask reruns the submission elsewhere, then gives up).
DEFAULT_GRACE = 30.0
# Environment variable naming a Dask scheduler to grade on (``--scheduler``).
SCHEDULER_ENV = "LAB3_DASK_SCHEDULER"

WORKERS_PER_CORE = 2

# ``make grade`` ends with the similarity report (kmeans_em_lab.similarity) when at least this
# many students were graded; LAB3_SIMILARITY=0 turns it off (README, Which submissions were
# written together)
SIMILARITY_MIN_STUDENTS = 3
SIMILARITY_ENV = "LAB3_SIMILARITY"
# the report reads every submission's code: it runs in a process of its own, bounded
SIMILARITY_SECONDS = 1800  # a class of 1,000 takes well under a minute (bench part 7)
SIMILARITY_MEMORY = 8 * 2**30  # bytes of address space


def similarity_default() -> bool:
    """Whether ``make grade`` writes the similarity report: on unless LAB3_SIMILARITY=0."""
    return os.environ.get(SIMILARITY_ENV, "1").strip() != "0"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def default_workers() -> int:
    """Grading processes (Dask workers, one kernel each) to start by default: two per
    usable core.

    A worker alternates between its kernel running the notebook and its own
    work (starting the kernel, checking, saving, the HTML feedback), so one
    worker per core leaves the cores idle part of the time: see the scaling
    with workers in bench/results.md (part 1a). Cell time limits are
    wall-clock: with two kernels per core a CPU-bound cell may take up to
    twice as long, which the limits' margins (at least 10x the reference, see
    bench part 4) absorb.
    """
    return WORKERS_PER_CORE * usable_cores()


@dataclass
class Settings:
    """One run of the pipeline."""

    root: Path
    assignment: str = "lab3"
    notebook: str = "lab3.ipynb"
    workers: int = field(default_factory=default_workers)
    students: list[str] | None = None
    force: bool = False
    margin: float = DEFAULT_MARGIN
    watchdog: float | None = None  # seconds per submission; None: from the cell limits
    grace: float = DEFAULT_GRACE
    sandbox: bool = True  # kernels in bubblewrap (False only with --no-sandbox)
    # the policy's fixed hidden inputs for every submission instead of drawn ones
    # (--fixed-inputs: to reproduce the corpus; inputs can then be carried home)
    fixed_inputs: bool = False
    scheduler: str | None = None  # a Dask scheduler's address; None: a LocalCluster
    # what a Dask worker runs for one submission ("module:function", see .task)
    job: str = "kmeans_em_lab.pipeline.worker.grader:grade_submission"
    # the similarity report at the end of the run, for a class of similarity_min_students
    similarity: bool = field(default_factory=similarity_default)
    similarity_min_students: int = SIMILARITY_MIN_STUDENTS

    @property
    def course(self) -> Course:
        """The course's folders (:class:`~kmeans_em_lab.course.paths.Course`)."""
        return Course(self.root, self.assignment)

    @property
    def notebook_id(self) -> str:
        return Path(self.notebook).stem

    @property
    def submitted(self) -> Path:
        return self.course.submitted_root

    @property
    def reports(self) -> Path:
        return self.course.reports

    @property
    def logs(self) -> Path:
        return self.reports / "logs"

    @property
    def source_notebook(self) -> Path:
        return self.course.source / self.notebook

    @property
    def release_notebook(self) -> Path:
        return self.course.release / self.notebook

    def autograded_dir(self, student: str) -> Path:
        return self.course.autograded(student)

    def feedback_dir(self, student: str) -> Path:
        return self.course.feedback(student)

    @property
    def cache(self) -> Path:
        return self.course.cache


def _cell_limits(config: Config, settings: Settings) -> list[float]:
    """Each code cell's time limit in the course's notebook, in seconds."""
    import nbformat

    execute = config.get("Execute", {})
    default = execute.get("timeout", 30) or 0
    timeout_func = execute.get("timeout_func")
    path = settings.source_notebook
    if not path.exists():
        path = settings.release_notebook
    nb = nbformat.read(path, as_version=4)
    return [
        float((timeout_func(cell) if callable(timeout_func) else default) or default or 0)
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def submission_deadline(config: Config, settings: Settings) -> float:
    """Watchdog seconds for one submission: the notebook's cell limits summed, plus margin.

    A cell may run its limit, then nbclient waits ``iopub_timeout`` for the
    interrupted kernel to go idle: both count.
    """
    if settings.watchdog is not None:
        return float(settings.watchdog)
    iopub = float(config.get("Execute", {}).get("iopub_timeout", 4))
    limits = _cell_limits(config, settings) + _probe_limits(config, settings)
    return sum(limit + iopub for limit in limits) + settings.margin


def _probe_limits(config: Config, settings: Settings) -> list[float]:
    """The time limits of the similarity probe cells run after the notebook's, when the run
    writes the similarity report (:class:`.execute.ResilientExecute`'s ``probe_seconds``)."""
    from kmeans_em_lab.similarity import probes

    if not settings.similarity:
        return []
    seconds = float(config.get("ResilientExecute", {}).get("probe_seconds", probes.CELL_SECONDS))
    return [seconds] * len(probes.functions())


def notebook_budget(config: Config, settings: Settings) -> float:
    """Seconds a submission's cells may take together: the course notebook's cell limits
    summed, less the longest, so that a cell started just before the budget runs out ends
    by its own limit before the watchdog fires (:func:`submission_deadline`). A notebook
    that adds cells of its own stops there, instead of holding a worker until the watchdog
    kills it and the submission is tried again. No budget under a watchdog set by hand."""
    if settings.watchdog is not None:
        return float("inf")
    limits = _cell_limits(config, settings)
    return sum(limits) - max(limits, default=0.0)
