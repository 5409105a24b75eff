"""What travels between the driver and a worker: a job's inputs and its typed result.

The driver sends each job the course (:class:`CourseBundle`, built once by
:mod:`kmeans_em_lab.pipeline.driver.course_bundle`), one submission
(:class:`SubmissionFiles`) and the run's :class:`TaskOptions`; the worker
(:mod:`kmeans_em_lab.pipeline.worker.task`) sends back one
:class:`GradingResult`, whatever happened. Plain frozen dataclasses of
standard types: Dask pickles them by value, and nothing in them runs code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kmeans_em_lab.checks.draws import Draw
from kmeans_em_lab.pipeline.shared.folders import write_files

GRADEBOOK = "gradebook.db"  # the template gradebook's name in a private course
MAX_LOG_CHARS = 1_000_000  # of one submission's log (nbgrader's and the worker's output)


def cut_log(text: str) -> str:
    """``text`` within :data:`MAX_LOG_CHARS`: its first and last halves, and a line saying
    how much was left out between them (a log holds what a submission made the grader
    say, which a submission can make long)."""
    if len(text) <= MAX_LOG_CHARS:
        return text
    half = MAX_LOG_CHARS // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half:,} characters left out ...]\n{text[-half:]}"


@dataclass(frozen=True)
class CourseBundle:
    """The course as bytes: ``files`` maps paths relative to the course root to contents."""

    assignment: str
    notebook: str
    digest: str  # :func:`.stamps.course_digest`: changes whenever grading may change
    files: dict[str, bytes]
    gradebook: bytes  # SQLite file: the assignment and its cells, no student

    def unpack(self, root: Path) -> None:
        """Write the course under ``root`` (a new, private folder)."""
        write_files(root, self.files)
        (Path(root) / GRADEBOOK).write_bytes(self.gradebook)


@dataclass(frozen=True)
class TaskOptions:
    sandbox: bool = True
    deadline: float = float("inf")  # seconds before the watchdog kills the kernel
    # seconds the notebook's cells may take together (ResilientExecute.notebook_seconds)
    budget: float = float("inf")
    grace: float = 30.0  # then seconds before it ends the worker process
    # run the similarity probes after the student's cells (ResilientExecute.run_probes)
    probes: bool = False


@dataclass(frozen=True)
class SubmissionFiles:
    """A submission as bytes: the notebook under the assignment's name, other files as found."""

    student: str
    digest: str  # :func:`.stamps.folder_digest` of the submitted folder
    files: dict[str, bytes]
    # its hidden tests' inputs, drawn by the driver from the course secret (which never
    # leaves the instructor's machine); None: the grading policy's fixed inputs
    draw: Draw | None = None


@dataclass(frozen=True)
class CellResult:
    """One graded cell of a graded submission, as the worker's own gradebook holds it after
    nbgrader's ``SaveAutoGrades``: its automatic score and points, and why it lost points
    (``(code, message)`` pairs of :mod:`.causes`; ``None`` when the autograded notebook has
    no graded code cell of that id)."""

    grade_id: str
    auto_score: float | None
    max_score: float
    causes: tuple[tuple[str, str], ...] | None = ()


@dataclass(frozen=True)
class CommentResult:
    """nbgrader's automatic comment on one solution or task cell ("No response." when the
    student left it as released), as the worker's gradebook holds it."""

    grade_id: str
    auto_comment: str | None


@dataclass(frozen=True)
class GradedCells:
    """What the worker's grading saved per cell: the driver writes it into the instructor's
    gradebook as it is, without reading the autograded notebook again."""

    cells: tuple[CellResult, ...]
    comments: tuple[CommentResult, ...] = ()

    @property
    def auto_score(self) -> float:
        return sum(c.auto_score or 0.0 for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    def causes_by_cell(self) -> dict[str, list[list[str]]]:
        """grade id -> its causes as ``[code, message]`` lists, for every graded code cell
        of the notebook (empty: it kept its points); the stamp's JSON form."""
        return {
            c.grade_id: [list(pair) for pair in c.causes]
            for c in self.cells
            if c.causes is not None
        }


GRADED, ERROR, FAILED, ZERO = "graded", "error", "failed", "zero"
"""A result's statuses: its cells scored; the job failed (the driver tries once more);
given up on after that (not graded); nothing gradable (intake's problem: a zero)."""


@dataclass
class GradingResult:
    """What grading one submission came to: made once on the worker (:func:`run_task`, from
    the job's), or by the dispatcher when the worker could not say (lost, given up on), or at
    intake (nothing gradable); read by the driver's writer, which keeps its :meth:`stamp`.

    Only the grader's own values are here: every text from a submission (a message, a flag,
    the log) is escaped where it is shown."""

    student: str
    status: str  # GRADED, ERROR, FAILED or ZERO
    message: str = ""  # why it is not graded (ERROR, FAILED, ZERO)
    flags: list[str] = field(default_factory=list)  # what the instructor should look at
    log: str = ""  # nbgrader's and the worker's output, for reports/logs/
    cells: GradedCells | None = None  # GRADED: the scores the worker's gradebook saved
    grades: dict[str, float] = field(default_factory=dict)  # GRADED: points per notebook
    timestamp: str | None = None  # GRADED: the submission's time, ISO 8601
    autograded: dict[str, bytes] = field(default_factory=dict)  # relative path -> bytes
    feedback: dict[str, bytes] = field(default_factory=dict)  # the feedback page alone
    seconds: float | None = None  # the job's wall time on its worker
    # set by the dispatcher
    attempts: int = 0
    submission: str = ""  # :func:`.stamps.folder_digest` of the submitted folder
    sandbox: bool = True
    bystander: bool = False  # lost with a worker it never started on: sent again

    @classmethod
    def not_graded(cls, student: str, status: str, message: str, **fields) -> GradingResult:
        """A submission whose cells were not scored: the job failed (``ERROR``), it was
        given up on (``FAILED``) or nothing in it was gradable (``ZERO``), and why."""
        if status not in (ERROR, FAILED, ZERO):
            raise ValueError(f"not a status of a submission that was not graded: {status!r}")
        if not message:
            raise ValueError("a submission that was not graded needs the reason")
        return cls(student, status, message=message, **fields)

    def stamp(self, score: float | None = None, max_score: float | None = None) -> dict:
        """The JSON the driver keeps of it (:mod:`.stamps`): all but the files and the log,
        the cells as their causes, and the score the gradebook holds."""
        stamp = {
            "student": self.student,
            "status": self.status,
            "message": self.message,
            "flags": list(self.flags),
            "grades": dict(self.grades),
            "timestamp": self.timestamp,
            "seconds": self.seconds,
            "attempts": self.attempts,
            "submission": self.submission,
            "sandbox": self.sandbox,
        }
        if self.cells is not None:
            stamp["causes"] = self.cells.causes_by_cell()
        if score is not None:
            stamp["score"], stamp["max_score"] = score, max_score
        return stamp

    def outcome(self, score: float | None = None, max_score: float | None = None) -> dict:
        """What the reports read of it: its stamp without the per-cell scores."""
        return outcome(self.stamp(score, max_score))


def outcome(stamp: dict) -> dict:
    """What is kept of a stamp for the reports: all but the points per notebook, which the
    gradebook holds (a stamp holds no files, log or cells: :meth:`GradingResult.stamp`)."""
    return {k: v for k, v in stamp.items() if k != "grades"}
