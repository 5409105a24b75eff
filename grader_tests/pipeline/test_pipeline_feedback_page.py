"""The feedback pages' exporter (kmeans_em_lab/pipeline/pages/feedback_page.py): nbconvert's
document, made without a second parse of the page and with templates compiled once, its
formulas MathML and its head offline (the pages in a browser, axe-core: test_browser.py)."""

from __future__ import annotations

import base64
import copy
from pathlib import Path

import jinja2
import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from kmeans_em_lab.pipeline.pages import feedback_page, page_style, student_html
from kmeans_em_lab.pipeline.pages.feedback_page import ALT_TEXT, FeedbackExporter

RELEASE = Path(__file__).resolve().parents[2] / "release" / "lab3" / "lab3.ipynb"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n not really a picture").decode()
STUDENT_HTML = (
    '<div><img src="a.png"><img src="b.png" alt="given"><IMG SRC="c.png"/>'
    "<p>&lt;img src=d.png&gt; is text</p></div>"
)


def feedback_config() -> Config:
    """What nbgrader's ``generate_feedback`` gives the exporter."""
    import nbgrader

    root = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(root / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(root / "static" / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    return config


def resources() -> dict:
    return {"nbgrader": {"notebook": "lab3", "score": 40.0, "max_score": 100.0, "late_penalty": 0}}


@pytest.fixture(scope="module")
def autograded() -> nbformat.NotebookNode:
    """The released notebook as ``GetGrades`` leaves it, with a picture and student HTML."""
    nb = nbformat.read(RELEASE, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            meta.setdefault("comment", None)
            if meta.get("grade") or meta.get("task"):
                meta["score"] = 0.0
    code = next(cell for cell in nb.cells if cell.cell_type == "code")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("display_data", data={"text/html": STUDENT_HTML}),
    ]
    return nb


def document(page: str) -> str:
    return BeautifulSoup(page, features="html.parser").decode()


def nbconvert_exporter() -> HTMLExporter:
    """nbconvert's own exporter, sanitizing with the same filter as ours and rendering
    markdown with ours (formulas as placeholders)."""
    markdown = FeedbackExporter(config=feedback_config()).markdown2html
    return HTMLExporter(
        config=feedback_config(),
        sanitize_html=True,
        filters={"clean_html": student_html.clean, "markdown2html": markdown},
    )


def nbconvert_page(nb) -> str:
    """nbconvert's page of ``nb``, finished as ours are (formulas, head)."""
    page, _ = nbconvert_exporter().from_notebook_node(copy.deepcopy(nb), resources=resources())
    return document(feedback_page.finish(page))


def test_the_page_is_nbconvert_s_document(autograded):
    ours, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )
    # nbconvert's page of the notebook as the exporter reads it (only the metadata a page needs)
    assert document(ours) == nbconvert_page(feedback_page.inert_output_metadata(autograded))
    assert ours.count(f'alt="{ALT_TEXT}"') == 3  # the picture, a.png and c.png
    assert 'alt="given"' in ours and "&lt;img src=d.png&gt;" in ours


def test_alt_texts_only_where_missing():
    page, added = feedback_page.add_alt_texts(
        '<img src="x"><img alt="" src="y"><img\nsrc="z"\n/><img src="w" ALT=ok>'
    )
    assert added == 2
    assert page == (
        f'<img src="x" alt="{ALT_TEXT}"><img alt="" src="y">'
        f'<img\nsrc="z" alt="{ALT_TEXT}"\n/><img src="w" ALT=ok>'
    )


def test_html_past_the_limits_is_shown_as_text(autograded):
    """Cleaning nested markup takes time growing with the square of its length: a fragment
    over FRAGMENT_LIMIT, and whatever comes once a page has cleaned PAGE_LIMIT characters,
    is shown as escaped text, and the page is made at once."""
    nb = copy.deepcopy(autograded)
    nested = "<div>" * 60_000  # about a minute to clean
    under = "<b>kept</b>" + "x" * (student_html.FRAGMENT_LIMIT - 100)
    outputs = [nbformat.v4.new_output("display_data", {"text/html": nested})]
    outputs += [
        nbformat.v4.new_output("display_data", {"text/html": under.replace("kept", f"n{n}")})
        for n in range(student_html.PAGE_LIMIT // student_html.FRAGMENT_LIMIT + 2)
    ]
    nb.cells.append(nbformat.v4.new_code_cell("show()", outputs=outputs))
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    assert "&lt;div&gt;&lt;div&gt;" in page and "<div><div><div>" not in page
    assert "<b>n0</b>" in page  # under both limits: cleaned, its markup kept
    last = student_html.PAGE_LIMIT // student_html.FRAGMENT_LIMIT + 1
    assert f"&lt;b&gt;n{last}&lt;/b&gt;" in page  # past the page's limit: text


def test_markdown_and_code_past_the_limits_are_shown_as_text(autograded):
    """Rendering many ``\\begin{..}`` without an end, and highlighting ``a.a.a...``, take time
    growing with the square of their length: past the limits they are shown plain."""
    nb = copy.deepcopy(autograded)
    slow_markdown = "\\begin{a}" * 100_000
    slow_code = "x = " + "a." * 150_000 + "a"
    nb.cells.append(nbformat.v4.new_markdown_cell(slow_markdown))
    nb.cells.append(nbformat.v4.new_code_cell(slow_code))
    out = nbformat.v4.new_output("display_data", {"text/markdown": slow_markdown})
    nb.cells.append(nbformat.v4.new_code_cell("show()", outputs=[out]))
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    assert page.count("\\begin{a}" * 50) >= 2  # the markdown, shown as its text
    assert "a.a.a.a.a.a.a.a" in page  # the code, shown unhighlighted
    assert "(Score: 40.0 / 100.0)" in page  # and the rest of the page as ever


def test_text_that_renders_far_larger_or_slower_is_shown_plain(autograded):
    """A reference link's URL is copied into each use (20,000 characters of markdown once
    rendered as 200 MB of HTML), and nbconvert colours terminal escapes in time growing
    with the square of the output: both kept to what a page can afford."""
    nb = copy.deepcopy(autograded)
    references = "[r]: http://" + "\U0001f600" * 10_000 + "\n\n" + "[a][r]" * 1_600
    nb.cells.append(nbformat.v4.new_markdown_cell(references))
    out = nbformat.v4.new_output("display_data", {"text/markdown": references})
    ansi = "\x1b[31ma\x1b[32mb" * 100_000  # 1.2 MB of colours
    stream = nbformat.v4.new_output("stream", name="stdout", text=ansi)
    nb.cells.append(nbformat.v4.new_code_cell("show()", outputs=[out, stream]))
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    assert len(page) < 2**20  # it was hundreds of megabytes
    assert "a" * 1_000 in page and "%F0%9F%98%80" not in page  # each use its text, no URL
    assert "abababab" in page and "\x1b" not in page  # the colours dropped, the text kept
    assert "(Score: 40.0 / 100.0)" in page  # and the rest of the page as ever


def test_an_attachment_used_many_times_is_text_before_any_copy_of_it_is_made(
    autograded, monkeypatch
):
    """The renderer pastes an attachment's data into each of its uses: 250 uses of one
    4 MiB image (a markdown cell of 5,500 characters) rendered as a gigabyte and ended the
    worker. The copies are counted first; one small image still shows."""
    nb = copy.deepcopy(autograded)
    data = "A" * 4 * 2**20
    many = nbformat.v4.new_markdown_cell("![x](attachment:a.png)" * 250)
    many["attachments"] = {"a.png": {"image/png": data}}
    one = nbformat.v4.new_markdown_cell("![y](attachment:b.png)")
    one["attachments"] = {"b.png": {"image/png": base64.b64encode(b"\x89PNG tiny").decode()}}
    nb.cells += [many, one]
    assert feedback_page._attachment_copies(many.source, many) == 250 * len(data)
    rendered = []
    render = FeedbackExporter._render_markdown
    monkeypatch.setattr(FeedbackExporter, "_render_markdown",
                        lambda self, cell, source, path: rendered.append(source)
                        or render(self, cell, source, path))  # fmt: skip
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    assert len(page) < 2**20 and data[:1000] not in page
    assert "![x](attachment:a.png)![x]" in page  # the markdown, shown as its text
    assert 'src="data:image/png;base64,' in page  # the small one, drawn
    assert "(Score: 40.0 / 100.0)" in page
    assert many.source not in rendered and one.source in rendered  # never rendered


def test_files_links_lose_their_prefix_in_time_linear_in_the_text(autograded):
    """nbconvert's pattern ran from every ``[`` to the end of the line: a markdown cell of
    120,000 ``[`` (no code at all) held a worker for minutes after its kernel was gone."""
    text = "<img src=\"files/a.png\"> [x](files/b.png) ![y](/files/c d.png) href='files/q'"
    assert feedback_page.strip_files_prefix(text) == (
        "<img src=\"a.png\"> [x](b.png) ![y](c d.png) href='q'"
    )
    nb = copy.deepcopy(autograded)
    nb.cells.append(nbformat.v4.new_markdown_cell("[" * 120_000))
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    assert "[" * 1_000 in page and "(Score: 40.0 / 100.0)" in page


def test_a_link_too_long_is_its_text_before_any_copy_of_it_is_made():
    exporter = FeedbackExporter(config=feedback_config())
    long_url = "http://x/" + "y" * student_html.LINK_LIMIT
    rendered = exporter._render_markdown({}, f"[a]({long_url}) and [b](http://z/)", "")
    assert "y" * 100 not in rendered and ">a</a>" not in rendered
    assert '<a href="http://z/">b</a>' in rendered  # a short one stays a link
    many = f"[r]: {long_url}\n\n" + "[a][r]" * 10
    assert exporter._render_markdown({}, many, "").count("y" * 100) == 0


def test_templates_are_compiled_once_per_process(autograded, monkeypatch):
    FeedbackExporter(config=feedback_config()).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )

    def no_compiling(*args, **kwargs):
        raise AssertionError("a template was compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )
    assert "(Score: 40.0 / 100.0)" in page


def test_other_templates_get_nbconvert_s_own_pass(autograded):
    config = feedback_config()
    config.HTMLExporter.template_name = "lab"
    page, _ = FeedbackExporter(config=config).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )
    assert 'tabindex="0"' in page  # added by nbconvert's BeautifulSoup pass


def test_texts_kept_from_an_earlier_page_never_leak_into_the_next(autograded):
    """Two students' pages, one after the other in the same process: each is nbconvert's
    document for that student's notebook (the shared cells come from the cache)."""
    other = copy.deepcopy(autograded)
    code = [cell for cell in other.cells if cell.cell_type == "code"]
    markdown = next(cell for cell in other.cells if cell.cell_type == "markdown")
    code[1].source = "def Set(X, m):\n    return 'another student'\n"
    markdown.source += "\n\nAnother student's note."
    for nb in (autograded, other, autograded):
        ours, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
            copy.deepcopy(nb), resources=resources()
        )
        assert document(ours) == nbconvert_page(feedback_page.inert_output_metadata(nb))


