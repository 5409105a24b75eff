"""The reference EM (kmeans_em_lab.reference.em) against scikit-learn, a naive loop, and
its properties.

scikit-learn's ``GaussianMixture`` is the independent oracle: two components,
the same initial weights, means and precisions, no covariance regularisation
and a tolerance far below the comparison's 1e-5. The lab's convention: ``pi``
is the prior of component 1, ``sigma`` are standard deviations.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from kmeans_em_lab.reference import em
from lab3_dev import oracles

MLE_ABS = 1e-5


def _mixture(seed: int, n: int = 3000):
    """Samples of a random well-separated 1-D mixture and its (pi, mu, sigma)."""
    rng = np.random.default_rng(seed)
    mu = np.array([rng.uniform(-3, 0), rng.uniform(1, 4)])
    sigma = rng.uniform(0.5, 1.5, size=2)
    pi = rng.uniform(0.2, 0.8)
    component = (rng.random(n) < pi).astype(int)
    return rng.normal(mu[component], sigma[component]), (pi, mu, sigma)


def _inits(X):
    """Two starts: the lab's 2-means one, and a crude one from the quartiles."""
    q1, q3 = np.quantile(X, [0.25, 0.75])
    crude = (0.5, np.array([q3, q1]), np.array([X.std(), X.std()]))
    return [em.init_from_kmeans(X, centres=[q1, q3]), crude]


# ----------------------------------------------------------------------------- oracle


@pytest.mark.parametrize("covariance_type", ["full", "spherical"])
def test_mle_matches_sklearn_on_the_labs_data(gmm, covariance_type):
    for init in _inits(gmm.X):
        result = oracles.compare_em(gmm.X, *init, covariance_type=covariance_type)
        assert result.max_abs < MLE_ABS, result


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mle_matches_sklearn_on_random_mixtures(seed):
    X, _ = _mixture(seed)
    for init in _inits(X):
        result = oracles.compare_em(X, *init, covariance_type="full")
        assert result.max_abs < MLE_ABS, result


def test_default_tolerance_stops_close_to_the_mle(gmm):
    """``em``'s default stopping rule (1e-12 relative rise) is within 1e-4 of the MLE."""
    init = em.init_from_kmeans(gmm.X, centres=[1.0, -1.0])
    ref = em.em(gmm.X, *init)
    sk_pi, sk_mu, sk_sigma, _ = oracles.sklearn_em(gmm.X, *init)
    sk_pi, sk_mu, sk_sigma = em.align_components(sk_pi, sk_mu, sk_sigma, ref.mu)
    assert abs(ref.pi - sk_pi) < 1e-4
    np.testing.assert_allclose(ref.mu, sk_mu, rtol=0, atol=1e-4)
    np.testing.assert_allclose(ref.sigma, sk_sigma, rtol=0, atol=1e-4)


def test_mle_is_close_to_the_true_parameters(gmm):
    fitted = em.fit(gmm.X, centres=[1.0, -1.0])
    pi, mu, sigma = em.align_components(fitted.pi, fitted.mu, fitted.sigma, gmm.mu)
    assert abs(pi - gmm.pi) < 0.1
    np.testing.assert_allclose(mu, gmm.mu, rtol=0, atol=0.1)
    np.testing.assert_allclose(sigma, gmm.sigma, rtol=0, atol=0.1)


# ----------------------------------------------------------------------------- one step


def _naive_em_step(X, pi, mu, sigma):
    """The lab's update written out sample by sample with scipy.stats.norm.pdf."""
    gamma = []
    for x in X:
        p0 = (1 - pi) * norm.pdf(x, mu[0], sigma[0])
        p1 = pi * norm.pdf(x, mu[1], sigma[1])
        gamma.append(p1 / (p0 + p1))
    new_mu, new_sigma = [], []
    for weights in ([1 - g for g in gamma], gamma):
        total = sum(weights)
        mean = sum(w * x for w, x in zip(weights, X, strict=True)) / total
        var = sum(w * (x - mean) ** 2 for w, x in zip(weights, X, strict=True)) / total
        new_mu.append(mean)
        new_sigma.append(var**0.5)
    return sum(gamma) / len(gamma), np.array(new_mu), np.array(new_sigma), np.array(gamma)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_em_step_matches_a_naive_loop(seed):
    X, (pi, mu, sigma) = _mixture(seed, n=300)
    # start away from the truth so that the step moves every parameter
    start = (0.5, mu + np.array([0.7, -0.4]), sigma * 1.3)
    pi_n, mu_n, sigma_n, _ = _naive_em_step(X, *start)
    pi_r, mu_r, sigma_r = em.em_step(X, *start)
    assert abs(pi_r - pi_n) < 1e-12
    np.testing.assert_allclose(mu_r, mu_n, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sigma_r, sigma_n, rtol=0, atol=1e-12)


def test_em_runs_the_same_steps_as_em_step(gmm):
    """em() shares one density evaluation between the log-likelihood and the next
    E-step: its path must still be em_step applied n_iter times."""
    start = em.init_from_kmeans(gmm.X, centres=[-1.0, 1.0])
    run = em.em(gmm.X, *start)
    pi, mu, sigma = start
    for step in range(run.n_iter):
        pi, mu, sigma = em.em_step(gmm.X, pi, mu, sigma)
        assert run.history[step + 1] == pytest.approx(
            em.log_likelihood(gmm.X, pi, mu, sigma), rel=1e-14
        )
    assert (run.pi, *run.mu, *run.sigma) == pytest.approx((pi, *mu, *sigma), rel=1e-13)


