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
  readable line by line and ``cat`` of it cannot drive a terminal;
- :func:`quoted_name`: a student's file name inside a line of the grader's (a flag,
  a problem, what a collect left out), in quotes unless it is plain, so that no part
  of the name reads as the grader's own words.

- :func:`without_lone_surrogates`: decoded JSON (a record, a kernel's message, a
  notebook) with every lone surrogate replaced, since no UTF-8 file can hold one
  and the grader writes the notebook, its causes and pages as UTF-8.

HTML has its own escaping (``html.escape`` in :mod:`.feedback` and
:mod:`.class_page`, :mod:`.student_html` for what a student's notebook renders).
"""

from __future__ import annotations

import html
import json
import re

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


def is_text(value) -> bool:
    """Whether a notebook field holds text: a string, or lines (a multiline string)."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(line, str) for line in value)
    )


def notebook_text(value) -> str:
    """The text of a notebook field as nbformat may hold it: a string, lines to join (a
    multiline string), nothing (""), or any other JSON (an ``application/json`` output's
    value: lists of numbers, ...) as its JSON."""
    if value is None:
        return ""
    if is_text(value):
        return value if isinstance(value, str) else "".join(value)
    return json.dumps(value, default=str)


def for_html(text) -> str:
    """``text`` for a page the grader writes: control, format and bidi characters written
    as escapes (a student's message could reorder or hide the grader's words), then
    HTML-escaped."""
    return html.escape(for_terminal(text), quote=True)


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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrubbed(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def without_lone_surrogates(value):
    """``value`` (decoded JSON: dicts, lists, strings; a notebook node) with every lone
    surrogate of its strings and keys written as U+FFFD, changed in place (a string alone
    is returned changed). A valid pair is one character once decoded, so only lone ones
    remain; JSON escapes (``\\ud800``) and ``surrogatepass`` bytes both give them.
    Walked without recursion: any depth."""
    if isinstance(value, str):
        return _scrubbed(value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node[key]
                if isinstance(item, str):
                    item = _scrubbed(item)
                    node[key] = item
                elif isinstance(item, dict | list):
                    stack.append(item)
                if isinstance(key, str) and _LONE_SURROGATE.search(key):
                    node[_scrubbed(key)] = node.pop(key)
        elif isinstance(node, list):
            for at, item in enumerate(node):
                if isinstance(item, str):
                    node[at] = _scrubbed(item)
                elif isinstance(item, dict | list):
                    stack.append(item)
    return value


# control characters (C0, DEL, C1) and the line and paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character or a line or paragraph separator: a file
    name nbgrader writes in its log as it is (``Copying <name> -> ...``) would start lines
    of its own there, that read as nbgrader's."""
    return bool(_CONTROL.search(text))


# A name shown as it is: ASCII letters, digits and ``. _ - + @ /``, as most file names are.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._+@/-]{1,200}", re.ASCII)


def quoted_name(name, always: bool = False) -> str:
    """``name`` (a student's file name) as a line of the grader's quotes it: every character
    that does not print itself written as its escape (:func:`for_terminal`), and in double
    quotes (``"`` written ``\\"``, ``\\`` written ``\\\\``, any other character past
    ASCII as its escape, so no look-alike quote seems to end them) unless it is plain
    (:data:`_PLAIN_NAME`) and not ``always``: ``notes; kernel died in cell ...`` would
    otherwise read as a second flag in the grader's words."""
    name = str(name)
    text = for_terminal(name)
    if _PLAIN_NAME.fullmatch(text) and not always:
        return text
    # the name's own backslashes and quotes escaped first, so none of them ends the quotes,
    # and every character past ASCII written as its escape: a look-alike quote (U+201D,
    # U+FF02) would seem to end them
    escaped = for_terminal(name.replace("\\", "\\\\").replace('"', '\\"'))
    return '"' + escaped.encode("ascii", "backslashreplace").decode("ascii") + '"'
