"""What nbgrader's formgrader shows of a submission, made inert.

The formgrader (nbgrader's instructor page in JupyterLab, where manual scores and
comments are given) renders an autograded notebook with nbconvert's plain
``HTMLExporter`` and its ``formgrade`` template: a student's ``<script>``,
``onerror=``, ``javascript:`` link or TeX ``\\href`` would run there, in the
instructor's Jupyter session, where a script can reach the server's API. Its
exporter's class is fixed, but its preprocessors come from the course's
``nbgrader_config.py``, which names :class:`InertStudentContent` among them.

Before the template sees the notebook, every markdown cell becomes the HTML a feedback
page shows of it (:meth:`.feedback_page.FeedbackExporter.student_markdown`: rendered,
formulas as MathML, cleaned by :mod:`.student_html`, with the page's budgets), every
rich output is cleaned the same way or left out, terminal colours are dropped, and
metadata is kept to what a page needs (:func:`.feedback_page.inert_output_metadata`).
What it wrote is wrapped (:func:`wrapped`) so that neither the template's markdown
renderer nor the page's MathJax reads it again. Code is highlighted by
:func:`highlight_code` (also named in ``nbgrader_config.py``), within the feedback
page's budget: the lexer takes time growing with the square of some inputs' length.
"""

from __future__ import annotations

import re

from nbconvert.filters.ansi import strip_ansi
from nbconvert.preprocessors import Preprocessor

IGNORED_BY_MATHJAX = "tex2jax_ignore"  # the class MathJax 2 and 3 skip the contents of
IMAGES = ("image/png", "image/jpeg", "image/gif")  # drawn from base64 data, kept
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_FILES_PREFIX = re.compile(r"""((?:src|href)=["']?)(/?files/)""")


def wrapped(html: str) -> str:
    """``html`` as one raw HTML block of markdown that no later step reads as anything
    else: in one element MathJax skips, with no blank line (markdown would end the block
    there and read what follows as markdown) and no ``[`` (written ``&#91;``, which shows
    the same: nbconvert's ``files/`` pattern, which the template applies after markdown,
    takes time growing with the square of a line's count of them). A link or source that
    starts ``files/`` gets ``./`` before it: that template strips ``files/`` after it
    cleans nothing, and ``files/javascript:...`` was a relative link when it was cleaned."""
    html = _FILES_PREFIX.sub(r"\1./\2", html)
    lines = html.replace("[", "&#91;").split("\n")
    body = "\n".join(line if line.strip() else "&#32;" for line in lines)
    return f'<div class="{IGNORED_BY_MATHJAX}">{body}</div>'


# the highlighter of the page being made (a formgrader makes one page at a time)
_page_highlight = None


def highlight_code(source, language=None, metadata=None) -> str:
    """nbconvert's ``highlight_code`` filter within the budgets of the page being made
    (:class:`.feedback_page.FeedbackExporter`'s); past them, the code is shown plain."""
    global _page_highlight
    if _page_highlight is None:
        _new_page()
    return _page_highlight(source, language, metadata)


def _new_page() -> None:
    global _page_highlight
    from nbconvert.filters.highlight import Highlight2HTML

    from kmeans_em_lab.pipeline.pages.feedback_page import LEXER, CachedHighlight

    _page_highlight = CachedHighlight(Highlight2HTML(pygments_lexer=LEXER))


class InertStudentContent(Preprocessor):
    """Markdown cells and outputs as a feedback page shows them, for nbgrader's formgrader
    (named in ``c.HTMLExporter.preprocessors``; the feedback exporter does the same work
    itself and names none)."""

    def preprocess(self, nb, resources):
        from kmeans_em_lab.pipeline.pages.feedback_page import (
            FeedbackExporter,
            inert_output_metadata,
        )

        exporter = FeedbackExporter()  # fresh budgets for this page
        _new_page()
        path = (resources or {}).get("metadata", {}).get("path", "")
        nb = inert_output_metadata(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = wrapped(exporter.student_markdown(cell, cell.source, path))
                cell.pop("attachments", None)  # drawn already, as data: images
            elif cell.cell_type == "code":
                outputs = (self._inert(exporter, cell, o, path) for o in cell.outputs)
                cell.outputs = [o for o in outputs if o is not None]
            else:  # raw: shown as nothing (its metadata, kept to nbgrader's, names no type)
                cell.source = ""
        return nb, resources

    @staticmethod
    def _inert(exporter, cell, output, path: str):
        kind = output.get("output_type")
        if kind == "stream":
            output["text"] = strip_ansi(str(output.get("text", "")))
        elif kind == "error":
            output["traceback"] = [strip_ansi(str(line)) for line in output.get("traceback", [])]
        elif kind in ("display_data", "execute_result"):
            data, kept = output.get("data", {}), {}
            if isinstance(data.get("text/html"), str):
                kept["text/html"] = wrapped(exporter.clean_html(data["text/html"]))
            elif isinstance(data.get("text/markdown"), str):
                shown = exporter.student_markdown(cell, data["text/markdown"], path)
                kept["text/html"] = wrapped(shown)
            for mime in IMAGES:
                if isinstance(data.get(mime), str) and _BASE64.fullmatch(data[mime]):
                    kept[mime] = data[mime]
            if isinstance(data.get("text/plain"), str):
                kept["text/plain"] = strip_ansi(data["text/plain"])
            if not kept:
                return None
            output["data"] = kept  # no SVG, TeX, JavaScript, JSON or widget
        return output
