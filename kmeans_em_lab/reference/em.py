"""Reference EM for the lab's 1-D mixture of two Gaussians, vectorised with numpy.

The model, as the lab states it::

    p(x) = (1 - pi) * phi(x; mu_0, sigma_0^2) + pi * phi(x; mu_1, sigma_1^2)

``pi`` is the prior of component 1, ``mu`` = [mu_0, mu_1] are the means and
``sigma`` = [sigma_0, sigma_1] the standard deviations (not variances), in the
units of ``x``.

One EM step:

- E-step: ``gamma_i = pi phi_1(x_i) / ((1 - pi) phi_0(x_i) + pi phi_1(x_i))``,
  the probability that x_i comes from component 1, with the exact pdf.
- M-step: the gamma-weighted means, then the weighted variances around the
  *new* means, then ``pi = mean(gamma)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from kmeans_em_lab.reference.kmeans import lloyd

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _log_normal_pdf(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - _LOG_SQRT_2PI


def _component_log_densities(X, pi, mu, sigma) -> tuple[np.ndarray, np.ndarray]:
    """log((1 - pi) phi_0(x_i)) and log(pi phi_1(x_i)), each of shape (N,)."""
    X = np.asarray(X, dtype=float)
    return (
        np.log1p(-pi) + _log_normal_pdf(X, mu[0], sigma[0]),
        np.log(pi) + _log_normal_pdf(X, mu[1], sigma[1]),
    )


def _gamma(log_dens) -> np.ndarray:
    log_0, log_1 = log_dens
    return expit(log_1 - log_0)  # pi phi_1 / ((1 - pi) phi_0 + pi phi_1), without overflow


def _total_log_likelihood(log_dens) -> float:
    return float(np.logaddexp(*log_dens).sum())


def responsibilities(X, pi, mu, sigma) -> np.ndarray:
    """E-step: gamma_i = P(component 1 | x_i), shape (N,), computed in log space."""
    return _gamma(_component_log_densities(X, pi, mu, sigma))


def log_likelihood(X, pi, mu, sigma) -> float:
    """sum_i log p(x_i) under the mixture (natural log)."""
    return _total_log_likelihood(_component_log_densities(X, pi, mu, sigma))


def maximise(X, gamma) -> tuple[float, np.ndarray, np.ndarray]:
    """M-step from the responsibilities ``gamma`` (shape (N,)): ``(pi, mu, sigma)``.

    Component 0 weighs sample i by ``1 - gamma_i``, component 1 by ``gamma_i``;
    each variance is taken around that component's new mean.
    """
    X = np.asarray(X, dtype=float)
    weights = np.stack([1.0 - gamma, gamma])  # (2, N): component 0, component 1
    totals = weights.sum(axis=1)
    new_mu = weights @ X / totals
    new_var = np.einsum("kn,kn->k", weights, (X - new_mu[:, None]) ** 2) / totals
    return float(gamma.mean()), new_mu, np.sqrt(new_var)


def em_step(X, pi, mu, sigma) -> tuple[float, np.ndarray, np.ndarray]:
    """One E-step and M-step: returns the new ``(pi, mu, sigma)``.

    ``mu`` and ``sigma`` come back as float arrays of shape (2,). The inputs
    are not modified.
    """
    return maximise(X, responsibilities(X, pi, mu, sigma))


def init_from_kmeans(X, centres=None, rng: np.random.Generator | None = None):
    """Initial ``(pi, mu, sigma)`` from a 2-means clustering of ``X``.

    ``centres`` are the initial K-Means centres (shape (2,)); without them two
    distinct samples are drawn with ``rng``. Component k takes cluster k's
    mean and standard deviation; ``pi`` is the fraction of samples in cluster 1.
    """
    X = np.asarray(X, dtype=float)
    if centres is None:
        rng = np.random.default_rng() if rng is None else rng
        centres = rng.choice(np.unique(X), size=2, replace=False)
    run = lloyd(X, np.asarray(centres, dtype=float))
    mu = run.centres.astype(float)
    sigma = np.array([X[run.labels == k].std() for k in range(2)])
    return float(np.mean(run.labels == 1)), mu, sigma


@dataclass(frozen=True)
class EMResult:
    pi: float
    """Prior of component 1."""
    mu: np.ndarray
    """Means, shape (2,)."""
    sigma: np.ndarray
    """Standard deviations, shape (2,)."""
    log_likelihood: float
    n_iter: int
    history: tuple[float, ...]
    """Log-likelihood before each step and after the last; never decreases."""


def em(X, pi, mu, sigma, tol: float = 1e-14, max_iter: int = 100_000) -> EMResult:
    """EM from ``(pi, mu, sigma)`` until the log-likelihood stops rising.

    Stops when one step raises the log-likelihood by less than
    ``tol * |log-likelihood|``.
    """
    X = np.asarray(X, dtype=float)
    pi, mu, sigma = float(pi), np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    # The densities at the current parameters give both their log-likelihood
    # and the next E-step, so each iteration evaluates them once.
    log_dens = _component_log_densities(X, pi, mu, sigma)
    ll = _total_log_likelihood(log_dens)
    history = [ll]
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is reported)
        pi, mu, sigma = maximise(X, _gamma(log_dens))
        log_dens = _component_log_densities(X, pi, mu, sigma)
        new_ll = _total_log_likelihood(log_dens)
        history.append(new_ll)
        converged = new_ll - ll < tol * abs(ll)
        ll = new_ll
        if converged:
            break
    else:
        raise RuntimeError(f"EM did not converge in {max_iter} iterations")
    return EMResult(pi, mu, sigma, ll, n_iter, tuple(history))


def fit(X, rng: np.random.Generator | None = None, centres=None) -> EMResult:
    """EM from a K-Means initialisation (the lab's ``EM``)."""
    return em(X, *init_from_kmeans(X, centres=centres, rng=rng))


def align_components(pi, mu, sigma, like_mu) -> tuple[float, np.ndarray, np.ndarray]:
    """Relabel the two components so ``mu`` is ordered like ``like_mu``.

    Swapping the components maps ``pi`` to ``1 - pi`` and reverses ``mu`` and
    ``sigma``; the mixture is the same.
    """
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    same = abs(mu[0] - like_mu[0]) + abs(mu[1] - like_mu[1])
    swapped = abs(mu[1] - like_mu[0]) + abs(mu[0] - like_mu[1])
    if swapped < same:
        return 1.0 - float(pi), mu[::-1].copy(), sigma[::-1].copy()
    return float(pi), mu, sigma
