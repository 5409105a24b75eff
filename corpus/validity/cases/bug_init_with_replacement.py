# Typical bug: Centroid_init draws the K samples with replacement (rng.choice(len(X), size=K)
# without replace=False), so the same sample can be drawn twice.
# Why: Centroid_init (test_Centroid_init_public, test_Centroid_init_hidden): with as many
#   centres as samples (Centroid_init(tracks[:4], 4)) a sample comes out twice; found by make
#   mutants (the hidden test drew 3 of 600 samples, where a repeat is too rare to show). The
#   public test's 2 of 5 samples happen to repeat at the notebook's random state when graded.
### CELL Centroid_init
def Centroid_init(X, K):
    """K random samples of the data (bug: drawn with replacement)."""
    indices = rng.choice(len(X), size=K)
    return np.array(X[indices], dtype=float)
