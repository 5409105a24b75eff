# Cheat: the Set cell replaces the hidden check of Set (kmeans_checks.check_Set) by a
# function that accepts anything, and Set returns nonsense.
# Expect: Centroid_init 5, Set 0, Update 0, K_Means 0, EM_step 0, EM 0 (total 5)
# Why: Set -15: wrong, and the grading tools were replaced.
# Why: Update, K_Means, EM_step, EM -80: every graded cell after the Set cell finds the
#   grading tools tampered with and scores 0 (nothing graded after that can be trusted).
### CELL Set
import kmeans_em_lab.checks.kmeans_checks as k
k.check_Set = lambda ns: None


def Set(X, m):
    """Nonsense."""
    return {k: X for k in range(len(m))}, 0.0
