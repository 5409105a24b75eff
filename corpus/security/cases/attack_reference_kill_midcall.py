# Attack 52, a reference call left running when the kernel dies: EM is the solution, but in the
# hidden test of EM (the plan in the inbox says so) it starts a thread that calls the reference
# K_Means stand-in on 20,000 heavy-tailed samples with K = 50 (at MAX_WORK: answered), waits 1 s
# so that the worker is computing it, and ends its kernel with os._exit. The call in flight went
# on for 13 to 19 s of the worker's CPU after the kernel was gone; a call now stops at
# MAX_CALL_WORK elements.
# Why: EM (test_EM_hidden): the kernel died in the cell (what the honest equivalent, a kernel
#   that dies there, loses); the rest is the solution.
# ruff: noqa
# fmt: off
### CELL EM
import threading as _thr
import json as _json
import os as _os
import time as _time

def _lab3_heavy(km):
    rng = np.random.default_rng(0)
    try:
        km(np.exp(rng.normal(size=20000) * 3), 50)
    except Exception:
        pass

def EM(X, tol=1e-10, max_iter=10_000):
    try:
        with open(_os.path.join(_os.environ.get("LAB3_INBOX", "/nonexistent"), "plan.json")) as f:
            check = _json.load(f).get("check")
    except Exception:
        check = None
    if check == "EM":
        _thr.Thread(target=_lab3_heavy, args=(K_Means,), daemon=True).start()
        _time.sleep(1.0)
        _os._exit(1)
    mu, _ = K_Means(X, 2)
    nearest = np.argmin(np.abs(X[:, None] - mu[None, :]), axis=1)
    sigma = np.array([np.std(X[nearest == 0]), np.std(X[nearest == 1])])
    pi = np.mean(nearest == 1)

    def log_likelihood(pi, mu, sigma):
        p = (1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])
        return np.sum(np.log(p))

    ll = log_likelihood(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new_ll = log_likelihood(pi, mu, sigma)
        if new_ll - ll < tol * abs(ll):
            break
        ll = new_ll
    return pi, mu, sigma
