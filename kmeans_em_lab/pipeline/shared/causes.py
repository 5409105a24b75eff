"""Why each graded cell lost its points: written into the autograded notebook, read back.

**Where the causes travel.** :class:`.judge.JudgeRecords`, right after the
notebook ran, writes the causes of every graded cell whose verdict is a
failure into that cell's metadata, under :data:`KEY` (beside the grader's
events and verdict, :mod:`.verdicts`)::

    "metadata": {"lab3": {"causes": [
        {"code": "input_modified", "message": "Update(tracks, C, m) ... modified its input `m`"},
        {"code": "empty_cluster_nan", "message": "... cluster 2 is empty and its new centre ..."}
    ]}}

``code`` is one of :data:`kmeans_em_lab.checks.cause_codes.CAUSES`, ``message`` the
problem it explains (the check's own words, or the grader's). So the
autograded notebook alone says why points were lost: whoever holds it (the
process that writes the CSV and the class report, wherever the notebook was
graded) reads them with :func:`codes` or :func:`read`. Anything a submission
brings along under :data:`KEY` is removed before judging: only the grader
writes it.

**A cell's causes** (:func:`classify`), from what the grader observed and
decided, never from the names or texts of errors in the cell's outputs:

1. an event that stopped the cell: ``time_limit``, ``kernel_died``,
   ``kernel_unresponsive``, ``not_run``, ``cell_too_long``;
2. the grader's judgement of the cell's record names them
   (``not_defined`` becomes ``forbidden_code`` when the cell that defines the
   function imports a forbidden package, which the sandbox does not have, and
   ``cell_too_long`` when the grader did not run that cell);
3. a plain test cell (no record): the error its kernel reported;
4. else the generic ``wrong_result``;

and ``output_cut`` besides, when the grader cut the cell's output to the byte
limit.

**A function's causes** (:func:`by_function`): those of its graded cells, each
code once; ``wrong_result`` and ``not_run`` only when nothing else explains
the loss (:data:`~kmeans_em_lab.checks.cause_codes.FALLBACKS`).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import determine_grade, is_grade

from kmeans_em_lab.checks.cause_codes import FALLBACKS, GENERIC, explain, known
from kmeans_em_lab.course import points
from kmeans_em_lab.pipeline.shared import verdicts
from kmeans_em_lab.pipeline.shared.grouping import group
from kmeans_em_lab.pipeline.shared.untrusted_text import notebook_text
from lab3_kernel.capture import _forbidden_module as forbidden_package

KEY = verdicts.KEY  # the grader's key in a cell's metadata
MESSAGE_LIMIT = 1000  # characters of a message kept with its cause

# error a plain test cell's kernel reported (its ename) -> cause; any other: raised_exception
KERNEL_ERRORS = {
    "NotImplementedError": "not_implemented",
    "NameError": "not_defined",
    "AssertionError": GENERIC,
}
# a whole submission that could not be graded (its status) -> the cause of every function
STATUS = {"zero": "no_notebook", "failed": "not_graded"}


@dataclass(frozen=True)
class Cause:
    """One reason a graded cell (``cell``: its grade id, when known) lost points."""

    code: str
    message: str
    cell: str = ""


# -- one cell --------------------------------------------------------------------------------


def graded_code_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(is_grade(cell))


def lost_points(cell) -> bool:
    """Whether nbgrader scores this graded cell below its points (its own rule)."""
    if not graded_code_cell(cell):
        return False
    score, available = determine_grade(cell)
    return score is not None and score < available


PARSED_CHARS = 100_000
"""Characters of a solution cell whose imports are read from its syntax tree (the lab's
are under 4,000). A syntax tree takes about a kilobyte per statement: 8 MB of ``a``
lines parsed to gigabytes in the grading worker. A longer cell's imports are read line
by line (:func:`_imports_by_line`)."""
_IMPORT_LINE = re.compile(r"^\s*(?:import\s+(.*)|from\s+(\w[\w.]*)\s+import\b)")
_MODULE = re.compile(r"\w[\w.]*")


def _imports(source: str) -> list[str]:
    """The absolute module names ``source`` imports (none if it is not Python)."""
    if len(source) > PARSED_CHARS:
        return _imports_by_line(source)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    except SystemError:  # CPython 3.11's spurious "AST constructor recursion depth mismatch"
        return _imports_by_line(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def _imports_by_line(source: str) -> list[str]:
    """The modules of the lines of ``source`` that start with ``import`` or ``from ...
    import``, each line read to its first 1,000 characters: linear in the source."""
    found = []
    for line in source.splitlines():
        if match := _IMPORT_LINE.match(line[:1000]):
            plain, module = match.groups()
            if module:
                found.append(module)
                continue
            names = [part.split()[0] for part in plain.split(",") if part.split()]
            found += [name for name in names if _MODULE.fullmatch(name)]
    return found


def not_defined_because(nb) -> dict[str, Cause]:
    """function -> why the cell that defines it cannot define it, which its tests' "not
    defined" refusal does not say: the grader did not run the cell (too long), or the cell
    imports a forbidden package (scikit-learn and the like are not even installed where
    students' code runs). Read from the cell's own events and source."""
    out = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not points.is_solution(cell):
            continue
        function = str(points.grade_id(cell))
        too_long = [e for e in verdicts.read_events(cell) if e.code == verdicts.CELL_TOO_LONG]
        if too_long:
            out[function] = Cause(
                verdicts.CELL_TOO_LONG,
                f"{too_long[0].message}, so this function is not defined",
            )
            continue
        found = _imports(notebook_text(cell.get("source")))
        forbidden = sorted({hit for name in found if (hit := forbidden_package(name))})
        if forbidden:
            out[function] = Cause(
                "forbidden_code",
                f"the cell that defines this function imports {', '.join(forbidden[:5])}: the "
                "lab asks you to write the algorithm with numpy yourself, so this function "
                "scores 0",
            )
    return out


def classify(
    verdict: verdicts.Verdict,
    *,
    events: Iterable[verdicts.Event] = (),
    judged=None,
    reply: verdicts.Reply | None = None,
    not_defined: Cause | None = None,
) -> list[Cause]:
    """The causes of a graded cell whose ``verdict`` is a failure (see the module's rules).

    ``events``: what the grader observed in the cell; ``judged``: the grader's
    :class:`kmeans_em_lab.checks.Judgement` of the cell's record, when it has one;
    ``reply``: the kernel's reply, for a plain test cell; ``not_defined``: why the
    function under test is not defined, when its own cell says (:func:`not_defined_because`).
    """
    events = list(events)
    found = [Cause(e.code, e.message) for e in events if e.code in verdicts.STOPS]
    if not found and judged is not None and judged.message:
        found = [Cause(known(code), message) for code, message in judged.causes]
        if not_defined is not None:
            found = [not_defined if c.code == "not_defined" else c for c in found]
    if not found and reply is not None and reply.status == "error":
        code = KERNEL_ERRORS.get(reply.ename, "raised_exception")
        found = [Cause(code, verdict.message or explain(code))]
    if not found:
        found = [Cause(GENERIC, verdict.message or explain(GENERIC))]
    if any(e.code == verdicts.OUTPUT_CUT for e in events):
        found.append(Cause(verdicts.OUTPUT_CUT, explain(verdicts.OUTPUT_CUT)))
    return _unique(Cause(c.code, c.message[:MESSAGE_LIMIT]) for c in found)


def write(cell, found: list[Cause]) -> None:
    """Write the causes of a graded cell that lost points into its metadata."""
    entries = [{"code": c.code, "message": c.message} for c in found]
    verdicts.grader_data(cell)["causes"] = entries


def _stored(cell) -> list[Cause]:
    entries = cell.get("metadata", {}).get(KEY, {}).get("causes")
    if not isinstance(entries, list):
        return []
    return [
        Cause(known(str(e.get("code"))), notebook_text(e.get("message"))[:MESSAGE_LIMIT])
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
        found = (_stored(cell) or [Cause(GENERIC, explain(GENERIC))]) if lost_points(cell) else []
        out[grade_id] = [Cause(c.code, c.message, grade_id) for c in found]
    return out


def codes(notebook) -> dict[str, list[str]]:
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
    """How many students lost points of ``function`` for ``code``, and the message more
    than half of them got (``example``, got by ``example_students``; "" and 0: none)."""

    function: str
    code: str
    students: int
    example: str = ""
    example_students: int = 0

    @property
    def explanation(self) -> str:
        return explain(self.code)


def read_class(
    autograded: Callable[[str], Path], table, layout, outcomes: Mapping[str, dict]
) -> dict[str, dict]:
    """student -> function -> causes, for every student of ``table`` (the gradebook's),
    ``autograded`` giving a student's autograded notebook:
    from their outcome (the causes the worker read from the autograded notebook, kept in
    the stamp), else from their autograded notebook (a stamp from before causes were
    kept), or from the outcome of a submission that could not be graded at all (every
    function then has the same cause)."""
    out = {}
    for student in sorted(table):
        outcome = outcomes.get(student, {})
        status = outcome.get("status")
        notebook = autograded(student)
        if status in STATUS:
            message = notebook_text(outcome.get("message")) or explain(STATUS[status])
            out[student] = {f: [Cause(STATUS[status], message)] for f in _functions(layout)}
        elif status == "graded" and isinstance(outcome.get("causes"), Mapping):
            kept = outcome["causes"]  # a stamp's keys are sorted: the notebook's order here
            per_cell = {
                g: [Cause(known(str(code)), notebook_text(message)[:MESSAGE_LIMIT], g)
                    for code, message in kept[g]]
                for g in layout.grade_ids
                if g in kept
            }  # fmt: skip
            out[student] = by_function(per_cell, layout.functions)
        elif status == "graded" and notebook.is_file():
            per_cell = {g: c for g, c in read(notebook).items() if g in layout.grade_ids}
            out[student] = by_function(per_cell, layout.functions)
        else:
            out[student] = {}
    return out


def _functions(layout) -> list[str]:
    return list(group(layout.grade_ids, layout.functions))


def _example(listed: list[Cause]) -> tuple[str, int]:
    """The message more than half of a cause's students got, and how many got it; none
    (``("", 0)``) when no message is shared so widely. A message often quotes the student's
    own words (an exception's), which a student, or two students together, could otherwise
    make the one example the class report shows under the grader's explanation."""
    message, got = Counter(c.message for c in listed).most_common(1)[0]
    return (message, got) if got >= 2 and 2 * got > len(listed) else ("", 0)


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
        CauseCount(function, code, len(listed), *_example(listed))
        for (function, code), listed in tally.items()
    ]
    return sorted(rows, key=lambda r: (order.get(r.function, len(order)), -r.students, r.code))


def csv_field(per_function: Mapping[str, list[Cause]]) -> str:
    """``Update:input_modified; EM:time_limit``: a student's causes as one CSV field."""
    return "; ".join(f"{f}:{c.code}" for f, listed in per_function.items() for c in listed)
