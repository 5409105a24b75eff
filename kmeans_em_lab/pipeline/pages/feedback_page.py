"""nbconvert's HTML exporter for the feedback pages, made cheaper for a worker that makes many.

nbgrader's ``generate_feedback`` renders every page with nbconvert's
``HTMLExporter`` and a new exporter per run. Two of its costs repeat for
every student with nothing new to show (a worker's profile shows
them):

- the Jinja templates are parsed and compiled again by each new exporter.
  :class:`FeedbackExporter` gives its environment a bytecode cache shared by
  the process, so each template is compiled once per worker (Jinja checks the
  template's source against the cache: an edited template is compiled again);
- every cell's code is highlighted by Pygments and every markdown cell
  rendered by mistune, though all but the students' own cells are the same
  on every page. :class:`FeedbackExporter` keeps the results per process, keyed
  by everything they depend on (the text, the language, the cell's
  attachments, the exporter's options), at most :data:`CACHED_TEXTS` of them;
- after rendering, ``HTMLExporter`` parses the whole page again with
  BeautifulSoup's pure-Python parser to add two accessibility attributes and
  writes it back out. With nbgrader's feedback template only one of them can
  apply: images without an ``alt`` text get nbconvert's default one
  (:data:`ALT_TEXT`; the other, ``tabindex`` on JupyterLab's cells, needs the
  ``lab`` template's markup). :class:`FeedbackExporter` adds the same text to
  the same images without parsing the page; the page then differs from
  nbconvert's in serialisation only (the same document; tested).

Any other template gets nbconvert's own pass, unchanged.

What a student wrote is made inert on every page (:mod:`.student_html`):
nbconvert's ``sanitize_html`` is on, with :func:`.student_html.clean` as its
``clean_html`` filter, and rendered markdown goes through the same filter,
since nbgrader's template renders markdown cells itself, outside that switch.

Every page is self-contained and accessible: maths is rendered to MathML when
the page is made (:mod:`.mathml`: markdown's formulas become placeholders
that pass the filter, put back once the page is rendered), and nbgrader's
template gets a language, no script and a readable stylesheet
(:func:`.page_style.finish_head`).

Every feedback page is made by this exporter, wherever and whenever it is
made: :func:`configure` is the one place that gives it to nbgrader's
``generate_feedback`` (on a worker through
:func:`.config.grading_config`; on the driver through :func:`regenerate`,
when a page is made again after an instructor's manual score or comment, or
because it is missing). The course's ``nbgrader_config.py`` names it too
(:data:`EXPORTER`), so ``nbgrader generate_feedback`` run by hand in the
course folder makes the same inert page (without the summary).
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections import OrderedDict
from functools import partial
from pathlib import Path

import jinja2
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters import strings as nbconvert_strings
from nbconvert.filters.ansi import ansi2html as nbconvert_ansi2html
from nbconvert.filters.ansi import strip_ansi
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.utils.base import NbConvertBase
from nbformat.notebooknode import NotebookNode
from traitlets import Bool
from traitlets.config import Config

from kmeans_em_lab.course.paths import page_name
from kmeans_em_lab.pipeline.pages import mathml, page_style, student_html
from kmeans_em_lab.pipeline.shared import contained
from kmeans_em_lab.pipeline.shared.forged_metadata import CELL_TYPES
from kmeans_em_lab.pipeline.shared.verdicts import KEY

CACHED_TEXTS = 4096  # highlighted code cells and rendered markdown kept per process
TEMPLATE = "feedback"  # nbgrader's feedback template: the one this exporter renders cheaper
ALT_TEXT = "No description has been provided for this image"  # nbconvert's own default
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_HAS_ALT = re.compile(r"\salt(?=[\s=/>])", re.I)
_TAG_END = re.compile(r"\s*/?>$")


class _ProcessBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _ProcessBytecodeCache()


class _Texts:
    """Rendered texts by key, the least recently used dropped beyond :data:`CACHED_TEXTS`."""

    def __init__(self) -> None:
        self._texts: OrderedDict[tuple, str] = OrderedDict()

    def get(self, key: tuple, render) -> str:
        text = self._texts.get(key)
        if text is None:
            text = render()
            self._texts[key] = text
            if len(self._texts) > CACHED_TEXTS:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(key)
        return text


_RENDERED = _Texts()


def _options(configurable: NbConvertBase, *names: str) -> str:
    return json.dumps([getattr(configurable, name) for name in names], sort_keys=True, default=str)


class CachedHighlight:
    """nbconvert's ``highlight_code`` filter, its results kept per process."""

    def __init__(self, highlight: Highlight2HTML):
        self._highlight = highlight
        self._options = _options(highlight, "pygments_lexer", "extra_formatter_options")
        self._budget = student_html.PageBudget()  # made once per page

    def __call__(self, source, language=None, metadata=None):
        # some inputs take the lexer time growing with the square of their length
        # (``a.a.a...``): past the limits, the code is shown plain
        source = str(source)
        if not self._budget.allows(source):
            return f'<div class="highlight"><pre>{html.escape(source, quote=False)}</pre></div>'
        magics = (metadata or {}).get("magics_language")
        key = ("code", self._options, source, language, magics)
        return _RENDERED.get(key, lambda: self._highlight(source, language, metadata))


