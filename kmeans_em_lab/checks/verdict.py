"""Small helpers shared by the checks: readable numbers, shapes, verdicts."""

from __future__ import annotations

import math

import numpy as np

from kmeans_em_lab.checks.cause_codes import CAUSES


class CheckFailure(AssertionError):
    """A check's failure: its message, and the cause of each problem it found.

    ``causes`` holds ``(code, problem)`` pairs, codes from :data:`.causes.CAUSES`,
    each code once with the first problem it explains.
    """

    def __init__(self, message: str, causes: list[tuple[str, str]]):
        super().__init__(message)
        self.causes = causes


class Verdict:
    """Collects the problems of one check and fails with all of them at once."""

    def __init__(self, function: str):
        self.function = function
        self.problems: list[str] = []
        self._seen: set[str] = set()  # the problems, for a look-up that stays cheap
        self.causes: dict[str, str] = {}  # cause code -> the first problem it explains

    def add(self, problem: str, *, cause: str) -> None:
        """A problem, and its cause (a code of :data:`.causes.CAUSES`)."""
        if cause not in CAUSES:
            raise ValueError(f"unknown cause code {cause!r}: add it to checks/cause_codes.py")
        self.note(problem)
        self.causes.setdefault(cause, problem)

    def note(self, problem: str) -> None:
        """A line of the message that is no cause of its own (e.g. what the code printed)."""
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def require(self, ok: bool, problem: str, *, cause: str) -> bool:
        if not ok:
            self.add(problem, cause=cause)
        return ok

    def raise_if_failed(self) -> None:
        if self.problems:
            shown = self.problems[:6]
            more = len(self.problems) - len(shown)
            lines = "\n".join(f"  - {p}" for p in shown)
            tail = f"\n  (and {more} more)" if more > 0 else ""
            raise CheckFailure(
                f"{self.function} does not meet its contract:\n{lines}{tail}",
                list(self.causes.items()),
            )


def fmt(value) -> str:
    """A short, readable rendering of a number or array."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        try:
            return f"{float(arr):.6g}"
        except (TypeError, ValueError):
            return repr(value)[:80]
    return np.array2string(arr, precision=4, threshold=8, edgeitems=2, max_line_width=120)


def describe(value) -> str:
    """Type and shape, for 'you returned ...' messages."""
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__} of length {len(value)}"
    return type(value).__name__


def as_float_array(value, shape: tuple[int, ...]) -> np.ndarray | None:
    """``value`` as a float array of ``shape``, accepting the same numbers in a
    squeezable layout (e.g. (K, 1) for (K,)); None when that is impossible."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.shape == shape:
        return arr
    if arr.size == int(np.prod(shape)) and arr.squeeze().shape == tuple(d for d in shape if d != 1):
        return arr.reshape(shape)
    return None


def as_scalar(value) -> float | None:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(arr.reshape(())) if arr.size == 1 else None


# -- comparisons: a number from a record is judged as a number -------------------------------
#
# ``got`` comes from the student's answer, ``want`` from the reference. nan is never within
# a tolerance, and neither is an infinity, unless the reference is the same infinity: with
# ``inf - x == inf`` and ``rtol * inf == inf``, a plain ``<=`` would accept it.


def rel_close(got: float, want: float, rtol: float) -> bool:
    """``|got - want| <= rtol * |want|`` for finite numbers; nan and inf never pass
    (unless ``want`` is the same inf)."""
    got, want = float(got), float(want)
    if not (math.isfinite(got) and math.isfinite(want)):
        return got == want
    return abs(got - want) <= rtol * abs(want)


def far(got, want, tol) -> np.ndarray:
    """Where ``got`` is not within ``tol`` of ``want`` (arrays broadcast; ``tol`` absolute,
    per element or one for all): a boolean array. nan and inf are always far, unless
    ``want`` holds the same inf there."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        within = np.isfinite(got) & np.isfinite(want) & (np.abs(got - want) <= tol)
    same_inf = np.isinf(got) & (got == want)
    return ~(within | same_inf)


def all_close(got, want, *, rtol: float, atol: float) -> bool:
    """``np.allclose``'s rule (``|got - want| <= atol + rtol * |want|`` everywhere), but
    nan and inf in ``got`` never pass (unless ``want`` holds the same inf there)."""
    want = np.asarray(want, dtype=float)
    with np.errstate(invalid="ignore"):  # 0 * inf: a tolerance that accepts nothing
        tol = atol + rtol * np.abs(want)
    return not bool(np.any(far(got, want, tol)))


def check_not_mutated(verdict: Verdict, call_text: str, report, names) -> None:
    """Fail for every argument the call modified (``names``: the call's arguments in order)."""
    for index in report.mutated:
        name = names[index] if 0 <= index < len(names) else f"#{index + 1}"
        verdict.add(
            f"{call_text} modified its input `{name}`: work on a copy, the caller still needs it",
            cause="input_modified",
        )
