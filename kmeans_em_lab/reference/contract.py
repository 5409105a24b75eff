"""The reference implementations behind the lab's function names and contracts.

The hidden tests put these in place of a student's helpers (e.g. the reference
``Set`` and ``Update`` while grading the student's ``K_Means``), so one bug is
not paid for twice. Signatures and return types are the lab's:

- ``Centroid_init(X, K) -> m``        (K, F) or (K,)
- ``Set(X, m) -> (C, D)``             C: dict 0..K-1 of sample arrays, D: float
- ``Update(X, C, m) -> m``            new array; an empty cluster keeps m[k]
- ``K_Means(X, K) -> (m, D)``
- ``EM_step(X, pi, mu, sigma) -> (pi, mu, sigma)``
- ``EM(X) -> (pi, mu, sigma)``

``pi`` is returned as ``numpy.float64`` (like the original lab's code), so
student code calling ``pi.copy()`` on it keeps working.
"""

from __future__ import annotations

import numpy as np

from kmeans_em_lab.reference import em, kmeans


def make_Centroid_init(rng: np.random.Generator):
    def Centroid_init(X, K):
        return kmeans.init_centroids(X, K, rng)

    return Centroid_init


def Set(X, m):
    return kmeans.assign(X, m)


def Update(X, C, m):
    return kmeans.update(X, C, m)


def make_K_Means(rng: np.random.Generator, max_iter: int = 1000):
    def K_Means(X, K):
        run = kmeans.lloyd(X, kmeans.init_centroids(X, K, rng), max_iter=max_iter)
        return run.centres, run.distortion

    return K_Means


def EM_step(X, pi, mu, sigma):
    new_pi, new_mu, new_sigma = em.em_step(X, pi, mu, sigma)
    return np.float64(new_pi), new_mu, new_sigma


def make_EM(rng: np.random.Generator):
    def EM(X):
        fit = em.fit(X, rng=rng)
        return np.float64(fit.pi), fit.mu, fit.sigma

    return EM
