"""The pictures of the feedback: the student's answer beside the reference's, drawn by the grader.

Two answers explain themselves better drawn than in numbers:

- ``K_Means``: the student's clusters of the songs beside the reference's, on
  the two features the notebook plots (:data:`PLOTTED_FEATURES`);
- ``EM``: the student's mixture beside the maximum-likelihood fit, over the
  histogram of the samples.

:func:`keep` runs when the record of a hidden test is judged (in
:class:`.judge.JudgeRecords`): it takes from the record (the kernel's
untrusted JSON) only a few checked numbers, the best of the student's
K-Means centres or one EM fit, which travel in the autograded notebook (the
cell's metadata under :data:`.causes.KEY`). :func:`draw` turns them into a PNG
when the feedback is written, with the course's own data, and :func:`describe`
into the picture's alternative text: what it shows, with the numbers that tell
the two answers apart. Nothing of it runs in the student's kernel.

Colours come from :mod:`.palette`'s colour-blind-safe series, and never carry
meaning alone: each cluster has its own marker, each curve its own line style.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections.abc import Callable

import numpy as np

from kmeans_em_lab.checks import draws, em_checks, policy
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.checks.numbers import as_float_array
from kmeans_em_lab.pipeline.pages import palette
from kmeans_em_lab.reference import em, kmeans
from lab3_kernel import wire

PLOTTED_FEATURES = (3, 6)  # x_var, y_var of the notebook's choose_features cell
DPI = 72  # small PNGs: the feedback page stays light
KMEANS, EM = "kmeans", "em"


# -- at judging: the numbers worth a picture ---------------------------------------------------


def keep(check: str, record) -> dict | None:
    """The picture's numbers from the record of ``check`` (JSON-ready), or None."""
    if not isinstance(record, dict) or not isinstance(record.get("outcomes"), list):
        return None
    outcomes = [o for o in record["outcomes"] if isinstance(o, dict)]
    try:
        if check == "K_Means":
            return _kmeans_answer(outcomes)
        if check == "EM":
            return _em_answer(outcomes)
    except Exception:  # noqa: BLE001 - an odd answer gets no picture, never a grading error
        return None
    return None


def _decoded(outcome):
    if not isinstance(outcome, dict) or outcome.get("error") is not None:
        return None
    try:
        return wire.decode(outcome.get("result"))
    except Exception:  # noqa: BLE001 - unreadable: no picture
        return None


def _kmeans_answer(outcomes: list[dict]) -> dict | None:
    """The student's centres of lowest distortion among their runs on the songs."""
    X, K = ref.spotify_X(), ref.n_artists()
    best = None
    for outcome in outcomes:
        centres = _centres(_decoded(outcome), (K, X.shape[1]))
        if centres is not None:
            distortion = kmeans.distortion(X, centres)
            if best is None or distortion < best[0]:
                best = (distortion, centres)
    return None if best is None else {"kind": KMEANS, "centres": best[1].tolist()}


def _centres(result, shape) -> np.ndarray | None:
    if not (isinstance(result, tuple | list) and len(result) == 2):
        return None
    centres = as_float_array(result[0], shape)
    return centres if centres is not None and np.all(np.isfinite(centres)) else None


def _em_answer(outcomes: list[dict]) -> dict | None:
    """The student's fit on the first data set where it misses the maximum-likelihood fit
    (else on the first), when it is a mixture that can be drawn."""
    fits = []
    for index, (label, _X, mle, _seed) in enumerate(em_checks.em_cases()):
        answer = next((o for o in outcomes if o.get("label") == label), None)
        fit = _fit(_decoded(answer))
        if fit is not None:
            pi, mu, sigma = em.align_components(fit[0], fit[1:3], fit[3:5], mle.mu)
            want = np.array([mle.pi, *mle.mu, *mle.sigma])
            off = bool(np.any(np.abs(np.array([pi, *mu, *sigma]) - want) > em_checks.EM_PARAM_ATOL))
            fits.append((not off, index, fit))
    if not fits:
        return None
    _, index, fit = min(fits, key=lambda f: (f[0], f[1]))
    # the second data set is the submission's own draw: kept, so a page made again later
    # (by the driver, outside that draw) shows the samples the student's EM was given
    mixture = dataclasses.astuple(ref.second_mixture()) if index == 1 else None
    return {"kind": EM, "case": index, "fit": [float(v) for v in fit], "mixture": mixture}


