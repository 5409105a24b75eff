# Cheat: the Set cell replaces the kernel's recorder (lab3_kernel.capture.call) by a function
# that answers every call the grader plans with made-up results, and Set returns nonsense.
# Why: Set: wrong, and the grading tools were replaced.
# Why: Update, K_Means, EM_step, EM: every graded cell after the Set cell finds the
#   grading tools tampered with and scores 0 (nothing recorded after that can be trusted).
### CELL Set
import lab3_kernel.capture as capture

capture.call = lambda func, *args, **kwargs: (args[0], capture.CallReport())


def Set(X, m):
    """Nonsense."""
    return {k: X for k in range(len(m))}, 0.0
