"""The generated calibration class: independent students, and copies of some of them.

Every student's solution cells carry a *lineage* per function (where the code
came from); two students whose code shares a lineage in any function were
written together (a *copied pair*), all others are *independent*:

- independent students: the corpus's distinct solutions (``solution``,
  ``vectorised``, ``plain_loops``, the original lab, the partial student, a
  student mixing the corpus's single-function variants) and the hand-written
  styles of :mod:`.styles`; four of them make the same common mistake
  (variances around the old means), each in its own words;
- disguised copies (:mod:`.disguise`) of six of them, every function changed;
- a copy of one function only (``mixed``'s ``EM_step`` is ``functional``'s, disguised);
- rewritten copies (:data:`.styles.REWRITE_ORIGINAL`, :data:`.styles.REWRITE_INDEXED`).

:func:`build` makes it; :func:`scaled` repeats it with fresh disguises for the bench.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from kmeans_em_lab.course import paths, submissions
from lab3_dev.similarity import disguise, styles

FUNCTIONS = ("Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM")


@dataclass(frozen=True)
class Student:
    name: str
    code: dict[str, str]  # function -> solution cell
    lineage: dict[str, str]  # function -> where its code came from ("" : the template)
    kind: str = "independent"  # independent, disguised, one function, rewritten
    mistakes: tuple[str, ...] = field(default=())


@lru_cache(maxsize=1)
def _corpus() -> dict[str, dict[str, str]]:
    cases = submissions.load_cases(paths.corpus_dir("validity") / "cases")
    return {name: case.edits.replace for name, case in cases.items()}


def _template() -> dict[str, str]:
    from kmeans_em_lab.similarity import cells

    return cells.template(paths.Course.at().release_notebook).code


def _student(name: str, sources: dict[str, tuple[str, str]], kind="independent", mistakes=()):
    tpl = _template()
    code = {f: sources[f][1] if f in sources else tpl[f] for f in FUNCTIONS}
    lineage = {f: sources[f][0] if f in sources else "" for f in FUNCTIONS}
    return Student(name, code, lineage, kind, tuple(mistakes))


def _old_mean(code: str, *keys: str) -> str:
    for key in keys:
        before, after = styles.OLD_MEAN[key]
        assert before in code, key
        code = code.replace(before, after)
    return code


def independents() -> list[Student]:
    c = _corpus()

    def case(name, functions=FUNCTIONS):
        return {f: (f"{name}:{f}", c[name][f]) for f in functions}

    def style(name, table):
        return {f: (f"{name}:{f}", code) for f, code in table.items()}

    loops = case("plain_loops", FUNCTIONS[1:]) | case("random_samples_init", ("Centroid_init",))
    loops["EM_step"] = (loops["EM_step"][0], _old_mean(loops["EM_step"][1], "loops", "loops2"))
    vec = case("vectorised")
    vec["EM_step"] = (vec["EM_step"][0], _old_mean(vec["EM_step"][1], "vectorised"))
    compact = style("compact", styles.COMPACT)
    compact["EM_step"] = (compact["EM_step"][0], _old_mean(compact["EM_step"][1], "compact"))
    whileloop = style("whileloop", styles.WHILELOOP)
    whileloop["EM_step"] = (
        whileloop["EM_step"][0],
        _old_mean(whileloop["EM_step"][1], "whileloop", "whileloop2"),
    )
    mixed = (
        case("kmeans_plusplus", ("Centroid_init",))
        | case("fault_slow_correct", ("Set",))
        | case("empty_cluster_farthest", ("Update",))
        | case("tolerance_convergence", ("K_Means",))
        | case("em_random_init", ("EM",))
    )
    old = ("variance_old_mean",)
    return [
        _student(
            "solution",
            case("solution", ())
            | {f: (f"solution:{f}", submissions.source_solutions()[f]) for f in FUNCTIONS},
        ),  # fmt: skip
        _student("vectorised", vec, mistakes=old),
        _student("loops", loops, mistakes=old),
        _student("original", case("original_lab")),
        _student("partial", case("partial_kmeans_only", FUNCTIONS[:4])),
        _student("mixed", mixed),
        _student("compact", compact, mistakes=old),
        _student("indexed", style("indexed", styles.INDEXED)),
        _student("functional", style("functional", styles.FUNCTIONAL)),
        _student("whileloop", whileloop, mistakes=old),
    ]


def build(seed: int = 0, suffix: str = "") -> list[Student]:
    """The class (names get ``suffix``; ``seed`` varies the disguises)."""
    base = {s.name: s for s in independents()}
    out = []
    for s in base.values():
        code, lineage = dict(s.code), dict(s.lineage)
        if s.name == "mixed":  # one function copied from functional, disguised
            code["EM_step"] = disguise.disguise(base["functional"].code["EM_step"], seed + 99)
            lineage["EM_step"] = base["functional"].lineage["EM_step"]
            out.append(Student(s.name + suffix, code, lineage, "one function"))
        else:
            out.append(Student(s.name + suffix, code, lineage, s.kind, s.mistakes))
    for n, name in enumerate(("solution", "functional", "indexed", "original", "compact", "loops")):
        s = base[name]
        code = {f: disguise.disguise(c, seed * 100 + n * 7 + i) if s.lineage[f] else c
                for i, (f, c) in enumerate(s.code.items())}  # fmt: skip
        out.append(Student(f"copy_of_{name}{suffix}", code, dict(s.lineage), "disguised"))
    tpl = _template()
    for name, table in (("original", styles.REWRITE_ORIGINAL), ("indexed", styles.REWRITE_INDEXED)):
        code = {f: table.get(f, tpl[f]) for f in FUNCTIONS}
        lineage = {f: f"{name}:rewritten" if f in table else "" for f in FUNCTIONS}
        # the rewrite keeps the original's behaviour: same lineage for the ground truth
        lineage = {f: base[name].lineage[f] if f in table else "" for f in FUNCTIONS}
        out.append(Student(f"rewrite_of_{name}{suffix}", code, lineage, "rewritten"))
    return out


def copied(a: Student, b: Student) -> bool:
    """Whether the two share the lineage of any function (were written together)."""
    return any(a.lineage[f] and a.lineage[f] == b.lineage[f] for f in FUNCTIONS)


def pairs(students: list[Student]) -> dict[tuple[str, str], str]:
    """Every pair -> its kind: the copy's kind, or ``independent`` (``common mistake`` when
    both make the same common mistake)."""
    out = {}
    for a, b in combinations(sorted(students, key=lambda s: s.name), 2):
        if copied(a, b):
            kinds = {a.kind, b.kind} - {"independent"}
            rank = ("rewritten", "one function", "disguised")
            out[(a.name, b.name)] = min(kinds, key=rank.index) if kinds else "independent"
        elif set(a.mistakes) & set(b.mistakes):
            out[(a.name, b.name)] = "common mistake"
        else:
            out[(a.name, b.name)] = "independent"
    return out


def scaled(students: int) -> list[Student]:
    """About ``students`` students: the class repeated, each repetition disguised afresh and its
    students renamed (repetitions of one independent student are copies of it)."""
    out: list[Student] = []
    round_ = 0
    while len(out) < students:
        out += build(seed=round_, suffix=f"_{round_}")
        round_ += 1
    return out[:students]
