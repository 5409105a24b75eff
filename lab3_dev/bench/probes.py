"""Part 4b: the similarity probes' cost against their cells' time limit.

On the corpus's solution, its slow-but-correct case and the original lab's
code: each function's probe calls in this process, through the recorder and
JSON a kernel uses, stopped at the probe cells' limit (``probes.CELL_SECONDS``,
at least 10x the slowest correct case's).
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings

import nbformat

from kmeans_em_lab.course import paths, points, submissions
from kmeans_em_lab.similarity import cells, probes
from kmeans_em_lab.time_limit import OutOfTime, time_limit
from lab3_dev.bench.report import Goal, Section, fmt_seconds
from lab3_dev.bench.timing import median

TITLE = "4b. The similarity probes' cost and time limit"
CORRECT = ("solution", "fault_slow_correct")  # the rule's cases: correct code
CASES = (*CORRECT, "original_lab")
RULE = 10  # the limit is at least this many times the slowest correct case's probes


def function_cells(case: str) -> list[str]:
    """The release's setup cell, then the six function cells of corpus ``case``."""
    release = submissions.release_notebook()
    nb = nbformat.read(release, as_version=4)
    setup = next(c.source for c in nb.cells if points.grade_id(c) == "setup")
    chosen = submissions.load_cases(paths.course_root() / "corpus" / "validity" / "cases")[case]
    base = submissions.source_solutions() if chosen.base == "solution" else {}
    template = cells.template(release).code
    return [setup] + [
        chosen.edits.replace.get(f, base.get(f, template[f])) for f in template
    ]  # fmt: skip


def in_process(codes: list[str], passes: int) -> dict[str, float | None]:
    """Median seconds of each function's probes in this process (None: stopped at the limit)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        namespace = submissions.run_cells(codes[1:])
        out: dict[str, float | None] = {}
        for function in probes.functions():
            times: list[float] = []
            try:
                for _ in range(passes):
                    started = time.perf_counter()
                    with time_limit(probes.CELL_SECONDS):
                        probes.record_in_process(function, namespace)
                    times.append(time.perf_counter() - started)
            except OutOfTime:
                times = []
            out[function] = median(times)
    return out


def run(passes: int = 5) -> Section:
    section = Section(
        TITLE,
        f"Each probe cell's limit is `probes.CELL_SECONDS` = {probes.CELL_SECONDS:g} s; the "
        f"rule: at least {RULE}x the slowest correct case's probes of one function. In "
        f"process: median of {passes} passes.",
    )
    table = section.table(
        "Seconds of each function's probes in process ('limit': stopped at it):",
        ["case", *probes.functions()],
    )
    slowest = 0.0
    for case in CASES:
        codes = function_cells(case)
        figures = list(in_process(codes, passes).values())
        if case in CORRECT:
            slowest = max([slowest, *(v for v in figures if v is not None)])
        table.add(case, *("limit" if v is None else fmt_seconds(v) for v in figures))
    ratio = probes.CELL_SECONDS / slowest if slowest else float("inf")
    section.goals.append(Goal(
        f"4b. probe cell limit >= {RULE}x the slowest correct case's probes of one function",
        f"{probes.CELL_SECONDS:g} s = {ratio:.0f}x {fmt_seconds(slowest)}",
        f">= {RULE}x",
        ratio >= RULE,
    ))  # fmt: skip
    return section
