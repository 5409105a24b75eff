"""Parts 1a, 2 and 5: grading throughput, per-submission overhead, memory.

Everything runs on scratch copies of the course (``LAB3_COURSE_ROOT`` points
the package and the hidden checks at them), each configuration on a fresh
gradebook that already knows the assignment (that set-up is not timed):

- part 1a: ``nbgrader autograde lab3`` (sequential, one process) against
  ``python -m kmeans_em_lab grade --workers N --force`` (a local Dask cluster)
  on the same copies of the examples, in alternation, round after round; the
  scores of every run are compared with nbgrader's. The default workers also
  run with ``--no-sandbox`` in every round, next to the (sandboxed) default:
  the sandbox's cost. In the first round, the other worker counts and
  ``grade --scheduler`` on a ``dask scheduler`` with its own ``dask worker``
  processes (:mod:`.scheduler`) run once each;
- part 2: one correct submission: ``jupyter nbconvert --to notebook --execute``
  (the floor: running the notebook and nothing else) against the pipeline with
  one worker, sandboxed and with ``--no-sandbox``, and ``nbgrader autograde``
  for context;
- part 5: the process tree of every run of part 1 sampled for peak RSS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver import settings
from lab3_dev.bench import course as scratch
from lab3_dev.bench.memory import TreeSampler
from lab3_dev.bench.report import Goal, Section, fmt_mib, fmt_ratio, fmt_seconds
from lab3_dev.bench.timing import fmt_load, loadavg, median, paired_ratio

SPEEDUP_GOAL = 2.3  # part 1a: nbgrader's time / the pipeline's (default workers), at least
OVERHEAD_GOAL = 1.3  # part 2: the sandboxed pipeline's time / the floor's, at most
SANDBOX_COST_GOAL = 1.10  # parts 1 and 2: sandboxed time / --no-sandbox time, at most
NO_SANDBOX = "-no-sandbox"  # suffix of a configuration run with --no-sandbox


def _config(workers: int, sandbox: bool = True, scheduler: bool = False) -> str:
    """Part 1a's name of a pipeline configuration: ``w4``, ``w4-no-sandbox``, and ``s3`` for
    ``grade --scheduler`` on a ``dask scheduler`` with 3 ``dask worker`` processes."""
    return ("s" if scheduler else "w") + str(workers) + ("" if sandbox else NO_SANDBOX)


def _workers(config: str) -> int:
    return int(config[1:].removesuffix(NO_SANDBOX))


def _on_scheduler(config: str) -> bool:
    return config.startswith("s")


def _sandboxed(config: str) -> bool:
    return not config.endswith(NO_SANDBOX)


@dataclass
class Run:
    label: str
    seconds: float
    returncode: int
    log: Path
    load: tuple[float, float, float]
    maxrss: int = 0  # bytes: ru_maxrss of the command and its waited-for descendants
    sampler: TreeSampler | None = None
    scores: dict[str, float] = field(default_factory=dict)
    autograded: int = 0  # autograded notebooks written
    worker_seconds: dict[str, float] = field(default_factory=dict)  # pipeline stamps
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds, output line)
    cells: dict[str, float] = field(default_factory=dict)  # student -> seconds in cells (1b)
    cpu: float = 0.0  # user + system seconds of the command and its waited-for descendants

    def first_line(self, prefix: str) -> float | None:
        """When the first output line starting with ``prefix`` arrived (s after start)."""
        return next((t for t, line in self.lines if line.startswith(prefix)), None)


def run_command(
    label: str, cmd: list[str], cwd: Path, env: dict, log: Path, sample: bool = True
) -> Run:
    """Run ``cmd``, timed, its output to ``log`` (and its lines, timestamped, kept),
    its process tree sampled for memory."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load = loadavg()
    lines: list[tuple[float, str]] = []
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        reader = threading.Thread(target=_read_lines, args=(proc.stdout, out, start, lines))
        reader.start()
        sampler = TreeSampler(proc.pid).start() if sample else None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop()
        reader.join(timeout=10)  # a leftover grandchild may hold the pipe: not waited for
    run = Run(label, seconds, proc.returncode, log, load, usage.ru_maxrss * 1024, sampler)
    run.cpu = usage.ru_utime + usage.ru_stime
    run.lines = lines
    return run


