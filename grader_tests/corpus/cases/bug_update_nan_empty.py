# Typical bug: Update takes the mean of every cluster, so an empty cluster becomes nan.
# Expect: Centroid_init 5, Set 15, Update 0, K_Means 20, EM_step 20, EM 25 (total 85)
# Why: Update -15 (test_Update_public, test_Update_hidden): an empty cluster's centre is nan.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: the mean of an empty cluster is nan)."""
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        new_m[k] = np.mean(C[k], axis=0)
    return new_m
