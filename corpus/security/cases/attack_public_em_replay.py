# Attack 47, the public test's data replaced in the grader's replay: EM is the solution,
# except on the public test's first data set (1,000 samples), where it overwrites X in place
# (500 zeros, 500 ones: the recorder sends the changed argument, and the replay writes it into
# its own copy of _X for the visible test to see) and returns a wrong fit. The public assertion
# fails on a symptom, and the diagnosis of the answer fitted the reference EM to the changed X:
# its components collapse, the log-likelihood is nan and all 100,000 iterations ran (seconds
# of the worker per cell). The diagnosis fits the call's own arguments.
# Why: EM (test_EM_public): the public test's answer is wrong (what an EM failing it loses).
# ruff: noqa
# fmt: off
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM (the solution), except on the public test's first data set."""
    if np.shape(X) == (1000,) and X[0] == -3.0 and X[-1] == 6.0 and X[299] == -1.0:
        X[:500] = 0.0
        X[500:] = 1.0
        return 0.5, np.array([0.0, 1.0]), np.array([1.0, 1.0])
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
