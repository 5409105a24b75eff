"""Why a graded cell lost its points: the cause codes, each with its one-sentence meaning.

Every failure the grader reports carries one or more *cause codes*: short,
stable snake_case names the class report counts (``Update:input_modified``)
and the student's feedback explains. :data:`CAUSES` is the one list of them;
a check names the cause of each problem it finds (``verdict.add(message,
cause="input_modified")``, :class:`.verdict.Verdict`), and the functions below
name the causes of failures a check does not word itself: what the kernel
refused to record, an exception of the student's code, an assertion of a
public test (whose messages are the notebook's own).

A failure nothing more specific explains is :data:`GENERIC`.
"""

from __future__ import annotations

import re

CAUSES: dict[str, str] = {
    # -- any function ------------------------------------------------------------------------
    "not_implemented": "The function is not written yet: it still raises NotImplementedError.",
    "not_defined": "The function was not defined when its test ran (its cell did not run, "
    "or the name is different).",
    "raised_exception": "The function raised an exception on the test's inputs.",
    "wrong_type": "The function returns the wrong kind of value, or the wrong shape.",
    "nan_result": "The function returns nan or inf.",
    "input_modified": "The function changes an argument in place, which the caller still needs "
    "unchanged: work on a copy.",
    "forbidden_code": "The function calls library code that does the lab's work (scikit-learn "
    "or similar), so that function scores 0.",
    "tampered": "The notebook replaced numpy, scipy or the grader's recorder, so no test after "
    "it can be trusted and each scores 0.",
    "tests_moved": "The notebook's test cells were moved out of their order, so this test "
    "could not run with the reference helpers it needs.",
    "record_missing": "The grader found no usable record of this test: the notebook stopped "
    "or changed the grader's recording.",
    "wrong_result": "The result differs from the reference implementation's.",
    # -- raised by the pipeline ------------------------------------------------------------------
    "time_limit": "The cell ran past its time limit and was stopped (often a loop that never "
    "ends).",
    "kernel_died": "The Python process running the notebook died in this cell (os._exit, a "
    "crash, or too much memory).",
    "kernel_unresponsive": "The notebook ignored the interrupt at the time limit and was stopped.",
    "not_run": "The cell did not run: the notebook stopped in an earlier cell.",
    "cell_too_long": "The cell holds more code than the grader runs in one cell, so it was "
    "not run and nothing it defines exists.",
    "output_cut": "The cell printed more than the output limit, so its output was cut.",
    "output_flood": "The cell sent output the grader does not take (too large, unreadable, too "
    "many messages, or late too often), so the notebook stopped there.",
    "judge_limit": "Judging the test's answers took the grader more CPU time or memory than "
    "it allows (answers far larger or stranger than the test's data), so the test scores 0.",
    "no_notebook": "No gradable notebook was submitted (missing, renamed away, not valid JSON, "
    "or over the course's limits on size, cells or files).",
    "not_graded": "The submission could not be graded (see the report's flags).",
    # -- Centroid_init ---------------------------------------------------------------------------
    "repeated_centres": "Two of the K centres are the same point (e.g. samples drawn with "
    "replacement).",
    "centre_outside_data": "A centre lies outside the range of the data.",
    "ignores_rng": "The centres do not change with the random state: draw them with the "
    "notebook's rng.",
    # -- Set ---------------------------------------------------------------------------------------
    "clusters_not_dict": "C is not a dict holding the samples of each cluster (e.g. an array "
    "of labels).",
    "cluster_keys": "C does not have exactly the keys 0..K-1 (an empty cluster still needs its "
    "key).",
    "wrong_assignment": "Some samples are not in the cluster of their nearest (Euclidean) centre.",
    "distortion_not_squared": "The distortion sums the distances instead of the squared distances.",
    "wrong_distortion": "D is not the sum of the squared distances to the nearest centres, "
    "nor that of the clusters C holds.",
    # -- Update ------------------------------------------------------------------------------------
    "empty_cluster_nan": "An empty cluster's centre becomes nan instead of keeping a usable value.",
    "wrong_mean": "A new centre is not the mean of its cluster.",
    # -- K_Means -----------------------------------------------------------------------------------
    "distortion_not_final": "D is not the distortion of the centres K_Means returns.",
    "stopped_early": "One more assignment and update still moves the centres K_Means returns: "
    "it stops too early, or does not update them as Set and Update do.",
    "start_not_centroid_init": "K_Means does not start from Centroid_init(X, K): every run "
    "must draw its start with it, as the notebook asks.",
    "poor_optimum": "Every run ends at a fixed point, but even the best of several runs is "
    "well above the lowest reachable distortion: check the start (Centroid_init(X, K)).",
    "wrong_centres": "K_Means ends at a fixed point, with its own distortion, but at other "
    "centres than the best ones: a poorer local optimum, which the start decides.",
    # -- EM_step -----------------------------------------------------------------------------------
    "pdf_on_grid": "The normal pdf is read off a grid (each sample at its nearest grid point) "
    "instead of computed exactly.",
    "variance_old_mean": "The variances are computed around the old means instead of the new ones.",
    "variance_not_std": "sigma holds variances where the lab asks for standard deviations.",
    "pi_wrong_component": "pi is the prior of component 0; the lab's pi is component 1's.",
    # -- EM ----------------------------------------------------------------------------------------
    "em_not_converged": "One more EM step still moves the parameters EM returns: it stops "
    "before converging (a wrong or premature stopping rule) or returns other numbers.",
    "local_maximum": "EM converged, but to another local maximum than the maximum-likelihood "
    "fit: start from K-Means' clusters, as the notebook asks.",
    "invalid_parameters": "EM returns pi outside (0, 1) or a sigma that is not positive.",
}

