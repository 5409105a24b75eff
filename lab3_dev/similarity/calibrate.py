"""The calibration: the similarity check and copydetect on the generated class, with numbers.

:func:`run` scores every pair of :func:`.classgen.build` with both, then
measures, by kind of pair, how many copied pairs each puts at or above its
threshold and how many independent pairs (the common-mistake pairs included).
The check's threshold is its own (:data:`kmeans_em_lab.similarity.evidence.THRESHOLD`);
copydetect, which has none for this use, is given its best: just above its
highest independent pair, so it makes no false positive by construction.

The behaviour evidence is computed in this process
(:func:`kmeans_em_lab.similarity.classroom.answers_in_process`, the same
recorder and JSON as a kernel), not in sandboxed kernels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kmeans_em_lab.course.paths import Course
from kmeans_em_lab.similarity import classroom, evidence
from lab3_dev.similarity import baseline, classgen


@dataclass(frozen=True)
class Result:
    kinds: dict[tuple[str, str], str]
    ours: dict[tuple[str, str], float]
    copydetect: dict[tuple[str, str], float]
    copydetect_threshold: float

    def found(self, kind: str, tool: str) -> tuple[int, int]:
        """(pairs of ``kind`` at or above the tool's threshold, pairs of ``kind``)."""
        scores, limit = (
            (self.ours, evidence.THRESHOLD)
            if tool == "ours"
            else (self.copydetect, self.copydetect_threshold)
        )
        pairs = [p for p, k in self.kinds.items() if k == kind]
        return sum(scores.get(p, 0.0) >= limit for p in pairs), len(pairs)

    def copied_recall(self, tool: str) -> float:
        kinds = {k for k in self.kinds.values() if k not in ("independent", "common mistake")}
        hits = [self.found(k, tool) for k in kinds]
        return sum(h for h, _ in hits) / max(1, sum(n for _, n in hits))

    def false_positives(self, tool: str) -> int:
        return self.found("independent", tool)[0] + self.found("common mistake", tool)[0]

    def table(self) -> str:
        rows = ["| pairs | how many | this check | copydetect |", "|---|---|---|---|"]
        for kind, n in sorted(Counter(self.kinds.values()).items()):
            rows.append(
                f"| {kind} | {n} | {self.found(kind, 'ours')[0]} "
                f"| {self.found(kind, 'copydetect')[0]} |"
            )
        return "\n".join(rows)


def submissions(students: list[classgen.Student]) -> list[classroom.Submission]:
    return [
        classroom.Submission(
            s.name,
            dict(s.code),
            answers=classroom.answers_in_process([s.code[f] for f in classgen.FUNCTIONS]),
            probed=True,
        )
        for s in students
    ]


def run(students: list[classgen.Student] | None = None) -> Result:
    students = students if students is not None else classgen.build()
    course = Course.at()
    tpl = classroom.release_template()
    found = evidence.analyse(submissions(students), tpl, classroom.reference(course))
    ours = {(p.a, p.b) if p.a < p.b else (p.b, p.a): p.score for p in found}
    kinds = classgen.pairs(students)
    theirs = baseline.scores({s.name: s.code for s in students}, tpl.code)
    independent = [
        theirs.get(p, 0.0) for p, k in kinds.items() if k in ("independent", "common mistake")
    ]
    return Result(kinds, ours, theirs, max(independent, default=0.0) + 1e-9)
