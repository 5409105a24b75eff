"""What a feedback page keeps of the HTML a student can put in it: markup, never code.

A submission writes HTML into its own feedback page in three ways: markdown
cells (markdown passes raw HTML through), ``text/html`` and ``text/markdown``
outputs (``display(HTML(...))``), and ``application/javascript`` or widget
outputs. Whoever opens the page runs what it holds: the student, and the
instructor, whose class report links to every page. So nothing a student
wrote may run there, restyle the page or pose as the grader's summary.

:func:`clean` keeps what the lab's own markdown renders to (headings,
paragraphs, lists, tables, code, links, emphasis, images embedded as data)
and drops the rest: ``<script>``, ``<style>``, ``<iframe>``, ``<svg>``,
``<form>``, event-handler and ``style`` attributes, ``javascript:`` links. A
dropped element's text stays visible, escaped. ``id`` attributes stay on
headings only (the page's table-of-contents anchors), so a student's element
cannot take over the summary's links to the test cells; ``class`` keeps only
the code highlighting's classes (:data:`CLASS`), so it cannot borrow the
page's own styles.

:class:`~kmeans_em_lab.pipeline.pages.feedback_page.FeedbackExporter` applies it
to every markdown cell and to html and markdown outputs, and leaves out
javascript and widget outputs (nbconvert's own ``sanitize_html`` switch), within
:data:`FRAGMENT_LIMIT` and :data:`PAGE_LIMIT`: past them, HTML is shown as its text.
"""

from __future__ import annotations

import re

import bleach

HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
# the prefix of every id a student's heading may keep: the grader's own anchors (a test
# cell's grade id, the summary) never start with it, so no heading can take their place
HEADING_ID_PREFIX = "md-"
TAGS = frozenset(
    {
        *bleach.ALLOWED_TAGS,  # a abbr acronym b blockquote code em i li ol strong ul
        *HEADINGS,
        *("p", "div", "span", "pre", "br", "hr", "img", "sup", "sub", "del", "s", "kbd"),
        *("dl", "dt", "dd", "small", "mark", "q", "cite", "caption"),
        *("table", "thead", "tbody", "tfoot", "tr", "th", "td"),
    }
)
PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
CLASS = re.compile(r"highlight|hl-[a-z0-9]+|anchor-link|[a-z][a-z0-9]{0,2}")
"""A class a student's markup may keep: the code highlighting's (``highlight`` and
Pygments' token classes, at most three letters) and the headings' ``anchor-link``.
Not the page's own classes (Bootstrap's ``navbar-fixed-top`` would pin a fake
score over the summary, ``sr-only`` hide text)."""
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.I)
_CELL_ATTRIBUTES = frozenset({"colspan", "rowspan", "align"})


def allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Whether ``name="value"`` may stay on ``<tag>`` (bleach's attribute filter)."""
    if name == "title":
        return True
    if name == "class":
        return all(CLASS.fullmatch(token) for token in value.split())
    if name == "id":
        return tag in HEADINGS and value.startswith(HEADING_ID_PREFIX)
    if tag == "a":
        return name == "href" and not value.strip().lower().startswith("data:")
    if tag == "img":
        if name == "src":
            return bool(_IMAGE_DATA.match(value.strip()))
        return name in ("alt", "width", "height")
    if tag in ("th", "td"):
        return name in _CELL_ATTRIBUTES
    return False


_CLEANER = bleach.Cleaner(
    tags=TAGS,
    attributes=allowed_attribute,
    protocols=PROTOCOLS,
    strip=False,  # a dropped tag is shown as text: the reader sees what was there
    strip_comments=True,
)


# characters of student text a feedback page cleans, renders from markdown or highlights as
# code: one fragment (a cell, an output), and one page, each kind apart. Some inputs take
# time growing with the square of their length (4,000 nested tags to clean, many
# \begin{..} to render, a.a.a... to highlight: seconds); the lab's own cells are under
# 4,000 characters, its whole notebook about 32,000. What lies past a limit is shown as
# its text, escaped (:func:`as_text`).
FRAGMENT_LIMIT = 20_000
PAGE_LIMIT = 100_000
RENDERED_LIMIT = 5 * FRAGMENT_LIMIT
"""Characters one rendered fragment of markdown may come to: a reference link's URL is
copied into each of its uses, so 20,000 characters of markdown can render as hundreds of
millions. Past it, the fragment is shown as its text."""
LINK_LIMIT = 2_000
"""Characters of a link's URL and title in a student's markdown; a longer one is shown as
its text (no link), before any copy of it is made."""


class PageBudget:
    """What one page may still process of one kind of student text (cleaning, rendering,
    highlighting): :data:`FRAGMENT_LIMIT` per fragment, :data:`PAGE_LIMIT` in all."""

    def __init__(self) -> None:
        self.used = 0

    def allows(self, text: str) -> bool:
        """Whether ``text`` may be processed (then counted), or is to be shown as text."""
        if len(text) > FRAGMENT_LIMIT or self.used + len(text) > PAGE_LIMIT:
            return False
        self.used += len(text)
        return True


def clean(html: str) -> str:
    """``html`` with only :data:`TAGS` and the attributes :func:`allowed_attribute` lets
    through; everything else escaped, so it shows as text and does nothing."""
    return _CLEANER.clean(html)


def as_text(html: str) -> str:
    """``html`` shown as its text, every character escaped (nothing of it is markup)."""
    from html import escape

    return f"<pre>{escape(html, quote=False)}</pre>"
