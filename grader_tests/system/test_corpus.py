"""The grading corpus: known submissions, graded end to end, must score exactly as expected.

Every case in ``corpus/cases/`` is a code file (see :mod:`kmeans_em_lab.course.submissions`)
assembled into a copy of the release notebook. The whole corpus is written as
the ``submitted/`` folder of a scratch copy of the course and graded through
the instructor pipeline (``python -m kmeans_em_lab grade``, :func:`grade_course`)
twice: once fresh, once more with ``--force``. ``corpus/expected.json`` lists, per
case, the graded cells that fail; each graded cell must get exactly its points
from the source notebook's metadata when it passes (:mod:`kmeans_em_lab.course.points`)
and 0 when it fails, and each case's row of
``reports/grades.csv`` the causes in ``corpus/expected_causes.json`` (why the
points were lost, ``function:code`` items, :mod:`kmeans_em_lab.checks.cause_codes`),
both times.

A case author grades only some cases with ``LAB3_CORPUS_CASES=<case>,<case>``
(:data:`ONLY_ENV`); the other cases' graded tests are then skipped.

A second test runs the hidden checks in-process on the reference solution
(and a few correct variants) under 50 different seed offsets: a correct
submission never fails a check whatever the random state.

The table of cases in ``corpus/validity/README.md`` is generated
(:mod:`kmeans_em_lab.course.corpus`); :mod:`grader_tests.course.test_corpus_tables`
keeps it in step.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from kmeans_em_lab.checks import CHECKS, harness, run_hidden_checks, verdicts
from kmeans_em_lab.checks.cause_codes import CAUSES
from kmeans_em_lab.course import corpus, paths, points, submissions
from kmeans_em_lab.pipeline.driver.settings import SIMILARITY_MIN_STUDENTS
from kmeans_em_lab.similarity import probes

HERE = Path(__file__).resolve().parent
CORPUS = corpus.Corpus.at("validity")
CASES_DIR = CORPUS.cases_dir
EXPECTED_CAUSES_FILE = CORPUS.folder / "expected_causes.json"
FUNCTIONS = tuple(points.functions())
WORKERS = 2  # the CI machine's cores
SEED_OFFSETS = range(50)


# -- the corpus ------------------------------------------------------------------------------


def load_cases() -> dict[str, submissions.Case]:
    return CORPUS.cases()


def load_failing() -> dict[str, list[str]]:
    """case -> the graded cells it fails (grade ids, in notebook order)."""
    return CORPUS.failing()


def load_expected() -> dict[str, dict[str, float]]:
    """case -> graded cell -> points: a cell's points from the notebook's metadata, 0 when
    the case fails it (an nbgrader test cell scores all its points or none)."""
    return CORPUS.expected()


def load_expected_causes() -> dict[str, list[str]]:
    """case -> why it loses points, as the CSV's ``function:code`` items, in order."""
    return json.loads(EXPECTED_CAUSES_FILE.read_text())


def function_of(grade_id: str) -> str:
    """``test_K_Means_hidden_1d`` -> ``K_Means``."""
    return points.function_of(grade_id, FUNCTIONS)


def per_function(cells: dict[str, float]) -> dict[str, float]:
    """Points per graded cell -> points per function."""
    return points.per_function(cells, FUNCTIONS)


# Appended to the scratch course's nbgrader_config.py, to keep the corpus fast: the
# ungraded cells that run the student's whole algorithm on the lab's data get 10 s instead
# of minutes: no point depends on them, and the slow cases (fault_slow_correct,
# original_lab) would spend minutes there on every grading. Every graded cell keeps the
# course's limit: test_EM_public's 30 s included, since a wrong EM may legitimately run all
# its 10,000 steps there (bug_em_loglik_loc_scale, whose log-likelihood is nan when K-Means
# hands it a negative mean first: about 10 s on a busy machine).
CORPUS_LIMITS = {"kmeans_run": 10, "kmeans_gmm_run": 10, "em_run": 10}
CORPUS_CONFIG = f"""
# --- grading corpus (grader_tests/system/test_corpus.py): shorter limits, see CORPUS_LIMITS ---
CELL_TIMEOUTS.update({CORPUS_LIMITS!r})
c.Execute.timeout_func = timeout_for_cell(CELL_TIMEOUTS, DEFAULT_CELL_TIMEOUT)
"""


def build_course(root: Path, cases: dict[str, submissions.Case]) -> Path:
    """A scratch copy of the course at ``root`` whose ``submitted/`` holds ``cases``."""
    course = paths.course_root()
    for folder in ("source", "release", "data"):
        shutil.copytree(course / folder, root / folder)
    config = (course / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config + CORPUS_CONFIG)
    release = root / "release" / paths.ASSIGNMENT / paths.NOTEBOOK
    for name, case in cases.items():
        folder = root / "submitted" / name / paths.ASSIGNMENT
        submissions.write_submission(case.edits, folder, release=release)
    return root


