"""Side by side: the things compared run in alternation, round after round.

Figures are medians over rounds and ratios medians of the per-round ratios, so
load from other processes (which changes slowly) hits the baseline and the
candidate alike and mostly cancels.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


loadavg = os.getloadavg  # (1, 5, 15 minutes)


def fmt_load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def alternate(
    runs: Mapping[str, Callable[[], T]], rounds: int, what: str = ""
) -> dict[str, list[T]]:
    """Each of ``runs`` called once per round, the order reversed every other round;
    what each call returned, round by round. ``what`` names the part in progress lines."""
    out: dict[str, list[T]] = {name: [] for name in runs}
    for r in range(rounds):
        for name in list(runs) if r % 2 == 0 else list(runs)[::-1]:
            if what:
                progress = f"{what}, round {r + 1}/{rounds}: {name} (load {fmt_load(loadavg())})"
                print(f"bench: {progress}", file=sys.stderr)
            out[name].append(runs[name]())
    return out


def per_call(func: Callable[[], object], min_seconds: float) -> Callable[[], float]:
    """A function that calls ``func`` enough times to last ``min_seconds`` (at least
    once) and returns the seconds per call."""
    start = time.perf_counter()
    func()
    calls = max(1, round(min_seconds / max(time.perf_counter() - start, 1e-7)))

    def timed() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            func()
        return (time.perf_counter() - start) / calls

    return timed


def paired_ratio(numerators: list[float], denominators: list[float]) -> float | None:
    """Median over rounds of numerator / denominator of the same round."""
    return median(n / d for n, d in zip(numerators, denominators, strict=False) if n and d)
