"""What the notebook's hidden tests call.

A hidden test cell holds only::

    import importlib, kmeans_em_lab.checks
    importlib.reload(kmeans_em_lab.checks).run_hidden_checks("Set", globals())

(the reload undoes any reassignment of this module's functions by a student
cell, and reloads :mod:`.integrity`, so a student cell cannot switch off the
tamper detection either). :func:`run_hidden_checks` first makes sure the
grading tools are intact and the function does not call another package's
clustering or mixture code, then runs the function's checks. Any failure is
an ``AssertionError`` whose message is the student's feedback.

Public test cells start with a hidden region too (stripped from the release,
so students never see it)::

    importlib.reload(kmeans_em_lab.checks).run_public_prelude("K_Means", globals())

:func:`run_public_prelude` applies the same rules (tools intact, no forbidden
code: a function that breaks them scores 0 on its public test as well), and
for ``K_Means`` and ``EM`` binds the reference helpers for the rest of the cell
(:data:`PUBLIC_ISOLATION`), so a bug in ``Set`` or ``EM_step`` is not paid for
again in the public tests of the functions that call them.
"""

from __future__ import annotations

import importlib
import sys

from . import em_checks, integrity, kmeans_checks

# A fresh copy of the tamper detection on every reload of this package: a student
# cell that replaced integrity.tampered_functions would otherwise disable it.
integrity = importlib.reload(integrity)

# hidden-test name -> (function under test, check, names the check replaces by the reference)
CHECKS = {
    "Centroid_init": ("Centroid_init", kmeans_checks.check_Centroid_init, ()),
    "Set": ("Set", kmeans_checks.check_Set, ()),
    "Update": ("Update", kmeans_checks.check_Update, ()),
    "K_Means": ("K_Means", kmeans_checks.check_K_Means, ("Centroid_init", "Set", "Update")),
    "K_Means_1d": ("K_Means", kmeans_checks.check_K_Means_1d, ("Centroid_init", "Set", "Update")),
    "EM_step": ("EM_step", em_checks.check_EM_step, ()),
    "EM": ("EM", em_checks.check_EM, ("K_Means", "EM_step")),
}


def _own_modules() -> list[str]:
    return sorted(name for name in sys.modules if name.startswith("kmeans_em_lab"))


def run_hidden_checks(name: str, namespace: dict) -> None:
    """Run the hidden checks ``name`` (a key of :data:`CHECKS`) on the notebook's namespace.

    A failure is re-raised from here alone, so the student's feedback shows the
    call and the message, not the checks' internals.
    """
    try:
        _run(name, namespace)
    except AssertionError as failure:
        message = str(failure)
    else:
        return
    raise AssertionError(message) from None


def verdicts(namespace: dict) -> dict[str, str]:
    """Every hidden check on a namespace: '' where it passes, else its message."""
    out = {}
    for name in CHECKS:
        try:
            run_hidden_checks(name, namespace)
            out[name] = ""
        except AssertionError as failure:
            out[name] = str(failure)
    return out


def _run(name: str, namespace: dict) -> None:
    function, check, replaced = CHECKS[name]
    _guard(function, namespace, replaced)
    check(namespace)


def _guard(function: str, namespace: dict, replaced=()) -> None:
    """The rules every graded cell of ``function`` applies before running it."""
    tampered = integrity.tampered_functions(extra_modules=_own_modules())
    if tampered:
        raise AssertionError(
            f"{function} cannot be graded: the notebook replaced {', '.join(tampered[:5])}, "
            "which the tests rely on. Remove the code that reassigns them."
        )
    if not callable(namespace.get(function)):
        raise AssertionError(f"{function} is not defined: run the cell that defines it")
    skip_namespace = {k: v for k, v in namespace.items() if k not in replaced}
    found = integrity.forbidden_references(namespace[function], skip_namespace)
    if found:
        raise AssertionError(
            f"{function} {'; '.join(found)}: the lab asks you to write the algorithm with "
            "numpy yourself, so this function scores 0"
        )


# public test -> the helpers bound to the reference while that test runs
PUBLIC_ISOLATION = {
    "K_Means": ("Centroid_init", "Set", "Update"),
    "EM": ("K_Means", "EM_step"),
}


def reference_helpers(names, namespace: dict) -> dict:
    """The reference implementations of ``names``, drawing from the notebook's ``rng``."""
    from .. import contract

    rng = em_checks.namespace_rng(namespace)
    table = {
        "Centroid_init": contract.make_Centroid_init(rng),
        "Set": contract.Set,
        "Update": contract.Update,
        "K_Means": contract.make_K_Means(rng),
        "EM_step": contract.EM_step,
    }
    return {name: table[name] for name in names}


def run_public_prelude(function: str, namespace: dict) -> dict:
    """Start of ``function``'s public test cell, when grading (the hidden region).

    Fails (``AssertionError``) when the tools were tampered with or ``function``
    uses forbidden code. Otherwise, for the functions of :data:`PUBLIC_ISOLATION`,
    binds the reference helpers in ``namespace`` until the cell ends (an IPython
    ``post_run_cell`` callback puts the student's back, whether the test passed
    or not). Returns the student's helpers it replaced (outside IPython the
    caller restores them).
    """
    replaced = PUBLIC_ISOLATION.get(function, ())
    try:
        _guard(function, namespace, replaced)
    except AssertionError as failure:
        message = str(failure)
    else:
        return _bind_until_cell_ends(namespace, reference_helpers(replaced, namespace))
    raise AssertionError(message) from None


def _bind_until_cell_ends(namespace: dict, helpers: dict) -> dict:
    missing = object()
    saved = {name: namespace.get(name, missing) for name in helpers}
    namespace.update(helpers)

    def restore(*_args) -> None:
        shell.events.unregister("post_run_cell", restore)
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover (IPython comes with the kernel)
        get_ipython = lambda: None  # noqa: E731
    shell = get_ipython()
    if shell is not None and helpers:
        shell.events.register("post_run_cell", restore)
    return {name: value for name, value in saved.items() if value is not missing}
