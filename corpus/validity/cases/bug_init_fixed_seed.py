# Typical bug: Centroid_init draws its samples with a generator of its own, seeded with 0,
# instead of the notebook's rng.
# Why: Centroid_init (test_Centroid_init_hidden): the centres are the same for every random
#   state. The public test only asks for distinct centres.
### CELL Centroid_init
def Centroid_init(X, K):
    """K distinct samples (bug: a fixed seed)."""
    own = np.random.default_rng(0)
    return X[own.choice(len(X), size=K, replace=False)].astype(float)
