"""Grading one mutant in this process: its function's hidden checks and its public test.

A mutant of one function replaces only that function in a namespace holding
the source notebook's solutions (executed the way a notebook does,
:func:`kmeans_em_lab.course.submissions.run_cells`). Its hidden checks are every
entry of :data:`kmeans_em_lab.checks.CHECKS` for that function, planned,
recorded and judged as when grading (:func:`kmeans_em_lab.checks.judge`).
Its public test is the visible code of the source notebook's public cell,
run under :class:`lab3_kernel.recorder.PublicRecording` (the reference
helpers bound, as when grading) and then judged by replaying that code on
the recorded answers, as the grader does.
"""

from __future__ import annotations

import contextlib
import io
import json
from functools import lru_cache

import nbformat

from kmeans_em_lab import checks
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.course import paths, submissions
from lab3_dev.mutation.operators import FUNCTIONS, Mutant
from lab3_kernel import recorder


@lru_cache(maxsize=1)
def _solutions() -> dict[str, str]:
    return submissions.source_solutions()


@lru_cache(maxsize=1)
def public_cells() -> dict[str, str]:
    """function -> source of its public test cell in the source notebook."""
    source = paths.Course.at().source_notebook
    nb = nbformat.read(source, as_version=4)
    found = {}
    for cell in nb.cells:
        check = checks.cell_check(cell.source) if cell.cell_type == "code" else None
        if check and check.startswith(checks.PUBLIC):
            found[check.removeprefix(checks.PUBLIC)] = cell.source
    return found


def hidden_checks(function: str) -> list[str]:
    """The names of the hidden checks of ``function`` (keys of CHECKS)."""
    return [name for name, (f, _, _) in checks.CHECKS.items() if f == function]


def namespace(mutant: Mutant | None = None) -> dict:
    """The solutions, executed as a notebook does, with the mutant's function replaced."""
    solutions = _solutions()
    ns = submissions.run_cells(solutions[f] for f in FUNCTIONS)
    if mutant is not None:
        exec(compile(mutant.source, f"<mutant {mutant.id}>", "exec"), ns)
    ns["tracks"] = ref.spotify_X()  # what the setup cell loads; the public tests use it
    return ns


def hidden_verdicts(mutant: Mutant | None, function: str | None = None) -> dict[str, str]:
    """check -> '' or its failure message, for the hidden checks of the mutant's function."""
    function = function or mutant.function
    ns = namespace(mutant)
    return {name: checks.judged_in_process(name, ns).message for name in hidden_checks(function)}


def public_verdict(mutant: Mutant | None, function: str | None = None) -> str:
    """'' when the public test of the mutant's function passes, else why it fails."""
    function = function or mutant.function
    ns = namespace(mutant)
    cell = public_cells()[function]
    check = checks.PUBLIC + function
    planned = checks.plan(check)
    recording = recorder.PublicRecording(planned, ns, checks.in_process_helpers(planned))
    if recording.out["refused"]:
        return recorder.refusal_words(function, recording.out["refused"])
    in_kernel = ""
    try:
        code = compile(checks.public_test_code(cell), f"<public test of {function}>", "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, ns)
    except Exception as err:  # noqa: BLE001 - the cell failed in the kernel: 0 points
        in_kernel = f"{type(err).__name__}: {str(err)[:300]}"
    finally:
        record = recording.finish()
    judged = checks.judge(check, json.loads(json.dumps(record)), cell)
    return in_kernel or judged
