"""Which lab function a graded cell belongs to: the one naming convention, in one place.

The lab's grade ids read ``test_<Function>_<what>``: ``test_Set_public``,
``test_K_Means_hidden``, ``test_K_Means_hidden_1d``. Function names contain
underscores too, so the function is the longest known function name (the
solution cells' grade ids) that the rest starts with; without a match, what
comes before ``_public``/``_hidden``; anything that is not a ``test_`` id is
its own group (the grade id itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MARKER = re.compile(r"^(?P<function>.+?)_(?:public|hidden|visible|private)(?:_.*)?$")


def function_of(grade_id: str, functions: Iterable[str] = ()) -> str:
    """``test_K_Means_hidden_1d`` -> ``K_Means``; ``squares`` -> ``squares``."""
    if not grade_id.startswith("test_") or grade_id == "test_":
        return grade_id
    rest = grade_id[len("test_") :]
    for name in sorted(functions, key=len, reverse=True):
        if rest == name or rest.startswith(name + "_"):
            return name
    match = _MARKER.match(rest)
    if match:
        return match.group("function")
    head, sep, _ = rest.rpartition("_")
    return head if sep else rest


def group(grade_ids: Iterable[str], functions: Iterable[str] = ()) -> dict[str, list[str]]:
    """function -> its grade ids, functions in the order of ``grade_ids``."""
    functions = list(functions)
    out: dict[str, list[str]] = {}
    for grade_id in grade_ids:
        out.setdefault(function_of(grade_id, functions), []).append(grade_id)
    return out
