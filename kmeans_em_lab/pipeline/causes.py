"""Why each graded cell lost its points: written into the autograded notebook, read back.

**Where the causes travel.** :class:`.judge.JudgeRecords`, right after the
notebook ran, writes the causes of every graded cell that lost points into
that cell's metadata, under :data:`KEY`::

    "metadata": {"lab3": {"causes": [
        {"code": "input_modified", "message": "Update(tracks, C, m) ... modified its input `m`"},
        {"code": "empty_cluster_nan", "message": "... cluster 2 is empty and its new centre ..."}
    ]}}

``code`` is one of :data:`kmeans_em_lab.checks.causes.CAUSES`, ``message`` the
problem it explains (the check's own words, or the pipeline's). So the
autograded notebook alone says why points were lost: whoever holds it (the
process that writes the CSV and the class report, wherever the notebook was
graded) reads them with :func:`causes` or :func:`read`. Anything a submission
brings along under :data:`KEY` is removed before judging: only the grader
writes it. A graded cell that lost points but carries no causes (a notebook
autograded before causes existed) gets them from :func:`classify` when read.

**A cell's causes** (:func:`classify`), the first rule that applies:

1. the pipeline stopped the cell: ``time_limit``, ``kernel_died``,
   ``kernel_unresponsive``, ``not_run``;
2. the grader's judgement of the cell's record names them;
   (``not_defined`` becomes ``forbidden_code`` when the function's own cell
   failed to import a forbidden package, which the sandbox does not have);
3. the error the kernel raised: ``not_implemented``, ``not_defined``
   (NameError), ``raised_exception``, or the generic ``wrong_result`` for a
   failed assertion;
4. ``stderr_output``, else the generic ``wrong_result``;

and ``output_cut`` besides, when the cell's output was cut to the byte limit.
The kernel's own error names and texts are the student's data: they can only
mislabel the student's own lost points, and are escaped wherever shown.

**A function's causes** (:func:`by_function`): those of its graded cells, each
code once; ``wrong_result`` and ``not_run`` only when nothing else explains
the loss (:data:`~kmeans_em_lab.checks.causes.FALLBACKS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import determine_grade, is_grade

from kmeans_em_lab.checks.causes import FALLBACKS, GENERIC, explain, known
from kmeans_em_lab.course import points
from kmeans_em_lab.pipeline.grouping import group
from kmeans_em_lab.pipeline.limit_bytes import TRUNCATED
from lab3_kernel.capture import _forbidden_module as forbidden_package

KEY = "lab3"  # the grader's key in a cell's metadata (causes; picture data, see .pictures)
MESSAGE_LIMIT = 1000  # characters of a message kept with its cause

# error raised in the kernel (its ename) -> cause; any other exception: raised_exception
KERNEL_ERRORS = {
    "NotImplementedError": "not_implemented",
    "NameError": "not_defined",
    "AssertionError": GENERIC,
}
_MISSING_MODULE = re.compile(r"(?:ModuleNotFoundError|ImportError): No module named '([\w.]+)'")
# a whole submission that could not be graded (its status) -> the cause of every function
STATUS = {"zero": "no_notebook", "failed": "not_graded"}


@dataclass(frozen=True)
class Cause:
    """One reason a graded cell (``cell``: its grade id, when known) lost points."""

    code: str
    message: str
    cell: str = ""


# -- one cell --------------------------------------------------------------------------------


def pipeline_causes() -> dict[str, str]:
    """The error outputs the pipeline writes (their ename) -> cause."""
    # imported here: .execute imports .judge, which imports this module
    from kmeans_em_lab.pipeline.execute import KERNEL_DIED, KERNEL_UNRESPONSIVE, NOT_RUN
    from kmeans_em_lab.pipeline.incidents import TIMEOUT

    return {
        TIMEOUT: "time_limit",
        KERNEL_DIED: "kernel_died",
        KERNEL_UNRESPONSIVE: "kernel_unresponsive",
        NOT_RUN: "not_run",
    }


def graded_code_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(is_grade(cell))


def lost_points(cell) -> bool:
    """Whether nbgrader scores this graded cell below its points (its own rule)."""
    if not graded_code_cell(cell):
        return False
    score, available = determine_grade(cell)
    return score is not None and score < available


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _texts(output) -> list[str]:
    if output.get("output_type") == "stream":
        return [_text(output.get("text"))]
    if output.get("output_type") in ("execute_result", "display_data"):
        return [_text(v) for v in output.get("data", {}).values()]
    return [_text(output.get("evalue"))]


def _kernel_error(output) -> Cause:
    ename = _text(output.get("ename"))
    code = KERNEL_ERRORS.get(ename, "raised_exception")
    evalue = _text(output.get("evalue"))
    return Cause(code, f"{ename}: {evalue}" if evalue else ename or explain(code))


def failed_imports(nb) -> dict[str, str]:
    """function -> what its solution cell printed when it failed to import a forbidden
    package (scikit-learn and the like are not even installed where students' code runs,
    so such a function is never defined: its tests' refusal says "not defined")."""
    out = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not points.is_solution(cell):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            text = f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
            module = _MISSING_MODULE.search(text)
            if module and forbidden_package(module.group(1)):
                function = str(points.grade_id(cell))
                out[function] = f"the cell that defines {function} stopped at {text[:500]}"
    return out


def classify(cell, judged=None, failed_import: str = "") -> list[Cause]:
    """The causes of a graded cell that lost points (see the module's rules).

    ``judged``: the grader's :class:`kmeans_em_lab.checks.Judgement` of the
    cell's record, when it has one; ``failed_import``: what the solution cell
    of the function under test said when it failed to import a forbidden
    package (:func:`failed_imports`), which makes "not defined" forbidden code.
    """
    outputs = cell.get("outputs", [])
    errors = [o for o in outputs if o.get("output_type") == "error"]
    stopped = pipeline_causes()
    found = [
        Cause(stopped[name], _text(o.get("evalue")) or explain(stopped[name]))
        for o in errors
        if (name := _text(o.get("ename"))) in stopped
    ]
    if not found and judged is not None and judged.message:
        found = [Cause(known(code), message) for code, message in judged.causes]
        if failed_import:
            instead = Cause(
                "forbidden_code",
                f"{failed_import}: the lab asks you to write the algorithm with numpy "
                "yourself, so this function scores 0",
            )
            found = [instead if c.code == "not_defined" else c for c in found]
    if not found and errors:
        found = [_kernel_error(errors[0])]
    if not found:
        stderr = [
            o for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"
        ]
        text = _text(stderr[0].get("text")).strip() if stderr else ""
        found = [Cause("stderr_output", text)] if stderr else [Cause(GENERIC, explain(GENERIC))]
    if any(TRUNCATED in text for output in outputs for text in _texts(output)):
        found.append(Cause("output_cut", explain("output_cut")))
    return _unique(Cause(c.code, c.message[:MESSAGE_LIMIT]) for c in found)


def label(cell, judged=None, failed_import: str = "") -> None:
    """Write the causes of a graded cell that lost points into its metadata."""
    if lost_points(cell):
        found = classify(cell, judged, failed_import)
        entries = [{"code": c.code, "message": c.message} for c in found]
        cell.metadata.setdefault(KEY, {})["causes"] = entries


def _stored(cell) -> list[Cause]:
    entries = cell.get("metadata", {}).get(KEY, {}).get("causes")
    if not isinstance(entries, list):
        return []
    return [
        Cause(known(str(e.get("code"))), _text(e.get("message"))[:MESSAGE_LIMIT])
        for e in entries
        if isinstance(e, Mapping)
    ]


def _unique(found: Iterable[Cause]) -> list[Cause]:
    seen: dict[str, Cause] = {}
    for cause in found:
        seen.setdefault(cause.code, cause)
    return list(seen.values())


# -- one notebook ----------------------------------------------------------------------------


def notebook_of(notebook) -> nbformat.NotebookNode:
    if isinstance(notebook, str | Path):
        return nbformat.read(notebook, as_version=4)
    if isinstance(notebook, nbformat.NotebookNode):
        return notebook
    return nbformat.from_dict(notebook)


def read(notebook) -> dict[str, list[Cause]]:
    """grade id -> the causes of that cell's lost points ([] when it kept them), for every
    graded code cell of an autograded notebook (a path, a notebook or its JSON dict)."""
    nb = notebook_of(notebook)
    out: dict[str, list[Cause]] = {}
    for cell in nb.cells:
        if not graded_code_cell(cell):
            continue
        grade_id = points.grade_id(cell) or ""
        found = (_stored(cell) or classify(cell)) if lost_points(cell) else []
        out[grade_id] = [Cause(c.code, c.message, grade_id) for c in found]
    return out


def causes(notebook) -> dict[str, list[str]]:
    """grade id -> the cause codes of that cell's lost points, for an autograded notebook."""
    return {grade_id: [c.code for c in found] for grade_id, found in read(notebook).items()}


def by_function(per_cell: Mapping[str, list[Cause]], functions) -> dict[str, list[Cause]]:
    """function -> the causes of its lost points (each code once, first cell first)."""
    out = {}
    for function, ids in group(list(per_cell), functions).items():
        found = _unique(c for grade_id in ids for c in per_cell[grade_id])
        out[function] = [c for c in found if c.code not in FALLBACKS] or found
    return out


# -- the class -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CauseCount:
    """How many students lost points of ``function`` for ``code``, and one message of it."""

    function: str
    code: str
    students: int
    example: str

    @property
    def explanation(self) -> str:
        return explain(self.code)


def read_class(settings, table, layout, outcomes: Mapping[str, dict]) -> dict[str, dict]:
    """student -> function -> causes, for every student of ``table`` (the gradebook's):
    from their autograded notebook, or from the outcome of a submission that could not
    be graded at all (every function then has the same cause)."""
    out = {}
    for student in sorted(table):
        outcome = outcomes.get(student, {})
        status = outcome.get("status")
        notebook = settings.autograded_dir(student) / settings.notebook
        if status in STATUS:
            message = _text(outcome.get("message")) or explain(STATUS[status])
            out[student] = {f: [Cause(STATUS[status], message)] for f in _functions(layout)}
        elif status == "graded" and notebook.is_file():
            per_cell = {g: c for g, c in read(notebook).items() if g in layout.grade_ids}
            out[student] = by_function(per_cell, layout.functions)
        else:
            out[student] = {}
    return out


def _functions(layout) -> list[str]:
    return list(group(layout.grade_ids, layout.functions))


def count(found: Mapping[str, Mapping[str, list[Cause]]], layout) -> list[CauseCount]:
    """Per function (in the notebook's order), each cause with the number of students who
    lost points for it, most frequent first."""
    tally: dict[tuple[str, str], list[Cause]] = {}
    for per_function in found.values():
        for function, listed in per_function.items():
            for cause in listed:
                tally.setdefault((function, cause.code), []).append(cause)
    order = {f: i for i, f in enumerate(_functions(layout))}
    rows = [
        CauseCount(function, code, len(listed), listed[0].message)
        for (function, code), listed in tally.items()
    ]
    return sorted(rows, key=lambda r: (order.get(r.function, len(order)), -r.students, r.code))


def csv_field(per_function: Mapping[str, list[Cause]]) -> str:
    """``Update:input_modified; EM:time_limit``: a student's causes as one CSV field."""
    return "; ".join(f"{f}:{c.code}" for f, listed in per_function.items() for c in listed)
