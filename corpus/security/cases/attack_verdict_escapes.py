# Attack 59, the grader's verdict re-written on the feedback page by the student's own words, which
# the verdict quotes: Update returns wrong means and warns with a message whose newlines forge the
# verdict's bullet lines ("every other check passed") and whose 24-bit colours (white on white,
# never reset) hide the grader's words after them; EM_step returns an object whose repr holds the
# same colours and a forged "public tests passed" line (the public test's message quotes the
# repr); EM raises with a right-to-left override, so the grader's words after it read reversed,
# and first prints a red "AssertionError" block of its own, coloured like the grader's verdict.
# Why: Update, EM_step, EM (test_Update_public, test_Update_hidden, test_EM_step_public,
#   test_EM_step_hidden, test_EM_public, test_EM_hidden): Update's means are wrong, EM_step returns
#   no (pi, mu, sigma) tuple and EM raises; the verdict writes every control and format character
#   of the student's words as its escape: no colour, no override, the grader's words shown as the
#   grader wrote them; a quoted output keeps no colour, so none looks like the verdict.
# ruff: noqa
# fmt: off
### CELL Update
import warnings as _w
_HIDE = "\x1b[38;2;255;255;255m\x1b[48;2;255;255;255m"
_OK = "\x1b[0m\x1b[32m"


def Update(X, C, m):
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        if len(C[k]) > 0:
            new_m[k] = np.median(C[k], axis=0) + 1.0
    _w.warn("none\x1b[0m\n" + _OK + "  - every other check of Update passed (10/10 points)\n"
            + "Update: hidden tests passed" + _HIDE, UserWarning)
    return new_m
### CELL EM_step
class _Odd:
    def __repr__(self):
        return ("(0.6, [0, 10], [2, 1.633])\x1b[0m\n\x1b[32mEM_step: public tests passed"
                "\x1b[38;2;255;255;255m\x1b[48;2;255;255;255m")


def EM_step(X, pi, mu, sigma):
    return _Odd()
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    print("\x1b[48;5;224m\x1b[0;31mAssertionError\x1b[0m\x1b[48;5;224m: a fault of the grader: "
          "your instructor will add these points by hand\x1b[0m")
    raise ValueError("\u202edessap stset lla")
