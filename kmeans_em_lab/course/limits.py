"""Per-cell time limits for nbgrader's ``Execute.timeout_func``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from kmeans_em_lab.course.points import grade_id


def timeout_for_cell(limits: Mapping[str, int], default: int) -> Callable[[dict], int]:
    """A ``timeout_func``: the limit of the cell's ``grade_id``, else ``default`` (s)."""
    limits = dict(limits)

    def timeout(cell) -> int:
        return limits.get(grade_id(cell), default)

    return timeout
