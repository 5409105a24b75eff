"""The example students under submitted/ are generated from corpus cases and kept in step.

``python -m kmeans_em_lab examples`` writes them; regenerating must give the
committed bytes, so a change to the release or to a case shows up here.
Their scores are those of their corpus cases (graded in test_corpus.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kmeans_em_lab import examples, paths

EXPECTED = json.loads((Path(__file__).parent / "corpus" / "expected.json").read_text())


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
    totals = {s: sum(EXPECTED[c].values()) for s, c in examples.STUDENTS.items()}
    assert sorted(totals.values()) == [0.0, 55.0, 60.0, 100.0]  # blank, partial, original, full
