# Correct variant: EM starts from the K-Means centres sorted in increasing order, so it
# converges with the components swapped relative to the data's labelling (pi is then the
# prior of the other component, consistently).
# Why: full marks: a swapped mixture (pi -> 1 - pi, mu and sigma reversed) is the same fit.
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from the sorted K-Means centres."""
    centres, _ = K_Means(X, 2)
    mu = np.sort(centres)
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
