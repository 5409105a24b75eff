"""The scale model: roughly how long a class of N takes on W cores, from the measured parts.

time(N, W) ~ start-up + max(N x CPU per submission / W, N / driver rate)

- CPU per submission: part 1b's ``make grade --force`` on correct submissions,
  its kernels' and worker processes' CPU (the CPU table) over the submissions;
- driver rate: part 6's slowest run (results saved per second, either database);
- start-up: part 1b's cluster start plus part 6's class report at the nearest
  class size.

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
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6}


@dataclass(frozen=True)
class Figures:
    cpu: float | None  # CPU seconds per submission: kernels + worker processes (1b)
    rate: float | None  # results the driver saves per second, slowest run (6)
    cluster_start: float | None  # seconds to start the local cluster (1b)
    reports: dict[int, float]  # class size -> seconds to the class report (6)
    copies: int | None  # submissions part 1b graded


def seconds(text: str) -> float | None:
    """``"7.58 s"``, ``"202 ms"``, ``"825 µs"`` -> seconds; anything else -> None."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(s|ms|µs)\s*", text or "")
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def _rows(body: str, *columns: str) -> list[dict[str, str]]:
    """The rows, as column -> cell, of the tables in ``body`` that have all ``columns``."""
    tables = parse_tables(body) if body else []
    return [dict(zip(t[0], row, strict=True)) for t in tables if set(columns) <= set(t[0])
            for row in t[1:]]  # fmt: skip


def read(markdown: str) -> Figures:
    """The model's inputs from a rendered results file."""
    found = split_sections(markdown)
    part1b = next((b for t, b in found if t.startswith("1b.")), "")
    part6 = next((b for t, b in found if t.startswith("6.")), "")
    copies = re.search(r"(\d+) copies of the correct example", part1b)
    copies = int(copies.group(1)) if copies else None
    cpu = None
    for row in _rows(part1b, "command", "kernels", "worker processes"):
        parts = [seconds(row["kernels"]), seconds(row["worker processes"])]
        if row["command"] == "make grade --force" and None not in parts and copies:
            cpu = sum(parts) / copies
    starts = _rows(part1b, "cluster start (workers up, nbgrader imported)")
    start = seconds(starts[0]["cluster start (workers up, nbgrader imported)"]) if starts else None
    rates, reports = [], {}
    for row in _rows(part6, "students", "results per second", "class report (CSV, table, page)"):
        try:
            n, rate = int(row["students"].replace(",", "")), float(row["results per second"])
        except ValueError:
            continue
        rates.append(rate)
        value = seconds(row["class report (CSV, table, page)"])
        if value is not None:
            reports[n] = max(value, reports.get(n, 0.0))
    return Figures(cpu, min(rates) if rates else None, start, reports, copies)


def estimate(figures: Figures, n: int, cores: int) -> tuple[float, str] | None:
    """(seconds, what sets the pace) for ``n`` submissions on ``cores`` cores."""
    if figures.cpu is None or figures.rate is None:
        return None
    nearest = min(figures.reports, key=lambda size: abs(math.log(size / n)), default=None)
    start = (figures.cluster_start or 0.0) + figures.reports.get(nearest, 0.0)
    grading, driver = n * figures.cpu / cores, n / figures.rate
    return start + max(grading, driver), "cores" if grading >= driver else "driver"


def largest_cores(figures: Figures) -> int | None:
    """The most cores that still set the pace: CPU per submission x the driver's rate."""
    if figures.cpu is None or figures.rate is None:
        return None
    return math.floor(figures.cpu * figures.rate)


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
    inputs.add("start-up: the cluster's start", fmt_seconds(f.cluster_start), "part 1b")
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
    times = sec.table(
        "Roughly how long a class takes (the pace setter in brackets when it is the driver):",
        ["students", *(f"{w} core{'s' if w > 1 else ''}" for w in CORES)],
    )
    for n in CLASS_SIZES:
        found = [estimate(f, n, w) for w in CORES]
        times.add(
            f"{n:,}",
            *("-" if e is None else fmt_duration(e[0]) + " (driver)" * (e[1] == "driver")
              for e in found),
        )  # fmt: skip
    sec.notes.append(
        "Correct submissions are the cheap case: a submission whose code never ends costs "
        "the cell's full time limit (part 4: the original lab's EM never ends in one cell), "
        "so use the class's own mix for CPU per submission when it is known (part 1a's 40 "
        "copies are one such mix). Past the driver, the next limits are the scheduler "
        "(part 1b's Dask cost per submission), the gradebook (one writer), the disk under "
        "`autograded/` and `feedback/` (about 1.3 MB per student) and the driver's memory "
        "(part 6); several drivers, one per section, on one Dask cluster would lift the "
        "first two."
    )
    return sec
