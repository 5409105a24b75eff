"""The feedback pages' exporter (kmeans_em_lab/pipeline/feedback_page.py): nbconvert's
document, made without a second parse of the page and with templates compiled once."""

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

from kmeans_em_lab.pipeline import feedback_page
from kmeans_em_lab.pipeline.feedback_page import ALT_TEXT, FeedbackExporter

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


def test_the_page_is_nbconvert_s_document(autograded):
    theirs, _ = HTMLExporter(config=feedback_config()).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )
    ours, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
        copy.deepcopy(autograded), resources=resources()
    )
    assert document(ours) == theirs  # nbconvert's page is its parse, serialised
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
        theirs, _ = HTMLExporter(config=feedback_config()).from_notebook_node(
            copy.deepcopy(nb), resources=resources()
        )
        ours, _ = FeedbackExporter(config=feedback_config()).from_notebook_node(
            copy.deepcopy(nb), resources=resources()
        )
        assert document(ours) == theirs
