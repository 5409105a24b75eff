# Typical bug: EM_step evaluates the normal pdf on a 100-point grid and looks each sample up
# at the nearest grid point (the original lab's shortcut) instead of the exact pdf.
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): the step is off by more than 1e-6.
### CELL EM_step
def EM_step(X, pi, mu, sigma):
    """One EM step (bug: the pdf comes from a grid)."""
    domain = np.linspace(X.min(), X.max(), 100)
    nearest = np.argmin(np.abs(X[:, None] - domain[None, :]), axis=1)
    pdf_0 = norm.pdf(domain, loc=mu[0], scale=sigma[0])[nearest]
    pdf_1 = norm.pdf(domain, loc=mu[1], scale=sigma[1])[nearest]
    gamma = pi * pdf_1 / ((1 - pi) * pdf_0 + pi * pdf_1)

    n_0 = np.sum(1 - gamma)
    n_1 = np.sum(gamma)
    mu_0 = np.sum((1 - gamma) * X) / n_0
    mu_1 = np.sum(gamma * X) / n_1
    var_0 = np.sum((1 - gamma) * (X - mu_0) ** 2) / n_0
    var_1 = np.sum(gamma * (X - mu_1) ** 2) / n_1
    return n_1 / len(X), np.array([mu_0, mu_1]), np.sqrt(np.array([var_0, var_1]))
