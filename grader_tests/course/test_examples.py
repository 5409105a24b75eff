"""The example students under submitted/ are generated from corpus cases and kept in step.

``python -m kmeans_em_lab examples`` writes them; regenerating must give the
committed bytes, so a change to the release or to a case shows up here.
Their scores are those of their corpus cases (graded in test_corpus.py).
"""

from __future__ import annotations

import json
import re

from kmeans_em_lab.course import examples, paths, points

# case -> graded cell -> points: the notebook's points, 0 for the cells the case fails
EXPECTED = {
    case: points.scored(failing)
    for case, failing in json.loads((paths.corpus_dir() / "expected.json").read_text()).items()
}


def test_committed_examples_equal_a_fresh_generation():
    stale = examples.differences()
    assert not stale, f"run `python -m kmeans_em_lab examples` and commit: {stale}"


def test_every_example_is_a_corpus_case_with_the_documented_score():
    table = dict(re.findall(r"\| ``(\w+)`` \| ``\w+`` \|[^|]*\| (\d+) \|", examples.__doc__))
    assert set(table) == set(examples.STUDENTS)
    for student, case in examples.STUDENTS.items():
        assert (examples.cases_dir(paths.course_root()) / f"{case}.py").is_file()
        assert sum(EXPECTED[case].values()) == float(table[student]), student


def test_the_examples_cover_what_the_main_job_needs():
    totals = sorted(sum(EXPECTED[c].values()) for c in examples.STUDENTS.values())
    full = sum(points.cell_points().values())
    assert totals[0] == 0 and totals[-1] == full  # blank ... full
    assert 0 < totals[1] < totals[2] < full  # partial, original
