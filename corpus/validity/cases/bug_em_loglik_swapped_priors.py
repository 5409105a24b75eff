# Typical bug: EM's log-likelihood weighs the components with swapped priors
# (pi * pdf_0 + (1 - pi) * pdf_1), so EM stops when that wrong quantity stops rising.
# Why: EM (test_EM_public, test_EM_hidden): on the public test's overlapping groups and the
#   hidden test's second data set EM stops before the maximum-likelihood fit; found by make
#   mutants (on the lab's data, and on the public test's far-apart groups, it stops close
#   enough).
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from K-Means (bug: the log-likelihood swaps the priors)."""
    mu, _ = K_Means(X, 2)
    nearest = np.argmin(np.abs(X[:, None] - mu[None, :]), axis=1)
    sigma = np.array([np.std(X[nearest == 0]), np.std(X[nearest == 1])])
    pi = np.mean(nearest == 1)

    def log_likelihood(pi, mu, sigma):
        p = pi * norm.pdf(X, mu[0], sigma[0]) + (1 - pi) * norm.pdf(X, mu[1], sigma[1])
        return np.sum(np.log(p))

    ll = log_likelihood(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new_ll = log_likelihood(pi, mu, sigma)
        if new_ll - ll < tol * abs(ll):
            break
        ll = new_ll
    return pi, mu, sigma
