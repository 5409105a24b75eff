# Victim: Update gives nan on an empty cluster (the validity corpus's bug_update_nan_empty),
# graded after every attacker in the same batch: a victim that loses points, so that an attack
# that hands out points shows too.
# Why: Update (test_Update_public, test_Update_hidden): an empty cluster's centre is nan.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: the mean of an empty cluster is nan)."""
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        new_m[k] = np.mean(C[k], axis=0)
    return new_m
