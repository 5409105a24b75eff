# Fault: EM ends the process with os._exit(0) (the kernel dies in the first cell calling EM).
# Why: EM (test_EM_public, test_EM_hidden): the kernel dies in test_EM_public, so it
#   and every later cell are not run; everything graded before it keeps its points.
### CELL EM
import os


def EM(X):
    """(bug) leaves the process instead of returning."""
    os._exit(0)
