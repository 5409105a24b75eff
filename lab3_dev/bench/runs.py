"""Commands on a scratch course, timed: ``nbgrader autograde``, ``make grade``, the floor.

Every command runs as a user runs it, its output to a log, its process tree
sampled (:mod:`.memory`); a grading run starts from a fresh gradebook and its
scores are read back from it. :func:`compare` is the table of runs made side by
side, each against a baseline of the same round.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_em_lab.course import paths
from lab3_dev.bench import course as scratch
from lab3_dev.bench.memory import TreeSampler
from lab3_dev.bench.report import Goal, Section, fmt_ratio, fmt_seconds
from lab3_dev.bench.timing import fmt_load, loadavg, median, paired_ratio

SANDBOX_COST_GOAL = 1.10  # sandboxed time / --no-sandbox time, at most
ROLES = ("kernel", "worker", "command")  # the processes' roles CPU is split by (:mod:`.memory`)
EXECUTE_TIMEOUT = 600  # seconds a cell may run in the floor's nbconvert (none comes close)


@dataclass
class Run:
    """One timed run of a command (or of several processes started at once)."""

    label: str
    seconds: float
    returncode: int  # the largest of the processes'
    load: tuple[float, float, float]  # load average just before
    log: Path
    cpu: float = 0.0  # user + system seconds of the processes and the descendants they reaped
    sampler: TreeSampler | None = None
    scores: dict[str, float] = field(default_factory=dict)  # student -> total (grading runs)

    def cpu_by(self, role: str) -> float:
        """CPU seconds of the processes of ``role`` (:mod:`.memory`), "other": what wait4
        reported beyond the sampled ones, "all": every process's."""
        sampled = {r: self.sampler.cpu(r) if self.sampler else 0.0 for r in ROLES}
        other = max(0.0, self.cpu - sum(sampled.values()))
        return {**sampled, "other": other, "all": sum(sampled.values()) + other}[role]


