"""Hidden checks of the EM part: ``EM_step`` and ``EM``.

Seeds and tolerances are the grading policy's (:mod:`.policy`); the states
``EM_step`` steps from and ``EM``'s second data set are the draw's (:mod:`.draws`).
"""

from __future__ import annotations

import numpy as np

from kmeans_em_lab.checks import draws
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.checks.cause_codes import GENERIC
from kmeans_em_lab.checks.harness import call, substituted
from kmeans_em_lab.checks.numbers import all_close, as_float_array, as_scalar, far, rel_close
from kmeans_em_lab.checks.policy import (
    EM_FIXED_POINT_TOL,
    EM_LL_RTOL,
    EM_PARAM_ATOL,
    EM_SEED,
    EM_STEP_SEED,
    MISTAKE_ATOL,
    MISTAKE_RTOL,
    STEP_TOL,
)
from kmeans_em_lab.checks.verdict import Verdict, check_not_mutated, describe, fmt
from kmeans_em_lab.reference import em

NAMES = ("pi", "mu_0", "mu_1", "sigma_0", "sigma_1")


def _states(X: np.ndarray, drawn: tuple[draws.State, ...] | None = None):
    """Parameter states to take one step from, (pi, mu, sigma): the ``drawn`` ones (default:
    the draw in effect's), then the start K-Means gives on the lab's samples."""
    drawn = draws.current().em_step_states if drawn is None else drawn
    pi0, mu0, sigma0 = em.init_from_kmeans(X, centres=ref.best_kmeans("gmm", 2).centres)
    states = [(pi, np.array(mu, dtype=float), np.array(sigma, dtype=float))
              for pi, mu, sigma in drawn]  # fmt: skip
    return [*states, (pi0, mu0, sigma0)]


def _flatten(result) -> np.ndarray | None:
    """(pi, mu, sigma) as the five numbers of ``NAMES``; None when malformed."""
    if not (isinstance(result, tuple | list) and len(result) == 3):
        return None
    pi = as_scalar(result[0])
    mu, sigma = as_float_array(result[1], (2,)), as_float_array(result[2], (2,))
    if pi is None or mu is None or sigma is None:
        return None
    return np.array([pi, *mu, *sigma])


GRID_POINTS = 100  # the grid of the original lab's pdf lookup (np.linspace(min, max, 100))


def _grid_responsibilities(X, pi, mu, sigma) -> np.ndarray:
    """The E-step with each sample's pdf read at its nearest point of a grid over the data."""
    domain = np.linspace(X.min(), X.max(), GRID_POINTS)
    nearest = domain[np.argmin(np.abs(X[:, None] - domain[None, :]), axis=1)]
    return em.responsibilities(nearest, pi, mu, sigma)


def _m_step(X, gamma, mu, *, around_old: bool) -> np.ndarray:
    """The five numbers of an M-step from ``gamma``; variances around the old ``mu`` or not."""
    w = np.column_stack([1 - gamma, gamma])
    new_mu = w.T @ X / w.sum(axis=0)
    centre = np.asarray(mu, dtype=float) if around_old else new_mu
    var = np.einsum("nk,nk->k", w, (X[:, None] - centre) ** 2) / w.sum(axis=0)
    return np.array([gamma.mean(), *new_mu, *np.sqrt(var)])


def _known_mistakes(X, pi, mu, sigma) -> list[tuple[tuple[str, ...], str, np.ndarray]]:
    """What one step gives under common mistakes, to name the one a student made:
    (cause codes, the mistake in words, the five numbers)."""
    gamma = em.responsibilities(X, pi, mu, sigma)
    grid = _grid_responsibilities(X, pi, mu, sigma)
    right_pi, right_mu, right_sigma = em.em_step(X, pi, mu, sigma)
    on_grid = (
        "the pdf is read off a grid (each sample at its nearest grid point) instead of computed"
    )
    return [
        (("variance_old_mean",),
         "the variance is computed around the old means instead of the new ones",
         _m_step(X, gamma, mu, around_old=True)),
        (("variance_not_std",),
         "it returns variances where the lab asks for standard deviations",
         np.array([right_pi, *right_mu, *right_sigma**2])),
        (("pi_wrong_component",),
         "pi is the prior of component 0; the lab's pi is the prior of component 1",
         np.array([1 - right_pi, *right_mu, *right_sigma])),
        (("pdf_on_grid",), on_grid, _m_step(X, grid, mu, around_old=False)),
        (("pdf_on_grid", "variance_old_mean"),
         f"{on_grid}, and the variance is computed around the old means instead of the new ones",
         _m_step(X, grid, mu, around_old=True)),
    ]  # fmt: skip


