# Attack 3d, the reference helpers: the notebook's cell order is the student's, so both test cells
# of EM_step are moved to the end, after EM's tests and a cell the student added there. While
# EM's public test runs, the grader binds its reference EM_step (and sends its source in the
# plan): the student's EM keeps both. The added cell rebuilds the stolen reference as a notebook
# function and binds it as EM_step, so the moved tests of EM_step would run the grader's own
# code. EM_step itself is wrong (variances).
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): the student's EM_step returns
#   variances (what the honest equivalent, bug_em_variance_not_std, loses); a reference helper
#   must never stand in for the student's function, whatever the order of the cells.
# Move: test_EM_step_public test_EM_step_hidden after test_EM_hidden-extra-0
# ruff: noqa
# fmt: off
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
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """The solution's EM, which also keeps what the grader binds and sends while it runs."""
    notebook = globals()
    helper = notebook.get("EM_step")
    if getattr(helper, "__module__", "__main__") != "__main__":
        notebook.setdefault("_stolen_EM_step", helper)
    try:
        with open(os.path.join(os.environ["LAB3_INBOX"], "plan.json")) as f:
            plan = f.read()
        if '"helper_source"' in plan:
            notebook.setdefault("_stolen_plan", plan)
    except Exception:
        pass

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
    return pi, mu, sigma
### AFTER test_EM_hidden
# --- attack: the stolen reference becomes the student's EM_step ---
import json as _json
import types as _types

_how = "nothing stolen"
try:
    _plan = _json.loads(_stolen_plan)
    _namespace = {"__name__": "__main__"}
    exec(compile(_plan["helper_source"], "<my notes>", "exec"), _namespace)
    EM_step = _namespace[_plan["helpers"]["EM_step"]]
    _how = "rebuilt from the plan's helper source"
except Exception as _error:
    try:
        _s = _stolen_EM_step
        EM_step = _types.FunctionType(_s.__code__, {**_s.__globals__, "__name__": "__main__"},
                                      "EM_step", _s.__defaults__, _s.__closure__)
        _how = f"the bound helper, re-homed ({_error!r} with the plan)"
    except NameError:
        pass
print("ATTACK steal_reference:", _how)
