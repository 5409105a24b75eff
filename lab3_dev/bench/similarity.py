"""Part 7 of ``bench/results.md``: the similarity report at class size, and its calibration.

A scratch course holds N generated students (:func:`lab3_dev.similarity.classgen.scaled`:
the calibration class repeated, each repetition disguised afresh), each an autograded
notebook (the release with the student's solution cells, the probes' answers in its
metadata as the grader keeps them). :func:`kmeans_em_lab.similarity.report` is timed on
it, end to end: reading the notebooks, the reference's answers, the evidence, the page.

The probes' answers are computed once per *lineage* (where each function's code came
from, :class:`lab3_dev.similarity.classgen.Student`): copies keep their original's
behaviour by construction (a calibration test checks it), so running every copy's
functions again would time the class's generation, not the report.

The calibration (:mod:`lab3_dev.similarity.calibrate`: the check and copydetect on the
generated class) runs on several seeds of the disguiser; ``--quick`` runs one.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, points
from kmeans_em_lab.similarity.page import MAX_PAIRS_SHOWN
from lab3_dev.bench.report import Goal, Section, fmt_seconds
from lab3_dev.bench.timing import median

TITLE = "7. The similarity report at class size"
STUDENTS, QUICK_STUDENTS = 1000, 200
ROUNDS, QUICK_ROUNDS = 3, 1
SEEDS, QUICK_SEEDS = (0, 1, 2, 3, 4, 5), (0,)
GOAL_SECONDS = 60.0  # for 1,000 students
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


def run(quick: bool = False, keep: bool = False) -> Section:
    """Part 7's section."""
    from kmeans_em_lab import similarity
    from lab3_dev.similarity import calibrate, classgen

    n = QUICK_STUDENTS if quick else STUDENTS
    scratch = Path(tempfile.mkdtemp(prefix="lab3-bench-similarity-"))
    try:
        made = time.perf_counter()
        scratch_class(n, scratch)
        made = time.perf_counter() - made
        seconds = []
        for _ in range(QUICK_ROUNDS if quick else ROUNDS):
            started = time.perf_counter()
            page, students, worth = similarity.report(paths.Course.at(scratch))
            seconds.append(time.perf_counter() - started)
        page_bytes = page.stat().st_size
    finally:
        if keep:
            print(f"scratch course kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    sec = Section(
        TITLE,
        f"`make similarity` (`kmeans_em_lab.similarity.report`) on {n:,} generated students "
        "(`lab3_dev/similarity/classgen.py`: the calibration class repeated, each repetition "
        "disguised afresh, so every student has copies), each an autograded notebook with "
        "the probes' answers in its metadata, in a scratch course; timed end to end (reading "
        "the notebooks, the reference's answers, the fingerprint index and the evidence on "
        f"every pair it finds, the page), median of {len(seconds)} run(s). Making the class "
        f"(not timed) took {fmt_seconds(made)}.",
    )
    sec.table("", ["students", "report (median)", "runs", "pairs worth a look", "page"]).add(
        f"{students:,}",
        fmt_seconds(median(seconds)),
        ", ".join(map(fmt_seconds, seconds)),
        f"{worth:,}",
        f"{page_bytes / 1024:.0f} KiB",
    )
    one = classgen.build()
    sec.notes.append(
        "Most pairs worth a look are copies by construction: each repetition of the class "
        f"({len(one)} students) holds its {sum(s.kind == 'independent' for s in one)} "
        f"independent students again with the same code, so each appears about "
        f"{n // len(one)} times; the page shows the first {MAX_PAIRS_SHOWN} pairs in full and "
        "counts the rest."
    )
    sec.goals.append(
        Goal(
            f"7. similarity report for {n:,} students",
            fmt_seconds(median(seconds)),
            f"<= {GOAL_SECONDS:.0f} s" + (" (for 1,000)" if n != STUDENTS else ""),
            median(seconds) <= GOAL_SECONDS,
        )
    )
    kinds = ("disguised", "one function", "rewritten")
    cal = sec.table(
        "Calibration on the generated class (`lab3_dev/similarity/calibrate.py`), one row "
        "per seed of the disguiser: copied pairs at or above the threshold and false "
        "positives, this check / copydetect (its threshold set just above its highest "
        "independent pair).",
        ["seed", *kinds, "copied pairs found", "false positives (common-mistake pairs)",
         "copydetect threshold"],
    )  # fmt: skip
    hits = copied = false = 0
    for seed in QUICK_SEEDS if quick else SEEDS:
        result = calibrate.run(classgen.build(seed=seed))
        for kind in set(result.kinds.values()) - {"independent", "common mistake"}:
            found, total = result.found(kind, OURS)
            hits, copied = hits + found, copied + total
        false += result.false_positives(OURS)

        def both(kind: str, result=result) -> str:
            return " / ".join("{}/{}".format(*result.found(kind, tool)) for tool in (OURS, THEIRS))

        cal.add(
            seed,
            *map(both, kinds),
            f"{result.copied_recall(OURS):.0%} / {result.copied_recall(THEIRS):.0%}",
            f"{result.false_positives(OURS)} / {result.false_positives(THEIRS)} "
            f"({result.found('common mistake', OURS)[0]} / "
            f"{result.found('common mistake', THEIRS)[0]})",
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
