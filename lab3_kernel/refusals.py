"""Why a test was not recorded: a *refusal* is a code and the names it concerns, never text.

A record's ``refused`` is ``{"code": ..., "names": [...]}`` (:func:`refusal`), or empty
when the test was recorded. The kernel sends the refusals of :mod:`.integrity`'s rules;
the grader adds its own (test cells moved, a record too large). Whoever shows a refusal
writes its words with :func:`words`: the grader from the code and the names it accepts
(:func:`read`), so a kernel under a student's control, which can send any record, cannot
put its own text where the grader speaks. A code the grader does not know, or a refusal
of another shape, is read as a record the notebook changed.
"""

from __future__ import annotations

import re

TAMPERED = "tampered"  # numpy, scipy or the recorder replaced (names: what was replaced)
NOT_DEFINED = "not_defined"  # the function under test does not exist (no names)
FORBIDDEN_CODE = "forbidden_code"  # it refers to clustering code (names: what it refers to)
TESTS_MOVED = "tests_moved"  # the grader's: helpers withheld (names: the helpers)
RECORD_TOO_BIG = "record_too_big"  # the grader's: the record was not read (no names)
CODES = (TAMPERED, NOT_DEFINED, FORBIDDEN_CODE, TESTS_MOVED, RECORD_TOO_BIG)

MAX_NAMES = 5  # names a refusal carries (the first ones, sorted)
# What a name may be: a dotted Python name, or one of :func:`.integrity.forbidden_references`'
# findings ("imports sklearn", "uses KMeans from sklearn.cluster"). ASCII only: nothing a
# terminal or a page could read as a control or a change of direction.
_DOTTED = r"[A-Za-z_][A-Za-z0-9_.]{0,99}"
_NAME = re.compile(
    rf"{_DOTTED}|imports {_DOTTED}|uses (?:{_DOTTED}|a closure variable) from {_DOTTED}"
)


def refusal(code: str, names=()) -> dict:
    """The refusal ``code`` with (the first :data:`MAX_NAMES` of) ``names``."""
    if code not in CODES:
        raise ValueError(f"unknown refusal code {code!r}")
    return {"code": code, "names": [str(n) for n in list(names)[:MAX_NAMES]]}


def read(refused) -> tuple[str, tuple[str, ...]] | None:
    """``(code, names)`` of a record's ``refused`` as the grader accepts it; None when it is
    anything else (an unknown code, text, names that are not names). Names beyond
    :data:`MAX_NAMES` are not read."""
    if not isinstance(refused, dict) or refused.keys() != {"code", "names"}:
        return None
    code, names = refused["code"], refused["names"]
    if code not in CODES or not isinstance(names, list) or len(names) > MAX_NAMES:
        return None
    if not all(isinstance(n, str) and _NAME.fullmatch(n) for n in names):
        return None
    return code, tuple(names)


def words(function: str, code: str, names=()) -> str:
    """What the student reads for the refusal ``code`` of a test of ``function``."""
    listed = ", ".join(names)
    if code == TAMPERED:
        return (
            f"{function} cannot be graded: the notebook replaced {listed or 'functions'}, "
            "which the tests rely on. Remove the code that reassigns them."
        )
    if code == NOT_DEFINED:
        return f"{function} is not defined: run the cell that defines it"
    if code == FORBIDDEN_CODE:
        return (
            f"{function} {'; '.join(names) or 'refers to library code that does the work'}: "
            "the lab asks you to write the algorithm with numpy yourself, so this function "
            "scores 0"
        )
    if code == TESTS_MOVED:
        return (
            f"this test runs with the reference {listed}, which the grader sends only after "
            f"every test of {listed} has run; the notebook's test cells were moved out of "
            "their order, so this test scores 0"
        )
    if code == RECORD_TOO_BIG:
        return (
            "the answers of this test came to far more than the lab's functions return, so "
            "the grader did not read them and this test scores 0: check that the function "
            "returns what the notebook asks for"
        )
    raise ValueError(f"unknown refusal code {code!r}")
