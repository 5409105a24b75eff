"""``grader_tests/mutation.md``: the mutation score of the checks, every mutant listed.

:func:`render` writes it from the results of :func:`.runner.run`;
:func:`parse_listing` and :func:`parse_summary` read it back (the test
``grader_tests/dev/test_mutation.py`` recomputes the summary from the listing).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from lab3_dev.mutation import equivalence, operators, runner, survivors
from lab3_dev.mutation.runner import CLASSES, Result

GOAL = 0.97  # the hidden checks kill at least this share of each function's non-equivalent mutants
# ... and its public test at least this share: what a student sees before submitting warns of
# most mistakes the hidden tests would cost points for
PUBLIC_GOAL = 0.90
SUMMARY_HEAD = (
    "| function | mutants | equivalent | killed by the public test | killed only by a hidden "
    "test | timed out | survived | hidden kill rate | public kill rate |"
)
LISTING_HEAD = "| mutant | line | operator | change | class | hidden | public | note |"
KILLING = {"public", "hidden", "timed out"}  # the classes the hidden checks kill


@dataclass(frozen=True)
class Row:
    """One mutant as the listing shows it."""

    id: str
    line: int
    operator: str
    change: str
    klass: str
    hidden: str
    public: str
    note: str

    @property
    def function(self) -> str:
        return self.id.split("#")[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rows_of(results: Sequence[Result]) -> list[Row]:
    return [
        Row(
            r.mutant.id,
            r.mutant.line,
            r.mutant.operator,
            r.mutant.change,
            r.klass,
            r.hidden,
            r.public,
            r.note,
        )
        for r in results
    ]


def counts(rows: Sequence[Row], function: str | None = None) -> dict[str, int]:
    """Per class, plus "mutants", "non-equivalent", "hidden kills" and "public kills"."""
    mine = [r for r in rows if function is None or r.function == function]
    by_class = Counter(r.klass for r in mine)
    out = {k: by_class.get(k, 0) for k in CLASSES}
    out["mutants"] = len(mine)
    out["non-equivalent"] = len(mine) - out["equivalent"]
    out["hidden kills"] = sum(out[k] for k in KILLING)
    out["public kills"] = sum(
        1 for r in mine if r.klass != "equivalent" and r.public in (runner.KILLED, runner.TIMED_OUT)
    )
    return out


def rate(killed: int, total: int) -> str:
    return f"{100.0 * killed / total:.1f}% ({killed}/{total})" if total else "n/a (0/0)"


def summary_rows(rows: Sequence[Row]) -> list[list[str]]:
    """The summary table's cells, one list per function and one for all."""
    out = []
    functions = [f for f in operators.FUNCTIONS if any(r.function == f for r in rows)]
    for name in [*functions, None]:
        c = counts(rows, name)
        label = f"`{name}`" if name else "**all**"
        out.append(
            [
                label,
                str(c["mutants"]),
                str(c["equivalent"]),
                str(c["public"]),
                str(c["hidden"]),
                str(c["timed out"]),
                str(c["survived"]),
                rate(c["hidden kills"], c["non-equivalent"]),
                rate(c["public kills"], c["non-equivalent"]),
            ]
        )
    return out


def _kill_rate_met(rows: Sequence[Row], kills: str, goal: float) -> bool:
    """Whether ``kills`` ("hidden kills", "public kills") reach ``goal`` of each function's
    non-equivalent mutants."""
    for function in {r.function for r in rows}:
        c = counts(rows, function)
        if c["non-equivalent"] and c[kills] < goal * c["non-equivalent"]:
            return False
    return True


def goal_met(rows: Sequence[Row]) -> bool:
    """The hidden checks kill at least :data:`GOAL` of each function's non-equivalent mutants."""
    return _kill_rate_met(rows, "hidden kills", GOAL)


def public_goal_met(rows: Sequence[Row]) -> bool:
    """Each public test kills at least :data:`PUBLIC_GOAL` of its function's non-equivalent
    mutants."""
    return _kill_rate_met(rows, "public kills", PUBLIC_GOAL)


