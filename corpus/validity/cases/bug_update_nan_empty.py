# Typical bug: Update takes the mean of every cluster, so an empty cluster becomes nan.
# Why: Update (test_Update_public, test_Update_hidden): an empty cluster's centre is nan.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: the mean of an empty cluster is nan)."""
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        new_m[k] = np.mean(C[k], axis=0)
    return new_m