def test_em_step_does_not_mutate_its_inputs():
    X, _ = _mixture(4, n=200)
    mu, sigma, X_before = np.array([-1.0, 2.0]), np.array([1.0, 1.0]), X.copy()
    em.em_step(X, 0.4, mu, sigma)
    np.testing.assert_array_equal(mu, [-1.0, 2.0])
    np.testing.assert_array_equal(sigma, [1.0, 1.0])
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("seed", [0, 1])
def test_responsibilities_match_the_pdf_formula(seed):
    X, _ = _mixture(seed, n=400)
    pi, mu, sigma = 0.35, np.array([-1.0, 2.0]), np.array([0.8, 1.3])
    p0 = (1 - pi) * norm.pdf(X, mu[0], sigma[0])
    p1 = pi * norm.pdf(X, mu[1], sigma[1])
    gamma = em.responsibilities(X, pi, mu, sigma)
    assert gamma.shape == X.shape
    np.testing.assert_allclose(gamma, p1 / (p0 + p1), rtol=1e-12, atol=1e-14)
    _, _, _, naive = _naive_em_step(X, pi, mu, sigma)
    np.testing.assert_allclose(gamma, naive, rtol=1e-12, atol=1e-14)


def test_log_likelihood_matches_the_pdf_formula(gmm):
    pi, mu, sigma = 0.4, np.array([1.0, -1.0]), np.array([1.0, 2.0])
    density = (1 - pi) * norm.pdf(gmm.X, mu[0], sigma[0]) + pi * norm.pdf(gmm.X, mu[1], sigma[1])
    expected = np.log(density).sum()
    assert em.log_likelihood(gmm.X, pi, mu, sigma) == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------------- properties


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_likelihood_never_decreases(gmm, seed):
    X = gmm.X if seed == 0 else _mixture(seed)[0]
    for init in _inits(X):
        run = em.em(X, *init)
        history = np.array(run.history)
        assert len(history) == run.n_iter + 1
        assert np.all(np.diff(history) >= -1e-12 * np.abs(history[:-1])), history
        assert run.log_likelihood == history[-1]
        assert run.log_likelihood == pytest.approx(
            em.log_likelihood(X, run.pi, run.mu, run.sigma), rel=1e-12
        )
        assert history[-1] > history[0]


def test_permuting_the_rows_changes_nothing(gmm):
    init = em.init_from_kmeans(gmm.X, centres=[1.0, -1.0])
    order = np.random.default_rng(0).permutation(len(gmm.X))
    run, shuffled = em.em(gmm.X, *init), em.em(gmm.X[order], *init)
    assert shuffled.pi == pytest.approx(run.pi, abs=1e-9)
    np.testing.assert_allclose(shuffled.mu, run.mu, rtol=0, atol=1e-9)
    np.testing.assert_allclose(shuffled.sigma, run.sigma, rtol=0, atol=1e-9)
    assert shuffled.log_likelihood == pytest.approx(run.log_likelihood, rel=1e-12)
    # the K-Means initialisation does not depend on the order either
    shuffled_init = em.init_from_kmeans(gmm.X[order], centres=[1.0, -1.0])
    assert shuffled_init[0] == pytest.approx(init[0], abs=1e-12)
    np.testing.assert_allclose(shuffled_init[1], init[1], rtol=1e-12)
    np.testing.assert_allclose(shuffled_init[2], init[2], rtol=1e-12)


def test_align_components_swaps_pi_mu_and_sigma():
    pi, mu, sigma = em.align_components(0.3, [1.3, -1.8], [0.7, 1.5], like_mu=[-2.0, 1.0])
    assert pi == pytest.approx(0.7)
    np.testing.assert_array_equal(mu, [-1.8, 1.3])
    np.testing.assert_array_equal(sigma, [1.5, 0.7])
    kept = em.align_components(0.3, [1.3, -1.8], [0.7, 1.5], like_mu=[1.0, -2.0])
    assert kept[0] == 0.3
    np.testing.assert_array_equal(kept[1], [1.3, -1.8])
    np.testing.assert_array_equal(kept[2], [0.7, 1.5])


def test_swapped_components_are_the_same_mixture(gmm):
    """Relabelling leaves the likelihood unchanged, and EM from a swapped start finds the
    swapped MLE."""
    pi, mu, sigma = 0.3, np.array([1.3, -1.8]), np.array([0.7, 1.5])
    swapped = em.align_components(pi, mu, sigma, like_mu=mu[::-1])
    assert em.log_likelihood(gmm.X, *swapped) == pytest.approx(
        em.log_likelihood(gmm.X, pi, mu, sigma), rel=1e-12
    )
    run, run_swapped = em.em(gmm.X, pi, mu, sigma), em.em(gmm.X, *swapped)
    back = em.align_components(run_swapped.pi, run_swapped.mu, run_swapped.sigma, run.mu)
    assert back[0] == pytest.approx(run.pi, abs=1e-9)
    np.testing.assert_allclose(back[1], run.mu, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back[2], run.sigma, rtol=0, atol=1e-9)
