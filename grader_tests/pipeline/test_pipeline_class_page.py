"""The class report's causes: reports/class_report.html (pipeline/reports/class_page.py),
the terminal's causes section (report.py) and the CSV's ``causes`` column (export.py).

A class of four students with known scores and causes, no grading; the page
in a real browser: test_browser.py.
"""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from kmeans_em_lab.course.points import AssignmentCells
from kmeans_em_lab.pipeline.pages.page_style import CONTENT_SECURITY_POLICY
from kmeans_em_lab.pipeline.reports import class_page
from kmeans_em_lab.pipeline.reports.export import write_csv
from kmeans_em_lab.pipeline.reports.report import causes_section
from kmeans_em_lab.pipeline.shared.causes import Cause
from kmeans_em_lab.pipeline.shared.scores import GradebookRef, StudentScores

LAYOUT = AssignmentCells(
    cells=[("test_Set_public", 5.0), ("test_Set_hidden", 10.0), ("test_EM_hidden", 25.0)],
    functions=["Set", "EM"],
)
ODD = "<b>eve</b>"  # a student id that must be escaped


def scores(student: str, set_public: float, set_hidden: float, em: float) -> StudentScores:
    grades = {"test_Set_public": (set_public, 5.0), "test_Set_hidden": (set_hidden, 10.0),
              "test_EM_hidden": (em, 25.0)}  # fmt: skip
    return StudentScores(student=student, score=set_public + set_hidden + em, max_score=40.0,
                         grades=grades)  # fmt: skip


TABLE = {
    "ada": scores("ada", 5, 10, 25),
    "alan": scores("alan", 5, 10, 0),
    "grace": scores("grace", 0, 0, 0),
    ODD: scores(ODD, 0, 0, 0),
}
OUTCOMES = {
    "ada": {"status": "graded", "flags": []},
    "alan": {"status": "graded", "flags": []},
    "grace": {
        "status": "graded",
        "flags": ["time limit reached in cell test_EM_hidden (#9)", "left out: a\u202etxt.exe"],
    },
    ODD: {"status": "zero", "flags": ["no notebook"]},
}
CAUSES = {
    "ada": {},
    "alan": {"EM": [Cause("not_implemented", "EM raised NotImplementedError")]},
    "grace": {
        "Set": [Cause("clusters_not_dict", "C should be a dict, got <script>x</script>")],
        "EM": [Cause("time_limit", "The cell ran past its time limit")],
    },
    ODD: {"Set": [Cause("no_notebook", "no notebook")], "EM": [Cause("no_notebook", "x")]},
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> SimpleNamespace:
    """A course folder with feedback pages for ada, alan and grace (none for the zero)."""
    root = tmp_path_factory.mktemp("course")
    for student in ("ada", "alan", "grace"):
        page = root / "feedback" / student / "lab3" / "lab3.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<html><body>{student}</body></html>")
    return SimpleNamespace(
        root=root,
        reports=root / "reports",
        notebook_id="lab3",
        feedback_dir=lambda s: root / "feedback" / s / "lab3",
    )


@pytest.fixture(scope="module")
def page(course) -> Path:
    return class_page.write_html(course, TABLE, LAYOUT, OUTCOMES, CAUSES, "lab3: class report")


def test_no_character_of_a_students_text_reorders_or_hides_a_row(page):
    text = page.read_text()
    assert "\u202e" not in text and "a\\u202etxt.exe" in text


def test_the_page_holds_the_figure_inline(page):
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<title>lab3: class report</title>" in text
    (encoded,) = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert base64.b64decode(encoded)[:4] == b"\x89PNG"
    assert "<script" not in text.lower()
    # no script would run even if one got in: the feedback pages' policy, data images only
    assert CONTENT_SECURITY_POLICY in text.split("</head>")[0]


def test_the_figure_says_what_it_shows_and_the_page_its_language(page):
    text = page.read_text()
    assert '<html lang="en">' in text
    (alt,) = re.findall(r'<img alt="([^"]+)"', text)
    assert alt.startswith("Histogram of the total scores of 4 students")
    assert "(students per band: 0-10%: 2, 30-40%: 1, 90-100%: 1)" in alt  # alan: 15/40
    assert "Set 50%, EM 25%" in alt
    assert "EM time_limit, 1 student" in alt and "&lt;b&gt;" not in alt


