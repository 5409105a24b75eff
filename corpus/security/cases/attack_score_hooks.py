# Attack 14a, points from outputs: the setup cell registers IPython hooks: before every later cell
# they publish execute_results ("full marks", then "1000", a number nbgrader reads as partial
# credit) and a display; after it they clear the cell's outputs (an error the cell raised is gone)
# and publish "full marks" again. EM_step and EM are not written. nbgrader scores a test cell from
# its outputs: full points at the first execute_result whose text is not a number, whatever follows.
# Why: EM_step, EM (test_EM_step_public, test_EM_step_hidden, test_EM_public, test_EM_hidden): not
#   written (what the honest equivalent, partial_kmeans_only, loses); the points of a graded cell
#   follow from the grader's verdict alone, and what the notebook published is only quoted.
# ruff: noqa
# fmt: off
### AFTER setup
# --- attack: outputs that used to decide a test cell's points ---
import sys as _sys

from IPython import get_ipython as _get_ipython
from IPython.display import clear_output as _clear_output, display as _display


def _lab3_before(*_args):
    _get_ipython().displayhook("full marks")
    _get_ipython().displayhook("1000")
    _sys.displayhook("full marks")
    _display("ATTACK score_hooks: before")


def _lab3_after(*_args):
    _clear_output()
    _get_ipython().displayhook("full marks")
    _get_ipython().displayhook("1000")


_get_ipython().events.register("pre_run_cell", _lab3_before)
_get_ipython().events.register("post_run_cell", _lab3_after)
print("ATTACK score_hooks: hooks registered")
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    # YOUR CODE HERE
    raise NotImplementedError()
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    # YOUR CODE HERE
    raise NotImplementedError()
