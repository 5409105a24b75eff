"""Parts 1b and 2: ``make grade --force`` against the floor, on copies of the correct example.

Side by side, round after round: ``nbgrader autograde lab3`` (its first round's
autograded notebooks, the hidden tests put back, are kept for the floor);
**the floor**, those notebooks executed again from fresh copies by ``jupyter
nbconvert --execute`` in a plain ``python3`` kernel, one process per lane; and
``python -m kmeans_em_lab grade --force``. Part 1b: 8 copies, the default
workers, a lane per usable core, and the pipeline's dispatcher with a no-op job
(:mod:`.dispatch`: Dask's own cost). Part 2: one copy, one worker, one lane, and
``--no-sandbox`` too (the sandbox's cost). Every run's CPU by process says where
the time beyond the floor goes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver import settings
from lab3_dev.bench.course import Scratch, scratch
from lab3_dev.bench.dispatch import Dispatch
from lab3_dev.bench.report import Goal, Section, fmt_ratio, fmt_seconds
from lab3_dev.bench.runs import (
    Run,
    compare,
    execute,
    grade,
    nbgrader_autograde,
    sandbox_goal,
    tail,
    times,
)
from lab3_dev.bench.timing import alternate, median, paired_ratio

TITLES = {"1b": "1b. The floor: correct submissions", "2": "2. Per-submission overhead"}
GOALS = {"1b": 0.9, "2": 1.3}  # make grade --force / the floor of the same round, at most
FLOOR, NBGRADER, GRADE = "floor", "nbgrader autograde lab3", "make grade --force"
PLAIN, DISPATCH = "make grade --force --no-sandbox", "dispatch"


def dispatch(s: Scratch, workers: int) -> Dispatch:
    """:mod:`.dispatch` on the scratch course, in a process of its own."""
    cmd = [sys.executable, "-m", "lab3_dev.bench.dispatch", str(s.course), str(workers)]
    done = subprocess.run(cmd, cwd=s.course, env=s.env, capture_output=True, text=True)
    s.log(DISPATCH).write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"the no-op dispatch failed: {tail(s.log(DISPATCH))}")
    return Dispatch(**json.loads(done.stdout.strip().splitlines()[-1]))


def run(part: str, copies: int, rounds: int) -> Section:
    """Part 1b or 2 on ``copies`` copies of the correct example."""
    one = part == "2"
    workers, lanes = (1, 1) if one else (settings.default_workers(), settings.usable_cores())
    with scratch(copies, correct_only=True) as s:
        kept: list = []  # the floor's submissions: nbgrader's autograded ones

        def nbgrader() -> Run:
            done = nbgrader_autograde(s.course, s.log(NBGRADER))
            found = sorted((s.course / "autograded").glob(f"*/{paths.ASSIGNMENT}/{paths.NOTEBOOK}"))
            if not kept:
                if len(found) != copies:
                    raise RuntimeError(f"nbgrader did not autograde all: {tail(done.log)}")
                kept.extend(shutil.copytree(nb.parent, s.base / "kept" / nb.parent.parent.name)
                            for nb in found)  # fmt: skip
            return done

        commands = {  # nbgrader first: its notebooks are the floor's
            NBGRADER: nbgrader,
            FLOOR: lambda: execute(kept, s.base / FLOOR, lanes, s.env, s.log(FLOOR)),
            GRADE: lambda: grade(s.course, workers, s.log(GRADE)),
        }
        if one:
            commands[PLAIN] = lambda: grade(s.course, workers, s.log(PLAIN), sandbox=False)
        else:
            commands[DISPATCH] = lambda: dispatch(s, workers)
        found = alternate(commands, rounds, f"part {part}")
        dispatches = found.pop(DISPATCH, [])
        return section(part, found, dispatches, s.examples[0].name, copies, workers, lanes)


def section(
    part: str, runs: dict[str, list[Run]], dispatches: list[Dispatch], example: str,
    copies: int, workers: int, lanes: int,
) -> Section:  # fmt: skip
    cores = settings.usable_cores()
    sec = Section(
        TITLES[part],
        f"{copies} cop{'ies' if copies > 1 else 'y'} of the correct example `{example}`, "
        f"{len(runs[GRADE])} round(s) "
        "side by side (the order reversed every other round). **The floor**: the notebooks "
        "`nbgrader autograde` wrote in the first round (the hidden tests put back) executed "
        "again from fresh copies with `jupyter nbconvert --execute` in a plain `python3` "
        f"kernel, {lanes} process(es) at once, no sandbox, no feedback, no gradebook. `make "
        f"grade --force`: {workers} worker(s), sandboxed, with the feedback pages, the grades "
        "CSV and the class report. Ratio = time / the floor's in the same round (median).",
    )
    compare(sec, runs, FLOOR, copies, scores_of=NBGRADER)
    ratio = paired_ratio(times(runs[GRADE]), times(runs[FLOOR]))
    failed = any(r.returncode for r in runs[FLOOR])
    name = (
        f"1b. make grade --force / the floor: executing the same notebooks ({copies} correct "
        f"submissions, nbconvert --execute {lanes} at a time)" if part == "1b"
        else "2. one submission through the pipeline (sandboxed) vs executing it (end to end)"
    )  # fmt: skip
    sec.goals.append(
        Goal(
            name,
            fmt_ratio(ratio) + ("; a floor run failed" if failed else ""),
            f"<= {GOALS[part]:.1f}x",
            None if ratio is None else ratio <= GOALS[part] and not failed,
        )
    )
    if PLAIN in runs:
        sec.goals.append(sandbox_goal(part, "one submission", runs[GRADE], runs[PLAIN]))
    cpu = sec.table(
        "CPU seconds by process (medians over rounds; every process sampled every 0.2 s, "
        "'others' is what wait4 reported beyond them) and the wall time they leave idle on "
        f"{cores} cores:",
        ["command", "wall time", "CPU, all", "kernels", "worker processes",
         "the command's own processes", "others", "wall - CPU / cores"],
    )  # fmt: skip
    for label, these in runs.items():
        wall = median(times(these))
        med = [median(r.cpu_by(role) for r in these)
               for role in ("all", "kernel", "worker", "command", "other")]  # fmt: skip
        cpu.add(label, wall, *med, wall - med[0] / cores)
    if dispatches:
        per = median(d.per_submission for d in dispatches)
        sec.table(
            "Dask's own cost (`python -m lab3_dev.bench.dispatch`): the same dispatcher, "
            "bundle and submissions with a no-op job that sends the submission back as its "
            f"result (medians over {len(dispatches)} run(s)).",
            ["cluster start (workers up, nbgrader imported)", "dispatch and collect all",
             "per submission", "cluster close", "statuses"],
        ).add(
            median(d.start for d in dispatches), median(d.run for d in dispatches), per,
            median(d.close for d in dispatches),
            ", ".join(sorted({s for d in dispatches for s in d.statuses})),
        )  # fmt: skip
        sec.goals.append(Goal("1b. Dask's scheduling overhead per submission (no-op job, "
                              "local cluster)", fmt_seconds(per), "reported", True))  # fmt: skip
    return sec