def add_alt_texts(page: str) -> tuple[str, int]:
    """``page`` with :data:`ALT_TEXT` given to every ``<img>`` that has no ``alt``, and
    how many were given one."""
    count = 0

    def fill(match: re.Match) -> str:
        nonlocal count
        tag = match.group(0)
        if _HAS_ALT.search(tag):
            return tag
        count += 1
        end = _TAG_END.search(tag)
        return f'{tag[: end.start()]} alt="{ALT_TEXT}"{tag[end.start() :]}'

    return _IMG.sub(fill, page), count


IMAGE_SIZE_LIMIT = 10_000  # pixels: the largest width or height an image output may ask for
KEPT_KEYS = ("nbgrader", KEY)  # metadata keys a page reads: nbgrader's and the grader's own
LEXER = "ipython3"  # the lab's code is Python, whatever a notebook's metadata says
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def inert_output_metadata(nb):
    """A copy of ``nb`` whose metadata holds only what a page needs: the notebook's its
    language (the lab's, whatever the notebook says: it picks the code's highlighter) and
    the grader's keys, a cell's its nbgrader and grader's keys, an output's an
    image's width and height as plain numbers.

    Output metadata comes from the kernel, and nbconvert's template writes some of it
    into the page unquoted (an image's ``width``: a space starts an ``onerror=``) or as a
    source (``filenames``: any address, fetched when the page opens); a cell's ``tags``
    become its classes and ``transient`` can remove its score heading (autograde already
    removes them: :mod:`.forged_metadata`; a notebook from elsewhere may still hold them).
    """
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb.get("cells", []) if c.get("cell_type") in CELL_TYPES]
    nb["metadata"] = NotebookNode(
        {k: v for k, v in nb.get("metadata", {}).items() if k in KEPT_KEYS}
    )
    nb["metadata"]["language_info"] = NotebookNode({"name": "python", "pygments_lexer": LEXER})
    nb["metadata"]["kernelspec"] = NotebookNode(KERNELSPEC)
    for cell in nb.get("cells", []):
        cell["metadata"] = NotebookNode(
            {k: v for k, v in cell.get("metadata", {}).items() if k in KEPT_KEYS}
        )
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if "metadata" not in output:
                continue
            kept = {}
            for mime in ("image/png", "image/jpeg"):
                given = output["metadata"].get(mime)
                sizes = {
                    key: int(value)
                    for key, value in (given.items() if isinstance(given, dict) else ())
                    if key in ("width", "height")
                    and re.fullmatch(r"\d{1,5}", str(value))
                    and 0 < int(value) <= IMAGE_SIZE_LIMIT
                }
                if sizes:
                    kept[mime] = sizes
            output["metadata"] = NotebookNode(kept)
    return nb


# nbconvert's markdown pattern lets a caption and a location run to the end of the line
# (``.*?``), from every ``[``: a line of 100,000 ``[`` took minutes. Here neither crosses a
# bracket or a parenthesis that ends it, so each ``[`` is looked past once.
_MARKDOWN_FILES_LINK = re.compile(
    r"(!?)\[(?P<caption>[^\[\]\n]*)\]\(/?files/(?P<location>[^)\n]*)\)"
)


def strip_files_prefix(text: str) -> str:
    """nbconvert's ``strip_files_prefix`` (``src="files/x"`` and ``[a](files/x)`` lose their
    ``files/``), in time linear in ``text``."""
    text = nbconvert_strings.files_url_pattern.sub(r"\1=\2", text)
    return _MARKDOWN_FILES_LINK.sub(r"\1[\2](\3)", text)


