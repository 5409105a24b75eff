"""A feedback page made again on the driver is as inert as the worker's
(kmeans_em_lab/pipeline/pages/feedback_page.py: ``configure``, ``regenerate``).

The driver makes a page again after an instructor's manual score or comment,
or when one is missing. A toy course (``pipeline_fixtures.toy_course``) is
autograded by nbgrader's own ``autograde`` in this process, no sandbox and no
Dask (a trusted toy submission; the pipeline's grading is
test_pipeline.py's): its notebook displays ``<script>``, ``onerror=`` and
``javascript:`` links in an html and a markdown output and in a markdown
cell. The instructor then gives a manual score and a comment through
nbgrader's ``Gradebook``, and the page is made again as the driver makes it.
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from pipeline_fixtures import toy_course as toy
from traitlets.config import Config

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.pages import feedback_page
from kmeans_em_lab.pipeline.shared.course_config import course_id, db_url, load_course_config
from kmeans_em_lab.pipeline.worker.config import grading_config

STUDENT = "mallory"
XSS = "xss-marker"
ATTACK = (
    f"<script>alert('{XSS}-script')</script>"
    f'<img src="x.png" onerror="alert(\'{XSS}-img\')">'
    f"<a href=\"javascript:alert('{XSS}-link')\">click</a>"
)
SQUARE = f"""\
from IPython.display import HTML, Markdown, display

display(HTML({ATTACK!r}))
display(Markdown({f"[markdown link](javascript:alert('{XSS}-md')) {ATTACK}"!r}))


def square(x):
    return x * x
"""
COMMENT = "see me about this"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The toy course with ``mallory`` autograded, then given a manual score and comment."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    saved = {k: os.environ.get(k) for k in ("LAB3_DB_URL", "PATH")}
    os.environ.pop("LAB3_DB_URL", None)  # the toy course's own SQLite gradebook
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + (saved["PATH"] or "")
    try:
        root = toy.build_course(tmp_path_factory.mktemp("regenerated") / "course")
        notebook = toy.make_submission(root, STUDENT, toy.answers(square=SQUARE))
        nb = nbformat.read(notebook, as_version=4)
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"A note of mine. {ATTACK}"))
        nbformat.write(nb, notebook)
        (notebook.parent / "plots.html").write_text(f"<script>alert('{XSS}-file')</script>")
        config = load_course_config(root)
        result = NbGraderAPI(config=config).autograde(toy.ASSIGNMENT, STUDENT, force=True)
        assert result["success"], result.get("log", "") + result.get("error", "")
        with Gradebook(db_url(config), course_id(config)) as gb:  # the instructor's judgement
            gb.find_grade("test_square_hidden", toy.ASSIGNMENT, "lab3", STUDENT).manual_score = 1
            gb.find_comment("square", toy.ASSIGNMENT, "lab3", STUDENT).manual_comment = COMMENT
            gb.db.commit()
        yield root
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def page_of(root: Path) -> str:
    return (paths.Course(root).feedback(STUDENT) / "lab3.html").read_text(encoding="utf-8")


def assert_inert(page: str) -> None:
    soup = BeautifulSoup(page, "html.parser")
    assert not [s for s in soup.find_all("script") if XSS in s.get_text()]
    handlers = [(t.name, a) for t in soup.find_all(True) for a in t.attrs if a.startswith("on")]
    assert not handlers
    links = [t["href"] for t in soup.find_all(href=True)]
    assert not [u for u in links if u.strip().lower().startswith("javascript:")]
    assert f"alert('{XSS}-script')" in page.replace("&#39;", "'")  # still shown, as text


def test_a_page_made_again_on_the_driver_runs_nothing_and_keeps_the_summary(course):
    """The driver's regeneration, after a manual score: the page comes from the instructor's
    gradebook (the comment), opens with the grader's summary, and is inert."""
    feedback_page.regenerate(course, toy.ASSIGNMENT, [STUDENT], toy.NOTEBOOK)
    page = page_of(course)
    assert COMMENT in page, "made from the instructor's gradebook"
    assert '<section id="lab3-summary"' in page, "the page opens with the summary"
    assert page.count(f"{XSS}-script") >= 3  # the html and markdown outputs, the markdown cell
    assert_inert(page)


