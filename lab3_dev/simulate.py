"""The grading driver at class size: N synthetic worker results, no kernels.

``python -m lab3_dev.simulate [--quick] [--sizes 200,2000,10000] [--databases
sqlite,postgresql]`` (also part 6 of ``make bench``) feeds ``make grade``'s own
driver (:func:`kmeans_em_lab.pipeline.driver.run.grade`, as ``make grade --force`` calls
it: intake, clearing, the writer, the gradebook, stamps, files, the CSV, the
terminal table and the class report) N results through a stand-in for the
cluster, and measures:

- results per second: N over the time from the first result handed to the
  driver to the last one saved (stamp written), and the sustained rate
  between the 10th and the 90th percentile of the saves;
- the time to the class report: feedback check, ``reports/grades.csv``, the
  class figure and page, the terminal table;
- the driver's peak memory: its resident set sampled every 50 ms, over the
  whole run and while results were being saved.

**The results** are real ones: a few submissions (the example students'
corpus cases and some of the corpus's buggy ones: varied scores, flags and
causes) are graded once by the workers' own code (:mod:`.grader`, in a
private course, its kernels unsandboxed), and cached under
``.artifacts/simulate/``. Student ``s00042`` submits the notebook of template
``42 mod T`` and gets that template's result with its own copy of the
autograded notebook and feedback page (marked with the student's id), its own
timestamp, and every ninth student one flag more. The stand-in hands them over
as fast as the driver takes them: what is measured is the driver alone.

**Not every student is graded** (:data:`SPECIAL`, a few in every hundred): one
submission's grading fails with a hostile message (ANSI escapes, a
``=HYPERLINK(`` formula, HTML: :data:`HOSTILE`), one is rejected at intake (no
notebook: a zero), one comes back with a hostile flag, and one is flagged at
intake (a renamed notebook with a hostile file name). Each run checks that the
CSV, the terminal's table and summary, and the class page give every student
the right status and score, and carry those words escaped (:func:`check`).

**The databases:** SQLite (the course's ``gradebook.db``) and PostgreSQL (a
throw-away server: ``initdb`` and ``pg_ctl`` on a unix socket in a temporary
folder, as the tests start it; skipped when not installed).

Each (N, database) runs in a process of its own (the memory is that run's),
in a scratch course removed afterwards; the scores in its ``grades.csv`` are
checked against the templates' totals. The driver is reached through its public
entry point alone: :func:`~kmeans_em_lab.pipeline.driver.run.grade` with a
:class:`~kmeans_em_lab.pipeline.driver.cluster.Backend` of stand-ins, and the phases
read from the :class:`~kmeans_em_lab.pipeline.driver.timeline.Timeline` it marks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC
from pathlib import Path

from kmeans_em_lab.pipeline.driver import timeline as phases
from kmeans_em_lab.pipeline.shared.jobs import FAILED, GRADED, GradingResult
from lab3_dev.postgres import Postgres

SIZES = (200, 2000, 10000)
QUICK_SIZES = (200, 2000)
DATABASES = ("sqlite", "postgresql")
FLAG_EVERY = 9  # every ninth student gets one flag more than its template
# students who are not simply graded: index mod SPECIAL_EVERY -> what happens to them
SPECIAL_EVERY = 100
SPECIAL = {13: "failed", 37: "missing", 61: "hostile flag", 85: "renamed"}
# the submission's words, hostile to each sink: a spreadsheet formula, terminal escapes
# (clear the screen, a red fake score), HTML
HOSTILE_ANSI = "\x1b[2J\x1b[31m100/100\x1b[0m"
HOSTILE = f'=HYPERLINK("http://example.invalid/?x","open") {HOSTILE_ANSI} <script>alert(1)</script>'
HOSTILE_NOTEBOOK = "=cmd|calc \x1b[31m<img src=x onerror=alert(1)>.ipynb"  # a renamed notebook
SAMPLE = 0.05  # seconds between samples of the driver's resident set
# template -> corpus case (corpus/validity/cases/<case>.py): varied scores and causes
TEMPLATES = {
    "correct": "vectorised",
    "partial": "partial_kmeans_only",
    "blank": "blank_release",
    "labels": "bug_set_returns_labels",
    "variance": "bug_em_variance_not_std",
    "mutates": "bug_mutates_input",
    "nan": "bug_update_nan_empty",
    "exception": "fault_exception",
}
GOAL_RATE = 50.0  # results per second, at every N, on both databases
GOAL_REPORT = 30.0  # seconds to the class report for the largest class
GOAL_MEMORY = 1.20  # peak memory at the largest N / at 2,000, at most

BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAB3_", "DASK_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", MPLBACKEND="Agg")
    env.update(extra)
    return env


def _scratch_course(root: Path) -> Path:
    """A course with the repository's source, release, data and configuration."""
    from kmeans_em_lab.course import paths

    course = paths.course_root()
    root.mkdir(parents=True)
    for folder in ("source", "release", "data"):
        shutil.copytree(course / folder, root / folder)
    shutil.copy(course / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


# -- the templates: a few real gradings, once -------------------------------------------------


TEMPLATES_FORMAT = "r2"  # the pickled results' form: GradingResult (a new form, a new file)


def templates_path() -> Path:
    """The cache of templates for the course as it is (a changed course: graded again)."""
    from kmeans_em_lab.course import paths
    from kmeans_em_lab.pipeline.driver import stamps

    root = paths.course_root()
    digest = stamps.course_digest(root, paths.ASSIGNMENT, drawn=False)
    return root / ".artifacts" / "simulate" / f"templates-{TEMPLATES_FORMAT}-{digest[:16]}.pickle"


def make_templates(out: Path) -> None:
    """Grade each case of :data:`TEMPLATES` with the workers' code; pickle the results
    (with each case's submitted notebook) to ``out``."""
    from kmeans_em_lab.course import examples, paths, submissions
    from kmeans_em_lab.pipeline.driver import course_bundle, intake, store
    from kmeans_em_lab.pipeline.driver.settings import Settings
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config
    from kmeans_em_lab.pipeline.shared.jobs import TaskOptions
    from kmeans_em_lab.pipeline.worker import grader

    with tempfile.TemporaryDirectory(prefix="lab3-sim-t-") as tmp:
        root = _scratch_course(Path(tmp) / "course")
        release = submissions.release_notebook(root)
        solutions = submissions.source_solutions(root / "source" / "lab3" / "lab3.ipynb")
        for name, case in TEMPLATES.items():
            loaded = submissions.load_case(
                examples.cases_dir(paths.course_root()) / f"{case}.py", solutions
            )
            submissions.write_submission(
                loaded.edits, root / "submitted" / name / "lab3", release=release
            )
        settings = Settings(root=root, workers=1, fixed_inputs=True, sandbox=False)
        os.environ["LAB3_COURSE_ROOT"] = str(root)
        bundle = course_bundle.build(settings)
        limits = intake.SubmissionLimits(config=load_course_config(root))
        options = TaskOptions(sandbox=False, deadline=600.0)
        made = []
        for name in TEMPLATES:
            folder = root / "submitted" / name / "lab3"
            sub = intake.inspect(name, folder, settings.notebook, limits)
            files = store.submission_files(sub, settings.notebook)
            result = grader.grade_submission(bundle, files, options)
            if result.status != GRADED:
                raise RuntimeError(f"template {name} not graded: {result.message}")
            total = result.cells.auto_score
            print(f"template {name}: {total:g}/{result.cells.max_score:g}", file=sys.stderr)
            made.append({"name": name, "submitted": files.files, "result": result})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pickle.dumps(made))


