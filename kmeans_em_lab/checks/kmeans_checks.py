"""Hidden checks of the K-Means part: ``Centroid_init``, ``Set``, ``Update``, ``K_Means``.

Each check takes the notebook's namespace as a :class:`.harness.Session`,
calls the student's function through :func:`.harness.call` and raises
``AssertionError`` with a message that says, in plain words, what differs
from the contract. Seeds and tolerances are the grading policy's (:mod:`.policy`).
"""

from __future__ import annotations

import numpy as np

from kmeans_em_lab.checks import draws
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.checks.harness import call, substituted
from kmeans_em_lab.checks.numbers import all_close, as_float_array, as_scalar, rel_close
from kmeans_em_lab.checks.policy import (
    CENTRES_1D_ATOL,
    CENTROID_INIT_SEEDS,
    EQUALLY_GOOD_1D,
    FIXED_POINT_TOL,
    K_MEANS_1D_SEEDS,
    K_MEANS_SEEDS,
    KMEANS_D_RTOL,
    OPTIMUM_SLACK,
    SET_D_RTOL,
    SET_MISTAKE_RTOL,
    SET_UPDATE_SEED,
    UPDATE_ATOL,
    UPDATE_RTOL,
)
from kmeans_em_lab.checks.verdict import Verdict, check_not_mutated, describe, fmt, one_line
from kmeans_em_lab.reference import kmeans


def _data_cases():
    """(label, X) for the 2-D Spotify features and the 1-D mixture samples."""
    return [("tracks", ref.spotify_X()), ("Data['X']", ref.gmm_X())]


def _centre_cases(X: np.ndarray, K: int, seed: int | None = None):
    """Centre sets for ``Set`` and ``Update``: (description, m), one leaving a cluster empty;
    picked with ``seed`` (default: the draw in effect's centre seed)."""
    rng = np.random.default_rng(draws.current().centre_seed if seed is None else seed)
    tail = X.shape[1:]
    rows = X[rng.choice(len(X), size=K, replace=False)]
    spread = X.std(axis=0)
    gaussian = X.mean(axis=0) + rng.standard_normal((K,) + tail) * spread
    far = rows.copy()
    far[-1] = X.max(axis=0) + 50.0 * (1.0 + np.abs(X).max())
    more = X[rng.choice(len(X), size=K + 2, replace=False)]
    return [
        (f"{K} samples of the data as centres", rows),
        (f"{K} random points as centres", gaussian),
        (f"centre {K - 1} far from every sample (its cluster must be empty)", far),
        (f"{K + 2} centres", more),
        (f"centre {K - 1} next to an isolated sample (its cluster holds that one sample)",
         _lone_centres(X, rows)),
    ]  # fmt: skip


