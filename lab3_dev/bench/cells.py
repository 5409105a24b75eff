"""Part 4: what each graded cell costs, against its time limit in ``nbgrader_config.py``.

Two notebooks are timed cell by cell: the source notebook (the reference
solution, hidden tests included) and the same notebook with the solution cells
replaced by the original lab's code (``corpus/validity/cases/original_lab.py``:
its slow ``Set``, ``K_Means`` and its ``EM`` + ``EM_step`` that take seconds).

- in-process: the code cells executed in order in one namespace (as
  ``grader_tests/checks/test_checks.py`` builds it, the whole notebook rather than the
  solutions only), the checks' cached reference results cleared before every
  pass, as in a fresh kernel;
- in a kernel: the notebook run by nbclient, each cell timed from the client's
  side (what nbgrader's per-cell timeout measures, kernel round trips included).

The rule: every limit at least 10x the reference time and above the
original lab's time.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, submissions
from kmeans_em_lab.course import points as nbgrader_points
from kmeans_em_lab.time_limit import OutOfTime, time_limit
from lab3_dev.bench.report import Goal, Section, fmt_seconds
from lab3_dev.bench.timing import median

ORIGINAL_CASE = Path("corpus") / "validity" / "cases" / "original_lab.py"
# correct but about 1000x slower than the reference (Python loops, a pdf per sample)
SLOW_CORRECT_CASE = Path("corpus") / "validity" / "cases" / "fault_slow_correct.py"
REFERENCE_FACTOR = 10


@dataclass
class Cell:
    id: str
    grade_id: str | None
    source: str
    points: float | None  # None: not a graded cell
    limit: float  # seconds nbgrader allows it


@dataclass
class Timings:
    """Seconds per cell id for each pass, and the errors seen."""

    passes: list[dict[str, float]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    overhead: list[float] = field(default_factory=list)  # kernel start + stop per pass (nbclient)
    timed_out: dict[str, float] = field(default_factory=dict)  # cell id -> the cap it hit

    def median(self, cell_id: str) -> float | None:
        return median(p.get(cell_id) for p in self.passes)


def source_notebook(root: Path | None = None) -> Path:
    return (root or paths.course_root()) / "source" / paths.ASSIGNMENT / paths.NOTEBOOK


def original_lab_code(root: Path | None = None) -> dict[str, str]:
    text = ((root or paths.course_root()) / ORIGINAL_CASE).read_text()
    return submissions.parse(text).replace


def limits(root: Path | None = None):
    """nbgrader's ``(timeout_func, default)`` from the course's ``nbgrader_config.py``."""
    config = paths.Course.at(root).load_config()
    default = float(config.Execute.get("timeout", 30) or 30)
    func = config.Execute.get("timeout_func")
    return (func if callable(func) else (lambda cell: default)), default


def notebook(replace: dict[str, str] | None = None, root: Path | None = None):
    """The source notebook (hidden tests included) with some cells' code replaced."""
    nb = nbformat.read(source_notebook(root), as_version=4)
    for cell in nb.cells:
        if replace and cell.id in replace:
            cell.source = replace[cell.id]
    return nb


def code_cells(nb, root: Path | None = None) -> list[Cell]:
    timeout_func, default = limits(root)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        points = nbgrader_points.points_of(cell) if nbgrader_points.is_graded(cell) else None
        limit = timeout_func(cell)
        out.append(
            Cell(
                cell.id,
                nbgrader_points.grade_id(cell),
                cell.source,
                points,
                float(default if limit is None else limit),
            )
        )
    return out


# ----------------------------------------------------------------------------- in-process


def clear_reference_caches() -> None:
    """Forget the checks' cached data and reference fits (a fresh kernel has none)."""
    from kmeans_em_lab.checks import reference_results

    for value in vars(reference_results).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()


def _python_only(source: str) -> str:
    """The cell without IPython magics (``%matplotlib inline``, ``%config ...``)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def _restore_student_helpers(namespace: dict, before: dict) -> None:
    """What the public tests' IPython ``post_run_cell`` callback does in a kernel:
    names the cell bound to the checks' reference helpers get their old values back."""
    for name, value in list(namespace.items()):
        if before.get(name, _MISSING) is value:
            continue
        if str(getattr(value, "__module__", "")).startswith(("kmeans_em_lab", "lab3_kernel")):
            if name in before:
                namespace[name] = before[name]
            else:
                del namespace[name]


_MISSING = object()


