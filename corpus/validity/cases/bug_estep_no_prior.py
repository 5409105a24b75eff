# Typical bug: EM_step's E-step leaves out the priors: gamma = g1 / (g0 + g1) instead of
# pi g1 / ((1 - pi) g0 + pi g1).
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): the responsibilities, and so
#   every parameter after one step, differ from the reference's; no known mistake explains
#   the numbers, so the cause is the generic one.
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step (bug: the E-step forgets the priors)."""
    g_0 = norm.pdf(X, loc=mu[0], scale=sigma[0])
    g_1 = norm.pdf(X, loc=mu[1], scale=sigma[1])
    gamma = g_1 / (g_0 + g_1)

    n_0 = np.sum(1 - gamma)
    n_1 = np.sum(gamma)
    mu_0 = np.sum((1 - gamma) * X) / n_0
    mu_1 = np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu_0) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu_1) ** 2) / n_1

    pi = n_1 / len(X)
    mu = np.array([mu_0, mu_1])
    sigma = np.sqrt(np.array([var_0, var_1]))
    return pi, mu, sigma
