# Typical mistake: EM starts from fixed parameters (pi = 0.5, means -2 and 2, standard
# deviations 1) instead of from K_Means(X, 2), then runs EM until it converges.
# Why: EM (test_EM_hidden): on the hidden test's second data set, whose likelihood has a
#   second maximum, EM converges to that other local maximum; its stopping rule is right
#   (the answer is a fixed point of an EM step). The lab's data and the public test's reach
#   the maximum-likelihood fit from this start.
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """EM from a fixed start (mistake: the notebook asks for K-Means' clusters)."""
    pi, mu, sigma = 0.5, np.array([-2.0, 2.0]), np.array([1.0, 1.0])

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
