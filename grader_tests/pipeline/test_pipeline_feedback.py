"""The summary at the top of a student's feedback page (kmeans_em_lab/pipeline/pages/feedback.py).

Autograded notebooks are built in memory (``pipeline_fixtures.judged_notebooks``);
the feedback page is a small stand-in with nbgrader's opening
(``<body>`` then ``<a name="top"></a>``).
"""

from __future__ import annotations

import re

import nbformat
import pytest
from pipeline_fixtures.judged_notebooks import graded, hidden, judged, notebook, solution

from kmeans_em_lab.checks import record_in_process
from kmeans_em_lab.pipeline.pages import feedback
from kmeans_em_lab.pipeline.shared.verdicts import Reply
from kmeans_em_lab.pipeline.worker.execute import error_output

PAGE = (
    "<!DOCTYPE html>\n<html><head><title>lab3</title></head>\n<body>\n"
    '<a name="top"></a>\n<div class="container"><h4>lab3 (Score: 85.0 / 100.0)</h4></div>\n'
    '<a name="test_Update_hidden"></a><div>the notebook</div>\n</body></html>\n'
)
SCRIPT = "<script>alert('lab3')</script>"


@pytest.fixture(scope="module")
def autograded() -> nbformat.NotebookNode:
    """Set full marks, Update losing its hidden test, EM_step failing in the kernel with a
    message that carries a script tag, K_Means failing with a picture."""
    kmeans_bug = notebook("bug_kmeans_one_iteration")
    cells = [
        solution("Set"),
        graded("test_Set_hidden", hidden("Set"), 10),
        solution("Update"),
        graded("test_Update_public", "pass\n", 5),
        graded("test_Update_hidden", hidden("Update"), 10),
        solution("K_Means"),
        graded("test_K_Means_hidden", hidden("K_Means"), 10),
        solution("EM_step"),
        graded("test_EM_step_public", "EM_step()\n", 6,
               [nbformat.v4.new_output("stream", name="stdout", text=SCRIPT),
                error_output("ValueError", f"bad value {SCRIPT}")]),
    ]  # fmt: skip
    records = {
        1: ("Set", record_in_process("Set", notebook())),
        4: ("Update", record_in_process("Update", notebook("bug_mutates_input"))),
        6: ("K_Means", record_in_process("K_Means", kmeans_bug)),
    }
    replies = {3: Reply("ok"), 8: Reply("error", "ValueError", f"bad value {SCRIPT}")}
    return judged(cells, records, replies=replies)


@pytest.fixture(scope="module")
def summary(autograded) -> str:
    return feedback.summary_html(autograded)


def row(summary: str, function: str) -> str:
    return re.search(rf"<tr class=\"\w+\"><td>{function}</td>.*?</tr>", summary, re.S).group(0)


def test_points_per_function_and_the_total(summary):
    assert "Summary: 15 / 41 points" in summary
    assert 'class="full"><td>Set</td><td class="points">10 / 10</td><td>all points' in summary
    assert '<td>Update</td><td class="points">5 / 15</td>' in summary
    assert '<td>K_Means</td><td class="points">0 / 10</td>' in summary


def test_each_lost_function_says_why_and_links_to_its_cell(summary):
    update = row(summary, "Update")
    assert "modified its input `m`" in update
    assert '(<a href="#test_Update_hidden">test_Update_hidden</a>)' in update
    assert "<code>input_modified</code>: The function changes an argument in place" in update
    assert 'href="#test_Update_public">test_Update_public</a> 5/5' in update
    k_means = row(summary, "K_Means")
    assert (
        "<code>distortion_not_final</code>" in k_means and "<code>stopped_early</code>" in k_means
    )


def test_student_text_cannot_inject_into_the_summary(summary):
    assert "<script" not in summary.lower()
    em_step = row(summary, "EM_step")
    assert "ValueError: bad value &lt;script&gt;alert(&#x27;lab3&#x27;)&lt;/script&gt;" in em_step
    assert "<code>raised_exception</code>" in em_step


def test_a_failed_hidden_k_means_gets_its_picture_inline(summary):
    pictures = re.findall(
        r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', summary
    )
    assert [alt[:47] for alt, _ in pictures] == ["Two scatter plots of the songs, speechiness aga"]
    (alt, _), (caption,) = pictures[0], re.findall(r"<figcaption>([^<]+)</figcaption>", summary)
    assert re.search(r"your K_Means clusters, distortion [\d.]+; on the right the reference", alt)
    assert caption == (
        "K_Means: your clusters beside the reference&#x27;s (the songs on the two features the "
        "notebook plots; large outlined markers: the centres)"
    )
    assert len(summary) < 120_000  # the page stays light


def test_a_passing_cell_draws_no_picture():
    record = record_in_process("K_Means", notebook())
    nb = judged([solution("K_Means"), graded("test_K_Means_hidden", hidden("K_Means"), 10)],
                {1: ("K_Means", record)})  # fmt: skip
    assert nb.cells[1].metadata["lab3"]["picture"]["kind"] == "kmeans"
    assert "<img" not in feedback.summary_html(nb)


def test_the_summary_opens_the_page_and_replaces_an_earlier_one(autograded, tmp_path):
    page = tmp_path / "lab3.html"
    page.write_text(PAGE)
    notebook_path = tmp_path / "lab3.ipynb"
    nbformat.write(autograded, notebook_path)
    assert feedback.add_summary(page, notebook_path) == ""
    assert feedback.add_summary(page, notebook_path) == ""
    text = page.read_text()
    assert text.count(feedback.START) == 1 and text.count(feedback.END) == 1
    top = text.index('<a name="top"></a>')
    assert top < text.index(feedback.START) < text.index('<div class="container">')
    assert text.endswith(
        '<a name="test_Update_hidden"></a><div>the notebook</div>\n</body></html>\n'
    )


def test_a_summary_that_cannot_be_made_is_a_flag_and_leaves_the_page(tmp_path):
    page = tmp_path / "lab3.html"
    page.write_text(PAGE)
    problem = feedback.add_summary(page, tmp_path / "missing.ipynb")
    assert problem.startswith("feedback summary not added: ")
    assert page.read_text() == PAGE


def test_the_summary_writes_a_students_control_and_bidi_characters_as_escapes():
    """A message quoting a student's exception text must not reorder or hide the grader's
    words around it (U+202E reverses the rest of a line; ESC and BEL are control bytes)."""
    from kmeans_em_lab.pipeline.pages import feedback

    shown = feedback._e("Set raised ValueError: \u202eFAKE\x1b[2J\x07 <b>")
    assert not set(shown) & {"\u202e", "\x1b", "\x07", "<"}
    assert "FAKE" in shown and "&lt;b&gt;" in shown
