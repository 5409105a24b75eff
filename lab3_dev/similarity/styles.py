# ruff: noqa: E501 - student code as written, long lines included
"""Hand-written submissions for the calibration class, each in a style of its own.

Four complete students (``compact``, ``indexed``, ``functional``, ``whileloop``)
that share no line with the corpus's cases, and two *rewritten copies*: every
line written again in another style, the rare behaviour of the original kept
(``rewrite_original``: the original lab's uniform start, nan for an empty
cluster, argument overwritten, gridded pdf and variance around the old means;
``rewrite_indexed``: ``indexed``'s ties to the last centre, a re-seeded empty
cluster at the first sample, its distortion of the previous centres, and its
pi of component 0). ``old_mean`` holds the common mistake (variances around
the old means) written in each style that makes it.
"""

from __future__ import annotations

COMPACT = {
    "Centroid_init": """def Centroid_init(X, K):
    idx = rng.permutation(X.shape[0])[:K]
    return X[idx].copy()""",
    "Set": """def Set(X, m):
    Xs, ms = X.reshape(len(X), -1), m.reshape(len(m), -1)
    d2 = ((Xs[:, None, :] - ms[None, :, :]) ** 2).sum(-1)
    lab = d2.argmin(1)
    return {k: X[lab == k] for k in range(len(m))}, float(d2.min(1).sum())""",
    "Update": """def Update(X, C, m):
    return np.array([C[k].mean(0) if len(C[k]) else m[k] for k in range(len(m))], dtype=float)""",
    "K_Means": """def K_Means(X, K):
    m = Centroid_init(X, K)
    C, D = Set(X, m)
    while True:
        m2 = Update(X, C, m)
        if np.array_equal(m2, m):
            return m, D
        m = m2
        C, D = Set(X, m)""",
    "EM_step": """def EM_step(X, pi, mu, sigma):
    a = (1 - pi) * norm.pdf(X, mu[0], sigma[0])
    b = pi * norm.pdf(X, mu[1], sigma[1])
    g = b / (a + b)
    w = np.vstack([1 - g, g])
    nk = w.sum(1)
    mu2 = (w * X).sum(1) / nk
    sd2 = np.sqrt((w * (X - mu2[:, None]) ** 2).sum(1) / nk)
    return nk[1] / X.size, mu2, sd2""",
    "EM": """def EM(X, tol=1e-10, max_iter=10_000):
    c, _ = K_Means(X, 2)
    near = np.abs(X - c[1]) < np.abs(X - c[0])
    mu = np.array([X[~near].mean(), X[near].mean()])
    sigma = np.array([X[~near].std(), X[near].std()])
    pi = near.mean()
    ll = -np.inf
    for it in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new = np.log((1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])).sum()
        if np.isfinite(ll) and new - ll < tol * abs(ll):
            break
        ll = new
    return pi, mu, sigma""",
}

INDEXED = {
    "Centroid_init": """def Centroid_init(X, K):
    chosen = []
    while len(chosen) < K:
        i = int(rng.integers(0, len(X)))
        if i not in chosen:
            chosen.append(i)
    return np.array([X[i] for i in chosen], dtype=float)""",
    "Set": """def Set(X, m):
    n_clusters = m.shape[0]
    labels = np.zeros(len(X), dtype=int)
    total = 0.0
    for i in range(len(X)):
        best = np.inf
        for j in range(n_clusters):
            dist = np.sum((np.atleast_1d(X[i]) - np.atleast_1d(m[j])) ** 2)
            if dist <= best:  # ties go to the last centre
                best = dist
                labels[i] = j
        total = total + best
    clusters = dict()
    for j in range(n_clusters):
        clusters[j] = X[labels == j]
    return clusters, total""",
    "Update": """def Update(X, C, m):
    out = np.array(m, dtype=float, copy=True)
    for j in range(out.shape[0]):
        if C[j].shape[0] == 0:
            out[j] = X[0]  # an empty cluster starts again at the first sample
        else:
            out[j] = np.sum(C[j], axis=0) / C[j].shape[0]
    return out""",
    "K_Means": """def K_Means(X, K):
    centres = Centroid_init(X, K)
    previous = None
    D = None
    while previous is None or not np.allclose(previous, centres, rtol=0, atol=0):
        clusters, D = Set(X, centres)
        previous = centres
        centres = Update(X, clusters, centres)
    return centres, D""",
    "EM_step": """def EM_step(X, pi, mu, sigma):
    p0 = norm.pdf(X, loc=mu[0], scale=sigma[0]) * (1 - pi)
    p1 = norm.pdf(X, loc=mu[1], scale=sigma[1]) * pi
    r1 = p1 / (p0 + p1)
    r0 = 1 - r1
    new_mu = np.array([np.dot(r0, X) / np.sum(r0), np.dot(r1, X) / np.sum(r1)])
    v0 = np.dot(r0, (X - new_mu[0]) ** 2) / np.sum(r0)
    v1 = np.dot(r1, (X - new_mu[1]) ** 2) / np.sum(r1)
    return np.mean(r0), new_mu, np.sqrt(np.array([v0, v1]))  # the prior of component 0""",
    "EM": """def EM(X, tol=1e-10, max_iter=10_000):
    centres, _ = K_Means(X, 2)
    labels = np.argmin(np.abs(X.reshape(-1, 1) - centres.reshape(1, -1)), axis=1)
    mu = np.array([np.mean(X[labels == 0]), np.mean(X[labels == 1])])
    sigma = np.array([np.std(X[labels == 0]), np.std(X[labels == 1])])
    pi = np.mean(labels)
    old = None
    for step in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        like = np.sum(np.log((1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])))
        if old is not None and abs(like - old) <= tol * abs(old):
            break
        old = like
    return pi, mu, sigma""",
}

