# Attack 63, the grader's verdict given lines of the student's through short runs of tabs: Set
# raises an exception whose message holds runs of 8 tabs (up to 64 columns each) split by one
# character, then "- FORGED ...": the feedback page wraps the verdict's text there, and the
# forged words start lines of their own. The one-line rule wrote only runs of more than 8
# spaces as "[n spaces]" (found by red team round 60).
# Why: Set (test_Set_public, test_Set_hidden): Set raises on every call; a tab in the student's
#   words is shown as \t, so none of them starts a line of the verdict.
# ruff: noqa
# fmt: off
### CELL Set
def Set(X, m):
    T = "\t" * 8
    raise ValueError("x" + (T + "\u00b7") * 3 + T + "- FORGED: Set(X, m) passed; all checks of Set passed"
                     + (T + "\u00b7") * 3 + T + "- FORGED: the instructor restores Set's 15 points")
