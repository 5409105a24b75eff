"""The run behind ``make grade``: autograde ``submitted/`` in parallel, then feedback,
``reports/grades.csv``, the class table and the class report
(:mod:`kmeans_em_lab.commands.grade` reads the command line).

Grading runs on Dask (:mod:`.cluster`): a LocalCluster of worker processes by
default, or an existing Dask scheduler (``--scheduler`` or
``LAB3_DASK_SCHEDULER``). This process is the driver and the only writer of the
gradebook, ``autograded/``, ``feedback/`` and ``reports/``.

Exit status: 0 when every submission was graded (a submission with nothing
gradable in it counts: it gets 0 and a flag), 1 when some could not be graded
after a retry (they get 0 and are listed), 2 when the course itself cannot be
graded (no config, no source notebook, release failed, unknown student).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from kmeans_em_lab.course.secret import course_secret
from kmeans_em_lab.pipeline.driver import timeline as phases
from kmeans_em_lab.pipeline.driver.timeline import Timeline
from kmeans_em_lab.pipeline.shared.untrusted_text import for_log, for_terminal

if TYPE_CHECKING:  # imported where used: nbgrader's gradebook is slow to import
    from kmeans_em_lab.pipeline.driver.cluster import Backend
    from kmeans_em_lab.pipeline.shared.scores import GradebookRef

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_SETUP, EXIT_INTERRUPTED = 0, 1, 2, 130


def _say(text: str = "") -> None:
    print(text, flush=True)


def grade(settings, backend: Backend | None = None, timeline: Timeline | None = None) -> int:
    """Grade ``settings``' class (:class:`.settings.Settings`): the run behind
    ``make grade``; its exit status (module docstring). ``backend``: what grades the
    submissions (:class:`.cluster.Backend`, Dask's by default); ``timeline``: marked with
    the run's phases as they happen (:mod:`.timeline`)."""
    from kmeans_em_lab.pipeline.driver import intake
    from kmeans_em_lab.pipeline.driver.cluster import Backend
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config

    if settings.sandbox and not settings.scheduler:
        from kmeans_em_lab.pipeline.worker.sandbox import check_sandbox

        problem = check_sandbox()
        if problem:
            print(f"grade: the sandbox cannot start. {problem}", file=sys.stderr)
            return EXIT_SETUP
    # the hidden checks read this course's data/ (set once the run is known to go ahead)
    os.environ["LAB3_COURSE_ROOT"] = str(settings.root)
    try:
        config = load_course_config(settings.root)
        rejected: list[str] = []
        students = intake.discover(
            settings.submitted, settings.assignment, settings.students, rejected
        )
    except (FileNotFoundError, KeyError) as err:
        print(f"grade: {for_terminal(str(err).strip(chr(39)))}", file=sys.stderr)
        return EXIT_SETUP
    for folder in rejected:  # escaped by intake; the rest of the class is graded
        print(f"grade: not graded: submitted/{folder}", file=sys.stderr)
    status = _grade(settings, config, students, backend or Backend(), timeline or Timeline())
    return EXIT_FAILED if rejected and status == EXIT_OK else status


def _grade(settings, config, students: list[str], backend: Backend, timeline: Timeline) -> int:
    from sqlalchemy.engine import make_url

    from kmeans_em_lab.pipeline.driver.cluster import SetupError as ClusterSetupError
    from kmeans_em_lab.pipeline.driver.prepare import SetupError, prepare
    from kmeans_em_lab.pipeline.shared import scores
    from kmeans_em_lab.pipeline.shared.course_config import gradebook_of

    book = gradebook_of(config, settings.assignment)
    course_secret(settings.root)  # made on first use: stamps carry its fingerprint
    changed, unchanged = _changed_on_disk(settings, students)
    # unchanged on disk but missing from the gradebook (e.g. a new database): graded again
    known = scores.submitted_students(book) if unchanged else set()
    missing = {s for s in unchanged if s not in known}
    to_grade = [s for s in students if s in missing or s not in unchanged]
    outcomes = {s: stamp for s, stamp in unchanged.items() if s not in missing}
    log.info(
        "course %s, gradebook %s: %d to grade (%d changed or new, %d missing from the "
        "gradebook), %d unchanged",
        settings.root,
        make_url(book.url).render_as_string(hide_password=True),
        len(to_grade),
        len(to_grade) - len(missing),
        len(missing),
        len(outcomes),
    )
    # The cluster starts meanwhile (its workers import nbgrader while the release is
    # checked and the submissions are read).
    cluster = backend.cluster(settings, len(to_grade)) if to_grade else None
    closing: threading.Thread | None = None
    graded = False
    try:
        try:
            layout, done = prepare(settings, config, students)
        except (FileNotFoundError, SetupError) as err:
            print(f"grade: {err}", file=sys.stderr)
            return EXIT_SETUP
        _say(
            f"{settings.assignment}: {len(students)} submission(s) under {settings.submitted}; "
            f"{done}"
        )
        if outcomes:
            _say(f"{len(outcomes)} unchanged since last graded: kept (--force regrades them)")
        results: dict[str, dict] = {}
        if to_grade:
            try:
                results = _run(settings, config, book, to_grade, cluster, backend, timeline)
            except (ClusterSetupError, SetupError) as err:
                print(f"grade: {err}", file=sys.stderr)
                return EXIT_SETUP
            except KeyboardInterrupt:
                print("grade: interrupted; workers and kernels stopped", file=sys.stderr)
                return EXIT_INTERRUPTED
            outcomes.update(results)
        graded = True
    finally:
        if cluster is not None and graded:
            # the workers and their kernels stop while the report is written (joined below)
            closing = threading.Thread(target=cluster.close, name="lab3-cluster-close")
            closing.start()
        elif cluster is not None:
            cluster.close()
    try:
        with timeline.phase(phases.REPORT):
            return _report(settings, book, layout, outcomes, results, timeline)
    finally:
        if closing is not None:
            closing.join()


def _report(
    settings, book: GradebookRef, layout, outcomes: dict, results: dict, timeline: Timeline
) -> int:
    """Feedback check, grades CSV, class report (PNG and page), the terminal's table and
    summary; returns the exit status."""
    from kmeans_em_lab.pipeline.driver import stamps
    from kmeans_em_lab.pipeline.reports.class_page import write_html
    from kmeans_em_lab.pipeline.reports.export import write_csv
    from kmeans_em_lab.pipeline.reports.report import causes_section, terminal_table, write_png
    from kmeans_em_lab.pipeline.shared import scores
    from kmeans_em_lab.pipeline.shared.causes import read_class

    # -- feedback, CSV, report ------------------------------------------------------
    _ensure_feedback(settings, [s for s, o in outcomes.items() if o["status"] == "graded"])
    table = scores.class_scores(book)
    for student in table:
        if student not in outcomes:
            stamp = stamps.read(settings.root, settings.assignment, student)
            if stamp:
                outcomes[student] = stamp

    def autograded(student: str) -> Path:
        return settings.autograded_dir(student) / settings.notebook

    found = read_class(autograded, table, layout, outcomes)  # why points were lost
    csv_path = write_csv(
        settings.reports / "grades.csv",
        book=book,
        table=table,
        layout=layout,
        outcomes=outcomes,
        causes=found,
    )
    unsandboxed = sorted(s for s, o in outcomes.items() if o.get("sandbox") is False)
    title = f"{settings.assignment}: class report" + (
        f" ({len(unsandboxed)} graded WITHOUT the sandbox)" if unsandboxed else ""
    )
    png_path = write_png(settings.reports / "class_report.png", table, layout, title, found)
    html_path = write_html(settings, table, layout, outcomes, found, title)
    # after the class page, which is there whatever the similarity report's process does,
    # and then again, to link to the report
    graded = [s for s, o in outcomes.items() if o.get("status") == "graded"]
    with timeline.phase(phases.SIMILARITY):
        similar = _similarity(settings, graded)
    if similar:
        html_path = write_html(settings, table, layout, outcomes, found, title)
    _say()
    _say(terminal_table(table, layout, outcomes))
    _say()
    if section := causes_section(layout, found):
        _say(section)
        _say()
    if unsandboxed:
        _say(
            f"WARNING: {len(unsandboxed)} submission(s) ran without the sandbox (--no-sandbox), "
            "with the grader's own rights: their grades hold only if their code is trusted"
        )
        _say()
    return _summary(settings, outcomes, results, csv_path, png_path, html_path)


def _similarity(settings, graded: list[str]) -> Path | None:
    """``reports/similarity.html`` for the graded students (``make similarity``, in a
    process of its own) when the setting is on and there are enough of them; the page's
    path, or None.

    Its evidence is the submissions' own code, parsed and normalised: whatever that
    does (an error, a crash, a loop, memory) stays in its process, which has
    :data:`.settings.SIMILARITY_SECONDS` and :data:`.settings.SIMILARITY_MEMORY`; a
    failure is said in one fixed line (nothing of what it printed, which may quote a
    submission) and leaves the grades and the exit status as they are."""
    import re
    import resource
    import subprocess

    from kmeans_em_lab.pipeline.driver.settings import SIMILARITY_MEMORY, SIMILARITY_SECONDS

    if not settings.similarity or len(graded) < settings.similarity_min_students:
        return None
    page = settings.reports / "similarity.html"
    command = [sys.executable, "-m", "kmeans_em_lab", "similarity"]
    command += ["--course-root", str(settings.root), "--student", *sorted(graded)]

    def limits() -> None:  # never above a limit the driver itself runs under
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = SIMILARITY_MEMORY if hard == resource.RLIM_INFINITY else min(SIMILARITY_MEMORY, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=SIMILARITY_SECONDS,
            preexec_fn=limits,  # noqa: PLW1509 - before exec, nothing else runs
            check=False,
        )
        why = None if done.returncode == 0 else f"exit status {done.returncode}"
    except subprocess.TimeoutExpired:
        done, why = None, f"over its {SIMILARITY_SECONDS} s"
    except (OSError, subprocess.SubprocessError) as err:  # e.g. its limits could not be set
        done, why = None, for_terminal(type(err).__name__)
    if why is not None or not page.is_file():
        log.warning("similarity report not written: %s", why or "no page")
        _say(f"similarity: the report could not be made ({why or 'no page'}); grades unaffected")
        return None
    counts = re.search(rb"(\d+) graded student\(s\) compared, (\d+) pair", done.stdout)
    compared, worth = counts.groups() if counts else (b"?", b"?")
    _say(
        f"similarity: {compared.decode()} graded students compared, {worth.decode()} pair(s) "
        f"worth a look: {page}"
    )
    return page


def _run(
    settings,
    config,
    book: GradebookRef,
    to_grade: list[str],
    cluster,
    backend: Backend,
    timeline: Timeline,
) -> dict[str, dict]:
    """Grade ``to_grade`` on the cluster; student -> final result (already saved)."""
    from kmeans_em_lab.pipeline.driver import course_bundle, intake, stamps, store
    from kmeans_em_lab.pipeline.driver.cluster import Events
    from kmeans_em_lab.pipeline.driver.progress import Progress
    from kmeans_em_lab.pipeline.driver.settings import notebook_budget, submission_deadline
    from kmeans_em_lab.pipeline.reports.report import preload_matplotlib
    from kmeans_em_lab.pipeline.shared.jobs import (
        FAILED,
        GRADED,
        ZERO,
        GradingResult,
        TaskOptions,
    )

    bundle = course_bundle.build(settings)
    # the cluster is up (or the run stops here) before any score is touched
    client = cluster.client()
    digest = bundle.digest
    with timeline.phase(phases.CLEAR):
        store.clear(settings, book, to_grade)
    progress = Progress(len(to_grade))

    def saved(outcome: dict) -> None:
        progress.finished(outcome)
        timeline.saved()

    # the one writer: results are saved in its thread as they arrive; the progress line
    # counts a graded submission once its stamp is written
    writer = store.Writer(settings, book, digest, saved=saved)
    # the hidden tests' inputs are drawn here: the secret never reaches a worker
    secret = b"" if settings.fixed_inputs else course_secret(settings.root)
    limits = intake.SubmissionLimits(config=config)  # the course's nbgrader_config.py
    written = course_bundle.written_beside_submission(settings)
    flags: dict[str, list[str]] = {}

    def submissions():
        """Each gradable submission's files, read when the dispatcher sends it (not all
        at once); a submission with nothing gradable is saved as a zero meanwhile."""
        for student in to_grade:
            folder = settings.submitted / student / settings.assignment
            try:
                sub = intake.inspect(student, folder, settings.notebook, limits)
                files = None
                if not sub.problem:
                    files = store.submission_files(sub, settings.notebook, secret, written)
            except Exception as err:  # noqa: BLE001 - one submission never stops the batch
                log.error(  # escaped: what it raised may quote the submission
                    "Reading %s's submission failed:\n%s",
                    for_log(student),
                    for_log(traceback.format_exc()),
                )
                why = f"the grader could not read the submission ({type(err).__name__})"
                writer.put(
                    GradingResult.not_graded(
                        student, FAILED, f"{why}: not graded", flags=[why],
                        sandbox=settings.sandbox, seconds=0.0,
                    )
                )  # fmt: skip
                continue
            if sub.problem:
                writer.put(
                    GradingResult.not_graded(
                        student,
                        ZERO,
                        sub.problem,
                        flags=[sub.problem, *sub.flags],
                        sandbox=settings.sandbox,
                        submission=stamps.folder_digest(sub.folder),
                        seconds=0.0,
                    )
                )
                continue
            flags[student] = sub.flags
            yield files

    failed_logs: dict[str, str] = {}

    def save(result: GradingResult) -> dict:
        if result.status != GRADED:  # given up on: marked failed once the writer is done
            failed_logs[result.student] = result.log
            return result.outcome()
        result.flags = flags.pop(result.student, []) + result.flags
        writer.put(result)
        cells = result.cells  # the worker's total, until the gradebook's is read back
        return result.outcome(*((cells.auto_score, cells.max_score) if cells else ()))

    def finished(result: dict) -> None:
        if result["status"] != "graded":  # a graded one is counted once saved
            progress.finished(result)

    options = TaskOptions(
        sandbox=settings.sandbox,
        deadline=submission_deadline(config, settings),
        grace=settings.grace,
        budget=notebook_budget(config, settings),
        probes=settings.similarity,
    )
    _say(
        f"grading {len(to_grade)} submission(s) on {cluster.describe()} "
        f"(watchdog {options.deadline:.0f} s per submission)"
    )
    preload_matplotlib()  # the driver waits on the cluster meanwhile
    events = Events(
        started=progress.started,
        finished=finished,
        retrying=progress.retrying,
        tick=progress.tick,
    )
    timeline.mark(phases.DISPATCH)
    try:
        dispatcher = backend.dispatcher(client, bundle, settings, options, events)
        results = dispatcher.run(submissions(), save)
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            progress.close()
        with contextlib.suppress(Exception):
            writer.close()  # what had arrived is saved (and stamped)
        raise
    writer.close()
    timeline.mark(phases.SAVED)
    results.update(writer.outcomes)
    for student, result in results.items():
        if result["status"] == "failed":
            store.mark_failed(settings, book, student)
            result["flags"] = [f"not graded: {result['message']}"] + flags.get(student, [])
            store.write_log(settings, student, failed_logs.pop(student, ""))
    progress.close()
    return results


def _changed_on_disk(settings, students: list[str]) -> tuple[list[str], dict]:
    """(students whose submission or course changed since last graded, or never graded;
    {student: stamp} of the others). ``--force`` counts every student as changed."""
    from kmeans_em_lab.pipeline.driver import stamps

    course_digest = stamps.course_digest(
        settings.root, settings.assignment, drawn=not settings.fixed_inputs
    )
    changed, unchanged = [], {}
    for student in students:
        stamp = stamps.read(settings.root, settings.assignment, student)
        digest = stamps.folder_digest(settings.submitted / student / settings.assignment)
        current = (
            not settings.force
            and stamps.is_current(stamp, digest, course_digest)
            and (
                stamp["status"] == "zero"
                or (settings.autograded_dir(student) / settings.notebook).exists()
            )
        )
        if current:
            unchanged[student] = stamp
        else:
            changed.append(student)
    return changed, unchanged


def _ensure_feedback(settings, students: list[str]) -> None:
    """Feedback for graded students who have none (e.g. deleted since): made here."""
    from kmeans_em_lab.pipeline.driver.store import regenerate_feedback

    missing = [
        s
        for s in students
        if not (settings.feedback_dir(s) / f"{settings.notebook_id}.html").exists()
    ]
    for student in regenerate_feedback(settings, missing) if missing else []:
        print(f"grade: no feedback for {for_terminal(student)}", file=sys.stderr)


def _summary(
    settings, outcomes: dict, results: dict, csv_path: Path, png_path: Path, html_path: Path
) -> int:
    flagged = {
        s: o for s, o in sorted(outcomes.items()) if o.get("flags") or o["status"] != "graded"
    }
    failed = sorted(s for s, o in results.items() if o["status"] == "failed")
    if flagged:
        _say("to look at:")
        for student, outcome in flagged.items():
            reasons = outcome.get("flags") or [outcome.get("message", "")]
            said = f"{student} [{outcome['status']}]: " + "; ".join(r for r in reasons if r)
            _say(f"  {for_terminal(said)}")
        _say()
    _say(f"grades:   {csv_path}")
    _say(f"report:   {html_path} (the figure alone: {png_path.name})")
    _say(f"feedback: {settings.root / 'feedback'}")
    _say(f"logs:     {settings.logs}")
    if failed:
        print(
            f"grade: {len(failed)} submission(s) could not be graded (0 recorded, see above): "
            + for_terminal(", ".join(failed)),
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK
