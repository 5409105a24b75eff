"""Parts 1a and 5: grading throughput against nbgrader, the sandbox's cost, memory.

Side by side, round after round, on copies of the examples: ``nbgrader
autograde lab3`` (sequential) against ``python -m kmeans_em_lab grade --force``
(``make grade``: a local Dask cluster) with the default workers, sandboxed and
with ``--no-sandbox``; every run's scores compared with nbgrader's. Part 5: each
run's process tree, sampled for peak memory.
"""

from __future__ import annotations

from lab3_dev.bench.course import scratch
from lab3_dev.bench.report import Goal, Section, fmt_mib, fmt_ratio
from lab3_dev.bench.runs import Run, compare, grade, nbgrader_autograde, sandbox_goal, times
from lab3_dev.bench.timing import alternate, median, paired_ratio

SPEEDUP_GOAL = 2.3  # nbgrader's time / the pipeline's (default workers), at least
NBGRADER, DEFAULT = "nbgrader autograde lab3", "make grade (default workers)"
PLAIN = "make grade --no-sandbox (default workers)"


def throughput(submissions: int, rounds: int) -> list[Section]:
    """Parts 1a and 5."""
    from kmeans_em_lab.pipeline.driver import settings

    workers = settings.default_workers()
    with scratch(submissions) as s:
        runs = alternate(
            {
                NBGRADER: lambda: nbgrader_autograde(s.course, s.log(NBGRADER)),
                DEFAULT: lambda: grade(s.course, workers, s.log(DEFAULT)),
                PLAIN: lambda: grade(s.course, workers, s.log(PLAIN), sandbox=False),
            },
            rounds,
            "part 1a",
        )
        names = ", ".join(e.name for e in s.examples)
    return [
        throughput_section(runs, workers, submissions, names),
        memory(runs, workers, submissions),
    ]


def throughput_section(runs: dict[str, list[Run]], workers: int, n: int, examples: str) -> Section:
    sec = Section(
        "1a. Autograde throughput",
        f"{n} submissions: copies of the examples {examples}, cycled. The default workers: "
        f"{workers}. `make grade`: "
        "`python -m kmeans_em_lab grade --workers N --force` (autograde, HTML feedback, "
        "grades CSV and class report), every kernel sandboxed unless `--no-sandbox`. Each "
        f"run on a fresh gradebook, {len(runs[NBGRADER])} round(s) side by side, the order "
        "reversed every other round. Speed-up = nbgrader's time / the run's in the same "
        "round (median over rounds).",
    )
    compare(sec, runs, NBGRADER, n, speedup=True, scores_of=NBGRADER)
    speedup = paired_ratio(times(runs[NBGRADER]), times(runs[DEFAULT]))
    sec.goals.append(
        Goal(
            f"1a. make grade (local Dask, default workers ({workers})) vs sequential nbgrader",
            fmt_ratio(speedup),
            f">= {SPEEDUP_GOAL:.1f}x",
            None if speedup is None else speedup >= SPEEDUP_GOAL,
        )
    )
    sec.goals.append(sandbox_goal("1a", f"default workers ({workers})", runs[DEFAULT], runs[PLAIN]))
    return sec


def memory(runs: dict[str, list[Run]], workers: int, n: int) -> Section:
    """Part 5: peak memory of part 1a's runs (``n`` submissions), by process."""
    sec = Section(
        "5. Memory",
        f"Peak resident memory (VmHWM, sampled every 0.2 s) of part 1a's runs ({n} "
        "submissions), the largest over its rounds; 'whole tree': the largest sum of RSS at "
        "one sample (a sandboxed kernel's launchers count there only).",
    )
    table = sec.table(
        "", ["command", "command process", "workers (max)", "kernels (max / median)", "whole tree"]
    )
    for label, these in runs.items():
        samplers = [r.sampler for r in these if r.sampler]

        def peaks(role: str, samplers=samplers) -> list[int]:
            return [p for s in samplers for p in s.peaks(role)]

        table.add(
            label,
            fmt_mib(max(peaks("command"), default=None)),
            fmt_mib(max(peaks("worker"), default=None)),
            f"{fmt_mib(max(peaks('kernel'), default=None))} / {fmt_mib(median(peaks('kernel')))}",
            fmt_mib(max((s.max_total for s in samplers), default=None)),
        )
    worst = max((p for r in runs[DEFAULT] if r.sampler
                 for p in r.sampler.peaks("worker")), default=None)  # fmt: skip
    sec.goals.append(
        Goal(
            f"5. peak RSS of a grading worker over {n} submissions ({workers} workers)",
            fmt_mib(worst),
            "reported",
            None if worst is None else True,
        )
    )
    return sec
