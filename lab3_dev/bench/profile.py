"""Part 1c: where the time of ``make grade`` goes on correct submissions.

``python -m lab3_dev.bench.profile COURSE OUT [--workers N]`` runs what
``python -m kmeans_em_lab grade --force`` runs (``run._grade``, the same
driver), with two instruments:

- each submission's job (``Settings.job``) is :func:`profiled_job`: the
  pipeline's own :func:`~kmeans_em_lab.pipeline.worker.grader.grade_submission` under
  cProfile (wall clock), its stats written to ``OUT/worker-<student>.prof``
  with the job's wall and CPU seconds;
- the driver's steps are timed by wrapping them (no profiler in the driver):
  start-up, release check, course bundle, waiting for the cluster, dispatch,
  saving each result, closing the cluster, the CSV, the report PNG and page.

:func:`run` (the benchmark's part) does it on copies of the correct example
and sorts the workers' time into phases (:data:`PHASES`) by the cumulative
time of the functions that make them. cProfile slows the Python side down
(the kernel's side, waited for, is unaffected), so shares matter more than
seconds; the unprofiled figures are part 1b's.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

PROFILE_ENV = "LAB3_BENCH_PROFILE"  # folder the profiled job writes its stats to
T0_ENV = "LAB3_BENCH_T0"  # time.time() when the bench launched the harness
PROFILED_JOB = "lab3_dev.bench.profile:profiled_job"
# --job: the profiled job, the pipeline's own, or a what-if (bench only, see nbconvert_page_job)
JOBS = {
    "profiled": PROFILED_JOB,
    "plain": "kmeans_em_lab.pipeline.worker.grader:grade_submission",
    "nbconvert-page": "lab3_dev.bench.profile:nbconvert_page_job",
}


# ----------------------------------------------------------------------------- worker side


def profiled_job(bundle, submission, options):
    """The pipeline's grading job under cProfile (the folder is ``$LAB3_BENCH_PROFILE``)."""
    from kmeans_em_lab.pipeline.worker import grader

    out = Path(os.environ[PROFILE_ENV])
    first = (bundle.digest, options.sandbox) not in grader._COURSES
    profiler = cProfile.Profile()
    cpu, start = time.process_time(), time.perf_counter()
    profiler.enable()
    try:
        result = grader.grade_submission(bundle, submission, options)
    finally:
        profiler.disable()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        profiler.dump_stats(out / f"worker-{submission.student}.prof")
    sent = sum(len(b) for files in (result.autograded, result.feedback) for b in files.values())
    info = {"wall": wall, "cpu": cpu, "first": first, "pid": os.getpid(), "bytes": sent}
    (out / f"worker-{submission.student}.json").write_text(json.dumps(info))
    return result


def nbconvert_page_job(bundle, submission, options):
    """The pipeline's job with the feedback made by nbconvert's own ``HTMLExporter`` (its
    second parse of the page, templates compiled per page) instead of the pipeline's
    ``FeedbackExporter``. Bench only: it measures what that exporter saves."""
    from kmeans_em_lab.pipeline.worker import config, grader

    if not getattr(config.grading_config, "nbconvert_page", False):
        pipeline_config = config.grading_config

        def grading_config(*args, **kwargs):
            config = pipeline_config(*args, **kwargs)
            config.GenerateFeedback.exporter_class = "nbconvert.exporters.HTMLExporter"
            return config

        grading_config.nbconvert_page = True
        config.grading_config = grading_config
        grader.grading_config = grading_config
    return grader.grade_submission(bundle, submission, options)


# ----------------------------------------------------------------------------- driver side

_STEPS: list[tuple[str, float, float]] = []  # (step, start, end), seconds since process start
_T0 = 0.0


def _since_start() -> float:
    return time.time() - _T0