GENERIC = "wrong_result"
# Causes that only say something when nothing else explains a function's loss: a cell
# "not run" after the kernel died elsewhere, a result "wrong" where another cell says why.
FALLBACKS = frozenset({GENERIC, "not_run"})


def explain(code: str) -> str:
    """The one-sentence meaning of ``code`` (the generic one's for an unknown code)."""
    return CAUSES.get(code, CAUSES[GENERIC])


def known(code: str) -> str:
    """``code`` itself when it is in the catalogue; :data:`GENERIC` otherwise."""
    return code if code in CAUSES else GENERIC


# -- failures no check words itself ----------------------------------------------------------

# The cause of each refusal code (:mod:`lab3_kernel.refusals`); a record too large to read
# says nothing more precise than a wrong result.
_REFUSALS = {
    "tampered": "tampered",
    "not_defined": "not_defined",
    "forbidden_code": "forbidden_code",
    "tests_moved": "tests_moved",
    "record_too_big": GENERIC,
}

# What :func:`lab3_kernel.capture.call` says when the student's code raised or broke a rule.
_STUDENT_ERRORS = (
    ("called into", "forbidden_code"),
    ("raised NotImplementedError", "not_implemented"),
    ("expected a function", "not_defined"),
    ("raised ", "raised_exception"),
)

# The assertion messages of the notebook's public tests, most specific first.
_PUBLIC_ASSERTIONS = tuple(
    (re.compile(pattern), code)
    for pattern, code in (
        (r"called Centroid_init \d+ time", "start_not_centroid_init"),
        (r"must not modify", "input_modified"),
        (r"must stay usable", "empty_cluster_nan"),
        (r"must (all )?be different", "repeated_centres"),
        (r"nan or inf", "nan_result"),
        (r"C should be a dict", "clusters_not_dict"),
        (r"C should have the keys", "cluster_keys"),
        (r"C\[\d+\] should (hold|be empty)", "wrong_assignment"),
        (r"final distortion should be", "distortion_not_final"),
        (r"\bD should be", "wrong_distortion"),
        (r"should be the mean|new centres should be", "wrong_mean"),
        (r"the centres should be", "wrong_centres"),
        (r"EM returned its start", "em_not_converged"),
        (r"check its start: K_Means", "invalid_parameters"),
        (r"should (return|have shape|be a single number|have 2 values)", "wrong_type"),
    )
)  # fmt: skip


def of_refusal(code: str) -> str:
    """The cause of a test the kernel (or the grader) refused to record, from the refusal's
    code (:mod:`lab3_kernel.refusals`)."""
    return _REFUSALS.get(code, GENERIC)


def of_student_error(text: str) -> str:
    """The cause of a call that raised, or broke a rule, in the student's code."""
    return next((code for phrase, code in _STUDENT_ERRORS if phrase in text), GENERIC)


def of_public_assertion(text: str) -> str:
    """The cause of a failed assertion of a public test (the notebook's own message)."""
    return next((code for pattern, code in _PUBLIC_ASSERTIONS if pattern.search(text)), GENERIC)