def templates() -> list[dict]:
    path = templates_path()
    if not path.is_file():
        subprocess.run(
            [sys.executable, "-m", "lab3_dev.simulate", "templates", str(path)],
            check=True,
            env=_env(),
        )
    return pickle.loads(path.read_bytes())


def student_id(index: int) -> str:
    return f"s{index:05d}"


def kind(index: int) -> str:
    """What happens to student ``index``: ``graded`` or one of :data:`SPECIAL`."""
    return SPECIAL.get(index % SPECIAL_EVERY, "graded")


def write_class(root: Path, made: list[dict], n: int) -> None:
    """``submitted/<student>/lab3/`` for ``n`` students, each with its template's files
    (the data files hard-linked: the same bytes to read, no extra disk); a ``missing``
    student has no notebook, a ``renamed`` one has it under :data:`HOSTILE_NOTEBOOK`."""
    first: dict[str, Path] = {}
    for index in range(n):
        template = made[index % len(made)]
        folder = root / "submitted" / student_id(index) / "lab3"
        for rel, data in template["submitted"].items():
            if rel.endswith(".ipynb") and kind(index) == "missing":
                continue
            if rel.endswith(".ipynb") and kind(index) == "renamed":
                rel = HOSTILE_NOTEBOOK
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            key = f"{template['name']}/{rel}"
            if rel.endswith(".ipynb") or key not in first:
                path.write_bytes(data)
                first.setdefault(key, path)
            else:
                os.link(first[key], path)


