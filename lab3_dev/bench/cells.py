"""Part 4: what each graded cell costs, against its time limit in ``nbgrader_config.py``.

Two notebooks run in a kernel through nbclient, each cell timed from the
client's side (what nbgrader's per-cell timeout measures, kernel round trips
included): the source notebook (the reference solution, hidden tests included)
and the same notebook with the solution cells replaced by the original lab's
code (``corpus/validity/cases/original_lab.py``: its slow ``Set`` and
``K_Means``, its ``EM`` that never ends on some starts). A cell runs at most
``min(its limit, cap)`` seconds, then the kernel is interrupted, as nbgrader
does at a cell's limit, and the next cell runs.

The rule: every limit at least 10x the reference time and above the original
lab's time (a cell the original lab never finishes is held to the first half only).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, submissions
from kmeans_em_lab.course import points as nbgrader_points
from lab3_dev.bench.report import Goal, Section, fmt_seconds
from lab3_dev.bench.timing import median

ORIGINAL_CASE = Path("corpus") / "validity" / "cases" / "original_lab.py"
REFERENCE_FACTOR = 10


@dataclass(frozen=True)
class Cell:
    id: str
    grade_id: str | None
    points: float | None  # None: not a graded cell
    limit: float  # seconds nbgrader allows it

    @property
    def name(self) -> str:
        return self.grade_id or self.id


@dataclass
class Timings:
    """Seconds per cell id for each pass, the errors seen, the cells stopped at their cap."""

    passes: list[dict[str, float]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    stopped: dict[str, float] = field(default_factory=dict)  # cell id -> the cap it hit
    overhead: list[float] = field(default_factory=list)  # kernel start + stop per pass

    def median(self, cell_id: str) -> float | None:
        """The median seconds, None when the cell was stopped (it never finished)."""
        return None if cell_id in self.stopped else median(p.get(cell_id) for p in self.passes)

    def shown(self, cell_id: str) -> str:
        if cell_id in self.stopped:
            return f"stopped at {self.stopped[cell_id]:g} s"
        return fmt_seconds(self.median(cell_id)) + (
            f" ({self.errors[cell_id]})" if cell_id in self.errors else ""
        )


def limits(root: Path | None = None):
    """nbgrader's ``(timeout_func, default)`` from the course's ``nbgrader_config.py``."""
    config = paths.Course.at(root).load_config()
    default = float(config.Execute.get("timeout", 30) or 30)
    func = config.Execute.get("timeout_func")
    return (func if callable(func) else (lambda cell: default)), default


def notebook(replace: dict[str, str] | None = None, root: Path | None = None):
    """The source notebook (hidden tests included) with some cells' code replaced."""
    source = (root or paths.course_root()) / "source" / paths.ASSIGNMENT / paths.NOTEBOOK
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        cell.source = (replace or {}).get(cell.id, cell.source)
    return nb


