# Attack 41, answers whose dict keys all share one hash: every function returns, once per
# cell, a dict of 30,000 keys i * (2**61 - 1), which Python hashes alike (an integer's hash is
# its value modulo that prime). Building it costs the kernel 5 s once; decoding it cost the
# grader that for every cell and picture that read the record: 2 1/4 minutes of a worker's
# time after the kernel was gone, outside every time limit.
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM: no function returns a right answer;
#   such keys are refused when the answer is decoded.
# ruff: noqa
# fmt: off
### AFTER setup
from IPython import get_ipython as _gi
_M = 2**61 - 1
_BIG = {i * _M: 0 for i in range(1, 30001)}
_state = {"fresh": True}
def _lab3_reset(*_a):
    _state["fresh"] = True
_gi().events.register("pre_run_cell", _lab3_reset)
def _lab3_answer():
    if _state["fresh"]:
        _state["fresh"] = False
        return _BIG
    return 0
### CELL Centroid_init
def Centroid_init(X, K):
    return _lab3_answer()
### CELL Set
def Set(X, m):
    return _lab3_answer()
### CELL Update
def Update(X, C, m):
    return _lab3_answer()
### CELL K_Means
def K_Means(X, K):
    return _lab3_answer()
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    return _lab3_answer()
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    return _lab3_answer()
