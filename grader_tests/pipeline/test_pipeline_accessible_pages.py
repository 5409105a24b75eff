"""What makes the grader's pages readable by everyone and self-contained: the palette and its
contrast rule (palette.py), the feedback page's head (page_style.py), maths as MathML
(mathml.py). The pages themselves under axe-core in Chromium: test_browser.py."""

from __future__ import annotations

import re

import pytest
from pygments.formatters import HtmlFormatter

from kmeans_em_lab.pipeline.pages import mathml, page_style, palette

# -- colours ------------------------------------------------------------------------------------


def test_the_contrast_rule_is_wcag_s():
    assert palette.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert palette.contrast("#337ab7", palette.SHADE) < palette.TEXT_CONTRAST  # Bootstrap's link


@pytest.mark.parametrize("name", sorted(palette.TEXT_COLOURS))
def test_every_text_colour_of_the_pages_is_readable_on_their_backgrounds(name):
    colour = palette.TEXT_COLOURS[name]
    for background in (palette.SHADE, palette.WHITE):
        assert palette.contrast(colour, background) >= palette.TEXT_CONTRAST, (name, background)
    assert palette.contrast(palette.WHITE, palette.LINK) >= palette.TEXT_CONTRAST  # panels


def test_readable_darkens_only_what_needs_it():
    assert palette.readable("#222222") == "#222222"
    darker = palette.readable("#56b4e9")
    assert palette.contrast(darker, palette.SHADE) >= palette.TEXT_CONTRAST
    assert palette.luminance(darker) < palette.luminance("#56b4e9")


def test_figures_series_are_distinct_colours_each_with_its_own_marker():
    assert len(set(palette.SERIES)) == len(palette.SERIES) == len(palette.OKABE_ITO)
    assert len(set(palette.MARKERS)) == len(palette.MARKERS) == len(palette.SERIES)


# -- the feedback page's head -------------------------------------------------------------------

HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8" />
<title>lab3</title>
<style type="text/css">
{pygments}
</style>
<!-- Load mathjax -->
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js"> </script>
<script type="text/x-mathjax-config">init_mathjax = function() {{}}</script>
<!-- End of mathjax configuration -->
</head>
<body>
<p>&lt;script&gt;a student's text&lt;/script&gt; <span style="color: rgb(250,250,250)">x</span></p>
</body>
</html>
"""


@pytest.fixture(scope="module")
def finished() -> tuple[str, str]:
    head = HEAD.format(pygments=HtmlFormatter(style="default").get_style_defs(".highlight"))
    return head, page_style.finish_head(head)


def test_the_head_gets_a_language_and_loses_every_script(finished):
    before, after = finished
    assert '<html lang="en">' in after
    assert "<script" not in after and "mathjax" not in after.lower()
    body = before[before.index("<body>") :]
    assert after.endswith(body)  # the body, the student's part, is untouched


def test_every_code_colour_is_made_readable(finished):
    before, after = finished
    overrides = page_style.code_colours(before)
    assert overrides  # Pygments' default style is not readable on grey everywhere
    last = {}  # the colour each selector ends with: later rules win
    for selector, colour in re.findall(r"(\.highlight\s+\.[\w-]+)\s*\{[^}]*?(?<![\w-])color:\s*"
                                       r"(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", after):  # fmt: skip
        last[selector] = colour
    unreadable = {
        s: c for s, c in last.items() if palette.contrast(c, palette.SHADE) < palette.TEXT_CONTRAST
    }
    assert not unreadable


def test_links_are_underlined_targets_big_and_outputs_neither_scroll_nor_recolour(finished):
    _, after = finished
    style = page_style.stylesheet()
    assert style in after
    assert "text-decoration:underline" in style and f"min-height:{page_style.TARGET_PX}px" in style
    assert "white-space:pre-wrap" in style and "overflow:visible" in style
    assert "span[style]{color:inherit!important" in style


# -- maths ---------------------------------------------------------------------------------------


def test_tex_becomes_mathml():
    rendered = mathml.mathml(r"\hat\mu_0 = \frac{\sum_i (1 - \gamma_i)\, x_i}{N}", display=True)
    assert rendered.startswith('<math display="block">') and "<mfrac>" in rendered
    assert "&lt;" in mathml.mathml("a < b")


@pytest.mark.parametrize(
    "tex",
    [r"\text{<script>alert(1)</script>}", r"\href{javascript:alert(1)}{x}", r"\style{color:red}{x}",
     r"\color{white}{x}", r"\text{<img src=x onerror=alert(1)>}", "x & y"],
)  # fmt: skip
def test_tex_that_would_add_markup_links_or_colours_shows_as_text(tex):
    rendered = mathml.mathml(tex)
    assert rendered.startswith("<code>") and "<" not in rendered[6:-7]


@pytest.mark.parametrize(
    "tex",
    [r"\raise{96.5em}{\text{100 / 100}}", r"\hspace{9.2em}x", r"\moveleft{40em}{x}",
     r"\Huge{\Huge{\text{100 / 100}}}", r"\rule{50em}{50em}"],
)  # fmt: skip
def test_tex_that_would_paint_over_the_page_shows_as_text(tex):
    """Raised, shifted, very wide or ever larger formulas could cover the grader's summary."""
    assert mathml.mathml(tex).startswith("<code>")


def test_small_spaces_and_one_size_stay():
    assert "<mspace" in mathml.mathml(r"a \quad b") and "mathsize" in mathml.mathml(r"\Large{x}")


def test_long_formulas_and_pages_of_formulas_are_shown_as_tex(monkeypatch):
    """Conversion takes time in proportion to the TeX: a formula over ``TEX_LIMIT`` is never
    converted, nor what follows ``PAGE_TEX_LIMIT`` characters of formulas in one page."""
    long = "x+" * mathml.TEX_LIMIT
    assert mathml.mathml(long) == f"<code>{long}</code>"
    monkeypatch.setattr(mathml, "PAGE_TEX_LIMIT", 10)
    page = " ".join(mathml.placeholder(f"a_{n}", display=False) for n in range(6))
    shown = mathml.put_back(page)
    assert shown.count("<math") == 3 and shown.count("<code>") == 3, shown
    assert shown.endswith("<code>a_5</code>")


def test_placeholders_go_back_as_mathml_in_text_and_as_tex_in_attributes():
    formula = mathml.placeholder("x<1", display=False)
    page = f'<h1 id="A-{formula}">A {formula}<a href="#A-{formula}">¶</a></h1>'
    assert mathml.put_back(page) == (
        '<h1 id="A-x&lt;1">A <math display="inline"><mrow><mi>x</mi><mo>&lt;</mo><mn>1</mn>'
        '</mrow></math><a href="#A-x&lt;1">¶</a></h1>'
    )


def test_a_placeholder_needs_the_process_s_nonce():
    forged = "lab3math0123456789abcdefi78z"  # what a student could write
    assert mathml.put_back(f"<p>{forged}</p>") == f"<p>{forged}</p>"