def verdict(met: bool) -> str:
    """How the report and ``make mutants`` word a goal's outcome."""
    return "met" if met else "NOT met"


def unexplained(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r.klass == "survived" and r.note.startswith("UNEXPLAINED")]


def _table(head: str, rows: list[list[str]]) -> list[str]:
    columns = head.count("|") - 1
    rule = "|" + "|".join("---" for _ in range(columns)) + "|"
    return [head, rule] + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def _slowest(results: Sequence[Result]) -> list[list[str]]:
    out = []
    for function in operators.FUNCTIONS:
        mine = [r for r in results if r.mutant.function == function]
        if not mine:
            continue
        cells = [f"`{function}`"]
        for stage in runner.STAGES:
            done = [r.seconds[stage] for r in mine if getattr(r, stage) != runner.TIMED_OUT]
            cells.append(f"{max(done):.1f} s" if done else "-")
            cells.append(f"{runner.stage_limit(function, stage):g} s")
        out.append(cells)
    return out


def render(results: Sequence[Result], *, seconds: float, workers: int, command: str) -> str:
    rows = rows_of(results)
    lines = [
        "# Mutation testing of the hidden checks",
        "",
        "Written by `make mutants` (`python -m kmeans_em_lab mutants`, the code in "
        "`lab3_dev/mutation/`); do not edit by hand. The corpus (`README.md` here) "
        "proves that the mistakes we thought of lose points; this file measures the ones "
        "nobody thought of: every small change (*mutant*) of the six solution functions is "
        "graded with that function's hidden checks and its public test, in-process, as "
        "when grading (`kmeans_em_lab.checks`).",
        "",
        f"Last run: `{command}`, {len(rows)} mutants, {workers} workers, {seconds:.0f} s.",
        "",
        "## Summary",
        "",
        *_table(SUMMARY_HEAD, summary_rows(rows)),
        "",
        "Kill rates are over the non-equivalent mutants. The hidden kill rate counts the "
        "mutants the hidden checks kill (the classes *public*, *hidden* and *timed out*); "
        "the public kill rate counts those the public test kills (or times out on), "
        "whatever the hidden checks do: it is what students see before they submit.",
        "",
        f"Goal: the hidden checks kill at least {GOAL:.0%} of the non-equivalent mutants of "
        f"each function: **{verdict(goal_met(rows))}**.",
        "",
        f"Goal: the public tests kill at least {PUBLIC_GOAL:.0%} of the non-equivalent mutants "
        f"of each function: **{verdict(public_goal_met(rows))}**.",
        "",
        "## How",
        "",
        "- **Mutants.** A small AST mutator (`lab3_dev/mutation/operators.py`), not "
        "mutmut or cosmic-ray: those mutate files of a package and judge each mutant by "
        "running a test command, while the lab's functions live in notebook cells and are "
        "judged by the checks' planned calls; a per-mutant test run would also cost a process "
        "and the imports each time. The mutator needs the operators the lab's mistakes are "
        "made of (numpy reductions, `axis`, `ddof`, old instead of new values), which are "
        "not among those tools' operators. Nodes and operators are visited in a fixed order, "
        "so the same mutants come out on every run; a mutant whose code equals an earlier "
        "one's is dropped. `line` is the line in the solution cell (1 is the `def`).",
        "- **Grading.** A mutant replaces its function in a namespace holding the source "
        "notebook's solutions (run as a notebook runs them). Its hidden checks are every "
        "check of `CHECKS` for that function (planned, recorded and judged as when grading); "
        "its public test is the visible code of the source notebook's public cell, run with "
        "the recorder of the grading kernel and judged by replaying it on the recorded "
        "answers. Two worker processes, each stage with a wall-clock limit.",
        "- **Equivalence.** A mutant the hidden checks let through is equivalent only if its "
        "outputs equal the solution's (same random state, same helpers) within the checks' "
        "own tolerances on the lab's data (the inputs the hidden checks use) and on "
        f"{equivalence.RANDOM_INPUTS} random inputs: 1-D and 2-D data (1 to 4 features, some "
        "integer-valued, so ties and repeated samples occur), K from 2 to 6, a third of the "
        "centre sets leaving a cluster empty, data of exactly K samples; mixtures of varied "
        "overlap and size for EM, EM_step states near and far from the optimum. Where the "
        "checks are lenient by design (any finite centre for an empty cluster, any K "
        "distinct centres from `Centroid_init`) it must equal the solution exactly. It must "
        "not modify an input the solution leaves alone. (The EM runs use a numpy normal "
        "density, memoised exactly, for mutant and solution alike: otherwise the EM mutants "
        "that run all their 10 000 steps would take minutes each.)",
        "- **Time limits.** The slowest stage that ended, per function, against its limit "
        "(a stage past its limit loops for ever: *timed out*, a kill, as the cell's time "
        "limit would stop it when grading):",
        "",
        *_table(
            "| function | hidden: slowest | hidden: limit | public: slowest | public: limit |",
            _slowest(results),
        ),
        "",
        "### Operators",
        "",
        *_table(
            "| operator | what it does | mutants |",
            [
                [f"`{name}`", what, str(sum(1 for r in rows if r.operator == name))]
                for name, what in operators.OPERATORS.items()
            ],
        ),
        "",
        "### Classes",
        "",
        "- *public*: the public test kills it (and the hidden checks too);",
        "- *hidden*: only the hidden checks kill it;",
        "- *timed out*: the hidden checks or the public test ran past the limit (killed);",
        "- *equivalent*: the hidden checks pass it and the evidence above shows it equal to "
        "the solution (listed below);",
        "- *survived*: the hidden checks pass it and it is not shown equivalent; each is "
        "listed with the reason its grade should not change.",
        "",
        "## Survivors",
        "",
    ]
    surviving = [r for r in rows if r.klass == "survived"]
    if surviving:
        lines += _table(
            "| mutant | change | public | why its grade should not change |",
            [[r.id, r.change, r.public, r.note] for r in surviving],
        )
    else:
        lines.append("None.")
    lines += [
        "",
        "## Checks strengthened because of mutants",
        "",
        "Survivors of earlier runs that are now killed; each strengthening has a corpus case "
        "that would have lost points (`README.md` here).",
        "",
        *_table(
            "| mutants | what the checks did not see | stronger check | corpus case |",
            [list(s) for s in survivors.STRENGTHENED],
        ),
        "",
        "## Equivalent mutants",
        "",
        *_table(
            "| mutant | change | evidence |",
            [[r.id, r.change, r.note] for r in rows if r.klass == "equivalent"],
        ),
        "",
        "## Timed out",
        "",
        *_table(
            "| mutant | change | hidden | public |",
            [[r.id, r.change, r.hidden, r.public] for r in rows if r.klass == "timed out"],
        ),
        "",
        "## Every mutant",
        "",
        "`hidden` and `public`: what the hidden checks and the public test did with it "
        "(killed, passed, timed out).",
        "",
        *_table(
            LISTING_HEAD,
            [
                [r.id, str(r.line), r.operator, r.change, r.klass, r.hidden, r.public, r.note]
                for r in rows
            ],
        ),
        "",
    ]
    return "\n".join(lines)


# -- reading it back -------------------------------------------------------------------------------

_SPLIT = re.compile(r"(?<!\\)\|")


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in _SPLIT.split(line.strip())[1:-1]]


def _table_after(text: str, head: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(head)
    out = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        out.append(_cells(line))
    return out


def parse_listing(text: str) -> list[Row]:
    return [
        Row(c[0], int(c[1]), c[2], c[3], c[4], c[5], c[6], c[7])
        for c in _table_after(text, LISTING_HEAD)
    ]


def parse_summary(text: str) -> list[list[str]]:
    return _table_after(text, SUMMARY_HEAD)
