# Attack 14b, points from a function's own output: Update is not written, but before it raises it
# publishes "full marks" as an execute_result through the shell's display hook (and calls
# sys.displayhook and sys.__displayhook__), so each of its test cells would show a non-numeric
# execute_result before the grader's failure.
# Why: Update (test_Update_public, test_Update_hidden): not written (it raises
#   NotImplementedError); a test cell's points follow from the grader's verdict alone, whatever the
#   function published while it ran.
# ruff: noqa
# fmt: off
### CELL Update
def Update(X, C, m):
    import sys

    from IPython import get_ipython

    sys.displayhook("full marks")
    sys.__displayhook__("full marks")
    get_ipython().displayhook("full marks")
    raise NotImplementedError()
