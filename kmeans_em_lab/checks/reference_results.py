"""The data and reference results the hidden tests compare against.

Loaded from the course's own ``data/`` (not the submission folder, where a
student could overwrite the files) and cached for the kernel's lifetime.
Every accessor returns a fresh copy, so student code that mutates its input
cannot corrupt the next check.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import datasets, em, kmeans

RESTARTS = 100  # reference restarts behind "the optimum" of the Spotify distortion
# A second data set for EM's hidden test, not the lab's (seed, samples, pi, mu, sigma):
# its samples lie mostly above 0 and its components overlap, so an EM that stops on a
# wrong criterion, or starts from clusters computed wrongly, misses its fit.
SECOND_MIXTURE = (2, 245, 0.29, (1.5, 3.9), (0.8, 0.6))


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
    return kmeans.kmeans(X, K, np.random.default_rng(2024), n_init=RESTARTS)


def best_kmeans(which: str, K: int) -> kmeans.KMeansResult:
    """Best-of-``RESTARTS`` K-Means on ``which`` ("spotify" or "gmm")."""
    return _best_kmeans(which, K)


@lru_cache(maxsize=1)
def em_mle() -> em.EMResult:
    """The maximum-likelihood fit of the mixture, from the best 2-means centres."""
    return em.fit(gmm_X(), centres=best_kmeans("gmm", 2).centres)


@lru_cache(maxsize=1)
def _second_mixture() -> np.ndarray:
    seed, n, pi, mu, sigma = SECOND_MIXTURE
    rng = np.random.default_rng(seed)
    ones = rng.random(n) < pi
    return np.where(ones, rng.normal(mu[1], sigma[1], n), rng.normal(mu[0], sigma[0], n))


def second_gmm_X() -> np.ndarray:
    """The samples of :data:`SECOND_MIXTURE`, shape (N,)."""
    return _second_mixture().copy()


@lru_cache(maxsize=1)
def second_em_mle() -> em.EMResult:
    """The maximum-likelihood fit of :func:`second_gmm_X`, from its best 2-means centres."""
    X = second_gmm_X()
    centres = kmeans.kmeans(X, 2, np.random.default_rng(2024), n_init=RESTARTS).centres
    return em.fit(X, centres=centres)
