"""The comparison helpers of the checks (kmeans_em_lab/checks/numbers.py): numbers from a
record are judged as numbers, so nan and inf never pass a tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_em_lab.checks import judge, record_in_process
from kmeans_em_lab.checks.numbers import all_close, far, rel_close
from kmeans_em_lab.course import submissions

INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize("got", [INF, -INF, NAN])
def test_rel_close_never_accepts_nan_or_inf_against_a_number(got):
    assert rel_close(2.0, 2.0 + 1e-12, 1e-9)
    assert not rel_close(got, 2.0, 1e-9)
    assert not rel_close(got, 2.0, 1e6)  # whatever the tolerance
    assert not rel_close(got, 0.0, 1.0)


def test_rel_close_accepts_only_the_same_infinity():
    assert rel_close(INF, INF, 0.0)
    assert not rel_close(-INF, INF, 1.0)
    assert not rel_close(NAN, NAN, 1.0)
    assert not rel_close(1.0, INF, 1.0)


def test_far_marks_every_nan_and_inf_of_the_answer():
    got = np.array([1.0, NAN, INF, -INF, INF, 1.0])
    want = np.array([1.0, 1.0, 1.0, 1.0, INF, INF])
    assert far(got, want, 0.1).tolist() == [False, True, True, True, False, True]
    assert far(got, want, np.inf).tolist() == [False, True, True, True, False, True]
    assert not far([1.0, 2.0], [1.05, 2.0], 0.1).any()


@pytest.mark.parametrize("bad", [INF, -INF, NAN])
def test_all_close_never_accepts_nan_or_inf_against_numbers(bad):
    assert all_close([1.0, 2.0], [1.0, 2.0 + 1e-12], rtol=1e-9, atol=0.0)
    assert not all_close([1.0, bad], [1.0, 2.0], rtol=1e-9, atol=1e-9)
    assert not all_close([1.0, bad], [1.0, 2.0], rtol=1e9, atol=1e9)
    assert all_close([1.0, INF], [1.0, INF], rtol=0.0, atol=0.0)
    assert not all_close([1.0, 5.0], [1.0, INF], rtol=1.0, atol=1.0)


SOLUTIONS = submissions.source_solutions()


def _notebook(**replacements: str) -> dict:
    return submissions.run_cells(replacements.get(name, code) for name, code in SOLUTIONS.items())


def test_an_infinite_distortion_fails_set_and_k_means():
    ns = _notebook(
        Set=SOLUTIONS["Set"] + "\n_right_Set = Set\n"
        "def Set(X, m):\n    C, D = _right_Set(X, m)\n    return C, float('inf')\n",
        K_Means=SOLUTIONS["K_Means"] + "\n_right_K_Means = K_Means\n"
        "def K_Means(X, K):\n    m, D = _right_K_Means(X, K)\n    return m, float('inf')\n",
    )
    assert "D = inf" in judge("Set", record_in_process("Set", ns))
    assert "returned D = inf" in judge("K_Means", record_in_process("K_Means", ns))
