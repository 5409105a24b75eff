"""The evidence on each pair, combined into one score, in words.

Three kinds, each found through an index (:mod:`.fingerprints`,
:mod:`.behaviour`, :mod:`.traces`), so only the pairs that share something
are scored:

- **code**: the larger of the Dice coefficient of the two students'
  uncommon fingerprints over all functions and of one function alone, each
  scaled down when they share fewer than :data:`FULL_SHARED_PRINTS`
  fingerprints (about two lines of canonical code), in 0..1;
- **behaviour**: the surprise, in bits, of the unusual answers both gave;
- **traces**: the texts only the two of them hold.

``score = code + bits / BITS_PER_POINT + TRACE_POINTS per trace (at most
MAX_TRACE_POINTS)``; a pair at :data:`THRESHOLD` or above is listed as worth a
look. The numbers were set on the generated calibration class (README,
*Which submissions were written together*).
"""

from __future__ import annotations

from dataclasses import dataclass

from kmeans_em_lab.similarity import behaviour, fingerprints, normalise, traces
from kmeans_em_lab.similarity.behaviour import SharedAnswer
from kmeans_em_lab.similarity.cells import Template
from kmeans_em_lab.similarity.classroom import Baseline, Submission

THRESHOLD = 0.5  # a pair's score from which it is listed as worth a look
BITS_PER_POINT = 9.0  # bits of shared unusual behaviour worth one point of score
FULL_SHARED_PRINTS = 24  # shared fingerprints a Dice coefficient needs to count in full
TRACE_POINTS = 0.1
MAX_TRACE_POINTS = 0.2


@dataclass(frozen=True)
class PairEvidence:
    a: str
    b: str
    code: float
    code_functions: dict[str, float]
    behaviour_bits: float
    function_bits: dict[str, float]
    answers: tuple[SharedAnswer, ...]
    traces: tuple[str, ...]

    @property
    def score(self) -> float:
        trace_points = min(MAX_TRACE_POINTS, TRACE_POINTS * len(self.traces))
        return self.code + self.behaviour_bits / BITS_PER_POINT + trace_points

    @property
    def worth_a_look(self) -> bool:
        return self.score >= THRESHOLD

    def words(self) -> list[str]:
        """The evidence in plain words, strongest first (no student text in them)."""
        out = []
        if self.code >= 0.1:
            best = sorted(self.code_functions.items(), key=lambda kv: -kv[1])
            named = ", ".join(f"{f} {v:.0%}" for f, v in best if v >= 0.3)
            out.append(
                f"Code: {self.code:.0%} of their normalised code fingerprints agree after names, "
                "literals, comments, layout and the order of independent lines are set aside"
                + (f" (per function: {named})" if named else "")
                + ". Ordinary code shared by many students is not counted."
            )
        for function, bits in sorted(self.function_bits.items(), key=lambda kv: -kv[1]):
            shared = [s for s in self.answers if s.function == function]
            rarest = shared[0]
            strength = "strong" if bits >= 4 else "moderate" if bits >= 2 else "weak"
            inherited = function in behaviour.BUILT_ON and bits < rarest.bits
            out.append(
                f"Behaviour of {function} ({strength}, {bits:.1f} bits): both gave the same answer "
                f"that is not the reference's to {len(shared)} probe call(s); the rarest was given "
                f"by {rarest.holders} student(s) of the class"
                + (
                    " (partly explained by a shared answer of a function it calls)"
                    if inherited
                    else ""
                )  # fmt: skip
                + "."
            )
        if self.traces:
            out.append(
                f"Other traces: {len(self.traces)} comment(s), message(s) or added line(s) "
                "that only "
                "these two submissions hold."
            )
        return out


def _boilerplate(tpl: Template) -> dict[str, frozenset[int]]:
    """The template's fingerprints, by function: no evidence."""
    return {f: fingerprints.fingerprints(normalise.tokens(code)) for f, code in tpl.code.items()}


def _prints(
    submission: Submission, tpl: Template, boilerplate: dict[str, frozenset[int]] | None = None
) -> dict[str, frozenset[int]]:
    boilerplate = _boilerplate(tpl) if boilerplate is None else boilerplate
    out = {}
    for function, code in submission.code.items():
        boiler = boilerplate.get(function, frozenset())
        found = fingerprints.fingerprints(normalise.tokens(code)) - boiler
        if found:
            out[function] = found
    return out


def _code_score(overlap: fingerprints.CodeOverlap | None) -> tuple[float, dict[str, float]]:
    """(the pair's code evidence, the Dice coefficient of each function)."""
    if overlap is None:
        return 0.0, {}
    per = {f: overlap.function(f) for f in overlap.per_function}
    best = max(
        (per[f] * _amount(shared) for f, (shared, _, _) in overlap.per_function.items()),
        default=0.0,
    )
    total = sum(shared for shared, _, _ in overlap.per_function.values())
    return max(overlap.overall * _amount(total), best), per


def _amount(shared: int) -> float:
    """How much a Dice coefficient counts for ``shared`` fingerprints (a short line two
    students wrote alike is a coincidence more often than a copy)."""
    return min(1.0, shared / FULL_SHARED_PRINTS)


def _code_evidence(
    submission: Submission, tpl: Template, boilerplate: dict[str, frozenset[int]]
) -> tuple[dict[str, frozenset[int]], set[str]]:
    """One submission's code evidence: (its fingerprints by function, the texts it holds)."""
    prints = _prints(submission, tpl, boilerplate)
    holding = set().union(
        *(traces.texts(c, tpl.is_template) for c in submission.code.values()),
        traces.added_texts(list(submission.added)),
    )
    return prints, holding


def analyse(
    submissions: list[Submission],
    tpl: Template,
    baseline: Baseline,
    *,
    unread: set[str] | None = None,
) -> list[PairEvidence]:
    """Every pair that shares any evidence, highest score first.

    A submission whose code cannot be read (any error while it is normalised or
    fingerprinted) has no code evidence and the rest of the class is compared as
    usual; its student is added to ``unread`` when given (for the page to say so)."""
    boilerplate = _boilerplate(tpl)
    prints: dict[str, dict[str, frozenset[int]]] = {}
    holdings: dict[str, set[str]] = {}
    for s in submissions:
        try:
            prints[s.student], holdings[s.student] = _code_evidence(s, tpl, boilerplate)
        except Exception:  # noqa: BLE001 - one student's code must not stop the class's report
            prints[s.student], holdings[s.student] = {}, set()
            if unread is not None:
                unread.add(s.student)
    code = fingerprints.overlaps(prints)
    cls = behaviour.class_answers(
        {s.student: s.answers for s in submissions}, baseline.reference, baseline.template
    )
    shared_traces = traces.shared(holdings)
    pairs = set(code) | behaviour.candidate_pairs(cls) | set(shared_traces)
    out = []
    for a, b in pairs:
        code_score, per_function = _code_score(code.get((a, b)))
        found = behaviour.shared(cls, a, b)
        bits = behaviour.function_bits(found)
        out.append(
            PairEvidence(
                a=a,
                b=b,
                code=code_score,
                code_functions=per_function,
                behaviour_bits=sum(bits.values()),
                function_bits=bits,
                answers=tuple(found),
                traces=tuple(shared_traces.get((a, b), ())),
            )
        )
    return sorted(out, key=lambda p: (-p.score, p.a, p.b))