class _FormulasAsPlaceholders(IPythonRenderer):
    """nbconvert's markdown renderer, each formula written as a :func:`.mathml.placeholder`
    instead of TeX for MathJax."""

    def block_math(self, body: str) -> str:
        return mathml.placeholder(body, display=True)

    def inline_math(self, body: str) -> str:
        return mathml.placeholder(body, display=False)

    def latex_environment(self, name: str, body: str) -> str:
        return mathml.placeholder(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    def link(self, text: str, url: str, title: str | None = None) -> str:
        """mistune's link; one with a URL or title past :data:`.student_html.LINK_LIMIT`
        characters is its text alone (a reference link's URL is copied into every use)."""
        if len(url) + len(title or "") > student_html.LINK_LIMIT:
            return text
        return super().link(text, url, title)

    def heading(self, text: str, level: int, **attrs) -> str:
        """nbconvert's heading, its id and anchor link under :data:`.student_html.HEADING_ID_PREFIX`
        (a heading named like a test cell must not take that cell's anchor)."""
        made = super().heading(text, level, **attrs)
        prefix = student_html.HEADING_ID_PREFIX
        made = re.sub(r'^(<h[1-6] id=")', rf"\g<1>{prefix}", made, count=1)
        return made.replace(
            'class="anchor-link" href="#', f'class="anchor-link" href="#{prefix}', 1
        )


def finish(page: str) -> str:
    """A page of nbgrader's feedback template as every feedback page is written: its
    formulas put back as MathML, its head made offline and readable."""
    return page_style.finish_head(mathml.put_back(page))


def _attachment_copies(source: str, cell) -> int:
    """Characters the renderer would paste into ``source``'s rendering for its attachments:
    each ``attachment:<name>`` reference gets a copy of that attachment's data (250 uses of
    one 4 MiB image rendered as a gigabyte)."""
    attachments = cell.get("attachments") if hasattr(cell, "get") else None
    if not isinstance(attachments, dict) or "attachment:" not in source:
        return 0
    total = 0
    for name, bundle in attachments.items():
        uses = source.count(f"attachment:{name}")
        if uses and isinstance(bundle, dict):
            size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in bundle.values())
            total += uses * size
    return total


