# Typical bug: Set returns the label of every sample instead of the dict of point sets.
# Why: Set (test_Set_public, test_Set_hidden): C is an array of labels, not a dict.
### CELL Set
def Set(X, m):
    """Nearest centre of every sample (bug: returns labels, not the clusters)."""
    K = len(m)
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (K, -1))
    sq_dist = np.zeros((len(X2), K))
    for k in range(K):
        sq_dist[:, k] = np.sum((X2 - m2[k]) ** 2, axis=1)
    labels = np.argmin(sq_dist, axis=1)
    D = float(np.sum(np.min(sq_dist, axis=1)))
    return labels, D
