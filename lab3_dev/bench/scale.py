"""The scale model: roughly how long a class of N takes on W cores, from the measured parts.

time(N, W) ~ start-up + max(N x CPU per submission / W, N / driver rate)

- CPU per submission: part 1b's ``make grade --force`` on correct submissions,
  its kernels' and worker processes' CPU (the CPU table) over the submissions;
  the driver's own CPU is not in it (its start-up is, once; its saving is the
  rate);
- driver rate: part 6's slowest run (results saved per second, either database);
- start-up: part 1b's cluster start (workers up, nbgrader imported) plus part 6's
  class report at the nearest class size.

The figures are read back from the results file as rendered (kept sections
included), so the model always states the numbers beside it; a figure missing
there leaves its cells as "-". The section has no part number: every run of the
benchmark writes it again, last, from whatever the file holds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lab3_dev.bench.report import Section, fmt_seconds, parse_tables, split_sections

TITLE = "Scale: a class of N on W cores"
CLASS_SIZES = (200, 1000, 10000)  # the classes the table shows
CORES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)  # the clusters the table shows
README_CLASS = 1000  # the class README's "Grading on a cluster" quotes
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6}


@dataclass(frozen=True)
class Figures:
    """The model's inputs, each from the part named in :data:`SOURCES`."""

    cpu: float | None  # CPU seconds per submission: kernels + worker processes (1b)
    rate: float | None  # results the driver saves per second, slowest run (6)
    cluster_start: float | None  # seconds to start the local cluster (1b)
    reports: dict[int, float]  # class size -> seconds to the class report (6)
    dispatch: float | None  # seconds per submission of a no-op job through Dask (1b)
    copies: int | None  # submissions part 1b graded


def seconds(text: str) -> float | None:
    """``"7.58 s"``, ``"202 ms"``, ``"825 µs"`` -> seconds; anything else -> None."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(s|ms|µs)\s*", text or "")
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def _tables(body: str) -> list[list[list[str]]]:
    return parse_tables(body) if body else []


def _column(rows: list[list[str]], name: str) -> int | None:
    return rows[0].index(name) if name in rows[0] else None


def read(markdown: str) -> Figures:
    """The model's inputs from a rendered results file."""
    found = dict(split_sections(markdown))
    part1b = next((b for t, b in found.items() if t.startswith("1b.")), "")
    part6 = next((b for t, b in found.items() if t.startswith("6.")), "")
    copies_match = re.search(r"(\d+) copies of the correct example", part1b)
    copies = int(copies_match.group(1)) if copies_match else None
    cpu = cluster_start = dispatch = None
    for rows in _tables(part1b):
        kernels, workers = _column(rows, "kernels"), _column(rows, "worker processes")
        if kernels is not None and workers is not None and copies:
            for row in rows[1:]:
                if row[0] == "make grade --force":
                    parts = [seconds(row[kernels]), seconds(row[workers])]
                    if None not in parts:
                        cpu = sum(parts) / copies
        start = _column(rows, "cluster start (workers up, nbgrader imported)")
        per = _column(rows, "per submission")
        if start is not None and len(rows) > 1:
            cluster_start = seconds(rows[1][start])
            dispatch = seconds(rows[1][per]) if per is not None else None
    rates, reports = [], {}
    for rows in _tables(part6):
        rate, size = _column(rows, "results per second"), _column(rows, "students")
        report = _column(rows, "class report (CSV, table, page)")
        if rate is None or size is None:
            continue
        for row in rows[1:]:
            try:
                rates.append(float(row[rate]))
                n = int(row[size].replace(",", ""))
            except ValueError:
                continue
            value = seconds(row[report]) if report is not None else None
            if value is not None:
                reports[n] = max(value, reports.get(n, 0.0))
    return Figures(cpu, min(rates) if rates else None, cluster_start, reports, dispatch, copies)


def report_seconds(figures: Figures, n: int) -> float:
    """Seconds to the class report for ``n`` students: part 6's nearest class size."""
    if not figures.reports:
        return 0.0
    nearest = min(figures.reports, key=lambda size: abs(math.log(size / n)))
    return figures.reports[nearest]


def estimate(figures: Figures, n: int, cores: int) -> tuple[float, str] | None:
    """(seconds, what sets the pace) for ``n`` submissions on ``cores`` cores."""
    if figures.cpu is None or figures.rate is None:
        return None
    start = (figures.cluster_start or 0.0) + report_seconds(figures, n)
    grading, driver = n * figures.cpu / cores, n / figures.rate
    return start + max(grading, driver), "cores" if grading >= driver else "driver"


def largest_cores(figures: Figures) -> int | None:
    """The most cores that still set the pace: CPU per submission x the driver's rate."""
    if figures.cpu is None or figures.rate is None:
        return None
    return math.floor(figures.cpu * figures.rate)


