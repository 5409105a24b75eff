# Typical bug: the function is named em instead of EM, so EM is not defined when its tests run.
# Why: EM (test_EM_public, test_EM_hidden): the tests find no EM.
### CELL EM
def em(X, tol=1e-10, max_iter=10_000):
    """EM from K-Means, under another name."""
    mu, _ = K_Means(X, 2)
    nearest = np.argmin(np.abs(X[:, None] - mu[None, :]), axis=1)
    sigma = np.array([np.std(X[nearest == 0]), np.std(X[nearest == 1])])
    pi = np.mean(nearest == 1)
    for _ in range(max_iter):
        new_pi, mu, sigma = EM_step(X, pi, mu, sigma)
        if abs(new_pi - pi) < tol:
            break
        pi = new_pi
    return new_pi, mu, sigma
