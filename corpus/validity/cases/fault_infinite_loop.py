# Fault: Update loops forever on an empty cluster (it never advances past it).
# Why: Update (test_Update_public, test_Update_hidden): both hold an empty cluster, so
#   both run into the loop and are stopped at their 30 s limit.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: an empty cluster is never skipped)."""
    new_m = np.array(m, dtype=float)
    k = 0
    while k < len(m):
        if len(C[k]) == 0:
            continue
        new_m[k] = np.mean(C[k], axis=0)
        k += 1
    return new_m
