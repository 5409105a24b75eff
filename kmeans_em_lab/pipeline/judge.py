"""``JudgeRecords``: the verdict of every recorded test cell, reached outside the kernel.

Runs right after execution (:class:`.execute.ResilientExecute`, which collected
each graded cell's record in ``resources[RECORDS]``) and before the scores are
saved. For each cell whose source records a check
(:func:`kmeans_em_lab.checks.cell_check`), :func:`kmeans_em_lab.checks.judge`
compares the record with the reference; a failure becomes an error output in
that cell, so nbgrader's own ``SaveAutoGrades`` scores it 0 and the feedback
shows the message. The kernel can only take a cell's points away (an error it
raised itself stays); it cannot give any.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import checks

RECORDS = "lab3_records"  # resources key: cell index -> (check, record or None)
VERDICT = "AssertionError"  # ename of the error output a failed verdict becomes


def verdict_output(message: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=VERDICT,
        evalue=message,
        traceback=[f"\x1b[0;31m{VERDICT}\x1b[0m: {message}"],
    )


class JudgeRecords(NbGraderPreprocessor):
    """Turns each recorded cell's record into its verdict (an error output when it fails)."""

    def preprocess(self, nb, resources):
        self._records = resources.get(RECORDS, {})
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        check = checks.cell_check(cell.source)
        if check is None:
            return cell, resources
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return cell, resources  # failed in the kernel (or not run): 0 already
        recorded_check, record = self._records.get(index, (check, None))
        if recorded_check != check:
            record = None
        message = checks.judge(check, record, cell.source)
        if message:
            self.log.info("Cell %s failed its check %s", index, check)
            cell.outputs.append(verdict_output(message))
        return cell, resources
