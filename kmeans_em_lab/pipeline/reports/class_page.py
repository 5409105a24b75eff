"""``reports/class_report.html``: the class report as one page.

One self-contained HTML file (no script, no file beside it but the feedback
pages it links to):

- the class figure of :mod:`.report` (score histogram, full marks per
  function, the most frequent causes), inline as a base64 PNG;
- why points were lost: per function, each cause (:mod:`.causes`) with the
  number of students who lost points for it, its meaning and, as an example,
  the message more than half of them got (none when no message is that common);
- a row per student: points per function, total, status and flags, the
  causes, and a link to the student's feedback page
  (``../feedback/<student>/<assignment>/<notebook>.html``, relative, so the
  course folder can be moved or zipped with its links intact).

Student ids, flags and messages (which quote student output) are HTML-escaped.

The page is written for everyone: it has a language, its colours come from
:mod:`.palette` (readable text, colour-blind-safe figure), points are numbers
whose colour only repeats them, and the figure's alternative text says what
it shows, with its numbers (:func:`.report.describe_figure`).
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.pages import palette
from kmeans_em_lab.pipeline.pages.feedback import sentence
from kmeans_em_lab.pipeline.pages.page_style import report_head
from kmeans_em_lab.pipeline.reports.export import function_points
from kmeans_em_lab.pipeline.reports.report import MARKS, describe_figure, figure_png, pass_rates
from kmeans_em_lab.pipeline.shared.causes import count, csv_field
from kmeans_em_lab.pipeline.shared.grouping import group
from kmeans_em_lab.pipeline.shared.scores import StudentScores
from kmeans_em_lab.pipeline.shared.untrusted_text import for_html
from kmeans_em_lab.similarity import FILE as SIMILARITY_FILE

FILE = "class_report.html"

STYLE = f"""<style>
body{{font-family:sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;
color:{palette.TEXT};background:{palette.WHITE}}}
h1{{font-size:24px}}h2{{font-size:19px;margin-top:28px}}
a{{color:{palette.LINK};text-decoration:underline}}
:focus-visible{{outline:3px solid {palette.LINK};outline-offset:2px}}
table{{border-collapse:collapse;width:100%;font-size:14px}}
th,td{{border-bottom:1px solid #ddd;padding:5px 8px;text-align:left;vertical-align:top}}
th{{background:{palette.SHADE}}}td.num{{text-align:right;white-space:nowrap}}
td.lost{{color:{palette.LOST}}}td.full{{color:{palette.FULL}}}
.example,.meaning,.flags{{color:{palette.MUTED};font-size:12px}}
img{{max-width:100%;border:1px solid #ddd}}
</style>"""


_e = for_html


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def feedback_link(page: Path, feedback: Path) -> str:
    """The relative URL of ``feedback`` from ``page``'s folder."""
    return urllib.parse.quote(Path(os.path.relpath(feedback, page.parent)).as_posix())


def render(
    *,
    page: Path,
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    outcomes: Mapping[str, dict],
    causes: Mapping[str, Mapping[str, list]],
    feedback: Mapping[str, Path],
    title: str,
    similarity: Path | None = None,
) -> str:
    """The page's HTML; ``feedback``: student -> their feedback page (only those that exist);
    ``similarity``: the similarity report, linked when there is one."""
    functions = list(group(layout.grade_ids, layout.functions))
    scores = [r.score for r in table.values()]
    rates = pass_rates(table, layout)
    summary = (
        f"{len(table)} students, mean score {sum(scores) / len(scores):.1f}"
        if scores
        else "no students"
    )
    parts = [
        *report_head(title, STYLE),
        f"<p>{_e(summary)}. Full marks per function: "
        + ", ".join(f"{_e(f)} {rates[f]:.0%}" for f in functions)
        + ".</p>",
        *(
            [
                f'<p><a href="{feedback_link(page, similarity)}">Similar submissions</a>: '
                "pairs of students whose work is worth a look, with the evidence.</p>"
            ]
            if similarity is not None
            else []
        ),
        f'<img alt="{_e(describe_figure(table, layout, causes))}" '
        f'src="data:image/png;base64,{_base64(figure_png(table, layout, title, causes))}">',
        *_causes_table(layout, causes),
        *_students_table(page, table, layout, functions, outcomes, causes, feedback),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _causes_table(layout: AssignmentCells, causes) -> list[str]:
    counts = count(causes, layout)
    out = ['<h2 id="causes">Why points were lost</h2>']
    if not counts:
        return [*out, "<p>No points were lost for any known cause.</p>"]
    out.append(
        '<table class="causes"><thead><tr><th>function</th><th>cause</th><th>students</th>'
        "<th>what it means, and an example</th></tr></thead><tbody>"
    )
    for c in counts:
        example = (
            f'<br><span class="example">e.g. ({c.example_students} of {c.students} students) '
            f"{_e(sentence(c.example))}</span>"
            if c.example
            else ""
        )
        out.append(
            f"<tr><td>{_e(c.function)}</td><td><code>{_e(c.code)}</code></td>"
            f'<td class="num">{c.students}</td><td><span class="meaning">{_e(c.explanation)}'
            f"</span>{example}</td></tr>"
        )
    return [*out, "</tbody></table>"]


def _students_table(page, table, layout, functions, outcomes, causes, feedback) -> list[str]:
    head = "".join(f"<th>{_e(f)}</th>" for f in functions)
    out = [
        '<h2 id="students">Students</h2>',
        f'<table class="students"><thead><tr><th>student</th>{head}<th>total</th>'
        "<th>status</th><th>why points were lost</th><th>feedback</th></tr></thead><tbody>",
    ]
    for student in sorted(table):
        row, outcome = table[student], outcomes.get(student, {})
        points = function_points(row, layout)
        cells = "".join(
            f'<td class="num {"full" if got >= available else "lost"}">{got:g}/{available:g}</td>'
            for got, available in (points[f] for f in functions)
        )
        status = outcome.get("status", "not submitted")
        mark = (
            "flagged" if outcome.get("flags") and status == "graded" else MARKS.get(status, status)
        )
        flags = "; ".join(outcome.get("flags", []))
        link = (
            f'<a href="{feedback_link(page, feedback[student])}">feedback</a>'
            if student in feedback
            else "-"
        )
        out.append(
            f'<tr id="student-{_e(student)}"><td>{_e(student)}</td>{cells}'
            f'<td class="num">{row.score:g}/{row.max_score:g}</td>'
            f'<td>{_e(mark or status)}<div class="flags">{_e(flags)}</div></td>'
            f"<td>{_e(csv_field(causes.get(student, {})))}</td><td>{link}</td></tr>"
        )
    return [*out, "</tbody></table>"]


def write_html(
    settings,
    table: dict[str, StudentScores],
    layout: AssignmentCells,
    outcomes: Mapping[str, dict],
    causes: Mapping[str, Mapping[str, list]],
    title: str,
) -> Path:
    """Write ``reports/class_report.html`` for the course of ``settings``; its path."""
    page = settings.reports / FILE
    pages = {s: settings.feedback_dir(s) / f"{settings.notebook_id}.html" for s in table}
    feedback = {s: p for s, p in pages.items() if p.is_file()}
    text = render(
        page=page,
        table=table,
        layout=layout,
        outcomes=outcomes,
        causes=causes,
        feedback=feedback,
        title=title,
        similarity=similarity if (similarity := page.parent / SIMILARITY_FILE).is_file() else None,
    )
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")
    return page