def grade_course(
    root: Path, *, force: bool = False, students: tuple[str, ...] = (), fixed_inputs: bool = True
) -> dict[str, dict[str, float]]:
    """Grade every submission of the course at ``root`` with the instructor pipeline.

    Returns student -> graded cell -> points, read back from the gradebook.
    The one place the corpus calls the grader. ``fixed_inputs``: the hidden tests'
    inputs are the policy's fixed ones, which ``expected.json`` states the verdicts
    under (``test_corpus_draws`` shows they hold under drawn inputs too, but for
    the cases it names); else drawn from the scratch course's own secret, as
    ``make grade`` draws them.
    """
    from kmeans_em_lab.commands import grade as cli
    from kmeans_em_lab.pipeline.driver import run
    from kmeans_em_lab.pipeline.shared import scores
    from kmeans_em_lab.pipeline.shared.course_config import gradebook_of, load_course_config

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    argv = ["--course-root", str(root), "--workers", str(WORKERS)] + (["--force"] if force else [])
    argv += ["--fixed-inputs"] if fixed_inputs else []
    argv += [arg for student in students for arg in ("--student", student)]
    environ = dict(os.environ)
    try:
        status = cli.main(parser.parse_args(argv))
    finally:  # the CLI points LAB3_COURSE_ROOT at the scratch course: not for later tests
        os.environ.clear()
        os.environ.update(environ)
    assert status == run.EXIT_OK, f"the pipeline exited with {status}"
    config = load_course_config(root)
    table = scores.class_scores(gradebook_of(config, paths.ASSIGNMENT))
    return {
        student: {grade_id: got for grade_id, (got, _) in row.grades.items()}
        for student, row in table.items()
    }


def csv_causes(root: Path) -> dict[str, list[str]]:
    """student -> the ``causes`` items of their row of ``reports/grades.csv``."""
    with open(root / "reports" / "grades.csv", newline="") as fh:
        return {row["student_id"]: [i for i in row["causes"].split("; ") if i]
                for row in csv.DictReader(fh)}  # fmt: skip


# Graded a second time (--force, in the same course): the cases whose grade could
# differ from one run to the next if anything were left to chance: random starts
# (every correct variant drawing from the notebook's rng), a dying kernel, output cut
# to the limit, patched checks, nan from an empty cluster, a convergence tolerance.
# The other cases take the same code paths; grading all 42 again would add minutes.
REGRADED = (
    "solution", "em_random_init", "kmeans_plusplus", "random_samples_init", "uniform_init",
    "fault_os_exit", "fault_huge_output", "cheat_patch_checks", "bug_update_nan_empty",
    "tolerance_convergence",
)  # fmt: skip


# Set to a comma-separated list of cases to grade only those (a case author's run:
# ``LAB3_CORPUS_CASES=bug_set_manhattan pytest grader_tests/system/test_corpus.py -k
# bug_set_manhattan``); the other cases' graded tests are then skipped.
ONLY_ENV = "LAB3_CORPUS_CASES"


def chosen_cases() -> list[str]:
    """The cases the corpus grading covers: every case, or those :data:`ONLY_ENV` names."""
    named = [n.strip() for n in os.environ.get(ONLY_ENV, "").split(",") if n.strip()]
    unknown = sorted(set(named) - set(CORPUS.names()))
    if unknown:
        raise ValueError(f"{ONLY_ENV} names cases the corpus does not have: {unknown}")
    return named or CORPUS.names()


def _graded(case: str) -> None:
    if case not in chosen_cases():
        pytest.skip(f"{case} is not among {ONLY_ENV}")


@dataclass
class Graded:
    """Points (student -> graded cell -> points) and CSV causes of both gradings (the
    second: the :data:`REGRADED` cases only)."""

    points: tuple[dict, dict]
    causes: tuple[dict, dict]
    root: Path  # the graded course


@pytest.fixture(scope="module")
def graded_twice(tmp_path_factory) -> Graded:
    """The whole corpus graded fresh, then :data:`REGRADED` again with --force (only the
    cases named in :data:`ONLY_ENV`, when it is set)."""
    cases = {name: case for name, case in load_cases().items() if name in chosen_cases()}
    root = build_course(tmp_path_factory.mktemp("corpus"), cases)
    first = grade_course(root)
    first_causes = csv_causes(root)
    again = tuple(name for name in REGRADED if name in cases)
    second = grade_course(root, force=True, students=again) if again else first
    return Graded((first, second), (first_causes, csv_causes(root)), root)


CASE_NAMES = CORPUS.names()


@pytest.mark.slow
@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_scores_exactly_the_expected_points(graded_twice, case):
    _graded(case)
    first, _ = graded_twice.points
    expected = load_expected()[case]
    got = first[case]
    assert got == expected, (
        f"{case}: per function {per_function(got)}, not {per_function(expected)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", REGRADED)