FUNCTIONAL = {
    "Centroid_init": """def Centroid_init(X, K):
    return rng.choice(X, size=K, replace=False, axis=0)""",
    "Set": """def Set(X, m):
    def dist2(x, c):
        return float(np.sum(np.subtract(x, c) ** 2))
    owner = [min(range(len(m)), key=lambda k: dist2(x, m[k])) for x in X]
    D = sum(dist2(x, m[o]) for x, o in zip(X, owner))
    owner = np.array(owner)
    return {k: X[owner == k] for k in range(len(m))}, D""",
    "Update": """def Update(X, C, m):
    means = map(lambda k: np.mean(C[k], axis=0) if np.size(C[k]) else np.asarray(m[k], float), range(len(m)))
    return np.array(list(means))""",
    "K_Means": """def K_Means(X, K):
    def step(m):
        C, D = Set(X, m)
        return Update(X, C, m), D
    m = Centroid_init(X, K)
    nxt, D = step(m)
    while not np.array_equal(nxt, m):
        m = nxt
        nxt, D = step(m)
    return m, D""",
    "EM_step": """def EM_step(X, pi, mu, sigma):
    dens = np.array([(1 - pi) * norm.pdf(X, mu[0], sigma[0]), pi * norm.pdf(X, mu[1], sigma[1])])
    resp = dens / dens.sum(axis=0)
    Nk = resp.sum(axis=1)
    new_mu = resp.dot(X) / Nk
    new_var = np.array([resp[k].dot((X - new_mu[k]) ** 2) for k in (0, 1)]) / Nk
    return Nk[1] / len(X), new_mu, np.sqrt(new_var)""",
    "EM": """def EM(X, tol=1e-10, max_iter=10_000):
    centres = K_Means(X, 2)[0]
    side = np.array([int(abs(x - centres[1]) < abs(x - centres[0])) for x in X])
    params = (side.mean(), np.array([X[side == 0].mean(), X[side == 1].mean()]),
              np.array([X[side == 0].std(), X[side == 1].std()]))
    loglik = lambda p, m, s: np.log((1 - p) * norm.pdf(X, m[0], s[0]) + p * norm.pdf(X, m[1], s[1])).sum()
    before = loglik(*params)
    for _ in range(max_iter):
        params = EM_step(X, *params)
        after = loglik(*params)
        if after - before < tol * abs(before):
            break
        before = after
    return params""",
}

WHILELOOP = {
    "Centroid_init": """def Centroid_init(X, K):
    pool = list(range(len(X)))
    picked = []
    k = 0
    while k < K:
        j = pool.pop(int(rng.integers(len(pool))))
        picked.append(X[j])
        k += 1
    return np.array(picked)""",
    "Set": """def Set(X, m):
    K = len(m)
    groups = {}
    k = 0
    while k < K:
        groups[k] = []
        k += 1
    distortion = 0
    i = 0
    while i < len(X):
        d = np.linalg.norm(np.reshape(X[i] - m, (K, -1)), axis=1) ** 2
        k = int(np.argmin(d))
        groups[k].append(X[i])
        distortion += d[k]
        i += 1
    shape = (0,) + np.shape(X)[1:]
    return {k: (np.array(g) if g else np.empty(shape)) for k, g in groups.items()}, float(distortion)""",
    "Update": """def Update(X, C, m):
    result = np.zeros(np.shape(m))
    k = 0
    while k < len(m):
        result[k] = np.average(C[k], axis=0) if len(C[k]) > 0 else m[k]
        k += 1
    return result""",
    "K_Means": """def K_Means(X, K):
    m = Centroid_init(X, K)
    done = False
    while not done:
        C, D = Set(X, m)
        new = Update(X, C, m)
        done = bool(np.all(new == m))
        m = new
    return m, D""",
    "EM_step": """def EM_step(X, pi, mu, sigma):
    like0 = np.exp(-(X - mu[0]) ** 2 / (2 * sigma[0] ** 2)) / (np.sqrt(2 * np.pi) * sigma[0])
    like1 = np.exp(-(X - mu[1]) ** 2 / (2 * sigma[1] ** 2)) / (np.sqrt(2 * np.pi) * sigma[1])
    gam = pi * like1 / (pi * like1 + (1 - pi) * like0)
    s1, s0 = gam.sum(), (1 - gam).sum()
    m0, m1 = ((1 - gam) * X).sum() / s0, (gam * X).sum() / s1
    sd0 = np.sqrt(((1 - gam) * (X - m0) ** 2).sum() / s0)
    sd1 = np.sqrt((gam * (X - m1) ** 2).sum() / s1)
    return s1 / len(X), np.array([m0, m1]), np.array([sd0, sd1])""",
    "EM": """def EM(X, tol=1e-10, max_iter=10_000):
    cent, _ = K_Means(X, 2)
    lo, hi = (0, 1) if cent[0] <= cent[1] else (1, 0)
    cut = (cent[0] + cent[1]) / 2
    mask = X > cut if lo == 0 else X <= cut
    mu = np.array([X[~mask].mean(), X[mask].mean()])
    sigma = np.array([X[~mask].std(), X[mask].std()])
    pi = mask.mean()
    n = 0
    prev = np.sum(np.log((1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])))
    while n < max_iter:
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        cur = np.sum(np.log((1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])))
        if cur - prev < tol * abs(prev):
            break
        prev = cur
        n += 1
    return pi, mu, sigma""",
}