def _lone_centres(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` with the last two centres replaced so that the last one's cluster holds
    exactly one sample: an outlying sample ``s``, its nearest neighbour ``t`` as centre
    K-2, centre K-1 just beyond ``s`` (away from ``t``), so that the cluster's mean is
    ``s`` and not the centre itself."""
    flat = X.reshape(len(X), -1)
    far_first = np.argsort(-np.linalg.norm(flat - flat.mean(axis=0), axis=1), kind="stable")
    for i in far_first[:100]:
        gaps = np.linalg.norm(flat - flat[i], axis=1)
        gaps[i] = np.inf
        j = int(np.argmin(gaps))
        m = np.array(rows, dtype=float)
        m[-2], m[-1] = X[j], X[i] + 0.5 * (X[i] - X[j])
        C, _ = kmeans.assign(X, m)
        if len(C[len(m) - 1]) == 1:
            return m
    raise RuntimeError("no sample of the data is isolated enough for a one-sample cluster")


def _sorted_rows(points: np.ndarray) -> np.ndarray:
    """Rows of a (M, F) array in lexicographic order (cluster contents are order-free)."""
    return points[np.lexsort(points.T[::-1])] if len(points) else points


def check_Centroid_init(namespace: dict) -> None:
    v = Verdict("Centroid_init")
    f = namespace["Centroid_init"]
    for label, X in _data_cases():
        K = ref.n_artists() if X.ndim == 2 else 2
        call_text = f"Centroid_init({label}, {K})"
        draws = []
        for seed in CENTROID_INIT_SEEDS:
            arr = _draw(v, f, X, K, call_text, namespace, seed)
            if arr is None:
                continue  # not break: every planned call is answered in the record, in order
            draws.append(arr)
            v.require(
                bool(np.all(np.isfinite(arr))),
                f"{call_text} returned nan or inf",
                cause="nan_result",
            )
            rows = np.unique(arr.reshape(K, -1), axis=0)
            v.require(
                len(rows) == K,
                f"{call_text} returned only {len(rows)} distinct centres: the {K} centres "
                "must differ, or clusters start out identical",
                cause="repeated_centres",
            )
            low, high = X.min(axis=0), X.max(axis=0)
            v.require(
                bool(np.all((arr >= low) & (arr <= high))),
                f"{call_text} put a centre outside the range of the data "
                f"(min {fmt(low)}, max {fmt(high)}): draw the centres from the data's region",
                cause="centre_outside_data",
            )
        if len(draws) >= 2:
            v.require(
                not all(np.array_equal(draws[0], d) for d in draws[1:]),
                f"{call_text} returned the same centres for different random states: "
                "draw them with the notebook's `rng`, not a fixed seed",
                cause="ignores_rng",
            )
    for label, X in _few_samples_cases():
        _check_few_samples(v, f, label, X, namespace)
    v.raise_if_failed()


def _draw(v: Verdict, f, X: np.ndarray, K: int, call_text: str, namespace, seed: int):
    """``Centroid_init(X, K)`` under ``seed``: its centres as an array of shape
    (K,) + X.shape[1:], or None (and the failure noted) when it returned something else."""
    shape = (K,) + X.shape[1:]
    m, report = call(f, X, K, label=call_text, namespace=namespace, seed=seed)
    check_not_mutated(v, call_text, report, ("X", "K"))
    arr = as_float_array(m, shape)
    v.require(
        arr is not None,
        f"{call_text} should return an array of shape {shape}, got {describe(m)}",
        cause="wrong_type",
    )
    return arr


def _few_samples_cases():
    """(label, X): data with as many samples as centres are asked for (K = N)."""
    return [("tracks[:4]", ref.spotify_X()[:4]), ("Data['X'][:3]", ref.gmm_X()[:3])]


def _check_few_samples(v: Verdict, f, label: str, X: np.ndarray, namespace) -> None:
    """K = N: the K centres must still differ (a draw with replacement repeats a sample).
    Every planned call is made, whatever the earlier ones returned."""
    K = len(X)
    call_text = f"Centroid_init({label}, {K})"
    for seed in CENTROID_INIT_SEEDS:
        arr = _draw(v, f, X, K, call_text, namespace, seed)
        if arr is None:
            continue
        if not v.require(
            bool(np.all(np.isfinite(arr))), f"{call_text} returned nan or inf", cause="nan_result"
        ):
            continue
        distinct = len(np.unique(arr.reshape(K, -1), axis=0))
        v.require(
            distinct == K,
            f"{call_text} returned only {distinct} distinct centres for {K} samples: the "
            f"{K} centres must differ (drawing samples with replacement can repeat one)",
            cause="repeated_centres",
        )


def check_Set(namespace: dict) -> None:
    v = Verdict("Set")
    f = namespace["Set"]
    for label, X, description, m in _set_update_cases(namespace):
        call_text = f"Set({label}, m) with {description}"
        result, report = call(f, X, m, label=call_text, namespace=namespace, seed=SET_UPDATE_SEED)
        check_not_mutated(v, call_text, report, ("X", "m"))
        _compare_set(v, call_text, X, m, result, report)
    v.raise_if_failed()


def _set_update_cases(namespace):
    """The calls the checks of ``Set`` and ``Update`` make: (data's label, X, the centres'
    description, centres m), for each data set and each of its drawn centres."""
    for label, X in _data_cases():
        K = ref.n_artists() if X.ndim == 2 else 2
        for description, m in _centre_cases(X, K, namespace.draw.centre_seed):
            yield label, X, description, m


def _compare_set(v: Verdict, call_text: str, X, m, result, report) -> None:
    if not (isinstance(result, tuple | list) and len(result) == 2):
        v.add(
            f"{call_text} should return a pair (C, D), got {describe(result)}", cause="wrong_type"
        )
        return
    C, D = result
    want_C, want_D = kmeans.assign(X, m)
    K = len(m)
    if not isinstance(C, dict):
        v.add(
            f"{call_text}: C should be a dict of the points of each cluster, got {describe(C)}",
            cause="clusters_not_dict",
        )
        return
    if sorted(C.keys(), key=str) != sorted(range(K), key=str):
        v.add(
            f"{call_text}: C should have the integer keys 0..{K - 1}, "
            f"got {one_line(repr(list(C.keys()))[:200])}",
            cause="cluster_keys",
        )
        return
    width = X.shape[1] if X.ndim == 2 else 1
    own_D, misassigned = 0.0, False  # the distortion of the clusters C holds; any wrong one
    for k in range(K):
        try:
            got = np.asarray(C[k], dtype=float).reshape(-1, width)
        except (TypeError, ValueError):
            v.add(f"{call_text}: C[{k}] should hold the samples of cluster {k}, "
                  f"got {describe(C[k])}", cause="wrong_type")  # fmt: skip
            own_D = np.nan
            continue
        own_D += float(((got - np.reshape(m[k], (1, width))) ** 2).sum())
        want = want_C[k].reshape(-1, width)
        if len(got) != len(want):
            misassigned = True
            v.add(f"{call_text}: cluster {k} has {len(got)} samples, expected {len(want)} "
                  "(each sample goes to its nearest centre)", cause="wrong_assignment")  # fmt: skip
        elif not np.array_equal(_sorted_rows(got), _sorted_rows(want)):
            misassigned = True
            v.add(f"{call_text}: cluster {k} holds the right number of samples but not the "
                  "right ones (each sample goes to its nearest centre)",
                  cause="wrong_assignment")  # fmt: skip
    got_D = as_scalar(D)
    if got_D is None:
        v.add(f"{call_text}: D should be a number, got {describe(D)}", cause="wrong_type")
    elif misassigned and rel_close(got_D, own_D, SET_D_RTOL):
        # D follows from the clusters as C holds them: only the assignment is wrong
        v.note(f"{call_text}: D = {fmt(got_D)} is the distortion of the clusters C holds; "
               f"with each sample at its nearest centre it is {fmt(want_D)}")  # fmt: skip
    elif not rel_close(got_D, want_D, SET_D_RTOL):
        hint, cause = "", "wrong_distortion"
        root = float(np.sqrt(kmeans.squared_distances(X, m).min(axis=1)).sum())
        if rel_close(got_D, root, SET_MISTAKE_RTOL):
            hint = " (that is the sum of distances: the distortion sums SQUARED distances)"
            cause = "distortion_not_squared"
        v.add(f"{call_text}: D = {fmt(got_D)}, expected {fmt(want_D)}{hint}", cause=cause)
    if report.summary() and v.problems:
        v.note(f"{call_text}: your code also emitted {report.summary()}")


def public_causes_set(args: tuple, result) -> list[str]:
    """Why the answer ``result`` of a public test's call ``Set(*args)`` misses, by the
    hidden check's own conditions (:func:`_compare_set`): the causes found ([] for none)."""
    if len(args) != 2:
        return []
    X, m = (np.asarray(a, dtype=float) for a in args)
    v = Verdict("Set")
    _compare_set(v, "Set(X, m)", X, m, result, _NO_REPORT)
    return list(v.causes)


class _NoReport:
    """A call's report when only its answer is known (a public test's): nothing emitted."""

    @staticmethod
    def summary() -> str:
        return ""


_NO_REPORT = _NoReport()


def check_Update(namespace: dict) -> None:
    v = Verdict("Update")
    f = namespace["Update"]
    for label, X, description, m in _set_update_cases(namespace):
        C, _ = kmeans.assign(X, m)
        call_text = f"Update({label}, C, m) with {description}"
        new_m, report = call(f, X, C, m, label=call_text, namespace=namespace, seed=SET_UPDATE_SEED)
        check_not_mutated(v, call_text, report, ("X", "C", "m"))
        _compare_update(v, call_text, C, m, new_m, report)
    v.raise_if_failed()


def _compare_update(v: Verdict, call_text: str, C, m, new_m, report) -> None:
    got = as_float_array(new_m, m.shape)
    if got is None:
        v.add(
            f"{call_text} should return centres of shape {m.shape}, got {describe(new_m)}",
            cause="wrong_type",
        )
        return
    want = kmeans.update(None, C, m)
    for k in range(len(m)):
        if len(C[k]) == 0:
            v.require(
                bool(np.all(np.isfinite(got[k]))),
                f"{call_text}: cluster {k} is empty and its new centre is {fmt(got[k])}; "
                "an empty cluster must keep a usable centre (e.g. its previous one), never nan",
                cause="empty_cluster_nan",
            )
        elif not all_close(got[k], want[k], rtol=UPDATE_RTOL, atol=UPDATE_ATOL):
            v.add(f"{call_text}: centre {k} is {fmt(got[k])}, expected the mean of its "
                  f"cluster {fmt(want[k])}", cause="wrong_mean")  # fmt: skip
    if report.summary() and v.problems:
        v.note(f"{call_text}: your code also emitted {report.summary()}")


def _rows_label(name: str) -> str:
    """How a message names the rows a ``K_Means`` check clusters: the lab's data, or the
    submission's drawn rows of it (:data:`.policy.K_MEANS_ROWS_SEED_LIMIT`)."""
    return name if draws.current().kmeans_rows is None else f"{name}[rows]"


def _kmeans_runs(namespace: dict, v: Verdict, label: str, X: np.ndarray, K: int, seeds):
    """Run the student's K_Means with the reference helpers; yields checked (m, D)."""
    f = namespace["K_Means"]
    shape = (K,) + X.shape[1:]
    runs = []
    with substituted(namespace, ("Centroid_init", "Set", "Update")):
        for seed in seeds:
            call_text = f"K_Means({label}, {K})"
            result, report = call(f, X, K, label=call_text, namespace=namespace, seed=seed)
            check_not_mutated(v, call_text, report, ("X", "K"))
            if not (isinstance(result, tuple | list) and len(result) == 2):
                v.add(
                    f"{call_text} should return a pair (m, D), got {describe(result)}",
                    cause="wrong_type",
                )
                break
            m, D = as_float_array(result[0], shape), as_scalar(result[1])
            if m is None or D is None:
                v.add(f"{call_text} should return m of shape {shape} and a number D, got "
                      f"{describe(result[0])} and {describe(result[1])}",
                      cause="wrong_type")  # fmt: skip
                break
            true_D = _judge_run(v, call_text, X, m, D)
            if true_D is None:
                break
            runs.append((m, true_D))
    return runs


def _judge_run(v: Verdict, call_text: str, X: np.ndarray, m: np.ndarray, D: float):
    """One K_Means answer (centres ``m``, distortion ``D``) on ``X``: finite, D the
    distortion of ``m``, ``m`` a fixed point of an assignment and update. The true
    distortion of ``m``, or None when ``m`` is not finite."""
    if not v.require(
        bool(np.all(np.isfinite(m))), f"{call_text} returned nan centres", cause="nan_result"
    ):
        return None
    true_D = kmeans.distortion(X, m)
    v.require(
        rel_close(D, true_D, KMEANS_D_RTOL),
        f"{call_text} returned D = {fmt(D)}, but the distortion of the returned centres "
        f"is {fmt(true_D)}: return the distortion of the final centres",
        cause="distortion_not_final",
    )
    labels, _ = kmeans.assign_labels(X, m)
    step = kmeans.update_from_labels(X, labels, m)
    shift = float(np.abs(step - m).max())
    v.require(
        shift <= FIXED_POINT_TOL * (1.0 + float(np.abs(m).max())),
        f"{call_text} stopped too early: one more assignment and update moves the "
        f"centres by {fmt(shift)}; iterate with Set and Update until the centres stop "
        "changing",
        cause="stopped_early",
    )
    return true_D


def public_causes_k_means(args: tuple, result) -> list[str]:
    """Why the answer ``result`` of a public test's call ``K_Means(X, K)`` misses, by the
    hidden check's own conditions (:func:`_judge_run`): the causes found ([] for none:
    then its centres are a fixed point, with their own distortion, but not the best)."""
    if len(args) != 2 or not (isinstance(result, tuple | list) and len(result) == 2):
        return []
    X, K = np.asarray(args[0], dtype=float), int(args[1])
    m, D = as_float_array(result[0], (K,) + X.shape[1:]), as_scalar(result[1])
    if m is None or D is None:
        return []
    v = Verdict("K_Means")
    _judge_run(v, "K_Means(X, K)", X, m, D)
    return list(v.causes)


def check_K_Means(namespace: dict) -> None:
    """Consistency, fixed point, every run started from Centroid_init and near-optimal
    distortion on the Spotify data."""
    v = Verdict("K_Means")
    X, K = ref.kmeans_X("spotify"), ref.n_artists()
    runs = _kmeans_runs(namespace, v, _rows_label("tracks"), X, K, K_MEANS_SEEDS)
    if runs and not v.problems:
        _check_started_from_centroid_init(v, namespace.served, len(runs))
        best = min(D for _, D in runs)
        optimum = ref.best_kmeans_drawn("spotify", K).distortion
        same = len(runs) > 1 and all(np.array_equal(m, runs[0][0]) for m, _ in runs[1:])
        hint = (
            ": every run ended at the same centres, so the start does not change from run to "
            "run; start from Centroid_init(X, K), which draws a new start each time"
            if same
            else ": each run ends at a fixed point, but a poor one (check the start)"
        )
        v.require(
            best <= (1.0 + OPTIMUM_SLACK) * optimum,
            f"over {len(runs)} runs, the lowest distortion was {fmt(best)}, more than "
            f"{OPTIMUM_SLACK:.0%} above the best reachable {fmt(optimum)}{hint}",
            cause="poor_optimum",
        )
    v.raise_if_failed()


def _check_started_from_centroid_init(v: Verdict, served, runs: int) -> None:
    """Every run of K_Means drew its start with Centroid_init: the grader's stand-in for it
    answered at least ``runs`` calls in the cell (``served``: the grader's own count of the
    reference helpers' calls; None: not known, nothing judged). A start that ignores it
    may still reach good centres, which the other conditions cannot tell."""
    if served is None:
        return
    starts = served.get("Centroid_init", 0)
    v.require(
        starts >= runs,
        f"over {runs} runs of K_Means, Centroid_init was called {starts} time(s): start "
        "every run from Centroid_init(X, K), as the notebook asks (in this test a correct "
        "Centroid_init stands in for yours)",
        cause="start_not_centroid_init",
    )


def check_K_Means_1d(namespace: dict) -> None:
    """The 1-D case: K_Means(Data['X'], 2) finds the reference centres."""
    v = Verdict("K_Means")
    X = ref.kmeans_X("gmm")
    label = _rows_label("Data['X']")
    runs = _kmeans_runs(namespace, v, label, X, 2, K_MEANS_1D_SEEDS)
    if runs and not v.problems:
        m, D = min(runs, key=lambda run: run[1])
        best = ref.best_kmeans_drawn("gmm", 2)
        want = np.sort(best.centres)
        v.require(
            all_close(np.sort(m), want, rtol=0, atol=CENTRES_1D_ATOL)
            or D <= (1.0 + EQUALLY_GOOD_1D) * best.distortion,
            f"K_Means({label}, 2) found centres {fmt(np.sort(m))}, expected {fmt(want)}",
            cause="wrong_centres",
        )
    v.raise_if_failed()
