"""Independent checks of the reference implementations, and the data's calibration.

One place for what both ``grader_tests`` and ``python -m kmeans_em_lab figures``
compute:

- :func:`sklearn_lloyd` / :func:`compare_kmeans`: scikit-learn's ``KMeans``
  (Lloyd, one run, the same initial centres, ``tol=0``) against
  :func:`kmeans_em_lab.reference.kmeans.lloyd`;
- :func:`sklearn_em` / :func:`compare_em`: scikit-learn's ``GaussianMixture``
  (two components, the same initial weights, means and precisions, no
  covariance regularisation) against :func:`kmeans_em_lab.reference.em.em`;
- :func:`calibration`: best-of-``n_init`` 3-means on the z-scored Spotify
  features against the artists (the figure the data generator is calibrated on).

scikit-learn is a test-only dependency: it is imported inside the functions
that need it, so importing this module costs nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from kmeans_em_lab.checks import policy
from kmeans_em_lab.course import datasets
from kmeans_em_lab.reference import em, kmeans

# ----------------------------------------------------------------------------- K-Means


def sklearn_lloyd(X, m0, max_iter: int = 10_000):
    """scikit-learn's Lloyd iterations on ``X`` from the centres ``m0``.

    Returns ``(centres, inertia, labels, n_iter)``, the centres in the layout
    of ``m0`` ((K, F) or (K,)). 1-D data is passed to scikit-learn as one
    feature. ``tol=0`` makes it stop only when the labels stop changing, as
    the reference does. scikit-learn moves an empty cluster to a far sample
    where the reference keeps its centre: compare only runs where
    :func:`never_empties` holds.
    """
    from sklearn.cluster import KMeans

    X2, m2 = kmeans._as_2d(X, m0)
    model = KMeans(
        n_clusters=len(m2), init=m2, n_init=1, algorithm="lloyd", tol=0.0, max_iter=max_iter
    ).fit(X2)
    centres = model.cluster_centers_.reshape(np.shape(m0))
    return centres, float(model.inertia_), model.labels_, int(model.n_iter_)


def never_empties(X, m0, max_iter: int = 10_000) -> bool:
    """True when no cluster is empty at any assignment of Lloyd's run from ``m0``."""
    m = np.asarray(m0, dtype=float)
    for _ in range(max_iter):
        labels, _ = kmeans.assign_labels(X, m)
        if len(np.unique(labels)) < len(m):
            return False
        new_m = kmeans.update_from_labels(X, labels, m)
        if np.array_equal(new_m, m):
            return True
        m = new_m
    raise RuntimeError(f"no fixed point in {max_iter} iterations")


@dataclass(frozen=True)
class KMeansComparison:
    centre_rel: float
    """max |reference - sklearn| over the centres, over max |sklearn centre|."""
    inertia_rel: float
    """|reference distortion - sklearn inertia| / sklearn inertia."""
    same_labels: bool
    n_iter: int
    """Reference rounds (assignment + update) until the fixed point."""


def compare_kmeans(X, m0) -> KMeansComparison:
    """The reference :func:`~kmeans_em_lab.reference.kmeans.lloyd` against :func:`sklearn_lloyd`."""
    ref = kmeans.lloyd(X, m0)
    centres, inertia, labels, _ = sklearn_lloyd(X, m0)
    scale = max(float(np.max(np.abs(centres))), np.finfo(float).tiny)
    return KMeansComparison(
        centre_rel=float(np.max(np.abs(ref.centres - centres))) / scale,
        inertia_rel=abs(ref.distortion - inertia) / inertia,
        same_labels=bool(np.array_equal(ref.labels, labels)),
        n_iter=ref.n_iter,
    )


# ----------------------------------------------------------------------------- EM

# ``em.em`` stops when a step raises the log-likelihood by less than ``tol``
# times its size. :func:`compare_em` runs it to the stopping rule of the grader's
# maximum-likelihood fits (:data:`.checks.policy.MLE_TOL` says why that value).
REFERENCE_EM_TOL = policy.MLE_TOL


