# Correct variant: EM starts from random parameters (pi uniform in [0.2, 0.8], the means two
# random samples, both standard deviations the data's) instead of from K-Means.
# Why: full marks: EM is graded on its result, and from this start it reaches the same
#   maximum-likelihood fit (possibly with the components swapped).
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from a random start."""
    pi = rng.uniform(0.2, 0.8)
    mu = rng.choice(X, size=2, replace=False)
    sigma = np.full(2, np.std(X))

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
