# Typical bug: Set's distortion sums the distances, not the squared distances.
# Why: Set (test_Set_public, test_Set_hidden): D differs from the distortion, the sum of
#   SQUARED distances (the public example has distances of 2, so it tells too).
### CELL Set
def Set(X, m):
    """Nearest centre of every sample; D sums the distances (bug: not squared)."""
    K = len(m)
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (K, -1))
    dist = np.zeros((len(X2), K))
    for k in range(K):
        dist[:, k] = np.sqrt(np.sum((X2 - m2[k]) ** 2, axis=1))
    nearest = np.argmin(dist, axis=1)
    C = {k: X[nearest == k] for k in range(K)}
    D = float(np.sum(np.min(dist, axis=1)))
    return C, D