def _timed(name: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = _since_start()
        try:
            return func(*args, **kwargs)
        finally:
            _STEPS.append((name, start, _since_start()))

    return wrapper


def _instrument() -> None:
    """Wrap the driver's steps (module attributes, looked up when ``_grade`` calls them)."""
    from kmeans_em_lab.pipeline.driver import cluster, course_bundle, prepare, store
    from kmeans_em_lab.pipeline.driver import run as cli
    from kmeans_em_lab.pipeline.reports import class_page, export, report
    from kmeans_em_lab.pipeline.shared import causes, scores

    for module, name, step in (
        (cli, "_changed_on_disk", "digests of the submissions and the course"),
        (prepare, "prepare", "release check"),
        (course_bundle, "build", "course bundle"),
        (store, "clear", "clearing old scores"),
        (store, "save_batch", "saving a batch of results (the writer thread)"),
        (cli, "_ensure_feedback", "feedback check"),
        (scores, "class_scores", "class scores"),
        (causes, "read_class", "causes"),
        (export, "write_csv", "grades CSV"),
        (report, "write_png", "report PNG"),
        (class_page, "write_html", "class page"),
        (report, "terminal_table", "terminal table"),
        (report, "preload_matplotlib", "matplotlib preload"),
    ):
        setattr(module, name, _timed(step, getattr(module, name)))
    cluster.Background.client = _timed("waiting for the cluster", cluster.Background.client)
    cluster.Background.close = _timed("closing the cluster", cluster.Background.close)
    cluster.Dispatcher.run = _timed("dispatch (grading on the workers)", cluster.Dispatcher.run)


def main(argv: list[str] | None = None) -> int:
    global _T0
    import psutil

    # when the bench started this process (psutil's create_time is only to the second)
    _T0 = float(os.environ.get(T0_ENV) or psutil.Process().create_time())
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--job", choices=sorted(JOBS), default="profiled")
    parser.add_argument(
        "--driver-profile",
        action="store_true",
        help="also run the driver's main thread under cProfile (OUT/driver.prof; its steps' "
        "times then include cProfile's cost)",
    )
    args = parser.parse_args(argv)

    from kmeans_em_lab.pipeline.worker.config import skip_slow_optional_imports

    skip_slow_optional_imports()
    from kmeans_em_lab.pipeline.driver import intake
    from kmeans_em_lab.pipeline.driver import run as cli
    from kmeans_em_lab.pipeline.driver.settings import Settings, default_workers
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config

    args.out.mkdir(parents=True, exist_ok=True)
    os.environ[PROFILE_ENV] = str(args.out.resolve())  # the local workers inherit it
    root = args.course.resolve()
    os.environ["LAB3_COURSE_ROOT"] = str(root)
    settings = Settings(
        root=root, workers=args.workers or default_workers(), force=True, job=JOBS[args.job]
    )
    config = load_course_config(root)
    students = intake.discover(settings.submitted, settings.assignment)
    _instrument()
    entered = _since_start()
    if args.driver_profile:
        profiler = cProfile.Profile()
        code = profiler.runcall(cli._grade, settings, config, students)
        profiler.dump_stats(args.out / "driver.prof")
    else:
        code = cli._grade(settings, config, students)
    done = _since_start()
    (args.out / "driver.json").write_text(
        json.dumps({"entered": entered, "done": done, "steps": _STEPS, "exit": code})
    )
    return code


# ----------------------------------------------------------------------------- the part

# Phases of a submission inside a worker, disjoint: (phase, [(file ending, function), ...]);
# a phase's seconds are the cumulative time of its functions (synchronous ones: cProfile
# splits a coroutine at every await). The job's time not in any phase is "other".
PHASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("private course set-up (once per worker: unpack the bundle, NbGraderAPI)",
     [("pipeline/worker/grader.py", "__init__")]),
    ("kernel start and shutdown (sandboxed: prlimit, bwrap, IPython)",
     [("pipeline/worker/execute.py", "setup_kernel")]),
    ("cells: the kernel running them (plans in, records out)",
     [("pipeline/worker/execute.py", "preprocess_cell")]),
    ("judge: the checks replayed on the records, causes, pictures' numbers",
     [("pipeline/worker/judge.py", "preprocess")]),
    ("nbgrader CheckCellMetadata, twice (jsonschema on every cell)",
     [("nbgrader/preprocessors/checkcellmetadata.py", "preprocess")]),
    ("nbgrader OverwriteCells and SaveAutoGrades (private gradebook)",
     [("nbgrader/preprocessors/overwritecells.py", "preprocess"),
      ("nbgrader/preprocessors/saveautogrades.py", "preprocess")]),
    ("feedback HTML: nbconvert's template (jinja2, pygments)",
     [("nbconvert/exporters/templateexporter.py", "from_notebook_node")]),
    ("feedback HTML: the alt texts, added without a second parse of the page",
     [("pipeline/pages/feedback_page.py", "from_notebook_node")]),
    ("feedback summary (points, causes, pictures)",
     [("pipeline/pages/feedback.py", "add_summary")]),
    ("private gradebook: forget the student, read the scores",
     [("pipeline/worker/grader.py", "_forget"), ("pipeline/shared/scores.py", "student_scores")]),
]  # fmt: skip
OTHER = "other: nbgrader's set-up of both steps, other preprocessors, reading and writing files"
# Spread over the phases (cumulative, overlapping): what the Python side spends on
SPREAD: list[tuple[str, list[tuple[str, str]]]] = [
    ("jsonschema validation (nbgrader's cell metadata, nbformat)",
     [("jsonschema/validators.py", "validate")]),
    ("SQLAlchemy (the private gradebook)",
     [("sqlalchemy/orm/session.py", "execute"), ("sqlalchemy/orm/session.py", "commit")]),
    ("nbformat read and write", [("nbformat/__init__.py", "read"),
                                 ("nbformat/__init__.py", "write")]),
    ("waiting on the kernel's sockets (epoll)",
     [("~", "<method 'poll' of 'select.epoll' objects>")]),
]  # fmt: skip
TOTAL = ("pipeline/worker/grader.py", "grade_submission")

