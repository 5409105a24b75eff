"""Loading the lab's data files, and the z-scoring the lab applies.

Nothing here assumes feature names, artist names or sizes: they are read from
the files, so the original ``spotify.p`` and ``GMM.p`` can be dropped in.
"""

from __future__ import annotations

import itertools
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmeans_em_lab.course import paths


def _load(name: str, data_dir: Path | None = None) -> dict:
    path = (data_dir or paths.data_dir()) / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make data` to rebuild the lab's data")
    with path.open("rb") as fh:
        return pickle.load(fh)


@dataclass(frozen=True)
class Spotify:
    features: tuple[str, ...]
    """Feature names, in column order."""
    tracks: np.ndarray
    """Raw features in API units, shape (N, F)."""
    artists: np.ndarray
    """Artist of each song, shape (N,)."""

    @property
    def artist_names(self) -> tuple[str, ...]:
        """Distinct artists in order of first appearance."""
        _, first = np.unique(self.artists, return_index=True)
        return tuple(self.artists[np.sort(first)])

    @property
    def normalized(self) -> np.ndarray:
        return zscore(self.tracks)


def load_spotify(data_dir: Path | None = None) -> Spotify:
    raw = _load("spotify.p", data_dir)
    return Spotify(
        tuple(str(k) for k in raw["keys"]),
        np.asarray(raw["tracks"], dtype=float),
        np.asarray(raw["artists"]).astype(str),
    )


@dataclass(frozen=True)
class Mixture:
    X: np.ndarray
    """Samples, shape (N,)."""
    pi: float
    """True prior of component 1."""
    mu: np.ndarray
    """True means [mu_0, mu_1]."""
    sigma: np.ndarray
    """True standard deviations [sigma_0, sigma_1]."""


def load_gmm(data_dir: Path | None = None) -> Mixture:
    raw = _load("GMM.p", data_dir)
    return Mixture(
        np.asarray(raw["X"], dtype=float).ravel(),
        float(raw["pi"]),
        np.asarray(raw["mu"], dtype=float),
        np.asarray(raw["sigma"], dtype=float),
    )


def zscore(X: np.ndarray) -> np.ndarray:
    """Each column minus its mean, divided by its (population) standard deviation."""
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def contingency(labels: np.ndarray, artists: np.ndarray, names, K: int) -> np.ndarray:
    """Songs per (cluster, artist): shape (K, len(names))."""
    table = np.zeros((K, len(names)), dtype=int)
    for j, name in enumerate(names):
        table[:, j] = np.bincount(labels[artists == name], minlength=K)
    return table


def agreement(table: np.ndarray) -> float:
    """Fraction of songs in their artist's cluster under the best one-to-one matching."""
    K, A = table.shape
    best = max(
        sum(table[k, a] for k, a in zip(perm, range(A), strict=False))
        for perm in itertools.permutations(range(K), min(K, A))
    )
    return best / table.sum()
