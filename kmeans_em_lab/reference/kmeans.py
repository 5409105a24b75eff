"""Reference K-Means, vectorised with numpy.

Notation of the lab: data ``X`` holds N samples of F features, ``m`` holds K
centres. Every function accepts 2-D data (``X`` of shape (N, F), ``m`` of shape
(K, F)) and 1-D data (``X`` of shape (N,), ``m`` of shape (K,)) and returns
centres in the same layout it was given.

The distortion is the sum of squared Euclidean distances from each sample to
its assigned (nearest) centre, in the squared units of ``X``::

    D = sum_i || x_i - m_{c(i)} ||^2,    c(i) = argmin_k || x_i - m_k ||^2

Ties go to the lowest centre index (``numpy.argmin``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _as_2d(X: np.ndarray, m: np.ndarray | None = None):
    """View 1-D data and centres as single-feature 2-D arrays."""
    X = np.asarray(X, dtype=float)
    X2 = X.reshape(len(X), -1)
    if m is None:
        return X2
    m = np.asarray(m, dtype=float)
    return X2, m.reshape(len(m), -1)


def squared_distances(X: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance of every sample to every centre, shape (N, K).

    Computed from the differences ``x_i - m_k`` (never as ``|x|^2 - 2 x.m + |m|^2``,
    which rounds equal distances apart and would break ties at random). The
    differences are laid out features first, shape (F, K, N), so that each
    sum over the features adds whole contiguous rows of N samples.
    """
    X2, m2 = _as_2d(X, m)
    samples_by_feature = np.ascontiguousarray(X2.T)  # (F, N)
    diff = samples_by_feature[:, None, :] - m2.T[:, :, None]  # (F, K, N)
    return np.einsum("fkn,fkn->nk", diff, diff)


def assign_labels(X: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, float]:
    """Index of the nearest centre for each sample (shape (N,)) and the distortion."""
    d2 = squared_distances(X, m)
    labels = np.argmin(d2, axis=1)
    return labels, float(d2[np.arange(len(labels)), labels].sum())


def distortion(X: np.ndarray, m: np.ndarray) -> float:
    """Sum of squared distances from each sample to its nearest centre."""
    return assign_labels(X, m)[1]


def init_centroids(X: np.ndarray, K: int, rng: np.random.Generator) -> np.ndarray:
    """K distinct samples of ``X`` drawn without replacement (Forgy initialisation).

    Returns shape (K, F) for 2-D ``X`` and (K,) for 1-D ``X``. Duplicate rows
    are drawn at most once, so the K centres are distinct whenever ``X`` has at
    least K distinct rows.
    """
    X = np.asarray(X, dtype=float)
    return _forgy(_distinct_rows(X, K), K, X.shape[1:], rng)


def _distinct_rows(X: np.ndarray, K: int) -> np.ndarray:
    """The distinct rows of ``X``, sorted, shape (U, F); at least K of them."""
    unique_rows = np.unique(X.reshape(len(X), -1), axis=0)
    if len(unique_rows) < K:
        raise ValueError(f"X has {len(unique_rows)} distinct samples, fewer than K={K}")
    return unique_rows


def _forgy(unique_rows: np.ndarray, K: int, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """K of ``unique_rows`` drawn without replacement, shape (K, *shape)."""
    picked = unique_rows[rng.choice(len(unique_rows), size=K, replace=False)]
    return picked.reshape((K,) + shape)


def assign(X: np.ndarray, m: np.ndarray) -> tuple[dict[int, np.ndarray], float]:
    """The lab's ``Set``: the samples nearest each centre, and the distortion.

    Returns ``C``, a dict with keys ``0..K-1`` where ``C[k]`` holds the rows of
    ``X`` assigned to centre ``k`` in their original order (shape (M_k, F), or
    (M_k,) for 1-D data; M_k may be 0), and the distortion ``D`` (float).
    """
    X = np.asarray(X, dtype=float)
    labels, D = assign_labels(X, m)
    return {k: X[labels == k] for k in range(len(m))}, D


def update(X: np.ndarray, C: dict[int, np.ndarray], m: np.ndarray) -> np.ndarray:
    """The lab's ``Update``: the mean of each cluster's samples.

    An empty cluster keeps its previous centre ``m[k]``. Returns a new array of
    the shape of ``m``; ``m`` is not modified.
    """
    new_m = np.array(m, dtype=float, copy=True)
    for k in range(len(new_m)):
        if len(C[k]):
            new_m[k] = np.mean(C[k], axis=0)
    return new_m


def update_from_labels(X: np.ndarray, labels: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Cluster means from a label vector (the vectorised form of :func:`update`).

    ``member[k, i]`` is 1 when sample i is in cluster k, so ``member @ X``
    holds the per-cluster sums (K, F) and ``member.sum(1)`` the counts.
    """
    X2, m2 = _as_2d(X, m)
    member = labels == np.arange(len(m2))[:, None]  # (K, N), bool
    counts = member.sum(axis=1)
    sums = member @ X2
    filled = counts > 0
    new_m = m2.copy()
    new_m[filled] = sums[filled] / counts[filled, None]
    return new_m.reshape(np.shape(m))


@dataclass(frozen=True)
class KMeansResult:
    centres: np.ndarray
    """Final centres, shape (K, F) or (K,)."""
    distortion: float
    """Distortion of ``centres`` on the data."""
    labels: np.ndarray
    """Nearest-centre index of each sample, shape (N,)."""
    n_iter: int
    """Number of assignment/update rounds until the fixed point."""
    history: tuple[float, ...]
    """Distortion after each assignment step; never increases."""


def lloyd(X: np.ndarray, m0: np.ndarray, max_iter: int = 1000) -> KMeansResult:
    """Lloyd's algorithm from centres ``m0`` until the centres stop changing.

    A fixed point means: assigning the samples to ``centres`` and taking the
    means gives ``centres`` back exactly.
    """
    m = np.array(m0, dtype=float, copy=True)
    history = []
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is reported)
        labels, D = assign_labels(X, m)
        history.append(D)
        new_m = update_from_labels(X, labels, m)
        if np.array_equal(new_m, m):
            break
        m = new_m
    else:
        raise RuntimeError(f"K-Means did not reach a fixed point in {max_iter} iterations")
    return KMeansResult(m, D, labels, n_iter, tuple(history))


def kmeans(X: np.ndarray, K: int, rng: np.random.Generator, n_init: int = 1) -> KMeansResult:
    """Best (lowest distortion) of ``n_init`` Lloyd runs from Forgy initialisations."""
    X = np.asarray(X, dtype=float)
    rows = _distinct_rows(X, K)  # sorted once: every start draws from the same rows
    best = None
    for _ in range(n_init):
        run = lloyd(X, _forgy(rows, K, X.shape[1:], rng))
        if best is None or run.distortion < best.distortion:
            best = run
    return best


def is_fixed_point(X: np.ndarray, m: np.ndarray) -> bool:
    """True when one more assignment and update leaves ``m`` unchanged.

    Compared within a relative 1e-9, since a mean summed in another order may
    differ in its last bits.
    """
    labels, _ = assign_labels(X, m)
    new_m = update_from_labels(X, labels, np.asarray(m, dtype=float))
    return bool(np.allclose(new_m, m, rtol=1e-9, atol=1e-12))