def run_in_process(cells: list[Cell], workdir: Path, timings: Timings, cap: float = 60.0) -> None:
    """One pass over ``cells`` in a fresh namespace; adds the seconds per cell to ``timings``.

    A cell runs at most ``min(its limit, cap)`` seconds; one that got stopped in
    an earlier pass is not run again (the checks reseed every random draw, so it
    would be stopped again) and counts as its cap.
    """
    import matplotlib

    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clear_reference_caches()
    namespace = {"__name__": "__main__"}
    seconds = {}
    sink = io.StringIO()
    with (
        contextlib.chdir(workdir),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        for cell in cells:
            allowed = min(cell.limit, cap)
            if cell.id in timings.timed_out:
                seconds[cell.id] = timings.timed_out[cell.id]
                continue
            code = compile(_python_only(cell.source), f"<cell {cell.id}>", "exec")
            before = dict(namespace)
            start = time.perf_counter()
            try:
                with warnings.catch_warnings(), time_limit(allowed):
                    warnings.simplefilter("ignore")
                    exec(code, namespace)
            except OutOfTime:
                timings.timed_out[cell.id] = allowed
            except Exception as err:  # noqa: BLE001 - a failing test cell is still timed
                timings.errors.setdefault(cell.id, f"{type(err).__name__}")
            seconds[cell.id] = time.perf_counter() - start
            if "record_public" in cell.source:
                _restore_student_helpers(namespace, before)
            plt.close("all")
            sink.seek(0)
            sink.truncate()
    timings.passes.append(seconds)


# ----------------------------------------------------------------------------- nbclient


def run_in_kernel(
    nb, workdir: Path, timings: Timings, cap: float = 60.0, known: dict | None = None
) -> None:
    """One nbclient run of ``nb`` in ``workdir``; client-side seconds per cell.

    Each cell runs at most ``min(its limit, cap)`` seconds, then the kernel is
    interrupted (as nbgrader does at a cell's limit) and the next cell runs.
    Cells in ``known`` (id -> cap) were stopped at their cap in-process: they get
    one second here and count as stopped at that cap again (every random draw
    is reseeded, so they would be).
    """
    known = known or {}
    from nbclient import NotebookClient

    timeout_func, default = limits()
    seconds: dict[str, float] = {}
    allowed: dict[str, float] = {}

    def cell_cap(cell) -> int:
        limit = timeout_func(cell)
        allowed[cell.id] = min(float(default if limit is None else limit), cap)
        return 1 if cell.id in known else max(1, int(allowed[cell.id]))

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
    total = time.perf_counter() - start
    timings.overhead.append(total - sum(seconds.values()))
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if cell.id in known:
            timings.timed_out[cell.id] = seconds[cell.id] = known[cell.id]
        elif cell.cell_type == "code" and seconds.get(cell.id, 0) >= allowed.get(cell.id, 1e9):
            timings.timed_out[cell.id] = allowed[cell.id]
        elif errors:
            timings.errors.setdefault(cell.id, errors[0].get("ename", "error"))
    timings.passes.append(seconds)


# ----------------------------------------------------------------------------- the part


@dataclass
class CellCosts:
    cells: list[Cell]
    reference: Timings
    reference_kernel: Timings
    original: Timings
    original_kernel: Timings
    cap: float = 60.0  # no cell ran longer than min(its limit, cap)
    slow_correct: Timings = field(default_factory=Timings)  # informative, not in the rule


def measure(
    ref_passes: int = 5,
    orig_passes: int = 3,
    kernel_ref_passes: int = 3,
    kernel_orig_passes: int = 1,
    root: Path | None = None,
    cap: float = 60.0,
    slow_correct_passes: int = 1,
) -> CellCosts:
    """Time the cells; each one runs at most ``min(its limit, cap)`` seconds."""
    root = root or paths.course_root()
    ref_nb = notebook(root=root)
    orig_nb = notebook(original_lab_code(root), root=root)
    cells = code_cells(ref_nb, root)
    orig_cells = code_cells(orig_nb, root)
    costs = CellCosts(cells, Timings(), Timings(), Timings(), Timings(), cap)
    with tempfile.TemporaryDirectory(prefix="lab3-bench-cells-") as tmp:
        workdir = Path(tmp) / paths.ASSIGNMENT
        shutil.copytree(source_notebook(root).parent, workdir)
        for _ in range(ref_passes):
            run_in_process(cells, workdir, costs.reference, cap)
        for _ in range(orig_passes):
            run_in_process(orig_cells, workdir, costs.original, cap)
        for _ in range(kernel_ref_passes):
            run_in_kernel(ref_nb, workdir, costs.reference_kernel, cap)
        for _ in range(kernel_orig_passes):
            run_in_kernel(orig_nb, workdir, costs.original_kernel, cap, costs.original.timed_out)
        slow_code = root / SLOW_CORRECT_CASE
        if slow_code.exists():
            slow = submissions.parse(slow_code.read_text()).replace
            slow_cells = code_cells(notebook(slow, root=root), root)
            for _ in range(slow_correct_passes):
                run_in_process(slow_cells, workdir, costs.slow_correct, cap)
    return costs


def _worst(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _nice_ceiling(seconds: float) -> int:
    """A round number of seconds at or above ``seconds`` (1, 2, 5, 10, 20, 30, 60, ...)."""
    for step in (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900):
        if seconds <= step:
            return step
    return int(math.ceil(seconds / 300) * 300)


def run(**options) -> Section:
    """Part 4's section; ``options`` are those of :func:`measure`."""
    costs = measure(**options)
    return section(costs)


def _shown(timings: Timings, cell_id: str) -> str:
    if cell_id in timings.timed_out:
        return f"stopped at {timings.timed_out[cell_id]:g} s"
    return fmt_seconds(timings.median(cell_id))


def _finished(timings: Timings, cell_id: str) -> float | None:
    """The median seconds, None when the cell was stopped (no finishing time known)."""
    return None if cell_id in timings.timed_out else timings.median(cell_id)


def _passes(timings: Timings) -> str:
    n = len(timings.passes)
    return f"{n} pass" if n == 1 else f"{n} passes"


def section(costs: CellCosts) -> Section:
    _, default = limits()
    sec = Section(
        "4. Hidden tests' cost and the time limits",
        "Seconds per code cell, medians: the reference solution "
        f"({_passes(costs.reference)} in-process, {_passes(costs.reference_kernel)} in a kernel "
        f"via nbclient) and the original lab's code ({_passes(costs.original)} in-process, "
        f"{_passes(costs.original_kernel)} in a kernel). 'needed' = the larger of "
        f"{REFERENCE_FACTOR}x the slower reference figure and the slower original-lab figure; "
        "the rule is limit >= needed. No cell ran longer than its limit or "
        f"{costs.cap:g} s ('stopped at'). Listed: graded cells, cells with their own limit, "
        f"and any cell that breaks the rule (others have the default {default:g} s).",
    )
    table = sec.table(
        "",
        [
            "cell",
            "points",
            "limit",
            "reference in-process",
            "reference in kernel",
            f"{REFERENCE_FACTOR}x reference",
            "original lab in-process",
            "original lab in kernel",
            "needed",
            "limit / needed",
            "verdict",
            "slow-but-correct case in-process",
        ],
    )
    too_low, unfinished, rows = [], [], []
    for cell in costs.cells:
        ref_stopped = any(cell.id in t.timed_out for t in (costs.reference, costs.reference_kernel))
        orig_stopped = any(cell.id in t.timed_out for t in (costs.original, costs.original_kernel))
        ref = _worst(
            _finished(costs.reference, cell.id), _finished(costs.reference_kernel, cell.id)
        )
        orig = _worst(_finished(costs.original, cell.id), _finished(costs.original_kernel, cell.id))
        if ref_stopped:  # the reference itself did not finish: at least its cap is needed
            ref = _worst(
                ref,
                costs.reference.timed_out.get(cell.id),
                costs.reference_kernel.timed_out.get(cell.id),
            )
        needed = _worst(None if ref is None else REFERENCE_FACTOR * ref, orig)
        if needed is None:
            continue
        ok = cell.limit >= needed and not (ref_stopped and cell.limit <= ref)
        if not ok:
            too_low.append((cell, needed))
        if orig_stopped:
            unfinished.append(cell)
        listed = cell.points is not None or cell.limit != default or not ok or orig_stopped
        if not listed:
            continue
        if not ok:
            verdict = f"TOO LOW: raise to >= {_nice_ceiling(needed)} s"
        elif orig_stopped:
            verdict = "ok for the reference; the original lab did not finish (see notes)"
        elif orig is not None and cell.limit < 2 * orig:
            verdict = "ok (under 2x the original lab)"
        else:
            verdict = "ok"
        rows.append(cell.id)
        error = costs.original.errors.get(cell.id) or costs.original_kernel.errors.get(cell.id)
        orig_note = f" ({error})" if error and cell.points is not None else ""
        table.add(
            cell.grade_id or cell.id,
            "-" if cell.points is None else f"{cell.points:g}",
            f"{cell.limit:g} s",
            _shown(costs.reference, cell.id),
            _shown(costs.reference_kernel, cell.id),
            fmt_seconds(None if ref is None else REFERENCE_FACTOR * ref),
            _shown(costs.original, cell.id) + orig_note,
            _shown(costs.original_kernel, cell.id),
            fmt_seconds(needed),
            f"{cell.limit / needed:.0f}x" if needed else "-",
            verdict,
            _shown(costs.slow_correct, cell.id) if costs.slow_correct.passes else "-",
        )
    ref_errors = {**costs.reference.errors, **costs.reference_kernel.errors}
    if ref_errors:
        sec.notes.append(f"The reference solution raised in cells {ref_errors}: check the source.")
    sec.notes.append(
        "The original lab's code fails some tests (its Update leaves nan for an empty cluster, "
        "its EM_step reads the pdf off a grid and uses the old means): a failing test is timed "
        "all the same (the exception name is shown)."
    )
    if unfinished:

        def stopped_at(c: Cell) -> float:
            return costs.original.timed_out.get(c.id) or costs.original_kernel.timed_out[c.id]

        names = ", ".join(
            f"{c.grade_id or c.id} (limit {c.limit:g} s, stopped at {stopped_at(c):g} s)"
            for c in unfinished
        )
        sec.notes.append(
            f"The original lab's code did not finish in: {names}. Those cells are not held to "
            "the original-lab rule: the corpus case corpus/validity/cases/original_lab.py "
            "explains that its EM, graded with a correct EM_step from its random start in "
            "test_EM_public, gets a nan mean and its exact-equality loop never ends; no limit "
            "lets such code finish, grading stops it at the cell's limit. So each such "
            "submission spends that cell's full limit there (part 1's per-example times show "
            "it): the limit sets what code that never ends costs, and a lower limit that still "
            "keeps 'needed' would grade such a class faster."
        )
    if costs.slow_correct.passes:
        tight = [
            c.grade_id or c.id
            for c in costs.cells
            if c.id in costs.slow_correct.timed_out
            or (costs.slow_correct.median(c.id) or 0) * 2 > c.limit
        ]
        sec.notes.append(
            "Last column, for information (not part of the rule): the corpus case "
            f"{SLOW_CORRECT_CASE.as_posix()}, correct code about 1000x slower than the "
            "reference (Python loops; a pdf call per sample). "
            + (
                f"Within 2x of its limit or stopped: {', '.join(tight)}."
                if tight
                else "Every cell ends within half its limit."
            )
        )
    for name, timings in (
        ("reference", costs.reference_kernel),
        ("original lab", costs.original_kernel),
    ):
        if timings.passes:
            total = median(sum(p.values()) for p in timings.passes)
            stopped = (
                f" (counting {len(timings.timed_out)} stopped cell(s) at their cap)"
                if timings.timed_out
                else ""
            )
            sec.notes.append(
                f"Whole notebook in a kernel, {name}: {fmt_seconds(total)} in cells{stopped} "
                f"+ {fmt_seconds(median(timings.overhead))} kernel start/stop."
            )
    sum_limits = sum(c.limit for c in costs.cells)
    sec.notes.append(
        f"The limits of all {len(costs.cells)} code cells add up to {sum_limits:g} s: the most "
        "one submission can take before the pipeline's watchdog (that sum plus a margin)."
    )
    if too_low:
        names = ", ".join(
            f"{c.grade_id or c.id} ({c.limit:g} s < {fmt_seconds(n)})" for c, n in too_low
        )
        sec.notes.insert(
            0,
            f"**Limits too low by the rule: {names}.** Change them in "
            "nbgrader_config.py (CELL_TIMEOUTS).",
        )
    measured = "all cells ok" if not too_low else f"{len(too_low)} cell(s) too low"
    if unfinished:
        measured += f"; original lab did not finish in {len(unfinished)} cell(s): " + ", ".join(
            c.grade_id or c.id for c in unfinished
        )
    sec.goals.append(
        Goal(
            "4. every time limit >= 10x reference and >= original lab",
            measured,
            "limit >= needed for every cell",
            not too_low,
        )
    )
    sec.data.update(
        costs=costs,
        too_low=[c.id for c, _ in too_low],
        unfinished=[c.id for c in unfinished],
        rows=rows,
    )
    return sec
