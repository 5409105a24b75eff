"""Part 4: what each graded cell costs, against its time limit in ``nbgrader_config.py``.

The source notebook (the reference solution, hidden tests included) and the same
notebook with the original lab's code (``corpus/validity/cases/original_lab.py``)
run in a kernel through nbclient, each cell timed from the client's side, as
nbgrader's per-cell timeout measures it. A cell runs at most ``min(its limit,
cap)`` seconds, then the kernel is interrupted and the next cell runs. The rule:
every limit at least 10x the reference time and above the original lab's time
(a cell the original lab never finishes is held to the first half only).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, points, submissions
from lab3_dev.bench.report import Goal, Section, fmt_seconds
from lab3_dev.bench.timing import median

ORIGINAL_CASE = Path("corpus") / "validity" / "cases" / "original_lab.py"
REFERENCE_FACTOR = 10


@dataclass(frozen=True)
class Cell:
    id: str
    name: str  # its grade id, else its id
    points: float | None  # None: not a graded cell
    limit: float  # seconds nbgrader allows it


@dataclass
class Timings:
    """Seconds per cell id for each pass, the errors seen, the cells stopped at their cap."""

    passes: list[dict[str, float]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    stopped: dict[str, float] = field(default_factory=dict)  # cell id -> the cap it hit

    def median(self, cell_id: str) -> float | None:
        """The median seconds, None when the cell was stopped (it never finished)."""
        return None if cell_id in self.stopped else median(p.get(cell_id) for p in self.passes)

    def shown(self, cell_id: str) -> str:
        if cell_id in self.stopped:
            return f"stopped at {self.stopped[cell_id]:g} s"
        return fmt_seconds(self.median(cell_id)) + (
            f" ({self.errors[cell_id]})" if cell_id in self.errors else ""
        )


def limits():
    """The limit nbgrader gives a cell (a function of the cell) and the default one, in
    seconds, from the course's ``nbgrader_config.py``."""
    config = paths.Course.at(None).load_config()
    default = float(config.Execute.get("timeout", 30) or 30)
    func = config.Execute.get("timeout_func")

    def limit(cell) -> float:
        found = func(cell) if callable(func) else None
        return default if found is None else float(found)

    return limit, default


def notebook(replace: dict[str, str] | None = None):
    """The source notebook (hidden tests included) with some cells' code replaced."""
    nb = nbformat.read(paths.course_root() / "source" / paths.ASSIGNMENT / paths.NOTEBOOK, 4)
    for cell in nb.cells:
        cell.source = (replace or {}).get(cell.id, cell.source)
    return nb


