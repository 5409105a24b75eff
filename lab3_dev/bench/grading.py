"""Parts 1a, 2 and 5: grading throughput, one submission's overhead, memory.

- part 1a: ``nbgrader autograde lab3`` (sequential, one process) against
  ``python -m kmeans_em_lab grade --force`` (``make grade``: a local Dask
  cluster) with the default workers, sandboxed and with ``--no-sandbox`` (the
  sandbox's cost), and with one worker per core (why two per core), side by side
  round after round on copies of the examples; every run's scores are compared
  with nbgrader's;
- part 5: the process tree of each of part 1a's runs, sampled for peak memory;
- part 2: one correct submission: ``jupyter nbconvert --execute`` of it (the
  floor: running the notebook and nothing else) against ``make grade`` with one
  worker, sandboxed and with ``--no-sandbox``, and ``nbgrader autograde``.
"""

from __future__ import annotations

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver import settings
from lab3_dev.bench.course import scratch
from lab3_dev.bench.report import Goal, Section, fmt_mib, fmt_ratio
from lab3_dev.bench.runs import (
    Run,
    compare,
    execute,
    grade,
    nbgrader_autograde,
    sandbox_goal,
    times,
)
from lab3_dev.bench.timing import alternate, median, paired_ratio

SPEEDUP_GOAL = 2.3  # part 1a: nbgrader's time / the pipeline's (default workers), at least
OVERHEAD_GOAL = 1.3  # part 2: the sandboxed pipeline's time / the floor's, at most
NBGRADER = "nbgrader autograde lab3"


def labels(workers: int, cores: int) -> tuple[str, str, str]:
    """Part 1a's pipeline runs: the default workers, the same with --no-sandbox, one per core."""
    return (
        f"make grade ({workers} workers)",
        f"make grade --no-sandbox ({workers} workers)",
        f"make grade ({cores} workers, one per core)",
    )


def throughput(submissions: int = 40, rounds: int = 3, keep: bool = False) -> list[Section]:
    """Parts 1a and 5."""
    workers, cores = settings.default_workers(), settings.usable_cores()
    default, plain, per_core = labels(workers, cores)
    with scratch(submissions, keep=keep) as s:
        runs = alternate(
            {
                NBGRADER: lambda: nbgrader_autograde(s.course, s.log(NBGRADER)),
                default: lambda: grade(s.course, workers, s.log(default)),
                plain: lambda: grade(s.course, workers, s.log(plain), sandbox=False),
                per_core: lambda: grade(s.course, cores, s.log(per_core)),
            },
            rounds,
            "part 1a",
        )
        names = ", ".join(e.name for e in s.examples)
    return [
        throughput_section(runs, workers, cores, submissions, names),
        memory(runs, workers, submissions),
    ]


def throughput_section(
    runs: dict[str, list[Run]], workers: int, cores: int, n: int, examples: str
) -> Section:
    default, plain, _ = labels(workers, cores)
    sec = Section(
        "1a. Autograde throughput",
        f"{n} submissions: copies of the examples {examples} (the students under "
        "submitted/), cycled, each copy with a markdown cell naming it. Baseline: "
        "`nbgrader autograde lab3` (one process, one submission after the other). "
        "`make grade`: `python -m kmeans_em_lab grade --workers N --force` (a local Dask "
        "cluster of N worker processes; autograde, HTML feedback, grades CSV and the class "
        "report), every kernel in the sandbox unless `--no-sandbox`. Each run on a fresh "
        f"gradebook, {len(runs[NBGRADER])} round(s) side by side, the order reversed every "
        "other round. Speed-up = nbgrader's time / the run's in the same round (median over "
        "rounds).",
    )
    compare(sec, runs, NBGRADER, n, speedup=True, scores_of=NBGRADER)
    speedup = paired_ratio(times(runs[NBGRADER]), times(runs[default]))
    sec.goals.append(
        Goal(
            f"1a. make grade (local Dask, default workers ({workers})) vs sequential nbgrader",
            fmt_ratio(speedup),
            f">= {SPEEDUP_GOAL:.1f}x",
            None if speedup is None else speedup >= SPEEDUP_GOAL,
        )
    )
    sec.goals.append(sandbox_goal("1a", f"default workers ({workers})", runs[default], runs[plain]))
    sec.notes.append(
        "The pipeline does more than the baseline: it also writes HTML feedback for every "
        "student, the grades CSV and the class report; its time includes all of it."
    )
    return sec


