"""The colours of the grader's pages and figures, and the one rule that makes text readable.

Figures draw their series in the Okabe-Ito palette (:data:`SERIES`), eight
colours that readers with any common colour-vision deficiency tell apart;
where a figure has several series, they differ by marker or line style too.

Pages put text on white or on the light grey :data:`SHADE` (code, headings,
the summary box), never on anything darker but the panels' :data:`LINK`
blue, which carries white text. Every text colour of a page is made
readable by :func:`readable`: darkened, keeping its hue, until it reaches
WCAG 2's AA contrast (:data:`TEXT_CONTRAST`, 4.5:1) on :data:`SHADE`, and
so on white too. The pages' own colours are derived here; the code
highlighting's are derived from the style nbconvert puts on the page
(:mod:`.page_style`).
"""

from __future__ import annotations

TEXT_CONTRAST = 4.5  # WCAG 2.x AA, success criterion 1.4.3: text and images of text
WHITE = "#ffffff"
SHADE = "#f5f5f5"  # the darkest background text is written on
TEXT = "#222222"

# Okabe & Ito, "Color Universal Design" (2008): black, orange, sky blue, bluish green,
# yellow, blue, vermillion, reddish purple.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
SERIES = tuple(
    OKABE_ITO[name] for name in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple",
                                 "sky_blue", "yellow", "black")
)  # fmt: skip
"""Colours of a figure's series, in the order they are used."""
MARKERS = ("o", "s", "^", "D", "v", "P", "*", "X")  # one per series, so colour is never alone
BACKDROP = "#999999"  # a histogram under the curves drawn over it


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of ``#rgb`` or ``#rrggbb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2's contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: str, background: str = SHADE, ratio: float = TEXT_CONTRAST) -> str:
    """``colour`` (``#rrggbb``), darkened in steps keeping its hue until it has ``ratio``
    contrast on ``background``; unchanged when it has it already."""
    r, g, b = _channels(colour)
    scale = 1.0
    while True:
        shade = "#{:02x}{:02x}{:02x}".format(*(round(c * scale) for c in (r, g, b)))
        if contrast(shade, background) >= ratio or scale <= 0:
            return shade
        scale = max(0.0, scale - 0.02)


LINK = readable(OKABE_ITO["blue"])  # links; also the panels' background under white text
FULL = readable(OKABE_ITO["bluish_green"])  # points all earned (always beside the numbers)
LOST = readable(OKABE_ITO["vermillion"])  # points lost (always beside the numbers)
MUTED = readable("#666666")  # secondary text: meanings, examples, flags
TEXT_COLOURS = {"text": TEXT, "link": LINK, "full": FULL, "lost": LOST, "muted": MUTED}
"""Every colour a page writes text in (on :data:`SHADE` or lighter)."""
