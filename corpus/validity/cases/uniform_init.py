# Correct variant: the original lab's initialisation, centres uniform in [0, 1) in every feature.
# Why: full marks: [0, 1) lies inside the range of every (z-scored) feature and of the 1-D data,
#   and the draws come from the notebook's rng.
### CELL Centroid_init
def Centroid_init(X, K):
    """K centres drawn uniformly in [0, 1) (the data is z-scored)."""
    if X.ndim > 1:
        m = rng.random((K, X.shape[1]))
    else:
        m = rng.random(K)
    return m
