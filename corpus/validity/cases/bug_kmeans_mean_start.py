# Typical bug: K_Means starts every centre at the mean of the data instead of
# Centroid_init(X, K): all samples fall into cluster 0, the other clusters stay empty and
# keep their centres, and nothing moves.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d): the
#   returned centres are a fixed point with their own distortion, but a poor one: on the
#   public test's small data and the 1-D data every centre stays at the mean (other centres
#   than the best), on the songs the distortion is the data's total spread, far above the
#   best reachable, and the grader's Centroid_init, standing in for the student's there,
#   is never called. Each cause is true: wrong_centres where the centres are compared,
#   start_not_centroid_init and poor_optimum on the songs.
### CELL K_Means
def K_Means(X, K):
    """Lloyd's algorithm (bug: every centre starts at the data's mean)."""
    m = np.repeat(np.mean(X, axis=0, keepdims=True), K, axis=0)
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            return m, D
        m = new_m
