"""Part 1b: ``make grade`` on correct submissions against the floor, and Dask's overhead.

On N copies of the correct example (a scratch course, as in part 1a), in
alternation, round after round:

- ``nbgrader autograde lab3`` (sequential): its autograded notebooks carry each
  cell's execution timestamps, taken by the kernel's messages (nbclient's
  ``record_timing``: busy to idle), one kernel at a time;
- a plain kernel started a few times (``jupyter_client``: start until it
  answers ``kernel_info``), the time every submission pays before its first cell;
- ``python -m kmeans_em_lab grade --force`` with the default workers (``make
  grade --force``);
- the same dispatcher with a no-op job (:mod:`.dispatch`): Dask's own cost per
  submission.

The floor = (kernel start + the cells' time) summed over the submissions and
divided by the usable cores: no grader can go faster without making the
kernel itself faster.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline import settings
from lab3_dev.bench import course as scratch
from lab3_dev.bench.grading import (
    Run,
    _score_check,
    _scratch_dir,
    _tail,
    nbgrader_autograde,
    pipeline,
)
from lab3_dev.bench.report import Goal, Section, fmt_ratio, fmt_seconds
from lab3_dev.bench.timing import fmt_load, loadavg, median, paired_ratio

FLOOR_GOAL = 1.5  # make grade --force on correct submissions / the floor, at most
KERNEL_STARTS = 3  # plain kernel starts timed per round


def cell_seconds(notebook: Path) -> float | None:
    """Seconds the kernel spent in the notebook's code cells (busy to idle, summed), from
    the execution timestamps nbclient records in each cell's metadata."""
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001 - a missing or broken notebook has no figure
        return None
    total, found = 0.0, False
    for cell in nb.cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        busy, idle = stamps.get("iopub.status.busy"), stamps.get("iopub.status.idle")
        if cell.cell_type != "code" or not busy or not idle:
            continue
        total += (datetime.fromisoformat(idle) - datetime.fromisoformat(busy)).total_seconds()
        found = True
    return total if found else None


def notebooks_cell_seconds(course: Path) -> dict[str, float]:
    """Student -> seconds in cells, from the course's autograded notebooks."""
    out = {}
    for path in sorted((course / "autograded").glob(f"*/{paths.ASSIGNMENT}/{paths.NOTEBOOK}")):
        seconds = cell_seconds(path)
        if seconds is not None:
            out[path.parent.parent.name] = seconds
    return out


def kernel_starts(course: Path, repeats: int = KERNEL_STARTS) -> list[float]:
    """Seconds from starting a plain ``python3`` kernel until it answers, ``repeats`` times
    (in a subprocess with the scratch course's environment, one kernel at a time)."""
    code = (
        "import json, sys, time; from jupyter_client.manager import start_new_kernel\n"
        "out = []\n"
        "for _ in range(int(sys.argv[1])):\n"
        "    start = time.perf_counter()\n"
        "    km, kc = start_new_kernel(kernel_name='python3', startup_timeout=60)\n"
        "    out.append(time.perf_counter() - start)\n"
        "    kc.stop_channels(); km.shutdown_kernel(now=False)\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(repeats)],
        cwd=course,
        env=scratch.environment(course),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def dispatch_overhead(course: Path, workers: int, log: Path) -> dict:
    """:mod:`.dispatch` on the course (no-op job, ``workers`` local processes)."""
    cmd = [sys.executable, "-m", "lab3_dev.bench.dispatch", str(course)]
    cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=course, env=scratch.environment(course), capture_output=True, text=True
    )
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"the no-op dispatch failed: {_tail(log)}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["total"] = time.perf_counter() - start
    return out


