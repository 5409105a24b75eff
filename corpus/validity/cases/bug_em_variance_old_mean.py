# Typical bug: EM_step computes the variances around the old means mu[0], mu[1].
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): sigma is off after one step.
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step (bug: variances around the old means)."""
    weighted_0 = (1 - pi) * norm.pdf(X, loc=mu[0], scale=sigma[0])
    weighted_1 = pi * norm.pdf(X, loc=mu[1], scale=sigma[1])
    gamma = weighted_1 / (weighted_0 + weighted_1)

    n_0 = np.sum(1 - gamma)
    n_1 = np.sum(gamma)
    mu_0 = np.sum((1 - gamma) * X) / n_0
    mu_1 = np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu[0]) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu[1]) ** 2) / n_1

    pi = n_1 / len(X)
    mu = np.array([mu_0, mu_1])
    sigma = np.sqrt(np.array([var_0, var_1]))
    return pi, mu, sigma
