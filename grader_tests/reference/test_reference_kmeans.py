"""The reference K-Means (kmeans_em_lab.reference.kmeans) against scikit-learn, and its properties.

scikit-learn's ``KMeans`` is the independent oracle: Lloyd's algorithm, one run
from the same initial centres, ``tol=0`` (stop only when the labels stop
changing). Both must land on the same centres and distortion (inertia) within a
relative 1e-9. scikit-learn relocates empty clusters where the reference keeps
the old centre, so only initialisations that never empty a cluster are compared.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_em_lab.reference import kmeans
from lab3_dev import oracles

REL = 1e-9


def _blobs(seed: int, F: int, K: int = 4, N: int = 300) -> np.ndarray:
    """Overlapping Gaussian blobs, shape (N, F), or (N,) when F == 1."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(K, F))
    X = centres[rng.integers(K, size=N)] + rng.normal(size=(N, F))
    return X[:, 0] if F == 1 else X


def _assert_same_as_sklearn(X, m0) -> None:
    assert oracles.never_empties(X, m0), "pick an initialisation that leaves no cluster empty"
    ref = kmeans.lloyd(X, m0)
    centres, inertia, labels, _ = oracles.sklearn_lloyd(X, m0)
    assert ref.centres.shape == np.shape(m0)
    scale = np.max(np.abs(centres))
    np.testing.assert_allclose(ref.centres, centres, rtol=0, atol=REL * scale)
    assert ref.distortion == pytest.approx(inertia, rel=REL)
    np.testing.assert_array_equal(ref.labels, labels)


# ----------------------------------------------------------------------------- oracle


@pytest.mark.parametrize("K", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lloyd_matches_sklearn_on_spotify(spotify, K, seed):
    Z = spotify.normalized
    _assert_same_as_sklearn(Z, kmeans.init_centroids(Z, K, np.random.default_rng(seed)))


@pytest.mark.parametrize("F", [1, 2])
@pytest.mark.parametrize("seed", [10, 11, 12])
def test_lloyd_matches_sklearn_on_random_data(seed, F):
    X = _blobs(seed, F)
    m0 = kmeans.init_centroids(X, 3, np.random.default_rng(seed))
    assert m0.ndim == X.ndim
    _assert_same_as_sklearn(X, m0)


def test_compare_kmeans_reports_tiny_differences(spotify):
    Z = spotify.normalized
    result = oracles.compare_kmeans(Z, kmeans.init_centroids(Z, 3, np.random.default_rng(5)))
    assert result.centre_rel < REL and result.inertia_rel < REL and result.same_labels


# ----------------------------------------------------------------------------- properties


@pytest.mark.parametrize("F", [1, 2, 11])
def test_distortion_never_increases_and_ends_at_a_fixed_point(F):
    X = _blobs(F, F, K=5)
    rng = np.random.default_rng(F)
    for _ in range(5):
        run = kmeans.lloyd(X, kmeans.init_centroids(X, 5, rng))
        steps = np.diff(run.history)
        assert np.all(steps <= 1e-12 * run.history[0]), run.history
        assert len(run.history) == run.n_iter
        assert run.distortion == pytest.approx(kmeans.distortion(X, run.centres), rel=1e-12)
        assert run.distortion == pytest.approx(run.history[-1], rel=1e-12)
        assert kmeans.is_fixed_point(X, run.centres)
        np.testing.assert_array_equal(run.labels, kmeans.assign_labels(X, run.centres)[0])


def test_is_fixed_point_rejects_a_non_fixed_point():
    X = _blobs(3, 2)
    m0 = kmeans.init_centroids(X, 3, np.random.default_rng(0))
    assert not kmeans.is_fixed_point(X, m0)


def test_best_of_n_init_is_the_lowest_distortion(spotify):
    Z = spotify.normalized
    best = kmeans.kmeans(Z, 3, np.random.default_rng(7), n_init=10)
    rng = np.random.default_rng(7)  # the same draws, one run at a time
    singles = [kmeans.lloyd(Z, kmeans.init_centroids(Z, 3, rng)).distortion for _ in range(10)]
    assert best.distortion == min(singles)


@pytest.mark.parametrize("F", [1, 2])
def test_permuting_the_rows_changes_nothing(F):
    X = _blobs(20 + F, F)
    m0 = kmeans.init_centroids(X, 4, np.random.default_rng(1))
    order = np.random.default_rng(2).permutation(len(X))
    run, shuffled = kmeans.lloyd(X, m0), kmeans.lloyd(X[order], m0)
    np.testing.assert_allclose(shuffled.centres, run.centres, rtol=1e-12, atol=1e-12)
    assert shuffled.distortion == pytest.approx(run.distortion, rel=1e-12)
    np.testing.assert_array_equal(shuffled.labels, run.labels[order])


# ----------------------------------------------------------------------------- assign / update


def _naive_distortion(X, m) -> float:
    X = np.asarray(X, dtype=float).reshape(len(X), -1)
    m = np.asarray(m, dtype=float).reshape(len(m), -1)
    total = 0.0
    for x in X:
        best = None
        for c in m:
            d = 0.0
            for f in range(len(x)):
                d += (x[f] - c[f]) ** 2
            best = d if best is None or d < best else best
        total += best
    return total


@pytest.mark.parametrize("F", [1, 2, 3])
def test_assign_returns_the_labs_set(F):
    rng = np.random.default_rng(F)
    X = rng.normal(size=(40, F))
    X = X[:, 0] if F == 1 else X
    m = X[:4] + 0.1
    C, D = kmeans.assign(X, m)
    assert sorted(C) == [0, 1, 2, 3]
    assert isinstance(D, float)
    assert D == pytest.approx(_naive_distortion(X, m), rel=1e-12)
    assert sum(len(C[k]) for k in C) == len(X)
    d2 = kmeans.squared_distances(X, m)
    for k, rows in C.items():
        assert rows.shape == ((len(rows), F) if F > 1 else (len(rows),))
        expected = X[np.argmin(d2, axis=1) == k]
        np.testing.assert_array_equal(rows, expected)


def test_assign_on_a_hand_example():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 10.0], [9.0, 10.0], [10.0, 12.0]])
    m = np.array([[0.0, 1.0], [10.0, 11.0], [-50.0, -50.0]])
    C, D = kmeans.assign(X, m)
    np.testing.assert_array_equal(C[0], X[:2])
    np.testing.assert_array_equal(C[1], X[2:])
    assert C[2].shape == (0, 2)
    assert D == pytest.approx((1 + 2) + (1 + 2 + 1))


