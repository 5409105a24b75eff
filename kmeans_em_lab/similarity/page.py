"""``reports/similarity.html``: the pairs worth a look, with their evidence, for the instructor.

One self-contained page (no script). Pairs are ranked by their combined score
(:mod:`.evidence`); each shows its evidence in words, the probe calls where
both gave the same answer that is not the reference's (with that answer), the
texts only they share, and their solution cells side by side with the lines
they share marked (lines compared after renaming and formatting are set
aside, the release's template lines left out). The page speaks of what to
look at: similarity is a reason to talk with the students, never a finding.

Everything a submission wrote (code, answers, comments, student ids) is
HTML-escaped after its non-printing characters are written as escapes; no
student text is markup. The page is the instructor's: it names students and
belongs in ``reports/`` (kept out of git), never beside a student's feedback.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kmeans_em_lab.pipeline.pages.page_style import report_head
from kmeans_em_lab.pipeline.shared.untrusted_text import for_html
from kmeans_em_lab.similarity import normalise
from kmeans_em_lab.similarity.cells import Template
from kmeans_em_lab.similarity.classroom import Submission
from kmeans_em_lab.similarity.evidence import THRESHOLD, PairEvidence

MAX_PAIRS_SHOWN = 50  # pairs worth a look shown in full; the rest are counted
MAX_NAMED = 20  # students named in a note about submissions; the rest are counted
MIN_LINE_TOKENS = 4  # a shorter line is too common to mark as shared

STYLE = """<style>
body{font-family:sans-serif;margin:24px auto;max-width:1300px;padding:0 16px;color:#222}
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-top:1px solid #ccc;padding-top:12px}
table{border-collapse:collapse;font-size:14px}th,td{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}
pre{background:#f7f7f7;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:0}
mark{background:#ffe58a}.tpl{color:#5c5c5c;font-style:italic}.note{color:#555;font-size:13px}
</style>"""


_e = for_html


def _line_keys(code: str, tpl: Template) -> dict[int, str]:
    out = {}
    for n, line in enumerate(code.splitlines()):
        if tpl.is_template(line):
            continue
        tokens = normalise._raw_tokens(line.strip())
        if len(tokens) >= MIN_LINE_TOKENS:
            out[n] = " ".join(tokens)
    return out


def _code(code: str, tpl: Template, shared: set[str]) -> str:
    keys = _line_keys(code, tpl)
    lines = []
    for n, line in enumerate(code.splitlines()):
        text = _e(line)
        if tpl.is_template(line):
            lines.append(f'<span class="tpl">{text}</span>')
        elif keys.get(n) in shared:
            lines.append(f"<mark>{text}</mark>")
        else:
            lines.append(text)
    return "<pre>" + "\n".join(lines) + "</pre>"


def _side_by_side(a: Submission, b: Submission, tpl: Template) -> list[str]:
    out = []
    for function in tpl.code:
        ca, cb = a.code.get(function, ""), b.code.get(function, "")
        shared = set(_line_keys(ca, tpl).values()) & set(_line_keys(cb, tpl).values())
        out.append(f"<h4>{_e(function)}</h4>")
        out.append(f'<div class="side">{_code(ca, tpl, shared)}{_code(cb, tpl, shared)}</div>')
    return out


def _pair(n: int, pair: PairEvidence, subs: dict[str, Submission], tpl: Template) -> list[str]:
    out = [
        f'<h2 id="pair-{n}">{n}. {_e(pair.a)} and {_e(pair.b)}: score {pair.score:.2f}</h2>',
        "<ul>" + "".join(f"<li>{_e(w)}</li>" for w in pair.words()) + "</ul>",
    ]
    if pair.answers:
        out.append(
            "<table><thead><tr><th>probe call</th><th>the answer both gave</th>"
            "<th>students who gave it</th><th>bits</th></tr></thead><tbody>"
        )
        for s in pair.answers:
            out.append(
                f"<tr><td>{_e(s.probe)}</td><td><code>{_e(s.shown)}</code></td>"
                f"<td>{s.holders}</td><td>{s.bits:.1f}</td></tr>"
            )
        out.append("</tbody></table>")
    if pair.traces:
        out.append("<p>Text only these two hold:</p><ul>")
        out += [f"<li><code>{_e(t)}</code></li>" for t in pair.traces]
        out.append("</ul>")
    if pair.a in subs and pair.b in subs:
        out.append('<p class="note">Their solution cells (grey: the release\'s template; '
                   "marked: lines both wrote, up to names and layout).</p>")  # fmt: skip
        out += _side_by_side(subs[pair.a], subs[pair.b], tpl)
    return out


def render(
    pairs: list[PairEvidence],
    submissions: list[Submission],
    tpl: Template,
    title: str,
    unread: Iterable[str] = (),
) -> str:
    """The page; ``unread``: the students whose code could not be read (no code evidence)."""
    subs = {s.student: s for s in submissions}
    unread = sorted(set(unread))
    worth = [p for p in pairs if p.score >= THRESHOLD]
    parts = [
        *report_head(title, STYLE),
        f"<p>{len(submissions)} graded students compared; {len(worth)} pair(s) worth a look "
        f"(score {THRESHOLD} or more). A high score says where to look, not what happened: "
        "students may share code for good reasons (a study group, the same tutorial), and "
        "only a conversation with them tells. Code is compared after names, literals, comments, "
        "layout and the order of independent lines are set aside; answers are those their "
        "functions gave to the grader's ungraded probe calls, weighed by how rare they are "
        "in the class (correct answers and common mistakes count for little or nothing).</p>",
    ]
    if unread:
        parts.append(
            f"<p>The code of {len(unread)} submission(s) could not be read and is not "
            f"compared (their other evidence is): {', '.join(_e(s) for s in unread)}.</p>"
        )
    unprobed = [s.student for s in submissions if not s.probed]
    if unprobed:
        named = ", ".join(_e(s) for s in unprobed[:MAX_NAMED])
        more = f" and {len(unprobed) - MAX_NAMED} more" if len(unprobed) > MAX_NAMED else ""
        parts.append(
            f"<p>Behaviour was not compared for {len(unprobed)} submission(s): the grader's "
            "probe calls run only while the similarity report is on, and these were graded "
            "with it off (LAB3_SIMILARITY=0). Grade them again with it on "
            f"(<code>make grade --force</code>) to compare their answers too: {named}{more}.</p>"
        )
    elif not any(s.answers for s in submissions):
        parts.append(
            "<p>Behaviour was not compared: the grader's probe calls found none of the lab's "
            "functions in these submissions, so this page compares code and other traces "
            "only.</p>"
        )
    if worth:
        parts.append(
            "<table><thead><tr><th>#</th><th>students</th><th>score</th><th>code</th>"
            "<th>behaviour (bits)</th><th>traces</th></tr></thead><tbody>"
        )
        for n, p in enumerate(worth[:MAX_PAIRS_SHOWN], 1):
            parts.append(
                f'<tr><td><a href="#pair-{n}">{n}</a></td><td>{_e(p.a)} and {_e(p.b)}</td>'
                f"<td>{p.score:.2f}</td><td>{p.code:.0%}</td><td>{p.behaviour_bits:.1f}</td>"
                f"<td>{len(p.traces)}</td></tr>"
            )
        parts.append("</tbody></table>")
        for n, p in enumerate(worth[:MAX_PAIRS_SHOWN], 1):
            parts += _pair(n, p, subs, tpl)
        if len(worth) > MAX_PAIRS_SHOWN:
            parts.append(f"<p>{len(worth) - MAX_PAIRS_SHOWN} more pair(s) above the threshold "
                         "are not shown.</p>")  # fmt: skip
    else:
        parts.append("<p>No pair reaches the threshold.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write(path: Path, pairs, submissions, tpl, title: str, unread: Iterable[str] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(pairs, submissions, tpl, title, unread), encoding="utf-8")
    return path
