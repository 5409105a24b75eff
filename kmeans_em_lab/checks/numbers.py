"""Reading and comparing the numbers of an answer: the shapes a check accepts, and the
tolerances, under which nan and inf never pass."""

from __future__ import annotations

import math

import numpy as np


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
