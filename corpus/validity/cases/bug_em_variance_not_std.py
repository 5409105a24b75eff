# Typical bug: EM_step returns the variances where the lab asks for standard deviations.
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): sigma holds variances.
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step (bug: returns variances)."""
    weighted_0 = (1 - pi) * norm.pdf(X, loc=mu[0], scale=sigma[0])
    weighted_1 = pi * norm.pdf(X, loc=mu[1], scale=sigma[1])
    gamma = weighted_1 / (weighted_0 + weighted_1)

    n_0 = np.sum(1 - gamma)
    n_1 = np.sum(gamma)
    mu_0 = np.sum((1 - gamma) * X) / n_0
    mu_1 = np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu_0) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu_1) ** 2) / n_1

    pi = n_1 / len(X)
    mu = np.array([mu_0, mu_1])
    sigma = np.array([var_0, var_1])
    return pi, mu, sigma
