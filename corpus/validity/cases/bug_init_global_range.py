# Typical bug: Centroid_init draws each coordinate uniformly between the smallest and the
# largest value of the whole data, not of that coordinate.
# Why: Centroid_init (test_Centroid_init_hidden): on the songs, whose features have different
#   ranges, centres fall outside the data. The public test only asks for distinct centres.
### CELL Centroid_init
def Centroid_init(X, K):
    """Uniform centres (bug: one range for every feature)."""
    return rng.uniform(X.min(), X.max(), size=(K,) + X.shape[1:])
