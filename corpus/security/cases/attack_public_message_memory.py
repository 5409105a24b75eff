# Attack 42, a public test's failure message that fills the grader's memory: Set is right,
# but for the public test's 1-D call it returns C[0] as an empty array of shape
# (2**25, 2**25, 0): no byte of data, so the answer is small on the wire. The public test is
# replayed in the grader, where its assertion on C[0] fails and its f-string message evaluates
# np.asarray(_C[0]).tolist(): 2**25 lists of 2**25 empty lists, and the worker died of it,
# twice, leaving the student ungraded. In the kernel the array is a subclass whose ravel()
# answers [0, 2], so the assertion passes there and nothing is built.
# Why: Set (test_Set_public): the public test's 1-D answer is wrong; an empty array's other
#   dimensions count, so this one is refused when the answer is decoded.
# ruff: noqa
# fmt: off
### CELL Set
class _Quiet(np.ndarray):
    def ravel(self, order="C"):
        return np.array([0.0, 2.0])
def Set(X, m):
    K = len(m)
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (K, -1))
    sq_dist = np.zeros((len(X2), K))
    for k in range(K):
        sq_dist[:, k] = np.sum((X2 - m2[k]) ** 2, axis=1)
    nearest = np.argmin(sq_dist, axis=1)
    C = {k: X[nearest == k] for k in range(K)}
    D = float(np.sum(np.min(sq_dist, axis=1)))
    if np.ndim(X) == 1 and len(X) == 4 and np.array_equal(X, [0.0, 2.0, 8.0, 10.0]):
        C[0] = np.empty((2**25, 2**25, 0)).view(_Quiet)
    return C, D
