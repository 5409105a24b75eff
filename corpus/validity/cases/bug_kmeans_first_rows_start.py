# Typical bug: K_Means starts from the first K samples (X[:K]) instead of
# Centroid_init(X, K), so every run starts, and ends, at the same place.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden): Centroid_init (the grader's,
#   standing in for the student's in those tests) is never called, which the public test
#   counts too. The centres it reaches are good ones on the songs and on the 1-D data, so
#   only the start tells it apart from a correct K_Means.
### CELL K_Means
def K_Means(X, K):
    """Lloyd's algorithm (bug: the first K samples as the start)."""
    m = X[:K]
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            return m, D
        m = new_m
