# Attack 21, a message no UTF-8 file can hold: Set is not written and raises with a lone
# surrogate in its message (chr(0xD800)). The recorder sends it as a JSON escape; decoded, it
# went into the verdict's message and the causes, and nbgrader could not write the autograded
# notebook: the submission was "not graded" (0, exit 1) instead of losing Set's points.
# Why: Set (test_Set_public, test_Set_hidden): not written; the record's lone surrogates
#   become U+FFFD, the notebook is written and graded like its honest equivalent.
# ruff: noqa
# fmt: off
### CELL Set
def Set(X, m):
    """Not written: raises, with a message no UTF-8 file can hold."""
    raise ValueError("not written " + chr(0xD800))
