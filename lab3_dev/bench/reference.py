"""Part 3: the reference K-Means and EM against scikit-learn on the lab's data.

Both sides start from the same centres (K-Means, z-scored Spotify features) or
parameters (EM, the mixture samples) and are first checked to reach the same
result with the oracles the tests use (:mod:`lab3_dev.oracles`); only then are
they timed, in alternation, as installed and with one thread.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from kmeans_em_lab.course import datasets
from kmeans_em_lab.reference import em, kmeans
from lab3_dev import oracles
from lab3_dev.bench.report import Goal, Section, fmt_ratio, fmt_seconds
from lab3_dev.bench.timing import alternate, median, paired_ratio, per_call

KMEANS_REL = 1e-12  # same labels, centres and distortion within this, relative
EM_ABS = 1e-5  # pi, mu, sigma within this, as grader_tests/reference/test_reference_em.py
THREADS = ("default threads", "1 thread")


class NotEqual(AssertionError):
    """The reference and scikit-learn disagree: timing them would be meaningless."""


@dataclass
class Comparison:
    name: str
    starts: int
    iterations: tuple[int, int]  # reference, scikit-learn (all starts)
    difference: float  # the largest difference found between the two results
    # threads setting -> seconds per round (all starts run once) of (reference, sklearn)
    times: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)

    def speedup(self, threads: str) -> float | None:
        """How many times faster the reference is (median of per-round ratios)."""
        return paired_ratio(self.times[threads][1], self.times[threads][0])

    def time(self, reference, sklearn, rounds: int, min_seconds: float) -> Comparison:
        from threadpoolctl import threadpool_limits

        for setting in THREADS:
            one = setting == "1 thread"
            with threadpool_limits(limits=1) if one else contextlib.nullcontext():
                sides = {
                    "ref": per_call(reference, min_seconds),
                    "sk": per_call(sklearn, min_seconds),
                }
                found = alternate(sides, rounds)
            self.times[setting] = (found["ref"], found["sk"])
        return self


def kmeans_starts(X: np.ndarray, K: int, count: int) -> list[np.ndarray]:
    """``count`` Forgy starts (seeds 0, 1, ...) that never empty a cluster (the
    only runs scikit-learn and the reference treat alike, see ``oracles``)."""
    starts, seed = [], 0
    while len(starts) < count:
        m0 = kmeans.init_centroids(X, K, np.random.default_rng(seed))
        if oracles.never_empties(X, m0):
            starts.append(m0)
        seed += 1
    return starts


def compare_kmeans(X: np.ndarray, K: int, starts: list[np.ndarray], rounds: int) -> Comparison:
    iters, worst = [0, 0], 0.0
    for m0 in starts:
        result = oracles.compare_kmeans(X, m0)
        worst = max(worst, result.centre_rel, result.inertia_rel)
        if not (result.same_labels and max(result.centre_rel, result.inertia_rel) <= KMEANS_REL):
            raise NotEqual(f"K-Means from {m0.tolist()}: reference and sklearn differ: {result}")
        iters = [iters[0] + result.n_iter, iters[1] + oracles.sklearn_lloyd(X, m0)[3]]
    return Comparison(f"K-Means (Lloyd), K={K}", len(starts), tuple(iters), worst).time(
        lambda: [kmeans.lloyd(X, m0) for m0 in starts],
        lambda: [oracles.sklearn_lloyd(X, m0) for m0 in starts],
        rounds,
        min_seconds=0.02,
    )


def em_starts(X: np.ndarray, count: int) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """The lab's EM starts: 2-means from two distinct samples (seeds 0, 1, ...)."""
    return [em.init_from_kmeans(X, rng=np.random.default_rng(seed)) for seed in range(count)]


def compare_em(X: np.ndarray, starts, rounds: int) -> Comparison:
    iters, worst = [0, 0], 0.0
    for start in starts:
        result = oracles.compare_em(X, *start)
        worst = max(worst, result.max_abs)
        if not result.max_abs < EM_ABS:
            raise NotEqual(f"EM from {start}: reference and scikit-learn differ by "
                           f"{result.max_abs:.3g} (> {EM_ABS})")  # fmt: skip
        iters = [iters[0] + result.reference.n_iter, iters[1] + result.sklearn_n_iter]
    return Comparison("EM (2-component 1-D mixture)", len(starts), tuple(iters), worst).time(
        lambda: [em.em(X, *start, tol=oracles.REFERENCE_EM_TOL) for start in starts],
        lambda: [oracles.sklearn_em(X, *start) for start in starts],
        rounds,
        min_seconds=0,
    )


def run(kmeans_rounds: int = 30, em_rounds: int = 10, starts: int = 3) -> Section:
    section = Section(
        "3. Reference implementations vs scikit-learn",
        f"Same starts on both sides, the results checked equal before timing (K-Means: same "
        f"labels, centres and distortion within {KMEANS_REL:g} relative; EM: pi, mu, sigma "
        f"within {EM_ABS:g}). Times: all {starts} starts run once, medians over rounds run in "
        "alternation; speed-up = scikit-learn's time / the reference's (median of per-round "
        "ratios). '1 thread' limits both sides' OpenMP and BLAS to one thread, the steadier "
        "comparison on a loaded machine; the goal is judged on the less favourable setting.",
    )
    spotify, gmm = datasets.load_spotify(), datasets.load_gmm()
    Z, K = spotify.normalized, len(spotify.artist_names)
    results = [
        compare_kmeans(Z, K, kmeans_starts(Z, K, starts), kmeans_rounds),
        compare_em(gmm.X, em_starts(gmm.X, starts), em_rounds),
    ]
    table = section.table(
        "",
        ["algorithm", "max difference", "iterations ref / sklearn", "threads", "reference",
         "scikit-learn", "speed-up"],
    )  # fmt: skip
    for r in results:
        for setting in THREADS:
            ref, sk = (median(side) for side in r.times[setting])
            table.add(r.name, f"{r.difference:.2g}", "{} / {}".format(*r.iterations), setting,
                      fmt_seconds(ref), fmt_seconds(sk), fmt_ratio(r.speedup(setting)))  # fmt: skip
        worst = min(THREADS, key=lambda t: r.speedup(t) or 0.0)
        speedup = r.speedup(worst)
        section.goals.append(
            Goal(
                f"3. reference {r.name.split(',')[0]} faster than scikit-learn",
                f"{fmt_ratio(speedup)} ({worst})",
                "> 1.00x under both threads settings",
                None if speedup is None else speedup > 1.0,
            )
        )
    section.data["comparisons"] = results
    return section
