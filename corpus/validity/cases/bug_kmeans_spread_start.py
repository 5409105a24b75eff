# Typical bug: K_Means starts from K points spread evenly between the data's smallest and
# largest values of each feature (np.linspace) instead of Centroid_init(X, K), so every
# run starts, and ends, at the same place.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden): Centroid_init (the grader's,
#   standing in for the student's in those tests) is never called, which the public test
#   counts too, and on the songs that start leads to a fixed point well above the best
#   reachable distortion: both causes are true. The public test's small data and the
#   lab's 1-D data reach the best centres from it.
### CELL K_Means
def K_Means(X, K):
    """Lloyd's algorithm (bug: a fixed start instead of Centroid_init)."""
    m = np.linspace(X.min(axis=0), X.max(axis=0), K)
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            return m, D
        m = new_m