# What the profile says can be done (kept with the part, so that every run restates it)
WHAT_CAN_BE_DONE = [
    "Feedback HTML: nbconvert's HTMLExporter parses every rendered page again with "
    "BeautifulSoup's pure-Python parser (`html.parser`) to give images an alt text, and "
    "each new exporter compiles the Jinja templates again; on this lab's page (about "
    "600 KB: the inlined CSS and the code highlighted span by span) that parse cost more "
    "than the template. Done: the pipeline's FeedbackExporter "
    "(`kmeans_em_lab/pipeline/pages/feedback_page.py`) adds the same alt texts without a parse "
    "(the same document, tested) and keeps compiled templates per worker; the what-if "
    "table below measures the difference.",
    "nbgrader's CheckCellMetadata runs twice per submission and validates every cell's "
    "nbgrader metadata with `jsonschema.validate`, which checks the schema itself before "
    "each cell. Done: the workers build one validator per schema "
    "(`kmeans_em_lab/pipeline/worker/schema_cache.py`, same verdicts), which takes the "
    "preprocessor from several percent of a worker's own time to about one.",
    "The private gradebook (SQLite through SQLAlchemy, nbgrader's ORM): OverwriteCells, "
    "SaveAutoGrades, forgetting the student and reading the scores back each query it "
    "row by row; the driver writes the scores the worker read back from it into the "
    "instructor's gradebook, a batch at a time in its writer thread (`saving a batch of "
    "results` in the driver's table).",
    "Dask itself is cheap per submission (part 1b's no-op job); what it costs is the "
    "cluster's start (worker processes importing nbgrader beside the driver's own start-up) "
    "and close. Done: the local workers are forked from one server that has imported the "
    "grader once (`kmeans_em_lab/pipeline/worker/warm.py`), and the close runs in the background "
    "while the report is written (`closing the cluster` overlaps the report's steps).",
]


def _cumtime(stats: pstats.Stats, where: tuple[str, str]) -> float:
    """Cumulative seconds of the function ``where`` (every function of that name in a file
    with that ending; cProfile's cumulative time does not count recursive calls twice)."""
    ending, name = where
    total = 0.0
    for (filename, _, funcname), (_, _, _, cumtime, _) in stats.stats.items():
        if funcname == name and filename.replace(os.sep, "/").endswith(ending):
            total += cumtime
    return total


def worker_phases(stats: pstats.Stats) -> dict[str, float]:
    """Phase -> seconds in ``stats`` (see :data:`PHASES`, :data:`SPREAD`); ``OTHER`` is the
    job's time in no phase; "job total" the whole job."""
    out = {phase: sum(_cumtime(stats, w) for w in where) for phase, where in PHASES}
    html, template = PHASES[7][0], PHASES[6][0]
    out[html] = max(0.0, out[html] - out[template])  # the template runs inside it
    total = _cumtime(stats, TOTAL)
    out[OTHER] = max(0.0, total - sum(out.values()))
    out.update({name: sum(_cumtime(stats, w) for w in where) for name, where in SPREAD})
    out["job total"] = total
    return out


