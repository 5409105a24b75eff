# Attack 3a, the recording, replaced whole: the EM_step cell puts a fake lab3_kernel module in
# sys.modules, so the test cells' `import lab3_kernel` gets it; its record/record_public never run
# the student's code but write a forged record.json themselves: no refusal, every planned call
# "answered" with the plan's own inputs (pi, mu and sigma handed back unchanged), extra keys
# claiming a pass. A cell after EM_step's tests puts the real module back. EM_step is wrong
# (variances instead of standard deviations).
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): sigma holds variances (what the
#   honest equivalent, bug_em_variance_not_std, loses); the public test fails in the kernel, and
#   the forged record of the hidden test is judged on its answers, which are wrong.
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


# --- attack: a fake lab3_kernel that forges the records ---
import json as _json
import os as _os
import sys as _sys
import types as _types

import lab3_kernel as _real_lab3_kernel
from lab3_kernel import wire as _wire


def _forge(check):
    plan = {"check": check, "calls": []}
    try:
        with open(_os.path.join(_os.environ["LAB3_INBOX"], "plan.json")) as f:
            plan = _json.load(f)
    except Exception as error:
        print("no plan:", error)
    outcomes = []
    for step in plan.get("calls", []):
        args = _wire.decode(step["args"])
        answer = tuple(args[1:]) if len(args) > 1 else args[0]  # the inputs, handed back
        outcomes.append({"label": step["label"], "result": _wire.encode(answer), "warnings": [],
                         "stderr": "", "stdout_chars": 0, "mutated": [], "passed": True})
    record = {"check": plan.get("check", check), "refused": "", "outcomes": outcomes,
              "passed": True, "verdict": "pass", "points": 1000}
    outbox = _os.environ.get("LAB3_OUTBOX")
    if outbox:
        with open(_os.path.join(outbox, "record.json"), "w") as f:
            _json.dump(record, f)
    print("ATTACK record_fake_module: forged", check, "with", len(outcomes), "answers")


_fake = _types.ModuleType("lab3_kernel")
_fake.__path__ = []
_fake.record = lambda check, namespace: _forge(check)
_fake.record_public = lambda function, namespace: _forge("public:" + function)
_sys.modules["lab3_kernel"] = _fake
### AFTER test_EM_step_hidden
# --- the real module back, for the rest of the notebook ---
_sys.modules["lab3_kernel"] = _real_lab3_kernel