# -- what a student's HTML can do on the page -----------------------------------------------

XSS = "xss-marker"
ATTACK_HTML = (
    f"<script>alert('{XSS}-script')</script>"
    f'<img src="x.png" onerror="alert(\'{XSS}-img\')">'
    f"<a href=\"javascript:alert('{XSS}-link')\">click</a>"
    "<style>#lab3-summary, .panel-heading { display: none }</style>"
    '<div style="position: fixed; top: 0">Score: 100 / 100</div>'
    '<div id="test_EM_hidden">a look-alike anchor</div>'
    '<iframe src="https://example.org"></iframe>'
)


@pytest.fixture(scope="module")
def attacked(autograded) -> str:
    """The feedback page of a notebook whose student put HTML in every place they can."""
    nb = copy.deepcopy(autograded)
    code = next(cell for cell in nb.cells if cell.cell_type == "code")
    code.outputs += [
        nbformat.v4.new_output("display_data", data={"text/html": ATTACK_HTML}),
        nbformat.v4.new_output("display_data", data={"text/markdown": ATTACK_HTML}),
        nbformat.v4.new_output(
            "display_data", data={"application/javascript": f"alert('{XSS}-js')"}
        ),
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": XSS},
                "text/plain": "a widget",
            },
        ),
        # the kernel's metadata: a width nbconvert writes unquoted, a file name it takes as
        # the image's source (any address, fetched when the page opens)
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "iVBORw0KGgo=", "text/plain": "a figure"},
            metadata={"image/png": {"width": "1 onerror=alert(1)", "height": 200}},
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "iVBORw0KGgo=", "text/plain": "a figure"},
            metadata={"filenames": {"image/png": f"http://127.0.0.1:9/{XSS}.png"}},
        ),
    ]
    # cell metadata nbconvert acts on: tags become classes (a cell pinned over the summary,
    # the test cells hidden), transient.remove_source removes a test cell's score heading
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata["tags"] = ["x hidden"]
            cell.metadata["transient"] = {"remove_source": True}
    code.metadata["tags"] = ["a navbar navbar-default navbar-fixed-top"]
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"A note of mine. {ATTACK_HTML}"))
    # links relative to "files/" when cleaned, which nbgrader's template strips afterwards
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(
        f"[my figure](files/javascript:alert('{XSS}-files-md'))\n\n"
        f"<a href=\"files/javascript:alert('{XSS}-files-html')\">raw</a> "
        "<a href=\"/files/data:text/html,&lt;script>alert(1)&lt;/script>\">data</a> "
        "[a real file](files/figure.png)"
    ))  # fmt: skip
    # a cell of a type nbformat 4 does not know (a newer minor version lets it validate):
    # nbconvert writes its "type" into the page as it is
    nb.cells.insert(1, nbformat.NotebookNode(
        {"cell_type": "foo", "id": "zz1", "metadata": {}, "source": "x",
         "type": f"<img src=x onerror=\"alert('{XSS}-cell-type')\">"}))  # fmt: skip
    nb.cells.insert(2, nbformat.v4.new_raw_cell(ATTACK_HTML, metadata={"format": "text/html"}))
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    return page


