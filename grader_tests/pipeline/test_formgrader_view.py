"""nbgrader's formgrader shows a hostile submission inert
(kmeans_em_lab/pipeline/pages/formgrader_view.py, named in the course's nbgrader_config.py).

The formgrader renders an autograded notebook with nbconvert's plain ``HTMLExporter``
and nbgrader's ``formgrade`` template, configured from the course's ``nbgrader_config.py``
as its server extension configures it. A notebook holding what a student can write
(markdown with markup, TeX links and ``files/`` links; html, markdown, SVG, JavaScript and
forged image outputs; terminal colours) is rendered that way, and with the plain exporter
for comparison: the plain page runs the student's code, the course's runs nothing.
"""

from __future__ import annotations

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.pages import formgrader_view

XSS = "xss-marker"
MARKUP = (
    f"<script>alert('{XSS}-script')</script>"
    f'<img src="x.png" onerror="alert(\'{XSS}-img\')">'
    f"<a href=\"javascript:alert('{XSS}-link')\">click</a>"
)
MARKDOWN = (
    f"Notes {MARKUP}\n\n"
    f"[a figure](files/javascript:alert('{XSS}-files'))\n\n"
    f"$\\href{{javascript:alert('{XSS}-tex')}}{{x}}$ and "
    "\\$\\href{javascript:alert(1)}{y}\\$\n\n" + "[" * 5000
)

LONG_CODE = "a = 1\n" * 4000


def hostile_notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("display(...)")
    code.outputs = [
        nbformat.v4.new_output("display_data", {"text/html": MARKUP, "text/plain": "html"}),
        nbformat.v4.new_output("display_data", {"text/markdown": MARKDOWN}),
        nbformat.v4.new_output(
            "display_data", {"image/svg+xml": f"<svg><script>alert('{XSS}-svg')</script></svg>"}
        ),
        nbformat.v4.new_output("display_data", {"application/javascript": f"alert('{XSS}-js')"}),
        nbformat.v4.new_output("display_data", {"image/png": f"x\" onerror=\"alert('{XSS}-png')"}),
        nbformat.v4.new_output("stream", name="stdout", text="\x1b[31mred\x1b[0m"),
    ]
    # past the highlighting budget (``a.a.a...`` of that size takes the lexer minutes)
    slow = nbformat.v4.new_code_cell(LONG_CODE)
    nb.cells = [nbformat.v4.new_markdown_cell(MARKDOWN), code, slow]
    return nb


def formgrader_page(config: Config) -> str:
    """The page as nbgrader's formgrader makes it (its extension's extra config and
    ``SubmissionHandler``'s resources), with ``config`` from the course."""
    from nbgrader.server_extensions.formgrader import handlers

    config = Config(config)
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "base_url": "/", "assignment_id": "lab3", "notebook_id": "lab3", "submission_id": "x",
        "index": 0, "total": 1, "student": "mallory", "last_name": "", "first_name": "",
        "notebook_path": "/x",
    }  # fmt: skip
    page, _ = HTMLExporter(config=config).from_notebook_node(hostile_notebook(), resources)
    return page


def live_code(page: str) -> list[str]:
    """What of the student's would run on ``page``: scripts, handlers, script links, and
    text holding a TeX link outside any element MathJax skips."""
    soup = BeautifulSoup(page, "html.parser")
    found = [f"script: {s.get_text()[:40]}" for s in soup.find_all("script") if XSS in str(s)]
    found += [
        f"{t.name} {a}"
        for t in soup.find_all(True)
        for a, value in t.attrs.items()
        if a.startswith("on") and XSS in str(value)  # the template's own grading buttons: not
    ]
    found += [
        f"link {t['href'][:40]}"
        for t in soup.find_all(href=True)
        if t["href"].strip().lower().startswith(("javascript:", "data:text"))
    ]
    for text in soup.find_all(string=lambda s: "\\href" in s):
        ignored = any(
            formgrader_view.IGNORED_BY_MATHJAX in (p.get("class") or []) for p in text.parents
        )
        if not ignored and text.parent.name not in ("pre", "code", "script", "textarea"):
            found.append(f"TeX read by MathJax: {text[:40]}")
    return found


@pytest.fixture(scope="module")
def course_config() -> Config:
    return paths.Course.at().load_config()


def test_the_course_names_the_preprocessor_for_every_html_exporter(course_config):
    assert course_config.HTMLExporter.preprocessors == [
        f"{formgrader_view.__name__}.InertStudentContent"
    ]
    assert course_config.FeedbackExporter.preprocessors == []
    assert course_config.HTMLExporter.filters == {
        "highlight_code": f"{formgrader_view.__name__}.highlight_code"
    }
    assert course_config.FeedbackExporter.filters == {}


def test_the_plain_formgrader_page_runs_the_students_code():
    """Without the course's configuration (the comparison): the test sees live code."""
    assert live_code(formgrader_page(Config()))


def test_the_courses_formgrader_page_runs_nothing_and_shows_the_text(course_config):
    page = formgrader_page(course_config)
    assert live_code(page) == []
    assert f"alert('{XSS}-script')" in page.replace("&#39;", "'")  # shown, as text
    assert "red" in page and "\x1b" not in page
    assert f"{XSS}-png" not in page and f"{XSS}-svg" not in page and f"{XSS}-js" not in page
    text = BeautifulSoup(page, "html.parser").get_text()
    assert "[" * 5000 in text  # the brackets read as the student wrote them
    assert "<pre>" + LONG_CODE in page  # past the page's highlighting budget: plain


def test_the_feedback_exporter_runs_no_preprocessor_of_the_formgrader(course_config):
    from kmeans_em_lab.pipeline.pages.feedback_page import FeedbackExporter

    exporter = FeedbackExporter(config=course_config)
    assert exporter.preprocessors == [] and exporter.filters == {}


def test_wrapped_html_is_one_block_markdown_leaves_alone():
    """No blank line (markdown would end the block), no '[' (nbconvert's files/ pattern is
    quadratic in them), no link starting files/ (the template strips that prefix)."""
    html = '<pre>a\n\n   \nb</pre><p>[x](y) <a href="files/javascript:z">l</a></p>'
    out = formgrader_view.wrapped(html)
    assert "[" not in out and "\n\n" not in out and "\n   \n" not in out
    assert 'href="./files/javascript:z"' in out
    assert out.startswith(f'<div class="{formgrader_view.IGNORED_BY_MATHJAX}">')
