# Typical bug: EM_step calls norm.pdf(X, sigma[k], mu[k]): the location and the scale are
# swapped, so a negative mean is taken for a scale and every result is nan.
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): wrong numbers on the public
#   example; nan on the lab's data, where every state of the hidden test has a negative
#   mean. Found by make mutants: nan used to pass the hidden test (a comparison with nan is
#   never "off"), now a value is wrong unless it is within the tolerance.
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step (bug: norm.pdf's location and scale swapped)."""
    weighted_0 = (1 - pi) * norm.pdf(X, sigma[0], mu[0])
    weighted_1 = pi * norm.pdf(X, sigma[1], mu[1])
    gamma = weighted_1 / (weighted_0 + weighted_1)
    n_0, n_1 = np.sum(1 - gamma), np.sum(gamma)
    mu_0 = np.sum((1 - gamma) * X) / n_0
    mu_1 = np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu_0) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu_1) ** 2) / n_1
    return n_1 / len(X), np.array([mu_0, mu_1]), np.sqrt(np.array([var_0, var_1]))
