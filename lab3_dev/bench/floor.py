"""Part 1b: ``make grade`` on correct submissions against the floor, and Dask's own cost.

On N copies of the correct example, side by side round after round:

- ``nbgrader autograde lab3`` (sequential); the first one's autograded
  submissions (the hidden tests put back, as nbgrader executes them) are kept,
  untimed, for the floor;
- **the floor**: those autograded notebooks executed again, from fresh copies,
  with ``jupyter nbconvert --execute`` in a plain ``python3`` kernel, as many
  at a time as there are usable cores: running the notebooks and nothing else;
- ``python -m kmeans_em_lab grade --force`` with the default workers (``make
  grade --force``: sandboxed, with feedback pages, the CSV and the reports);
- the pipeline's dispatcher with a no-op job (:mod:`.dispatch`): Dask's own
  cost per submission.

The goal's ratio is ``make grade --force`` / the floor of the same round,
median over rounds. Where the time beyond the floor goes: every run's CPU by
process (kernels, grading workers, the command itself), sampled as it runs.
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
from lab3_dev.bench.runs import Run, compare, execute, grade, nbgrader_autograde, tail, times
from lab3_dev.bench.timing import alternate, median, paired_ratio

FLOOR_GOAL = 0.9  # make grade --force / executing the same notebooks (correct ones), at most
FLOOR, NBGRADER, GRADE = "floor", "nbgrader autograde lab3", "make grade --force"


def dispatch(s: Scratch, workers: int) -> Dispatch:
    """:mod:`.dispatch` on the scratch course, in a process of its own."""
    cmd = [sys.executable, "-m", "lab3_dev.bench.dispatch", str(s.course), "--workers"]
    done = subprocess.run(
        [*cmd, str(workers)], cwd=s.course, env=s.env, capture_output=True, text=True
    )
    s.log("dispatch").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"the no-op dispatch failed: {tail(s.log('dispatch'))}")
    return Dispatch(**json.loads(done.stdout.strip().splitlines()[-1]))


def run(copies: int = 8, rounds: int = 3, keep: bool = False) -> Section:
    workers, cores = settings.default_workers(), settings.usable_cores()
    with scratch(copies, correct_only=True, keep=keep) as s:
        kept: list = []  # the floor's submissions: nbgrader's autograded ones

        def nbgrader() -> Run:
            done = nbgrader_autograde(s.course, s.log(NBGRADER))
            found = sorted((s.course / "autograded").glob(f"*/{paths.ASSIGNMENT}/{paths.NOTEBOOK}"))
            if not kept:
                if len(found) != copies:
                    raise RuntimeError(f"nbgrader did not autograde all: {tail(done.log)}")
                for folder in (nb.parent for nb in found):
                    kept.append(shutil.copytree(folder, s.base / "kept" / folder.parent.name))
            return done

        found = alternate(
            {
                NBGRADER: nbgrader,  # first: its notebooks are the floor's
                FLOOR: lambda: execute(kept, s.base / "floor", cores, s.env, s.log(FLOOR)),
                GRADE: lambda: grade(s.course, workers, s.log(GRADE)),
                "dispatch": lambda: dispatch(s, workers),
            },
            rounds,
            "part 1b",
        )
        dispatches = found.pop("dispatch")
        return section(found, dispatches, s.examples[0].name, copies, workers, cores)


def section(
    runs: dict[str, list[Run]],
    dispatches: list[Dispatch],
    example: str,
    copies: int,
    workers: int,
    cores: int,
) -> Section:
    sec = Section(
        "1b. The floor: correct submissions",
        f"{copies} copies of the correct example `{example}` (the students under "
        f"submitted/), {len(runs[GRADE])} round(s) side by side (the order reversed every "
        "other round). **The floor**: the autograded notebooks `nbgrader autograde` wrote "
        "in the first round (the submissions with the hidden tests put back, as nbgrader "
        "executes them) executed again from fresh copies with `jupyter nbconvert --to "
        f"notebook --execute --inplace` in a plain `python3` kernel, {cores} at a time (one "
        "`nbconvert` process per usable core, each running its share one after the other), "
        f"no sandbox, no feedback, no gradebook. `make grade --force`: {workers} workers, "
        "sandboxed, with the feedback pages, the grades CSV and the class report. Ratio = "
        "time / the floor's time in the same round (median over rounds).",
    )
    compare(sec, runs, FLOOR, copies, scores_of=NBGRADER)
    ratio = paired_ratio(times(runs[GRADE]), times(runs[FLOOR]))
    failed = any(r.returncode for r in runs[FLOOR])
    sec.goals.append(
        Goal(
            "1b. make grade --force / the floor: executing the same notebooks "
            f"({copies} correct submissions, nbconvert --execute {cores} at a time)",
            fmt_ratio(ratio) + ("; a floor run failed" if failed else ""),
            f"<= {FLOOR_GOAL:.1f}x",
            None if ratio is None else ratio <= FLOOR_GOAL and not failed,
        )
    )
    cpu = sec.table(
        "CPU seconds by process (medians over rounds): every process of the run sampled "
        "every 0.2 s (a process's last 0.2 s is missed), 'CPU, all' their sum or, if larger, "
        "what wait4 reported for the command and the descendants it reaped; and the wall "
        f"time they account for on {cores} cores (wall - CPU / cores: cores idle or taken "
        "by other programs):",
        ["command", "wall time", "CPU, all", "kernels", "worker processes",
         "the command's own processes", "others (sandbox launchers, ...)", "CPU / cores",
         "wall - CPU / cores"],
    )  # fmt: skip
    for label, these in runs.items():
        split = [r.cpu_split() for r in these]
        wall = median(times(these))

        def med(role: str, split=split) -> float | None:
            return median(getattr(s, role) for s in split)

        cpu.add(
            label,
            fmt_seconds(wall),
            fmt_seconds(med("all")),
            fmt_seconds(med("kernel")),
            fmt_seconds(med("worker")) if med("worker") else "-",
            fmt_seconds(med("command")),
            fmt_seconds(med("other")),
            fmt_seconds(med("all") / cores),
            fmt_seconds(wall - med("all") / cores),
        )
    if dispatches:
        _dispatch_table(sec, dispatches, copies)
    return sec


def _dispatch_table(sec: Section, dispatches: list[Dispatch], copies: int) -> None:
    def med(key: str) -> float | None:
        return median(getattr(d, key) for d in dispatches)

    per = med("per_submission")
    sec.table(
        "Dask's own cost (`python -m lab3_dev.bench.dispatch`): the same dispatcher, "
        "course bundle and submissions' bytes with a no-op job that sends the submission back "
        f"as its result, {copies} submissions, a local cluster (medians over "
        f"{len(dispatches)} run(s)).",
        ["cluster start (workers up, nbgrader imported)", "dispatch and collect all",
         "per submission", "cluster close", "kernel slots", "statuses"],
    ).add(
        fmt_seconds(med("start")),
        fmt_seconds(med("run")),
        fmt_seconds(per),
        fmt_seconds(med("close")),
        f"{med('slots'):g}",
        ", ".join(sorted({s for d in dispatches for s in d.statuses})),
    )  # fmt: skip
    sec.goals.append(
        Goal(
            "1b. Dask's scheduling overhead per submission (no-op job, local cluster)",
            fmt_seconds(per),
            "reported",
            None if per is None else True,
        )
    )
