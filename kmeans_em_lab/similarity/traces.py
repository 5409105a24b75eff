"""Other traces: the same unusual text in two submissions.

Comments, strings (messages a function prints or raises) and the cells a
student added, with the release's template lines left out, are written in a
canonical way (lower case, spaces collapsed); a text of at least
:data:`MIN_CHARS` characters that only the two students of a pair hold (at
most :data:`MAX_HOLDERS` in the class) is a trace. Common phrases
("compute the distances") are shared by more and count for nobody.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict
from itertools import combinations

from kmeans_em_lab.similarity.cells import readable

MIN_CHARS = 16
MAX_HOLDERS = 2
_SPACES = re.compile(r"\s+")


def _canonical(text: str) -> str:
    return _SPACES.sub(" ", text.strip("#\"' \t\r\n").lower()).strip()


def texts(code: str, is_template) -> set[str]:
    """The comments and strings of ``code`` not on a template line, canonical, long enough
    (of what :func:`.cells.readable` keeps; each line looked up once, not once per string
    on it)."""
    found = set()
    code = readable(code)
    template_line: dict[int, bool] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type not in (tokenize.COMMENT, tokenize.STRING):
                continue
            row = tok.start[0]
            if row not in template_line:
                template_line[row] = is_template(tok.line)
            if not template_line[row]:
                found.add(_canonical(tok.string.lstrip("rbfuRBFU")))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        found.update(_canonical(line) for line in code.splitlines() if "#" in line)
    return {t for t in found if len(t) >= MIN_CHARS}


def added_texts(cells: list[str]) -> set[str]:
    """The lines of the cells a student added, canonical, long enough."""
    return {
        c for cell in cells for line in cell.splitlines() if len(c := _canonical(line)) >= MIN_CHARS
    }


def shared(holdings: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    """Pair -> the texts only they (and at most :data:`MAX_HOLDERS` students) hold."""
    index: dict[str, list[str]] = defaultdict(list)
    for student in sorted(holdings):
        for text in holdings[student]:
            index[text].append(student)
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for text, holders in index.items():
        if 2 <= len(holders) <= MAX_HOLDERS:
            for pair in combinations(holders, 2):
                out[pair].append(text)
    return {pair: sorted(found) for pair, found in out.items()}