def run(copies: int = 8, rounds: int = 3, keep: bool = False) -> Section:
    root = paths.course_root()
    base = _scratch_dir(keep)
    workers = settings.default_workers()
    cores = settings.usable_cores()
    try:
        examples, origin = scratch.collect_examples(root, base / "examples")
        example = scratch.correct_example(examples)
        course = scratch.copy_course(root, base / "course")
        scratch.add_submissions(course, [example], copies)
        scratch.reset(course)
        bundle_seconds = scratch.warm_cache(course)
        configs = ("nbgrader", "kernel", "pipeline", "dispatch")
        runs: dict[str, list] = {c: [] for c in configs}
        for r in range(rounds):
            for config in configs if r % 2 == 0 else configs[::-1]:
                print(
                    f"bench: part 1b, round {r + 1}/{rounds}: {config} on {copies} copies of "
                    f"{example.name} (load {fmt_load(loadavg())})",
                    file=sys.stderr,
                    flush=True,
                )
                log = base / "logs" / f"floor{r}-{config}.log"
                if config == "nbgrader":
                    run = nbgrader_autograde(course, log)
                    run.cells = notebooks_cell_seconds(course)
                elif config == "pipeline":
                    run = pipeline(course, workers, log)
                    run.cells = notebooks_cell_seconds(course)
                elif config == "kernel":
                    run = kernel_starts(course)
                else:
                    run = dispatch_overhead(course, workers, log)
                runs[config].append(run)
        return section(runs, example.name, origin, copies, workers, cores, bundle_seconds)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _floor(nbgrader: Run, starts: list[float], copies: int, cores: int) -> float | None:
    """(kernel start + cells) summed over the submissions, divided by the cores."""
    cells = nbgrader.cells
    if len(cells) < copies or not starts:
        return None
    return (sum(cells.values()) + copies * median(starts)) / cores


def section(runs, example, origin, copies, workers, cores, bundle_seconds=None) -> Section:
    nbgrader, pipe = runs["nbgrader"], runs["pipeline"]
    floors = [_floor(n, s, copies, cores) for n, s in zip(nbgrader, runs["kernel"], strict=False)]
    sec = Section(
        "1b. The floor: correct submissions",
        f"{copies} copies of the correct example `{example}` ({origin}), {len(pipe)} round(s) "
        "in alternation. Floor = (kernel start + the time the kernel spent in the "
        f"submission's cells) summed over the {copies} submissions and divided by the "
        f"{cores} usable cores. The cells' time is read from the execution timestamps in "
        "the notebooks `nbgrader autograde` wrote in the same round (busy to idle, one "
        "kernel at a time, the hidden tests judged inside the kernel as nbgrader does); the "
        "kernel start is a plain `python3` kernel started until it answers (median of "
        f"{KERNEL_STARTS} per round). Ratio = `make grade --force` (default workers "
        f"({workers}), sandboxed) / the floor in the same round (median over rounds).",
    )
    table = sec.table(
        "",
        [
            "command",
            "runs",
            "wall time",
            "per submission",
            "ratio to the floor",
            "speed-up vs nbgrader",
            "scores vs nbgrader",
            "exit codes",
            "load at start",
        ],
    )
    ratio = paired_ratio([r.seconds for r in pipe], floors) if all(floors) else None
    floor_wall = median(floors)
    table.add(
        f"floor: (kernel start + cells) x {copies} / {cores} cores",
        len(floors),
        fmt_seconds(floor_wall),
        fmt_seconds(floor_wall / copies if floor_wall else None),
        "1.00x",
        fmt_ratio(paired_ratio([r.seconds for r in nbgrader], floors) if all(floors) else None),
        "-",
        "-",
        "-",
    )
    for label, config_runs in (
        ("nbgrader autograde lab3 (sequential)", nbgrader),
        (f"make grade --force ({workers} workers, sandboxed)", pipe),
    ):
        wall = median(r.seconds for r in config_runs)
        table.add(
            label,
            len(config_runs),
            fmt_seconds(wall),
            fmt_seconds(wall / copies),
            fmt_ratio(paired_ratio([r.seconds for r in config_runs], floors))
            if all(floors)
            else "-",
            "1.00x (baseline)"
            if config_runs is nbgrader
            else fmt_ratio(paired_ratio([r.seconds for r in nbgrader], [r.seconds for r in pipe])),
            "baseline"
            if config_runs is nbgrader
            else "; ".join(_score_check(p, n) for p, n in zip(pipe, nbgrader, strict=False)),
            ",".join(str(r.returncode) for r in config_runs),
            fmt_load(config_runs[0].load),
        )
    starts = [s for rs in runs["kernel"] for s in rs]
    cells_nb = [s for r in nbgrader for s in r.cells.values()]
    cells_pipe = [s for r in pipe for s in r.cells.values()]
    inside = [s for r in pipe for s in r.worker_seconds.values()]
    pieces = sec.table(
        "The floor's pieces, per submission (medians over all submissions and rounds), and "
        "the pipeline's own figures beside them:",
        ["what", "seconds per submission", "note"],
    )
    pieces.add(
        "kernel start (plain python3 kernel, until it answers)",
        fmt_seconds(median(starts)),
        f"{len(starts)} starts",
    )
    pieces.add(
        "cells, in nbgrader's kernel (hidden tests judged in the kernel)",
        fmt_seconds(median(cells_nb)),
        "one kernel at a time",
    )
    pieces.add(
        "floor per submission (kernel start + cells)",
        fmt_seconds((median(starts) or 0) + (median(cells_nb) or 0) if cells_nb else None),
        f"x {copies} / {cores} cores = the floor",
    )
    pieces.add(
        "cells, in the pipeline's kernels (answers recorded, judged outside)",
        fmt_seconds(median(cells_pipe)),
        f"{workers} kernels at once on {cores} cores: contended",
    )
    pieces.add(
        "a submission inside a pipeline worker (its stamp: autograde + feedback)",
        fmt_seconds(median(inside)),
        f"{workers} at once on {cores} cores",
    )
    if bundle_seconds is not None:
        pieces.add(
            "course bundle's template gradebook (once per course change, cached)",
            fmt_seconds(bundle_seconds),
            "not in the timed runs: cached in autograded/.cache as after any first run",
        )
    _cpu_tables(sec, nbgrader, pipe, floors, cores)
    _dispatch_table(sec, runs["dispatch"], copies)
    sec.goals.append(
        Goal(
            f"1b. make grade --force / the floor ({copies} correct submissions)",
            fmt_ratio(ratio),
            f"<= {FLOOR_GOAL:.1f}x",
            None if ratio is None else ratio <= FLOOR_GOAL,
        )
    )
    for r in (r for rs in (nbgrader, pipe) for r in rs if r.returncode != 0):
        sec.notes.append(f"{r.label} exited {r.returncode}: {_tail(r.log)}")
    sec.notes.append(
        "Where the time beyond the floor goes: part 1c (a profile of the workers and the "
        "driver on the same submissions)."
    )
    sec.data.update(runs=runs, floors=floors, ratio=ratio)
    return sec


