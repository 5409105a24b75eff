"""``ScoreFromVerdicts``: every graded cell's outputs made to say the grader's verdict, and only it.

nbgrader scores a test cell from its outputs (``nbgrader.utils.determine_grade``):
0 at the first error or stderr output, and full or *partial* points at the
first ``execute_result``, whatever errors follow. Student code can put any
output into any cell (an IPython hook, ``sys.displayhook``, ``display``,
``clear_output``), so those outputs cannot be allowed to decide.

This preprocessor runs last before ``SaveAutoGrades``. In every graded code
cell it turns each output the cell produced into quoted text (a
``display_data`` with ``text/plain`` only, marked as quoted in its metadata),
which ``determine_grade`` ignores and the feedback page shows as plain text;
then, when the grader's verdict (:mod:`.verdicts`, written by
:class:`.judge.JudgeRecords`) is a failure, it appends one error output with
the verdict's message. So nbgrader's own rule, wherever it is applied again
(``SaveAutoGrades`` here and on the driver, ``generate_feedback``, the
formgrader), gives exactly the verdict's points. A graded cell without a
verdict scores 0.
"""

from __future__ import annotations

import re

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from kmeans_em_lab.pipeline.shared import verdicts
from kmeans_em_lab.pipeline.shared.causes import graded_code_cell
from kmeans_em_lab.pipeline.shared.untrusted_text import (
    for_log,
    notebook_text,
    without_lone_surrogates,
)

VERDICT = "AssertionError"  # ename of the error output a failed verdict becomes
VERDICT_PREFIX = f"\x1b[0;31m{VERDICT}\x1b[0m: "  # the grader's own colour, before the message
QUOTED = "quoted"  # output metadata key (under verdicts.KEY): what the quoted output was
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def verdict_output(message: str) -> NotebookNode:
    """The error output a failed verdict becomes. Its message quotes the student's words
    (an exception's message, a warning, the repr of a returned value), written here with
    every control and format character but newlines and tabs as its escape: the page
    colours an error's terminal escapes, so a student's would restyle or hide the
    grader's words after them, and a right-to-left override would reverse them."""
    message = for_log(message)
    return NotebookNode(
        output_type="error",
        ename=VERDICT,
        evalue=message,
        traceback=[f"{VERDICT_PREFIX}{message}"],
    )


def _uncoloured(text: str) -> str:
    """``text`` without its terminal colours, any other escape shown as text: the page
    colours an output's escapes, and a quote coloured like the grader's red verdict could
    pass for it."""
    return _ANSI.sub("", text).replace("\x1b", "\\x1b")


def quoted_text(output) -> tuple[str, str]:
    """(what the output was, its text without colours): the one reading of an output a
    quote keeps. Every text it can hold is uncoloured, the fallbacks too (an error's name
    and value when its traceback is empty, the names of an output's other types)."""
    kind = str(output.get("output_type", ""))
    if kind == "stream":
        kind = f"stream:{notebook_text(output.get('name'))}"
        text = notebook_text(output.get("text"))
    elif kind == "error":
        text = "\n".join(notebook_text(line) for line in output.get("traceback") or []) or (
            f"{notebook_text(output.get('ename'))}: {notebook_text(output.get('evalue'))}"
        )
    else:
        data = output.get("data") or {}
        text = notebook_text(data.get("text/plain")) if isinstance(data, dict) else ""
        if not text and isinstance(data, dict) and data:
            text = "[" + ", ".join(sorted(str(m) for m in data)) + " output not shown]"
    return kind, _uncoloured(text)


def quote(output) -> NotebookNode:
    """``output`` as inert quoted text that no scoring rule reads."""
    kind, text = quoted_text(output)
    return NotebookNode(
        output_type="display_data",
        data={"text/plain": text},
        metadata={verdicts.KEY: {QUOTED: kind}},
    )


class ScoreFromVerdicts(NbGraderPreprocessor):
    """Graded cells' outputs quoted, and the grader's failed verdict appended as an error."""

    def preprocess(self, nb, resources):
        # the kernel's messages are JSON too: their lone surrogates go before any write
        without_lone_surrogates(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if not graded_code_cell(cell):
            return cell, resources
        verdict = verdicts.read_verdict(cell) or verdicts.NO_VERDICT
        outputs = [quote(output) for output in cell.get("outputs", [])]
        if not verdict.passed:
            outputs.append(verdict_output(verdict.message))
        cell.outputs = outputs
        return cell, resources
