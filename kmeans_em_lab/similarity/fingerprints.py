"""Code fingerprints by winnowing, and the index that finds the pairs sharing them.

Each function's canonical tokens (:mod:`.normalise`) are hashed as k-grams of
:data:`K_GRAM` tokens and winnowed with a window of :data:`WINDOW`
(``copydetect``'s implementation of Schleimer, Wilkerson and Aiken's
algorithm: every run of ``WINDOW`` consecutive k-grams keeps at least one
fingerprint). Tokens become single characters first, so a character k-gram
of copydetect is a token k-gram here. The release's template is boilerplate:
its fingerprints are removed from every student's.

Pairs are found through an inverted index (fingerprint -> students), never by
comparing every pair: a fingerprint that many students share
(:data:`COMMON_SHARE` of the class, at least :data:`COMMON_MIN`) is a common
idiom and counts for no pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from copydetect.utils import hashed_kgrams, winnow

K_GRAM = 6  # tokens in a k-gram (about half a line of canonical code)
WINDOW = 3  # k-grams per winnowing window
COMMON_SHARE = 0.05  # a fingerprint held by more than this share of the class is common ...
COMMON_MIN = 3  # ... and by more than this many students

_VOCABULARY: dict[str, str] = {}


def _as_text(tokens: list[str]) -> str:
    """One character per token (a private-use character per distinct token)."""
    out = []
    for token in tokens:
        char = _VOCABULARY.get(token)
        if char is None:
            char = _VOCABULARY[token] = chr(0xF0000 + len(_VOCABULARY))
        out.append(char)
    return "".join(out)


def fingerprints(tokens: list[str]) -> frozenset[int]:
    """The winnowed fingerprints of a token sequence (empty when shorter than a k-gram)."""
    text = _as_text(tokens)
    if len(text) < K_GRAM:
        return frozenset()
    hashes = hashed_kgrams(text, K_GRAM)
    selected, _ = winnow(np.asarray(hashes), WINDOW)
    return frozenset(int(h) for h in selected)


@dataclass(frozen=True)
class CodeOverlap:
    """What two students' code shares: per function, (shared, prints of a, prints of b)."""

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
    for (function, _), holders in index.items():
        if 2 <= len(holders) <= limit:
            for i, j in combinations(holders, 2):
                shared[(i, j)][function] += 1
    out = {}
    for (i, j), counts in shared.items():
        a, b = prints[names[i]], prints[names[j]]
        functions = set(a) | set(b)
        per = {
            f: (counts.get(f, 0), len(a.get(f, ())), len(b.get(f, ()))) for f in sorted(functions)
        }
        out[(names[i], names[j])] = CodeOverlap(per)
    return out
