# Attack 51, reference calls that cost the grader seconds: EM is the solution, but on its first
# call in a test that binds the reference K_Means (a stand-in that asks the worker), it starts a
# thread that keeps calling that K_Means on 20,000 one-dimensional samples of a heavy-tailed
# distribution with K = 50: 1,000,000 elements per step, at MAX_WORK, so the request is answered.
# Lloyd's algorithm never reaches a fixed point on them: its 1,000 iterations once took 13 s of
# the worker's CPU per call, and the calls went on for the cell's time. A call now stops at
# MAX_CALL_WORK elements (50 iterations here), and one cell's calls at MAX_CELL_CPU_SECONDS.
# Why: full marks: the honest equivalent is the solution (the thread's calls fail or are
#   refused; EM's own calls are answered).
# ruff: noqa
# fmt: off
### CELL EM
import threading as _thr
_lab3_started = []
_lab3_log = []

def _lab3_burn(km):
    import time as _t
    rng = np.random.default_rng(0)
    bad = np.exp(rng.normal(size=20000) * 3)
    while True:
        t0 = _t.time()
        try:
            km(bad, 50)
            _lab3_log.append(("ok", round(_t.time() - t0, 2)))
        except Exception as err:
            _lab3_log.append((type(err).__name__, str(err)[:60], round(_t.time() - t0, 2)))
            _t.sleep(0.5)

def EM(X, tol=1e-10, max_iter=10_000):
    if not _lab3_started:
        _lab3_started.append(1)
        _thr.Thread(target=_lab3_burn, args=(K_Means,), daemon=True).start()
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
### AFTER test_EM_hidden
print("ATTACK reference_kmeans_burn:", _lab3_log[:50])
