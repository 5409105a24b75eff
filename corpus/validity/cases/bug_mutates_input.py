# Typical bug: Update writes the new means into the caller's m and returns it.
# Why: Update (test_Update_public, test_Update_hidden): it modifies its input m.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: updates m in place)."""
    for k in range(len(m)):
        if len(C[k]) > 0:
            m[k] = np.mean(C[k], axis=0)
    return m