# -- one run: the real driver, a stand-in for the cluster --------------------------------------


def _marked(data: bytes, student: str, marker: bytes) -> bytes:
    """A copy of ``data`` with the student's id after ``marker`` (its own bytes)."""
    at = data.rfind(marker)
    if at < 0:
        return bytes(bytearray(data))
    at += len(marker)
    return data[:at] + f"<!-- {student} -->".encode() + data[at:]


def _notebook_copy(data: bytes, student: str) -> bytes:
    at = data.rfind(b'"metadata": {')
    if at < 0:
        return bytes(bytearray(data))
    at += len(b'"metadata": {')
    return data[:at] + f'\n  "lab3_simulation": "{student}",'.encode() + data[at:]


def failure(student: str) -> GradingResult:
    """A submission whose grading failed, as the dispatcher reports it, with a hostile
    message (the words of the submission's own output)."""
    return GradingResult.not_graded(student, FAILED, f"the kernel died: {HOSTILE}", attempts=2)


def synthetic(made: list[dict], files, index: int) -> GradingResult:
    """Student ``index``'s result, as a worker would send it back."""
    from datetime import datetime, timedelta

    template = made[index % len(made)]["result"]
    student = files.student
    flags = list(template.flags) + (
        ["simulated: a flag for the instructor"] if index % FLAG_EVERY == FLAG_EVERY - 1 else []
    )
    if kind(index) == "hostile flag":  # first, so that the CSV cell starts with it
        flags.insert(0, HOSTILE)
    stamp = datetime(2025, 3, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=index)
    return dataclasses.replace(
        template,
        student=student,
        flags=flags,
        timestamp=stamp.isoformat(),
        autograded={
            rel: _notebook_copy(data, student) if rel.endswith(".ipynb") else data
            for rel, data in template.autograded.items()
        },
        feedback={
            rel: _marked(data, student, b"<body>") for rel, data in template.feedback.items()
        },
        attempts=1,
        submission=files.digest,
        sandbox=True,
    )


class Memory:
    """The resident set of this process, sampled: its peak, and its peak while results
    are being saved (from the first handed to the cluster to the last saved)."""

    def __init__(self, timeline):
        import psutil

        self.peak = 0
        self.peak_saving = 0
        self._timeline = timeline
        self._proc = psutil.Process()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE):
            rss = self._proc.memory_info().rss
            self.peak = max(self.peak, rss)
            marks = self._timeline.marks
            if phases.DISPATCH in marks and phases.SAVED not in marks:
                self.peak_saving = max(self.peak_saving, rss)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


class StandInCluster:
    """:class:`.cluster.Background`'s interface, with no cluster behind it."""

    def __init__(self, settings, submissions):
        self.workers = 0

    def client(self):
        return None

    def describe(self) -> str:
        return "a stand-in for the cluster (synthetic results, no kernels)"

    def close(self) -> None:
        pass