BEYOND = (
    "the pipeline's kernels: CPU / cores",
    "worker processes: CPU / cores (nbgrader, judge, feedback HTML, Dask worker)",
    "the driver: CPU / cores (start-up, local scheduler, saving, reports)",
    "other processes of the run (sandbox launchers, ...): CPU / cores",
    "cores idle or taken by other programs (wall - all CPU / cores)",
    "make grade --force (wall)",
)


def fmt_signed(seconds: float | None) -> str:
    if seconds is None or seconds >= 0:
        return fmt_seconds(seconds)
    return "-" + fmt_seconds(-seconds)


def cpu_split(run: Run) -> dict[str, float] | None:
    """CPU seconds of a run by process: kernels, workers, the command itself, the rest."""
    if run.sampler is None:
        return None
    split = {role: run.sampler.cpu(role) for role in ("kernel", "worker", "command")}
    split["other"] = max(0.0, run.cpu - sum(split.values()))
    split["all"] = max(run.cpu, sum(split.values()))
    return split


def _cpu_tables(sec: Section, nbgrader: list[Run], pipe: list[Run], floors, cores: int) -> None:
    """Where the CPU went (every process of the run), and make grade's time beyond the floor."""
    if not all(cpu_split(r) for r in nbgrader + pipe):
        return
    table = sec.table(
        "CPU seconds by process (medians over rounds): every process of the run sampled "
        "every 0.2 s (a process's last 0.2 s is missed), 'CPU, all' their sum or, if larger, "
        "what wait4 reported for the command and the descendants it reaped (sandboxed "
        "kernels and processes left to exit after the command are not always among them); "
        f"and the wall time they account for on {cores} cores:",
        [
            "command",
            "wall time",
            "CPU, all",
            "kernels",
            "worker processes",
            "the command's own process",
            "others (sandbox launchers, ...)",
            "CPU / cores",
            "wall - CPU / cores",
        ],
    )
    for label, config_runs in (("nbgrader autograde lab3", nbgrader), ("make grade --force", pipe)):
        splits = [cpu_split(r) for r in config_runs]
        if not all(splits):
            continue

        def med(key, splits=splits):
            return median(sp[key] for sp in splits)

        wall = median(r.seconds for r in config_runs)
        table.add(
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
    rows = []
    for run, floor in zip(pipe, floors, strict=False):
        split = cpu_split(run)
        if split is None or not floor:
            continue
        rows.append(
            {
                BEYOND[0]: split["kernel"] / cores,
                BEYOND[1]: split["worker"] / cores,
                BEYOND[2]: split["command"] / cores,
                BEYOND[3]: split["other"] / cores,
                BEYOND[4]: run.seconds - split["all"] / cores,
                BEYOND[5]: run.seconds,
                "floor": floor,
            }
        )
    if not rows:
        return
    wall = median(r[BEYOND[-1]] for r in rows)
    floor = median(r["floor"] for r in rows)
    beyond = sec.table(
        f"Where `make grade --force` spends its wall time (medians over rounds; each line in "
        f"wall seconds on {cores} cores, the lines add up to the wall time), beside the "
        f"floor ({fmt_seconds(floor)}): the time beyond the floor is the wall time minus it.",
        ["part", "seconds", "share of the wall time", "CPU seconds per submission"],
    )
    copies = len(pipe[0].scores) or 1
    for key in BEYOND:
        value = median(r[key] for r in rows)
        cpu = key not in BEYOND[-2:]
        beyond.add(
            key,
            fmt_signed(value),
            f"{value / wall:.0%}" if wall else "-",
            fmt_seconds(value * cores / copies) if cpu else "-",
        )
    kernels, workers = median(r[BEYOND[0]] for r in rows), median(r[BEYOND[1]] for r in rows)
    sec.notes.append(
        f"Beyond the floor, `make grade --force` spent {fmt_signed(wall - floor)}: its worker "
        f"processes' own CPU alone is {fmt_seconds(workers)} of wall time on {cores} cores "
        f"({fmt_seconds(workers * cores / copies)} of CPU per submission, against "
        f"{fmt_seconds(kernels * cores / copies)} in its kernel). Its kernels need less CPU "
        "than the floor's time (the floor is the wall time of nbgrader's kernels, which judge "
        "the hidden tests themselves; the pipeline's kernels only record the answers, and the "
        "workers judge them)."
    )
    sec.data["beyond"] = rows


def _dispatch_table(sec: Section, dispatches: list[dict], copies: int) -> None:
    if not dispatches:
        return

    def med(key):
        return median(d.get(key) for d in dispatches)

    run, slots = med("run"), med("slots")
    table = sec.table(
        f"Dask's own cost (`python -m lab3_dev.bench.dispatch`): the same dispatcher, "
        f"course bundle and submissions' bytes with a no-op job that sends the submission back "
        f"as its result, {copies} submissions, a local cluster (medians over "
        f"{len(dispatches)} run(s)). Per kernel slot = dispatch x slots / submissions: how "
        "long each submission holds a worker for nothing.",
        [
            "cluster start (workers up, nbgrader imported)",
            "dispatch and collect all",
            "per submission",
            "per submission per kernel slot",
            "cluster close",
            "kernel slots",
            "statuses",
        ],
    )
    table.add(
        fmt_seconds(med("start")),
        fmt_seconds(run),
        fmt_seconds(run / copies if run else None),
        fmt_seconds(run * slots / copies if run and slots else None),
        fmt_seconds(med("close")),
        f"{slots:g}" if slots else "-",
        ", ".join(sorted({s for d in dispatches for s in d.get("statuses", [])})) or "-",
    )
    per = run / copies if run else None
    sec.goals.append(
        Goal(
            "1b. Dask's scheduling overhead per submission (no-op job, local cluster)",
            fmt_seconds(per),
            "reported",
            None if per is None else True,
        )
    )
