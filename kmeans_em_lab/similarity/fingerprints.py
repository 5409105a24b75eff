"""Code fingerprints by winnowing, and the index that finds the pairs sharing them.

Each function's canonical tokens (:mod:`.normalise`) are hashed as k-grams of
:data:`K_GRAM` tokens and winnowed with a window of :data:`WINDOW`
(``copydetect``'s implementation of Schleimer, Wilkerson and Aiken's
algorithm: every run of ``WINDOW`` consecutive k-grams keeps at least one
fingerprint). Each k-gram of tokens is hashed with BLAKE2b, not with
copydetect's ``hashed_kgrams`` (Python's ``hash`` of a string, salted per
process): the same code must get the same fingerprints, and so the same
scores, in every run and whichever students are compared with it. The
release's template is boilerplate: its fingerprints are removed from every
student's.

Pairs are found through an inverted index (fingerprint -> students), never by
comparing every pair: a fingerprint that many students share
(:data:`COMMON_SHARE` of the class, at least :data:`COMMON_MIN`) is a common
idiom and counts for no pair.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from copydetect.utils import winnow

K_GRAM = 6  # tokens in a k-gram (about half a line of canonical code)
WINDOW = 3  # k-grams per winnowing window
COMMON_SHARE = 0.05  # a fingerprint held by more than this share of the class is common ...
COMMON_MIN = 3  # ... and by more than this many students


def _stable_hash(kgram: list[str]) -> int:
    digest = hashlib.blake2b("\x1f".join(kgram).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def fingerprints(tokens: list[str]) -> frozenset[int]:
    """The winnowed fingerprints of a token sequence (empty when shorter than a k-gram)."""
    if len(tokens) < K_GRAM:
        return frozenset()
    hashes = [_stable_hash(tokens[i : i + K_GRAM]) for i in range(len(tokens) - K_GRAM + 1)]
    selected, _ = winnow(np.asarray(hashes, dtype=np.int64), WINDOW)
    return frozenset(int(h) for h in selected)


@dataclass(frozen=True)
class CodeOverlap:
    """What two students' code shares: per function, (shared, prints of a, prints of b), of
    the fingerprints that are not common."""

    per_function: dict[str, tuple[int, int, int]]

    @property
    def overall(self) -> float:
        """Dice coefficient over the functions both wrote: 2 shared / (a + b)."""
        rows = [r for r in self.per_function.values() if r[1] and r[2]]
        total = sum(a + b for _, a, b in rows)
        return 2 * sum(s for s, _, _ in rows) / total if total else 0.0

    def function(self, name: str) -> float:
        shared, a, b = self.per_function.get(name, (0, 0, 0))
        return 2 * shared / (a + b) if a and b else 0.0


def common_limit(students: int) -> int:
    """Students a fingerprint may be shared by and still count (more: a common idiom)."""
    return max(COMMON_MIN, int(COMMON_SHARE * students))


def overlaps(prints: dict[str, dict[str, frozenset[int]]]) -> dict[tuple[str, str], CodeOverlap]:
    """Every pair sharing at least one fingerprint that is not common, with its overlap.

    The overlap counts uncommon fingerprints only, shared and not: a common idiom says
    nothing for or against two students having written together.

    ``prints``: student -> function -> fingerprints (template already removed).
    """
    names = sorted(prints)
    limit = common_limit(len(names))
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, student in enumerate(names):
        for function, found in prints[student].items():
            for h in found:
                index[(function, h)].append(i)
    shared: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    own: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # uncommon prints
    for (function, _), holders in index.items():
        if len(holders) > limit:
            continue
        for i in holders:
            own[i][function] += 1
        if len(holders) >= 2:
            for i, j in combinations(holders, 2):
                shared[(i, j)][function] += 1
    out = {}
    for (i, j), counts in shared.items():
        a, b = own[i], own[j]
        functions = set(prints[names[i]]) | set(prints[names[j]])
        per = {f: (counts.get(f, 0), a.get(f, 0), b.get(f, 0)) for f in sorted(functions)}
        out[(names[i], names[j])] = CodeOverlap(per)
    return out
