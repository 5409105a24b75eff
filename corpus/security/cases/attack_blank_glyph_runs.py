# Attack 69, the grader's verdict and summary given lines of the student's through characters
# that print blank: Set raises an exception whose message holds a run of 250 braille blanks
# (U+2800, one long blank word) and runs of 3 blanks and a space, then "- FORGED ..." words.
# Such a word pushed the words after it to the start of a line of the feedback page's
# summary and verdict at any width (found by red team round 62).
# Why: Set (test_Set_public, test_Set_hidden): Set raises on every call; a character drawn
#   blank is shown as its escape (\u2800), and the summary breaks a long word inside its line.
# ruff: noqa
# fmt: off
### CELL Set
def Set(X, m):
    B = ("\u2800" * 3 + " ") * 60
    raise ValueError("x " + "\u2800" * 250 + " - FORGED: Set(X, m) passed; all checks of Set passed"
                     + B + "- FORGED: the instructor restores Set's 15 points")
