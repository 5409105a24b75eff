# Typical bug: K_Means runs a fixed number of rounds (3) instead of until the centres stop
# changing; it returns the distortion of the centres it returns.
# Why: K_Means (test_K_Means_hidden, test_K_Means_hidden_1d): on the lab's data three rounds
#   do not reach a fixed point. The public test's small data converges within three rounds.
### CELL K_Means
def K_Means(X, K, rounds=3):
    """Lloyd's algorithm (bug: a fixed number of rounds)."""
    m = Centroid_init(X, K)
    for _ in range(rounds):
        C, D = Set(X, m)
        m = Update(X, C, m)
    C, D = Set(X, m)
    return m, D
