# ruff: noqa: E501 - the probe table keeps one call per line
"""The probe set: calls every student's functions receive, whatever the draw.

The hidden tests' inputs may be drawn per submission, so two students' answers
to them cannot be compared. After the student's cells, the grader runs one
ungraded cell per lab function (:func:`cell_source`) that makes these planned
calls through the same recorder as a hidden test (:mod:`lab3_kernel.recorder`):
fixed inputs, fixed seeds, the student's own functions (no reference helper is
bound). The inputs include the public tests' own (the calls every student
already receives) and inputs chosen to bring out behaviour that differs
between ways of writing a function: ties, an empty cluster, duplicate centres,
integer arrays, a one-sample cluster, a near-zero standard deviation.

Probes are never graded and carry no secret: a student who learns them learns
nothing about the hidden tests. Their answers are the grader's own data for the
similarity report (:mod:`.answers`), never shown to any student.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lab3_kernel import recorder, wire

PREFIX = "probe:"  # a probe plan's check name: "probe:<function>"
SEED = 20_240_917  # the probe inputs' own generator (not the course secret: probes are public)
# seconds each probe cell (one per function) may run (ResilientExecute.probe_seconds): at
# least 10x the slowest correct case's (bench/results.md, part 4b); a cell stopped at the
# limit leaves that function without answers and changes no grade
CELL_SECONDS = 5.0


@dataclass(frozen=True)
class Probe:
    """One planned call: the function, its arguments, the seed the notebook's rng gets."""

    function: str
    label: str
    args: tuple
    seed: int


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    blobs = np.concatenate([
        rng.normal((0.0, 0.0), 0.4, size=(7, 2)),
        rng.normal((6.0, 0.0), 0.4, size=(7, 2)),
        rng.normal((3.0, 5.0), 0.4, size=(6, 2)),
    ]).round(3)  # fmt: skip
    line = np.concatenate([rng.normal(-2.0, 0.5, 9), rng.normal(3.0, 0.7, 11)]).round(3)
    mixture = np.concatenate([rng.normal(-1.0, 1.0, 50), rng.normal(2.5, 0.8, 30)]).round(4)
    return {"blobs": blobs, "line": line, "mixture": mixture}


@lru_cache(maxsize=1)
def probes() -> tuple[Probe, ...]:
    """Every probe, in the order the cells run them (one cell per function)."""
    d = _inputs()
    blobs, line, mixture = d["blobs"], d["line"], d["mixture"]
    four = np.array([[0.0, 0.0], [0.0, 3.0], [5.0, 0.0], [7.0, 0.0]])
    upd = np.array([[0.0, 0.0], [0.0, 2.0], [5.0, 0.0], [6.0, 0.0]])
    calls = [
        ("Centroid_init", "blobs, K=3", (blobs, 3), 101),
        ("Centroid_init", "blobs, K=3, another seed", (blobs, 3), 202),
        ("Centroid_init", "6 samples, K=6", (np.arange(6.0), 6), 303),
        ("Centroid_init", "1-D line, K=2", (line, 2), 404),
        ("Set", "the public test's samples", (four, np.array([[0.0, 1.0], [5.0, 0.0]])), 1),
        ("Set", "a sample equally far from two centres",
         (np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 0.0], [2.0, 0.0]])), 2),
        ("Set", "an empty cluster", (blobs, np.array([blobs[0], blobs[8], [90.0, 90.0]])), 3),
        ("Set", "two identical centres", (blobs, np.array([[3.0, 1.0], [3.0, 1.0], [6.0, 0.0]])), 4),
        ("Set", "1-D samples", (line, np.array([-1.0, 0.5, 3.0])), 5),
        ("Set", "integer samples and centres",
         (np.array([[0, 0], [1, 1], [4, 4], [5, 4]]), np.array([[0, 0], [4, 4]])), 6),
        ("Update", "the public test's clusters, one empty",
         (upd, {0: upd[:2], 1: upd[2:], 2: upd[:0]}, np.array([[0.0, 1.5], [5.0, 1.0], [50.0, 50.0]])), 7),
        ("Update", "a one-sample cluster",
         (upd, {0: upd[:1], 1: upd[1:]}, np.array([[1.0, 1.0], [4.0, 1.0]])), 8),
        ("Update", "integer centres",
         (upd, {0: upd[:3], 1: upd[3:]}, np.array([[1, 1], [6, 0]])), 9),
        ("Update", "1-D clusters",
         (line, {0: line[:9], 1: line[9:]}, np.array([-1.0, 2.0])), 10),
        ("Update", "an empty cluster given as a flat empty array",
         (upd, {0: upd, 1: np.array([])}, np.array([[2.0, 2.0], [9.0, 9.0]])), 11),
        ("K_Means", "blobs, K=3", (blobs, 3), 21),
        ("K_Means", "1-D line, K=2", (line, 2), 23),
        ("EM_step", "the public test's state",
         (np.array([-2.0, 2.0, 8.0, 10.0, 12.0]), 0.5, np.array([1.0, 9.0]), np.array([1.0, 1.0])), 31),
        ("EM_step", "overlapping components",
         (mixture, 0.3, np.array([-1.5, 2.0]), np.array([1.0, 0.5])), 32),
        ("EM_step", "equal means", (mixture, 0.9, np.array([0.5, 0.5]), np.array([1.0, 2.0])), 33),
        ("EM_step", "integer samples",
         (np.arange(10), 0.5, np.array([2.0, 7.0]), np.array([1.5, 1.5])), 34),
        ("EM_step", "a near-zero standard deviation",
         (line, 0.5, np.array([-2.0, 3.0]), np.array([1e-3, 1.0])), 35),
        ("EM", "two separated groups",
         (np.concatenate([np.linspace(-3.0, -1.0, 30), np.linspace(4.0, 6.0, 50)]),), 41),
        ("EM", "overlapping mixture", (mixture,), 42),
        ("EM", "overlapping mixture, tol=1e-4, max_iter=30", (mixture, 1e-4, 30), 43),
    ]  # fmt: skip
    return tuple(Probe(f, label, args, seed) for f, label, args, seed in calls)


def functions() -> tuple[str, ...]:
    """The functions probed, in the order their cells run."""
    return tuple(dict.fromkeys(p.function for p in probes()))


def of(function: str) -> tuple[Probe, ...]:
    return tuple(p for p in probes() if p.function == function)


@lru_cache(maxsize=16)
def _plan_text(function: str) -> str:
    calls = [
        {"function": p.function, "args": wire.encode(list(p.args)), "label": p.label,
         "seed": p.seed, "substitute": []}
        for p in of(function)
    ]  # fmt: skip
    return json.dumps({
        "check": PREFIX + function, "function": function, "replaced": [], "calls": calls,
        "helpers": {}, "helper_code": "",
    })  # fmt: skip


def plan(function: str) -> dict:
    """The recorder's plan for ``function``'s probe cell (JSON-ready, no reference helper)."""
    return json.loads(_plan_text(function))


def cell_source(function: str) -> str:
    """The code of ``function``'s probe cell, run after the student's cells."""
    return f'import lab3_kernel\nlab3_kernel.record("{PREFIX}{function}", globals())\n'


def record_in_process(function: str, namespace: dict) -> dict:
    """The record a kernel would send for ``function``'s probes, made in this process through
    the same recorder and the same JSON (tests, the calibration class, the reference)."""
    made = recorder.run_plan(plan(function), namespace)
    return json.loads(json.dumps(made))
