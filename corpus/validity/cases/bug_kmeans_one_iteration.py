# Typical bug: K_Means does one assignment and one update, then stops.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d): the
#   centres are not a fixed point and D is the distortion of the initial centres.
### CELL K_Means
def K_Means(X, K):
    """One round of Lloyd's algorithm (bug: no loop)."""
    m = Centroid_init(X, K)
    C, D = Set(X, m)
    m = Update(X, C, m)
    return m, D
