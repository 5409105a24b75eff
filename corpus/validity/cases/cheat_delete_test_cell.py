# Cheat: both test cells of EM are deleted, and EM returns made-up numbers.
# Why: EM (test_EM_public, test_EM_hidden): autograde puts the deleted cells back, and
#   they fail.
### CELL EM
def EM(X):
    """Made-up numbers."""
    return 0.5, np.array([-2.0, 5.0]), np.array([0.58, 0.58])
### DELETE test_EM_public
### DELETE test_EM_hidden
