# Typical bug: EM returns its five numbers as one array [pi, mu_0, mu_1, sigma_0, sigma_1]
# instead of the tuple (pi, mu, sigma).
# Why: EM (test_EM_public, test_EM_hidden): the result has the wrong form; the fit is right.
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from K-Means (bug: one flat array)."""
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
    return np.array([pi, *mu, *sigma])