def sklearn_em(X, pi, mu, sigma, covariance_type: str = "full", tol: float = 1e-14,
               max_iter: int = 100_000, reg_covar: float = 0.0):  # fmt: skip
    """scikit-learn's EM for the 1-D two-component mixture from ``(pi, mu, sigma)``.

    ``pi`` is the prior of component 1 (the lab's convention), so the weights
    are ``[1 - pi, pi]``; ``sigma`` are standard deviations. ``covariance_type``
    is ``"full"``, ``"diag"`` or ``"spherical"`` (all the same model in 1-D).
    ``tol`` bounds the change of the mean log-likelihood per sample. Returns
    ``(pi, mu, sigma, n_iter)`` in the lab's convention.
    """
    from sklearn.mixture import GaussianMixture

    X = np.asarray(X, dtype=float).reshape(-1, 1)
    mu = np.asarray(mu, dtype=float)
    precision = 1.0 / np.asarray(sigma, dtype=float) ** 2
    shapes = {"full": (2, 1, 1), "diag": (2, 1), "spherical": (2,)}
    model = GaussianMixture(
        n_components=2,
        covariance_type=covariance_type,
        tol=tol,
        reg_covar=reg_covar,
        max_iter=max_iter,
        weights_init=np.array([1.0 - pi, pi]),
        means_init=mu.reshape(2, 1),
        precisions_init=precision.reshape(shapes[covariance_type]),
        random_state=0,
    ).fit(X)
    if not model.converged_:
        raise RuntimeError(f"GaussianMixture did not converge in {max_iter} iterations")
    sigma_hat = np.sqrt(np.asarray(model.covariances_, dtype=float).reshape(2))
    return float(model.weights_[1]), model.means_[:, 0].copy(), sigma_hat, int(model.n_iter_)


@dataclass(frozen=True)
class EMComparison:
    max_abs: float
    """max |reference - sklearn| over pi, mu and sigma, components aligned."""
    reference: em.EMResult
    sklearn: tuple[float, np.ndarray, np.ndarray]
    """sklearn's ``(pi, mu, sigma)``, aligned to the reference's components."""
    sklearn_n_iter: int


def compare_em(X, pi, mu, sigma, covariance_type: str = "full",
               tol: float = REFERENCE_EM_TOL) -> EMComparison:  # fmt: skip
    """The reference :func:`~kmeans_em_lab.reference.em.em` (run to ``tol``) against
    :func:`sklearn_em`."""
    ref = em.em(X, pi, mu, sigma, tol=tol)
    sk_pi, sk_mu, sk_sigma, sk_iter = sklearn_em(X, pi, mu, sigma, covariance_type)
    sk_pi, sk_mu, sk_sigma = em.align_components(sk_pi, sk_mu, sk_sigma, ref.mu)
    diff = max(
        abs(ref.pi - sk_pi),
        float(np.max(np.abs(ref.mu - sk_mu))),
        float(np.max(np.abs(ref.sigma - sk_sigma))),
    )
    return EMComparison(diff, ref, (sk_pi, sk_mu, sk_sigma), sk_iter)


# ----------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    artists: tuple[str, ...]
    """Artist names, the columns of ``table``."""
    table: np.ndarray
    """Songs per (cluster, artist), shape (K, A)."""
    agreement: float
    """Fraction of songs in their artist's cluster under the best matching."""
    cluster_of: dict[str, int]
    """The cluster matched to each artist (best one-to-one matching)."""
    centroids: np.ndarray
    """Cluster centres in z-scored units, shape (K, F)."""
    features: tuple[str, ...]
    distortion: float


def calibration(spotify: datasets.Spotify, K: int = 3, n_init: int = 50,
                seed: int = 0) -> Calibration:  # fmt: skip
    """Best-of-``n_init`` K-means on the z-scored features, against the artists."""
    run = kmeans.kmeans(spotify.normalized, K, np.random.default_rng(seed), n_init=n_init)
    names = tuple(str(a) for a in spotify.artist_names)
    table = datasets.contingency(run.labels, spotify.artists, names, K)
    # Best one-to-one matching: the permutation that attains datasets.agreement.
    best = max(
        itertools.permutations(range(K), min(K, len(names))),
        key=lambda perm: sum(table[k, a] for a, k in enumerate(perm)),
    )
    return Calibration(
        artists=names,
        table=table,
        agreement=datasets.agreement(table),
        cluster_of={name: int(best[a]) for a, name in enumerate(names)},
        centroids=np.asarray(run.centres),
        features=spotify.features,
        distortion=run.distortion,
    )
