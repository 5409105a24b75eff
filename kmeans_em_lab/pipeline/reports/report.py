"""The class report: students x functions in the terminal, and ``reports/class_report.png``.

The PNG has the histogram of total scores (percent), per function the share
of students who got all of its points, so the part of the lab the class
struggled with stands out, and why points were lost: the most frequent causes
(:mod:`.causes`) with their number of students. The terminal table is followed
by the same causes, each with its meaning. The one-page HTML report
(:mod:`.class_page`) shows the same figure.

Every cell of the terminal's tables goes through
:func:`.untrusted_text.for_terminal` (a student id or a status read back from a
stamp is the submission's word): none can redraw a line of the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.pages import palette
from kmeans_em_lab.pipeline.reports.export import function_points
from kmeans_em_lab.pipeline.shared.causes import count
from kmeans_em_lab.pipeline.shared.grouping import group
from kmeans_em_lab.pipeline.shared.scores import StudentScores
from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal

MARKS = {"graded": "", "zero": "0!", "failed": "FAILED", "not submitted": "-"}


def _cell(got: float, available: float) -> str:
    return f"{got:g}/{available:g}"


def pass_rates(table: dict[str, StudentScores], layout: AssignmentCells) -> dict[str, float]:
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
    table: dict[str, StudentScores], layout: AssignmentCells, outcomes: dict[str, dict]
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
    header, *rows = [[for_terminal(c) for c in r] for r in [header, *rows]]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
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


CHART_CAUSES = 12  # causes shown in the figure's bar chart (the most frequent)


def figure(
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    title: str = "",
    causes: Mapping[str, Mapping[str, list]] | None = None,
):
    """The class figure: score histogram, full marks per function and, when points were
    lost for known causes, the most frequent of them (``causes``: :func:`.causes.read_class`)."""
    plt = _import_matplotlib()
    from matplotlib.ticker import MaxNLocator

    counts = _charted_causes(layout, causes)
    percents = _percents(table)
    rates = pass_rates(table, layout)
    height = 4.8 + (0.8 + 0.3 * len(counts) if counts else 0.0)
    fig = plt.figure(figsize=(12, height), constrained_layout=True)
    grid = fig.add_gridspec(
        2 if counts else 1, 2, height_ratios=[4.8, height - 4.8] if counts else None
    )
    left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    left.hist(
        percents, bins=[i * 10 for i in range(11)], color=palette.SERIES[0], edgecolor="white"
    )
    left.set_xlabel("total score (%)")
    left.set_ylabel("students")
    left.set_title(f"Scores ({len(percents)} students)")
    left.set_xlim(0, 100)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    names = list(rates)
    right.bar(names, [100 * rates[n] for n in names], color=palette.SERIES[2])
    right.set_ylim(0, 100)
    right.set_ylabel("students with full marks (%)")
    right.set_title("Per function: full marks")
    right.tick_params(axis="x", labelrotation=30)
    if counts:
        bottom = fig.add_subplot(grid[1, :])
        labels = [f"{c.function}: {c.code}" for c in counts][::-1]
        bottom.barh(labels, [c.students for c in counts][::-1], color=palette.SERIES[3])
        bottom.set_xlabel("students")
        bottom.set_title("Why points were lost (most frequent causes)")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    return fig


def _charted_causes(layout: AssignmentCells, causes) -> list:
    counts = count(causes or {}, layout)
    top = sorted(counts, key=lambda c: -c.students)[:CHART_CAUSES]  # stable: notebook order
    return [c for c in counts if c in top]


def _percents(table: dict[str, StudentScores]) -> list[float]:
    return [100 * r.score / r.max_score if r.max_score else 0.0 for r in table.values()]


def describe_figure(
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    causes: Mapping[str, Mapping[str, list]] | None = None,
) -> str:
    """What :func:`figure` shows, in words and its numbers: the figure's alternative text."""
    percents = _percents(table)
    bins = [0] * 10
    for percent in percents:
        bins[min(int(percent // 10), 9)] += 1
    histogram = ", ".join(
        f"{10 * i}-{10 * i + 10}%: {n}" for i, n in enumerate(bins) if n
    )  # fmt: skip
    rates = pass_rates(table, layout)
    text = (
        f"Histogram of the total scores of {len(percents)} students (students per band: "
        f"{histogram or 'none'}). Bar chart of the students with full marks per function: "
        + ", ".join(f"{name} {rate:.0%}" for name, rate in rates.items())
        + "."
    )
    counts = _charted_causes(layout, causes)
    if counts:
        text += (
            " Bar chart of the most frequent causes of lost points: "
            + "; ".join(
                f"{c.function} {c.code}, {c.students} student{'s' * (c.students != 1)}"
                for c in sorted(counts, key=lambda c: -c.students)
            )
            + "."
        )
    return for_terminal(text)


def write_png(
    path: Path,
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    title: str = "",
    causes: Mapping[str, Mapping[str, list]] | None = None,
) -> Path:
    plt = _import_matplotlib()
    fig = figure(table, layout, title, causes)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def figure_png(
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    title: str = "",
    causes: Mapping[str, Mapping[str, list]] | None = None,
    dpi: int = 80,
) -> bytes:
    """:func:`figure` as PNG bytes (for a page that embeds it)."""
    import io

    plt = _import_matplotlib()
    fig = figure(table, layout, title, causes)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def causes_section(layout: AssignmentCells, causes: Mapping[str, Mapping[str, list]]) -> str:
    """The terminal's list of causes below the table ('' when no points were lost for one)."""
    counts = count(causes, layout)
    if not counts:
        return ""
    header = ["function", "cause", "students", "what it means"]
    rows = [
        [for_terminal(t) for t in (c.function, c.code, c.students, c.explanation)] for c in counts
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]

    def line(cells):
        first = [cells[0].ljust(widths[0]), cells[1].ljust(widths[1])]
        return "  ".join([*first, cells[2].rjust(widths[2]), cells[3]]).rstrip()

    rule = "  ".join("-" * w for w in [*widths, len(header[3])])
    return "\n".join(["why points were lost:", line(header), rule, *(line(r) for r in rows)])
