# Typical bug: Update writes the new means into the caller's m and returns it.
# Expect: Centroid_init 5, Set 15, Update 0, K_Means 20, EM_step 20, EM 25 (total 85)
# Why: Update -15 (test_Update_public, test_Update_hidden): it modifies its input m.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: updates m in place)."""
    for k in range(len(m)):
        if len(C[k]) > 0:
            m[k] = np.mean(C[k], axis=0)
    return m
