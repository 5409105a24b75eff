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
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from kmeans_em_lab import checks
from kmeans_em_lab.checks.causes import explain
from kmeans_em_lab.pipeline.pages import pictures
from kmeans_em_lab.pipeline.shared import causes, verdicts
from kmeans_em_lab.pipeline.shared.verdicts import EVENTS, REPLIES, Reply, Verdict
from kmeans_em_lab.pipeline.worker.mailbox import RECORDS, SERVED


class JudgeRecords(NbGraderPreprocessor):
    """Writes each code cell's events and each graded cell's verdict and causes."""

    def preprocess(self, nb, resources):
        self._records = resources.get(RECORDS, {})
        self._served = resources.get(SERVED, {})
        self._events = resources.get(EVENTS, {})
        self._replies = resources.get(REPLIES, {})
        self._forbidden_imports = causes.forbidden_imports(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        verdicts.forget(cell)  # only the grader writes under its key
        if cell.cell_type != "code":
            return cell, resources
        events = self._events.get(index, [])
        verdicts.write_events(cell, events)
        if not causes.graded_code_cell(cell):
            return cell, resources
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
            verdict = Verdict(not judged.message, judged.message)
            if judged.message:
                self.log.info("Cell %s failed its check %s", index, check)
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
                forbidden_import=self._forbidden_imports.get(function, ""),
            )
            causes.write(cell, found)
        return cell, resources


def _reply_message(reply: Reply) -> str:
    if reply.status == "ok":
        return ""
    if reply.status == "error":
        return f"{reply.ename}: {reply.evalue}" if reply.evalue else reply.ename or "error"
    return "the kernel did not answer this cell, so it scores 0"
