"""``python -m kmeans_em_lab grade``: autograde ``submitted/`` in parallel, then feedback,
``reports/grades.csv``, the class table and ``reports/class_report.png``.

Exit status: 0 when every submission was graded (a submission with nothing
gradable in it counts: it gets 0 and a flag), 1 when some could not be graded
after a retry (they get 0 and are listed), 2 when the course itself cannot be
graded (no config, no source notebook, release failed, unknown student).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import paths
from .settings import default_workers

EXIT_OK, EXIT_FAILED, EXIT_SETUP, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"grading processes (default: two per usable core, here {default_workers()})",
    )
    parser.add_argument(
        "--student",
        dest="students",
        nargs="+",
        action="extend",
        metavar="S",
        help="grade only these students (repeatable); the report still covers the class",
    )
    parser.add_argument("--assignment", default=paths.ASSIGNMENT)
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    parser.add_argument(
        "--course-root",
        type=Path,
        default=None,
        help="course folder with nbgrader_config.py (default: this repository)",
    )
    parser.add_argument(
        "--watchdog",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wall-clock limit per submission (default: the notebook's cell limits summed "
        "plus a margin)",
    )
    parser.add_argument(
        "--transport",
        choices=("ipc", "tcp"),
        default="ipc",
        help="kernel sockets: ipc (files, no TCP port to collide; default) or tcp",
    )
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run student code with the grader's own rights, outside bubblewrap (only for "
        "code you trust; the CSV's sandbox column and the report say so)",
    )


def _say(text: str = "") -> None:
    print(text, flush=True)


def main(args: argparse.Namespace) -> int:
    from .settings import skip_slow_optional_imports

    skip_slow_optional_imports()
    from . import intake
    from .pool import Pool
    from .settings import Settings, load_course_config

    root = Path(args.course_root or paths.course_root()).resolve()
    settings = Settings(
        root=root,
        assignment=args.assignment,
        notebook=f"{args.assignment}.ipynb",
        workers=max(1, args.workers or default_workers()),
        students=args.students,
        force=args.force,
        watchdog=args.watchdog,
        transport=args.transport,
        sandbox=args.sandbox,
    )
    if settings.sandbox and settings.transport != "ipc":
        print(
            "grade: --transport tcp needs --no-sandbox (a sandboxed kernel has no network; "
            "it talks to the grader over ipc socket files)",
            file=sys.stderr,
        )
        return EXIT_SETUP
    if settings.sandbox:
        from .sandbox import check_sandbox

        problem = check_sandbox()
        if problem:
            print(f"grade: the sandbox cannot start. {problem}", file=sys.stderr)
            return EXIT_SETUP
    # the hidden checks read this course's data/ (set once the run is known to go ahead)
    os.environ["LAB3_COURSE_ROOT"] = str(root)
    try:
        config = load_course_config(root)
        students = intake.discover(settings.submitted, settings.assignment, settings.students)
    except (FileNotFoundError, KeyError) as err:
        print(f"grade: {str(err).strip(chr(39))}", file=sys.stderr)
        return EXIT_SETUP

    # Workers start before anything else: their start-up (nbgrader's imports, about
    # 2 s) overlaps the parent's own (gradebook, release check). As many as there are
    # submissions changed on disk, which all need grading; the pool starts more if
    # the gradebook adds some (a student missing from it is graded again).
    changed, unchanged = _changed_on_disk(settings, students)
    pool = Pool(settings, settings.workers)
    pool.start(len(changed))  # at most settings.workers
    try:
        return _grade(settings, config, students, unchanged, pool)
    except BaseException:
        pool.kill_all()
        raise


def _grade(settings, config, students: list[str], unchanged: dict, pool) -> int:
    from . import scores, stamps
    from .export import write_csv
    from .pool import PoolEvents
    from .prepare import SetupError, prepare
    from .progress import Progress
    from .report import preload_matplotlib, terminal_table, write_png
    from .settings import course_id, db_url, submission_deadline

    url, course = db_url(config), course_id(config)
    # unchanged on disk but missing from the gradebook (e.g. a new database): graded again
    missing = {
        s for s in unchanged if not scores.has_submission(url, course, settings.assignment, s)
    }
    to_grade = [s for s in students if s in missing or s not in unchanged]
    outcomes = {s: stamp for s, stamp in unchanged.items() if s not in missing}
    progress = None
    if to_grade:
        progress = Progress(len(to_grade))
        pool.events = PoolEvents(
            started=progress.started,
            finished=progress.finished,
            retrying=progress.retrying,
            tick=progress.tick,
        )
        pool.workers = min(settings.workers, len(to_grade))
        pool.deadline = submission_deadline(config, settings)
    try:
        layout, done = prepare(settings, config, students)
    except (FileNotFoundError, SetupError) as err:
        pool.kill_all()
        print(f"grade: {err}", file=sys.stderr)
        return EXIT_SETUP
    _say(f"{settings.assignment}: {len(students)} submission(s) under {settings.submitted}; {done}")
    if outcomes:
        _say(f"{len(outcomes)} unchanged since last graded: kept (--force regrades them)")

    # -- grading ------------------------------------------------------------------
    results: dict[str, dict] = {}
    if to_grade:
        _say(
            f"grading {len(to_grade)} submission(s) with {pool.workers} worker(s) "
            f"(watchdog {pool.deadline:.0f} s per submission)"
        )
        # the parent waits on its workers meanwhile: the report's imports cost nothing
        preload_matplotlib()
        try:
            results = pool.run(to_grade)
        except KeyboardInterrupt:
            progress.close()
            print("grade: interrupted; workers and kernels stopped", file=sys.stderr)
            return EXIT_INTERRUPTED
        progress.close()
        failed = [s for s, r in results.items() if r["status"] == "failed"]
        if failed:
            from . import grader

            for student in failed:
                grader.mark_failed(settings, url, course, student)
                result = results[student]
                result["flags"] = [f"not graded: {result['message']}"] + result.get("flags", [])
        outcomes.update(results)

    # -- feedback, CSV, report ------------------------------------------------------
    _ensure_feedback(settings, config, [s for s, o in outcomes.items() if o["status"] == "graded"])
    table = scores.class_scores(url, course, settings.assignment)
    for student in table:
        if student not in outcomes:
            stamp = stamps.read(settings.root, settings.assignment, student)
            if stamp:
                outcomes[student] = stamp
    csv_path = write_csv(
        settings.reports / "grades.csv",
        url=url,
        course=course,
        assignment=settings.assignment,
        table=table,
        layout=layout,
        outcomes=outcomes,
    )
    unsandboxed = sorted(s for s, o in outcomes.items() if o.get("sandbox") is False)
    png_path = write_png(
        settings.reports / "class_report.png",
        table,
        layout,
        title=f"{settings.assignment}: class report"
        + (f" ({len(unsandboxed)} graded WITHOUT the sandbox)" if unsandboxed else ""),
    )
    _say()
    _say(terminal_table(table, layout, outcomes))
    _say()
    if unsandboxed:
        _say(
            f"WARNING: {len(unsandboxed)} submission(s) ran without the sandbox (--no-sandbox), "
            "with the grader's own rights: their grades hold only if their code is trusted"
        )
        _say()
    status = _summary(settings, outcomes, results, csv_path, png_path)
    pool.close()  # the workers were told to stop when grading ended: they are gone by now
    return status


def _changed_on_disk(settings, students: list[str]) -> tuple[list[str], dict]:
    """(students whose submission or course changed since last graded, or never graded;
    {student: stamp} of the others). ``--force`` counts every student as changed."""
    from . import stamps

    course_digest = stamps.course_digest(settings.root, settings.assignment)
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


def _ensure_feedback(settings, config, students: list[str]) -> None:
    """Feedback for graded students who have none (e.g. deleted since): made here."""
    missing = [
        s
        for s in students
        if not (settings.feedback_dir(s) / f"{settings.notebook_id}.html").exists()
    ]
    if not missing:
        return
    from nbgrader.apps import NbGraderAPI

    from .settings import grading_config

    api = NbGraderAPI(config=grading_config(config, settings))
    for student in missing:
        result = api.generate_feedback(settings.assignment, student, force=True)
        if not result.get("success"):
            print(f"grade: no feedback for {student}", file=sys.stderr)


def _summary(settings, outcomes: dict, results: dict, csv_path: Path, png_path: Path) -> int:
    flagged = {
        s: o for s, o in sorted(outcomes.items()) if o.get("flags") or o["status"] != "graded"
    }
    failed = sorted(s for s, o in results.items() if o["status"] == "failed")
    if flagged:
        _say("to look at:")
        for student, outcome in flagged.items():
            reasons = outcome.get("flags") or [outcome.get("message", "")]
            _say(f"  {student} [{outcome['status']}]: " + "; ".join(r for r in reasons if r))
        _say()
    _say(f"grades:   {csv_path}")
    _say(f"report:   {png_path}")
    _say(f"feedback: {settings.root / 'feedback'}")
    _say(f"logs:     {settings.logs}")
    if failed:
        print(
            f"grade: {len(failed)} submission(s) could not be graded (0 recorded, see above): "
            + ", ".join(failed),
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK
