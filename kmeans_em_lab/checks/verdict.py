"""What a check says: the problems it found (:class:`Verdict`), with their causes, and the
readable renderings of numbers and types its messages quote."""

from __future__ import annotations

import re

import numpy as np

from kmeans_em_lab.checks.cause_codes import CAUSES


class CheckFailure(AssertionError):
    """A check's failure: its message, and the cause of each problem it found.

    ``causes`` holds ``(code, problem)`` pairs, codes from :data:`.causes.CAUSES`,
    each code once with the first problem it explains.
    """

    def __init__(self, message: str, causes: list[tuple[str, str]]):
        super().__init__(message)
        self.causes = causes


class Verdict:
    """Collects the problems of one check and fails with all of them at once."""

    def __init__(self, function: str):
        self.function = function
        self.problems: list[str] = []
        self._seen: set[str] = set()  # the problems, for a look-up that stays cheap
        self.causes: dict[str, str] = {}  # cause code -> the first problem it explains

    def add(self, problem: str, *, cause: str) -> None:
        """A problem, and its cause (a code of :data:`.causes.CAUSES`)."""
        if cause not in CAUSES:
            raise ValueError(f"unknown cause code {cause!r}: add it to checks/cause_codes.py")
        self.note(problem)
        self.causes.setdefault(cause, problem)

    def note(self, problem: str) -> None:
        """A line of the message that is no cause of its own (e.g. what the code printed)."""
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def require(self, ok: bool, problem: str, *, cause: str) -> bool:
        if not ok:
            self.add(problem, cause=cause)
        return ok

    def raise_if_failed(self) -> None:
        if self.problems:
            shown = self.problems[:6]
            more = len(self.problems) - len(shown)
            # a problem's own lines (a 2-D array's rows) go under it, indented past the
            # bullets, so none of them starts where a problem starts
            lines = "\n".join("  - " + p.replace("\n", "\n    ") for p in shown)
            tail = f"\n  (and {more} more)" if more > 0 else ""
            raise CheckFailure(
                f"{self.function} does not meet its contract:\n{lines}{tail}",
                list(self.causes.items()),
            )


# every line break ``str.splitlines`` knows (a log read line by line splits at each)
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# every space but the ASCII one (a tab spans up to 8 columns, U+3000 two), and the printable
# characters drawn blank (Hangul fillers, the braille blank, Khmer's inherent vowels, the
# variation selectors and the combining grapheme joiner): a run of them is a blank word
# that pushes the next words to the start of a line
_UNSEEN = re.compile(
    "[^\\S ]|[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)
# spaces that, repeated between single characters, would push the next words to the start
# of a page's line: more than :data:`MOST_SPACES` in a row
MOST_SPACES = 3
_LONG_SPACE = re.compile(f" {{{MOST_SPACES + 1},}}")


def one_line(text: str) -> str:
    """``text`` (the student's words: an exception's message, a warning, a line of its
    stderr, a value a public test's message quotes) on one line: each line break, every
    space but the ASCII one and every character drawn blank written as its escape
    (``\\n``, ``\\t``, ``\\u2800``), each run of
    more than :data:`MOST_SPACES` spaces as ``[n spaces]``. In the grader's message a new
    line is the grader's (a problem of :meth:`Verdict.raise_if_failed` starts one), so a
    student's could not pose as it, nor spaces that wrap the page's line there."""
    text = _LINE_BREAK.sub(lambda m: "\\n" if m[0] == "\r\n" else ascii(m[0])[1:-1], str(text))
    text = _UNSEEN.sub(lambda m: ascii(m[0])[1:-1], text)
    return _LONG_SPACE.sub(lambda m: f" [{len(m[0])} spaces] ", text)


def fmt(value) -> str:
    """A short, readable rendering of a number or array."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        try:
            return f"{float(arr):.6g}"
        except (TypeError, ValueError):
            return one_line(repr(value)[:80])  # an object of the student's: its own text
    return np.array2string(arr, precision=4, threshold=8, edgeitems=2, max_line_width=120)


def describe(value) -> str:
    """Type and shape, for 'you returned ...' messages."""
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__} of length {len(value)}"
    return type(value).__name__


def check_not_mutated(verdict: Verdict, call_text: str, report, names) -> None:
    """Fail for every argument the call modified (``names``: the call's arguments in order)."""
    for index in report.mutated:
        name = names[index] if 0 <= index < len(names) else f"#{index + 1}"
        verdict.add(
            f"{call_text} modified its input `{name}`: work on a copy, the caller still needs it",
            cause="input_modified",
        )
