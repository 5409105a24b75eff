"""Maths on the feedback pages: TeX turned into MathML when the page is made, no script.

nbconvert leaves a markdown cell's ``$...$`` and ``$$...$$`` in the page for
MathJax, loaded from a CDN when the page opens: offline, a reader sees raw
TeX, and every opening asks a third party. Here the TeX is converted once,
by the grader, with ``latex2mathml`` (pure Python, maintained, no
JavaScript, no binary) into MathML, which browsers render and screen
readers read natively.

A student writes TeX too, so the conversion is treated like any student
markup. ``latex2mathml`` copies parts of its input into its output
unescaped (``\\text{<script>}``, ``\\href{javascript:...}``, ``\\style``):
its output is parsed as XML and written out again by :func:`mathml`, with
only the MathML elements of :data:`ELEMENTS` and the presentation attributes
of :data:`ATTRIBUTES`, every text and value escaped. Anything else, or TeX
it cannot convert, shows as the TeX itself, escaped, in ``<code>``.

The page is built in two steps so that the strict HTML filter
(:mod:`.student_html`) never has to let MathML through: the markdown
renderer writes each formula as a :func:`placeholder`, plain letters and
digits that pass the filter unchanged, and :func:`put_back`, run on the
finished page, replaces them: by the formula's MathML in text, by its TeX
(escaped) inside an attribute (a heading's ``id``, an image's ``alt``). A
placeholder carries its formula (hex), so any cached rendering of a cell
can be put back, and a per-process :data:`NONCE`, so no text a student
writes is taken for one.
"""

from __future__ import annotations

import functools
import html
import re
import secrets
import xml.etree.ElementTree as ET

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
ELEMENTS = frozenset(
    {
        *("math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mpadded", "mphantom"),
        *("msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts"),
        *("mprescripts", "none", "mfrac", "msqrt", "mroot", "mstyle", "menclose", "mfenced"),
        *("mtable", "mtr", "mtd", "mlabeledtr", "merror"),
    }
)
"""MathML presentation elements kept (no ``maction``, ``mglyph``, ``semantics``/
``annotation-xml``, which can hold or fetch other content)."""
ATTRIBUTES = frozenset(
    {
        *("display", "displaystyle", "scriptlevel", "mathvariant", "mathsize", "dir"),
        *("stretchy", "fence", "separator", "accent", "accentunder", "form", "lspace", "rspace"),
        *("movablelimits", "largeop", "symmetric", "minsize", "maxsize", "width", "height"),
        *("depth", "linethickness", "bevelled", "notation", "open", "close"),
        *("separators", "columnalign", "rowalign", "columnspacing", "rowspacing"),
        *("columnlines", "rowlines", "frame", "framespacing", "equalrows", "equalcolumns"),
        *("align", "columnspan", "rowspan"),
    }
)
"""Presentation attributes kept (no ``href``, ``style``, colours, ``class``, ``id``, events)."""
VALUE_LIMIT = 64  # characters of an attribute value
# characters of TeX converted: one formula (the lab's longest is about 200), and one page
# (conversion takes time in proportion: a longer one is shown as its TeX)
TEX_LIMIT = 4000
PAGE_TEX_LIMIT = 200_000
# attributes that size or space a formula: kept only as small lengths (see :func:`_small`), so
# no formula can grow or shift text over the rest of the page (``voffset`` is never kept)
SIZES = frozenset(
    {"mathsize", "lspace", "rspace", "minsize", "maxsize", "width", "height", "depth"}
    | {"linethickness", "columnspacing", "rowspacing", "framespacing"}
)
LARGEST = {"em": 3.0, "ex": 6.0, "mu": 54.0, "pt": 36.0, "px": 48.0, "%": 300.0, "": 3.0}
_LENGTH = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(em|ex|mu|pt|px|%|)")


