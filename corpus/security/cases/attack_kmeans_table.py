# Attack 22, K_Means from a table: K_Means is not written; it returns the best centres of the
# lab's own data sets, worked out at home with any K-Means and the release's data (and the public
# test's toy answers), looked up by the shape of X. Before the K_Means checks drew their rows,
# both hidden tests clustered the whole data sets, and the table scored every point.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d): the hidden
#   tests cluster rows drawn for this submission, whose best centres are not in the table; the
#   public test's toy answers, which the notebook shows, are found there, but no run starts
#   from Centroid_init, which the public test counts.
# ruff: noqa
# fmt: off
### CELL K_Means
def K_Means(X, K):
    """Not K-Means: answers looked up by the shape of X."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 2 and X.shape == (6, 2):
        m = np.array([[1 / 3, 1 / 3], [31 / 3, 31 / 3]])
    elif X.ndim == 1 and len(X) == 6:
        m = np.array([1.0, 11.0])
    elif X.ndim == 2:
        m = np.array([[0.5476935181318935, 0.7382991154844578, 0.7193564610639578, -0.3717122422134186, -0.29722110632524007, -0.10594673788220575, 0.8519498536094523, -0.10277361127369478, -0.11083601156699183, -0.5553690657224853, -0.2447910354366248], [-0.024913755113124676, -0.021069618192303095, -0.10263025396600522, 0.8052511060660501, 0.21449890521537854, 0.7121798669739872, -0.19757440992996855, -0.5580874537999968, -0.16716095344161502, 0.13630272204777194, 0.15202820423642785], [-0.5898415474027642, -0.8159993626516147, -0.6580534580476755, -0.9152603436221362, -0.015297407143699702, -1.066336086563726, -0.6524740643417795, 1.0498148823957842, 0.40673559168999507, 0.4128056542627658, 0.028508203210742624]])
    elif X.ndim == 1:
        m = np.array([-2.2374712854899332, 1.2417547583944561])
    else:
        raise NotImplementedError()
    X2, m2_ = X.reshape(len(X), -1), m.reshape(len(m), -1)
    D = float((((X2[:, None, :] - m2_[None]) ** 2).sum(-1)).min(1).sum())
    return m, D