def scheduler_cores(figures: Figures) -> int | None:
    """The most cores the scheduler could feed at Dask's measured cost per submission."""
    if figures.cpu is None or not figures.dispatch:
        return None
    return math.floor(figures.cpu / figures.dispatch)


def fmt_duration(value: float) -> str:
    """A class's time as an instructor reads it: ``2 h 18 min``, ``17 min``, ``45 s``."""
    if value >= 3600:
        hours, minutes = divmod(round(value / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if value >= 120:
        return f"{round(value / 60)} min"
    return f"{value:.0f} s"


def section(markdown: str) -> Section:
    """The "Scale" section for a rendered results file."""
    f = read(markdown)
    cap = largest_cores(f)
    sec = Section(
        TITLE,
        "A model, not a run: time for a class of N on W cores ~ start-up + max(N x CPU per "
        "submission / W, N / driver rate). The grading term is the cluster's work spread "
        "over its cores, the driver term the one process every result passes through (it "
        "saves while the workers grade, so the two overlap and the slower sets the pace). "
        "The figures are this file's own, for correct submissions on this machine's cores; "
        "the times below are for a class like part 1b's.",
    )
    inputs = sec.table("The figures in the model:", ["figure", "value", "from"])
    inputs.add(
        "CPU per submission (its kernel + its worker process)",
        fmt_seconds(f.cpu),
        f"part 1b, CPU table, make grade --force: kernels + worker processes / {f.copies or '-'}",
    )
    inputs.add(
        "driver rate (results saved per second)",
        "-" if f.rate is None else f"{f.rate:.0f}",
        "part 6, the slowest run (any class size, either database)",
    )
    inputs.add(
        "start-up: the cluster's start",
        fmt_seconds(f.cluster_start),
        "part 1b, Dask's own cost table (a cluster's workers start in parallel)",
    )
    inputs.add(
        "the class report (CSV, terminal table, page)",
        ", ".join(f"{fmt_seconds(v)} for {n:,}" for n, v in sorted(f.reports.items())) or "-",
        "part 6 (the nearest class size is used)",
    )
    inputs.add(
        "largest W that is not driver-bound (CPU per submission x driver rate)",
        "-" if cap is None else f"about {cap} cores",
        "beyond it the driver sets the pace",
    )
    scheduler = scheduler_cores(f)
    inputs.add(
        "the scheduler's pace, if its cost per submission did not overlap (1 / Dask's own "
        "cost per submission)",
        "-" if scheduler is None else f"{1 / f.dispatch:.0f} a second: about {scheduler} cores",
        "part 1b, no-op job on the local cluster, which shares this machine's cores with "
        "the workers: an upper bound of a scheduler's own cost",
    )
    times = sec.table(
        "Roughly how long a class takes (the pace setter in brackets when it is the driver):",
        ["students", *(f"{w} core{'s' if w > 1 else ''}" for w in CORES)],
    )
    for n in CLASS_SIZES:
        cells = []
        for w in CORES:
            found = estimate(f, n, w)
            if found is None:
                cells.append("-")
            else:
                value, pace = found
                cells.append(fmt_duration(value) + (" (driver)" if pace == "driver" else ""))
        times.add(f"{n:,}", *cells)
    sec.notes += _limits(f)
    sec.data.update(figures=f, largest_cores=cap)
    return sec


def _limits(f: Figures) -> list[str]:
    dispatch = f.dispatch
    ceiling = f"about {1 / dispatch:.0f} submissions a second" if dispatch else "-"
    return [
        "Correct submissions are the cheap case: a submission whose code never ends costs "
        "the cell's full time limit (part 4: the original lab's EM never ends in one cell), "
        "so use the class's own mix "
        "for CPU per submission when it is known (part 1a's 40 copies are one such mix).",
        "The next limits, past the driver: **the scheduler**, which sends each submission "
        f"to a worker and its result back ({fmt_seconds(dispatch)} per submission for a "
        f"no-op job through the local cluster, part 1b: {ceiling} through one scheduler, "
        "the same order as the driver's rate); **the gradebook**, one transaction per batch "
        "of results from one writer, and before the first result the old scores cleared "
        "one transaction per 500 students (part 6: the 'clearing old scores' column grows "
        "with N); **the disk** under `autograded/` and `feedback/`, about 1.3 MB per "
        "student (the autograded notebook and the feedback page, about 600 KB, mostly its "
        "inlined style sheet and highlighted code), which the driver writes as fast as it "
        "saves; and its memory, which keeps each student's outcome for the report (part 6's "
        "peak memory).",
        "How each would be lifted: several drivers, one per section (each its own course "
        "folder and gradebook, all on one Dask cluster, whose scheduler serves several "
        "clients; the sections' grades.csv files put together afterwards) multiply the "
        "driver's and the gradebook's rate; the workers could write the autograded "
        "notebooks and feedback pages to shared storage themselves and send only the "
        "scores; feedback pages that link one style sheet instead of inlining it would "
        "write less per student; and one batch of submissions per task would divide the "
        "scheduler's cost per submission.",
    ]
