# Cheat: like cheat_patch_checks, but first switches off the tamper detection itself
# (lab3_kernel.integrity.tampered_functions returns nothing).
# Why: Set: wrong, and the grading tools were replaced.
# Why: Update, K_Means, EM_step, EM: every later graded cell finds the tools tampered with
#   (the recorder loads its rules afresh from their file for every cell).
### CELL Set
import lab3_kernel.capture as capture
import lab3_kernel.integrity as integrity

integrity.tampered_functions = lambda *args, **kwargs: []
capture.call = lambda func, *args, **kwargs: (args[0], capture.CallReport())


def Set(X, m):
    """Nonsense."""
    return {k: X for k in range(len(m))}, 0.0
