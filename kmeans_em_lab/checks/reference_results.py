"""The data and reference results the hidden tests compare against.

Loaded from the course's own ``data/`` (not the submission folder, where a
student could overwrite the files) and cached for the kernel's lifetime.
Every accessor returns a fresh copy, so student code that mutates its input
cannot corrupt the next check. How the references are reached (restarts,
seeds, the second mixture, EM's stopping rule) is the grading policy's
(:mod:`.policy`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from kmeans_em_lab.checks import policy
from kmeans_em_lab.course import datasets
from kmeans_em_lab.reference import em, kmeans


@lru_cache(maxsize=1)
def _spotify() -> datasets.Spotify:
    return datasets.load_spotify()


@lru_cache(maxsize=1)
def _gmm() -> datasets.Mixture:
    return datasets.load_gmm()


def spotify_X() -> np.ndarray:
    """The z-scored Spotify features the lab clusters, shape (N, F)."""
    return _spotify().normalized.copy()


def spotify_features() -> tuple[str, ...]:
    """The names of the Spotify features, in column order."""
    return _spotify().features


def n_artists() -> int:
    return len(_spotify().artist_names)


def gmm_X() -> np.ndarray:
    """The 1-D mixture samples, shape (N,)."""
    return _gmm().X.copy()


@lru_cache(maxsize=4)
def _best_kmeans(which: str, K: int) -> kmeans.KMeansResult:
    X = spotify_X() if which == "spotify" else gmm_X()
    return _best_of_restarts(X, K)


def best_kmeans(which: str, K: int) -> kmeans.KMeansResult:
    """Best-of-:data:`.policy.RESTARTS` K-Means on ``which`` ("spotify" or "gmm")."""
    return _best_kmeans(which, K)


@lru_cache(maxsize=1)
def em_mle() -> em.EMResult:
    """The maximum-likelihood fit of the mixture, from the best 2-means centres."""
    return _mle(gmm_X(), best_kmeans("gmm", 2).centres)


@lru_cache(maxsize=1)
def _second_mixture() -> np.ndarray:
    seed, n, pi, mu, sigma = policy.SECOND_MIXTURE
    rng = np.random.default_rng(seed)
    ones = rng.random(n) < pi
    return np.where(ones, rng.normal(mu[1], sigma[1], n), rng.normal(mu[0], sigma[0], n))


def second_gmm_X() -> np.ndarray:
    """The samples of :data:`.policy.SECOND_MIXTURE`, shape (N,)."""
    return _second_mixture().copy()


@lru_cache(maxsize=1)
def second_em_mle() -> em.EMResult:
    """The maximum-likelihood fit of :func:`second_gmm_X`, from its best 2-means centres."""
    X = second_gmm_X()
    return _mle(X, _best_of_restarts(X, 2).centres)


def _best_of_restarts(X: np.ndarray, K: int) -> kmeans.KMeansResult:
    """The reference K-Means's best of :data:`.policy.RESTARTS` starts."""
    rng = np.random.default_rng(policy.REFERENCE_SEED)
    return kmeans.kmeans(X, K, rng, n_init=policy.RESTARTS)


def _mle(X: np.ndarray, centres: np.ndarray) -> em.EMResult:
    """The reference EM from the 2-means clustering started at ``centres``, run to
    :data:`.policy.MLE_TOL`."""
    start = em.init_from_kmeans(X, centres=centres)
    return em.em(X, *start, tol=policy.MLE_TOL, max_iter=policy.MLE_MAX_ITER)