def test_the_causes_table_counts_students_per_function_and_cause(page):
    text = page.read_text()
    table = text[text.index('<table class="causes">') : text.index("</table>")]
    rows = re.findall(r"<tr><td>(\w+)</td><td><code>(\w+)</code></td><td class=\"num\">(\d+)",
                      table)  # fmt: skip
    assert rows == [
        ("Set", "clusters_not_dict", "1"),
        ("Set", "no_notebook", "1"),
        ("EM", "no_notebook", "1"),
        ("EM", "not_implemented", "1"),
        ("EM", "time_limit", "1"),
    ]
    assert 'class="example"' not in table  # a message one student got alone is no example
    assert "The function is not written yet" in table  # the cause's meaning
    shared = {s: {"Set": [Cause("clusters_not_dict", "got <script>x</script>")]} for s in "ab"}
    table = "".join(class_page._causes_table(LAYOUT, shared))
    assert "e.g. (2 of 2 students) got &lt;script&gt;x&lt;/script&gt;" in table, table


def test_a_row_per_student_links_to_their_feedback(page):
    text = page.read_text()
    rows = r'<tr id="student-([^"]+)">.*?<td>(?:<a href="([^"]+)">feedback</a>|-)</td></tr>'
    links = dict(re.findall(rows, text))
    assert links == {
        "ada": "../feedback/ada/lab3/lab3.html",
        "alan": "../feedback/alan/lab3/lab3.html",
        "grace": "../feedback/grace/lab3/lab3.html",
        "&lt;b&gt;eve&lt;/b&gt;": "",
    }
    for href in re.findall(r'href="(\.\./[^"]+)"', text):
        assert (page.parent / href).resolve().is_file(), href
    assert "Set:clusters_not_dict; EM:time_limit" in text
    assert "time limit reached in cell test_EM_hidden (#9)" in text


def test_the_terminal_lists_the_causes_below_the_table():
    text = causes_section(LAYOUT, CAUSES)
    lines = text.splitlines()
    assert lines[0] == "why points were lost:"
    assert lines[1].split() == ["function", "cause", "students", "what", "it", "means"]
    assert lines[3].split()[:3] == ["Set", "clusters_not_dict", "1"]
    assert len(lines) == 3 + 5
    assert causes_section(LAYOUT, {"ada": {}}) == ""


def test_the_csv_has_a_causes_column(tmp_path):
    book = GradebookRef(f"sqlite:///{tmp_path / 'gradebook.db'}", "lab3-kmeans-em", "lab3")
    path = write_csv(tmp_path / "grades.csv", book=book, table=TABLE, layout=LAYOUT,
                     outcomes=OUTCOMES, causes=CAUSES)  # fmt: skip
    with open(path, newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert list(rows["ada"])[-4:] == ["status", "flags", "sandbox", "causes"]
    assert rows["grace"]["causes"] == "Set:clusters_not_dict; EM:time_limit"
    assert rows["alan"]["causes"] == "EM:not_implemented"
    assert rows["ada"]["causes"] == ""


def test_the_figure_charts_the_most_frequent_causes_in_the_notebooks_order():
    from kmeans_em_lab.pipeline.reports.report import CHART_CAUSES, _import_matplotlib, figure

    rare = {f"s{i}": {"Set": [Cause(f"wrong_{i:02d}", "m")]} for i in range(CHART_CAUSES)}
    frequent = {f"t{i}": {"EM": [Cause("time_limit", "m")]} for i in range(3)}
    fig = figure(TABLE, LAYOUT, "", {**rare, **frequent})
    labels = [t.get_text() for t in fig.axes[2].get_yticklabels()][::-1]  # top to bottom
    _import_matplotlib().close(fig)
    assert len(labels) == CHART_CAUSES
    assert labels[-1] == "EM: time_limit" and labels[0] == "Set: wrong_00"
