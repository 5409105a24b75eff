# Correct variant: plain Python loops over samples, centres and features (math, no broadcasting).
# Why: full marks: same results as the reference within the checks' tolerances; fast enough.
### CELL Set
def Set(X, m):
    """Nearest centre of every sample, one sample at a time."""
    K = len(m)
    members = {k: [] for k in range(K)}
    D = 0.0
    for x in X:
        xs = np.atleast_1d(x)
        best, best_d = 0, None
        for k in range(K):
            c = np.atleast_1d(m[k])
            d = 0.0
            for f in range(len(xs)):
                d += (float(xs[f]) - float(c[f])) ** 2
            if best_d is None or d < best_d:
                best, best_d = k, d
        members[best].append(x)
        D += best_d
    C = {}
    for k in range(K):
        C[k] = np.array(members[k], dtype=float)
    return C, D
### CELL Update
def Update(X, C, m):
    """Each centre moves to the average of its samples, summed by hand."""
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        if len(C[k]) == 0:
            continue
        total = np.zeros(np.shape(m[k]))
        for x in C[k]:
            total = total + x
        new_m[k] = total / len(C[k])
    return new_m
### CELL K_Means
def K_Means(X, K):
    """Repeat Set and Update until no coordinate of any centre changes."""
    m = Centroid_init(X, K)
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        changed = False
        for k in range(K):
            for a, b in zip(np.atleast_1d(new_m[k]), np.atleast_1d(m[k])):
                if a != b:
                    changed = True
        if not changed:
            return m, D
        m = new_m
### CELL EM_step
import math


def EM_step(X, pi, mu, sigma):
    """One EM step with the normal density written out, sample by sample."""
    def pdf(x, mean, sd):
        return math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

    gammas = []
    for x in X:
        p0 = (1 - pi) * pdf(x, mu[0], sigma[0])
        p1 = pi * pdf(x, mu[1], sigma[1])
        gammas.append(p1 / (p0 + p1))
    n0 = n1 = s0 = s1 = 0.0
    for x, g in zip(X, gammas):
        n0 += 1 - g
        n1 += g
        s0 += (1 - g) * x
        s1 += g * x
    mu0, mu1 = s0 / n0, s1 / n1
    v0 = v1 = 0.0
    for x, g in zip(X, gammas):
        v0 += (1 - g) * (x - mu0) ** 2
        v1 += g * (x - mu1) ** 2
    return n1 / len(X), np.array([mu0, mu1]), np.array([math.sqrt(v0 / n0), math.sqrt(v1 / n1)])
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """K-Means start, then EM steps until the log-likelihood stops rising."""
    centres, _ = K_Means(X, 2)
    groups = [[], []]
    for x in X:
        groups[0 if abs(x - centres[0]) <= abs(x - centres[1]) else 1].append(x)
    mu = np.array([np.mean(groups[0]), np.mean(groups[1])])
    sigma = np.array([np.std(groups[0]), np.std(groups[1])])
    pi = len(groups[1]) / len(X)

    def loglik(pi, mu, sigma):
        total = 0.0
        for x in X:
            p0 = math.exp(-0.5 * ((x - mu[0]) / sigma[0]) ** 2) / sigma[0]
            p1 = math.exp(-0.5 * ((x - mu[1]) / sigma[1]) ** 2) / sigma[1]
            total += math.log(((1 - pi) * p0 + pi * p1) / math.sqrt(2 * math.pi))
        return total

    ll = loglik(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new_ll = loglik(pi, mu, sigma)
        if new_ll - ll < tol * abs(ll):
            break
        ll = new_ll
    return pi, mu, sigma
