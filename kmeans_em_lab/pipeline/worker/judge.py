"""``JudgeRecords``: the verdict of every graded cell, reached outside the kernel.

Runs right after execution (:class:`.execute.ResilientExecute`, which collected
each graded cell's record and what it observed itself into ``resources``) and
before anything else reads the notebook. In every code cell it first removes
whatever a submission brought under the grader's metadata key, then writes the
grader's own record (:mod:`.verdicts`):

- the **events** the executor observed in the cell (time limit, kernel death,
  cells not run, output cut);
- for a graded cell, the **verdict**: a stopping event fails it; otherwise a
  cell that records a check (:func:`kmeans_em_lab.checks.cell_check`, every
  test cell of this course) passes exactly when
  :func:`kmeans_em_lab.checks.judgement` finds its record right (a missing,
  cut or forged record fails, as does the grader's own refusal). A plain
  nbgrader test cell (no check: none in this course, but a course may add
  one) is judged by the kernel's reply to it, the only evidence there is;
- its **causes** when it failed (:mod:`.causes`), and for the hidden tests of
  ``K_Means`` and ``EM`` the numbers of their feedback picture (:mod:`.pictures`).

Nothing the kernel printed, displayed or raised in the cell is read: the
points follow from the verdict alone (:mod:`.score_from_verdicts`).

The graded cells are judged in a child process
(:mod:`kmeans_em_lab.pipeline.shared.contained`), each within ``cpu_seconds`` of CPU
time and the child within ``memory_mib`` more memory than the worker: a record that
costs more fails its own cell (``judge_limit``) and costs no other cell, and no other
submission, anything.
"""

from __future__ import annotations

import functools

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer

from kmeans_em_lab import checks
from kmeans_em_lab.checks.cause_codes import explain
from kmeans_em_lab.pipeline.pages import pictures
from kmeans_em_lab.pipeline.shared import causes, contained, verdicts
from kmeans_em_lab.pipeline.shared.course_config import setting
from kmeans_em_lab.pipeline.shared.verdicts import EVENTS, KEY, REPLIES, Reply, Verdict
from kmeans_em_lab.pipeline.worker.mailbox import RECORDS, SERVED

JUDGE_LIMIT = "judge_limit"  # the cause of a cell whose judging broke the child's limits


class JudgeRecords(NbGraderPreprocessor):
    """Writes each code cell's events and each graded cell's verdict and causes."""

    cpu_seconds = setting(
        Float,
        contained.DEFAULT_LIMITS.cpu_seconds,
        "CPU seconds the grader spends at most judging one graded cell's record; past "
        "it the cell fails with the cause judge_limit",
    )
    memory_mib = setting(
        Integer,
        contained.DEFAULT_LIMITS.memory_bytes // 2**20,
        "memory (MiB of address space) the child that judges the records may take "
        "beyond the worker's own; a cell whose judging needs more fails (judge_limit)",
    )
    wall_seconds = setting(
        Float,
        contained.DEFAULT_LIMITS.wall_seconds,
        "clock seconds one graded cell's judging may last at most (a backstop for a "
        "child that waits: the CPU limit stops work first, however loaded the machine)",
    )

    def limits(self) -> contained.Limits:
        return contained.Limits(self.cpu_seconds, self.memory_mib * 2**20, self.wall_seconds)

    def preprocess(self, nb, resources):
        self._records = resources.get(RECORDS, {})
        self._served = resources.get(SERVED, {})
        self._events = resources.get(EVENTS, {})
        self._replies = resources.get(REPLIES, {})
        self._not_defined = None  # read in the child, once per child
        graded = []
        for index, cell in enumerate(nb.cells):
            verdicts.forget(cell)  # only the grader writes under its key
            if cell.cell_type != "code":
                continue
            verdicts.write_events(cell, self._events.get(index, []))
            if causes.graded_code_cell(cell):
                graded.append(index)
        steps = [functools.partial(self._judged, nb, index) for index in graded]
        for index, result in zip(graded, contained.run_steps(steps, self.limits()), strict=True):
            cell = nb.cells[index]
            if isinstance(result, contained.Stopped):
                self._write_stopped(cell, result)
            else:
                cell.metadata[KEY] = nbformat.from_dict(result)
            verdict = verdicts.read_verdict(cell)
            if verdict is not None and not verdict.passed:
                self.log.info("Cell %s failed: %s", index, verdict.message[:200])
        return nb, resources

    def _judged(self, nb, index: int) -> dict:
        """What the grader writes under its key in graded cell ``index`` (run in the child)."""
        if self._not_defined is None:
            self._not_defined = causes.not_defined_because(nb)
        cell = nb.cells[index]
        events = self._events.get(index, [])
        stops = [e for e in events if e.code in verdicts.STOPS]
        check = checks.cell_check(cell.source)
        judged, record = None, None
        if stops:
            verdict = Verdict(False, f"{stops[0].message}: {explain(stops[0].code)}")
        elif check is not None:
            recorded_check, record = self._records.get(index, (check, None))
            if recorded_check != check:
                record = None
            # the helpers' calls the grader answered in the cell (absent: not counted)
            served = self._served.get(index)
            judged = checks.judgement(check, record, cell.source, served)
            verdict = Verdict(judged.passed, judged.message)
        else:
            reply = self._replies.get(index, Reply("missing"))
            verdict = Verdict(reply.status == "ok", _reply_message(reply))
        verdicts.write_verdict(cell, verdict)
        picture = pictures.keep(check, record) if check is not None else None
        if picture is not None:
            verdicts.grader_data(cell)["picture"] = picture
        if not verdict.passed:
            function = checks.check_function(check) if check is not None else ""
            found = causes.classify(
                verdict,
                events=events,
                judged=judged,
                reply=self._replies.get(index) if check is None else None,
                not_defined=self._not_defined.get(function),
            )
            causes.write(cell, found)
        return verdicts.grader_data(cell)

    def _write_stopped(self, cell, stopped: contained.Stopped) -> None:
        """A cell whose judging broke the child's limits fails, with that cause."""
        message = (
            f"judging this test's answers took {contained.cost(stopped, self.limits())}, "
            "so this test scores 0"
        )
        verdicts.write_verdict(cell, Verdict(False, message))
        causes.write(cell, [causes.Cause(JUDGE_LIMIT, message)])


def _reply_message(reply: Reply) -> str:
    if reply.status == "ok":
        return ""
    if reply.status == "error":
        return f"{reply.ename}: {reply.evalue}" if reply.evalue else reply.ename or "error"
    return "the kernel did not answer this cell, so it scores 0"
