"""The summary that opens a student's feedback page: points per function, and why any were lost.

nbgrader's feedback (``feedback/<student>/<assignment>/<notebook>.html``) is the
whole notebook, where a failed hidden test shows its one-line call and a
message somewhere down the page. :func:`add_summary` puts a short section
at the top of that page:

- the total, and the points of each function of the lab;
- for each function that lost points, every cause (:mod:`.causes`) in one
  sentence, the check's own message, with a link to the test cell it comes
  from (nbgrader's anchor ``#<grade id>``) and the cause's code and meaning;
- for ``K_Means`` and ``EM``, when their hidden test lost points, a picture the
  grader drew (:mod:`.pictures`): the student's answer beside the reference's,
  inline (base64 PNG), its alternative text saying what it shows
  (:func:`.pictures.describe`).

The summary is the first thing in the page's body and its first tab stop
(a keyboard or screen-reader user lands on it, named by its heading);
points are always written as numbers, their colour (:mod:`.palette`) only
repeats them.

Only trusted data goes in: the autograded notebook's graded cells (nbgrader's
metadata, restored from the gradebook before the notebook ran; their scores
by nbgrader's own rule, the one ``SaveAutoGrades`` applied) and what the grader
wrote into them (causes, picture numbers). Messages quote the student's
values and output, so every text is HTML-escaped.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from nbgrader.utils import determine_grade

from kmeans_em_lab.checks.cause_codes import explain
from kmeans_em_lab.course import points
from kmeans_em_lab.course.points import assignment_cells
from kmeans_em_lab.pipeline.pages import palette, pictures
from kmeans_em_lab.pipeline.shared import causes
from kmeans_em_lab.pipeline.shared.grouping import group
from kmeans_em_lab.pipeline.shared.untrusted_text import for_html

START, END = "<!-- lab3-summary -->", "<!-- /lab3-summary -->"
REASON_LIMIT = 500  # characters of a message shown as a cause's sentence
_BODY = re.compile(r"<body[^>]*>(\s*<a name=\"top\"></a>)?", re.I)
_OLD_SUMMARY = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)

STYLE = f"""<style>
#lab3-summary{{font-family:sans-serif;max-width:1000px;margin:16px auto;padding:12px 18px;
border:1px solid #ccc;border-radius:6px;background:{palette.SHADE};color:{palette.TEXT};
font-size:14px}}
#lab3-summary:focus-visible{{outline:3px solid {palette.LINK};outline-offset:2px}}
#lab3-summary h2{{margin:4px 0 8px;font-size:20px}}
#lab3-summary table{{border-collapse:collapse;width:100%}}
#lab3-summary th,#lab3-summary td{{border-top:1px solid #ddd;padding:6px 8px;text-align:left;
vertical-align:top}}
#lab3-summary td.points{{white-space:nowrap;font-weight:bold}}
#lab3-summary tr.full td.points{{color:{palette.FULL}}}
#lab3-summary tr.lost td.points{{color:{palette.LOST}}}
#lab3-summary ul{{margin:0;padding-left:18px}}#lab3-summary li{{margin-bottom:4px}}
#lab3-summary .why,#lab3-summary .cells{{color:{palette.MUTED};font-size:12px}}
#lab3-summary .cells a{{display:inline-block;min-height:24px;line-height:24px}}
#lab3-summary img{{max-width:100%;border:1px solid #ddd}}
</style>"""


_e = for_html


def sentence(message: str) -> str:
    """A message as one line of at most :data:`REASON_LIMIT` characters."""
    line = " ".join(str(message).split()).rstrip(" :")
    return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1].rstrip() + "…"


def _points(cell) -> tuple[float, float]:
    score, available = determine_grade(cell)
    return float(score or 0.0), float(available)


def summary_html(notebook) -> str:
    """The summary section of an autograded notebook (a path, a notebook or its JSON dict)."""
    nb = causes.notebook_of(notebook)
    layout = assignment_cells(nb)
    graded = {points.grade_id(cell): cell for cell in nb.cells if causes.graded_code_cell(cell)}
    per_cell = causes.read(nb)
    scored = {grade_id: _points(cell) for grade_id, cell in graded.items()}
    functions = group(list(graded), layout.functions)
    lost = causes.by_function(per_cell, layout.functions)
    got = sum(p for p, _ in scored.values())
    available = sum(a for _, a in scored.values())
    rows = []
    for function, ids in functions.items():
        f_got = sum(scored[g][0] for g in ids)
        f_available = sum(scored[g][1] for g in ids)
        rows.append(_row(function, ids, f_got, f_available, scored, lost.get(function, [])))
        rows += _picture_rows(function, [graded[g] for g in ids if causes.lost_points(graded[g])])
    return "\n".join([
        START,
        STYLE,
        '<section id="lab3-summary" tabindex="0" aria-labelledby="lab3-summary-title">',
        f'<h2 id="lab3-summary-title">Summary: {got:g} / {available:g} points</h2>',
        "<p>Points per function. Where points were lost, the reason in one sentence and "
        "a link to the test cell; the whole notebook follows below.</p>",
        "<table><thead><tr><th>function</th><th>points</th><th>why points were lost</th>"
        "</tr></thead><tbody>",
        *rows,
        "</tbody></table></section>",
        END,
    ])  # fmt: skip


def _row(function, ids, got, available, scored, found) -> str:
    if got >= available:
        return (f'<tr class="full"><td>{_e(function)}</td><td class="points">{got:g} / '
                f"{available:g}</td><td>all points</td></tr>")  # fmt: skip
    items = []
    for (message, cell), listed in _by_message(found).items():
        link = f' (<a href="#{_e(cell)}">{_e(cell)}</a>)' if cell else ""
        reason = sentence(message)
        meanings = "<br>".join(
            f"<code>{_e(c.code)}</code>"
            + ("" if reason == explain(c.code) else f": {_e(explain(c.code))}")
            for c in listed
        )
        items.append(f'<li>{_e(reason)}{link}<br><span class="why">{meanings}</span></li>')
    cells = ", ".join(
        f'<a href="#{_e(g)}">{_e(g)}</a> {scored[g][0]:g}/{scored[g][1]:g}' for g in ids
    )
    return (
        f'<tr class="lost"><td>{_e(function)}</td><td class="points">{got:g} / {available:g}'
        f"</td><td><ul>{''.join(items)}</ul>"
        f'<div class="cells">test cells: {cells}</div></td></tr>'
    )


def _by_message(found) -> dict[tuple[str, str], list]:
    """Causes grouped by the message (and cell) they come from: one mistake a check
    names with two causes (e.g. the original lab's EM_step) is one sentence."""
    out: dict[tuple[str, str], list] = {}
    for cause in found:
        out.setdefault((cause.message, cause.cell), []).append(cause)
    return out


CAPTIONS = {
    pictures.KMEANS: "your clusters beside the reference's (the songs on the two features "
    "the notebook plots; large outlined markers: the centres)",
    pictures.EM: "your mixture beside the maximum-likelihood fit, over the samples",
}


def _picture_rows(function: str, cells) -> list[str]:
    rows = []
    for cell in cells:
        data = cell.metadata.get(causes.KEY, {}).get("picture")
        png = pictures.draw(data)
        if png is None:
            continue
        caption = f"{function}: {CAPTIONS.get(data.get('kind'), '')}"
        encoded = base64.b64encode(png).decode("ascii")
        rows.append(
            f'<tr class="picture"><td colspan="3"><figure>'
            f'<img alt="{_e(pictures.describe(data) or caption)}" '
            f'src="data:image/png;base64,{encoded}">'
            f"<figcaption>{_e(caption)}</figcaption></figure></td></tr>"
        )
    return rows


def insert(page: str, summary: str) -> str:
    """``page`` with ``summary`` at the top of its body (replacing an earlier summary)."""
    if START in page and END in page:
        return _OLD_SUMMARY.sub(lambda _: summary, page, count=1)
    match = _BODY.search(page)
    if match is None:
        return summary + "\n" + page
    return page[: match.end()] + "\n" + summary + "\n" + page[match.end() :]


def add_summary(feedback_html: Path, autograded_notebook) -> str:
    """Put the summary of ``autograded_notebook`` at the top of its feedback page.

    Returns '' when done, else why not (for the student's flags): a summary that
    cannot be made never costs a grade, the page then stays nbgrader's alone.
    """
    feedback_html = Path(feedback_html)
    try:
        page = feedback_html.read_text(encoding="utf-8")
        summary = summary_html(autograded_notebook)
        feedback_html.write_text(insert(page, summary), encoding="utf-8")
    except Exception as err:  # noqa: BLE001 - see above
        return f"feedback summary not added: {type(err).__name__}: {str(err)[:200]}"
    return ""
