"""What a feedback page keeps of a student's HTML (kmeans_em_lab/pipeline/pages/student_html.py)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from kmeans_em_lab.pipeline.pages.student_html import clean

PNG = "data:image/png;base64,iVBORw0KGgo="


def tags(html: str) -> list[tuple[str, dict]]:
    return [(t.name, dict(t.attrs)) for t in BeautifulSoup(html, "html.parser").find_all(True)]


def test_the_lab_s_markup_stays():
    html = (
        '<h2 id="md-I.-K-Means">I. K-Means<a class="anchor-link" href="#md-I.-K-Means">¶</a></h2>'
        "<p>Text with <code>code</code>, <strong>bold</strong>, <em>em</em>, x<sup>2</sup>.</p>"
        '<table><thead><tr><th colspan="2">a</th></tr></thead>'
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
        '<div class="highlight"><pre><span class="k">def</span></pre></div>'
        f'<ul><li><a href="https://example.org/x">link</a></li></ul><img src="{PNG}" alt="a">'
    )
    assert tags(clean(html)) == tags(html)


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
        "<style>#lab3-summary { display: none }</style>",
        '<div style="position: fixed; top: 0">Score: 100 / 100</div>',
        '<iframe src="https://example.org"></iframe>',
        "<svg><script>alert(1)</script></svg>",
        '<form action="https://example.org"><input name="token"></form>',
        '<meta http-equiv="refresh" content="0; url=https://example.org">',
        '<base href="https://example.org/">',
        '<img src="https://example.org/pixel.png">',
        '<div id="test_EM_hidden">a look-alike of a test cell anchor</div>',
        '<div class="navbar-fixed-top">Score: 100 / 100</div>',
        '<div class="highlight sr-only">hidden</div>',
        '<object data="x.swf"></object><embed src="x.swf">',
    ],
)
def test_what_could_run_restyle_or_pose_does_not_survive(attack):
    kept = tags(clean(f"<p>before</p>{attack}<p>after</p>"))
    names = {name for name, _ in kept}
    attributes = {(name, key) for name, attrs in kept for key in attrs}
    assert names <= {"p", "a", "img", "div"}, kept
    assert attributes <= {("a", "href"), ("img", "alt")}, kept
    for _, attrs in kept:
        href = attrs.get("href", "")
        assert not href or href.startswith(("http", "#")), kept


def test_a_dropped_tag_shows_as_text():
    assert clean("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize("name", ["test_Set_hidden", "lab3-summary", "comment-x", "I.-K-Means"])
def test_a_heading_keeps_no_id_the_grader_could_use(name):
    """A student's heading named like a test cell or the summary would take the grader's
    anchor (an ``id`` wins over ``<a name>``): only ids under the students' prefix stay."""
    assert tags(clean(f'<h2 id="{name}">fake</h2>')) == [("h2", {})]