def run(copies: int = 8, keep: bool = False, workers: int | None = None, rounds: int = 1):
    """The profiled run, then ``rounds`` of the what-if (the pipeline's own job, then the one
    with nbconvert's own feedback exporter, in alternation, unprofiled)."""
    from kmeans_em_lab.course import paths
    from kmeans_em_lab.pipeline.driver import settings
    from lab3_dev.bench import course as scratch
    from lab3_dev.bench.grading import _collect, _scratch_dir, run_command
    from lab3_dev.bench.timing import fmt_load, loadavg

    root = paths.course_root()
    base = _scratch_dir(keep)
    workers = workers or settings.default_workers()
    try:
        examples, origin = scratch.collect_examples(root, base / "examples")
        example = scratch.correct_example(examples)
        course = scratch.copy_course(root, base / "course")
        scratch.add_submissions(course, [example], copies)
        scratch.reset(course)
        scratch.warm_cache(course)
        out = base / "profile"
        print(
            f"bench: part 1c, profiled make grade on {copies} copies of {example.name} "
            f"(load {fmt_load(loadavg())})",
            file=sys.stderr,
            flush=True,
        )
        cmd = [sys.executable, "-m", "lab3_dev.bench.profile", str(course), str(out)]
        cmd += ["--workers", str(workers)]
        env = scratch.environment(course)
        env[T0_ENV] = repr(time.time())
        run = run_command("profiled make grade", cmd, course, env,
                          base / "logs" / "profile.log", sample=False)  # fmt: skip
        if run.returncode != 0:
            raise RuntimeError(f"the profiled run exited {run.returncode}")
        whatifs: dict[str, list] = {"plain": [], "nbconvert-page": []}
        for r in range(rounds):
            for job in list(whatifs) if r % 2 == 0 else list(whatifs)[::-1]:
                print(
                    f"bench: part 1c, round {r + 1}/{rounds}: make grade, job {job} "
                    f"(load {fmt_load(loadavg())})",
                    file=sys.stderr,
                    flush=True,
                )
                scratch.reset(course)
                cmd = [sys.executable, "-m", "lab3_dev.bench.profile", str(course)]
                cmd += [str(base / f"{job}{r}"), "--workers", str(workers), "--job", job]
                log = base / "logs" / f"{job}{r}.log"
                env = scratch.environment(course)
                env[T0_ENV] = repr(time.time())
                done = run_command(job, cmd, course, env, log)
                whatifs[job].append(_collect(done, course))
        sec = section(out, run, example.name, origin, workers, copies, keep)
        _whatif_table(sec, whatifs)
        return sec
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def _whatif_table(sec, whatifs: dict[str, list]) -> None:
    from lab3_dev.bench.grading import _score_check
    from lab3_dev.bench.report import fmt_ratio, fmt_seconds
    from lab3_dev.bench.timing import fmt_load, median, paired_ratio

    plain, nbconvert = whatifs["plain"], whatifs["nbconvert-page"]
    if not plain or not nbconvert:
        return
    ratio = paired_ratio([n.seconds for n in nbconvert], [p.seconds for p in plain])
    table = sec.table(
        "What the feedback exporter saves: `make grade --force` on the same submissions, "
        "unprofiled, with the pipeline's own job and with one whose feedback pages are made "
        "by nbconvert's own HTMLExporter (a second parse of each page, templates compiled "
        "per page), in alternation; the worker processes' CPU sampled as in part 1b.",
        [
            "job",
            "runs",
            "wall time",
            "speed-up of the pipeline's own job",
            "worker processes' CPU",
            "worker CPU per submission",
            "scores",
            "load",
        ],
    )
    cpu: dict[str, float | None] = {}
    copies = len(plain[0].scores) or 1
    for label, runs in (("own", plain), ("nbconvert", nbconvert)):
        cpu[label] = median(r.sampler.cpu("worker") for r in runs if r.sampler)
        table.add(
            "the pipeline's own" if label == "own" else "nbconvert's own feedback exporter",
            len(runs),
            fmt_seconds(median(r.seconds for r in runs)),
            fmt_ratio(ratio) if label == "own" else "1.00x",
            fmt_seconds(cpu[label]),
            fmt_seconds(None if cpu[label] is None else cpu[label] / copies),
            "baseline"
            if label == "own"
            else "; ".join(
                f"exit {r.returncode}" if r.returncode else _score_check(r, p)
                for r, p in zip(runs, plain, strict=False)
            ),
            fmt_load(runs[0].load),
        )
    sec.data["whatif"] = {"ratio": ratio, "cpu": cpu, **whatifs}
    if cpu["own"] and cpu["nbconvert"]:
        saved = cpu["nbconvert"] - cpu["own"]
        sec.notes.append(
            "With the pipeline's feedback exporter the worker processes used "
            f"{fmt_seconds(saved / copies)} less CPU per submission than with nbconvert's "
            f"({saved / cpu['nbconvert']:.0%} of theirs; CPU time changes far less with other "
            "programs' load than wall time)."
        )


