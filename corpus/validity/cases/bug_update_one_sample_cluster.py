# Typical bug: Update moves a centre only when its cluster holds more than one sample
# (`if len(C[k]) > 1`), so a cluster of one sample keeps its old centre.
# Why: Update (test_Update_hidden): a centre next to an isolated sample has a cluster of
#   that one sample, and stays where it was instead of moving onto it; found by make
#   mutants (no cluster of the hidden test had one sample). The public test's clusters hold
#   two samples each, so it passes.
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: a one-sample cluster does not move)."""
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        if len(C[k]) > 1:
            new_m[k] = np.mean(C[k], axis=0)
    return new_m
