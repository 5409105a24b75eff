"""The class report: students x functions in the terminal, and ``reports/class_report.png``.

The PNG has the histogram of total scores (percent) and, per function, the
share of students who got all of its points, so the part of the lab the class
struggled with stands out.
"""

from __future__ import annotations

from pathlib import Path

from .export import function_points
from .grouping import group
from .prepare import Layout
from .scores import StudentScores

MARKS = {"graded": "", "zero": "0!", "failed": "FAILED", "not submitted": "-"}


def _cell(got: float, available: float) -> str:
    return f"{got:g}/{available:g}"


def pass_rates(table: dict[str, StudentScores], layout: Layout) -> dict[str, float]:
    """function -> share of students with all of its points."""
    functions = list(group(layout.grade_ids, layout.functions))
    rates = {}
    for function in functions:
        full = [function_points(row, layout)[function] for row in table.values()]
        rates[function] = (
            sum(1 for got, available in full if available and got >= available) / len(full)
            if full
            else 0.0
        )
    return rates


def terminal_table(
    table: dict[str, StudentScores], layout: Layout, outcomes: dict[str, dict]
) -> str:
    functions = list(group(layout.grade_ids, layout.functions))
    header = ["student"] + functions + ["total", "status"]
    rows = []
    for student in sorted(table):
        row = table[student]
        points = function_points(row, layout)
        outcome = outcomes.get(student, {})
        status = outcome.get("status", "not submitted")
        mark = MARKS.get(status, status)
        if outcome.get("flags") and status == "graded":
            mark = "flagged"
        rows.append(
            [student]
            + [_cell(*points[f]) for f in functions]
            + [_cell(row.score, row.max_score), mark]
        )
    rates = pass_rates(table, layout)
    rows.append(["full marks"] + [f"{rates[f]:.0%}" for f in functions] + ["", ""])
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        first = str(cells[0]).ljust(widths[0])
        rest = [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first] + rest).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(header), rule] + [line(r) for r in rows[:-1]] + [rule, line(rows[-1])]
    return "\n".join(body)


def _import_matplotlib():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def preload_matplotlib() -> None:
    """Import matplotlib in a background thread (about 0.5 s), for :func:`write_png`
    later: started while the parent only waits on its workers, it costs no time."""
    import threading

    threading.Thread(target=_import_matplotlib, name="preload-matplotlib", daemon=True).start()


def write_png(path: Path, table: dict[str, StudentScores], layout: Layout, title: str = "") -> Path:
    plt = _import_matplotlib()
    from matplotlib.ticker import MaxNLocator

    percents = [100 * r.score / r.max_score if r.max_score else 0.0 for r in table.values()]
    rates = pass_rates(table, layout)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    left.hist(percents, bins=[i * 10 for i in range(11)], color="#4C72B0", edgecolor="white")
    left.set_xlabel("total score (%)")
    left.set_ylabel("students")
    left.set_title(f"Scores ({len(percents)} students)")
    left.set_xlim(0, 100)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    names = list(rates)
    right.bar(names, [100 * rates[n] for n in names], color="#55A868")
    right.set_ylim(0, 100)
    right.set_ylabel("students with full marks (%)")
    right.set_title("Per function: full marks")
    right.tick_params(axis="x", labelrotation=30)
    if title:
        fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
