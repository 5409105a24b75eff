# Correct variant: every function fully vectorised with numpy (no loop over samples);
# EM_step works in log space.
# Why: full marks: same results as the reference within the checks' tolerances.
### CELL Centroid_init
def Centroid_init(X, K):
    """K distinct rows of X, in random order."""
    m = rng.permutation(np.asarray(X, dtype=float))[:K]
    return m
### CELL Set
def Set(X, m):
    """Nearest centre of every sample, all distances at once."""
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (len(m), -1))
    sq = np.sum((X2[:, None, :] - m2[None, :, :]) ** 2, axis=2)  # (N, K)
    labels = np.argmin(sq, axis=1)
    C = {k: X[labels == k] for k in range(len(m))}
    D = sq[np.arange(len(X2)), labels].sum()
    return C, D
### CELL Update
def Update(X, C, m):
    """Cluster means; empty clusters keep their centre."""
    new_m = np.array([np.mean(C[k], axis=0) if len(C[k]) else m[k] for k in range(len(m))],
                     dtype=float)
    return new_m.reshape(np.shape(m))
### CELL K_Means
def K_Means(X, K):
    """Alternate Set and Update until the centres stop moving."""
    m = Centroid_init(X, K)
    C, D = Set(X, m)
    new_m = Update(X, C, m)
    while not np.array_equal(new_m, m):
        m = new_m
        C, D = Set(X, m)
        new_m = Update(X, C, m)
    return m, D
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step, responsibilities computed in log space."""
    log_w = np.stack([np.log1p(-pi) + norm.logpdf(X, mu[0], sigma[0]),
                      np.log(pi) + norm.logpdf(X, mu[1], sigma[1])])  # (2, N)
    resp = np.exp(log_w - np.logaddexp(log_w[0], log_w[1]))  # (2, N), columns sum to 1
    n = resp.sum(axis=1)
    new_mu = resp @ X / n
    new_sigma = np.sqrt(np.sum(resp * (X[None, :] - new_mu[:, None]) ** 2, axis=1) / n)
    return n[1] / len(X), new_mu, new_sigma
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """K-Means start, then EM steps until the log-likelihood stops rising."""
    mu, _ = K_Means(X, 2)
    labels = np.argmin(np.abs(X[:, None] - mu), axis=1)
    sigma = np.array([X[labels == 0].std(), X[labels == 1].std()])
    pi = labels.mean()

    def loglik(pi, mu, sigma):
        return np.logaddexp(np.log1p(-pi) + norm.logpdf(X, mu[0], sigma[0]),
                            np.log(pi) + norm.logpdf(X, mu[1], sigma[1])).sum()

    ll = loglik(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        ll, previous = loglik(pi, mu, sigma), ll
        if ll - previous < tol * abs(previous):
            break
    return pi, mu, sigma