def code_cells(nb, root: Path | None = None) -> list[Cell]:
    timeout_func, default = limits(root)
    return [
        Cell(
            cell.id,
            nbgrader_points.grade_id(cell),
            nbgrader_points.points_of(cell) if nbgrader_points.is_graded(cell) else None,
            float(default if timeout_func(cell) is None else timeout_func(cell)),
        )
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def run_in_kernel(nb, workdir: Path, timings: Timings, cap: float = 60.0) -> None:
    """One nbclient run of ``nb`` in ``workdir``; adds the seconds per cell to ``timings``.

    A cell stopped at its cap in an earlier pass gets one second and counts as
    stopped at that cap again (every random draw is reseeded, so it would be).
    """
    from nbclient import NotebookClient

    timeout_func, default = limits()
    seconds: dict[str, float] = {}
    allowed: dict[str, float] = {}

    def cell_cap(cell) -> int:
        limit = timeout_func(cell)
        allowed[cell.id] = min(float(default if limit is None else limit), cap)
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
    start = time.perf_counter()
    client.execute()
    timings.overhead.append(time.perf_counter() - start - sum(seconds.values()))
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


def measure(
    ref_passes: int = 3, orig_passes: int = 1, cap: float = 60.0, root: Path | None = None
) -> CellCosts:
    root = root or paths.course_root()
    original = submissions.parse((root / ORIGINAL_CASE).read_text()).replace
    costs = CellCosts(code_cells(notebook(root=root), root), Timings(), Timings(), cap)
    with tempfile.TemporaryDirectory(prefix="lab3-bench-cells-") as tmp:
        workdir = Path(tmp) / paths.ASSIGNMENT
        shutil.copytree(root / "source" / paths.ASSIGNMENT, workdir)
        for _ in range(ref_passes):
            run_in_kernel(notebook(root=root), workdir, costs.reference, cap)
        for _ in range(orig_passes):
            run_in_kernel(notebook(original, root), workdir, costs.original, cap)
    return costs


def run(**options) -> Section:
    """Part 4's section; ``options`` are those of :func:`measure`."""
    return section(measure(**options))


def section(costs: CellCosts) -> Section:
    _, default = limits()
    ref, orig = costs.reference, costs.original
    sec = Section(
        "4. Hidden tests' cost and the time limits",
        "Seconds per code cell in a kernel (nbclient, timed from the client's side), medians: "
        f"the reference solution ({len(ref.passes)} pass(es)) and the original lab's code "
        f"({len(orig.passes)} pass(es)). 'needed' = the larger of {REFERENCE_FACTOR}x the "
        "reference and the original lab; the rule is limit >= needed. No cell ran longer "
        f"than its limit or {costs.cap:g} s ('stopped at'). Listed: graded cells, cells "
        f"with their own limit, and any cell that breaks the rule (others have the default "
        f"{default:g} s).",
    )
    table = sec.table(
        "",
        ["cell", "points", "limit", "reference", f"{REFERENCE_FACTOR}x reference",
         "original lab", "needed", "limit / needed", "verdict"],
    )  # fmt: skip
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
            too_low.append((cell, needed))
        if cell.id in orig.stopped:
            unfinished.append(cell)
        if cell.points is None and cell.limit == default and ok and cell.id not in orig.stopped:
            continue
        rows.append(cell.id)
        if not ok:
            verdict = f"TOO LOW: raise to >= {math.ceil(needed)} s"
        elif cell.id in orig.stopped:
            verdict = "ok for the reference; the original lab did not finish (see notes)"
        else:
            verdict = "ok"
        table.add(
            cell.name,
            "-" if cell.points is None else f"{cell.points:g}",
            f"{cell.limit:g} s",
            ref.shown(cell.id),
            fmt_seconds(reference and REFERENCE_FACTOR * reference),
            orig.shown(cell.id) if orig.passes else "-",
            fmt_seconds(needed),
            f"{cell.limit / needed:.0f}x",
            verdict,
        )
    if ref.errors:
        sec.notes.append(f"The reference solution raised in cells {ref.errors}: check the source.")
    sec.notes.append(
        "The original lab's code fails some tests (its Update leaves nan for an empty cluster, "
        "its EM_step reads the pdf off a grid and uses the old means): a failing test is timed "
        "all the same (the exception name is shown)."
    )
    if unfinished:
        sec.notes.append(
            "The original lab's code did not finish in: "
            + ", ".join(f"{c.name} (limit {c.limit:g} s)" for c in unfinished)
            + ". Its EM, from its random start, gets a nan mean and its exact-equality loop "
            "never ends (corpus/validity/cases/original_lab.py): no limit lets it finish, so "
            "those cells are not held to the original-lab rule, and each such submission "
            "spends that cell's full limit there."
        )
    for name, timings in (("reference", ref), ("original lab", orig)):
        if timings.passes:
            total = median(sum(p.values()) for p in timings.passes)
            sec.notes.append(
                f"Whole notebook in a kernel, {name}: {fmt_seconds(total)} in cells (a stopped "
                f"cell counted at its cap) + {fmt_seconds(median(timings.overhead))} kernel "
                "start/stop."
            )
    sec.notes.append(
        f"The limits of all {len(costs.cells)} code cells add up to "
        f"{sum(c.limit for c in costs.cells):g} s: the most one submission can take before "
        "the pipeline's watchdog (that sum plus a margin)."
    )
    if too_low:
        names = ", ".join(f"{c.name} ({c.limit:g} s < {fmt_seconds(n)})" for c, n in too_low)
        sec.notes.insert(0, f"**Limits too low by the rule: {names}.** Change them in "
                         "nbgrader_config.py (CELL_TIMEOUTS).")  # fmt: skip
    measured = "all cells ok" if not too_low else f"{len(too_low)} cell(s) too low"
    if unfinished:
        measured += f"; original lab did not finish in {len(unfinished)} cell(s): " + ", ".join(
            c.name for c in unfinished
        )
    sec.goals.append(
        Goal(
            "4. every time limit >= 10x reference and >= original lab",
            measured,
            "limit >= needed for every cell",
            not too_low,
        )
    )
    sec.data.update(costs=costs, rows=rows)
    return sec
