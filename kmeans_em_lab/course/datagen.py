"""Seeded generator of the lab's two data files (stand-ins for the originals).

``spotify.p``: 600 songs, 200 by each of three artists, 11 audio features in
the units and ranges of the Spotify Web API. Each artist has a profile (mean
and spread of every feature, calibrated on the figures in
``data/README.md``); features are drawn through a Gaussian copula, so that
realistic correlations hold (loud songs are energetic, acoustic songs are not),
and every marginal stays in its API range: Beta marginals on [0, 1],
integers where the API has integers.

``GMM.p``: 5000 draws from the lab's two-component 1-D Gaussian mixture.

Same seed, same bytes: ``python -m kmeans_em_lab data`` rebuilds both files in
``data/`` and refreshes the copies beside the notebooks.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from kmeans_em_lab.course import paths

SEED = 20231003
PICKLE_PROTOCOL = 4

FEATURES = (
    "popularity", "duration_ms", "danceability", "energy", "key", "loudness",
    "speechiness", "acousticness", "liveness", "valence", "tempo",
)  # fmt: skip
ARTISTS = ("Drake", "The Beatles", "BTS")
SONGS_PER_ARTIST = 200

# Per-artist (mean, std) in API units. Orders of magnitude from the real
# per-artist statistics; directions from the original lab's centroids (the
# Drake-like cluster is popular, long, danceable and wordy; the BTS-like one
# loud and energetic; the Beatles-like one short, acoustic and cheerful).
PROFILES = {
    "Drake": {
        "popularity": (68, 12), "duration_ms": (245_000, 50_000), "danceability": (0.72, 0.12),
        "energy": (0.53, 0.14), "key": (4.4, 3.6), "loudness": (-7.5, 2.4),
        "speechiness": (0.20, 0.12), "acousticness": (0.16, 0.17), "liveness": (0.16, 0.10),
        "valence": (0.38, 0.17), "tempo": (122, 28),
    },
    "The Beatles": {
        "popularity": (50, 13), "duration_ms": (175_000, 45_000), "danceability": (0.50, 0.13),
        "energy": (0.50, 0.18), "key": (6.4, 3.3), "loudness": (-9.6, 2.3),
        "speechiness": (0.05, 0.04), "acousticness": (0.38, 0.26), "liveness": (0.23, 0.18),
        "valence": (0.62, 0.22), "tempo": (124, 26),
    },
    "BTS": {
        "popularity": (62, 13), "duration_ms": (220_000, 25_000), "danceability": (0.62, 0.11),
        "energy": (0.77, 0.12), "key": (6.8, 3.2), "loudness": (-4.8, 1.6),
        "speechiness": (0.13, 0.09), "acousticness": (0.07, 0.09), "liveness": (0.15, 0.09),
        "valence": (0.55, 0.20), "tempo": (126, 30),
    },
}  # fmt: skip

# Scales every artist's spread: calibrated so that best-of-many 3-means on the
# z-scored features agrees with the artists on about 78% of the songs, as the
# original lab reported (see data/README.md).
SPREAD = 1.15

# Rank correlations between features (Gaussian copula), the same for all artists.
CORRELATIONS = {
    ("energy", "loudness"): 0.70,
    ("energy", "acousticness"): -0.50,
    ("loudness", "acousticness"): -0.40,
    ("danceability", "valence"): 0.35,
    ("energy", "valence"): 0.30,
    ("danceability", "tempo"): -0.15,
}

UNIT_INTERVAL = {"danceability", "energy", "speechiness", "acousticness", "liveness", "valence"}

GMM_PARAMS = {"mu": [1.3, -1.8], "sigma": [0.7, 1.5], "pi": 0.3}
GMM_SAMPLES = 5000


def _copula_correlation() -> np.ndarray:
    R = np.eye(len(FEATURES))
    for (a, b), r in CORRELATIONS.items():
        i, j = FEATURES.index(a), FEATURES.index(b)
        R[i, j] = R[j, i] = r
    np.linalg.cholesky(R)  # raises if not positive definite
    return R


def _marginal(feature: str, mean: float, std: float, u: np.ndarray) -> np.ndarray:
    """Map uniforms ``u`` to the feature's marginal distribution in API units."""
    if feature in UNIT_INTERVAL:
        # Beta with the given mean and std; the variance is capped so it exists.
        var = min(std**2, 0.9 * mean * (1 - mean))
        concentration = mean * (1 - mean) / var - 1
        return stats.beta.ppf(u, mean * concentration, (1 - mean) * concentration)
    if feature == "key":
        pitch_classes = np.arange(12)
        weights = stats.norm.pdf(pitch_classes, mean, std)
        cdf = np.cumsum(weights / weights.sum())
        return np.minimum(np.searchsorted(cdf, u), 11).astype(float)
    x = stats.norm.ppf(u, mean, std)
    if feature == "popularity":
        return np.clip(np.rint(x), 0, 100)
    if feature == "duration_ms":
        return np.rint(np.maximum(x, 60_000.0))
    if feature == "loudness":
        return np.minimum(x, -0.5)
    if feature == "tempo":
        return np.clip(x, 50.0, 220.0)
    raise KeyError(feature)


