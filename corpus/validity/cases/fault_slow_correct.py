# Not a fault: correct but extremely slow code: Set computes every distance in a
# Python loop over samples and centres, and EM_step evaluates scipy's pdf one sample at a
# time (each about 1000 times slower than the reference).
# Why: full marks: slow, but every graded cell ends well within its time limit.
### CELL Set
def Set(X, m):
    """Nearest centre of every sample, one distance at a time."""
    N, K = len(X), len(m)
    sq_dist = np.zeros((N, K))
    for i in range(N):
        for k in range(K):
            sq_dist[i, k] = np.sum(np.square(np.atleast_1d(X[i]) - np.atleast_1d(m[k])))
    nearest = np.argmin(sq_dist, axis=1)
    C = {k: X[nearest == k] for k in range(K)}
    D = float(np.sum(np.min(sq_dist, axis=1)))
    return C, D
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step, the pdf evaluated sample by sample."""
    N = len(X)
    gamma = np.zeros(N)
    for i in range(N):
        p0, p1 = np.array([1 - pi, pi]) * norm.pdf(X[i], loc=mu, scale=sigma)
        gamma[i] = p1 / (p0 + p1)
    n_0, n_1 = np.sum(1 - gamma), np.sum(gamma)
    mu_0, mu_1 = np.sum((1 - gamma) * X) / n_0, np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu_0) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu_1) ** 2) / n_1
    return n_1 / N, np.array([mu_0, mu_1]), np.sqrt(np.array([var_0, var_1]))
