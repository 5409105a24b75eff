# Cheat: both test cells of EM are deleted, and EM returns made-up numbers.
# Expect: Centroid_init 5, Set 15, Update 15, K_Means 20, EM_step 20, EM 0 (total 75)
# Why: EM -25 (test_EM_public, test_EM_hidden): autograde puts the deleted cells back, and
#   they fail.
### CELL EM
def EM(X):
    """Made-up numbers."""
    return 0.5, np.array([-2.0, 5.0]), np.array([0.58, 0.58])
### DELETE test_EM_public
### DELETE test_EM_hidden
