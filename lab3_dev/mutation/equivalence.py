"""Evidence that a mutant the hidden checks let through is equivalent to the solution.

A mutant counts as equivalent only when its outputs equal those of the source
notebook's solution (the function it mutates, with the same random state and
the same helpers) within the checks' own tolerances, on

- the lab's data, with the inputs the hidden checks use, and
- :data:`RANDOM_INPUTS` random inputs of varied shape: 1-D and 2-D data (1 to
  4 features, some integer-valued, so that ties and repeated samples occur),
  K from 2 to 6, a third of the centre sets leaving a cluster empty, some data
  sets as small as K samples; for EM, two-component mixtures of varied
  overlap and size, and EM_step states near the maximum-likelihood fit and far
  from it.

It must also leave its inputs unmodified whenever the solution does. The EM
runs (mutant and solution alike) use :class:`NumpyNorm` for ``norm`` (the same
densities as scipy's, without its per-call overhead) and memoise it and
``EM_step`` exactly (:class:`_EMMemo`): otherwise the EM mutants that never
stop early (all 10 000 steps, about 20 s on the lab's data) would take minutes
each to compare on 51 inputs. The
comparisons are strict where the checks are lenient by design: an empty
cluster must keep exactly the solution's centre, ``Centroid_init`` must draw
exactly the same centres. A mutant that differs only there is not called
equivalent: it stays a survivor, listed with the reason its grade should not
change.
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from functools import lru_cache

import numpy as np

from kmeans_em_lab.checks import em_checks, kmeans_checks, policy
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.checks.numbers import as_float_array, as_scalar, rel_close
from kmeans_em_lab.reference import em, kmeans
from lab3_dev.mutation.grading import namespace
from lab3_dev.mutation.operators import Mutant
from lab3_kernel import capture

RANDOM_INPUTS = 50
FIRST_SEED = 20_240  # random input i is drawn from np.random.default_rng(FIRST_SEED + i)


class NumpyNorm:
    """``scipy.stats.norm`` as the notebook uses it (``norm.pdf(x, loc, scale)``), in numpy:
    equal to scipy's densities within a few units in the last place, nan for scale <= 0."""

    @staticmethod
    def pdf(x, loc=0.0, scale=1.0):
        x, loc, scale = (np.asarray(v, dtype=float) for v in (x, loc, scale))
        z = (x - loc) / scale
        density = np.exp(-0.5 * z * z) / (np.sqrt(2.0 * np.pi) * scale)
        return np.where(scale > 0, density, np.nan)


def _key(*values):
    """An exact key for the values (float arrays and numbers), None for anything else."""
    key = []
    for v in values:
        if isinstance(v, np.ndarray) and v.dtype == np.float64:
            key.append((v.shape, v.tobytes()))
        elif isinstance(v, float | np.floating | int) and not isinstance(v, bool):
            key.append(float(v))
        else:
            return None
    return tuple(key)


def _copied(value):
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return value.copy() if isinstance(value, np.ndarray) else value


class _EMMemo:
    """The EM runs' ``norm`` and ``EM_step`` (the solution's), memoised exactly.

    An EM mutant that never stops early makes 10 000 steps; after convergence
    the parameters repeat bit for bit, so the same densities and steps are asked
    for again and again. Answers come from a table keyed by the exact bytes of
    the arguments (a copy each time), so they are the values a new computation
    would give; the table is emptied before every run.
    """

    def __init__(self, em_step):
        self._em_step = em_step
        self._pdfs: dict = {}
        self._steps: dict = {}

    def clear(self) -> None:
        self._pdfs.clear()
        self._steps.clear()

    def pdf(self, x, loc=0.0, scale=1.0):
        key = _key(x, loc, scale)
        if key is None:
            return NumpyNorm.pdf(x, loc, scale)
        if key not in self._pdfs:
            self._pdfs[key] = NumpyNorm.pdf(x, loc, scale)
        return self._pdfs[key].copy()

    def EM_step(self, X, pi, mu, sigma):
        key = _key(X, pi, mu, sigma)
        if key is None:
            return self._em_step(X, pi, mu, sigma)
        if key not in self._steps:
            self._steps[key] = _copied(self._em_step(X, pi, mu, sigma))
        return _copied(self._steps[key])