def test_nothing_a_student_wrote_runs_on_the_page(attacked):
    soup = BeautifulSoup(attacked, "html.parser")
    assert not soup.find_all("script")  # not even the grader's: maths is MathML
    handlers = [(t.name, a) for t in soup.find_all(True) for a in t.attrs if a.startswith("on")]
    assert not handlers
    links = [t["href"] for t in soup.find_all(href=True)]
    links += [t["src"] for t in soup.find_all(src=True)]
    assert not [u for u in links if u.strip().lower().startswith(("javascript:", "data:text"))]
    assert not [u for u in links if "127.0.0.1" in u]  # no image from a kernel's file name
    assert [t["height"] for t in soup.find_all("img", height=True)] == ["200"]
    assert not soup.find_all(["iframe", "object", "embed", "form"])
    assert "unknown type" not in attacked and f"{XSS}-cell-type" not in attacked
    assert f"alert('{XSS}-script')" in attacked.replace("&#39;", "'")  # shown, as text


def test_a_files_prefix_link_is_cleaned_after_it_is_stripped(attacked):
    """nbgrader's template strips ``files/`` from links after the markdown was cleaned: a
    ``files/javascript:`` link, relative when cleaned, loses its address; a file's stays."""
    soup = BeautifulSoup(attacked, "html.parser")
    texts = {t.get_text(): t.get("href") for t in soup.find_all("a")}
    assert texts["my figure"] is None and texts["raw"] is None and texts["data"] is None
    assert texts["a real file"] == "figure.png"


