"""Behaviour evidence: the same answers to the probes, weighed by how rare they are.

For every probe, the class's answers are counted by their exact form
(:mod:`.answers`). A shared answer is evidence only when it is not the
reference's (its loose form differs: identical correct answers say nothing)
and not the release template's (a function left unwritten). Its weight is
its surprise in bits, ``log2((n + 1) / (k + 1))`` for ``k`` of ``n`` students
giving it: a mistake half the class makes is worth under one bit; the same
answer given by two students of a hundred, about five. An answer given by
more than :func:`group_limit` students (a fifth of the class, and more than
four) is a common mistake and no evidence at all: students make it independently.

A function's weight for a pair is its rarest shared answer (the probes of one
function mostly repeat one behaviour). A function built on others
(:data:`BUILT_ON`: ``K_Means`` runs the student's ``Set`` and ``Update``,
``EM`` the student's ``K_Means`` and ``EM_step``) counts only
:data:`INHERITED_FACTOR` of its weight when the pair also shares a wrong
answer in one of those: the same bug seen twice is one behaviour. The pair's
behaviour evidence is the sum over functions.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from kmeans_em_lab.similarity.answers import Answer

BUILT_ON = {"K_Means": ("Centroid_init", "Set", "Update"), "EM": ("K_Means", "EM_step")}
INHERITED_FACTOR = 0.25
GROUP_SHARE = 0.2  # an answer given by more than this share of the class is no evidence ...
GROUP_MIN = 4  # ... once more than this many students give it: a common mistake


@dataclass(frozen=True)
class SharedAnswer:
    """One probe both students answered the same, unusual way."""

    probe: str  # "<function>: <label>"
    shown: str  # the answer, as the page may quote it (student text: escape it)
    holders: int  # students in the class who gave it
    bits: float

    @property
    def function(self) -> str:
        return self.probe.split(": ", 1)[0]


@dataclass(frozen=True)
class ClassAnswers:
    """The class's answers and how often each was given."""

    answers: dict[str, dict[str, Answer]]  # student -> probe -> answer
    counts: dict[str, Counter]  # probe -> exact digest -> students
    answered: dict[str, int]  # probe -> students who answered it
    ignored: dict[str, frozenset[str]]  # probe -> exact digests that are no evidence


def class_answers(
    answers: dict[str, dict[str, Answer]],
    reference: dict[str, Answer],
    template: dict[str, Answer],
) -> ClassAnswers:
    counts: dict[str, Counter] = defaultdict(Counter)
    answered: Counter = Counter()
    for given in answers.values():
        for probe, found in given.items():
            counts[probe][found.exact] += 1
            answered[probe] += 1
    ignored = {}
    for probe in counts:
        ref, tpl = reference.get(probe), template.get(probe)
        no_evidence = set()
        for given in answers.values():
            found = given.get(probe)
            if found is None:
                continue
            if (ref is not None and found.loose == ref.loose) or (
                tpl is not None and found.exact == tpl.exact
            ):
                no_evidence.add(found.exact)
        ignored[probe] = frozenset(no_evidence)
    return ClassAnswers(answers, dict(counts), dict(answered), ignored)


def surprise(holders: int, answered: int) -> float:
    """Bits of an answer ``holders`` of ``answered`` students gave."""
    return max(0.0, math.log2((answered + 1) / (holders + 1)))


def shared(cls: ClassAnswers, a: str, b: str) -> list[SharedAnswer]:
    """The unusual answers ``a`` and ``b`` both gave, rarest first."""
    out = []
    mine, theirs = cls.answers.get(a, {}), cls.answers.get(b, {})
    limit = group_limit(len(cls.answers))
    for probe, found in mine.items():
        other = theirs.get(probe)
        if other is None or other.exact != found.exact or found.exact in cls.ignored[probe]:
            continue
        holders = cls.counts[probe][found.exact]
        if holders > limit:  # a common mistake: no evidence
            continue
        out.append(
            SharedAnswer(probe, found.shown, holders, surprise(holders, cls.answered[probe]))
        )
    return sorted(out, key=lambda s: (-s.bits, s.probe))


def function_bits(found: list[SharedAnswer]) -> dict[str, float]:
    """Per function, the weight of what a pair shares (see the module docstring)."""
    best: dict[str, float] = {}
    for s in found:
        best[s.function] = max(best.get(s.function, 0.0), s.bits)
    return {
        f: bits * (INHERITED_FACTOR if any(d in best for d in BUILT_ON.get(f, ())) else 1.0)
        for f, bits in best.items()
    }


def group_limit(students: int) -> int:
    """Students an answer may be given by and still be evidence (more: a common mistake)."""
    return max(GROUP_MIN, int(GROUP_SHARE * students))


def candidate_pairs(cls: ClassAnswers) -> set[tuple[str, str]]:
    """The pairs sharing at least one unusual answer that is not given by a large group."""
    limit = group_limit(len(cls.answers))
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for student, given in cls.answers.items():
        for probe, found in given.items():
            if found.exact not in cls.ignored.get(probe, ()):
                holders[(probe, found.exact)].append(student)
    pairs = set()
    for group in holders.values():
        if 2 <= len(group) <= limit:
            pairs.update(combinations(sorted(group), 2))
    return pairs
