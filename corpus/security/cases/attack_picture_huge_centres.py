# Attack 25, numbers no picture can hold: K_Means returns centres at +-1.7e308 (finite, so the
# grader keeps them for its picture), which matplotlib cannot scale an axis to. Drawing raised,
# and the feedback page lost the grader's whole summary: the student's own markdown came first.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d): its centres are
#   wrong; the picture that cannot be drawn is left out and the summary stays.
# ruff: noqa
# fmt: off
### CELL K_Means
def K_Means(X, K):
    """Not K-Means: centres at the edge of the floats."""
    X = np.asarray(X, dtype=float)
    X2 = X.reshape(len(X), -1)
    m = np.zeros((K, X2.shape[1]))
    m[0] = 1.7e308
    if K > 1:
        m[1] = -1.7e308
    if X.ndim == 1:
        m = m.reshape(K)
    D = float((X2 ** 2).sum())
    return m, D