def stand_in_dispatcher(made: list[dict]):
    """A :class:`.cluster.Dispatcher` stand-in: each submission's synthetic result handed
    to ``save`` as it is taken, the events as the real one sends them."""

    class StandInDispatcher:
        def __init__(self, client, bundle, settings, options, events):
            self.events = events

        def run(self, submissions, save):
            results = {}
            for files in submissions:
                self.events.started(files.student)
                index = int(files.student[1:])
                if kind(index) == "failed":  # not saved: the driver marks it after the run
                    kept = save(failure(files.student))
                else:
                    kept = save(synthetic(made, files, index))
                results[files.student] = kept
                self.events.finished(kept)
                self.events.tick()
            return results

    return StandInDispatcher


def run_one(course: Path, made: list[dict], out: Path) -> None:
    """``make grade --force`` on ``course``, its results from the stand-ins for the
    cluster; the driver's timeline and memory to ``out`` (JSON)."""
    timeline = phases.Timeline()
    # sampled from before the driver is imported: its peak counts what `make grade`'s
    # process holds from its start (nbgrader, SQLAlchemy, the driver), not only the run
    memory = Memory(timeline)
    from kmeans_em_lab.pipeline.driver.settings import Settings
    from kmeans_em_lab.pipeline.worker.config import (
        quiet_known_warnings,
        skip_slow_optional_imports,
    )

    skip_slow_optional_imports()  # as `make grade` does, before anything imports nbgrader
    quiet_known_warnings()
    from kmeans_em_lab.pipeline.driver import run
    from kmeans_em_lab.pipeline.driver.cluster import Backend

    backend = Backend(cluster=StandInCluster, dispatcher=stand_in_dispatcher(made))
    settings = Settings(root=course.resolve(), force=True)  # `make grade --force`
    status = run.grade(settings, backend, timeline)
    timeline.mark("end")
    memory.stop()
    figures = {
        "status": status,
        "marks": timeline.marks,
        "saves": timeline.saves,
        "peak": memory.peak,
        "peak_saving": memory.peak_saving,
        "similarity_seconds": timeline.seconds(phases.SIMILARITY),
        "report_seconds": timeline.seconds(phases.REPORT),
        "clear_seconds": timeline.seconds(phases.CLEAR),
    }
    out.write_text(json.dumps(figures))


# -- the whole simulation ------------------------------------------------------------------


def expected(made: list[dict], index: int) -> tuple[str, float, str]:
    """Student ``index``'s (status, score, words its flags must hold) in every report."""
    score = made[index % len(made)]["result"].cells.auto_score
    return {
        "graded": ("graded", score, ""),
        "failed": ("failed", 0.0, "not graded: the kernel died"),
        "missing": ("zero", 0.0, "no notebook"),
        "hostile flag": ("graded", score, "HYPERLINK"),
        "renamed": ("graded", score, "renamed notebook"),
    }[kind(index)]


def flagged(made: list[dict], index: int) -> bool:
    """Whether graded student ``index`` comes with a flag (the reports say "flagged")."""
    return (
        bool(made[index % len(made)]["result"].flags)
        or index % FLAG_EVERY == FLAG_EVERY - 1
        or kind(index) in ("hostile flag", "renamed")
    )