def test_the_page_runs_no_script_whatever_got_past_the_cleaning(attacked):
    """The page's content security policy allows no script, not even a ``javascript:``
    link, and loads nothing but its inline styles and data images."""
    soup = BeautifulSoup(attacked, "html.parser")
    policies = soup.head.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert [m["content"] for m in policies] == [page_style.CONTENT_SECURITY_POLICY]
    assert "default-src 'none'" in page_style.CONTENT_SECURITY_POLICY
    assert "script-src" not in page_style.CONTENT_SECURITY_POLICY
    assert not soup.body.find_all("meta")  # a student's meta tag is shown as text


def test_a_student_cannot_restyle_the_page_or_pose_as_its_anchors(attacked, autograded):
    soup = BeautifulSoup(attacked, "html.parser")
    classes = {c for t in soup.find_all(class_=True) for c in t["class"]}
    assert not classes & {"navbar-fixed-top", "hidden", "celltag_x", "celltag_a"}
    graded = [c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(soup.find_all("a", attrs={"name": True})) >= len(graded)  # every test's anchor
    styles = soup.find_all("style")
    # only the grader's own stylesheet, the head's last, names the summary
    assert [s for s in styles if "lab3-summary" in s.get_text()] == [
        soup.head.find_all("style")[-1]
    ]
    assert not [t for t in soup.find_all(style=True) if "fixed" in t["style"]]
    assert not soup.find_all(id="test_EM_hidden")


def test_the_lab_s_own_markdown_loses_nothing_to_the_cleaning():
    nb = nbformat.read(RELEASE, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            meta.setdefault("comment", None)
            meta["score"] = 0.0
    pages = []
    for sanitize in (False, True):
        config = feedback_config()
        config.FeedbackExporter.sanitize_html = sanitize
        page, _ = FeedbackExporter(config=config).from_notebook_node(
            copy.deepcopy(nb), resources=resources()
        )
        pages.append(document(page))
    assert pages[0] == pages[1]


# -- a page that works offline, for everyone ------------------------------------------------

HOSTILE_TEX = [
    r"$\text{<script>alert('xss-marker')</script>}$",
    r"$\href{javascript:alert('xss-marker')}{x}$",
    r"$\style{color:white}{x}$ and $\color{white}{y}$",
    "$$x < y</p><script>alert('xss-marker')</script>$$",
]


def test_the_page_has_a_language_no_script_and_its_maths_as_mathml(autograded):
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )
    soup = BeautifulSoup(page, "html.parser")
    assert soup.html["lang"] == "en"
    assert not soup.find_all(["script", "link", "iframe"])
    assert "mathjax" not in page.lower() and "lab3math" not in page
    formulas = soup.find_all("math")
    assert len(formulas) >= 30  # every formula of the lab's text
    assert {m["display"] for m in formulas} == {"inline", "block"}
    assert any(m.find("mfrac") for m in soup.find_all("math", display="block"))
    assert page.count("</head>") == 1 and "text-decoration:underline" in page


def test_a_student_s_tex_cannot_add_markup_or_styles(autograded):
    nb = copy.deepcopy(autograded)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("# Mine $x<y$\n\n" + " ".join(HOSTILE_TEX)))
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find_all("script")
    assert not [t for t in soup.find_all(True) if t.has_attr("style") or t.has_attr("href")
                and t["href"].lower().startswith("javascript")]  # fmt: skip
    heading = soup.find("h1", id=lambda i: i and i.startswith("md-Mine"))
    assert heading["id"] == "md-Mine-x<y" and heading.find("math")  # TeX in the id, MathML shown
    assert soup.find("a", class_="anchor-link", href="#md-Mine-x<y")
    shown = soup.get_text()
    assert "alert('xss-marker')" in shown  # the TeX it could not keep, as text


@pytest.mark.parametrize(
    ("source", "attachments"),
    [("![x](attachment:nope)", {}), ("![x](attachment:a.png)", {"a.png": {}})],
)
def test_a_broken_attachment_shows_the_cell_as_text(autograded, source, attachments):
    """nbconvert raises on a missing or empty attachment: the page is still made."""
    nb = copy.deepcopy(autograded)
    cell = nbformat.v4.new_markdown_cell(source)
    cell["attachments"] = attachments
    nb.cells.insert(1, cell)
    page, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        nb, resources=resources()
    )
    assert "attachment:" in page and "</html>" in page
