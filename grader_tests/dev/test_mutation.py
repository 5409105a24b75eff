"""``grader_tests/mutation.md`` (``make mutants``): well formed, current, and re-checked.

The file is only as good as its listing: the summary must follow from it, the
listing must hold the mutants the generator makes now (a changed solution or
operator makes it stale), and a fixed sample of 20 mutants, graded again here,
must land in the class it records. The sample leaves out the slow mutants (those
that time out, EM's that pass by running all their 10 000 steps) but for one
mutant that loops for ever, re-checked with limits cut tenfold (a loop for ever
outlasts any limit). About 30 s.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kmeans_em_lab.course import paths
from lab3_dev.mutation import operators, report, runner

HERE = Path(__file__).resolve().parent
MUTATION_MD = HERE.parent / "mutation.md"
SAMPLE_SIZE = 20
SAMPLE_SEED = 3
FLAGS = {runner.KILLED, runner.PASSED, runner.TIMED_OUT}


@pytest.fixture(scope="module")
def text() -> str:
    return MUTATION_MD.read_text()


@pytest.fixture(scope="module")
def rows(text) -> list[report.Row]:
    return report.parse_listing(text)


def test_the_listing_holds_the_mutants_generated_now(rows):
    mutants = operators.all_mutants()
    stale = "grader_tests/mutation.md is stale: run `make mutants`"
    assert [r.id for r in rows] == [m.id for m in mutants], stale
    for row, mutant in zip(rows, mutants, strict=True):
        assert (row.line, row.operator, row.change) == (
            mutant.line,
            mutant.operator,
            mutant.change,
        ), f"{row.id}: {stale}"


def test_every_class_agrees_with_what_the_checks_did(rows):
    for r in rows:
        assert r.klass in runner.CLASSES and {r.hidden, r.public} <= FLAGS, r
        if r.klass in ("equivalent", "survived"):
            assert r.hidden == runner.PASSED, r
        elif r.klass == "timed out":
            assert runner.TIMED_OUT in (r.hidden, r.public), r
        else:
            assert r.hidden == runner.KILLED, r
            assert r.public == (runner.KILLED if r.klass == "public" else runner.PASSED), r
        if r.klass == "equivalent":
            assert r.note.startswith("equal on the"), r
        if r.klass == "survived":
            assert r.note and not r.note.startswith("UNEXPLAINED"), f"{r.id}: {r.note}"


def test_the_summary_is_recomputed_from_the_listing(text, rows):
    assert report.parse_summary(text) == report.summary_rows(rows)
    survivors = [r.id for r in rows if r.klass == "survived"]
    equivalent = [r.id for r in rows if r.klass == "equivalent"]
    timed_out = [r.id for r in rows if r.klass == "timed out"]
    for heading, ids in (
        ("## Survivors", survivors),
        ("## Equivalent mutants", equivalent),
        ("## Timed out", timed_out),
    ):
        section = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
        table = [line for line in section.splitlines() if line.startswith("|")]
        assert [line.split("|")[1].strip() for line in table[2:]] == ids, heading


def test_the_goal_is_met(text, rows):
    assert report.goal_met(rows)
    assert (
        f"the hidden checks kill at least {report.GOAL:.0%} of the non-equivalent mutants of "
        "each function: **met**"
    ) in text
    for function in operators.FUNCTIONS:
        c = report.counts(rows, function)
        assert c["hidden kills"] >= report.GOAL * c["non-equivalent"], function


def test_every_public_test_warns_of_most_mutants(text, rows):
    """What a student sees before submitting: each function's public test kills at least
    PUBLIC_GOAL of its non-equivalent mutants, and the file says so."""
    assert report.public_goal_met(rows)
    assert (
        f"the public tests kill at least {report.PUBLIC_GOAL:.0%} of the non-equivalent "
        "mutants of each function: **met**"
    ) in text
    for function in operators.FUNCTIONS:
        c = report.counts(rows, function)
        assert c["public kills"] >= report.PUBLIC_GOAL * c["non-equivalent"], function


def test_the_readme_links_it():
    assert "grader_tests/mutation.md" in (paths.course_root() / "README.md").read_text()


def sample(rows: list[report.Row]) -> tuple[list[report.Row], report.Row]:
    """The fixed sample: 19 quick mutants and one that loops for ever."""
    quick = [
        r
        for r in rows
        if r.klass != "timed out" and not (r.function == "EM" and r.hidden == runner.PASSED)
    ]
    looping = next(r for r in rows if r.klass == "timed out" and r.function != "EM")
    return random.Random(SAMPLE_SEED).sample(quick, SAMPLE_SIZE - 1), looping


def test_a_fixed_sample_of_20_mutants_lands_in_its_recorded_class(rows):
    quick, looping = sample(rows)
    by_id = operators.by_id()
    assert len({r.function for r in quick}) >= 5  # every part of the lab is sampled
    results = runner.run([by_id[r.id] for r in quick], progress=False)
    results += runner.run([by_id[looping.id]], time_scale=0.1, progress=False)
    recorded = {r.id: (r.klass, r.hidden, r.public) for r in [*quick, looping]}
    again = {r.mutant.id: (r.klass, r.hidden, r.public) for r in results}
    assert again == recorded