def check_EM_step(namespace: dict) -> None:
    v = Verdict("EM_step")
    f = namespace["EM_step"]
    X = ref.gmm_X()
    for pi, mu, sigma in _states(X, namespace.draw.em_step_states):
        call_text = f"EM_step(Data['X'], pi={fmt(pi)}, mu={fmt(mu)}, sigma={fmt(sigma)})"
        result, report = call(f, X, pi, mu, sigma, label=call_text, namespace=namespace,
                              seed=EM_STEP_SEED)  # fmt: skip
        check_not_mutated(v, call_text, report, ("X", "pi", "mu", "sigma"))
        got = _flatten(result)
        if got is None:
            v.add(f"{call_text} should return (pi, mu, sigma) with a number and two arrays of "
                  f"2 values, got {describe(result)}", cause="wrong_type")  # fmt: skip
            break
        want, off = _step_off(X, pi, mu, sigma, got)
        if off.any():
            detail = ", ".join(
                f"{NAMES[i]} = {fmt(got[i])} (expected {fmt(want[i])})" for i in np.flatnonzero(off)
            )
            codes, reason = _why_step_differs(X, pi, mu, sigma, got)
            extra = f"; it looks like {reason}" if reason else ""
            note = f"; your code emitted {report.summary()}" if report.summary() else ""
            for code in codes:
                v.add(f"{call_text}: {detail}{extra}{note}", cause=code)
    v.raise_if_failed()


