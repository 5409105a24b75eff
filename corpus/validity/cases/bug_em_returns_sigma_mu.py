# Typical bug: EM returns (pi, sigma, mu): the means and the standard deviations in each
# other's place.
# Why: EM (test_EM_public, test_EM_hidden): the numbers are the maximum-likelihood fit, in
#   the wrong order: read as (pi, mu, sigma), the "standard deviations" are the means (one
#   of them negative on the lab's data) and the "means" are the standard deviations.
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from K-Means (bug: returns sigma before mu)."""
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
    return pi, sigma, mu