def section(out: Path, run, example: str, origin: str, workers: int, copies: int, keep=False):
    """Part 1c's section from the profiled run's files in ``out``."""
    from lab3_dev.bench.report import Goal, Section, fmt_seconds
    from lab3_dev.bench.timing import fmt_load, median

    driver = json.loads((out / "driver.json").read_text())
    jobs = {
        p.stem.removeprefix("worker-"): json.loads(p.read_text()) for p in out.glob("worker-*.json")
    }
    per_job = {s: worker_phases(pstats.Stats(str(out / f"worker-{s}.prof"))) for s in jobs}
    if keep:
        merged = pstats.Stats(*(str(p) for p in sorted(out.glob("worker-*.prof"))))
        with open(out / "workers-top.txt", "w") as fh:
            merged.stream = fh
            merged.sort_stats("cumulative").print_stats(60)

    sec = Section(
        "1c. Where a worker's time goes",
        f"One `make grade --force` ({workers} workers, sandboxed) on {copies} copies of the "
        f"correct example `{example}` ({origin}), through `python -m "
        "lab3_dev.bench.profile`: the same driver, each submission's job under cProfile "
        "in its worker, the driver's steps timed. cProfile slows the Python side (the "
        "kernel's, waited for, is not): shares matter more than seconds; part 1b has the "
        f"unprofiled times. Load at start {fmt_load(run.load)}; wall time "
        f"{fmt_seconds(run.seconds)}.",
    )
    names = [p for p, _ in PHASES] + [OTHER]
    totals = [v["job total"] for v in per_job.values()]
    table = sec.table(
        f"Inside a worker, per submission (median over the {len(per_job)} submissions; "
        "'all' = the sum over them; 'share' = of the jobs' summed time; 'share of its own' = "
        "of the worker's own part, the job less the kernel's start, shutdown and cells):",
        ["phase", "median per submission", "all submissions", "share", "share of its own"],
    )
    grand = sum(totals) or 1.0
    kernel_side = {PHASES[1][0], PHASES[2][0]}
    own = grand - sum(v[p] for v in per_job.values() for p in kernel_side) or 1.0
    shares = {}
    for name in names:
        values = [v[name] for v in per_job.values()]
        shares[name] = None if name in kernel_side else sum(values) / own
        table.add(name, fmt_seconds(median(values)), fmt_seconds(sum(values)),
                  f"{sum(values) / grand:.0%}",
                  "-" if shares[name] is None else f"{shares[name]:.0%}")  # fmt: skip
    walls = [j["wall"] for j in jobs.values()]
    cpus = [j["cpu"] for j in jobs.values()]
    table.add(
        "job total (wall)", fmt_seconds(median(totals)), fmt_seconds(sum(totals)), "100%", "-"
    )
    for name, _ in SPREAD:
        values = [v[name] for v in per_job.values()]
        table.add(f"spread over the phases above: {name}", fmt_seconds(median(values)),
                  fmt_seconds(sum(values)), f"{sum(values) / grand:.0%}", "-")  # fmt: skip
    table.add(
        "the worker process's own CPU in the job (not its kernel's)",
        fmt_seconds(median(cpus)),
        fmt_seconds(sum(cpus)),
        f"{sum(cpus) / (sum(walls) or 1):.0%} of the jobs' wall",
        "-",
    )
    top = sorted(((v, k) for k, v in shares.items() if v is not None), reverse=True)[:4]
    sec.notes.append(
        "The worker's own part, largest first: "
        + "; ".join(f"{k.split(' (')[0]} {v:.0%}" for v, k in top)
        + " (shares under cProfile, which slows Python code more than C code)."
    )
    sec.notes.extend(WHAT_CAN_BE_DONE)
    steps: dict[str, list[tuple[float, float]]] = {}
    for name, start, end in driver["steps"]:
        steps.setdefault(name, []).append((start, end))
    dt = sec.table(
        "The driver (`make grade`'s own process), seconds since it started; the cluster "
        "starts in a background thread from the digests on, beside the release check and the "
        "course bundle:",
        ["step", "calls", "from", "to", "seconds (sum)"],
    )
    entered = fmt_seconds(driver["entered"])
    dt.add("start-up: Python, imports, course config, submissions found", 1, "0", entered, entered)
    for name, spans in sorted(steps.items(), key=lambda kv: kv[1][0][0]):
        dt.add(
            name,
            len(spans),
            fmt_seconds(min(s for s, _ in spans)),
            fmt_seconds(max(e for _, e in spans)),
            fmt_seconds(sum(e - s for s, e in spans)),
        )
    dt.add("exit (after the summary)", 1, fmt_seconds(driver["done"]), fmt_seconds(run.seconds),
           fmt_seconds(run.seconds - driver["done"]))  # fmt: skip
    sec.data.update(driver=driver, jobs=jobs, phases=per_job, run=run)
    sec.goals.append(
        Goal(
            "1c. where a worker's time goes on correct submissions",
            f"{len(per_job)} submissions profiled",
            "reported",
            bool(per_job) or None,
        )
    )
    return sec


if __name__ == "__main__":
    sys.exit(main())
