# Attack 60, points for nothing from a failure with no message: every function is left as the
# release has it (it raises NotImplementedError), and a post_run_cell hook replaces the kernel's
# record of every hidden test with one whose every call "raised" an exception with an empty
# message ({"error": ""}). The judge read a failure's empty message as a pass: 73 points for a
# blank notebook (found by red team round 53).
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM (test_Centroid_init_public,
#   test_Centroid_init_hidden, test_Set_public, test_Set_hidden, test_Update_public,
#   test_Update_hidden, test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d,
#   test_EM_step_public, test_EM_step_hidden, test_EM_public, test_EM_hidden): nothing is written
#   (what the honest equivalent, blank_release, loses); only the judge's own success passes a
#   test, and a failure without a message still fails.
# ruff: noqa
# fmt: off
### AFTER setup
import json as _json, os as _os
from IPython import get_ipython as _gi


def _lab3_forge(*_a):
    inbox, outbox = _os.environ.get("LAB3_INBOX"), _os.environ.get("LAB3_OUTBOX")
    if not (inbox and outbox):
        return
    try:
        with open(_os.path.join(inbox, "plan.json")) as f:
            plan = _json.load(f)
    except Exception:
        return
    check = str(plan.get("check", ""))
    if check.startswith("public:"):
        return
    outcomes = [{"label": step["label"], "error": ""} for step in plan.get("calls", [])]
    path = _os.path.join(outbox, "record.json")
    with open(path + ".x", "w") as f:
        _json.dump({"check": check, "refused": "", "outcomes": outcomes}, f)
    _os.replace(path + ".x", path)


_gi().events.register("post_run_cell", _lab3_forge)
### CELL Centroid_init
def Centroid_init(X, K):
    # YOUR CODE HERE
    raise NotImplementedError()
### CELL Set
def Set(X, m):
    # YOUR CODE HERE
    raise NotImplementedError()
### CELL Update
def Update(X, C, m):
    # YOUR CODE HERE
    raise NotImplementedError()
### CELL K_Means
def K_Means(X, K):
    # YOUR CODE HERE
    raise NotImplementedError()
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    # YOUR CODE HERE
    raise NotImplementedError()
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    # YOUR CODE HERE
    raise NotImplementedError()
