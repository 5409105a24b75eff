# Correct variant: Update re-seeds an empty cluster at the sample farthest from its nearest
# centre, instead of keeping the old centre.
# Why: full marks: the contract only asks an empty cluster for a usable (finite) centre.
### CELL Update
def Update(X, C, m):
    """Means of the clusters; an empty cluster restarts at the worst-fitted sample."""
    K = len(m)
    new_m = np.array(m, dtype=float)
    for k in range(K):
        if len(C[k]) > 0:
            new_m[k] = np.mean(C[k], axis=0)
    X2 = np.reshape(X, (len(X), -1))
    for k in range(K):
        if len(C[k]) == 0:
            centres = np.reshape(new_m, (K, -1))
            d2 = np.min(np.sum((X2[:, None, :] - centres[None, :, :]) ** 2, axis=2), axis=1)
            new_m[k] = X[np.argmax(d2)]
    return new_m
