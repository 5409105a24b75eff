# A partial submission: the K-Means part written (in the student's own words), EM not started.
# Base: release
# Why: EM_step, EM: not written (NotImplementedError).
### CELL Centroid_init
def Centroid_init(X, K):
    # pick K different songs at random as the first centres
    rows = rng.choice(X.shape[0], K, replace=False)
    return X[rows].astype(float)
### CELL Set
def Set(X, m):
    # squared distance from every song to every centre
    if X.ndim == 1:
        d = (X[:, None] - m[None, :]) ** 2
    else:
        d = ((X[:, None, :] - m[None, :, :]) ** 2).sum(axis=2)
    closest = d.argmin(axis=1)
    C = {}
    for k in range(len(m)):
        C[k] = X[closest == k]
    return C, d.min(axis=1).sum()
### CELL Update
def Update(X, C, m):
    m_new = m.copy()
    for k in range(len(m)):
        if len(C[k]) > 0:  # an empty cluster stays where it is
            m_new[k] = C[k].mean(axis=0)
    return m_new
### CELL K_Means
def K_Means(X, K):
    m = Centroid_init(X, K)
    while True:
        C, D = Set(X, m)
        m_new = Update(X, C, m)
        if np.array_equal(m, m_new):
            return m, D
        m = m_new
