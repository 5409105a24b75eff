"""The driver's side of grading: submissions out as bytes, results in, one writer.

Before a batch, :func:`clear` removes each student's autograded notebook,
feedback and stamp and zeroes their automatic scores (the stale-score rule:
whatever happens next, the gradebook holds this run's scores or zeros, never
the previous run's). :func:`submission_files` reads a submission as bytes for
a worker. :func:`save_batch` writes what workers sent back: the autograded and
feedback files, the scores and comments the worker's own ``SaveAutoGrades``
produced (:class:`.jobs.GradedCells`, written with nbgrader's rule for manual
scores and comments: :func:`.scores.save_results`, one transaction per batch),
flags, and last the stamps, so a driver stopped half way regrades exactly the
students it had not saved. A student with a manual score or comment gets their
feedback page made again from the instructor's gradebook.

:class:`Writer` runs :func:`save_batch` in a thread of its own, fed through a
bounded queue as results arrive: the dispatch never waits for the disk or the
database, the writer is still the only one, and a saved result's files leave
memory with it (what stays is its outcome, :func:`outcome`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import PurePosixPath

from kmeans_em_lab.checks.draws import Draw
from kmeans_em_lab.pipeline.driver import intake, stamps
from kmeans_em_lab.pipeline.driver.settings import Settings
from kmeans_em_lab.pipeline.shared import scores
from kmeans_em_lab.pipeline.shared.folders import (
    read_regular,
    remove,
    walk,
    write_atomically,
    write_files,
)
from kmeans_em_lab.pipeline.shared.jobs import (
    GRADED,
    GradingResult,
    SubmissionFiles,
    cut_log,
    outcome,
)
from kmeans_em_lab.pipeline.shared.scores import GradebookRef
from kmeans_em_lab.pipeline.shared.untrusted_text import for_log, has_control


def clear_outputs(settings: Settings, student: str) -> None:
    """This student's autograded notebook, feedback and stamp: gone (they would be stale)."""
    stamps.remove(settings.root, settings.assignment, student)
    remove(settings.autograded_dir(student))
    remove(settings.feedback_dir(student))


def clear(settings: Settings, book: GradebookRef, students: list[str]) -> None:
    """Before grading ``students``: outputs removed, automatic scores zeroed, not flagged."""
    for student in students:
        clear_outputs(settings, student)
    scores.zero_submissions(book, students, flagged=False)


def mark_failed(settings: Settings, book: GradebookRef, student: str) -> None:
    """After the last attempt failed: 0 everywhere, flagged, nothing stale left behind."""
    clear_outputs(settings, student)
    scores.zero_submissions(book, [student], flagged=True)


def submission_files(
    sub: intake.Submission,
    notebook_name: str,
    secret: bytes = b"",
    written: frozenset[str] = frozenset(),
) -> SubmissionFiles:
    """The files of a gradable submission, the notebook under ``notebook_name``, with its
    draw of the hidden tests' inputs from the course ``secret`` (b"": the fixed inputs).
    ``written``: the paths nbgrader and the grader write beside them
    (:func:`.course_bundle.written_beside_submission`); a file that would stand in the way
    of one of them is left out (:func:`collisions`).

    Walked by :func:`.folders.walk`: symbolic links, FIFOs and devices are never
    followed nor opened, and other notebooks are left out (only the one being
    graded goes in, as :func:`.intake.inspect` read it); ``timestamp.txt`` goes
    with them (nbgrader reads the submission time from it). Never raises on what
    the folder holds: a file that cannot be read now, or would take the files
    over ``sub.limits.total_bytes``, is left out and flagged (in ``sub.flags``).
    """
    files: dict[str, bytes] = {}
    missed: list[tuple[str, str]] = []
    budget = sub.limits.total_bytes if sub.limits is not None else None
    used = 0
    for entry in walk(sub.folder).files:
        if PurePosixPath(entry.rel).suffix == ".ipynb" or entry.rel in sub.left_out:
            continue
        if has_control(entry.rel):  # nbgrader's log quotes a file it copies by its name
            missed.append((entry.rel, "a name holding a control character or line break"))
            continue
        if budget is not None and used + entry.size > budget:
            missed.append((entry.rel, "over the total size limit"))
            continue
        data = read_regular(sub.folder, entry.rel, limit=entry.size)
        if data is None:
            missed.append((entry.rel, "unreadable, or changed while read"))
            continue
        used += len(data)
        files[entry.rel] = data
    notebook = sub.notebook_bytes
    if notebook is None:
        notebook = read_regular(sub.folder, sub.notebook.relative_to(sub.folder).as_posix())
        if notebook is None:
            missed.append((sub.notebook.name, "unreadable, or changed while read"))
            notebook = b""
    files[notebook_name] = notebook
    for rel, why in collisions(files, written | {notebook_name}).items():
        del files[rel]
        missed.append((rel, why))
    if missed:
        sub.flags.append(intake.left_out_flag(missed))
    digest = stamps.folder_digest(sub.folder)
    draw = Draw.for_submission(secret, digest, sub.student) if secret else None
    return SubmissionFiles(student=sub.student, digest=digest, files=files, draw=draw)