def test_case_scores_the_same_when_graded_again(graded_twice, case):
    _graded(case)
    first, second = graded_twice.points
    assert second[case] == first[case]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_loses_points_for_the_expected_causes(graded_twice, case):
    _graded(case)
    first, second = graded_twice.causes
    assert first[case] == load_expected_causes()[case]
    assert second[case] == first[case]


@pytest.mark.slow
def test_grading_keeps_the_probes_answers_for_the_similarity_report(graded_twice):
    """``make grade`` (the report on, its default) runs the ungraded probe calls after each
    submission's cells: the solution answers every probe as the reference does in-process,
    a distortion not squared answers ``Set``'s probes otherwise, and the report compares
    behaviour."""
    from kmeans_em_lab.similarity import FILE, answers, classroom

    for case in ("solution", "bug_distortion_not_squared"):
        _graded(case)
    course = paths.Course.at(graded_twice.root)
    kept = {
        case: answers.read(nbformat.read(course.autograded(case) / course.notebook, 4))
        for case in ("solution", "bug_distortion_not_squared")
    }
    reference = classroom.reference(course).reference
    assert kept["solution"] == reference and len(reference) == len(probes.probes())
    bug = kept["bug_distortion_not_squared"]
    wrong = {key for key, answer in bug.items() if answer != reference[key]}
    assert wrong and {key.split(":")[0] for key in wrong} <= {"Set", "K_Means", "EM"}
    if len(chosen_cases()) >= SIMILARITY_MIN_STUDENTS:  # the whole corpus: the report ran
        page = (graded_twice.root / "reports" / FILE).read_text()
        assert "Behaviour was not compared" not in page


def test_the_regraded_cases_are_corpus_cases():
    assert set(REGRADED) <= set(CASE_NAMES)


# -- the corpus' own consistency (fast) ---------------------------------------------------------


def test_every_case_lists_the_graded_cells_it_fails():
    failing = load_failing()
    assert sorted(failing) == CASE_NAMES
    graded = list(points.cell_points())
    assert points.cell_points(submissions.release_notebook()) == points.cell_points()
    for case, cells in failing.items():
        assert [c for c in graded if c in cells] == cells, f"{case}: graded cells, in order, once"
    assert failing["solution"] == []


def test_case_headers_agree_with_expected_json():
    failing = load_failing()
    problems = {name: check_why(case.why, failing[name]) for name, case in load_cases().items()}
    assert not {name: found for name, found in problems.items() if found}


_WHY = re.compile(r"^(?P<functions>\w+(?:, \w+)*)(?: \((?P<cells>\w+(?:, \w+)*)\))?:")


def check_why(why: list[str], failing: list[str]) -> list[str]:
    """What a case's ``# Why:`` lines get wrong about the cells it fails (empty: nothing).

    Each line starts with the functions that lose points, optionally the cells that
    fail in parentheses (then exactly those of the named functions), then a colon;
    every function with a failing cell has a line; a case failing nothing says
    ``full marks:``."""
    lost = {function_of(c) for c in failing}
    problems, named = [], set()
    if not lost:
        return [] if why and why[0].startswith("full marks:") else ["no 'full marks:' line"]
    for line in why:
        match = _WHY.match(line)
        names = match.group("functions").split(", ") if match else []
        if not match or not set(names) <= set(FUNCTIONS):
            problems.append(f"not '<Function>[, ...] [(<cells>)]: <reason>': {line[:40]}")
            continue
        named |= set(names)
        if set(names) - lost:
            problems.append(f"{sorted(set(names) - lost)} lose nothing")
        if match.group("cells"):
            theirs = {c for c in failing if function_of(c) in names}
            if set(match.group("cells").split(", ")) != theirs:
                problems.append(f"{names} fail {sorted(theirs)}, not ({match.group('cells')})")
    if lost - named:
        problems.append(f"say why {sorted(lost - named)} lose points")
    return problems


def test_expected_causes_name_every_function_that_loses_points():
    causes = load_expected_causes()
    assert sorted(causes) == CASE_NAMES
    full = per_function(_full())
    for case, items in causes.items():
        pairs = [item.split(":") for item in items]
        assert all(code in CAUSES for _, code in pairs), case
        assert len(set(items)) == len(items), case
        lost = {f for f, points in per_function(load_expected()[case]).items() if points < full[f]}
        assert {function for function, _ in pairs} == lost, case


def _full() -> dict[str, float]:
    return points.cell_points()


# -- the hidden checks under 50 random states ---------------------------------------------------


def _namespace(case: submissions.Case) -> dict:
    """The case's solution cells executed the way a notebook does (``__name__`` is __main__)."""
    return submissions.run_cells(case.edits.replace[cell_id] for cell_id in FUNCTIONS)


