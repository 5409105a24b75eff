"""The "Scale" section: a class of N on W cores, modelled from the figures of parts 1b and 6.

time(N, W) ~ start-up + max(N x CPU per submission / W, N / driver rate), with
CPU per submission part 1b's ``make grade --force`` kernels' and workers' CPU
over its submissions, the driver rate part 6's slowest run, and start-up part
1b's cluster start plus part 6's class report at the nearest class size. The
figures are read back from the results file as rendered, so every run writes
the section again, last.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lab3_dev.bench.report import Section, fmt_seconds, parse_tables, split_sections

TITLE = "Scale: a class of N on W cores"
CLASS_SIZES = (200, 1000, 10000)
CORES = (1, 4, 8, 16, 64, 256)
REPORT = "class report (CSV, table, page)"  # part 6's column
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6}


@dataclass(frozen=True)
class Figures:
    cpu: float | None  # CPU seconds per submission: kernels + worker processes (1b)
    rate: float | None  # results the driver saves per second, slowest run (6)
    cluster_start: float | None  # seconds to start the local cluster (1b)
    reports: dict[int, float]  # class size -> seconds to the class report (6)


def seconds(text: str) -> float | None:
    """``"7.58 s"``, ``"202 ms"``, ``"825 µs"`` -> seconds; anything else -> None."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(s|ms|µs)\s*", text or "")
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def _rows(body: str, column: str) -> list[dict[str, str]]:
    """The rows, as column -> cell, of the tables in ``body`` that have ``column``."""
    return [dict(zip(t[0], row, strict=True)) for t in parse_tables(body) if column in t[0]
            for row in t[1:]]  # fmt: skip


def read(markdown: str) -> Figures:
    """The model's inputs from a rendered results file."""
    found = dict(split_sections(markdown))
    part1b = next((b for t, b in found.items() if t.startswith("1b.")), "")
    part6 = next((b for t, b in found.items() if t.startswith("6.")), "")
    copies = re.search(r"(\d+) cop(?:ies|y) of the correct example", part1b)
    cpu = None
    for row in _rows(part1b, "worker processes"):
        parts = [seconds(row["kernels"]), seconds(row["worker processes"])]
        if row["command"] == "make grade --force" and None not in parts and copies:
            cpu = sum(parts) / int(copies.group(1))
    starts = [seconds(row[c]) for row in _rows(part1b, "per submission") for c in row
              if c.startswith("cluster start")]  # fmt: skip
    rates, reports = [], {}
    for row in _rows(part6, "results per second"):
        n, report = int(row["students"].replace(",", "")), seconds(row.get(REPORT, ""))
        rates.append(float(row["results per second"]))
        reports[n] = max(report or 0.0, reports.get(n, 0.0))
    return Figures(cpu, min(rates, default=None), next(iter(starts), None), reports)


def estimate(figures: Figures, n: int, cores: int) -> tuple[float, str] | None:
    """(seconds, what sets the pace) for ``n`` submissions on ``cores`` cores."""
    if figures.cpu is None or figures.rate is None:
        return None
    nearest = min(figures.reports, key=lambda size: abs(math.log(size / n)), default=None)
    start = (figures.cluster_start or 0.0) + figures.reports.get(nearest, 0.0)
    grading, driver = n * figures.cpu / cores, n / figures.rate
    return start + max(grading, driver), "cores" if grading >= driver else "driver"


def fmt_duration(value: float) -> str:
    """A class's time as an instructor reads it: ``2 h 18 min``, ``17 min``, ``45 s``."""
    if value >= 3600:
        hours, minutes = divmod(round(value / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(value / 60)} min" if value >= 120 else f"{value:.0f} s"


def section(markdown: str) -> Section:
    """The "Scale" section for a rendered results file."""
    f = read(markdown)
    cap = None if f.cpu is None or f.rate is None else math.floor(f.cpu * f.rate)
    sec = Section(
        TITLE,
        "A model, not a run: time ~ start-up + max(N x CPU per submission / W, N / driver "
        "rate), the driver saving while the workers grade; correct submissions on this "
        "machine's cores (one whose code never ends costs its cell's full limit, part 4).",
    )
    sec.table("", ["CPU per submission (1b)", "driver rate (6)", "cluster start (1b)",
                   "class report (6)", "most cores before the driver sets the pace"]).add(
        f.cpu, "-" if f.rate is None else f"{f.rate:.0f}/s", f.cluster_start,
        ", ".join(f"{fmt_seconds(v)} for {n:,}" for n, v in sorted(f.reports.items())) or "-",
        "-" if cap is None else f"about {cap}",
    )  # fmt: skip
    times = sec.table("", ["students", *(f"{w} core{'s' * (w > 1)}" for w in CORES)])
    for n in CLASS_SIZES:
        found = [estimate(f, n, w) for w in CORES]
        times.add(f"{n:,}", *("-" if e is None else fmt_duration(e[0]) + " (driver)" * (
            e[1] == "driver") for e in found))  # fmt: skip
    return sec