def _fit(result) -> np.ndarray | None:
    """(pi, mu, sigma) as [pi, mu_0, mu_1, sigma_0, sigma_1] when it is a drawable mixture."""
    if not (isinstance(result, tuple | list) and len(result) == 3):
        return None
    try:
        pi = float(np.ravel(np.asarray(result[0], dtype=float))[0])
        mu = np.ravel(np.asarray(result[1], dtype=float))
        sigma = np.ravel(np.asarray(result[2], dtype=float))
    except (TypeError, ValueError, IndexError):
        return None
    if mu.shape != (2,) or sigma.shape != (2,):
        return None
    fit = np.array([pi, *mu, *sigma])
    if not (np.all(np.isfinite(fit)) and 0 < pi < 1 and np.all(sigma > 0)):
        return None
    return fit


# -- at feedback: the picture ----------------------------------------------------------------


def draw(data) -> bytes | None:
    """The PNG of a picture :func:`keep` described, or None when it cannot be drawn."""
    shown = _shown(data)
    if shown is None:
        return None
    try:
        return _png(shown.figure(shown.panels))
    except Exception:  # noqa: BLE001 - numbers no figure can hold (centres at 1.7e308)
        _pyplot().close("all")
        return None


def describe(data) -> str | None:
    """The alternative text of :func:`draw`'s picture: what it shows, in words and numbers."""
    shown = _shown(data)
    return None if shown is None else shown.text(shown.panels)


@dataclasses.dataclass(frozen=True)
class _Shown:
    """What each panel of a picture shows, and how its kind draws and words them."""

    panels: dict
    figure: Callable[[dict], object]  # panels -> a matplotlib figure
    text: Callable[[dict], str]  # panels -> the alternative text


def _shown(data) -> _Shown | None:
    """The panels of a picture :func:`keep` described, or None."""
    if not isinstance(data, dict):
        return None
    try:
        if data.get("kind") == KMEANS:
            X, K = ref.spotify_X(), ref.n_artists()
            centres = as_float_array(data.get("centres"), (K, X.shape[1]))
            if centres is None or not np.all(np.isfinite(centres)):
                return None
            return _Shown(_kmeans_panels(X, centres), _kmeans_figure, _kmeans_text)
        if data.get("kind") == EM:
            case, fit = int(data.get("case")), _fit(_as_triple(data.get("fit")))
            mixture = _mixture(data.get("mixture")) if case == 1 else None
            if fit is None or case not in (0, 1) or (case == 1 and mixture is None):
                return None
            return _Shown(_em_panels(case, fit, mixture), _em_figure, _em_text)
    except (TypeError, ValueError):
        return None
    return None


def _as_triple(numbers):
    values = list(numbers) if isinstance(numbers, list) and len(numbers) == 5 else None
    return None if values is None else (values[0], values[1:3], values[3:5])


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    _pyplot().close(fig)
    return buffer.getvalue()