def test_a_students_own_files_never_land_beside_the_page(course):
    """nbgrader copies a submission's other files into its feedback folder: a student's own
    .html there would run when followed from the page. The page is all that stays."""
    feedback_page.regenerate(course, toy.ASSIGNMENT, [STUDENT], toy.NOTEBOOK)
    folder = paths.Course(course).feedback(STUDENT)
    assert sorted(p.name for p in folder.iterdir()) == ["lab3.html"]


def test_a_missing_page_is_made_again_just_as_inert(course):
    shutil.rmtree(paths.Course(course).feedback(STUDENT))
    assert feedback_page.regenerate(course, toy.ASSIGNMENT, [STUDENT, "nobody"], toy.NOTEBOOK) == [
        "nobody"
    ]
    assert_inert(page_of(course))


def test_the_worker_the_driver_and_a_hand_run_use_the_same_exporter(tmp_path):
    """One exporter for every page: ``configure`` on any config (even one naming nbconvert's
    plain exporter), the worker's ``grading_config``, and the course's own
    ``nbgrader_config.py`` for ``nbgrader generate_feedback`` run by hand."""
    plain = Config()
    plain.CourseDirectory.root = str(tmp_path)
    plain.GenerateFeedback.exporter_class = "nbconvert.exporters.HTMLExporter"
    plain.FeedbackExporter.sanitize_html = False
    worker = grading_config(plain, sandbox=True, scratch=tmp_path)
    for config in (feedback_page.configure(copy.deepcopy(plain)), worker):
        assert config.GenerateFeedback.exporter_class == feedback_page.EXPORTER
        assert config.FeedbackExporter.sanitize_html is True
    assert plain.GenerateFeedback.exporter_class == "nbconvert.exporters.HTMLExporter"
    hand_run = paths.Course.at().load_config()
    assert hand_run.GenerateFeedback.exporter_class == feedback_page.EXPORTER


def test_the_driver_s_regeneration_goes_through_the_same_exporter(course):
    """``store.regenerate_feedback``, what ``make grade`` calls after a manual score or for a
    missing page, makes the same inert page with its summary."""
    from kmeans_em_lab.pipeline.driver import store
    from kmeans_em_lab.pipeline.driver.settings import Settings

    assert store.regenerate_feedback(Settings(root=course, workers=1), [STUDENT]) == []
    page = page_of(course)
    assert COMMENT in page and '<section id="lab3-summary"' in page
    assert_inert(page)


def test_a_page_whose_making_runs_away_is_not_made_and_costs_no_other(course, monkeypatch):
    """Every step of a page has its caps on a submission's text; behind them, each page is
    made in a child within ``PAGE_LIMITS``: one that costs more is not made (that student
    is reported), and the next student's page is made as usual."""
    from kmeans_em_lab.pipeline.shared import contained

    real = feedback_page.FeedbackExporter.from_notebook_node
    calls = []

    def dear_first_time(self, nb, *args, **kwargs):
        calls.append(1)  # in the child: the parent's list never grows
        end = time.process_time() + 30.0
        while len(calls) == 1 and time.process_time() < end:  # bounded: fails, never hangs
            pass
        return real(self, nb, *args, **kwargs)

    cheap = contained.Limits(cpu_seconds=1.0, memory_bytes=2 * 2**30, wall_seconds=600.0)
    monkeypatch.setattr(feedback_page, "PAGE_LIMITS", cheap)
    monkeypatch.setattr(feedback_page.FeedbackExporter, "from_notebook_node", dear_first_time)
    shutil.rmtree(paths.Course(course).feedback(STUDENT))
    assert feedback_page.regenerate(course, toy.ASSIGNMENT, [STUDENT], toy.NOTEBOOK) == [STUDENT]
    assert not (paths.Course(course).feedback(STUDENT) / "lab3.html").exists()
    monkeypatch.setattr(feedback_page.FeedbackExporter, "from_notebook_node", real)
    assert feedback_page.regenerate(course, toy.ASSIGNMENT, [STUDENT], toy.NOTEBOOK) == []
    assert_inert(page_of(course))
