"""Grade every mutant with the hidden and the public checks, and classify it.

Three kinds of task run in worker processes (:mod:`.pool`), each with a
wall-clock limit: a mutant's hidden checks, its public test and, for the
mutants the hidden checks let through, the equivalence evidence
(:mod:`.equivalence`). A mutant's class (:data:`CLASSES`):

- ``public``: the public test kills it (and the hidden checks do too);
- ``hidden``: only the hidden checks kill it;
- ``timed out``: its hidden checks or its public test ran past their limit
  (:func:`stage_limit`): it loops for ever, and when grading the cell would hit
  its time limit and score 0, so it is killed;
- ``equivalent``: the hidden checks pass it and :func:`.equivalence.evidence`
  shows that its outputs equal the solution's;
- ``survived``: the hidden checks pass it and it is not shown equivalent
  (whatever the public test says); each needs a reason (:mod:`.survivors`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kmeans_em_lab import checks
from kmeans_em_lab.checks import reference_results as ref
from lab3_dev.mutation import equivalence, grading, operators, pool
from lab3_dev.mutation.operators import Mutant

# Seconds a stage (a mutant's hidden checks, or its public test) may run in this
# process before it counts as looping for ever. Not the grading's cell limits (30 s
# and more), which would cost minutes per looping mutant, but far above the slowest
# stage that ends (the report prints it per function): outside EM every stage of
# every mutant that ends takes under 2 s, so 10 s. EM's mutants that never stop
# early run all their 10 000 steps, on two data sets (about 25 s in all), and must be
# allowed to finish: they pass when grading, whose limit for test_EM_hidden is 300 s.
STAGE_TIMEOUT = 10.0
STAGE_LIMITS = {("EM", "hidden"): 120.0, ("EM", "public"): 30.0}
# Seconds for the equivalence evidence of one mutant (56 runs of the mutant, whose
# outputs are compared with the solution's; the slowest EM mutants need ~20 s).
EQUIVALENCE_TIMEOUT = 120.0
WORKERS = 2
QUICK_EVERY = 5  # --quick: mutants 1, 6, 11, ... of each function

CLASSES = ("public", "hidden", "timed out", "equivalent", "survived")
KILLED, PASSED, TIMED_OUT = "killed", "passed", "timed out"
STAGES = ("hidden", "public")


@dataclass
class Result:
    mutant: Mutant
    hidden: str  # KILLED, PASSED or TIMED_OUT
    public: str
    klass: str  # one of CLASSES
    note: str  # the hidden checks that fail, the evidence, or what a survivor does
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> seconds it ran


def stage_limit(function: str, stage: str, scale: float = 1.0) -> float:
    """Seconds the ``stage`` ("hidden", "public") of a mutant of ``function`` may run."""
    return scale * STAGE_LIMITS.get((function, stage), STAGE_TIMEOUT)


def _work(task: tuple[str, str]):
    mutant_id, stage = task
    mutant = operators.by_id()[mutant_id]
    if stage == "hidden":
        found = grading.hidden_verdicts(mutant)
        failed = [name for name, message in found.items() if message]
        first = next((found[name] for name in failed), "")
        return failed, first
    if stage == "public":
        return grading.public_verdict(mutant)
    return equivalence.evidence(mutant)


def _warm(functions) -> None:
    """Plans, data and reference results made once, before the workers are forked."""
    operators.all_mutants()
    grading.public_cells()
    ref.spotify_X(), ref.gmm_X(), ref.em_mle(), ref.second_em_mle()
    for name, (function, _, _) in checks.CHECKS.items():
        if function in functions:
            checks.plan(name)
    for function in functions:
        checks.plan(checks.PUBLIC + function)


def select(quick: bool = False, functions: Sequence[str] = ()) -> list[Mutant]:
    mutants = operators.all_mutants()
    if functions:
        mutants = [m for m in mutants if m.function in functions]
    if quick:
        mutants = [m for m in mutants if (m.number - 1) % QUICK_EVERY == 0]
    return mutants


def _verdict(outcome: pool.Outcome, killed: Callable[[object], bool]) -> tuple[str, str]:
    if outcome.timed_out:
        return TIMED_OUT, ""
    if outcome.error:
        return KILLED, outcome.error.splitlines()[0][:200]
    return (KILLED if killed(outcome.value) else PASSED), ""


def run(
    mutants: Sequence[Mutant],
    *,
    workers: int = WORKERS,
    time_scale: float = 1.0,
    reasons: dict[str, str] | None = None,
    progress: bool = True,
) -> list[Result]:
    """Grade and classify ``mutants``; ``reasons``: survivor signature -> why its grade is
    fine; ``time_scale`` multiplies every time limit."""
    from lab3_dev.mutation import survivors

    reasons = survivors.REASONS if reasons is None else reasons
    by_id = {m.id: m for m in mutants}
    _warm({m.function for m in mutants})
    # the long ones first, so that they do not end the run alone
    tasks = [(m.id, stage) for m in mutants for stage in STAGES]
    tasks.sort(key=lambda t: -stage_limit(by_id[t[0]].function, t[1]))

    def limit(task) -> float:
        return stage_limit(by_id[task[0]].function, task[1], time_scale)

    outcomes = pool.run(tasks, _work, workers=workers, timeout=limit,
                        done=_progress("graded", len(tasks), progress))  # fmt: skip
    staged = dict(zip(tasks, outcomes, strict=True))

    def hidden_killed(value) -> bool:
        return bool(value[0])

    passed = [m for m in mutants if _verdict(staged[m.id, "hidden"], hidden_killed)[0] == PASSED]
    for function in sorted({m.function for m in passed}):
        equivalence.reference_outputs(function)  # once, inherited by the workers
    evidence_outcomes = pool.run([(m.id, "equivalence") for m in passed], _work,
                                 workers=workers, timeout=EQUIVALENCE_TIMEOUT * time_scale,
                                 done=_progress("evidence", len(passed), progress))  # fmt: skip
    evidence = dict(zip([m.id for m in passed], evidence_outcomes, strict=True))

    results = []
    for m in mutants:
        hidden = staged[m.id, "hidden"]
        h, h_error = _verdict(hidden, hidden_killed)
        p, _ = _verdict(staged[m.id, "public"], bool)
        if h == PASSED:
            outcome = evidence[m.id]
            if outcome.timed_out or outcome.error:
                equal, shown = False, "no evidence: the comparison timed out or failed"
            else:
                equal, shown = outcome.value
            if equal:
                klass, note = "equivalent", shown
            else:
                klass = "survived"
                note = reasons.get(m.signature, f"UNEXPLAINED: {shown}")
        elif TIMED_OUT in (h, p):
            klass = "timed out"
            note = _failed_checks(hidden, h_error, stage_limit(m.function, "hidden"))
        else:
            klass = "public" if p == KILLED else "hidden"
            note = _failed_checks(hidden, h_error, 0)
        seconds = {stage: staged[m.id, stage].seconds for stage in STAGES}
        results.append(Result(m, h, p, klass, note, seconds))
    return results


def _failed_checks(outcome: pool.Outcome, error: str, limit: float) -> str:
    if outcome.timed_out:
        return f"the hidden checks ran past {limit:g} s"
    if error:
        return f"crashed: {error}"
    failed, _ = outcome.value
    return ("fails " + ", ".join(failed)) if failed else "the public test ran past its limit"


def _progress(what: str, total: int, on: bool):
    if not on or not total:
        return None
    start = time.monotonic()
    count = [0]

    def done(_index, _outcome) -> None:
        count[0] += 1
        if count[0] % 50 == 0 or count[0] == total:
            elapsed = time.monotonic() - start
            print(f"  {what} {count[0]}/{total} ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    return done
