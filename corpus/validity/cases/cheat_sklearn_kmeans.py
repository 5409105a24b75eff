# Cheat: K_Means calls sklearn.cluster.KMeans.
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d):
#   scikit-learn's clustering does the work, so every test of K_Means scores 0.
### CELL K_Means
from sklearn.cluster import KMeans


def K_Means(X, K):
    """scikit-learn does it."""
    X2 = np.reshape(X, (len(X), -1))
    fit = KMeans(n_clusters=K, n_init=10, random_state=0).fit(X2)
    m = fit.cluster_centers_.reshape((K,) + np.shape(X)[1:])
    return m, float(fit.inertia_)
