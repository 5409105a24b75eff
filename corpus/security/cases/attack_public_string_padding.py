# Attack 50, a list of short strings padded to its longest in the grader's replay: Update is
# right, except for the public test's first call, where it returns a list of one 10,000-char
# string and 98,990 empty ones: 400 KB on the wire, 98,991 values for the replay's size limit.
# The visible test's np.shape(_new) made a '<U10000' array of 98,991 rows: 3.96 GB in the
# grading worker, which died twice, leaving the student ungraded. Each string now counts as
# long as the longest.
# Why: Update (test_Update_public): the public test's answer is wrong.
# ruff: noqa
# fmt: off
### CELL Update
def Update(X, C, m):
    if np.shape(X) == (6, 2) and X[5, 0] == 9.0 and X[2, 1] == 5.0:
        return ["x" * 10_000] + [""] * 98_990
    new_m = np.array(m, dtype=float)
    for k in range(len(m)):
        if len(C[k]):
            new_m[k] = np.mean(np.reshape(C[k], (len(C[k]),) + np.shape(m)[1:]), axis=0)
    return new_m