def run(label: str, cmds: list[list[str]], cwd: Path, env: dict, log: Path) -> Run:
    """``cmds`` started at once and waited for, timed, their output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load = loadavg()
    codes, cpu = [], 0.0
    with open(log, "ab") as out:
        start = time.perf_counter()
        procs = [
            subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
            for cmd in cmds
        ]
        sampler = TreeSampler([p.pid for p in procs]).start()
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            codes.append(proc.returncode)
            cpu += usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - start
        sampler.stop()
    return Run(label, seconds, max(codes), load, log, cpu, sampler)


def _graded(label: str, cmd: list[str], course: Path, log: Path) -> Run:
    """``cmd`` on a fresh gradebook, and the scores it left there (student -> total)."""
    from nbgrader.api import Gradebook

    scratch.reset(course)
    done = run(label, [cmd], course, scratch.environment(course), log)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        found = gb.assignment_submissions(paths.ASSIGNMENT)
        done.scores = {s.student.id: float(s.score) for s in found}
    return done


def nbgrader_autograde(course: Path, log: Path) -> Run:
    """``nbgrader autograde lab3`` (one process, one submission after the other)."""
    return _graded(
        "nbgrader", [scratch.tool("nbgrader"), "autograde", paths.ASSIGNMENT], course, log
    )


def grade(course: Path, workers: int, log: Path, sandbox: bool = True) -> Run:
    """``python -m kmeans_em_lab grade --force`` (``make grade``) on a local cluster."""
    cmd = [sys.executable, "-m", "kmeans_em_lab", "grade", "--course-root", str(course)]
    cmd += ["--force", "--workers", str(workers)] + ([] if sandbox else ["--no-sandbox"])
    return _graded(f"grade --workers {workers}", cmd, course, log)


def execute(folders: list[Path], work: Path, lanes: int, env: dict, log: Path) -> Run:
    """The floor: fresh copies of ``folders`` in ``work`` (not timed), their notebooks
    executed in place by ``jupyter nbconvert --execute``, ``lanes`` processes at once."""
    shutil.rmtree(work, ignore_errors=True)
    notebooks = []
    for i, folder in enumerate(folders):
        shutil.copytree(folder, work / f"{i:03d}")
        notebooks.append(str(work / f"{i:03d}" / paths.NOTEBOOK))
    cmd = [
        scratch.tool("jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
        "--ExecutePreprocessor.kernel_name=python3",
        f"--ExecutePreprocessor.timeout={EXECUTE_TIMEOUT}",
    ]  # fmt: skip
    shares = [notebooks[i::lanes] for i in range(min(lanes, len(notebooks)))]
    return run("nbconvert --execute", [cmd + share for share in shares], work, env, log)


def same_scores(run: Run, baseline: Run) -> str:
    """``identical``, or how the scores of ``run`` differ from those of ``baseline``
    ("" when ``run`` has none: not a grading run)."""
    if not run.scores:
        return ""
    if run.scores.keys() != baseline.scores.keys():
        return f"different students ({len(run.scores)} vs {len(baseline.scores)})"
    differ = {s: run.scores[s] - baseline.scores[s] for s in run.scores}
    differ = {s: d for s, d in sorted(differ.items()) if abs(d) > 1e-9}
    if not differ:
        return "identical"
    return f"{len(differ)} differ: " + ", ".join(f"{s} {d:+g}" for s, d in list(differ.items())[:3])


def times(runs: list[Run]) -> list[float]:
    return [r.seconds for r in runs]


def compare(
    sec: Section, runs: dict[str, list[Run]], baseline: str, count: int, *, scores_of: str,
    speedup: bool = False,
) -> None:  # fmt: skip
    """The table of ``runs`` (label -> one run per round) against ``baseline`` of the same
    round: a ratio of times (``speedup``: the baseline's over the run's), and the scores
    against those of ``scores_of``; a note for each run that failed."""
    ratio = f"speed-up vs {baseline}" if speedup else f"ratio to {baseline}"
    table = sec.table("", ["command", "wall time", "per submission", ratio, "ratio per round",
                           "scores vs " + scores_of, "load at start"])  # fmt: skip
    for label, these in runs.items():
        per_round = [b.seconds / r.seconds if speedup else r.seconds / b.seconds
                     for b, r in zip(runs[baseline], these, strict=False)]  # fmt: skip
        checks = [same_scores(r, s) for r, s in zip(these, runs[scores_of], strict=False)]
        wall = median(times(these))
        table.add(
            label,
            fmt_seconds(wall),
            fmt_seconds(wall / count),
            fmt_ratio(median(per_round)),
            ", ".join(map(fmt_ratio, per_round)),
            "baseline" if label == scores_of else "; ".join(c for c in checks if c) or "-",
            fmt_load(these[0].load),
        )
    for r in (r for these in runs.values() for r in these if r.returncode):
        sec.notes.append(f"{r.label} exited {r.returncode}: {tail(r.log)}")


def sandbox_goal(part: str, what: str, sandboxed: list[Run], plain: list[Run]) -> Goal:
    """The sandbox's cost: the same command sandboxed and with ``--no-sandbox`` of the same
    round, time against time (median over rounds), their scores equal."""
    ratio = paired_ratio(times(sandboxed), times(plain))
    checks = [same_scores(s, p) or "none" for s, p in zip(sandboxed, plain, strict=False)]
    equal = bool(checks) and all(c == "identical" for c in checks)
    return Goal(
        f"{part}. sandbox costs at most {SANDBOX_COST_GOAL - 1:.0%} (part {part}, {what})",
        fmt_ratio(ratio) + ("" if equal or not checks else "; scores differ"),
        f"<= {SANDBOX_COST_GOAL:.2f}x, same scores",
        None if ratio is None else ratio <= SANDBOX_COST_GOAL and equal,
    )


def tail(path: Path, lines: int = 5) -> str:
    """The last lines of a log, on one line."""
    return " / ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