def _matched(centres: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``centres`` reordered to lie nearest the reference's, so the clusters' colours agree."""
    K = len(reference)
    order = min(
        itertools.permutations(range(K)),
        key=lambda p: float(((centres[list(p)] - reference) ** 2).sum()),
    )
    return centres[list(order)]


def _kmeans_panels(X: np.ndarray, centres: np.ndarray) -> dict:
    reference = ref.best_kmeans("spotify", len(centres)).centres
    panels = []
    for title, m in (("Your K_Means", _matched(centres, reference)),
                     ("Reference (best of 100 runs)", reference)):  # fmt: skip
        labels, distortion = kmeans.assign_labels(X, m)
        panels.append({"title": title, "centres": m, "labels": labels, "distortion": distortion})
    return {"X": X, "names": ref.spotify_features(), "panels": panels}


def _kmeans_figure(shown: dict):
    plt = _pyplot()
    x, y = PLOTTED_FEATURES
    X, names = shown["X"], shown["names"]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharex=True, sharey=True,
                             constrained_layout=True)  # fmt: skip
    for ax, panel in zip(axes, shown["panels"], strict=True):
        m, labels = panel["centres"], panel["labels"]
        for k in range(len(m)):
            colour, marker = _series(k)
            mine = labels == k
            ax.scatter(X[mine, x], X[mine, y], color=colour, marker=marker, s=10, alpha=0.6,
                       label=f"cluster {k + 1}")  # fmt: skip
            ax.scatter(m[k, x], m[k, y], color=colour, marker=marker, s=160,
                       edgecolors="black", linewidths=1.5)  # fmt: skip
        ax.set_title(f"{panel['title']}\ndistortion {panel['distortion']:.1f}", fontsize=10)
        ax.set_xlabel(f"{names[x]} (z-score)", fontsize=9)
    axes[0].set_ylabel(f"{names[y]} (z-score)", fontsize=9)
    axes[0].legend(fontsize=7, markerscale=1.5)
    return fig


def _series(k: int) -> tuple[str, str]:
    """The colour and the marker of the ``k``-th cluster or curve."""
    return palette.SERIES[k % len(palette.SERIES)], palette.MARKERS[k % len(palette.MARKERS)]


def _kmeans_text(shown: dict) -> str:
    x, y = PLOTTED_FEATURES
    names = shown["names"]
    mine, reference = shown["panels"]
    return (
        f"Two scatter plots of the songs, {names[y]} against {names[x]} (z-scores), each song "
        f"coloured and shaped by its cluster, large outlined markers at the "
        f"{len(mine['centres'])} centres: on the left your K_Means clusters, distortion "
        f"{mine['distortion']:.1f}; on the right the reference's, best of 100 runs, distortion "
        f"{reference['distortion']:.1f}."
    )


def _pdf(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2.0 * np.pi))


def _mixture(values) -> draws.Mixture | None:
    """The second mixture :func:`keep` stored, when its numbers are within the policy's."""
    if not (isinstance(values, list | tuple) and len(values) == 5):
        return None
    seed, n, pi, mu, sigma = values
    sizes = (*policy.SECOND_MIXTURE_N, draws.Draw.DEFAULT.second_mixtures[0].n)
    numbers = [
        pi,
        *(mu if isinstance(mu, list | tuple) else []),
        *(sigma if isinstance(sigma, list | tuple) else []),
    ]
    if not (
        type(seed) is int
        and type(n) is int
        and min(sizes) <= n <= max(sizes)
        and len(numbers) == 5
        and all(isinstance(v, int | float) and np.isfinite(v) for v in numbers)
        and 0 < pi < 1
        and min(sigma) > 0
    ):
        return None
    return draws.Mixture(seed=seed, n=n, pi=float(pi), mu=tuple(map(float, mu)),
                         sigma=tuple(map(float, sigma)))  # fmt: skip


def _em_panels(case: int, fit: np.ndarray, mixture: draws.Mixture | None = None) -> dict:
    draw = dataclasses.replace(draws.Draw.DEFAULT, second_mixtures=(mixture,)) if mixture else None
    label, X, mle, _ = em_checks.em_cases(draw)[case]
    best = np.array([mle.pi, *mle.mu, *mle.sigma])
    panels = []
    for title, params in (("Your EM", fit), ("Maximum-likelihood fit", best)):
        pi, mu_0, mu_1, sigma_0, sigma_1 = (float(v) for v in params)
        ll = em.log_likelihood(X, pi, np.array([mu_0, mu_1]), np.array([sigma_0, sigma_1]))
        panels.append({"title": title, "params": (pi, mu_0, mu_1, sigma_0, sigma_1), "ll": ll})
    return {"label": label, "X": X, "panels": panels}


def _em_figure(shown: dict):
    plt = _pyplot()
    X = shown["X"]
    domain = np.linspace(X.min(), X.max(), 400)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), sharex=True, constrained_layout=True)
    heights = np.histogram(X, bins=50, density=True)[0]
    curves = (("$g_0$", "--"), ("$g_1$", "-."), ("$p(x)$", "-"))
    for ax, panel in zip(axes, shown["panels"], strict=True):
        pi, mu_0, mu_1, sigma_0, sigma_1 = panel["params"]
        g0, g1 = (1 - pi) * _pdf(domain, mu_0, sigma_0), pi * _pdf(domain, mu_1, sigma_1)
        ax.hist(X, bins=50, density=True, color=palette.BACKDROP, alpha=0.4)
        for k, ((name, style), values) in enumerate(zip(curves, (g0, g1, g0 + g1), strict=True)):
            ax.plot(domain, values, style, color=_series(k)[0], linewidth=1.8, label=name)
        ax.set_ylim(0, 1.4 * max(heights.max(), 1e-9))
        ax.set_title(f"{panel['title']}\nlog-likelihood {panel['ll']:.1f}", fontsize=10)
        ax.set_xlabel("$x$", fontsize=9)
    axes[0].legend(fontsize=8)
    fig.suptitle(shown["label"], fontsize=9)
    return fig


def _em_text(shown: dict) -> str:
    def mixture(panel) -> str:
        pi, mu_0, mu_1, sigma_0, sigma_1 = panel["params"]
        return (f"pi {pi:.3g}, mu {mu_0:.3g} and {mu_1:.3g}, sigma {sigma_0:.3g} and "
                f"{sigma_1:.3g}, log-likelihood {panel['ll']:.1f}")  # fmt: skip

    mine, best = shown["panels"]
    return (
        f"Two plots over the histogram of the samples of {shown['label']}, each with the two "
        f"weighted components g_0 (dashed) and g_1 (dash-dotted) and their sum p(x) (solid): "
        f"on the left your EM's mixture, {mixture(mine)}; on the right the maximum-likelihood "
        f"fit, {mixture(best)}."
    )