def _csv_problem(course: Path, made: list[dict], n: int) -> str:
    import csv

    from kmeans_em_lab.pipeline.shared.untrusted_text import FORMULA_START

    with open(course / "reports" / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    if len(rows) != n:
        return f"{len(rows)} rows in grades.csv, {n} students"
    for index in range(n):
        row = rows[student_id(index)]
        status, score, words = expected(made, index)
        if row["status"] != status or float(row["score"]) != score:
            got = f"{row['status']} {row['score']}"
            return f"{student_id(index)}: {got}, expected {status} {score:g}"
        flags = row["flags"]
        if words not in flags or "\x1b" in flags or (flags and flags[0] in FORMULA_START):
            return f"{student_id(index)}: CSV flags {flags[:80]!r} (expected {words!r}, escaped)"
        if kind(index) == "hostile flag" and not flags.startswith("'="):
            return f"{student_id(index)}: CSV flags {flags[:40]!r} not guarded as a formula"
    return ""


TERMINAL_MARKS = {"graded": "", "failed": "FAILED", "zero": "0!"}


def _terminal_problem(log: str, made: list[dict], n: int) -> str:
    """The terminal's table (one line per student: id, points, total, mark) and summary."""
    if HOSTILE_ANSI in log or "<script>" not in log:
        return "the terminal output holds the hostile escapes raw, or lost the message"
    if HOSTILE_ANSI.encode("unicode_escape").decode() not in log:
        return "the terminal output does not show the hostile escapes as escapes"
    lines = {}
    for line in log.splitlines():  # the table comes first, the summary ("to look at") after
        words = line.split()
        if words and words[0] not in lines:
            lines[words[0]] = words
    for index in range(n):
        status, score, _ = expected(made, index)
        words = lines.get(student_id(index))
        if words is None:
            return f"{student_id(index)}: no line in the terminal's table"
        mark = "flagged" if status == "graded" and flagged(made, index) else TERMINAL_MARKS[status]
        total = words[-2] if mark else words[-1]
        if (words[-1] != mark if mark else "/" not in total) or total.split("/")[0] != (
            f"{score:g}"
        ):
            return (
                f"{student_id(index)}: terminal line {' '.join(words)!r}, expected {score:g} {mark}"
            )
    return ""


def _page_problem(course: Path, made: list[dict], n: int) -> str:
    """The class page: every student's row with its total, status and flags, escaped."""
    import re

    page = (course / "reports" / "class_report.html").read_text()
    if "<script>alert" in page or HOSTILE_ANSI in page:
        return "the class page holds the hostile HTML or escapes raw"
    row = re.compile(
        r'<tr id="student-(s\d+)">.*?<td class="num">([\d.]+)/[\d.]+</td>'
        r'<td>([^<]*)<div class="flags">(.*?)</div>'
    )
    rows = {m.group(1): m.groups()[1:] for m in row.finditer(page)}
    for index in range(n):
        status, score, words = expected(made, index)
        found = rows.get(student_id(index))
        if found is None:
            return f"{student_id(index)}: no row on the class page"
        total, mark, flags = found
        want = "flagged" if status == "graded" and flagged(made, index) else status
        want = {"failed": "FAILED", "zero": "0!"}.get(want, want)
        if float(total) != score or mark != want or words not in flags:
            return f"{student_id(index)}: class page {found!r}, expected {status} {score:g}"
        if kind(index) != "graded" and "&lt;" not in flags and status != "zero":
            return f"{student_id(index)}: class page flags not HTML-escaped: {flags[:80]!r}"
    return ""


def check(course: Path, made: list[dict], n: int, log: str, status: int) -> str:
    """'' when the run's reports are right, else the first thing wrong: ``grades.csv``,
    the terminal's table and summary (``log``), the class page give every student the
    status and score of :func:`expected`, the hostile words escaped; exit 1 when some
    grading failed (as ``make grade``), else 0."""
    failed = any(kind(i) == "failed" for i in range(n))
    if status != (1 if failed else 0):
        return f"exit status {status}, expected {1 if failed else 0}"
    return (
        _csv_problem(course, made, n)
        or _terminal_problem(log, made, n)
        or _page_problem(course, made, n)
    )


def simulate(
    n: int, database: str, made: list[dict], postgres: Postgres | None, similarity: bool = True
) -> dict:
    """One run of ``n`` students on ``database``; its figures. ``similarity``: the
    similarity report at the end as ``make grade`` writes it (LAB3_SIMILARITY)."""
    with tempfile.TemporaryDirectory(prefix=f"lab3-sim-{n}-") as tmp:
        course = _scratch_course(Path(tmp) / "course")
        write_class(course, made, n)
        made_file = Path(tmp) / "templates.pickle"  # exactly these templates in the driver
        made_file.write_bytes(pickle.dumps(made))
        env = _env(LAB3_SIMILARITY="1" if similarity else "0")
        name = f"lab3sim{n}"
        if database == "postgresql":
            env["LAB3_DB_URL"] = postgres.database(name)
        out = Path(tmp) / "figures.json"
        driver_log = Path(tmp) / "driver.log"
        load = os.getloadavg()  # other programs share the cores: said beside the figures
        with open(driver_log, "w") as log:
            began = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "lab3_dev.simulate", "run", str(course), str(out),
                 str(made_file)],
                env=env, stdout=log, stderr=subprocess.STDOUT, check=False,
            )  # fmt: skip
            wall = time.monotonic() - began
        text = driver_log.read_text(errors="replace")
        if not out.is_file():
            raise RuntimeError(f"the simulated run failed ({proc.returncode}):\n{text[-3000:]}")
        figures = json.loads(out.read_text())
        problem = check(course, made, n, text, figures["status"])
        figures.update(
            n=n, database=database, wall=wall, check=problem, similarity=similarity, load=load
        )
        if proc.returncode != 0:
            figures["check"] = f"the driver's process exited {proc.returncode}; {problem}"
        if database == "postgresql":
            postgres.drop(name)
    marks, saves = figures["marks"], figures["saves"]
    span = marks[phases.SAVED] - marks[phases.DISPATCH]
    figures["rate"] = n / span if span > 0 else float("inf")
    low = next(s for s in saves if s[1] >= 0.1 * n)
    high = next(s for s in saves if s[1] >= 0.9 * n)
    figures["sustained"] = (high[1] - low[1]) / (high[0] - low[0]) if high[0] > low[0] else None
    # the similarity report (reports/similarity.html), when it ran, apart from the rest
    if not similarity:
        figures["similarity_seconds"] = None
    figures["report_seconds"] -= figures["similarity_seconds"] or 0.0
    figures["start_seconds"] = marks[phases.DISPATCH]
    print(
        f"{database} N={n}: {figures['rate']:.1f} results/s (sustained "
        f"{figures['sustained'] or 0:.1f}), report {figures['report_seconds']:.1f} s, "
        f"peak {figures['peak'] / 2**20:.0f} MiB, check {figures['check'] or 'ok'}",
        file=sys.stderr,
    )
    return figures


