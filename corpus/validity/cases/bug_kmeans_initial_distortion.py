# Typical bug: K_Means iterates to a fixed point but returns the distortion of the initial
# centres (D from the first call of Set, never updated).
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d): D is not
#   the distortion of the centres returned; the centres are right.
### CELL K_Means
def K_Means(X, K):
    """Lloyd's algorithm (bug: returns the first distortion)."""
    m = Centroid_init(X, K)
    C, D = Set(X, m)
    while True:
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            break
        m = new_m
        C, _ = Set(X, m)
    return m, D
