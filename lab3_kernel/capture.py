"""Calling student code inside the kernel: seeded, captured, watched.

:func:`call` runs one student function with

- the notebook's ``rng`` and numpy's and Python's global random state reseeded,
  so a submission scores the same on every run;
- warnings, stdout and stderr captured (a RuntimeWarning inside correct code
  must not reach the cell's stderr, where nbgrader would count it as a failure);
- numpy's default floating-point error policy, whatever the notebook set;
- a profile hook recording calls into forbidden packages (scikit-learn's
  clustering and mixture models, and the like);
- the student's exceptions turned into :class:`StudentError` with a short,
  readable message.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import sys
import traceback
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

# Packages whose clustering or mixture code does the lab's work for the student.
FORBIDDEN_PREFIXES = (
    "sklearn",
    "scipy.cluster",
    "statsmodels",
    "pomegranate",
    "pyclustering",
    "kmodes",
    "hdbscan",
    "torch",
    "tensorflow",
    "kmeans_em_lab",
    "lab3_kernel",
)

_CAPTURE_LIMIT = 64 * 1024  # bytes of captured student output kept for messages
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class StudentError(AssertionError):
    """The student's code raised, or broke a rule; the message says how."""


class _BoundedText(io.TextIOBase):
    """A text sink that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int = _CAPTURE_LIMIT):
        self.limit, self.kept, self.total = limit, [], 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = self.limit - min(self.total, self.limit)
        if room > 0:
            self.kept.append(s[:room])
        self.total += len(s)
        return len(s)

    def getvalue(self) -> str:
        return "".join(self.kept)


@dataclass
class CallReport:
    """What a student call did besides returning."""

    warnings: list[str] = field(default_factory=list)
    stderr: str = ""
    stdout_chars: int = 0
    forbidden: set[str] = field(default_factory=set)
    mutated: list[int] = field(default_factory=list)
    """Positions of the arguments the call modified."""

    def summary(self) -> str:
        """One line for failure messages, empty when there is nothing to say."""
        parts = []
        if self.warnings:
            counted = Counter(self.warnings).most_common(3)
            parts.append("warnings: " + "; ".join(f"{w} (x{n})" for w, n in counted))
        if self.stderr.strip():
            parts.append("stderr: " + self.stderr.strip().splitlines()[-1][:200])
        return " | ".join(parts)


def reseed(namespace: Mapping, seed: int) -> None:
    """Reseed the notebook's ``rng`` in place, numpy's global state and ``random``."""
    np.random.seed(seed)
    random.seed(seed)
    rng = namespace.get("rng")
    fresh = np.random.default_rng(seed)
    if isinstance(rng, np.random.Generator) and type(rng.bit_generator) is type(
        fresh.bit_generator
    ):
        rng.bit_generator.state = fresh.bit_generator.state
    elif isinstance(namespace, dict):
        namespace["rng"] = fresh


@contextlib.contextmanager
def substituted(namespace: dict, replacements: Mapping[str, object]) -> Iterator[None]:
    """Temporarily bind names in the notebook's namespace (e.g. the reference ``Set``)."""
    missing = object()
    saved = {name: namespace.get(name, missing) for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def _forbidden_module(name: str | None) -> str | None:
    if not name:
        return None
    for prefix in FORBIDDEN_PREFIXES:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def _run_watched(func, args, report: CallReport, allowed=()):
    """``func(*args)``, recording Python-level calls into forbidden packages.

    Calls made inside the ``allowed`` functions (the reference substitutes the
    check itself put in the namespace) are not the student's and are ignored.
    """
    # The capture sinks' own methods run when student code prints: not the student's.
    sinks = [f for f in vars(_BoundedText).values() if callable(f) and hasattr(f, "__code__")]
    allowed_codes = {f.__code__ for f in [*allowed, *sinks]}
    inside_allowed = [0]

    def hook(frame, event, arg):
        if frame.f_code in allowed_codes:
            inside_allowed[0] += {"call": 1, "return": -1}.get(event, 0)
        elif event == "call" and not inside_allowed[0]:
            hit = _forbidden_module(frame.f_globals.get("__name__"))
            if hit:
                report.forbidden.add(hit)

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        return func(*args)
    finally:
        sys.setprofile(previous)


def _describe_exception(exc: BaseException, label: str) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    # The last frame in notebook code (ipykernel names cells <ipython-input-..> or a tmp file).
    student = [f for f in frames if _PACKAGE_DIR not in (f.filename or "")]
    where = ""
    if student:
        last = student[-1]
        code = (last.line or "").strip()
        where = f" in {last.name}(), at `{code}`" if code else f" in {last.name}()"
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{label} raised {type(exc).__name__}{where}" + (f": {text}" if text else "")


def snapshot(value):
    """A deep copy of an array-like argument (a dict: of each value), to detect mutation."""
    if isinstance(value, Mapping):
        return {k: np.array(v, copy=True) for k, v in value.items()}
    return np.array(value, copy=True)


def unchanged(before, after) -> bool:
    """Whether ``after`` still holds what :func:`snapshot` saw in ``before``."""
    try:
        if isinstance(before, Mapping):
            return (
                isinstance(after, Mapping)
                and before.keys() == after.keys()
                and all(unchanged(before[k], after[k]) for k in before)
            )
        after = np.asarray(after)
        return before.shape == after.shape and np.array_equal(before, after, equal_nan=True)
    except Exception:  # noqa: BLE001 - an argument that cannot be compared has changed
        return False


def call(func, *args, label: str, namespace: Mapping, seed: int, allowed=()):
    """Run ``func(*args)`` under the harness; returns ``(result, CallReport)``.

    ``allowed``: functions whose own calls are not watched (reference substitutes).
    Arguments that are arrays or dicts of arrays are compared before and after
    the call (:attr:`CallReport.mutated`).
    """
    report = CallReport()
    if not callable(func):
        raise StudentError(f"{label}: expected a function, found {type(func).__name__}")
    watched = {i: snapshot(a) for i, a in enumerate(args) if isinstance(a, np.ndarray | dict)}
    reseed(namespace, seed)
    out, err = _BoundedText(), _BoundedText()
    try:
        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            warnings.simplefilter("always")
            result = _run_watched(func, args, report, allowed)
    except (Exception, SystemExit) as exc:
        report.stderr = err.getvalue()
        raise StudentError(_describe_exception(exc, label)) from None
    finally:
        report.stdout_chars = out.total
    report.stderr = err.getvalue()
    report.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    report.mutated = [i for i, before in watched.items() if not unchanged(before, args[i])]
    if report.forbidden:
        raise StudentError(
            f"{label} called into {', '.join(sorted(report.forbidden))}: the lab asks you to "
            "write the algorithm with numpy yourself, so this function scores 0"
        )
    return result, report
