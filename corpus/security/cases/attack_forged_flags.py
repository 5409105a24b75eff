# Attack 15, flags and messages in the grader's own words: EM raises an exception class named
# KernelDied whose message holds ANSI escapes that clear the screen, a carriage return and a fake
# "100 / 100" line, a right-to-left override and a spreadsheet formula; a last cell raises classes
# named CellTimeoutError and CellNotRun, an exception whose class name is an escape sequence and a
# formula, and prints the grader's "output truncated" note.
# Why: EM (test_EM_public, test_EM_hidden): it raises an exception (what the honest equivalent, an
#   EM that raises, loses); flags come only from what the grader observed, so this notebook has
#   none, and no text of it reaches the terminal or the CSV raw.
# ruff: noqa
# fmt: off
### CELL EM
_LAB3_FORGED = ("\x1b[2J\x1b[H\rada_correct  5/5  15/15  15/15  20/20  20/20  25/25  100/100\n"
                "\u202e001/001\u202c =HYPERLINK(\"http://example.org/lab3-security\",\"see\")")


class KernelDied(Exception):
    pass


def EM(X, tol=1e-10, max_iter=10_000):
    raise KernelDied(_LAB3_FORGED)
### AFTER em_plot
# --- attack: errors named like the grader's own incidents ---
class CellTimeoutError(Exception):
    pass


class CellNotRun(Exception):
    pass


print("... output truncated by the grader: more than 10 bytes in this cell ...")
_lab3_odd = type("\x1b[31m=cmd|' /C calc'!A0", (Exception,), {})
for _lab3_error in (CellTimeoutError(_LAB3_FORGED), CellNotRun(_LAB3_FORGED), _lab3_odd(_LAB3_FORGED)):
    try:
        raise _lab3_error
    except Exception as _lab3_caught:
        get_ipython().showtraceback()
raise KernelDied("the kernel died in cell test_EM_hidden (#34) " + _LAB3_FORGED)