def test_update_keeps_an_empty_clusters_centre_and_does_not_mutate():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [12.0, 14.0]])
    m = np.array([[1.0, 1.0], [11.0, 11.0], [100.0, -100.0]])
    m_before = m.copy()
    C, _ = kmeans.assign(X, m)
    C_before = {k: v.copy() for k, v in C.items()}
    assert len(C[2]) == 0
    new_m = kmeans.update(X, C, m)
    np.testing.assert_array_equal(new_m, [[1.0, 0.0], [11.0, 12.0], [100.0, -100.0]])
    np.testing.assert_array_equal(m, m_before)
    for k in C:
        np.testing.assert_array_equal(C[k], C_before[k])
    assert new_m is not m


def test_update_1d_and_update_from_labels_agree():
    X = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    m = np.array([1.0, 10.0, -40.0])
    C, _ = kmeans.assign(X, m)
    new_m = kmeans.update(X, C, m)
    np.testing.assert_array_equal(new_m, [1.0, 10.5, -40.0])
    labels, _ = kmeans.assign_labels(X, m)
    np.testing.assert_array_equal(kmeans.update_from_labels(X, labels, m), new_m)


# ----------------------------------------------------------------------------- init_centroids


@pytest.mark.parametrize("F", [1, 2])
def test_init_centroids_draws_k_distinct_rows_of_x(F):
    X = np.repeat(np.arange(12.0), 5)  # 12 distinct values, each five times
    X = X if F == 1 else np.column_stack([X, -X])
    rows = X.reshape(len(X), -1)
    for seed in range(20):
        m = kmeans.init_centroids(X, 12, np.random.default_rng(seed))
        assert m.shape == ((12,) if F == 1 else (12, 2))
        m2 = m.reshape(12, -1)
        assert len(np.unique(m2, axis=0)) == 12
        for c in m2:
            assert np.any(np.all(rows == c, axis=1))


def test_init_centroids_depends_on_the_rng():
    X = _blobs(0, 2)
    draws = {kmeans.init_centroids(X, 3, np.random.default_rng(s)).tobytes() for s in range(5)}
    assert len(draws) > 1
    a = kmeans.init_centroids(X, 3, np.random.default_rng(9))
    np.testing.assert_array_equal(a, kmeans.init_centroids(X, 3, np.random.default_rng(9)))


@pytest.mark.parametrize("F", [1, 2])
def test_init_centroids_raises_with_too_few_distinct_rows(F):
    X = np.array([1.0, 1.0, 2.0, 2.0, 2.0])
    X = X if F == 1 else np.column_stack([X, X])
    kmeans.init_centroids(X, 2, np.random.default_rng(0))
    with pytest.raises(ValueError):
        kmeans.init_centroids(X, 3, np.random.default_rng(0))
