# Fault: a debugging leftover, sys.exit() at the end of EM_step.
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): EM_step raises SystemExit.
### CELL EM_step
import sys


def EM_step(X, pi, mu, sigma):
    """One EM step, then (bug) sys.exit()."""
    weighted_0 = (1 - pi) * norm.pdf(X, loc=mu[0], scale=sigma[0])
    weighted_1 = pi * norm.pdf(X, loc=mu[1], scale=sigma[1])
    gamma = weighted_1 / (weighted_0 + weighted_1)
    n_0, n_1 = np.sum(1 - gamma), np.sum(gamma)
    mu_0, mu_1 = np.sum((1 - gamma) * X) / n_0, np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu_0) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu_1) ** 2) / n_1
    print("debug:", n_1 / len(X), mu_0, mu_1)
    sys.exit("stopping here while debugging")
    return n_1 / len(X), np.array([mu_0, mu_1]), np.sqrt(np.array([var_0, var_1]))
