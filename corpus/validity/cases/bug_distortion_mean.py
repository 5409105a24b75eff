# Typical bug: Set's D is the mean of the squared distances to the nearest centres instead
# of their sum.
# Why: Set (test_Set_public, test_Set_hidden): D is not the distortion; the clusters are
#   right.
### CELL Set
def Set(X, m):
    """Nearest-centre assignment (bug: D averages the squared distances)."""
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (len(m), -1))
    d = ((X2[:, None, :] - m2[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d, axis=1)
    C = {k: X[labels == k] for k in range(len(m))}
    D = float(np.mean(d[np.arange(len(X)), labels]))
    return C, D
