# Cheat: EM calls sklearn.mixture.GaussianMixture.
# Why: EM (test_EM_public, test_EM_hidden): scikit-learn's mixture model does the work,
#   so every test of EM scores 0.
### CELL EM
def EM(X):
    """scikit-learn does it."""
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(n_components=2, tol=1e-10, max_iter=10_000, random_state=0)
    gm.fit(X.reshape(-1, 1))
    return gm.weights_[1], gm.means_.ravel(), np.sqrt(gm.covariances_.ravel())
