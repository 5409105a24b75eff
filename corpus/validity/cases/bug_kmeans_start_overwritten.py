# Typical bug: K_Means draws its start with Centroid_init(X, K), then a line left from an
# experiment overwrites it with K points spread evenly between each feature's smallest and
# largest values (np.linspace), so every run starts, and ends, at the same place.
# Why: K_Means (test_K_Means_hidden): Centroid_init is called once per run, as the notebook
#   asks, but its centres are thrown away; on the songs the fixed start leads to a fixed
#   point well above the best reachable distortion. The public test's small data and the
#   lab's 1-D data reach the best centres from it.
### CELL K_Means
def K_Means(X, K):
    """Lloyd's algorithm (bug: Centroid_init's start overwritten by a fixed one)."""
    m = Centroid_init(X, K)
    m = np.linspace(X.min(axis=0), X.max(axis=0), K)
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            return m, D
        m = new_m
