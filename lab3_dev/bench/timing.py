"""Side-by-side timing: candidates and their baseline measured in alternation.

Figures are medians of several rounds, and ratios are medians of the
per-round ratios, so load from other processes (which changes slowly) hits
the baseline and the candidate alike and mostly cancels.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def loadavg() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:  # not on every platform
        return (float("nan"),) * 3


def fmt_load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def calls_per_round(func: Callable[[], object], min_seconds: float) -> int:
    """How many calls of ``func`` make one round last ``min_seconds`` (at least 1)."""
    start = time.perf_counter()
    func()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(min_seconds / once + 0.5))


def interleaved(
    funcs: Mapping[str, Callable[[], object]], rounds: int, min_seconds: float = 0.02
) -> dict[str, list[float]]:
    """Seconds per call of each function, one figure per round; the functions
    alternate within every round (the first one first in even rounds, last in odd ones)."""
    numbers = {name: calls_per_round(f, min_seconds) for name, f in funcs.items()}
    out: dict[str, list[float]] = {name: [] for name in funcs}
    names = list(funcs)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            f, n = funcs[name], numbers[name]
            start = time.perf_counter()
            for _ in range(n):
                f()
            out[name].append((time.perf_counter() - start) / n)
    return out


def paired_ratio(baseline: list[float], candidate: list[float]) -> float | None:
    """Median over rounds of baseline / candidate (> 1: the candidate is faster)."""
    ratios = [b / c for b, c in zip(baseline, candidate, strict=True) if b and c]
    return median(ratios)


def quartiles(values) -> tuple[float, float]:
    """Lower and upper quartiles (the values themselves when fewer than 4)."""
    values = sorted(values)
    if len(values) < 4:
        return values[0], values[-1]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]
