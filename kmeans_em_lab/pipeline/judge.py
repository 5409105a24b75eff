"""``JudgeRecords``: the verdict of every recorded test cell, reached outside the kernel.

Runs right after execution (:class:`.execute.ResilientExecute`, which collected
each graded cell's record in ``resources[RECORDS]``) and before the scores are
saved. For each cell whose source records a check
(:func:`kmeans_em_lab.checks.cell_check`), :func:`kmeans_em_lab.checks.judgement`
compares the record with the reference; a failure becomes an error output in
that cell, so nbgrader's own ``SaveAutoGrades`` scores it 0 and the feedback
shows the message. The kernel can only take a cell's points away (an error it
raised itself stays); it cannot give any.

Every graded cell that lost points then gets its causes in its metadata
(:mod:`.causes`), and the hidden tests of ``K_Means`` and ``EM`` the numbers
of their feedback picture (:mod:`.pictures`).
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from kmeans_em_lab import checks
from kmeans_em_lab.pipeline import causes, pictures

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
    """Turns each recorded cell's record into its verdict (an error output when it fails),
    and notes in every graded cell that lost points why (:mod:`.causes`)."""

    def preprocess(self, nb, resources):
        self._records = resources.get(RECORDS, {})
        self._failed_imports = causes.failed_imports(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        cell.get("metadata", {}).pop(causes.KEY, None)  # only the grader writes it
        if cell.cell_type != "code":
            return cell, resources
        graded = causes.graded_code_cell(cell)
        check = checks.cell_check(cell.source)
        judged = None
        if check is not None:
            recorded_check, record = self._records.get(index, (check, None))
            if recorded_check != check:
                record = None
            judged = checks.judgement(check, record, cell.source)
            # failed in the kernel (or not run): 0 already, and the kernel's error stays
            if judged.message and not any(
                o.get("output_type") == "error" for o in cell.get("outputs", [])
            ):
                self.log.info("Cell %s failed its check %s", index, check)
                cell.outputs.append(verdict_output(judged.message))
            picture = pictures.keep(check, record) if graded else None
            if picture is not None:
                cell.metadata.setdefault(causes.KEY, {})["picture"] = picture
        if graded:
            function = checks.check_function(check) if check is not None else ""
            causes.label(cell, judged, self._failed_imports.get(function, ""))
        return cell, resources