def run_in_kernel(nb, workdir: Path, timings: Timings, cap: float = 60.0) -> None:
    """One nbclient run of ``nb`` in ``workdir``; adds the seconds per cell to ``timings``.
    A cell stopped at its cap in an earlier pass gets one second and counts as stopped
    again (every random draw is reseeded, so it would be)."""
    from nbclient import NotebookClient

    limit, _ = limits()
    seconds: dict[str, float] = {}
    allowed: dict[str, float] = {}

    def cell_cap(cell) -> int:
        allowed[cell.id] = min(limit(cell), cap)
        return 1 if cell.id in timings.stopped else max(1, int(allowed[cell.id]))

    class TimedClient(NotebookClient):
        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            start = time.perf_counter()
            try:
                return await super().async_execute_cell(cell, cell_index, *args, **kwargs)
            finally:
                if cell.cell_type == "code":
                    seconds[cell.id] = time.perf_counter() - start

    nb = nbformat.from_dict(nb)  # a copy: outputs are not kept
    client = TimedClient(
        nb,
        timeout_func=cell_cap,
        interrupt_on_timeout=True,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if cell.id in timings.stopped:
            seconds[cell.id] = timings.stopped[cell.id]
        elif seconds.get(cell.id, 0) >= allowed.get(cell.id, math.inf):
            timings.stopped[cell.id] = allowed[cell.id]
        elif errors:
            timings.errors.setdefault(cell.id, errors[0].get("ename", "error"))
    timings.passes.append(seconds)


@dataclass
class CellCosts:
    cells: list[Cell]
    reference: Timings
    original: Timings
    cap: float  # no cell ran longer than min(its limit, cap)


def measure(ref_passes: int = 3, orig_passes: int = 1, cap: float = 60.0) -> CellCosts:
    root, (limit, _) = paths.course_root(), limits()
    original = submissions.parse((root / ORIGINAL_CASE).read_text()).replace
    found = [Cell(c.id, points.grade_id(c) or c.id, points.points_of(c) if points.is_graded(c)
                  else None, limit(c))
             for c in notebook().cells if c.cell_type == "code"]  # fmt: skip
    costs = CellCosts(found, Timings(), Timings(), cap)
    with tempfile.TemporaryDirectory(prefix="lab3-bench-cells-") as tmp:
        workdir = Path(tmp) / paths.ASSIGNMENT
        shutil.copytree(root / "source" / paths.ASSIGNMENT, workdir)
        for _ in range(ref_passes):
            run_in_kernel(notebook(), workdir, costs.reference, cap)
        for _ in range(orig_passes):
            run_in_kernel(notebook(original), workdir, costs.original, cap)
    return costs


def run(passes: int = 3, cap: float = 60.0) -> Section:
    """Part 4's section: ``passes`` of the reference, one of the original lab."""
    return section(measure(passes, 1, cap))


def section(costs: CellCosts) -> Section:
    _, default = limits()
    ref, orig = costs.reference, costs.original
    sec = Section(
        "4. Hidden tests' cost and the time limits",
        "Seconds per code cell in a kernel, medians: the reference solution "
        f"({len(ref.passes)} pass(es)) and the original lab's code ({len(orig.passes)} "
        f"pass(es)). 'needed' = the larger of {REFERENCE_FACTOR}x the reference and the "
        f"original lab; the rule: limit >= needed. No cell ran longer than its limit or "
        f"{costs.cap:g} s ('stopped at'). Listed: graded cells, cells with their own limit, "
        f"cells that break the rule (the others have the default {default:g} s).",
    )
    table = sec.table(
        "", ["cell", "points", "limit", "reference", "original lab", "needed", "verdict"]
    )
    too_low, unfinished, rows = [], [], []
    for cell in costs.cells:
        reference = ref.stopped.get(cell.id) or ref.median(cell.id)
        needed = max(
            (v for v in (reference and REFERENCE_FACTOR * reference, orig.median(cell.id)) if v),
            default=None,
        )
        if needed is None:
            continue
        ok = cell.limit >= needed and cell.id not in ref.stopped
        if not ok:
            too_low.append(cell)
        if cell.id in orig.stopped:
            unfinished.append(cell)
        if cell.points is None and cell.limit == default and ok and cell.id not in orig.stopped:
            continue
        rows.append(cell.id)
        table.add(
            cell.name,
            "-" if cell.points is None else f"{cell.points:g}",
            f"{cell.limit:g} s",
            ref.shown(cell.id),
            orig.shown(cell.id) if orig.passes else "-",
            fmt_seconds(needed),
            "ok" if ok else f"TOO LOW: raise to >= {math.ceil(needed)} s",
        )
    sec.notes.append(
        "A failing test is timed all the same (the exception name is shown); a cell the "
        "original lab's code did not finish (its EM never ends from some starts) is not held "
        "to the original-lab rule, and such a submission spends that cell's full limit."
    )
    sec.notes.append(
        f"The limits of all {len(costs.cells)} code cells add up to "
        f"{sum(c.limit for c in costs.cells):g} s: the most one submission can take before "
        "the pipeline's watchdog."
    )
    measured = f"{len(too_low)} cell(s) too low" if too_low else "all cells ok"
    if unfinished:
        names = ", ".join(c.name for c in unfinished)
        measured += f"; original lab did not finish in {len(unfinished)} cell(s): {names}"
    sec.goals.append(Goal("4. every time limit >= 10x reference and >= original lab", measured,
                          "limit >= needed for every cell", not too_low))  # fmt: skip
    sec.data.update(costs=costs, rows=rows)
    return sec
