"""Part 1b: ``make grade`` on correct submissions against the floor, and Dask's overhead.

On N copies of the correct example (a scratch course, as in part 1a), in
alternation, round after round (the order reversed every other round):

- ``nbgrader autograde lab3`` (sequential); the first one's autograded
  notebooks (the submissions with the hidden tests put back, as nbgrader
  executes them) are kept, untimed, for the floor;
- a plain kernel started a few times (``jupyter_client``: start until it
  answers ``kernel_info``), the time every submission pays before its first cell;
- **the floor, measured**: those autograded notebooks executed again with
  ``jupyter nbconvert --execute`` in a plain ``python3`` kernel, as many at a
  time as there are usable cores (one ``nbconvert`` process per core, each
  running its share of the notebooks one after the other), from a fresh copy;
- ``python -m kmeans_em_lab grade --force`` with the default workers (``make
  grade --force``: sandboxed, with feedback pages, the CSV and the reports);
- the same dispatcher with a no-op job (:mod:`.dispatch`): Dask's own cost per
  submission.

The goal's ratio is ``make grade --force`` / the measured floor in the same
round, median over rounds. The modelled floor of earlier versions, (kernel
start + the cells' time from nbgrader's execution timestamps) summed over the
submissions and divided by the cores, is still reported beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver import settings
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

FLOOR_GOAL = 0.9  # make grade --force / executing the same notebooks (correct ones), at most
KERNEL_STARTS = 3  # plain kernel starts timed per round
EXECUTE_TIMEOUT = 600  # seconds a cell may run in the floor's nbconvert (none comes close)


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


@dataclass
class Execution:
    """One timed run of the floor: the autograded notebooks executed, ``lanes`` at a time."""

    seconds: float
    returncodes: list[int]
    load: tuple[float, float, float]
    notebooks: int
    lanes: int
    cpu: float  # user + system seconds of the nbconvert processes and their kernels
    errors: int  # cells whose output is an error (0 on correct submissions)
    log: Path

    @property
    def returncode(self) -> int:
        return max(self.returncodes, default=0)


def keep_notebooks(course: Path, dest: Path) -> int:
    """Copy the course's autograded submissions (notebook and data) to ``dest``; how many."""
    shutil.rmtree(dest, ignore_errors=True)
    found = sorted((course / "autograded").glob(f"*/{paths.ASSIGNMENT}/{paths.NOTEBOOK}"))
    for notebook in found:
        folder = notebook.parent
        shutil.copytree(folder, dest / folder.parent.name / folder.name)
    return len(found)


def lanes_of(notebooks: list[Path], lanes: int) -> list[list[Path]]:
    """``notebooks`` dealt out to ``lanes`` lanes in turn (no empty lane)."""
    dealt = [notebooks[i::lanes] for i in range(max(1, lanes))]
    return [lane for lane in dealt if lane]


