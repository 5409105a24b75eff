"""A string from a submission, escaped for where it goes: the terminal, a CSV cell, a log.

Student ids, file names, flags, problems, messages and nbgrader's log (which
quotes the student's output) are the submission's words. Written as they are,
they can drive the instructor's terminal (``\\x1b[2J`` clears it, ``\\r``
draws a fake ``100/100`` over a line), reorder what a line says (a
right-to-left override, ``\\u202e``) or run a formula in the spreadsheet that
opens ``grades.csv`` (``=HYPERLINK(...)``). Each sink calls one function here:

- :func:`for_terminal`: every character that does not print itself (control,
  format such as the bidirectional overrides, surrogate, private, unassigned,
  every separator but the ASCII space) written as its Python escape
  (``\\x1b``, ``\\u202e``), so the text shows what was there and does
  nothing;
- :func:`for_csv`: a text cell that a spreadsheet would read as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: OWASP's
  rule against CSV injection) gets a leading ``'``, then the same escapes; a
  number is left as it is;
- :func:`for_log`: the same escapes but for newlines and tabs, so a log stays
  readable line by line and ``cat`` of it cannot drive a terminal.

HTML has its own escaping (``html.escape`` in :mod:`.feedback` and
:mod:`.class_page`, :mod:`.student_html` for what a student's notebook renders).
"""

from __future__ import annotations

FORMULA_START = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""


def _escape(char: str) -> str:
    return ascii(char)[1:-1]


def _escaped(text: str, keep: frozenset[str] = frozenset()) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in text)


def for_terminal(text) -> str:
    """``text`` with every character that does not print itself written as its escape:
    one line, shown as it was written, that cannot move the cursor, clear or recolour
    the screen, or reorder itself."""
    return _escaped(str(text))


def for_csv(cell):
    """A cell of a CSV that a spreadsheet opens: text that would start a formula gets
    a leading ``'``, every character that does not print itself its escape; a number
    (``int``, ``float``) is returned unchanged."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return cell
    text = str(cell)
    return ("'" if text[:1] in FORMULA_START else "") + _escaped(text)


_KEPT_IN_LOGS = frozenset("\n\t")


def for_log(text) -> str:
    """``text`` as a log file keeps it: newlines and tabs stay, every other character
    that does not print itself (``\\r``, ``\\x1b``, ``\\u202e``, ...) becomes its escape."""
    return "\n".join(_escaped(line, _KEPT_IN_LOGS) for line in str(text).split("\n"))
