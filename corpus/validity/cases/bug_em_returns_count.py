# Typical bug: EM returns N_1, the expected number of samples of component 1 (the sum of
# their responsibilities, as in Bishop's notation), where the lab asks for its prior
# pi = N_1 / N.
# Why: EM (test_EM_public, test_EM_hidden): the means and standard deviations are the
#   maximum-likelihood fit, but the first number returned is in the hundreds, not a prior
#   in (0, 1).
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from K-Means' clusters (bug: returns N_1 instead of pi)."""
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
    # the expected number of samples of component 1
    weighted_0 = (1 - pi) * norm.pdf(X, mu[0], sigma[0])
    weighted_1 = pi * norm.pdf(X, mu[1], sigma[1])
    N_1 = np.sum(weighted_1 / (weighted_0 + weighted_1))
    return N_1, mu, sigma
