"""The data and reference results the hidden tests compare against.

Loaded from the course's own ``data/`` (not the submission folder, where a
student could overwrite the files): the folder of :func:`.paths.data_dir`,
which follows ``LAB3_COURSE_ROOT`` (a worker points it at the course it
grades). Everything is cached under the digest of those files
(:func:`course_digest`), so a long-lived worker that is given a new course
(new data) never compares with the old one's results. Every accessor returns a
fresh copy, so student code that mutates its input cannot corrupt the next
check. How the references are reached (restarts, seeds, EM's stopping rule) is
the grading policy's (:mod:`.policy`); the second mixture is the draw's
(:mod:`.draws`), cached under the mixture itself.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from kmeans_em_lab.checks import draws, policy
from kmeans_em_lab.course import datasets, paths
from kmeans_em_lab.reference import em, kmeans

COURSES = 4  # courses whose data and results one process keeps


def course_digest() -> str:
    """sha256 of the course's data files (names and contents): the key of every cache
    here and of the checks' plans. Read again only when a file's size, time or inode
    changed."""
    folder = paths.data_dir()
    return _digest(str(folder), tuple(_stat(folder / name) for name in paths.DATA_FILES))


def _stat(path: Path) -> tuple[int, int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


@lru_cache(maxsize=4 * COURSES)
def _digest(folder: str, stats: tuple) -> str:
    digest = hashlib.sha256()
    for name in paths.DATA_FILES:
        digest.update(name.encode() + b"\0")
        try:
            digest.update(Path(folder, name).read_bytes())
        except OSError as err:
            digest.update(b"\xffmissing: " + type(err).__name__.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=COURSES)
def _spotify(course: str, folder: str) -> datasets.Spotify:
    return datasets.load_spotify(Path(folder))


@lru_cache(maxsize=COURSES)
def _gmm(course: str, folder: str) -> datasets.Mixture:
    return datasets.load_gmm(Path(folder))


def _here() -> tuple[str, str]:
    """(digest, folder) of the course's data now."""
    return course_digest(), str(paths.data_dir())


def spotify_X() -> np.ndarray:
    """The z-scored Spotify features the lab clusters, shape (N, F)."""
    return _spotify(*_here()).normalized.copy()


def spotify_features() -> tuple[str, ...]:
    """The names of the Spotify features, in column order."""
    return _spotify(*_here()).features


def n_artists() -> int:
    return len(_spotify(*_here()).artist_names)


def gmm_X() -> np.ndarray:
    """The 1-D mixture samples, shape (N,)."""
    return _gmm(*_here()).X.copy()


@lru_cache(maxsize=4 * COURSES)
def _best_kmeans(course: str, which: str, K: int) -> kmeans.KMeansResult:
    X = spotify_X() if which == "spotify" else gmm_X()
    return _best_of_restarts(X, K)


def best_kmeans(which: str, K: int) -> kmeans.KMeansResult:
    """Best-of-:data:`.policy.RESTARTS` K-Means on ``which`` ("spotify" or "gmm")."""
    return _best_kmeans(course_digest(), which, K)


def kmeans_X(which: str, draw: draws.Draw | None = None) -> np.ndarray:
    """The rows of ``which`` ("spotify" or "gmm") the ``K_Means`` checks cluster under
    ``draw`` (default: the draw in effect; :data:`.policy.K_MEANS_ROWS_SEED_LIMIT`)."""
    X = spotify_X() if which == "spotify" else gmm_X()
    rows = (draw or draws.current()).kmeans_rows
    return X if rows is None else X[_kept_rows(len(X), *rows)]


@lru_cache(maxsize=8)
def _kept_rows(n: int, seed: int, kept: float) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n)
    return order[: max(1, round(kept * n))]


def best_kmeans_drawn(which: str, K: int, draw: draws.Draw | None = None) -> kmeans.KMeansResult:
    """:func:`best_kmeans` on :func:`kmeans_X` (the rows of ``draw``)."""
    rows = (draw or draws.current()).kmeans_rows
    if rows is None:
        return best_kmeans(which, K)
    return _best_kmeans_drawn(course_digest(), which, K, rows)


