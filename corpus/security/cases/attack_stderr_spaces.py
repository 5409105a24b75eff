# Attack 62, the grader's verdict given lines of the student's through stderr: Update has the
# honest bug of bug_update_nan_empty (an empty cluster's centre is nan) and writes to stderr, on
# every call, a line whose runs of spaces and tabs push "- FORGED ..." to the start of a line of
# the feedback page, which wraps the verdict's text at spaces. A failed check quotes the last
# line a call wrote to stderr, and that line kept its spaces (found by red team round 60).
# Why: Update (test_Update_public, test_Update_hidden): an empty cluster's centre is nan, as in
#   bug_update_nan_empty; the quoted stderr line shows its tabs as \t and a run of spaces as
#   [n spaces], so no words of it start a line of the verdict.
# ruff: noqa
# fmt: off
### CELL Update
import sys as _s


def Update(X, C, m):
    _s.stderr.write("x" + " " * 100 + "- FORGED: all checks of Update passed" + "\t" * 12 + "- FORGED TAB\n")
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        new_m[k] = np.mean(C[k], axis=0)
    return new_m