# the reference solution, and correct variants whose results depend on the random state
SEED_CASES = ("solution", "kmeans_plusplus", "uniform_init", "em_random_init", "em_swapped")


@pytest.mark.parametrize("case", SEED_CASES)
def test_correct_code_passes_every_check_under_50_seed_offsets(case, monkeypatch):
    """No flaky false negative: 50 random states, not one failed check.

    A variant is run through the checks of the functions it changes (the rest
    of it is the reference solution, which the "solution" case covers).
    """
    loaded = load_cases()[case]
    ns = _namespace(loaded)
    source = submissions.source_solutions()
    changed = {f for f in FUNCTIONS if loaded.edits.replace[f] != source[f]} or set(FUNCTIONS)
    names = [name for name, (function, _, _) in CHECKS.items() if function in changed]
    failures = []
    for offset in SEED_OFFSETS:
        monkeypatch.setattr(harness, "SEED_OFFSET", offset)
        for name in names:
            try:
                run_hidden_checks(name, ns)
            except AssertionError as failure:
                failures.append(f"offset {offset}, {name}: {failure}")
    assert not failures, "\n".join(failures[:5])


# -- the grading fixes the corpus led to, in-process (fast) -------------------------------------


def test_the_corpus_course_config_shortens_only_the_documented_limits(tmp_path):

    build_course(tmp_path, {})
    course = paths.Course.at(paths.course_root()).load_config().Execute.timeout_func
    corpus = paths.Course.at(tmp_path).load_config().Execute.timeout_func
    import nbformat

    nb = nbformat.read(paths.course_root() / "source" / "lab3" / "lab3.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            want = CORPUS_LIMITS.get(cell.id, course(cell))
            assert corpus(cell) == want, cell.id


def test_switching_off_the_tamper_detection_does_not_hide_a_patched_recorder(monkeypatch):
    from lab3_kernel import capture, integrity

    ns = _namespace(load_cases()["solution"])
    exec("def Set(X, m):\n    return {k: X for k in range(len(m))}, 0.0\n", ns)
    with monkeypatch.context() as patch:
        patch.setattr(integrity, "tampered_functions", lambda *a, **k: [])
        patch.setattr(capture, "call", lambda func, *a, **k: (a[0], capture.CallReport()))
        with pytest.raises(AssertionError, match="lab3_kernel.capture.call"):
            run_hidden_checks("Set", ns)


def test_public_prelude_binds_the_reference_helpers_of_k_means_and_em():
    import numpy as np

    from kmeans_em_lab.checks import run_public_prelude
    from kmeans_em_lab.reference import contract

    ns = _namespace(load_cases()["solution"])
    student = {name: ns[name] for name in FUNCTIONS}
    recording = run_public_prelude("K_Means", ns)  # outside IPython: the caller ends it
    for name in ("Centroid_init", "Set", "Update"):
        assert ns[name] is not student[name]
    X, m = np.arange(12.0).reshape(6, 2), np.array([[0.0, 0.0], [9.0, 9.0]])
    assert ns["Set"](X, m)[1] == contract.Set(X, m)[1]
    assert ns["K_Means"].__wrapped__ is student["K_Means"]  # recorded, still the student's
    recording.finish()
    assert {name: ns[name] for name in FUNCTIONS} == student
    recording = run_public_prelude("EM", ns)
    assert ns["EM_step"] is not student["EM_step"] and ns["Set"] is student["Set"]
    recording.finish()
    recording = run_public_prelude("Set", ns)
    assert [n for n in FUNCTIONS if ns[n] is not student[n]] == ["Set"]
    recording.finish()


def test_public_prelude_restores_the_students_helpers_when_the_cell_ends():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.user_ns.update(_namespace(load_cases()["solution"]))
        student_set = shell.user_ns["Set"]
        shell.run_cell(
            "import lab3_kernel\n"
            'lab3_kernel.record_public("K_Means", globals())\n'
            "inside = Set\n"
            "raise AssertionError('a failing public test')\n"
        )
        assert shell.user_ns["inside"] is not student_set  # the reference, during the cell
        assert shell.user_ns["Set"] is student_set  # the student's again afterwards
    finally:
        InteractiveShell.clear_instance()


def test_public_prelude_fails_forbidden_code():
    from kmeans_em_lab.checks import run_public_prelude

    ns = _namespace(load_cases()["cheat_sklearn_kmeans"])
    with pytest.raises(AssertionError, match="sklearn"):
        run_public_prelude("K_Means", ns)


def hidden_verdicts(case: str) -> dict[str, str]:
    """Each hidden check's verdict on a case, in-process ('' when it passes): for case authors.

    Not for the cases that end the process or loop forever (fault_os_exit, fault_infinite_loop).
    """
    return verdicts(_namespace(load_cases()[case]))
