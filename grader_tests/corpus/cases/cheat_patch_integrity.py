# Cheat: like cheat_patch_checks, but first switches off the tamper detection itself
# (integrity.tampered_functions returns nothing).
# Expect: Centroid_init 5, Set 0, Update 0, K_Means 0, EM_step 0, EM 0 (total 5)
# Why: Set -15: wrong, and the grading tools were replaced.
# Why: Update, K_Means, EM_step, EM -80: every later graded cell finds the tools tampered with.
### CELL Set
import kmeans_em_lab.checks.integrity as integrity
import kmeans_em_lab.checks.kmeans_checks as k
integrity.tampered_functions = lambda *args, **kwargs: []
k.check_Set = lambda ns: None


def Set(X, m):
    """Nonsense."""
    return {k: X for k in range(len(m))}, 0.0