def error_cells(notebook: Path) -> int:
    """Code cells of ``notebook`` with an error among their outputs (-1: unreadable)."""
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001 - counted as a failure of the run
        return -1
    return sum(
        any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def execute_notebooks(kept: Path, work: Path, lanes: int, env: dict, log: Path) -> Execution:
    """The floor: a fresh copy of ``kept`` (not timed), then every notebook in it executed
    in place by ``jupyter nbconvert --execute`` in a plain ``python3`` kernel, one
    ``nbconvert`` process per lane running at once (timed)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(kept, work)
    notebooks = sorted(work.glob(f"*/{paths.ASSIGNMENT}/{paths.NOTEBOOK}"))
    if not notebooks:
        raise RuntimeError(f"no autograded notebooks to execute under {kept}")
    cmd = [
        scratch.tool("jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
        "--allow-errors", "--ExecutePreprocessor.kernel_name=python3",
        f"--ExecutePreprocessor.timeout={EXECUTE_TIMEOUT}",
    ]  # fmt: skip
    log.parent.mkdir(parents=True, exist_ok=True)
    load = loadavg()
    cpu, codes = 0.0, []
    with open(log, "wb") as out:
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [*cmd, *map(str, lane)], cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT
            )
            for lane in lanes_of(notebooks, lanes)
        ]
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            codes.append(proc.returncode)
            cpu += usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - start
    errors = [error_cells(nb) for nb in notebooks]
    return Execution(
        seconds=seconds,
        returncodes=codes,
        load=load,
        notebooks=len(notebooks),
        lanes=len(procs),
        cpu=cpu,
        errors=sum(abs(e) for e in errors),
        log=log,
    )


CONFIGS = ("nbgrader", "kernel", "execute", "pipeline", "dispatch")  # one round's order


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
        env = scratch.environment(course)
        kept = base / "autograded-by-nbgrader"
        runs: dict[str, list] = {c: [] for c in CONFIGS}
        for r in range(rounds):
            # round 0 runs nbgrader first: its notebooks are the floor's in every round
            for config in CONFIGS if r % 2 == 0 else CONFIGS[::-1]:
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
                    if not kept.exists() and keep_notebooks(course, kept) != copies:
                        raise RuntimeError(f"nbgrader did not autograde all: {_tail(log)}")
                elif config == "execute":
                    run = execute_notebooks(kept, base / "executed", cores, env, log)
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
    nbgrader, pipe, executed = runs["nbgrader"], runs["pipeline"], runs.get("execute", [])
    modelled = [_floor(n, s, copies, cores) for n, s in zip(nbgrader, runs["kernel"], strict=False)]
    floors = [e.seconds for e in executed]
    lanes = max((e.lanes for e in executed), default=cores)
    sec = Section(
        "1b. The floor: correct submissions",
        f"{copies} copies of the correct example `{example}` ({origin}), {len(pipe)} round(s) "
        "in alternation (the order reversed every other round). **The floor is measured**: "
        "the autograded notebooks `nbgrader autograde` wrote in the first round (the "
        "submissions with the hidden tests put back, as nbgrader executes them) executed "
        "again from a fresh copy with `jupyter nbconvert --to notebook --execute --inplace` "
        f"in a plain `python3` kernel, {lanes} at a time ({lanes} `nbconvert` processes, "
        f"one per usable core, each running its share one after the other), no sandbox, no "
        "feedback, no gradebook. Ratio = `make grade --force` (default workers "
        f"({workers}), sandboxed, with the feedback pages, the grades CSV and the class "
        "report) / the floor in the same round (median over rounds).",
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
    ratio = paired_ratio([r.seconds for r in pipe], floors) if floors else None
    floor_wall = median(floors)
    table.add(
        f"floor: nbconvert --execute of the autograded notebooks, {lanes} at a time",
        len(floors),
        fmt_seconds(floor_wall),
        fmt_seconds(floor_wall / copies if floor_wall else None),
        "1.00x" if floors else "-",
        fmt_ratio(paired_ratio([r.seconds for r in nbgrader], floors) if floors else None),
        "-",
        ",".join(str(e.returncode) for e in executed) or "-",
        fmt_load(executed[0].load) if executed else "-",
    )
    modelled_ok = bool(modelled) and all(modelled)
    modelled_wall = median(modelled) if modelled_ok else None
    table.add(
        f"modelled floor (earlier method, for reference): (kernel start + cells) x {copies} "
        f"/ {cores} cores",
        len(modelled) if modelled_ok else 0,
        fmt_seconds(modelled_wall),
        fmt_seconds(modelled_wall / copies if modelled_wall else None),
        fmt_ratio(paired_ratio(modelled, floors)) if modelled_ok and floors else "-",
        fmt_ratio(paired_ratio([r.seconds for r in nbgrader], modelled) if modelled_ok else None),
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
            fmt_ratio(paired_ratio([r.seconds for r in config_runs], floors)) if floors else "-",
            "1.00x (baseline)"
            if config_runs is nbgrader
            else fmt_ratio(paired_ratio([r.seconds for r in nbgrader], [r.seconds for r in pipe])),
            "baseline"
            if config_runs is nbgrader
            else "; ".join(_score_check(p, n) for p, n in zip(pipe, nbgrader, strict=False)),
            ",".join(str(r.returncode) for r in config_runs),
            fmt_load(config_runs[0].load),
        )
    _rounds_table(sec, nbgrader, executed, pipe)
    starts = [s for rs in runs["kernel"] for s in rs]
    cells_nb = [s for r in nbgrader for s in r.cells.values()]
    cells_pipe = [s for r in pipe for s in r.cells.values()]
    inside = [s for r in pipe for s in r.worker_seconds.values()]
    pieces = sec.table(
        "Per submission (medians over all submissions and rounds): the CPU the floor and "
        "`make grade --force` spend, the modelled floor's pieces, and the pipeline's own "
        "figures beside them:",
        ["what", "seconds per submission", "note"],
    )
    pieces.add(
        "the floor's CPU: nbconvert and its kernel (user + system)",
        fmt_seconds(median(e.cpu / e.notebooks for e in executed) if executed else None),
        "what wait4 reported for the nbconvert processes and the kernels they reaped",
    )
    splits = [cpu_split(r) for r in pipe]
    pieces.add(
        "make grade --force's CPU: every process of the run",
        fmt_seconds(median(sp["all"] / copies for sp in splits) if all(splits) else None),
        "kernels, workers and the driver (by process: the CPU table below)",
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
        "modelled floor per submission (kernel start + cells)",
        fmt_seconds((median(starts) or 0) + (median(cells_nb) or 0) if cells_nb else None),
        f"x {copies} / {cores} cores = the modelled floor",
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
    errors = sum(e.errors for e in executed)
    sec.goals.append(
        Goal(
            f"1b. make grade --force / the floor: executing the same notebooks "
            f"({copies} correct submissions, nbconvert --execute {lanes} at a time)",
            fmt_ratio(ratio) + (f"; {errors} error cell(s) in the floor's runs" if errors else ""),
            f"<= {FLOOR_GOAL:.1f}x",
            None if ratio is None else ratio <= FLOOR_GOAL and not errors,
        )
    )
    if errors:
        sec.notes.append(
            f"The floor's runs have {errors} cell(s) with an error (or an unreadable notebook): "
            "a correct submission should have none, so the floor is not comparable."
        )
    for r in (r for rs in (nbgrader, pipe) for r in rs if r.returncode != 0):
        sec.notes.append(f"{r.label} exited {r.returncode}: {_tail(r.log)}")
    for e in (e for e in executed if e.returncode != 0):
        sec.notes.append(f"nbconvert --execute exited {e.returncodes}: {_tail(e.log)}")
    sec.data.update(runs=runs, floors=floors, modelled=modelled, ratio=ratio)
    return sec


def _rounds_table(sec: Section, nbgrader: list, executed: list, pipe: list) -> None:
    """Each round's pair (the floor, make grade) with the machine's load before each run."""
    if not executed:
        return
    table = sec.table(
        "Round by round: the floor and `make grade --force` of the same round, the load "
        "average (1/5/15 min, `os.getloadavg()`) just before each run, and the order they ran "
        "in:",
        [
            "round",
            "order",
            "floor",
            "load before the floor",
            "make grade --force",
            "load before make grade",
            "ratio",
        ],
    )
    for r, (e, p) in enumerate(zip(executed, pipe, strict=False)):
        table.add(
            r + 1,
            "floor first" if r % 2 == 0 else "make grade first",
            fmt_seconds(e.seconds),
            fmt_load(e.load),
            fmt_seconds(p.seconds),
            fmt_load(p.load),
            fmt_ratio(p.seconds / e.seconds if e.seconds else None),
        )


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
        "than the floor's (the floor's kernels judge the hidden tests themselves, as "
        "nbgrader's do; the pipeline's kernels only record the answers, and the workers "
        "judge them)."
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