def spotify_stand_in(seed: int = SEED, spread: float = SPREAD) -> dict:
    """The ``spotify.p`` dictionary: ``keys`` (F,), ``tracks`` (N, F), ``artists`` (N,)."""
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(_copula_correlation())
    blocks, names = [], []
    for artist in ARTISTS:
        z = rng.standard_normal((SONGS_PER_ARTIST, len(FEATURES))) @ chol.T
        u = stats.norm.cdf(z)
        columns = [
            _marginal(f, PROFILES[artist][f][0], spread * PROFILES[artist][f][1], u[:, j])
            for j, f in enumerate(FEATURES)
        ]
        blocks.append(np.column_stack(columns))
        names += [artist] * SONGS_PER_ARTIST
    order = rng.permutation(len(names))
    return {
        "keys": np.array(FEATURES),
        "tracks": np.vstack(blocks)[order].astype(float),
        "artists": np.array(names)[order],
    }


def gmm_stand_in(seed: int = SEED) -> dict:
    """The ``GMM.p`` dictionary: ``mu``, ``sigma`` (stds), ``pi`` (prior of comp. 1), ``X``."""
    rng = np.random.default_rng(seed + 1)
    p = GMM_PARAMS
    component = (rng.random(GMM_SAMPLES) < p["pi"]).astype(int)
    X = rng.normal(np.take(p["mu"], component), np.take(p["sigma"], component))
    return {"mu": list(p["mu"]), "sigma": list(p["sigma"]), "pi": p["pi"], "X": X}


@dataclass(frozen=True)
class Built:
    name: str
    payload: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


def build(seed: int = SEED) -> list[Built]:
    """Both data files as bytes, in ``paths.DATA_FILES`` order."""
    objects = {"spotify.p": spotify_stand_in(seed), "GMM.p": gmm_stand_in(seed)}
    return [Built(n, pickle.dumps(objects[n], protocol=PICKLE_PROTOCOL)) for n in paths.DATA_FILES]


def write(seed: int = SEED, data_dir: Path | None = None) -> list[Path]:
    """Write the data files into ``data/`` (the source of truth)."""
    data_dir = data_dir or paths.data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for item in build(seed):
        target = data_dir / item.name
        target.write_bytes(item.payload)
        written.append(target)
    # marks the files as this generator's output, for the byte-equality test
    marker = data_dir / "GENERATED"
    marker.write_text(f"{seed}\n")
    return [*written, marker]


def sync_copies(data_dir: Path | None = None, targets: list[Path] | None = None) -> list[Path]:
    """Copy ``data/`` beside the assignment notebooks (nbgrader ships only that folder)."""
    data_dir = data_dir or paths.data_dir()
    copied = []
    for target_dir in targets or paths.assignment_data_dirs():
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in paths.DATA_FILES:
            shutil.copyfile(data_dir / name, target_dir / name)
            copied.append(target_dir / name)
    return copied