# the common mistake (variances around the old means), in each style that makes it
OLD_MEAN = {
    "compact": ("(X - mu2[:, None])", "(X - np.asarray(mu)[:, None])"),
    "whileloop": ("(X - m0) ** 2).sum() / s0", "(X - mu[0]) ** 2).sum() / s0"),
    "whileloop2": ("(X - m1) ** 2).sum() / s1", "(X - mu[1]) ** 2).sum() / s1"),
    "vectorised": ("(X[None, :] - new_mu[:, None])", "(X[None, :] - np.asarray(mu)[:, None])"),
    "loops": ("(x - mu0) ** 2", "(x - mu[0]) ** 2"),
    "loops2": ("(x - mu1) ** 2", "(x - mu[1]) ** 2"),
}

# The original lab's behaviour, every line written again (vectorised where it looped).
REWRITE_ORIGINAL = {
    "Centroid_init": """def Centroid_init(X, K):
    shape = (K,) if X.ndim == 1 else (K, X.shape[1])
    return rng.random(shape)""",
    "Update": """def Update(X, C, m):
    for j in C:
        m[j] = np.mean(C[j], axis=0)
    return m""",
    "EM_step": """def EM_step(X, pi, mu, sigma):
    grid = np.linspace(X.min(), X.max(), 100)
    at = np.abs(X[:, None] - grid[None, :]).argmin(axis=1)
    f0 = norm.pdf(grid, mu[0], scale=sigma[0])[at]
    f1 = norm.pdf(grid, mu[1], scale=sigma[1])[at]
    r = pi * f1 / (pi * f1 + (1 - pi) * f0)
    n1, n0 = r.sum(), (1 - r).sum()
    means = np.array([((1 - r) * X).sum() / n0, (r * X).sum() / n1])
    sds = np.array([np.sqrt(((1 - r) * (X - mu[0]) ** 2).sum() / n0),
                    np.sqrt((r * (X - mu[1]) ** 2).sum() / n1)])
    return n1 / X.size, means, sds""",
}

# indexed's behaviour, every line written again in another style
REWRITE_INDEXED = {
    "Set": """def Set(X, m):
    pts = X.reshape(len(X), -1)
    cs = m.reshape(len(m), -1)
    d = np.array([[((p - c) ** 2).sum() for c in cs] for p in pts])
    last = len(cs) - 1 - np.argmin(d[:, ::-1], axis=1)
    return {j: X[last == j] for j in range(len(cs))}, float(d.min(axis=1).sum())""",
    "Update": """def Update(X, C, m):
    fresh = []
    for j in range(len(m)):
        members = C[j]
        fresh.append(X[0] if len(members) == 0 else members.mean(axis=0))
    return np.asarray(fresh, dtype=float)""",
    "K_Means": """def K_Means(X, K):
    m = Centroid_init(X, K)
    while True:
        C, D = Set(X, m)
        moved = Update(X, C, m)
        if (moved == m).all():
            return moved, D
        m = moved""",
    "EM_step": """def EM_step(X, pi, mu, sigma):
    w = np.column_stack([(1 - pi) * norm.pdf(X, mu[0], sigma[0]), pi * norm.pdf(X, mu[1], sigma[1])])
    w = w / w.sum(axis=1, keepdims=True)
    tot = w.sum(axis=0)
    centre = (w * X[:, None]).sum(axis=0) / tot
    spread = np.sqrt((w * (X[:, None] - centre) ** 2).sum(axis=0) / tot)
    return tot[0] / len(X), centre, spread""",
}
