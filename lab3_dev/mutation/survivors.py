"""What the mutants taught: survivors whose grade should not change, checks made stronger.

:data:`REASONS` maps a survivor's :attr:`~.operators.Mutant.signature` (function,
line, operator and change; not its number) to the reason its grade should
not change; a survivor without one is reported as UNEXPLAINED and fails
``make mutants``. :data:`STRENGTHENED` is the history shown in
``grader_tests/mutation.md``: survivors of earlier runs and the stronger
check (with its corpus case) that now kills them.
"""

from __future__ import annotations

REASONS: dict[str, str] = {}

# (mutants, what the checks did not see, the stronger check, the corpus case)
STRENGTHENED: list[tuple[str, str, str, str]] = [
    (
        "Centroid_init#3, #5 (`replace=False` dropped or made True)",
        "a draw with replacement: 3 centres of 600 samples almost never repeat one",
        "Centroid_init also on data of exactly K samples (`tracks[:4]`, `Data['X'][:3]`): "
        "the K centres must still differ",
        "`bug_init_with_replacement`",
    ),
    (
        "Update#11 (`len(C[k]) > 0` -> `len(C[k]) > 1`)",
        "a cluster of one sample: none of the hidden test's clusters had one",
        "Set and Update also with a centre next to an isolated sample, whose cluster holds "
        "that one sample (a centre set found from the data, checked to give one sample)",
        "`bug_update_one_sample_cluster`",
    ),
    (
        "EM_step#20 (loc and scale swapped), #74, #76, #99 (negative variances)",
        "nan results: `abs(got - want) > tol` is False for nan, so all-nan steps passed",
        "EM_step: a parameter is right only when it is within the tolerance (nan never is)",
        "`bug_pdf_loc_scale_swapped`",
    ),
    (
        "EM#44, #58, #56 (a wrong log-likelihood stops EM early), EM#15 (`X + mu` for the start)",
        "on the lab's data these still end within 0.01 of the fit",
        "EM also on a second data set, 245 samples of another mixture, mostly above 0 "
        "(`policy.SECOND_MIXTURE`)",
        "`bug_em_loglik_swapped_priors`, `bug_em_loglik_loc_scale`",
    ),
]
