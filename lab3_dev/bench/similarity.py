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
from lab3_dev.bench.timing import loadavg, median

TITLE = "7. The similarity report at class size"
STUDENTS, QUICK_STUDENTS = 1000, 200
ROUNDS, QUICK_ROUNDS = 3, 1
SEEDS, QUICK_SEEDS = (0, 1, 2, 3, 4, 5), (0,)
GOAL_SECONDS = 60.0  # for 1,000 students (the goal)


def _answers_by_lineage(students) -> dict[tuple, dict]:
    """Lineage -> the probes' answers as the grader keeps them (JSON)."""
    from lab3_dev.similarity import calibrate, classgen

    out: dict[tuple, dict] = {}
    for student in students:
        key = tuple(student.lineage[f] for f in classgen.FUNCTIONS)
        if key not in out:
            (found,) = calibrate.submissions([student])
            out[key] = {probe: a.to_json() for probe, a in found.answers.items()}
    return out


def scratch_class(n: int, root: Path) -> Path:
    """A scratch course under ``root`` with ``n`` generated students' autograded notebooks."""
    from kmeans_em_lab.similarity import answers
    from lab3_dev.similarity import classgen

    course = paths.Course.at(paths.course_root())
    for folder in (course.source, course.release):
        target = root / folder.relative_to(course.root)
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("data", "*.csv"))
    students = classgen.scaled(n)
    by_lineage = _answers_by_lineage(students)
    release = nbformat.read(course.release_notebook, as_version=4)
    scratch = paths.Course.at(root)
    for student in students:
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            function = points.grade_id(cell) if points.is_solution(cell) else None
            if function in student.code:
                cell.source = student.code[function]
        key = tuple(student.lineage[f] for f in classgen.FUNCTIONS)
        answers.store(nb, by_lineage[key])
        out = scratch.autograded(student.name) / scratch.notebook
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
    return root


def time_report(root: Path, rounds: int) -> dict:
    from kmeans_em_lab import similarity

    course = paths.Course.at(root)
    seconds, worth, compared = [], 0, 0
    for _ in range(rounds):
        started = time.perf_counter()
        page, compared, worth = similarity.report(course)
        seconds.append(time.perf_counter() - started)
    return {
        "seconds": seconds,
        "students": compared,
        "worth": worth,
        "page_bytes": page.stat().st_size,
    }


def calibration(seeds) -> list[dict]:
    from lab3_dev.similarity import calibrate, classgen

    out = []
    for seed in seeds:
        result = calibrate.run(classgen.build(seed=seed))
        kinds = sorted(set(result.kinds.values()))
        out.append({
            "seed": seed,
            "found": {k: (result.found(k, "ours"), result.found(k, "copydetect")) for k in kinds},
            "recall": (result.copied_recall("ours"), result.copied_recall("copydetect")),
            "false_positives": (
                result.false_positives("ours"), result.false_positives("copydetect")
            ),
            "copydetect_threshold": result.copydetect_threshold,
        })  # fmt: skip
    return out


def run(quick: bool = False, keep: bool = False):
    """Part 7's section."""
    from lab3_dev.bench.report import Goal, Section, fmt_seconds

    n = QUICK_STUDENTS if quick else STUDENTS
    rounds = QUICK_ROUNDS if quick else ROUNDS
    scratch = Path(tempfile.mkdtemp(prefix="lab3-bench-similarity-"))
    try:
        load_before = loadavg()
        made = time.perf_counter()
        scratch_class(n, scratch / "course")
        made = time.perf_counter() - made
        timed = time_report(scratch / "course", rounds)
        load_after = loadavg()
    finally:
        if keep:
            print(f"scratch course kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    found = calibration(QUICK_SEEDS if quick else SEEDS)
    sec = Section(
        TITLE,
        f"`make similarity` (`kmeans_em_lab.similarity.report`) on {n:,} generated students "
        "(`lab3_dev/similarity/classgen.py`: the calibration class repeated, each repetition "
        "disguised afresh, so every student has copies), each an autograded notebook with "
        "the probes' answers in its metadata, in a scratch course; timed end to end (reading "
        "the notebooks, the reference's answers, the fingerprint index and the evidence on "
        f"every pair it finds, the page), median of {rounds} run(s). Making the class "
        f"(not timed) took {fmt_seconds(made)}. Load before / after: "
        f"{'/'.join(f'{x:.2f}' for x in load_before)} / "
        f"{'/'.join(f'{x:.2f}' for x in load_after)}.",
    )
    table = sec.table("", ["students", "report (median)", "runs", "pairs worth a look", "page"])
    table.add(
        f"{timed['students']:,}",
        fmt_seconds(median(timed["seconds"])),
        ", ".join(fmt_seconds(s) for s in timed["seconds"]),
        f"{timed['worth']:,}",
        f"{timed['page_bytes'] / 1024:.0f} KiB",
    )
    cal = sec.table(
        "Calibration on the generated class (18 students, 153 pairs; "
        "`lab3_dev/similarity/calibrate.py`), one row per seed of the disguiser: copied pairs "
        "at or above the threshold and false positives, this check / copydetect (its "
        "threshold set just above its highest independent pair).",
        ["seed", "disguised", "one function", "rewritten", "copied pairs found",
         "false positives (common-mistake pairs)", "copydetect threshold"],
    )  # fmt: skip
    for f in found:

        def both(kind, f=f):
            (ours, total), (theirs, _) = f["found"].get(kind, ((0, 0), (0, 0)))
            return f"{ours}/{total} / {theirs}/{total}"

        cal.add(
            f["seed"],
            both("disguised"),
            both("one function"),
            both("rewritten"),
            f"{f['recall'][0]:.0%} / {f['recall'][1]:.0%}",
            f"{f['false_positives'][0]} / {f['false_positives'][1]} "
            f"({f['found']['common mistake'][0][0]} / {f['found']['common mistake'][1][0]})",
            f"{f['copydetect_threshold']:.2f}",
        )
    from lab3_dev.similarity import classgen

    one = classgen.build()
    independent = sum(s.kind == "independent" for s in one)
    sec.notes.append(
        "Most pairs worth a look are copies by construction: each repetition of the class "
        f"({len(one)} students) holds its {independent} independent students again with the "
        f"same code, so each appears about {n // len(one)} times; the page shows the first "
        f"{MAX_PAIRS_SHOWN} pairs in full and counts the rest."
    )
    seconds = median(timed["seconds"])
    sec.goals.append(
        Goal(
            f"7. similarity report for {n:,} students",
            fmt_seconds(seconds),
            f"<= {GOAL_SECONDS:.0f} s" + (" (for 1,000)" if n != STUDENTS else ""),
            seconds <= GOAL_SECONDS,
        )
    )
    copied = sum(f["found"][k][0][1] for f in found for k in f["found"] if _copied(k))
    hits = sum(f["found"][k][0][0] for f in found for k in f["found"] if _copied(k))
    false = sum(f["false_positives"][0] for f in found)
    sec.goals.append(
        Goal(
            f"7. calibration: copied pairs found, no independent pair ({len(found)} seed(s))",
            f"{hits}/{copied} ({hits / max(1, copied):.0%}), {false} false positive(s)",
            ">= 95%, 0",
            hits >= 0.95 * copied and false == 0,
        )
    )
    sec.data.update(timed=timed, calibration=found, made=made)
    return sec


def _copied(kind: str) -> bool:
    return kind not in ("independent", "common mistake")