def _small(value: str) -> bool:
    """Whether ``value`` is one or more small non-negative lengths, or named sizes."""
    for token in value.split():
        if re.fullmatch(r"[a-z]{1,30}", token):  # named spaces and sizes are small by definition
            continue
        found = _LENGTH.fullmatch(token)
        if not found or float(found[1]) > LARGEST[found[2]]:
            return False
    return True


NONCE = secrets.token_hex(8)
_PLACEHOLDER = re.compile(rf"lab3math{NONCE}([bi])([0-9a-f]*)z")
_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")


def placeholder(tex: str, display: bool) -> str:
    """What the markdown renderer writes for a formula: letters and digits only."""
    return f"lab3math{NONCE}{'b' if display else 'i'}{tex.encode('utf-8').hex()}z"


def _formula(match: re.Match) -> tuple[str, bool]:
    return bytes.fromhex(match.group(2)).decode("utf-8", "replace"), match.group(1) == "b"


def put_back(page: str) -> str:
    """``page`` with every :func:`placeholder` replaced: the formula's MathML in text, its
    TeX (escaped) inside a tag. At most :data:`PAGE_TEX_LIMIT` characters of TeX are
    converted in one page; the formulas after them are shown as TeX."""
    if _PLACEHOLDER.search(page) is None:
        return page
    budget = [PAGE_TEX_LIMIT]

    def converted(match: re.Match) -> str:
        tex, display = _formula(match)
        budget[0] -= len(tex)
        return mathml(tex, display) if budget[0] >= 0 else as_tex(tex)

    def in_text(text: str) -> str:
        return _PLACEHOLDER.sub(converted, text)

    def in_tag(tag: str) -> str:
        return _PLACEHOLDER.sub(lambda m: html.escape(_formula(m)[0], quote=True), tag)

    out, position = [], 0
    for tag in _TAG.finditer(page):
        out += [in_text(page[position : tag.start()]), in_tag(tag.group(0))]
        position = tag.end()
    out.append(in_text(page[position:]))
    return "".join(out)


def as_tex(tex: str) -> str:
    """A formula shown as its TeX, escaped."""
    return f"<code>{html.escape(tex, quote=False)}</code>"


def mathml(tex: str, display: bool = False) -> str:
    """``tex`` as MathML holding only :data:`ELEMENTS` and :data:`ATTRIBUTES`, or, when it
    is longer than :data:`TEX_LIMIT`, cannot be converted or holds anything else, the TeX
    as escaped text."""
    if len(tex) > TEX_LIMIT:
        return as_tex(tex)
    return _converted(tex, display)


@functools.lru_cache(maxsize=1024)  # at most TEX_LIMIT characters each: a bounded cache
def _converted(tex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    try:
        root = ET.fromstring(convert(tex, display="block" if display else "inline"))
        return _write(root, top=True)
    except Exception:  # noqa: BLE001 - any failure shows the TeX, never breaks the page
        return as_tex(tex)


def _write(element: ET.Element, top: bool = False, resized: int = 0) -> str:
    """``element`` written out again, or ValueError; ``resized``: enclosing ``mathsize`` s
    (one is kept: nested ones would multiply)."""
    namespace, _, name = element.tag.rpartition("}")
    if namespace != "{" + MATHML_NS or name not in ELEMENTS or (name == "math") != top:
        raise ValueError(f"not kept: {element.tag}")
    attributes = []
    for key, value in element.attrib.items():
        if key not in ATTRIBUTES or len(value) > VALUE_LIMIT:
            raise ValueError(f"not kept: {key}")
        if key in SIZES and not _small(value):
            raise ValueError(f"not kept: {key}={value}")
        if key == "mathsize":
            resized += 1
            if resized > 1:
                raise ValueError("not kept: a size within a size")
        attributes.append(f' {key}="{html.escape(value, quote=True)}"')
    inner = html.escape(element.text or "", quote=False)
    for child in element:
        inner += _write(child, resized=resized) + html.escape(child.tail or "", quote=False)
    return f"<{name}{''.join(attributes)}>{inner}</{name}>"