@lru_cache(maxsize=4 * COURSES)
def _best_kmeans_drawn(course: str, which: str, K: int, rows: tuple[int, float]):
    X = spotify_X() if which == "spotify" else gmm_X()
    return _best_of_restarts(X[_kept_rows(len(X), *rows)], K)


def em_mle() -> em.EMResult:
    """The maximum-likelihood fit of the mixture, from the best 2-means centres."""
    return _em_mle(course_digest())


@lru_cache(maxsize=COURSES)
def _em_mle(course: str) -> em.EMResult:
    return _mle(gmm_X(), best_kmeans("gmm", 2).centres)


def second_mixture(draw: draws.Draw | None = None) -> draws.Mixture:
    """``EM``'s second data set under ``draw`` (default: the draw in effect): the first of
    its candidates whose likelihood has a single maximum (:func:`single_maximum`), else
    :data:`.draws.Draw.DEFAULT`'s mixture."""
    return _chosen((draw or draws.current()).second_mixtures)


@lru_cache(maxsize=8)
def _chosen(candidates: tuple[draws.Mixture, ...]) -> draws.Mixture:
    fallback = draws.Draw.DEFAULT.second_mixtures[0]
    return next((m for m in candidates if single_maximum(m)), fallback)


@lru_cache(maxsize=8)
def _second_mixture(mixture: draws.Mixture) -> np.ndarray:
    rng = np.random.default_rng(mixture.seed)
    ones = rng.random(mixture.n) < mixture.pi
    (mu_0, mu_1), (sigma_0, sigma_1) = mixture.mu, mixture.sigma
    n = mixture.n
    return np.where(ones, rng.normal(mu_1, sigma_1, n), rng.normal(mu_0, sigma_0, n))


def second_gmm_X(mixture: draws.Mixture | None = None) -> np.ndarray:
    """The samples of ``mixture`` (default: :func:`second_mixture`), shape (N,)."""
    return _second_mixture(mixture or second_mixture()).copy()


def second_em_mle(mixture: draws.Mixture | None = None) -> em.EMResult:
    """The maximum-likelihood fit of :func:`second_gmm_X`, from its best 2-means centres."""
    return _second_em_mle(mixture or second_mixture())


@lru_cache(maxsize=16)
def _second_em_mle(mixture: draws.Mixture) -> em.EMResult:
    X = second_gmm_X(mixture)
    return _mle(X, _best_of_restarts(X, 2).centres)


@lru_cache(maxsize=16)
def single_maximum(mixture: draws.Mixture) -> bool:
    """Whether EM from each of :data:`.policy.PROBE_STARTS` random starts (two samples as
    means, both standard deviations the samples', pi uniform in 0.2..0.8) ends within half
    of :data:`.policy.EM_PARAM_ATOL` of the maximum-likelihood fit, components matched:
    no other maximum of the likelihood catches an EM that does not start from K-Means."""
    X, mle = second_gmm_X(mixture), second_em_mle(mixture)
    want = np.array([mle.pi, *mle.mu, *mle.sigma])
    rng = np.random.default_rng(policy.REFERENCE_SEED)
    for _ in range(policy.PROBE_STARTS):
        start = (rng.uniform(0.2, 0.8), rng.choice(X, 2, replace=False), np.full(2, X.std()))
        try:
            fit = em.em(X, *start, tol=policy.PROBE_TOL, max_iter=policy.MLE_MAX_ITER)
        except RuntimeError:  # no convergence: not a single maximum that EM finds
            return False
        pi, mu, sigma = em.align_components(fit.pi, fit.mu, fit.sigma, mle.mu)
        if not np.all(np.abs(np.array([pi, *mu, *sigma]) - want) <= policy.EM_PARAM_ATOL / 2):
            return False
    return True


def mle_of(X: np.ndarray) -> em.EMResult:
    """The maximum-likelihood fit of any 1-D samples ``X`` (a public test's), as
    :func:`second_em_mle` finds it: from the best 2-means centres."""
    X = np.asarray(X, dtype=float)
    return _mle_of(X.tobytes())


@lru_cache(maxsize=8)
def _mle_of(samples: bytes) -> em.EMResult:
    X = np.frombuffer(samples, dtype=float)
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