def _read_lines(stream, out, start: float, lines: list) -> None:
    """Copy ``stream`` to ``out``, noting when each line (ended by \\n or \\r) arrived."""
    buf = b""
    for chunk in iter(lambda: stream.read1(65536), b""):
        now = time.perf_counter() - start
        out.write(chunk)
        buf += chunk
        parts = re.split(rb"[\r\n]", buf)
        buf = parts.pop()
        lines.extend((now, p.decode(errors="replace")) for p in parts if p.strip())
    if buf.strip():
        lines.append((time.perf_counter() - start, buf.decode(errors="replace")))


def gradebook_scores(course: Path) -> dict[str, float]:
    """Student -> total score of lab3 in the scratch course's gradebook."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url) as gb:
        return {s.student.id: float(s.score) for s in gb.assignment_submissions(paths.ASSIGNMENT)}


def _collect(run: Run, course: Path) -> Run:
    run.scores = gradebook_scores(course)
    run.autograded = len(list((course / "autograded").glob(f"*/{paths.ASSIGNMENT}/*.ipynb")))
    for path in paths.Course.at(course).stamps.glob("*.json"):
        try:
            run.worker_seconds[path.stem] = float(json.loads(path.read_text())["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return run


def nbgrader_autograde(course: Path, log: Path, student: str | None = None) -> Run:
    scratch.reset(course)
    cmd = [scratch.tool("nbgrader"), "autograde", paths.ASSIGNMENT]
    if student:
        cmd += ["--student", student]
    run = run_command(
        "nbgrader autograde (sequential)", cmd, course, scratch.environment(course), log
    )
    return _collect(run, course)


def pipeline(
    course: Path, workers: int, log: Path, sandbox: bool = True, scheduler: str | None = None
) -> Run:
    """``grade --force`` on a local cluster of ``workers`` processes, or on ``scheduler``."""
    scratch.reset(course)
    cmd = [sys.executable, "-m", "kmeans_em_lab", "grade", "--course-root", str(course), "--force"]
    cmd += ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
    if not sandbox:
        cmd.append("--no-sandbox")
    where = f"scheduler {scheduler}" if scheduler else f"{workers} worker(s)"
    label = f"pipeline, {where}" + ("" if sandbox else ", --no-sandbox")
    run = run_command(label, cmd, course, scratch.environment(course), log)
    return _collect(run, course)


def _scratch_dir(keep: bool) -> Path:
    base = Path(tempfile.mkdtemp(prefix="lab3-bench-"))
    if keep:
        print(f"bench: scratch course copies under {base}", file=sys.stderr)
    return base


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def _score_check(run: Run, baseline: Run) -> str:
    if run is baseline:
        return "baseline"
    if run.scores.keys() != baseline.scores.keys():
        return f"different students ({len(run.scores)} vs {len(baseline.scores)})"
    diffs = {s: run.scores[s] - baseline.scores[s] for s in run.scores}
    differing = {s: d for s, d in diffs.items() if abs(d) > 1e-9}
    if not differing:
        return "identical"
    return f"{len(differing)} differ: " + ", ".join(
        f"{s} {d:+g}" for s, d in sorted(differing.items())[:3]
    )


def _sandbox_cost(
    sec: Section, part: int | str, what: str, sandboxed: list[Run], unsandboxed: list[Run]
) -> float | None:
    """The sandbox's cost table and goal: the same pipeline with and without ``--no-sandbox``,
    paired run by run (same round); returns the median of sandboxed / unsandboxed."""
    pairs = list(zip(sandboxed, unsandboxed, strict=False))
    ratio = paired_ratio([s.seconds for s, _ in pairs], [u.seconds for _, u in pairs])
    checks = [_score_check(s, u) if s.scores and u.scores else "no scores read" for s, u in pairs]
    equal = bool(checks) and all(c == "identical" for c in checks)
    table = sec.table(
        f"Cost of the sandbox ({what}): the same command sandboxed (the default) and with "
        "`--no-sandbox`, side by side in every round; ratio = sandboxed time / "
        "`--no-sandbox` time in the same round (median over rounds).",
        [
            "pipeline",
            "pairs",
            "sandboxed",
            "--no-sandbox",
            "ratio sandbox / no-sandbox",
            "ratio per round",
            "scores sandbox vs no-sandbox",
            "load at start",
        ],
    )
    table.add(
        what,
        len(pairs),
        fmt_seconds(median(s.seconds for s, _ in pairs)),
        fmt_seconds(median(u.seconds for _, u in pairs)),
        fmt_ratio(ratio),
        ", ".join(fmt_ratio(s.seconds / u.seconds) for s, u in pairs if u.seconds) or "-",
        "; ".join(checks) or "-",
        fmt_load(pairs[0][0].load) if pairs else "-",
    )
    sec.goals.append(
        Goal(
            f"{part}. sandbox costs at most {SANDBOX_COST_GOAL - 1:.0%} (part {part}, {what})",
            fmt_ratio(ratio) + ("" if equal or not pairs else "; scores differ"),
            f"<= {SANDBOX_COST_GOAL:.2f}x, same scores",
            None if ratio is None else ratio <= SANDBOX_COST_GOAL and equal,
        )
    )
    if pairs and not equal:
        sec.notes.append(f"Sandboxed and --no-sandbox scores differ ({what}): {'; '.join(checks)}")
    return ratio


# ----------------------------------------------------------------------------- part 1 and 5


def throughput(
    n_submissions: int = 40,
    rounds: int = 1,
    workers_list=(1, 2, 4),
    scheduler_workers: int = 3,
    with_scaling: bool = True,
    keep: bool = False,
) -> tuple[Section, Section]:
    root = paths.course_root()
    base = _scratch_dir(keep)
    default_workers = settings.default_workers()
    try:
        examples, origin = scratch.collect_examples(root, base / "examples")
        course = scratch.copy_course(root, base / "course")
        students = scratch.add_submissions(course, examples, n_submissions)
        worker_counts = (
            sorted(set(workers_list) | {default_workers}) if with_scaling else [default_workers]
        )
        # the goals' configurations side by side in every round (the sandboxed default
        # between nbgrader and --no-sandbox); the rest of the scaling in the first round
        pair = ["nbgrader", _config(default_workers), _config(default_workers, sandbox=False)]
        scaling = [_config(n) for n in worker_counts if n != default_workers]
        if with_scaling and scheduler_workers > 0:
            scaling.append(_config(scheduler_workers, scheduler=True))
        runs: dict[str, list[Run]] = {c: [] for c in pair + scaling}
        for r in range(rounds):
            order = (pair if r % 2 == 0 else pair[::-1]) + (scaling if r == 0 else [])
            for config in order:
                log = base / "logs" / f"round{r}-{config}.log"
                print(
                    f"bench: part 1, round {r + 1}/{rounds}: {config} on "
                    f"{len(students)} submissions (load {fmt_load(loadavg())})",
                    file=sys.stderr,
                    flush=True,
                )
                if config == "nbgrader":
                    run = nbgrader_autograde(course, log)
                elif _on_scheduler(config):
                    from lab3_dev.bench.scheduler import dask_cluster

                    with dask_cluster(base / "dask", _workers(config)) as address:
                        run = pipeline(course, _workers(config), log, scheduler=address)
                else:
                    run = pipeline(course, _workers(config), log, sandbox=_sandboxed(config))
                runs[config].append(run)
        part1 = _throughput_section(runs, default_workers, students, examples, origin)
        part5 = _memory_section(runs, default_workers, len(students))
        return part1, part5
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _by_workers(runs: dict) -> list:
    """(config, runs) with nbgrader first, then the pipeline by number of workers
    (sandboxed before --no-sandbox)."""

    def key(item):
        config = item[0]
        if config == "nbgrader":
            return (-1, 0, 0)
        return (_workers(config), _on_scheduler(config), not _sandboxed(config))

    return sorted(runs.items(), key=key)


def _throughput_section(runs, default_workers, students, examples, origin) -> Section:
    n = len(students)
    rounds = len(runs["nbgrader"])
    sec = Section(
        "1a. Autograde throughput",
        f"{n} submissions: copies of {len(examples)} examples ({origin}), cycled, each copy "
        "with a markdown cell naming it. Baseline: `nbgrader autograde lab3` (one process, "
        "one submission after the other). Candidate: `python -m kmeans_em_lab grade "
        "--workers N --force` (`make grade`: a local Dask cluster of N worker processes; "
        "autograde, HTML feedback, grades CSV and the class report), every kernel in the "
        "sandbox (the default), and the default workers with `--no-sandbox` too. Each on a "
        "fresh gradebook. The goals' runs (nbgrader, the default workers sandboxed and with "
        f"--no-sandbox) run side by side in {rounds} round(s), alternating the order; the "
        "other worker counts, and `grade --scheduler` on a `dask scheduler` with its own "
        "`dask worker` processes (`--nthreads 1 --resources kernel=1 --preload "
        "kmeans_em_lab.pipeline.worker.task`, started before the timed run), run once, in the "
        "first round. Speed-up = nbgrader's time / the pipeline's in the same round (median over "
        "rounds); wall time is the median over runs.",
    )
    baseline = runs["nbgrader"]
    table = sec.table(
        "",
        [
            "command",
            "workers",
            "sandbox",
            "runs",
            "wall time",
            "per submission",
            "speed-up vs nbgrader",
            "autograded",
            "exit code",
            "scores vs nbgrader",
            "load at start",
        ],
    )
    speedups = {}
    for config, config_runs in _by_workers(runs):
        wall = median(r.seconds for r in config_runs)
        workers = "1 (sequential)" if config == "nbgrader" else str(_workers(config))
        if config != "nbgrader":
            speedups[config] = paired_ratio(
                [b.seconds for b in baseline[: len(config_runs)]], [r.seconds for r in config_runs]
            )
        label = "nbgrader autograde lab3" if config == "nbgrader" else "kmeans_em_lab grade"
        if config != "nbgrader" and not _sandboxed(config):
            label += " --no-sandbox"
        if config != "nbgrader" and _on_scheduler(config):
            label += " --scheduler (dask scheduler + dask worker processes)"
        elif config != "nbgrader" and _workers(config) == default_workers:
            label += " (default workers)"
        table.add(
            label,
            workers,
            "-" if config == "nbgrader" else ("on" if _sandboxed(config) else "off"),
            len(config_runs),
            fmt_seconds(wall),
            fmt_seconds(wall / n),
            "1.00x (baseline)" if config == "nbgrader" else fmt_ratio(speedups[config]),
            f"{median(r.autograded for r in config_runs):g}/{n}",
            ",".join(str(r.returncode) for r in config_runs),
            "; ".join(_score_check(r, b) for r, b in zip(config_runs, baseline, strict=False)),
            fmt_load(config_runs[0].load),
        )
    default = speedups.get(_config(default_workers))
    sec.goals.append(
        Goal(
            f"1a. make grade (local Dask, default workers ({default_workers})) vs sequential "
            "nbgrader",
            fmt_ratio(default),
            f">= {SPEEDUP_GOAL:.1f}x",
            None if default is None else default >= SPEEDUP_GOAL,
        )
    )
    _against_the_pool(sec, default, n)
    sandbox_cost = _sandbox_cost(
        sec,
        "1a",
        f"default workers ({default_workers})",
        runs.get(_config(default_workers), []),
        runs.get(_config(default_workers, sandbox=False), []),
    )
    # time inside the workers, by example (from the pipeline's stamps)
    per_example: dict[str, list[float]] = {}
    for config, config_runs in _by_workers(runs):
        if config != _config(default_workers):
            continue
        for run in config_runs:
            for student, seconds in run.worker_seconds.items():
                per_example.setdefault(student.split("-", 1)[1], []).append(seconds)
    if per_example:
        t = sec.table(
            f"Seconds per submission inside a worker ({default_workers} workers, sandboxed; "
            "autograde and feedback, from the pipeline's stamps), by example:",
            ["example", "copies graded", "median", "max", "share of all worker time"],
        )
        total = sum(sum(v) for v in per_example.values()) or 1.0
        for name, values in sorted(per_example.items()):
            t.add(
                name,
                len(values),
                fmt_seconds(median(values)),
                fmt_seconds(max(values)),
                f"{sum(values) / total:.0%}",
            )
    failed = [r for rs in runs.values() for r in rs if r.returncode != 0]
    for run in failed:
        sec.notes.append(f"{run.label} exited {run.returncode}: {_tail(run.log)}")
    if rounds == 1:
        sec.notes.append(
            "One round only: each ratio is one pair of runs, not a median, and other programs' "
            "load changed between them (see 'load at start'); a sequential run suffers more "
            "from that load than the pipeline's parallel processes do."
        )
    sec.notes.append(
        "The pipeline does more than the baseline: it also writes HTML feedback for every "
        "student, the grades CSV and the report PNG; its time includes all of it."
    )
    sec.data.update(runs=runs, speedups=speedups, sandbox_cost=sandbox_cost)
    return sec


# The home-made process pool that graded before Dask is gone; its speed-ups stay as recorded
# in bench/results.md: submissions -> (commit of the results, speed-up of its default
# workers (4) vs nbgrader, what that run was).
POOL_RECORDS = {
    40: (
        "8e76590",
        2.37,
        "the full run (3 rounds, load about 1), before the sandbox and before the verdicts "
        "were judged outside the kernel",
    ),
    4: ("0366d11", 0.99, "a --quick run (1 round, sandboxed, load 1.7-2.9)"),
}


def _against_the_pool(sec: Section, speedup: float | None, n: int) -> None:
    """The goal 'no loss against the pool', against its recorded figure (not re-run)."""
    record = POOL_RECORDS.get(n)
    if record is None:
        sec.goals.append(
            Goal(
                f"1a. no loss against the earlier process pool ({n} submissions)",
                f"{fmt_ratio(speedup)}; no pool figure recorded for {n} submissions",
                ">= the pool's recorded speed-up",
                None,
            )
        )
        return
    commit, pool, what = record
    sec.goals.append(
        Goal(
            f"1a. no loss against the earlier process pool ({n} submissions, recorded figure)",
            f"{fmt_ratio(speedup)} vs the pool's {fmt_ratio(pool)}",
            f">= {fmt_ratio(pool)} (the pool's speed-up, recorded, not re-run)",
            None if speedup is None else speedup >= pool,
        )
    )
    sec.notes.append(
        f"The process pool that graded before Dask no longer exists, so it cannot run side by "
        f"side: its speed-up on {n} submissions is the one recorded in bench/results.md at "
        f"commit {commit}, {fmt_ratio(pool)} with its default 4 workers ({what}). That "
        "comparison is across runs, under other loads, so only a clear difference means "
        "anything."
    )


def _memory_section(runs, default_workers: int, n: int) -> Section:
    sec = Section(
        "5. Memory",
        f"Peak resident memory (VmHWM, sampled every 0.2 s) of the processes of each run over "
        f"the {n} submissions of part 1; 'whole tree' is the largest sum of RSS at one sample; "
        "ru_maxrss is the largest single process the command waited for (wait4).",
    )
    table = sec.table(
        "",
        [
            "command",
            "command process",
            "workers (max)",
            "worker RSS at 1/4 of its life -> end",
            "kernels (max / median)",
            "kernels seen",
            "whole tree",
            "ru_maxrss",
        ],
    )
    worst_worker = None
    for config, config_runs in _by_workers(runs):
        run = config_runs[0]
        s = run.sampler
        if s is None or _on_scheduler(config):  # its workers are not the command's children
            continue
        command = s.peaks("command")
        workers = s.peaks("worker")
        kernels = s.peaks("kernel")
        worker_peak = max((p.peak for p in workers), default=None)
        if config == _config(default_workers):
            worst_worker = worker_peak
        growth = ", ".join(f"{fmt_mib(p.rss_at(0.25))} -> {fmt_mib(p.last_rss)}" for p in workers)
        label = "nbgrader autograde lab3"
        if config != "nbgrader":
            label = f"grade --workers {_workers(config)}"
            label += "" if _sandboxed(config) else " --no-sandbox"
        table.add(
            label,
            fmt_mib(max((p.peak for p in command), default=None)),
            fmt_mib(worker_peak) if workers else "- (none)",
            growth or "-",
            f"{fmt_mib(max((p.peak for p in kernels), default=None))} / "
            f"{fmt_mib(median(p.peak for p in kernels))}",
            len(kernels),
            fmt_mib(s.max_total),
            fmt_mib(run.maxrss),
        )
    sec.goals.append(
        Goal(
            f"5. peak RSS of a grading worker over {n} submissions ({default_workers} workers)",
            fmt_mib(worst_worker),
            "reported",
            None if worst_worker is None else True,
        )
    )
    sec.notes.append(
        "A worker holds nbgrader, its gradebook session and the feedback exporter; each "
        "submission runs in its own kernel process, counted in the kernels' column (a "
        "sandboxed kernel's launchers, prlimit and two bwrap processes, count in the whole "
        "tree only)."
    )
    return sec


# ----------------------------------------------------------------------------- part 2


def overhead(repeats: int = 5, keep: bool = False) -> Section:
    root = paths.course_root()
    base = _scratch_dir(keep)
    try:
        examples, origin = scratch.collect_examples(root, base / "examples")
        example = scratch.correct_example(examples)
        course = scratch.copy_course(root, base / "course")
        (student,) = scratch.add_submissions(course, [example], 1)
        folder = paths.Course.at(course).submitted(student)
        env = scratch.environment(course)
        # the sandboxed pipeline between the floor and --no-sandbox, in either order
        configs = ("floor", "pipeline", "pipeline" + NO_SANDBOX, "nbgrader")
        runs: dict[str, list[Run]] = {c: [] for c in configs}
        for r in range(repeats):
            order = list(runs) if r % 2 == 0 else list(runs)[::-1]
            for config in order:
                print(
                    f"bench: part 2, repeat {r + 1}/{repeats}: {config} "
                    f"(load {fmt_load(loadavg())})",
                    file=sys.stderr,
                    flush=True,
                )
                log = base / "logs" / f"overhead{r}-{config}.log"
                if config == "floor":
                    out = base / "nbconvert"
                    shutil.rmtree(out, ignore_errors=True)
                    cmd = [
                        scratch.tool("jupyter"),
                        "nbconvert",
                        "--to",
                        "notebook",
                        "--execute",
                        "--allow-errors",
                        "--output-dir",
                        str(out),
                        str(folder / paths.NOTEBOOK),
                    ]
                    run = run_command("nbconvert --execute", cmd, folder, env, log, sample=False)
                elif config.startswith("pipeline"):
                    run = pipeline(course, 1, log, sandbox=_sandboxed(config))
                else:
                    run = nbgrader_autograde(course, log, student)
                runs[config].append(run)
        return _overhead_section(runs, example, origin)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _overhead_section(runs, example, origin) -> Section:
    floor = [r.seconds for r in runs["floor"]]
    sec = Section(
        "2. Per-submission overhead",
        f"One submission (a copy of the example `{example.name}`, from {origin}), "
        f"{len(floor)} repeat(s) in alternation. Floor: `jupyter nbconvert --to notebook "
        "--execute --allow-errors` of the submitted notebook (start a kernel, run it, save). "
        "Ratio = time / the floor's time in the same repeat (median over repeats). The "
        "pipeline runs sandboxed (the default) and with `--no-sandbox`, one after the other.",
    )
    table = sec.table("", ["command", "median", "min", "max", "ratio to the floor", "exit codes"])
    ratios = {}
    rows = [
        ("floor", "jupyter nbconvert --execute (floor)"),
        ("pipeline", "python -m kmeans_em_lab grade --workers 1 (one submission, sandboxed)"),
        ("pipeline" + NO_SANDBOX, "the same with --no-sandbox"),
        ("nbgrader", "nbgrader autograde lab3 --student S"),
    ]
    for config, label in rows:
        times = [r.seconds for r in runs[config]]
        ratios[config] = paired_ratio(times, floor)
        table.add(
            label,
            fmt_seconds(median(times)),
            fmt_seconds(min(times)),
            fmt_seconds(max(times)),
            fmt_ratio(ratios[config]),
            ",".join(str(r.returncode) for r in runs[config]),
        )
    for config, label in (
        ("pipeline", "time inside the worker, sandboxed (autograde + feedback, its stamp)"),
        ("pipeline" + NO_SANDBOX, "time inside the worker, --no-sandbox"),
    ):
        inside = [s for r in runs[config] for s in r.worker_seconds.values()]
        if not inside:
            continue
        inside_ratio = median(inside) / median(floor)
        table.add(
            label,
            fmt_seconds(median(inside)),
            fmt_seconds(min(inside)),
            fmt_seconds(max(inside)),
            fmt_ratio(inside_ratio),
            "-",
        )
        ratios["inside " + config] = inside_ratio
    _pipeline_phases(sec, runs["pipeline"], runs["pipeline" + NO_SANDBOX])
    ratios["sandbox"] = _sandbox_cost(
        sec, 2, "one submission", runs["pipeline"], runs["pipeline" + NO_SANDBOX]
    )
    goal = ratios["pipeline"]
    sec.goals.append(
        Goal(
            "2. one submission through the pipeline (sandboxed) vs executing it (end to end)",
            fmt_ratio(goal),
            f"<= {OVERHEAD_GOAL:.1f}x",
            None if goal is None else goal <= OVERHEAD_GOAL,
        )
    )
    sec.notes.append(
        "The pipeline's end-to-end time also covers its own start-up (Python, nbgrader, the "
        "gradebook check), starting a worker process, restoring and running the hidden tests, "
        "HTML feedback, the grades CSV and the report PNG; the floor runs only the notebook "
        "as submitted (no hidden tests)."
    )
    for run in (r for rs in runs.values() for r in rs if r.returncode != 0):
        sec.notes.append(f"{run.label} exited {run.returncode}: {_tail(run.log)}")
    sec.data.update(runs=runs, ratios=ratios)
    return sec


def _phases(runs: list[Run]) -> dict[str, list[float]]:
    """Where the pipeline's end-to-end time goes, from its output's timestamps and stamps."""
    phases: dict[str, list[float]] = {}
    for run in runs:
        grading, done = run.first_line("grading "), run.first_line("grades:")
        inside = sum(run.worker_seconds.values()) if run.worker_seconds else None
        if grading is None or done is None or inside is None:
            continue
        for name, seconds in (
            ("start-up: Python, imports, course config, release and gradebook check", grading),
            (
                "worker start (spawn, nbgrader imports, NbGraderAPI), CSV, report PNG, table",
                done - grading - inside,
            ),
            (
                "inside the worker: autograde (kernel, all cells, hidden tests) + HTML feedback",
                inside,
            ),
            ("exit", run.seconds - done),
        ):
            phases.setdefault(name, []).append(seconds)
    return phases


def _pipeline_phases(sec: Section, runs: list[Run], unsandboxed: list[Run]) -> None:
    """The sandboxed pipeline's phases, next to those of --no-sandbox."""
    phases, plain = _phases(runs), _phases(unsandboxed)
    if not phases:
        return
    total = median(r.seconds for r in runs)
    table = sec.table(
        "Where the pipeline's time goes for one submission (medians; from the times its "
        "output lines arrived and the worker's stamp):",
        ["phase", "seconds (sandboxed)", "share", "seconds with --no-sandbox"],
    )
    for name, values in phases.items():
        table.add(
            name,
            fmt_seconds(median(values)),
            f"{median(values) / total:.0%}",
            fmt_seconds(median(plain.get(name, []))),
        )
