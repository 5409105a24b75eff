# Correct variant: k-means++ initialisation (each new centre drawn with probability
# proportional to its squared distance from the centres chosen so far).
# Why: full marks: K distinct samples of the data, drawn with the notebook's rng.
### CELL Centroid_init
def Centroid_init(X, K):
    """k-means++: spread the initial centres over the data."""
    X2 = np.reshape(X, (len(X), -1)).astype(float)
    first = int(rng.integers(len(X2)))
    chosen = [first]
    d2 = np.sum((X2 - X2[first]) ** 2, axis=1)
    for _ in range(1, K):
        i = int(rng.choice(len(X2), p=d2 / d2.sum()))
        chosen.append(i)
        d2 = np.minimum(d2, np.sum((X2 - X2[i]) ** 2, axis=1))
    m = np.array(X[chosen], dtype=float)
    return m