def _step_off(X, pi, mu, sigma, got: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One reference step from (pi, mu, sigma) as the five numbers of ``NAMES``, and which of
    ``got``'s five numbers are off it (beyond :data:`.policy.STEP_TOL`)."""
    want = np.array([p for part in em.em_step(X, pi, mu, sigma) for p in np.ravel(part)])
    return want, far(got, want, STEP_TOL * np.maximum(1.0, np.abs(want)))


def _why_step_differs(X, pi, mu, sigma, got: np.ndarray) -> tuple[tuple[str, ...], str]:
    """Why ``got`` (the five numbers of ``NAMES``) is not one step from (pi, mu, sigma): the
    known mistake whose step it is (:func:`_known_mistakes`: its causes, in words), else
    nan_result or the generic cause, with no words."""
    return next(
        (
            (codes, why)
            for codes, why, bad in _known_mistakes(X, pi, mu, sigma)
            if all_close(got, bad, rtol=MISTAKE_RTOL, atol=MISTAKE_ATOL)
        ),
        (("nan_result",) if not np.all(np.isfinite(got)) else (GENERIC,), ""),
    )


def public_causes_em_step(args: tuple, result) -> list[str]:
    """Why the answer ``result`` of a public test's call ``EM_step(X, pi, mu, sigma)`` misses,
    by the hidden check's own conditions (:func:`_why_step_differs`): the causes found, []
    when the answer is not (pi, mu, sigma) or is the right step."""
    got = _flatten(result)
    if got is None or len(args) != 4:
        return []
    X = np.asarray(args[0], dtype=float)
    pi, mu, sigma = as_scalar(args[1]), as_float_array(args[2], (2,)), as_float_array(args[3], (2,))
    if X.ndim != 1 or len(X) < 2 or pi is None or mu is None or sigma is None:
        return []
    with np.errstate(all="ignore"):
        _, off = _step_off(X, pi, mu, sigma, got)
        return list(_why_step_differs(X, pi, mu, sigma, got)[0]) if off.any() else []


def em_cases(draw: draws.Draw | None = None):
    """(call text, X, its maximum-likelihood fit, seed) for EM's hidden test: the lab's
    samples, then ``draw``'s second mixture (default: the draw in effect's)."""
    mixture = ref.second_mixture(draw)
    X = ref.second_gmm_X(mixture)
    return [
        ("EM(Data['X'])", ref.gmm_X(), ref.em_mle(), EM_SEED),
        (f"EM(X) on a second data set (X: {len(X)} samples of another two-component mixture)",
         X, ref.second_em_mle(mixture), EM_SEED),
    ]  # fmt: skip


def check_EM(namespace: dict) -> None:
    """EM reaches the maximum-likelihood fit (components matched) on the lab's data and on
    a second data set."""
    v = Verdict("EM")
    f = namespace["EM"]
    for call_text, X, mle, seed in em_cases(namespace.draw):
        _check_em_run(v, f, call_text, X, mle, seed, namespace)
    v.raise_if_failed()


def _check_em_run(v: Verdict, f, call_text: str, X, mle, seed: int, namespace) -> None:
    with substituted(namespace, ("K_Means", "EM_step")):
        result, report = call(f, X, label=call_text, namespace=namespace, seed=seed)
    check_not_mutated(v, call_text, report, ("X",))
    got = _flatten(result)
    if got is None:
        v.add(f"{call_text} should return (pi, mu, sigma) with a number and two arrays of 2 "
              f"values, got {describe(result)}", cause="wrong_type")  # fmt: skip
        v.raise_if_failed()
    if not _judge_fit(v, call_text, X, got, mle):
        v.raise_if_failed()
    if v.problems and report.summary():
        v.note(f"{call_text}: your code also emitted {report.summary()}")


def _judge_fit(v: Verdict, call_text: str, X, got: np.ndarray, mle) -> bool:
    """EM's answer ``got`` (the five numbers of ``NAMES``) on ``X``: finite, in the parameter
    space, then against the maximum-likelihood fit ``mle``. False when it is not a usable
    mixture at all (nothing more to compare)."""
    if not v.require(bool(np.all(np.isfinite(got))),
                     f"{call_text} returned pi={fmt(got[0])}, mu={fmt(got[1:3])}, "
                     f"sigma={fmt(got[3:5])}: nan or inf", cause="nan_result"):  # fmt: skip
        return False
    want = _fit_numbers(mle)
    swapped = _mu_sigma_swapped(got)
    if (far(_aligned(got, mle), want, EM_PARAM_ATOL).any()
            and not far(_aligned(swapped, mle), want, EM_PARAM_ATOL).any()):  # fmt: skip
        v.add(f"{call_text} returned mu={fmt(got[1:3])}, sigma={fmt(got[3:5])}: that is the "
              "maximum-likelihood fit with mu and sigma swapped; return (pi, mu, sigma) in "
              "this order", cause="wrong_type")  # fmt: skip
        return False
    pi, mu, sigma = em.align_components(got[0], got[1:3], got[3:5], mle.mu)
    if not v.require(0 < pi < 1 and bool(np.all(sigma > 0)),
                     f"{call_text} returned pi={fmt(got[0])}, sigma={fmt(got[3:5])}: "
                     "pi must lie in (0, 1) and sigma be positive",
                     cause="invalid_parameters"):  # fmt: skip
        return False
    _compare_fit(v, call_text, X, got, mle)
    return True


def public_causes(args: tuple, result) -> list[str]:
    """Why the answer ``result`` of a public test's call ``EM(*args)`` misses, by the hidden
    check's own conditions (:func:`_judge_fit`) against the fit of that call's samples:
    the causes found, [] when the answer is not a mixture or the check finds it right."""
    got = _flatten(result)
    X = np.asarray(args[0], dtype=float) if args else np.zeros(0)
    if got is None or X.ndim != 1 or len(X) < 2:
        return []
    v = Verdict("EM")
    with np.errstate(all="ignore"):
        _judge_fit(v, "EM(X)", X, got, ref.mle_of(X))
    return list(v.causes)


def _mu_sigma_swapped(got: np.ndarray) -> np.ndarray:
    """The five numbers of ``NAMES`` read as (pi, sigma, mu), the order swapped."""
    return np.array([got[0], *got[3:5], *got[1:3]])


def _fit_numbers(mle) -> np.ndarray:
    """The five numbers of ``NAMES`` of the fit ``mle``."""
    return np.array([mle.pi, *mle.mu, *mle.sigma])


def _aligned(got: np.ndarray, mle) -> np.ndarray:
    """The five numbers of ``got``, components ordered like the fit ``mle``'s."""
    pi, mu, sigma = em.align_components(got[0], got[1:3], got[3:5], mle.mu)
    return np.array([pi, *mu, *sigma])


def _compare_fit(v: Verdict, call_text: str, X, got: np.ndarray, mle) -> None:
    """EM's answer ``got`` (the five numbers of ``NAMES``) against the maximum-likelihood
    fit ``mle`` of ``X``: each parameter, then the log-likelihood, and why they differ."""
    aligned = _aligned(got, mle)
    want = _fit_numbers(mle)
    off = far(aligned, want, EM_PARAM_ATOL)
    ll = em.log_likelihood(X, aligned[0], aligned[1:3], aligned[3:5])
    if not off.any() and rel_close(ll, mle.log_likelihood, EM_LL_RTOL):
        return
    cause, why = _why_not_maximum_likelihood(X, got, ll, mle)
    for i in np.flatnonzero(off):
        v.add(f"{call_text}: {NAMES[i]} = {fmt(aligned[i])}, the maximum-likelihood value is "
              f"{fmt(want[i])} (components matched up to a swap)", cause=cause)  # fmt: skip
    v.add(f"{call_text}: log-likelihood {fmt(ll)}, the maximum is {fmt(mle.log_likelihood)}: "
          f"{why}", cause=cause)  # fmt: skip


# EM's answer in another convention than the lab's: (cause, what it is, the lab's numbers)
_CONVENTIONS = (
    ("pi_wrong_component", "pi is the prior of component 0; the lab's pi is component 1's",
     lambda got: np.array([1 - got[0], *got[1:3], *got[3:5]])),
    ("variance_not_std", "sigma holds variances where the lab asks for standard deviations",
     lambda got: np.array([*got[:3], *np.sqrt(np.abs(got[3:5]))])),
)  # fmt: skip


def _why_not_maximum_likelihood(X, got: np.ndarray, ll: float, mle) -> tuple[str, str]:
    """Why EM's answer ``got`` (the five numbers of ``NAMES``, log-likelihood ``ll``) misses
    the maximum-likelihood fit ``mle``: (cause code, what to do).

    - the maximum-likelihood fit written in another convention (:data:`_CONVENTIONS`):
      that convention's cause;
    - parameters one more reference EM step moves (by more than
      :data:`.policy.EM_FIXED_POINT_TOL`): not converged, so EM stopped early (its
      stopping rule) or returned something else than its last step;
    - parameters that step leaves in place, below the maximum: a fixed point of EM
      elsewhere, so EM converged to another local maximum, which its start decides.
    """
    want = _fit_numbers(mle)
    for code, mistake, lab in _CONVENTIONS:
        if not far(_aligned(lab(got), mle), want, EM_PARAM_ATOL).any():
            return code, f"this is the maximum-likelihood fit, but {mistake}"
    here = _aligned(got, mle)
    with np.errstate(all="ignore"):  # a step from odd parameters may give nan: not a fixed point
        step = em.em_step(X, here[0], here[1:3], here[3:5])
    stepped = np.array([p for part in step for p in np.ravel(part)])
    moved = far(stepped, here, EM_FIXED_POINT_TOL)
    if moved.any():
        i = int(np.argmax(np.where(moved, np.abs(stepped - here), -np.inf)))
        return "em_not_converged", (
            f"one more EM step still moves {NAMES[i]} from {fmt(here[i])} to {fmt(stepped[i])}, "
            "so EM stopped before converging: run the steps until the parameters (or the "
            "log-likelihood) stop changing, and return the last step's parameters"
        )
    if ll < mle.log_likelihood:
        return "local_maximum", (
            "one more EM step leaves these parameters where they are, so EM converged, but "
            "to another local maximum: start from K-Means' clusters, as the notebook asks"
        )
    return GENERIC, "these parameters are a fixed point of EM, but not the fit it should reach"
