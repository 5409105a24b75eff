"""What the notebook's hidden tests call.

A hidden test cell holds only::

    import importlib, kmeans_em_lab.checks
    importlib.reload(kmeans_em_lab.checks).run_hidden_checks("Set", globals())

(the reload undoes any reassignment of this module's functions by a student
cell). :func:`run_hidden_checks` first makes sure the grading tools are
intact and the function does not call another package's clustering or
mixture code, then runs the function's checks. Any failure is an
``AssertionError`` whose message is the student's feedback.
"""

from __future__ import annotations

import sys

from . import em_checks, integrity, kmeans_checks

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


def _run(name: str, namespace: dict) -> None:
    function, check, replaced = CHECKS[name]
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
    check(namespace)