def _parents(rel: str) -> list[str]:
    """The folders ``rel`` lies in: ``a/b/c`` -> ``a``, ``a/b``."""
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def collisions(files: dict[str, bytes], written: frozenset[str]) -> dict[str, str]:
    """The paths of ``files`` that cannot be written beside the others and ``written``
    (files nbgrader and the grader write in the same folders: the notebook, the course's
    data, the page), each with why: one under another's name (``lab3.ipynb/x``, a folder
    ``data/spotify.p/`` where autograde copies the course's file, ``lab3.html/`` where the
    page goes), or a file where one of ``written`` needs a folder (a file ``data``). Such a
    folder once made nbgrader's autograde raise for that student on every run."""
    names = set(files) | written
    needed = {folder for rel in written for folder in _parents(rel)}
    found = {}
    for rel in sorted(files):
        if rel in needed:
            found[rel] = "a file named like a folder the grader writes"
        elif any(parent in names for parent in _parents(rel)):
            found[rel] = "in a folder named like a file the grader writes"
    return found


SAVE_BATCH = 25  # results saved in one gradebook transaction, at most
QUEUE_BOUND = 50  # results waiting for the writer, at most (beyond, the dispatch waits)


def _to_save(result: GradingResult) -> scores.ToSave:
    cells = result.cells if result.status == GRADED else None
    if cells is None:
        return scores.ToSave(result.student, flagged=bool(result.flags))
    return scores.ToSave(
        result.student,
        graded=True,
        scores={c.grade_id: c.auto_score for c in cells.cells},
        comments={c.grade_id: c.auto_comment for c in cells.comments},
        timestamp=result.timestamp,
        flagged=bool(result.flags),
    )


def save_batch(
    settings: Settings, book: GradebookRef, results: list[GradingResult], course_digest: str
) -> list[dict]:
    """Write finished results (``status`` ``graded`` or ``zero``): files, then the scores
    of all of them in one transaction, then each stamp. Returns their outcomes."""
    for result in results:
        if result.status == GRADED:
            for folder, files in (
                (settings.autograded_dir(result.student), result.autograded),
                (settings.feedback_dir(result.student), result.feedback),
            ):
                remove(folder)
                write_files(folder, files)
    saved = scores.save_results(book, settings.notebook_id, [_to_save(r) for r in results])
    out = []
    for result in results:
        student = result.student
        row = saved[student]
        if result.status == GRADED and row.manual:
            regenerate_feedback(settings, [student])  # the worker's feedback knew only its scores
        write_log(settings, student, result.log)
        stamp = result.stamp(row.score, row.max_score)
        stamp["course"] = course_digest
        stamps.write(settings.root, settings.assignment, student, stamp)
        out.append(outcome(stamp))
    return out


def save(settings: Settings, book: GradebookRef, result: GradingResult, course_digest: str) -> dict:
    """Write one finished result and its stamp (:func:`save_batch`); its outcome."""
    return save_batch(settings, book, [result], course_digest)[0]


_STOP = object()


class Writer:
    """The driver's one writer: results saved by :func:`save_batch` in a thread of its own,
    a batch at a time (what has arrived meanwhile, up to :data:`SAVE_BATCH`).

    :meth:`put` hands a result over (waiting only while :data:`QUEUE_BOUND` results are
    queued) and raises the writer's error if it failed; ``saved`` is called with each
    outcome once its stamp is written. :meth:`close` saves what is queued and stops;
    :attr:`outcomes` is then student -> outcome of everything saved.
    """

    def __init__(
        self,
        settings: Settings,
        book: GradebookRef,
        course_digest: str,
        saved: Callable[[dict], None] = lambda outcome: None,
    ):
        self._args = (settings, book)
        self._digest = course_digest
        self._saved = saved
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_BOUND)
        self._error: BaseException | None = None
        self.outcomes: dict[str, dict] = {}
        self._thread = threading.Thread(target=self._loop, name="lab3-writer", daemon=True)
        self._thread.start()

    def put(self, result: GradingResult) -> None:
        self._hand_over(result)

    def close(self) -> None:
        if self._thread.is_alive():
            self._hand_over(_STOP)
            self._thread.join()
        self._raise()

    def _hand_over(self, item) -> None:
        while True:
            self._raise()
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _loop(self) -> None:
        stop = False
        while not stop:
            batch = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
                if len(batch) >= SAVE_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if not batch:
                continue
            try:
                outcomes = save_batch(*self._args, batch, self._digest)
                del batch, item  # the files leave memory with the batch
                for saved in outcomes:
                    self.outcomes[saved["student"]] = saved
                    self._saved(saved)
            except BaseException as err:  # noqa: BLE001 - raised again in the dispatching thread
                self._error = err
                return


def write_log(settings: Settings, student: str, text: str) -> None:
    write_atomically(settings.logs / f"{student}.log", for_log(cut_log(text)).encode())


def regenerate_feedback(settings: Settings, students: list[str]) -> list[str]:
    """The feedback pages of ``students`` made again from the instructor's gradebook
    (:func:`.feedback_page.regenerate`: the one exporter, the summary); returns the
    students it failed for."""
    from kmeans_em_lab.pipeline.pages.feedback_page import regenerate

    return regenerate(settings.root, settings.assignment, students, settings.notebook)
