"""Part 7: the similarity report at class size, and its calibration against copydetect.

:func:`kmeans_em_lab.similarity.report` is timed end to end on a scratch course
of N generated students (:func:`lab3_dev.similarity.classgen.scaled`), each an
autograded notebook with the probes' answers in its metadata. The answers are
computed once per lineage (where each function's code came from): copies behave
as their original by construction. The calibration
(:mod:`lab3_dev.similarity.calibrate`) runs on several seeds of the disguiser.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, points
from lab3_dev.bench.report import Goal, Section, fmt_seconds
from lab3_dev.bench.timing import median

TITLE = "7. The similarity report at class size"
GOAL_SECONDS, GOAL_STUDENTS = 60.0, 1000
OURS, THEIRS = "ours", "copydetect"


def scratch_class(n: int, root: Path) -> None:
    """A scratch course in ``root`` with ``n`` generated students' autograded notebooks."""
    from kmeans_em_lab.similarity import answers
    from lab3_dev.similarity import calibrate, classgen

    course = paths.Course.at(paths.course_root())
    for folder in (course.source, course.release):
        target = root / folder.relative_to(course.root)
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("data", "*.csv"))
    release = nbformat.read(course.release_notebook, as_version=4)
    scratch = paths.Course.at(root)
    by_lineage: dict[tuple, dict] = {}  # lineage -> the probes' answers (JSON)
    for student in classgen.scaled(n):
        key = tuple(student.lineage[f] for f in classgen.FUNCTIONS)
        if key not in by_lineage:
            (found,) = calibrate.submissions([student])
            by_lineage[key] = {probe: a.to_json() for probe, a in found.answers.items()}
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            function = points.grade_id(cell) if points.is_solution(cell) else None
            cell.source = student.code.get(function, cell.source)
        answers.store(nb, by_lineage[key])
        out = scratch.autograded(student.name) / scratch.notebook
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)


def run(n: int, rounds: int, seeds: int) -> Section:
    """Part 7's section: the report on ``n`` students, the calibration on ``seeds`` seeds."""
    from kmeans_em_lab import similarity
    from lab3_dev.similarity import calibrate, classgen

    with tempfile.TemporaryDirectory(prefix="lab3-bench-similarity-") as tmp:
        scratch_class(n, Path(tmp))
        seconds = []
        for _ in range(rounds):
            started = time.perf_counter()
            page, students, worth = similarity.report(paths.Course.at(Path(tmp)))
            seconds.append(time.perf_counter() - started)
        page_bytes = page.stat().st_size
    sec = Section(
        TITLE,
        f"`make similarity` on {n:,} generated students (the calibration class repeated, "
        "each repetition disguised afresh, so every student has copies) in a scratch course, "
        "timed end to end (the notebooks, the reference's answers, the fingerprint index, the "
        f"evidence on every pair found, the page), median of {len(seconds)} run(s).",
    )
    sec.table("", ["students", "report (median)", "pairs worth a look", "page"]).add(
        f"{students:,}", median(seconds), f"{worth:,}", f"{page_bytes / 1024:.0f} KiB"
    )
    sec.goals.append(
        Goal(
            f"7. similarity report for {n:,} students",
            fmt_seconds(median(seconds)),
            f"<= {GOAL_SECONDS:.0f} s (for {GOAL_STUDENTS:,})",
            median(seconds) <= GOAL_SECONDS,
        )
    )
    cal = sec.table(
        "Calibration on the generated class, one row per seed of the disguiser, this check "
        "/ copydetect (its threshold just above its highest independent pair):",
        ["seed", "copied pairs found", "false positives", "copydetect threshold"],
    )
    hits = copied = false = 0
    for seed in range(seeds):
        result = calibrate.run(classgen.build(seed=seed))
        for kind in set(result.kinds.values()) - {"independent", "common mistake"}:
            found, total = result.found(kind, OURS)
            hits, copied = hits + found, copied + total
        false += result.false_positives(OURS)
        cal.add(
            seed,
            f"{result.copied_recall(OURS):.0%} / {result.copied_recall(THEIRS):.0%}",
            f"{result.false_positives(OURS)} / {result.false_positives(THEIRS)}",
            f"{result.copydetect_threshold:.2f}",
        )
    sec.goals.append(
        Goal(
            f"7. calibration: copied pairs found, no independent pair ({len(cal.rows)} seed(s))",
            f"{hits}/{copied} ({hits / max(1, copied):.0%}), {false} false positive(s)",
            ">= 95%, 0",
            hits >= 0.95 * copied and false == 0,
        )
    )
    return sec
