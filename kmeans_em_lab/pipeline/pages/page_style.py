"""The head of every page: its language, a stylesheet anyone can read it with, no script.

nbgrader's feedback template gives the page no language, loads MathJax from
a CDN, writes links in Bootstrap's light blue (4.2:1 on grey) told apart from
text by colour alone, "(Top)" links in light grey on blue (2.4:1), code
tokens in Pygments' colours (4.4:1 on grey), and long outputs in boxes that
scroll but cannot be reached by keyboard. :func:`finish_head` rewrites the
head, the part of the page only the grader writes (a student's markup is in
the body, made inert by :mod:`.student_html`):

- ``<html lang="en">``;
- no ``<script>``: maths is MathML already (:mod:`.mathml`), so the page makes
  no request and works offline;
- a Content Security Policy (:data:`CONTENT_SECURITY_POLICY`) that lets the page
  run no script at all, not even a ``javascript:`` link that got past the
  cleaning, and load nothing but its own inline styles and data images;
- :func:`stylesheet` last, so it wins: every text colour meets WCAG AA on
  the page's backgrounds (:mod:`.palette`), the code highlighting's colours
  included (derived from the rules nbconvert put in the head); links are
  underlined; focus is outlined; the table of contents' and the cells'
  links are 24 px targets; outputs and code wrap instead of scrolling;
  colours a notebook's output sets itself (ANSI 256-colour and 24-bit
  escapes, written as ``style`` by nbconvert) are not shown.
"""

from __future__ import annotations

import re

from kmeans_em_lab.pipeline.pages import palette
from kmeans_em_lab.pipeline.shared.untrusted_text import for_html

LANGUAGE = "en"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
TARGET_PX = 24  # WCAG 2.2 AA, 2.5.8: the smallest pointer target
_HEAD_END = re.compile(r"</head\s*>", re.I)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.I | re.S)
_MATHJAX_COMMENT = re.compile(r"<!--[^>]*?mathjax[^>]*?-->", re.I)
_HTML_WITHOUT_LANG = re.compile(r"<html(?![^>]*\blang=)", re.I)
_TOKEN_COLOUR = re.compile(
    r"(\.highlight\s+\.[\w-]+)\s*\{[^}]*?(?<![\w-])color:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b"
)


def code_colours(head: str) -> dict[str, str]:
    """The code highlighting's selectors in ``head`` whose colour is not readable on
    :data:`.palette.SHADE`, each with its readable shade."""
    found = {}
    for selector, colour in _TOKEN_COLOUR.findall(head):
        shade = palette.readable(colour)
        if shade.lower() != colour.lower():
            found[selector] = shade
    return found


def stylesheet(head: str = "") -> str:
    """The page's own rules, and the code colours of ``head`` made readable."""
    p = palette
    rules = [
        f"body{{color:{p.TEXT}}}",
        f"a,a:visited{{color:{p.LINK};text-decoration:underline}}",
        f"a:hover,a:focus{{color:{p.TEXT}}}",
        f":focus-visible{{outline:3px solid {p.LINK};outline-offset:2px}}",
        f".panel-primary{{border-color:{p.LINK}}}",
        f".panel-primary>.panel-heading{{color:{p.WHITE};background-color:{p.LINK};"
        f"border-color:{p.LINK}}}",
        f"div.nbgrader_cell .panel-heading a,div.nbgrader_cell .panel-heading a:visited,"
        f"div.nbgrader_cell .panel-heading a:hover{{color:{p.WHITE}}}",
        f"div.nbgrader_cell .panel-heading :focus-visible{{outline-color:{p.WHITE}}}",
        f".panel-default>.panel-heading{{background-color:{p.SHADE}}}",
        f"#toc a,.panel-heading .pull-right a{{display:inline-block;min-height:{TARGET_PX}px;"
        f"min-width:{TARGET_PX}px;line-height:{TARGET_PX}px}}",
        f"pre,.highlight{{background-color:{p.SHADE};color:{p.TEXT}}}",
        "pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:normal;overflow:visible}",
        "div.output_scroll,div.output_area,div.output_subarea{overflow:visible;max-height:none}",
        "#notebook-container span[style]{color:inherit!important;"
        "background-color:transparent!important}",
        "math[display=block]{margin:.5em 0}",
        # a formula paints inside its own box (no raised or shifted text over the page),
        # and the grader's summary above anything a notebook put later on the page
        "math{overflow:clip;contain:paint}",
        # a long word of the student's breaks inside the summary's line, so the words after
        # it do not start a line of their own
        "#lab3-summary{position:relative;z-index:1;overflow-wrap:anywhere}",
    ]
    rules += [f"{selector}{{color:{shade}}}" for selector, shade in code_colours(head).items()]
    return "\n".join(rules)


def report_head(title: str, style: str) -> list[str]:
    """The start of a page the grader writes whole (the class report, the similarity
    report), its heading included: the language, the Content Security Policy (no script at
    all), the page's own ``style``; ``title`` escaped."""
    return [
        "<!DOCTYPE html>",
        f'<html lang="{LANGUAGE}"><head><meta charset="utf-8">',
        _CSP_META.strip(),
        f"<title>{for_html(title)}</title>",
        style,
        "</head><body>",
        f"<h1>{for_html(title)}</h1>",
    ]


def finish_head(page: str, language: str = LANGUAGE) -> str:
    """``page`` with its head given ``language``, rid of scripts and ended by the content
    security policy and :func:`stylesheet` (unchanged when it has no ``</head>``)."""
    end = _HEAD_END.search(page)
    if end is None:
        return page
    head = _MATHJAX_COMMENT.sub("", _SCRIPT.sub("", page[: end.start()]))
    head = _HTML_WITHOUT_LANG.sub(f'<html lang="{language}"', head, count=1)
    style = f'<style type="text/css">\n{stylesheet(head)}\n</style>\n'
    return head + _CSP_META + style + page[end.start() :]
