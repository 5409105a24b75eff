"""The lab's text reads well with a screen reader: in the source and release notebooks (and so
in every feedback page), headings go down one level at a time and every image says what it
shows."""

from __future__ import annotations

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from kmeans_em_lab.course import paths

NOTEBOOKS = {
    "source": paths.course_root() / "source" / paths.ASSIGNMENT / paths.NOTEBOOK,
    "release": paths.course_root() / "release" / paths.ASSIGNMENT / paths.NOTEBOOK,
}


def rendered(notebook) -> BeautifulSoup:
    """Every markdown cell of ``notebook``, rendered as the feedback page renders it."""
    cells = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    return BeautifulSoup("".join(markdown2html_mistune(c) for c in cells), "html.parser")


def heading_problems(soup: BeautifulSoup) -> list[str]:
    """Each heading that skips a level down from the one before (the first must be h1)."""
    problems, level = [], 0
    for heading in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        new = int(heading.name[1])
        if new > level + 1:
            problems.append(
                f"h{level} then {heading.name}: {heading.get_text(strip=True).rstrip('¶')!r}"
            )
        level = new
    return problems


def image_problems(soup: BeautifulSoup) -> list[str]:
    return [str(img)[:120] for img in soup.find_all("img") if not img.get("alt", "").strip()]


def test_the_checks_see_what_they_look_for():
    soup = rendered(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Lab\n### Skipped a level\n![](plot.png)"),
        nbformat.v4.new_markdown_cell('## Back\n<img src="x.png">![a plot of x](y.png)'),
    ]))  # fmt: skip
    assert heading_problems(soup) == ["h1 then h3: 'Skipped a level'"]
    assert len(image_problems(soup)) == 2


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_headings_go_down_one_level_at_a_time(name):
    soup = rendered(nbformat.read(NOTEBOOKS[name], as_version=4))
    assert soup.find("h1"), "the notebook has no title"
    assert heading_problems(soup) == []


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_every_image_has_alternative_text(name):
    assert image_problems(rendered(nbformat.read(NOTEBOOKS[name], as_version=4))) == []
