"""The class as the comparison sees it: each graded student's code, added cells and answers.

:func:`load` reads the autograded notebooks (the grader's own copies: the
solution cells by their course metadata, the probes' answers the grader kept,
:mod:`.answers`). :func:`reference` runs the source notebook's solution and the
release's template through the same probes in this process: the answers that
are correct, and those of a function left unwritten, which are no evidence.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import nbformat.reader

from kmeans_em_lab.course import submissions
from kmeans_em_lab.course.paths import Course
from kmeans_em_lab.similarity import answers, cells, probes
from kmeans_em_lab.similarity.answers import Answer
from kmeans_em_lab.time_limit import OutOfTime, time_limit


@dataclass(frozen=True)
class Submission:
    """One student's evidence (all of it the student's own text or answers: untrusted)."""

    student: str
    code: dict[str, str]  # function -> the solution cell's source
    added: tuple[str, ...] = ()  # cells the student added
    answers: dict[str, Answer] = field(default_factory=dict)  # probe -> answer
    probed: bool = False  # whether the grader ran the probes (answers may still be none)


def from_notebook(student: str, nb, tpl: cells.Template) -> Submission:
    return Submission(
        student=student,
        code=cells.solution_code(nb, list(tpl.code)),
        added=tuple(cells.added_cells(nb, tpl)),
        answers=answers.read(nb),
        probed=answers.probed(nb),
    )


def load(course: Course, students: list[str] | None = None) -> list[Submission]:
    """Every student with an autograded notebook (or those of ``students``), sorted."""
    tpl = cells.template(course.release_notebook)
    root = course.root / "autograded"
    found = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    out = []
    for student in students if students is not None else found:
        path = course.autograded(student) / course.notebook
        if not path.is_file() or path.is_symlink():
            continue
        try:
            out.append(from_notebook(student, _read(path), tpl))
        except Exception:  # noqa: BLE001 - an unreadable notebook has no evidence
            continue
    return out


def _read(path: Path):
    """An autograded notebook (the grader's own copy, already validated when it was written),
    read without validating it again: a tenth of the time of ``nbformat.read`` on a class."""
    nb = nbformat.reader.reads(path.read_text(encoding="utf-8", errors="replace"))
    if nbformat.reader.get_version(nb)[0] != 4:
        return nbformat.read(path, as_version=4)
    return nb


IN_PROCESS_SECONDS = 10.0  # a function's probes run in this process at most this long


def answers_in_process(codes: list[str]) -> dict[str, Answer]:
    """The probes' answers of code run in this process (trusted code: the course's own, or
    the calibration class), through the same recorder and JSON as a kernel; a function
    whose probes run past :data:`IN_PROCESS_SECONDS` (main thread only) has no answers,
    as when its probe cell reaches its time limit in a kernel."""
    records = {}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            namespace = submissions.run_cells(codes)
        except Exception:  # noqa: BLE001 - a cell that fails: the functions before it remain
            namespace = None
        if namespace is None:
            return {}
        for function in probes.functions():
            try:
                with time_limit(IN_PROCESS_SECONDS):
                    records[function] = probes.record_in_process(function, namespace)
            except OutOfTime:  # as a probe cell stopped at its time limit: no record
                pass
    return {key: Answer.from_json(value) for key, value in answers.keep(records).items()}


@dataclass(frozen=True)
class Baseline:
    """The answers that are no evidence: the reference's (correct) and the template's."""

    reference: dict[str, Answer]
    template: dict[str, Answer]


def reference(course: Course) -> Baseline:
    tpl = cells.template(course.release_notebook)
    solution = submissions.source_solutions(course.source_notebook)
    order = list(tpl.code)
    return Baseline(
        reference=answers_in_process([solution[f] for f in order if f in solution]),
        template=answers_in_process([tpl.code[f] for f in order]),
    )


def release_template(course_root: Path | None = None) -> cells.Template:
    return cells.template(Course.at(course_root).release_notebook)
