# Fault: Set raises an exception (IndexError) on 1-D data: it reads X.shape[1].
# Why: Set (test_Set_public, test_Set_hidden): Set(Data['X'], m) raises IndexError.
### CELL Set
def Set(X, m):
    """Nearest centre of every sample (bug: assumes 2-D data)."""
    N, F = X.shape[0], X.shape[1]
    K = len(m)
    sq_dist = np.zeros((N, K))
    for k in range(K):
        sq_dist[:, k] = np.sum((X - m[k]) ** 2, axis=1)
    nearest = np.argmin(sq_dist, axis=1)
    C = {k: X[nearest == k] for k in range(K)}
    return C, float(np.sum(np.min(sq_dist, axis=1)))
