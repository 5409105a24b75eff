"""The grader's own word on each cell: what it observed, and the verdict of each graded cell.

Nothing a submission produces decides a score: not its outputs, not the names
or texts of the errors it raises, not its metadata. The grader decides from
what it observed itself and writes it into the autograded notebook, under the
cell metadata key :data:`KEY` that only the grader writes (anything a
submission brings there is removed before judging):

- **events** (:class:`Event`), observed by the executor
  (:class:`.execute.ResilientExecute`) on any code cell: the cell's time limit,
  the kernel's death, a kernel that ignored the interrupt, one output too
  large to read, a cell not run after those, a cell too long to run, output cut to
  the byte budget.
  Flags (:mod:`.incidents`) and the causes of stopped cells come from these alone;
- the **verdict** (:class:`Verdict`) of every graded cell, reached by
  :class:`.judge.JudgeRecords`: a stopping event fails the cell; otherwise the
  judgement of the cell's record (:func:`kmeans_em_lab.checks.judgement`), or
  the grader's own refusal. The points follow from it alone
  (:class:`.score_from_verdicts.ScoreFromVerdicts`).

::

    "metadata": {"lab3": {
        "events": [{"code": "time_limit", "message": "time limit reached in cell ... (30 s)"}],
        "verdict": {"passed": false, "message": "The cell ran past its time limit ..."},
        "causes": [{"code": "time_limit", "message": "..."}]
    }}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from kmeans_em_lab.course import points

KEY = "lab3"  # the grader's key in a cell's metadata (events, verdict, causes, picture data)

# events the executor observes (their codes are cause codes of checks.cause_codes)
TIME_LIMIT = "time_limit"
KERNEL_DIED = "kernel_died"
KERNEL_UNRESPONSIVE = "kernel_unresponsive"
NOT_RUN = "not_run"
CELL_TOO_LONG = "cell_too_long"  # not run: its source is longer than the grader runs
OUTPUT_CUT = "output_cut"
OUTPUT_FLOOD = "output_flood"  # output the grader does not take: the notebook stops there
# events that stop a cell: it fails, whatever its record says
STOPS = (TIME_LIMIT, KERNEL_DIED, KERNEL_UNRESPONSIVE, OUTPUT_FLOOD, NOT_RUN, CELL_TOO_LONG)

EVENTS = "lab3_events"  # resources key: cell index -> list of Event (the executor's)
REPLIES = "lab3_replies"  # resources key: cell index -> Reply (the kernel's execute_reply)

MESSAGE_LIMIT = 2000  # characters of a verdict message or an event message kept


@dataclass(frozen=True)
class Event:
    """Something the grader saw happen while a cell ran; ``message`` is the grader's text."""

    code: str
    message: str


@dataclass(frozen=True)
class Reply:
    """A kernel's reply to a cell: its status and, when an error, the error's name and text.

    The kernel's own word, so only a graded cell that records no check (a plain nbgrader
    test cell, which this course does not have) is scored by it."""

    status: str
    ename: str = ""
    evalue: str = ""


@dataclass(frozen=True)
class Verdict:
    """The grader's verdict on a graded cell: it passed, or why not (the student's feedback)."""

    passed: bool
    message: str = ""


NO_VERDICT = Verdict(False, "the grader reached no verdict for this test, so it scores 0")


def cell_label(cell, index: int) -> str:
    """How flags and messages name a cell: ``test_Set_hidden (#21)``, or ``#7``."""
    grade_id = points.grade_id(cell)
    return f"{grade_id} (#{index})" if grade_id else f"#{index}"


def grader_data(cell) -> dict:
    metadata = cell.setdefault("metadata", {})
    data = metadata.get(KEY)
    if not isinstance(data, dict):
        metadata[KEY] = {}
        data = metadata[KEY]  # a NotebookNode stores a copy of what it is given
    return data


def forget(cell) -> None:
    """Remove whatever a submission brought under :data:`KEY` (only the grader writes it)."""
    cell.get("metadata", {}).pop(KEY, None)


def write_events(cell, events: Iterable[Event]) -> None:
    events = list(events)
    if events:
        entries = grader_data(cell).setdefault("events", [])
        entries += [{"code": e.code, "message": e.message[:MESSAGE_LIMIT]} for e in events]


def read_events(cell) -> list[Event]:
    entries = cell.get("metadata", {}).get(KEY, {}).get("events")
    if not isinstance(entries, list):
        return []
    return [
        Event(str(e.get("code", "")), str(e.get("message", "")))
        for e in entries
        if isinstance(e, dict)
    ]


def write_verdict(cell, verdict: Verdict) -> None:
    grader_data(cell)["verdict"] = asdict(Verdict(verdict.passed, verdict.message[:MESSAGE_LIMIT]))


def read_verdict(cell) -> Verdict | None:
    """The verdict the grader wrote into ``cell``, or ``None`` when there is none."""
    entry = cell.get("metadata", {}).get(KEY, {}).get("verdict")
    if not isinstance(entry, dict) or not isinstance(entry.get("passed"), bool):
        return None
    return Verdict(entry["passed"], str(entry.get("message") or ""))
