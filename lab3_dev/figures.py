"""``python -m kmeans_em_lab figures``: the calibration and oracle figures.

Prints, on the data in ``data/``:

1. the artist-vs-cluster table and agreement of best-of-N 3-means on the
   z-scored Spotify features (the figure the generator is calibrated on);
2. the largest relative difference in centres and inertia between the
   reference K-Means and scikit-learn's ``KMeans`` from the same initial centres;
3. the largest absolute difference between the reference EM's estimate and
   scikit-learn's ``GaussianMixture`` from the same start;
4. the reference EM (the lab's ``EM``: K-Means start, default tolerance) against
   the true mixture parameters, with its iterations and time.

The computations live in :mod:`lab3_dev.oracles`, shared with the tests.
scikit-learn is needed (it is in requirements.txt as a test-only dependency).
"""

from __future__ import annotations

import inspect
import time

import numpy as np

from kmeans_em_lab.course import datasets
from kmeans_em_lab.reference import em, kmeans
from lab3_dev import oracles


def add_arguments(parser) -> None:
    parser.add_argument("--n-init", type=int, default=50, help="restarts of the 3-means")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument(
        "--inits", type=int, default=5, help="initialisations compared with scikit-learn"
    )


def _calibration(spotify: datasets.Spotify, n_init: int, seed: int) -> None:
    cal = oracles.calibration(spotify, K=3, n_init=n_init, seed=seed)
    print(f"1. Best-of-{n_init} 3-means on the z-scored features (rng seed {seed})")
    width = max(len(a) for a in cal.artists) + 2
    print("   cluster" + "".join(f"{a:>{width}}" for a in cal.artists))
    for k, row in enumerate(cal.table):
        print(f"   K = {k:<3}" + "".join(f"{n:>{width}}" for n in row))
    matched = sum(cal.table[cal.cluster_of[a], j] for j, a in enumerate(cal.artists))
    pairs = ", ".join(f"{a} -> {k}" for a, k in cal.cluster_of.items())
    print(f"   agreement: {matched}/{cal.table.sum()} = {100 * cal.agreement:.1f}%  ({pairs})")
    print("   (the original lab reported 470/600, about 78%; calibration target 70-85%)")


def _kmeans_oracle(spotify: datasets.Spotify, inits: int, seed: int) -> None:
    print("\n2. Reference K-Means vs scikit-learn KMeans")
    print("   (algorithm='lloyd', n_init=1, the same initial centres, tol=0)")
    rng = np.random.default_rng(seed)
    Z = spotify.normalized
    X1 = Z[:, 0]
    cases = [("spotify z-scored", Z, K) for K in (2, 3, 5)] + [("spotify column 0 (1-D)", X1, 3)]
    print(
        f"   {'data':<24}{'K':>3}{'runs':>6}{'centres rel.':>15}{'inertia rel.':>15}{'labels':>8}"
    )
    worst_c = worst_i = 0.0
    for name, X, K in cases:
        results = []
        while len(results) < inits:
            m0 = kmeans.init_centroids(X, K, rng)
            if oracles.never_empties(X, m0):  # sklearn relocates empty clusters
                results.append(oracles.compare_kmeans(X, m0))
        c = max(r.centre_rel for r in results)
        i = max(r.inertia_rel for r in results)
        same = "same" if all(r.same_labels for r in results) else "DIFFER"
        worst_c, worst_i = max(worst_c, c), max(worst_i, i)
        print(f"   {name:<24}{K:>3}{len(results):>6}{c:>15.2e}{i:>15.2e}{same:>8}")
    print(f"   max relative difference: centres {worst_c:.2e}, inertia {worst_i:.2e}")


def _em_oracle(gmm: datasets.Mixture, inits: int, seed: int) -> None:
    print("\n3. Reference EM vs scikit-learn GaussianMixture")
    print(
        f"   (2 components, same start, reg_covar=0, sklearn tol=1e-14; "
        f"reference tol={oracles.REFERENCE_EM_TOL:g})"
    )
    rng = np.random.default_rng(seed)
    worst = 0.0
    for covariance_type in ("full", "spherical"):
        diffs = []
        for _ in range(inits):
            start = em.init_from_kmeans(gmm.X, rng=rng)
            diffs.append(oracles.compare_em(gmm.X, *start, covariance_type=covariance_type).max_abs)
        worst = max(worst, *diffs)
        label = f"covariance_type={covariance_type!r}"
        print(f"   {label:<29}{inits} starts: max |diff| {max(diffs):.2e}")
    print(f"   max abs difference in (pi, mu, sigma): {worst:.2e}")
    default_tol = inspect.signature(em.em).parameters["tol"].default
    start = em.init_from_kmeans(gmm.X, rng=np.random.default_rng(seed))
    loose = oracles.compare_em(gmm.X, *start, tol=default_tol).max_abs
    print(f"   (the reference at its default tol={default_tol:g}: max |diff| {loose:.2e})")


def _em_vs_truth(gmm: datasets.Mixture, seed: int) -> None:
    print("\n4. Reference EM (K-Means start, default tol) on data/GMM.p vs the true parameters")
    timings = []
    for _ in range(3):
        start_time = time.perf_counter()
        fitted = em.fit(gmm.X, rng=np.random.default_rng(seed))
        timings.append(time.perf_counter() - start_time)
    pi, mu, sigma = em.align_components(fitted.pi, fitted.mu, fitted.sigma, gmm.mu)
    header = ("pi", "mu_0", "mu_1", "sigma_0", "sigma_1")
    true = (gmm.pi, *gmm.mu, *gmm.sigma)
    got = (pi, *mu, *sigma)
    print("   " + " " * 8 + "".join(f"{h:>10}" for h in header))
    print("   " + f"{'true':<8}" + "".join(f"{v:>10.4f}" for v in true))
    print("   " + f"{'EM':<8}" + "".join(f"{v:>10.4f}" for v in got))
    diffs = (abs(a - b) for a, b in zip(got, true, strict=True))
    print("   " + f"{'|diff|':<8}" + "".join(f"{d:>10.4f}" for d in diffs))
    print(
        f"   {fitted.n_iter} iterations, {1000 * min(timings):.0f} ms (best of 3), "
        f"log-likelihood {fitted.log_likelihood:.3f}, N = {len(gmm.X)}"
    )


def main(args) -> int:
    spotify, gmm = datasets.load_spotify(), datasets.load_gmm()
    _calibration(spotify, args.n_init, args.seed)
    _kmeans_oracle(spotify, args.inits, args.seed)
    _em_oracle(gmm, args.inits, args.seed)
    _em_vs_truth(gmm, args.seed)
    return 0
