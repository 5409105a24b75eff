# Fault: the Set cell prints 50 MB on one line (print('x' * 50_000_000)).
# Why: full marks: the cell is not graded; the output is cut by bytes, nothing else changes.
### CELL Set
def Set(X, m):
    """The reference Set."""
    K = len(m)
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (K, -1))
    sq_dist = np.zeros((len(X2), K))
    for k in range(K):
        sq_dist[:, k] = np.sum((X2 - m2[k]) ** 2, axis=1)
    nearest = np.argmin(sq_dist, axis=1)
    C = {k: X[nearest == k] for k in range(K)}
    D = float(np.sum(np.min(sq_dist, axis=1)))
    return C, D


print('x' * 50_000_000)