def _namespace(mutant: Mutant | None, function: str) -> tuple[dict, _EMMemo | None]:
    ns = namespace(mutant)
    memo = None
    if function == "EM":
        memo = _EMMemo(ns["EM_step"])
        ns["norm"], ns["EM_step"] = memo, memo.EM_step
    return ns, memo


# -- inputs: (label, args, seed) -------------------------------------------------------------------


def _kmeans_data(i: int) -> tuple[np.ndarray, int, str]:
    """Random K-Means data number ``i``: (X, K, description)."""
    rng = np.random.default_rng(FIRST_SEED + i)
    K = 2 + i % 5
    two_d = i % 2 == 1
    F = 1 + (i // 2) % 4 if two_d else 1
    small = i % 10 == 4  # exactly K samples
    N = K if small else int(rng.integers(3 * K, 80))
    centres = rng.normal(0.0, 4.0, size=(K, F))
    X = centres[rng.integers(K, size=N)] + rng.normal(size=(N, F))
    integer = i % 4 >= 2
    if integer:
        X = np.round(X)
    if small:
        X = X + np.arange(N)[:, None] * 0.5  # distinct samples
    if not two_d:
        X = X[:, 0]
    shape = f"{N}x{F}" if two_d else f"{N}"
    kind = "integer " if integer else ""
    return X, K, f"random {kind}data of shape ({shape}), K={K}"


def _centres(X: np.ndarray, K: int, i: int) -> tuple[np.ndarray, str]:
    rng = np.random.default_rng(FIRST_SEED + 1000 + i)
    tail = X.shape[1:]
    if i % 3 == 0:
        return X[rng.choice(len(X), size=K, replace=False)].astype(float), "samples as centres"
    if i % 3 == 1:
        spread = X.std(axis=0) + 1.0
        m = X.mean(axis=0) + rng.standard_normal((K,) + tail) * spread
        return np.round(m) if i % 4 >= 2 else m, "random centres"
    m = X[rng.choice(len(X), size=K, replace=False)].astype(float)
    m[-1] = np.abs(X).max() + 100.0
    return m, "an empty cluster"


def _mixture(i: int, low: int, high: int) -> tuple[np.ndarray, tuple]:
    rng = np.random.default_rng(FIRST_SEED + 2000 + i)
    N = int(rng.integers(low, high))
    pi = rng.uniform(0.2, 0.8)
    sigma = rng.uniform(0.3, 2.0, size=2)
    mu0 = rng.uniform(-5.0, 0.0)
    mu1 = mu0 + rng.uniform(3.0, 6.0) * sigma.max()
    ones = rng.random(N) < pi
    X = np.where(ones, rng.normal(mu1, sigma[1], N), rng.normal(mu0, sigma[0], N))
    return X, (pi, np.array([mu0, mu1]), sigma)


def _em_state(X: np.ndarray, i: int) -> tuple[tuple, str]:
    rng = np.random.default_rng(FIRST_SEED + 3000 + i)
    if i % 2 == 0:
        fit = em.fit(X, rng=np.random.default_rng(i))
        mu = fit.mu + 0.05 * fit.sigma * rng.standard_normal(2)
        return (float(fit.pi), mu, fit.sigma * rng.uniform(0.9, 1.1, 2)), "near the optimum"
    pi = rng.uniform(0.1, 0.9)
    mu = rng.uniform(X.min(), X.max(), size=2)
    sigma = rng.uniform(0.5, 2.0, size=2) * X.std()
    return (pi, mu, sigma), "far from the optimum"


def lab_inputs(function: str) -> list[tuple[str, tuple, int]]:
    """The inputs the hidden checks give ``function`` on the lab's data."""
    out = []
    if function == "Centroid_init":
        for label, X in kmeans_checks._data_cases():
            K = ref.n_artists() if X.ndim == 2 else 2
            out += [
                (f"lab: Centroid_init({label}, {K})", (X, K), s) for s in policy.CENTROID_INIT_SEEDS
            ]
    elif function in ("Set", "Update"):
        for label, X in kmeans_checks._data_cases():
            K = ref.n_artists() if X.ndim == 2 else 2
            for description, m in kmeans_checks._centre_cases(X, K):
                args = (X, m) if function == "Set" else (X, kmeans.assign(X, m)[0], m)
                out.append(
                    (f"lab: {function}({label}) with {description}", args, policy.SET_UPDATE_SEED)
                )
    elif function == "K_Means":
        out += [(f"lab: K_Means(tracks, {ref.n_artists()})", (ref.spotify_X(), ref.n_artists()), s)
                for s in policy.K_MEANS_SEEDS]  # fmt: skip
        out += [
            ("lab: K_Means(Data['X'], 2)", (ref.gmm_X(), 2), s) for s in policy.K_MEANS_1D_SEEDS
        ]
    elif function == "EM_step":
        X = ref.gmm_X()
        seed = policy.EM_STEP_SEED
        out += [
            ("lab: EM_step(Data['X'], ...)", (X, *state), seed) for state in em_checks._states(X)
        ]
    elif function == "EM":
        out.append(("lab: EM(Data['X'])", (ref.gmm_X(),), policy.EM_SEED))
    return out


def random_inputs(function: str) -> list[tuple[str, tuple, int]]:
    out = []
    for i in range(RANDOM_INPUTS):
        seed = FIRST_SEED + i
        if function in ("Centroid_init", "K_Means"):
            X, K, what = _kmeans_data(i)
            out.append((f"{what}", (X, K), seed))
        elif function in ("Set", "Update"):
            X, K, what = _kmeans_data(i)
            m, centres = _centres(X, K, i)
            args = (X, m) if function == "Set" else (X, kmeans.assign(X, m)[0], m)
            out.append((f"{what}, {centres}", args, seed))
        elif function == "EM_step":
            X, _ = _mixture(i, 30, 500)
            state, where = _em_state(X, i)
            out.append((f"random mixture of {len(X)} samples, a state {where}", (X, *state), seed))
        elif function == "EM":
            X, _ = _mixture(i, 60, 400)
            out.append((f"random mixture of {len(X)} samples", (X,), seed))
    return out


@lru_cache(maxsize=8)
def inputs(function: str) -> tuple[tuple[str, tuple, int], ...]:
    return tuple(lab_inputs(function) + random_inputs(function))


# -- comparing outputs: '' when equal within the checks' tolerances --------------------------------


def _same_centres(got, want) -> str:
    want = np.asarray(want, dtype=float)
    arr = as_float_array(got, want.shape)
    if arr is None:
        return f"shape {np.shape(got)} instead of {want.shape}"
    return "" if np.array_equal(arr, want) else "other centres"


def _same_set(got, want, X) -> str:
    if not (isinstance(got, tuple | list) and len(got) == 2 and isinstance(got[0], dict)):
        return "not a pair (dict, number)"
    (C, D), (want_C, want_D) = got, want
    if sorted(C, key=str) != sorted(want_C, key=str):
        return f"keys {sorted(C, key=str)}"
    width = X.shape[1] if X.ndim == 2 else 1
    for k in want_C:
        try:
            rows = np.asarray(C[k], dtype=float).reshape(-1, width)
        except (TypeError, ValueError):
            return f"cluster {k} is not an array of samples"
        expected = np.asarray(want_C[k], dtype=float).reshape(-1, width)
        if rows.shape != expected.shape or not np.array_equal(
            kmeans_checks._sorted_rows(rows), kmeans_checks._sorted_rows(expected)
        ):
            return f"cluster {k} differs"
    got_D = as_scalar(D)
    if got_D is None or not rel_close(got_D, float(want_D), policy.SET_D_RTOL):
        return f"D = {D!r}, not {want_D!r}"
    return ""


def _same_update(got, want) -> str:
    want = np.asarray(want, dtype=float)
    arr = as_float_array(got, want.shape)
    if arr is None:
        return f"shape {np.shape(got)} instead of {want.shape}"
    rtol, atol = policy.UPDATE_RTOL, policy.UPDATE_ATOL
    return "" if np.allclose(arr, want, rtol=rtol, atol=atol) else "other centres"


def _same_kmeans(got, want) -> str:
    if not (isinstance(got, tuple | list) and len(got) == 2):
        return "not a pair (m, D)"
    want_m = np.asarray(want[0], dtype=float)
    m, D = as_float_array(got[0], want_m.shape), as_scalar(got[1])
    if m is None or D is None:
        return "not centres and a number"
    limit = policy.FIXED_POINT_TOL * (1.0 + float(np.abs(want_m).max()))
    if not np.all(np.abs(m - want_m) <= limit):
        return "other centres"
    return "" if rel_close(D, float(want[1]), policy.KMEANS_D_RTOL) else "other D"


def _same_step(got, want) -> str:
    a, b = em_checks._flatten(got), em_checks._flatten(want)
    if a is None:
        return "not (pi, mu, sigma)"
    tol = policy.STEP_TOL * np.maximum(1.0, np.abs(b))
    return "" if np.all(np.abs(a - b) <= tol) else "other parameters"


def _same_fit(got, want, X) -> str:
    a, b = em_checks._flatten(got), em_checks._flatten(want)
    if a is None:
        return "not (pi, mu, sigma)"
    pi, mu, sigma = em.align_components(a[0], a[1:3], a[3:5], b[1:3])
    if not (0 < pi < 1 and np.all(sigma > 0) and np.all(np.isfinite(a))):
        return "not a valid mixture"
    if np.any(np.abs(np.array([pi, *mu, *sigma]) - b) > policy.EM_PARAM_ATOL):
        return "other parameters"
    ll, want_ll = em.log_likelihood(X, pi, mu, sigma), em.log_likelihood(X, b[0], b[1:3], b[3:5])
    return "" if abs(ll - want_ll) <= policy.EM_LL_RTOL * abs(want_ll) else "lower likelihood"


def compare(function: str, got, want, args) -> str:
    if function == "Centroid_init":
        return _same_centres(got, want)
    if function == "Set":
        return _same_set(got, want, args[0])
    if function == "Update":
        return _same_update(got, want)
    if function == "K_Means":
        return _same_kmeans(got, want)
    if function == "EM_step":
        return _same_step(got, want)
    return _same_fit(got, want, args[0])


# -- running both ----------------------------------------------------------------------------------


def _run(ns: dict, function: str, args: tuple, seed: int, memo: _EMMemo | None = None):
    """(result, mutated argument positions), or (None, what it raised).

    Like the kernel's recorder (:func:`lab3_kernel.capture.call`): random state
    reseeded, warnings and output captured, inputs watched; without its watch on
    forbidden modules (a profile hook that slows every call down, and mutants
    call nothing new).
    """
    args = copy.deepcopy(args)
    watched = {i: capture.snapshot(a) for i, a in enumerate(args)
               if isinstance(a, np.ndarray | dict)}  # fmt: skip
    capture.reseed(ns, seed)
    if memo is not None:
        memo.clear()
    try:
        with (
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            result = ns[function](*args)
    except (Exception, SystemExit) as err:
        return None, f"{type(err).__name__}: {str(err)[:200]}"
    return result, [i for i, before in watched.items() if not capture.unchanged(before, args[i])]


@lru_cache(maxsize=8)
def reference_outputs(function: str) -> tuple:
    """The solution's output for every input (fork-inherited once computed)."""
    ns, memo = _namespace(None, function)
    out = []
    for label, args, seed in inputs(function):
        result, mutated = _run(ns, function, args, seed, memo)
        if result is None:
            raise RuntimeError(f"the solution of {function} fails on {label}: {mutated}")
        out.append((result, tuple(mutated)))
    return tuple(out)


def evidence(mutant: Mutant) -> tuple[bool, str]:
    """(equivalent?, what shows it): the first input where it differs, or what was compared."""
    function = mutant.function
    ns, memo = _namespace(mutant, function)
    cases = inputs(function)
    for (label, args, seed), (want, want_mutated) in zip(
        cases, reference_outputs(function), strict=True
    ):
        got, mutated = _run(ns, function, args, seed, memo)
        if got is None:
            return False, f"raises on {label}"
        if tuple(mutated) != want_mutated:
            return False, f"modifies its input on {label}"
        differs = compare(function, got, want, args)
        if differs:
            return False, f"{differs} on {label}"
    lab = len(lab_inputs(function))
    return True, f"equal on the {lab} lab inputs and {len(cases) - lab} random inputs"
