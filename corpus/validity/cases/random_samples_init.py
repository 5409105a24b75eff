# Correct variant: K random samples as the centres, drawn one at a time with
# rng.integers and re-drawn when an index repeats.
# Why: full marks: K distinct samples of the data, drawn with the notebook's rng.
### CELL Centroid_init
def Centroid_init(X, K):
    """K different samples of X, picked at random."""
    picked = []
    while len(picked) < K:
        i = int(rng.integers(0, len(X)))
        if i not in picked:
            picked.append(i)
    m = np.array([X[i] for i in picked], dtype=float)
    return m