def measure(sizes=SIZES, databases=DATABASES, similarity: bool = True) -> list[dict]:
    made = templates()
    postgres = None
    found = []
    try:
        if "postgresql" in databases:
            try:
                postgres = Postgres()
            except (RuntimeError, KeyError, subprocess.CalledProcessError) as err:
                print(f"simulate: PostgreSQL skipped: {err}", file=sys.stderr)
                databases = [d for d in databases if d != "postgresql"]
        for database in databases:
            for n in sizes:
                found.append(simulate(n, database, made, postgres, similarity))
    finally:
        if postgres is not None:
            postgres.stop()
    return found


def _similarity_cell(figures: dict) -> str:
    from lab3_dev.bench.report import fmt_seconds

    if figures.get("similarity") is False:
        return "off"
    seconds = figures.get("similarity_seconds")
    return "not written" if seconds is None else fmt_seconds(seconds)


def section(found: list[dict], quick: bool):
    """Part 6 of ``bench/results.md``."""
    from lab3_dev.bench.report import Goal, Section, fmt_mib, fmt_seconds

    sec = Section(
        "6. The driver at class size (simulation)",
        "`python -m lab3_dev.simulate` (`lab3_dev/simulate.py`): `make grade --force`'s own "
        "driver (intake, clearing the old scores, the writer thread, the gradebook, files, "
        "stamps, grades CSV, terminal table, class report) fed N synthetic results through a "
        "stand-in for the cluster that hands them over as fast as the driver takes them, so "
        "the driver alone is measured. The results are real workers' results of "
        f"{len(TEMPLATES)} corpus cases (graded once, varied scores and causes), each student "
        "with its own copy of the autograded notebook and feedback page, its own timestamp, "
        f"and every {FLAG_EVERY}th one flag more; each submission holds the case's notebook "
        "and the data files. Rate = N / (last result saved - first handed over); sustained = "
        "between the 10th and 90th percentile of the saves; peak memory = the driver's "
        "resident set, sampled every 50 ms. In every hundred students, four are not simply "
        "graded: one's grading fails with a hostile message (ANSI escapes, a `=HYPERLINK(` "
        "formula, HTML), one is rejected at intake (no notebook: 0), one comes back with a "
        "hostile flag and one is flagged at intake (a renamed notebook with a hostile name). "
        "Every run is checked: grades.csv, the terminal's table and summary and the class "
        "page give every student the right status (graded, failed, zero, flagged) and score "
        "(the template's, or 0), the hostile words escaped in each, and the exit status is "
        "1 (some grading failed). The class report's time leaves out the similarity report "
        "(`reports/similarity.html`, written in the same step when there are enough graded "
        "students, unless `LAB3_SIMILARITY=0`), timed on its own ('off': a run without it).",
    )
    table = sec.table(
        "",
        ["database", "students", "results per second", "sustained", "clearing old scores",
         "start to first result", "class report (CSV, table, page)", "similarity report",
         "peak memory", "peak while saving", "wall time", "load at start",
         "statuses, scores, escaping"],
    )  # fmt: skip
    for f in found:
        table.add(
            f["database"], f"{f['n']:,}", f"{f['rate']:.0f}",
            f"{f['sustained']:.0f}" if f["sustained"] else "-",
            fmt_seconds(f["clear_seconds"]), fmt_seconds(f["start_seconds"]),
            fmt_seconds(f["report_seconds"]), _similarity_cell(f),
            fmt_mib(f["peak"]), fmt_mib(f["peak_saving"]),
            fmt_seconds(f["wall"]),
            " / ".join(f"{x:.2f}" for x in f["load"]) if f.get("load") else "-",
            f["check"] or "as expected",
        )  # fmt: skip
    rates = [f["rate"] for f in found]
    sec.goals.append(
        Goal(
            "6. the driver saves results (every N, both databases)",
            f"{min(rates):.0f} results/s (slowest run)",
            f">= {GOAL_RATE:.0f} results/s",
            min(rates) >= GOAL_RATE and all(not f["check"] for f in found),
        )
    )
    largest = max(f["n"] for f in found)
    reports = [f["report_seconds"] for f in found if f["n"] == largest]
    sec.goals.append(
        Goal(
            f"6. class report for {largest:,} students",
            fmt_seconds(max(reports)),
            f"<= {GOAL_REPORT:.0f} s" + (" (for 10,000)" if largest != 10000 else ""),
            max(reports) <= GOAL_REPORT,
        )
    )
    for database in sorted({f["database"] for f in found}):
        runs = [f for f in found if f["database"] == database]
        # the same setting at both sizes: the runs without the similarity report if any
        runs = sorted(runs, key=lambda f: not f.get("similarity", True))
        peaks = {f["n"]: f["peak"] for f in runs}
        if 2000 in peaks and largest > 2000:
            ratio = peaks[largest] / peaks[2000]
            sec.goals.append(
                Goal(
                    f"6. peak memory flat in N ({database}, {largest:,} vs 2,000)",
                    f"{ratio:.2f}x",
                    f"<= {GOAL_MEMORY:.2f}x",
                    ratio <= GOAL_MEMORY,
                )
            )
    if quick:
        sec.notes.append(
            "--quick: N = " + ", ".join(f"{n:,}" for n in QUICK_SIZES) + " only; the "
            "10,000-student runs are `python -m lab3_dev.simulate` without --quick."
        )
    sec.data["runs"] = found
    return sec


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["templates"]:
        make_templates(Path(argv[1]))
        return 0
    if argv[:1] == ["run"]:
        made = pickle.loads(Path(argv[3]).read_bytes()) if len(argv) > 3 else templates()
        run_one(Path(argv[1]), made, Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m lab3_dev.simulate", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N = 200 and 2,000 only")
    parser.add_argument("--sizes", help="class sizes, e.g. 200,2000,10000")
    parser.add_argument("--databases", default=",".join(DATABASES), help="sqlite,postgresql")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--no-similarity",
        action="store_true",
        help="runs without the similarity report (LAB3_SIMILARITY=0); default: as make grade",
    )
    args = parser.parse_args(argv)
    sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else (QUICK_SIZES if args.quick else SIZES)
    )
    databases = [d for d in args.databases.split(",") if d]
    found = measure(sizes, databases, similarity=not args.no_similarity)
    if args.json:
        args.json.write_text(json.dumps(found, indent=1))
    print(section(found, args.quick).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