def memory(runs: dict[str, list[Run]], workers: int, n: int) -> Section:
    """Part 5: peak memory of part 1a's runs (``n`` submissions), by process."""
    sec = Section(
        "5. Memory",
        "Peak resident memory (VmHWM, sampled every 0.2 s) of the processes of part 1a's "
        f"runs ({n} submissions), the largest over its rounds; 'whole tree' is the largest "
        "sum of RSS at one sample; ru_maxrss is the largest single process the command "
        "waited for (wait4).",
    )
    table = sec.table(
        "",
        ["command", "command process", "workers (max)", "kernels (max / median)",
         "kernels seen", "whole tree", "ru_maxrss"],
    )  # fmt: skip
    for label, these in runs.items():
        samplers = [r.sampler for r in these if r.sampler]

        def peaks(role: str, samplers=samplers) -> list[int]:
            return [p for s in samplers for p in s.peaks(role)]

        table.add(
            label,
            fmt_mib(max(peaks("command"), default=None)),
            fmt_mib(max(peaks("worker"), default=None)),
            f"{fmt_mib(max(peaks('kernel'), default=None))} / {fmt_mib(median(peaks('kernel')))}",
            max((len(s.peaks("kernel")) for s in samplers), default=0),
            fmt_mib(max((s.max_total for s in samplers), default=None)),
            fmt_mib(max((r.maxrss for r in these), default=None)),
        )
    default = labels(workers, 1)[0]
    worst = max((p for r in runs.get(default, []) if r.sampler for p in r.sampler.peaks("worker")),
                default=None)  # fmt: skip
    sec.goals.append(
        Goal(
            f"5. peak RSS of a grading worker over {n} submissions ({workers} workers)",
            fmt_mib(worst),
            "reported",
            None if worst is None else True,
        )
    )
    sec.notes.append(
        "A worker holds nbgrader, its gradebook session and the feedback exporter; each "
        "submission runs in its own kernel process, counted in the kernels' column (a "
        "sandboxed kernel's launchers, prlimit and two bwrap processes, count in the whole "
        "tree only)."
    )
    return sec


def overhead(repeats: int = 5, keep: bool = False) -> Section:
    """Part 2."""
    with scratch(1, correct_only=True, keep=keep) as s:
        (student,) = s.students
        submitted = paths.Course.at(s.course).submitted(student)
        runs = alternate(
            {
                "floor": lambda: execute([submitted], s.base / "floor", 1, s.env, s.log("floor")),
                "make grade --workers 1": lambda: grade(s.course, 1, s.log("grade")),
                "make grade --workers 1 --no-sandbox": lambda: grade(
                    s.course, 1, s.log("plain"), sandbox=False
                ),
                NBGRADER + " --student S": lambda: nbgrader_autograde(
                    s.course, s.log(NBGRADER), student
                ),
            },
            repeats,
            "part 2",
        )
        return overhead_section(runs, s.examples[0].name)


def overhead_section(runs: dict[str, list[Run]], example: str) -> Section:
    sec = Section(
        "2. Per-submission overhead",
        f"One submission (a copy of the example `{example}`, from the students under "
        f"submitted/), {len(runs['floor'])} repeat(s) side by side. Floor: `jupyter "
        "nbconvert --to notebook --execute` of the submitted notebook (start a kernel, run "
        "it, save). Ratio = time / the floor's time in the same repeat (median over "
        "repeats). `make grade` runs sandboxed (the default) and with `--no-sandbox`.",
    )
    grade_runs = runs["make grade --workers 1"]
    compare(sec, runs, "floor", 1, scores_of="make grade --workers 1")
    ratio = paired_ratio(times(grade_runs), times(runs["floor"]))
    sec.goals.append(
        Goal(
            "2. one submission through the pipeline (sandboxed) vs executing it (end to end)",
            fmt_ratio(ratio),
            f"<= {OVERHEAD_GOAL:.1f}x",
            None if ratio is None else ratio <= OVERHEAD_GOAL,
        )
    )
    plain = runs["make grade --workers 1 --no-sandbox"]
    sec.goals.append(sandbox_goal("2", "one submission", grade_runs, plain))
    sec.notes.append(
        "The pipeline's end-to-end time also covers its own start-up (Python, nbgrader, the "
        "gradebook check), starting a worker process, restoring and running the hidden tests, "
        "HTML feedback, the grades CSV and the class report; the floor runs only the "
        "notebook as submitted (no hidden tests)."
    )
    return sec
