# Typical bug: EM's log-likelihood calls norm.pdf(X, sigma[1], mu[1]) for component 1
# (location and scale swapped), so EM stops on a wrong criterion.
# Why: EM (test_EM_public, test_EM_hidden): where both centres are positive (the public
#   test's overlapping groups, the hidden test's second data set) EM stops before the
#   maximum-likelihood fit; found by make mutants (on the lab's data mu[1] is negative, so
#   every log-likelihood is nan and EM runs all its steps, to the fit; 1,000 here, not
#   10,000: the same verdicts in a tenth of the time, within the limit on a loaded machine).
### CELL EM
def EM(X, tol=1e-10, max_iter=1_000):
    """EM from K-Means (bug: norm.pdf's location and scale swapped in the log-likelihood)."""
    mu, _ = K_Means(X, 2)
    nearest = np.argmin(np.abs(X[:, None] - mu[None, :]), axis=1)
    sigma = np.array([np.std(X[nearest == 0]), np.std(X[nearest == 1])])
    pi = np.mean(nearest == 1)

    def log_likelihood(pi, mu, sigma):
        p = (1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, sigma[1], mu[1])
        return np.sum(np.log(p))

    ll = log_likelihood(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new_ll = log_likelihood(pi, mu, sigma)
        if new_ll - ll < tol * abs(ll):
            break
        ll = new_ll
    return pi, mu, sigma