class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` with compiled templates kept per process, student HTML made
    inert and, for nbgrader's feedback template, the alt texts added without parsing
    the page again."""

    sanitize_html = Bool(
        True,
        help="Make the HTML of markdown cells and outputs inert (student_html.clean); "
        "javascript and widget outputs are left out",
    ).tag(config=True)

    def default_filters(self):
        yield from super().default_filters()
        yield ("clean_html", self.clean_html)
        yield ("strip_files_prefix", self.strip_files_prefix)
        yield ("ansi2html", self.ansi2html)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # what the page being made may still clean, render and colour
        # (:class:`.student_html.PageBudget`; new for every page)
        self._new_budgets()

    def _new_budgets(self) -> None:
        self._cleaning, self._rendering = student_html.PageBudget(), student_html.PageBudget()
        self._colouring = student_html.PageBudget()

    def ansi2html(self, text) -> str:
        """nbconvert's filter (terminal colours as HTML), whose time grows with the square
        of an output's length: past the page's budget the escapes are dropped instead."""
        text = str(text)
        if not self._colouring.allows(text):
            return html.escape(strip_ansi(text), quote=False)
        return nbconvert_ansi2html(text)

    def clean_html(self, html) -> str:
        """:func:`.student_html.clean`, its results kept per process; past the page's
        budget (:class:`.student_html.PageBudget`), the HTML shown as its text."""
        html = html.decode() if isinstance(html, bytes) else str(html)
        if not self._cleaning.allows(html):
            return student_html.as_text(html)
        return _RENDERED.get(("clean", html), lambda: student_html.clean(html))

    def strip_files_prefix(self, html) -> str:
        """nbconvert's filter (``href="files/x"`` to ``href="x"``), which nbgrader's template
        applies after :meth:`markdown2html`, in time linear in the text
        (:func:`strip_files_prefix`): what it changed is cleaned again, since a
        ``files/javascript:...`` link was relative when it was cleaned and is not after."""
        html = str(html)
        stripped = strip_files_prefix(html)
        if stripped == html or not self.sanitize_html:
            return stripped
        return self.clean_html(stripped)

    @jinja2.pass_context
    def markdown2html(self, context, source):
        """nbconvert's markdown filter, formulas as :func:`.mathml.placeholder`, its results
        kept per process (and cleaned when :attr:`sanitize_html` is on)."""
        rendered = self._markdown2html(context, source)
        return self.clean_html(rendered) if self.sanitize_html else rendered

    def student_markdown(self, cell, source: str, path: str = "") -> str:
        """``source`` (markdown of ``cell``, whose attachments it may show) as this page
        shows it, outside a template: rendered, cleaned, its formulas as MathML."""
        context = {"cell": cell, "resources": {"metadata": {"path": path}}}
        rendered = self._markdown2html(context, source)
        return mathml.put_back(self.clean_html(rendered) if self.sanitize_html else rendered)

    def _markdown2html(self, context, source):
        # rendering some markdown takes time growing with the square of its length (many
        # ``\begin{..}`` without an end): past the limits, it is shown as its text
        source = str(source)
        if not self._rendering.allows(source):
            return student_html.as_text(source)
        cell = context.get("cell", {})
        if len(source) + _attachment_copies(source, cell) > student_html.RENDERED_LIMIT:
            return student_html.as_text(source)  # known before a copy is made
        attachments = json.dumps(cell.get("attachments", {}), sort_keys=True, default=str)
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        options = _options(
            self, "embed_images", "anchor_link_text", "exclude_anchor_links", "lexer_options"
        )
        key = ("markdown", options, source, attachments, path)
        return _RENDERED.get(key, lambda: self._render_markdown(cell, source, path))

    def _render_markdown(self, cell, source: str, path: str) -> str:
        """``HTMLExporter.markdown2html``, formulas as placeholders."""
        renderer = _FormulasAsPlaceholders(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=path,
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        try:
            rendered = MarkdownWithMath(renderer=renderer).render(source)
        except Exception:  # noqa: BLE001 - e.g. a missing or empty attachment: shown as text
            return f"<pre>{html.escape(source, quote=False)}</pre>"
        if len(rendered) > student_html.RENDERED_LIMIT:  # many uses of one long reference
            return student_html.as_text(source)
        return rendered

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        self._new_budgets()
        nb = inert_output_metadata(nb)
        if self.template_name != TEMPLATE:
            page, resources = super().from_notebook_node(nb, resources, **kw)
            return mathml.put_back(page), resources
        # HTMLExporter.from_notebook_node up to its rendering, then the alt texts
        lexer = LEXER
        highlight_code = self.filters.get(
            "highlight_code", CachedHighlight(Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page, missing = add_alt_texts(page)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return finish(page), resources


EXPORTER = f"{FeedbackExporter.__module__}.{FeedbackExporter.__qualname__}"
"""The exporter of every feedback page, as nbgrader's ``GenerateFeedback.exporter_class``
names it (also in the course's ``nbgrader_config.py``, for a hand-run ``nbgrader
generate_feedback``; a test keeps the two equal)."""


def configure(config: Config) -> Config:
    """``config`` (changed in place, and returned) with :class:`FeedbackExporter` as the
    exporter of ``generate_feedback``, sanitizing, whatever the course's config said."""
    config.GenerateFeedback.exporter_class = EXPORTER
    config.FeedbackExporter.sanitize_html = True
    config.FeedbackExporter.preprocessors = []  # the formgrader's (.formgrader_view) are not,
    config.FeedbackExporter.filters = {}  # nor its highlighter
    return config


PAGE_LIMITS = contained.Limits(cpu_seconds=60.0, memory_bytes=2 * 2**30, wall_seconds=600.0)
"""What making one feedback page may cost: it is made in a child process within these limits
(:mod:`kmeans_em_lab.pipeline.shared.contained`), on a worker or on the driver. The lab's
take a second or two; every step has its own caps on a submission's text, and this is the
wall behind them. Past it the page is not made, and the student is flagged."""


def regenerate(root: Path, assignment: str, students: list[str], notebook: str) -> list[str]:
    """Make ``students``' feedback pages again from the course's gradebook and autograded
    notebooks (the driver: after a manual score or comment, or for a missing page), with
    :class:`FeedbackExporter` and each page opening with its summary (:mod:`.feedback`),
    each in a child within :data:`PAGE_LIMITS`; returns the students it failed for."""
    from nbgrader.apps import NbGraderAPI

    from kmeans_em_lab.course.paths import Course

    course = Course.at(root, assignment)
    api = NbGraderAPI(config=configure(course.load_config()))
    steps = [partial(_regenerate_one, api, course, s, notebook) for s in students]
    made = contained.run_steps(steps, PAGE_LIMITS)
    return [student for student, ok in zip(students, made, strict=True) if ok is not True]


def make_page(api, assignment: str, student: str, page: Path, notebook: Path) -> dict:
    """Make ``student``'s feedback ``page`` with nbgrader's ``generate_feedback`` (through
    :class:`FeedbackExporter`, as :func:`configure` sets it) and open it with its summary,
    read from the autograded ``notebook``; the one way a page is made, on a worker and on
    the driver, each time in a child within :data:`PAGE_LIMITS`. Returns JSON (what the
    child sends back): ``success``, nbgrader's ``log`` and ``error``, and ``problem``, what
    the summary found wrong (None: nothing)."""
    from kmeans_em_lab.pipeline.pages.feedback import add_summary

    made = api.generate_feedback(assignment, student, force=True)
    success = bool(made.get("success"))
    return {
        "success": success,
        "log": str(made.get("log", "")),
        "error": str(made.get("error", "")),
        "problem": add_summary(page, notebook) if success else None,
    }


def _regenerate_one(api, course, student: str, notebook: str) -> bool:
    from kmeans_em_lab.pipeline.shared.folders import remove

    page = course.feedback(student) / page_name(notebook)
    made = make_page(api, course.assignment, student, page, course.autograded(student) / notebook)
    if not made["success"]:
        return False
    for entry in course.feedback(student).iterdir():  # nbgrader copies the student's files
        if entry != page:
            remove(entry)
    return True
