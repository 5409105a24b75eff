# Cheat: the Set cell replaces the kernel's recorder (lab3_kernel.capture.call) by a function
# that answers every call the grader plans with made-up results, and Set returns nonsense.
# Expect: Centroid_init 5, Set 0, Update 0, K_Means 0, EM_step 0, EM 0 (total 5)
# Why: Set -15: wrong, and the grading tools were replaced.
# Why: Update, K_Means, EM_step, EM -80: every graded cell after the Set cell finds the
#   grading tools tampered with and scores 0 (nothing recorded after that can be trusted).
### CELL Set
import lab3_kernel.capture as capture

capture.call = lambda func, *args, **kwargs: (args[0], capture.CallReport())


def Set(X, m):
    """Nonsense."""
    return {k: X for k in range(len(m))}, 0.0
