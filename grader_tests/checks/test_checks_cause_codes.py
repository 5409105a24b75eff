"""The cause codes (kmeans_em_lab/checks/cause_codes.py) and how a judgement names them.

The catalogue is the one list of codes: every code a check uses must be in
it, and each texts the kernel or a public test produces must map to the code
it means. Judgements are made in-process, on records made the way a kernel
makes them (:func:`kmeans_em_lab.checks.record_in_process`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from kmeans_em_lab import checks
from kmeans_em_lab.checks import PUBLIC, draws, judgement, out_of_order, record_in_process
from kmeans_em_lab.checks import cause_codes as catalogue
from kmeans_em_lab.checks.verdict import Verdict
from kmeans_em_lab.course import paths, submissions
from lab3_kernel import capture, recorder, refusals

SOLUTIONS = submissions.source_solutions()
CHECKS_DIR = Path(checks.__file__).parent


def notebook(**replacements: str) -> dict:
    return submissions.run_cells(replacements.get(name, code) for name, code in SOLUTIONS.items())


def codes(found: checks.Judgement) -> list[str]:
    return [code for code, _ in found.causes]


# -- the catalogue -----------------------------------------------------------------------------


def test_every_cause_is_a_snake_case_code_with_one_sentence():
    assert catalogue.GENERIC in catalogue.CAUSES
    assert catalogue.FALLBACKS <= set(catalogue.CAUSES)
    for code, meaning in catalogue.CAUSES.items():
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", code), code
        assert meaning.endswith(".") and len(meaning) < 160, code
        assert not re.search(r"[a-z]\. [A-Z]", meaning), f"{code}: one sentence"


def test_every_cause_a_check_names_is_in_the_catalogue():
    named = set()
    for path in CHECKS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "cause":
                if isinstance(node.value, ast.Constant):
                    named.add(node.value.value)
            if isinstance(node, ast.Tuple) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
            ):
                named |= {e.value for e in node.elts if re.fullmatch(r"[a-z]+_[a-z_]+", e.value)}
    assert named, "no cause found in the checks"
    assert named - {"public", "hidden"} <= set(catalogue.CAUSES), named - set(catalogue.CAUSES)


def test_a_verdict_refuses_a_code_missing_from_the_catalogue():
    verdict = Verdict("Set")
    with pytest.raises(ValueError, match="unknown cause"):
        verdict.add("something", cause="no_such_cause")
    verdict.add("D is off", cause="wrong_distortion")
    verdict.note("your code also emitted warnings")
    with pytest.raises(AssertionError) as failed:
        verdict.raise_if_failed()
    assert failed.value.causes == [("wrong_distortion", "D is off")]
    assert "also emitted" in str(failed.value)


# -- texts no check words itself -----------------------------------------------------------------


def test_the_kernels_refusals_map_to_their_causes(monkeypatch):
    def cause(check: str, refused) -> list[str]:
        assert refusals.read(refused) is not None, refused  # the grader reads it as it is
        return codes(judgement(check, {"check": check, "refused": refused, "outcomes": []}))

    ns = notebook()
    del ns["Set"]
    assert cause("Set", recorder.refusal("Set", ns)) == ["not_defined"]
    sklearn = notebook(K_Means="def K_Means(X, K):\n    import sklearn.cluster\n    return 1\n")
    refused = recorder.refusal("K_Means", sklearn)
    assert cause("K_Means", refused) == ["forbidden_code"]
    assert "imports sklearn" in refusals.words("K_Means", refused["code"], refused["names"])
    _, moved = out_of_order(PUBLIC + "K_Means", {"Set"})
    assert cause(PUBLIC + "K_Means", moved) == ["tests_moved"]
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    assert cause("Set", recorder.refusal("Set", notebook())) == ["tampered"]


@pytest.mark.parametrize(
    "refused",
    [
        "Set could not be graded: a fault of the grader; your instructor adds these points",
        {"code": "not_defined", "names": [], "note": "a fault of the grader"},
        {"code": "grader_fault", "names": []},
        {"code": "tampered", "names": ["numpy.allclose\n  - Set: all tests passed"]},
        {"code": "tampered", "names": ["numpy.\u202eallclose"]},
        {"code": "forbidden_code", "names": ["uses KMeans from sklearn"] * 6},
        {"code": "tampered", "names": "numpy.allclose"},
    ],
    ids=["text", "extra-key", "unknown-code", "newline", "bidi", "too-many", "not-a-list"],
)
def test_a_refusal_the_grader_did_not_word_is_a_changed_record(refused):
    """The kernel sends a refusal's code and names, never its words: anything else it sends
    is a record the notebook changed, and the message is the grader's alone."""
    found = judgement("Set", {"check": "Set", "refused": refused, "outcomes": []})
    assert not found.passed and codes(found) == ["record_missing"]
    assert "changed by the notebook" in found.message
    assert not any(word in found.message for word in ("fault", "allclose", "KMeans", "passed"))


def _failed_calls(check: str, error: str) -> dict:
    """A record of ``check`` in which every planned call failed with ``error`` (``{label}``
    in it: the call's label)."""
    calls = checks.plan(check)["calls"]
    outcomes = [{"label": c["label"], "error": error.format(label=c["label"])} for c in calls]
    return {"check": check, "refused": "", "outcomes": outcomes}


def test_a_calls_error_is_shown_in_the_grader_s_frame_on_one_line():
    """The kernel's account of a failed call is the student's words after the grader's
    frame (the call's label, "raised"): a record that says anything else there was changed,
    and a line break in the words is shown as ``\\n``, so no line of theirs starts where
    the grader's lines start."""
    forged = judgement("Set", _failed_calls("Set", "Set was not graded: a fault of the grader"))
    assert codes(forged) == ["record_missing"] and "fault" not in forged.message
    assert "changed by the notebook" in forged.message
    raised = "{label} raised ValueError: bad\n  - Set: every test passed"
    found = judgement("Set", _failed_calls("Set", raised))
    assert codes(found) == ["raised_exception"]
    assert "\n" not in found.message and "bad\\n  - Set: every test passed" in found.message
    wraps = "{label} raised ValueError: " + " " * 1500 + "FORGED\u2028  - Set: passed\x85x"
    found = judgement("Set", _failed_calls("Set", wraps))
    assert len(found.message.splitlines()) == 1  # no line break of any kind, and no run of
    assert "spaces] FORGED\\u2028  - Set: passed\\x85x" in found.message  # spaces that wraps
    tabs = "{label} raised ValueError: x" + ("\t" * 8 + "\u00b7") * 3 + "   - FORGED: passed"
    found = judgement("Set", _failed_calls("Set", tabs))
    assert "\t" not in found.message and "\\t\\t\\t\\t\\t\\t\\t\\t\u00b7" in found.message
    blank = "{label} raised ValueError: x " + "\u2800" * 250 + " - FORGED: passed\u3164"
    found = judgement("Set", _failed_calls("Set", blank))  # a long word drawn blank
    assert "\u2800" not in found.message and "\u3164" not in found.message
    assert "x \\u2800\\u2800" in found.message and "passed\\u3164" in found.message
    public = {"check": "public:Set", "refused": "", "outcomes": [
        {"label": "call 1 of Set", "error": "ValueError: bad\n  - Set: passed"},
    ]}  # fmt: skip
    source = next(
        c.source
        for c in nbformat.read(paths.course_root() / "source" / "lab3" / "lab3.ipynb", 4).cells
        if c.get("id") == "test_Set_public"
    )
    found = judgement("public:Set", public, source)
    assert not found.passed and "\n" not in found.message, found.message


def test_a_warning_a_verdict_quotes_starts_no_line_of_its_own():
    """A failed check notes what the call emitted (its warnings): a warning's line breaks
    (in its message or its category's name) could otherwise add lines that read as the
    grader's own problems."""
    nan_update = (
        "def Update(X, C, m):\n"
        "    return np.array([np.mean(C[k], axis=0) for k in range(len(m))])\n"
    )
    record = record_in_process("Update", notebook(Update=nan_update))
    forged = "UserWarning\n  - GRADER NOTE: restore 15 points: x\n  - Update: all checks passed"
    for outcome in record["outcomes"]:
        outcome["warnings"] = [forged]
    found = judgement("Update", record)
    assert not found.passed and "also emitted" in found.message, found.message
    assert "UserWarning\\n  - GRADER NOTE" in found.message  # shown, on the problem's line
    forged_lines = ("  - GRADER", "  - Update: all", "    - GRADER")
    assert not any(line.startswith(forged_lines) for line in found.message.splitlines())


def test_a_line_of_stderr_a_verdict_quotes_cannot_push_words_to_a_line_of_their_own():
    """A failed check notes the last line a call wrote to stderr: its spaces and tabs,
    which a page's pre-wrapped text would wrap at, are shown as the student's other words
    in a verdict are (``[100 spaces]``, ``\\t``), so none of it starts a line that reads
    as the grader's."""
    nan_update = (
        "def Update(X, C, m):\n"
        "    return np.array([np.mean(C[k], axis=0) for k in range(len(m))])\n"
    )
    record = record_in_process("Update", notebook(Update=nan_update))
    forged = "x" + " " * 100 + "- FORGED: all checks passed" + "\t" * 12 + "- FORGED TAB\n"
    for outcome in record["outcomes"]:
        outcome["stderr"] = "an earlier line\n" + forged
    found = judgement("Update", record)
    assert not found.passed and "stderr: x [100 spaces] - FORGED" in found.message, found.message
    assert "\t" not in found.message and "passed\\t\\t" in found.message
    assert "an earlier line" not in found.message  # the last line, as before


def test_a_refusal_is_worded_by_the_grader_for_the_function_it_graded():
    """The function a refusal names is the grader's check's, whatever the record says."""
    found = judgement("EM", {"check": "EM", "refused": {"code": "not_defined", "names": []}})
    assert found.message == "EM is not defined: run the cell that defines it"
    assert codes(found) == ["not_defined"]


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ("raise NotImplementedError()", "not_implemented"),
        ("return 1 / 0", "raised_exception"),
        ("import sys\n    sys.exit(3)", "raised_exception"),
    ],
)
def test_the_students_exceptions_map_to_their_causes(body, cause):
    ns = notebook(Set=f"def Set(X, m):\n    {body}\n")
    with pytest.raises(capture.StudentError) as failed:
        capture.call(ns["Set"], np.zeros((3, 2)), np.zeros((2, 2)), label="Set(X, m)",
                     namespace=ns, seed=0)  # fmt: skip
    assert catalogue.of_student_error(str(failed.value)) == cause


def _public_assertions() -> dict[str, list[str]]:
    """function -> the constant text of each assertion message of its public test."""
    nb = nbformat.read(paths.course_root() / "source" / "lab3" / "lab3.ipynb", as_version=4)
    out = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if not (grade_id.startswith("test_") and grade_id.endswith("_public")):
            continue
        texts = []
        for node in ast.walk(ast.parse(checks.public_test_code(cell.source))):
            if isinstance(node, ast.Assert) and node.msg is not None:
                parts = node.msg.values if isinstance(node.msg, ast.JoinedStr) else [node.msg]
                texts.append("".join(p.value for p in parts if isinstance(p, ast.Constant)))
        out[grade_id.removeprefix("test_").removesuffix("_public")] = texts
    return out


def test_every_public_assertion_maps_to_a_cause():
    """A message that names a cause gives it; one that names only a symptom ("pi should be
    0.6") is "wrong_result" by its words, and only in a function whose answer the hidden
    check's conditions diagnose (``PUBLIC_DIAGNOSES``), which then say why."""
    found = _public_assertions()
    assert set(found) == {"Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM"}
    for function, texts in found.items():
        assert texts, function
        for text in texts:
            cause = catalogue.of_public_assertion(text)
            if function in checks.PUBLIC_DIAGNOSES:
                continue
            assert cause != catalogue.GENERIC, f"{function}: {text!r} has no cause"


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("Update must not modify its argument m: return a new array", "input_modified"),
        ("cluster 2 is empty: its centre must stay usable (e.g. keep [50, 50]), got [nan nan]",
         "empty_cluster_nan"),
        ("C should be a dict, got ndarray", "clusters_not_dict"),
        ("K_Means ran 4 times but called Centroid_init 0 time(s): start every run from "
         "Centroid_init(X, K)", "start_not_centroid_init"),
        ("the final distortion should be 8/3, got 3.0", "distortion_not_final"),
        ("D should be 1 + 4 + 0 + 4 = 9 (the SQUARED distances ...), got 5", "wrong_distortion"),
        ("the means should be -2 and 5, got [nan nan]", catalogue.GENERIC),
        ("overlapping groups: EM returned its start from K-Means (pi = 0.2633, ...): it must "
         "repeat EM_step until the log-likelihood stops rising", "em_not_converged"),
        ("overlapping groups: EM returned pi = 1.0000, ...; check its start: K_Means(X, 2), then",
         "invalid_parameters"),
        ("overlapping groups: EM returned pi = 0.2536, ... the maximum-likelihood fit is pi = "
         "0.2164, ... Check the stopping rule: ...", catalogue.GENERIC),
        ("EM should return (pi, mu, sigma), got None", "wrong_type"),
        ("pi should be 3/5 = 0.6 (the prior of component 1), got 0.4", catalogue.GENERIC),
    ],
)  # fmt: skip
def test_public_assertions_name_their_cause(text, cause):
    assert catalogue.of_public_assertion(text) == cause


# -- judgements ----------------------------------------------------------------------------------

SET_LABELS = """
def Set(X, m):
    X2, m2 = np.reshape(X, (len(X), -1)), np.reshape(m, (len(m), -1))
    d = ((X2[:, None, :] - m2[None]) ** 2).sum(-1)
    return d.argmin(1), float(d.min(1).sum())
"""
UPDATE_IN_PLACE = """
def Update(X, C, m):
    for k in range(len(m)):
        if len(C[k]):
            m[k] = np.mean(C[k], axis=0)
    return m
"""


@pytest.mark.parametrize(
    ("check", "replacement", "expected"),
    [
        ("Set", {"Set": SET_LABELS}, ["clusters_not_dict"]),
        ("Update", {"Update": UPDATE_IN_PLACE}, ["input_modified"]),
        ("Set", {"Set": "def Set(X, m):\n    raise NotImplementedError()\n"}, ["not_implemented"]),
        ("EM_step", {"EM_step": submissions.load_cases(
            paths.corpus_dir() / "cases")["original_lab"].edits.replace["EM_step"]},
         ["pdf_on_grid", "variance_old_mean"]),
    ],
)  # fmt: skip
def test_a_hidden_checks_judgement_names_its_causes(check, replacement, expected):
    found = judgement(check, record_in_process(check, notebook(**replacement)))
    assert found.message and codes(found) == expected
    assert all(problem in found.message for _, problem in found.causes)


def test_a_passing_record_has_no_cause():
    assert judgement("Set", record_in_process("Set", notebook())) == checks.PASSED


@pytest.mark.parametrize("check", ["Set", "EM", "K_Means_1d"])
def test_a_record_whose_calls_failed_without_a_message_fails(check):
    """A record is the kernel's, and the kernel runs the student's code: one can claim that
    every call raised an exception with no message at all. A failure without a message
    used to read as a pass (full points for nothing); it fails, and says so. A failure the
    grader finds without a message says :data:`checks.NO_MESSAGE`."""
    plan = checks.plan(check)
    record = {"check": check, "refused": "", "outcomes": [
        {"label": call["label"], "error": ""} for call in plan["calls"]
    ]}  # fmt: skip
    found = judgement(check, record, "")
    assert not found.passed and found.message and codes(found) == ["record_missing"]
    assert all(problem for _, problem in found.causes)
    assert checks.judge(check, record, "") == found.message
    assert checks.Judgement("").message == checks.NO_MESSAGE and not checks.Judgement("").passed


def test_missing_and_refused_records_have_their_causes():
    assert codes(judgement("Set", None)) == ["record_missing"]
    assert codes(judgement("Set", {"check": "Set", "outcomes": "cut"})) == ["record_missing"]
    refused = {"check": "Set", "refused": refusals.refusal(refusals.NOT_DEFINED)}
    assert codes(judgement("Set", refused)) == ["not_defined"]


def _public_record(function: str, ns: dict) -> tuple[dict, str, dict[str, int]]:
    """The record a kernel makes for ``function``'s public test, the cell's source, and the
    reference helpers' calls the grader answered meanwhile (its own count)."""
    from kmeans_em_lab.checks import reference_service

    nb = nbformat.read(paths.course_root() / "source" / "lab3" / "lab3.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.get("id") == f"test_{function}_public")
    planned = checks.plan(PUBLIC + function)
    service = reference_service.Service(planned.get("helpers") or ())
    recording = recorder.PublicRecording(planned, ns, service.answer)
    assert not recording.out["refused"], recording.out["refused"]
    try:
        exec(checks.public_test_code(source), ns)
    except Exception:  # noqa: BLE001 - a failing test, as in the kernel
        pass
    finally:
        record = recording.finish()
    return record, source, dict(service.answered)


@pytest.mark.parametrize(
    ("function", "replacement", "expected"),
    [
        ("Set", {"Set": SET_LABELS}, ["clusters_not_dict"]),
        ("Update", {"Update": UPDATE_IN_PLACE}, ["input_modified"]),
        ("EM", {"EM": "def EM(X):\n    raise NotImplementedError()\n"}, ["not_implemented"]),
    ],
)
def test_a_public_tests_judgement_names_its_causes(function, replacement, expected):
    record, source, _ = _public_record(function, notebook(**replacement))
    assert codes(judgement(PUBLIC + function, record, source)) == expected


# -- each cause's condition, checked on the answer -------------------------------------------

CAUSE_CASES = submissions.load_cases(paths.corpus_dir() / "cases")
EM_FROM_KMEANS = CAUSE_CASES["solution"].edits.replace["EM"]
EM_FIXED_STEPS = EM_FROM_KMEANS.replace(
    "    ll = log_likelihood(pi, mu, sigma)\n    for _ in range(max_iter):",
    "    ll = log_likelihood(pi, mu, sigma)\n    for _ in range(5):",
)
EM_IDENTICAL_START = """
def EM(X, tol=1e-10, max_iter=10_000):
    pi, mu, sigma = 0.5, np.full(2, np.mean(X)), np.full(2, np.std(X))
    for _ in range(max_iter):
        new = EM_step(X, pi, mu, sigma)
        if abs(new[0] - pi) + np.abs(new[1] - mu).sum() + np.abs(new[2] - sigma).sum() < tol:
            break
        pi, mu, sigma = new
    return new
"""


def em_judgement(code: str) -> checks.Judgement:
    return judgement("EM", record_in_process("EM", notebook(EM=code)))


@pytest.mark.parametrize(
    ("case", "check", "expected"),
    [
        ("em_fixed_start", "EM", ["local_maximum"]),
        ("bug_em_loglik_swapped_priors", "EM", ["em_not_converged"]),
        ("bug_em_returns_array", "EM", ["wrong_type"]),
        ("bug_em_renamed", "EM", ["not_defined"]),
        ("bug_kmeans_fixed_rounds", "K_Means", ["stopped_early"]),
        ("bug_kmeans_initial_distortion", "K_Means", ["distortion_not_final"]),
        ("bug_set_skips_empty_cluster", "Set", ["cluster_keys"]),
        ("bug_distortion_mean", "Set", ["wrong_distortion"]),
        ("bug_init_fixed_seed", "Centroid_init", ["ignores_rng"]),
        ("bug_init_global_range", "Centroid_init", ["centre_outside_data"]),
        ("bug_set_manhattan", "Set", ["wrong_assignment"]),
        ("bug_kmeans_spread_start", "K_Means", ["poor_optimum"]),
        ("bug_kmeans_spread_start", "K_Means_1d", []),
        ("bug_kmeans_mean_start", "K_Means", ["poor_optimum"]),
        ("bug_kmeans_mean_start", "K_Means_1d", ["wrong_centres"]),
        ("bug_estep_no_prior", "EM_step", ["wrong_result"]),
        ("bug_em_variance_old_mean", "EM_step", ["variance_old_mean"]),
        ("bug_em_variance_not_std", "EM_step", ["variance_not_std"]),
        ("bug_pi_wrong_component", "EM_step", ["pi_wrong_component"]),
        ("bug_discretised_pdf", "EM_step", ["pdf_on_grid"]),
        ("bug_em_returns_sigma_mu", "EM", ["wrong_type"]),
        ("bug_distortion_not_squared", "Set", ["distortion_not_squared"]),
    ],
)
def test_a_cause_case_of_the_corpus_gets_exactly_its_cause(case, check, expected):
    """Under the default draw (the corpus grading's), in-process."""
    edits = CAUSE_CASES[case].edits.replace
    ns = notebook(**{f: edits[f] for f in SOLUTIONS if f in edits})
    found = judgement(check, record_in_process(check, ns))
    assert codes(found) == expected, found.message


def test_em_at_a_fixed_point_below_the_maximum_converged_to_another_local_maximum():
    found = em_judgement(CAUSE_CASES["em_fixed_start"].edits.replace["EM"])
    assert codes(found) == ["local_maximum"]
    assert "one more EM step leaves these parameters where they are" in found.message
    assert "start from K-Means' clusters" in found.message
    assert "stopped before converging" not in found.message


def test_em_stuck_at_identical_components_is_a_fixed_point_under_every_draw():
    """Two identical components stay identical: a fixed point on every data set."""
    for draw in (draws.Draw.DEFAULT, draws.Draw.for_submission(b"a course secret of 16+", "x")):
        with draws.using(draw):
            assert codes(em_judgement(EM_IDENTICAL_START)) == ["local_maximum"]


def test_em_stopped_short_of_a_fixed_point_did_not_converge():
    found = em_judgement(EM_FIXED_STEPS)
    assert codes(found) == ["em_not_converged"]
    assert "one more EM step still moves" in found.message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("mle", None),
        ("mle_swapped", None),
        ("one_step_before", "em_not_converged"),
        ("pi_of_component_0", "pi_wrong_component"),
        ("variances", "variance_not_std"),
        ("identical_components", "local_maximum"),
    ],
)
def test_why_em_misses_the_fit_is_read_off_the_answer(answer, expected):
    """The condition itself: one reference EM step from the answer, and its conventions."""
    from kmeans_em_lab.checks import em_checks
    from kmeans_em_lab.checks import reference_results as ref
    from kmeans_em_lab.reference import em

    X, mle = ref.gmm_X(), ref.em_mle()
    start = em.init_from_kmeans(X, centres=ref.best_kmeans("gmm", 2).centres)
    short = em.em(X, *start, tol=1e-5)
    answers = {
        "mle": (mle.pi, mle.mu, mle.sigma),
        "mle_swapped": (1 - mle.pi, mle.mu[::-1], mle.sigma[::-1]),
        "one_step_before": (short.pi, short.mu, short.sigma),
        "pi_of_component_0": (1 - mle.pi, mle.mu, mle.sigma),
        "variances": (mle.pi, mle.mu, mle.sigma**2),
        "identical_components": (0.5, np.full(2, X.mean()), np.full(2, X.std())),
    }
    pi, mu, sigma = answers[answer]
    got = np.array([pi, *mu, *sigma])
    verdict = Verdict("EM")
    em_checks._compare_fit(verdict, "EM(X)", X, got, mle)
    assert list(verdict.causes) == ([expected] if expected else [])


def test_em_answers_outside_the_parameter_space_have_their_causes():
    nan = "def EM(X):\n    return 0.5, np.array([np.nan, 1.0]), np.array([1.0, 1.0])\n"
    assert codes(em_judgement(nan)) == ["nan_result"]
    outside = "def EM(X):\n    return 1.5, np.array([-1.7, 1.3]), np.array([1.5, 0.7])\n"
    assert codes(em_judgement(outside)) == ["invalid_parameters"]


@pytest.mark.parametrize(
    ("case", "function", "expected"),
    [
        ("bug_em_loglik_swapped_priors", "EM", ["em_not_converged"]),
        ("bug_em_loglik_loc_scale", "EM", ["em_not_converged"]),
        ("cheat_overwrite_data", "EM", ["em_not_converged"]),
        ("bug_em_returns_sigma_mu", "EM", ["wrong_type"]),
        ("bug_distortion_not_squared", "Set", ["distortion_not_squared"]),
        ("bug_distortion_mean", "Set", ["wrong_distortion"]),
        ("bug_kmeans_mean_start", "K_Means", ["wrong_centres"]),
        ("bug_estep_no_prior", "EM_step", ["wrong_result"]),
        ("bug_em_variance_old_mean", "EM_step", ["variance_old_mean"]),
        ("bug_em_variance_not_std", "EM_step", ["variance_not_std"]),
        ("bug_pi_wrong_component", "EM_step", ["pi_wrong_component"]),
        ("bug_discretised_pdf", "EM_step", ["pdf_on_grid"]),
        ("bug_set_manhattan", "Set", []),
    ],
)
def test_a_public_test_names_the_cause_its_answer_shows(case, function, expected):
    """A public assertion names a symptom (a value differs); the hidden check's conditions,
    applied to the answer it judged, say why: the same cause as the hidden test's."""
    edits = CAUSE_CASES[case].edits.replace
    ns = notebook(**{f: edits[f] for f in SOLUTIONS if f in edits})
    record, source, _ = _public_record(function, ns)
    found = judgement(PUBLIC + function, record, source)
    assert codes(found) == expected, found.message


def _public_judgement_served(function: str, ns: dict, served=True) -> checks.Judgement:
    """``function``'s public test run here, judged with the reference helpers' calls the
    grader answered meanwhile (``served=False``: without, as when they are not known)."""
    record, source, answered = _public_record(function, ns)
    return judgement(PUBLIC + function, record, source, answered if served else None)


KMEANS_FIRST_ROWS = CAUSE_CASES["bug_kmeans_first_rows_start"].edits.replace["K_Means"]
# Centroid_init in the three 2-D runs only: three starts drawn for four runs
KMEANS_START_ON_2D_ONLY = SOLUTIONS["K_Means"].replace(
    "Centroid_init(X, K)", "(Centroid_init(X, K) if np.ndim(X) == 2 else X[:K].copy())"
)


@pytest.mark.parametrize(
    ("code", "served", "expected"),
    [
        (SOLUTIONS["K_Means"], True, []),
        (KMEANS_FIRST_ROWS, True, ["start_not_centroid_init"]),
        (KMEANS_START_ON_2D_ONLY, True, ["start_not_centroid_init"]),
        (KMEANS_FIRST_ROWS, False, []),
    ],
)
def test_the_public_k_means_test_counts_the_starts_the_grader_served(code, served, expected):
    """The visible test counts K_Means' calls of Centroid_init; replayed in the grader, it
    sees the calls the grader's stand-in answered in the cell (not known: not judged)."""
    assert KMEANS_START_ON_2D_ONLY != SOLUTIONS["K_Means"]
    found = _public_judgement_served("K_Means", notebook(K_Means=code), served)
    assert codes(found) == expected, found.message
    if expected:
        assert "called Centroid_init 3 time(s)" in found.message or "0 time(s)" in found.message


def test_a_public_assertion_keeps_its_own_cause_when_the_answer_shows_none():
    """What the hidden conditions cannot judge (no answer of that call) keeps the cause
    the assertion's message names."""
    record, source, _ = _public_record("EM", notebook(EM="def EM(X):\n    return None\n"))
    assert codes(judgement(PUBLIC + "EM", record, source)) == ["wrong_type"]


def test_a_distortion_that_follows_from_wrongly_assigned_clusters_is_not_a_second_cause():
    """D right for the clusters C holds: only the assignment is wrong. D wrong for those
    clusters too: both."""
    manhattan = CAUSE_CASES["bug_set_manhattan"].edits.replace["Set"]
    both = manhattan.replace("D = float(np.sum((X2 - m2[labels]) ** 2))",
                             "D = float(np.mean((X2 - m2[labels]) ** 2))")  # fmt: skip
    assert both != manhattan
    found = judgement("Set", record_in_process("Set", notebook(Set=both)))
    assert codes(found) == ["wrong_assignment", "wrong_distortion"]
    found = judgement("Set", record_in_process("Set", notebook(Set=manhattan)))
    assert "is the distortion of the clusters C holds" in found.message


K_MEANS_MEAN_START_1D = """
def K_Means(X, K):
    m = np.full(K, np.mean(X)) if np.ndim(X) == 1 else Centroid_init(X, K)
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            return m, D
        m = new_m
"""


def test_a_fixed_point_away_from_the_best_1d_centres_is_wrong_centres_and_nothing_else():
    """The condition alone: a fixed point, D its own, centres other than the best."""
    ns = notebook(K_Means=K_MEANS_MEAN_START_1D)
    assert codes(judgement("K_Means_1d", record_in_process("K_Means_1d", ns))) == ["wrong_centres"]
    assert codes(judgement("K_Means", record_in_process("K_Means", ns))) == []


def test_poor_optimum_says_when_every_run_ends_at_the_same_centres():
    edits = CAUSE_CASES["bug_kmeans_spread_start"].edits.replace
    found = judgement("K_Means", record_in_process("K_Means", notebook(K_Means=edits["K_Means"])))
    assert codes(found) == ["poor_optimum"]
    assert "every run ended at the same centres" in found.message


def test_a_public_em_miss_the_hidden_conditions_cannot_explain_is_only_a_wrong_result(
    monkeypatch,
):
    """The public fit missed, and nothing on the answer says why (no answer in the corpus
    gets here: the hidden conditions are the stricter): the generic cause, no guess."""
    edits = CAUSE_CASES["bug_em_loglik_swapped_priors"].edits.replace
    record, source, _ = _public_record("EM", notebook(EM=edits["EM"]))
    monkeypatch.setitem(checks.PUBLIC_DIAGNOSES, "EM", lambda args, result: [])
    assert codes(judgement(PUBLIC + "EM", record, source)) == [catalogue.GENERIC]


def test_a_public_diagnosis_reads_the_calls_own_arguments_not_the_students_changes(
    monkeypatch,
):
    """EM changes its X in place (every sample 0 but one) and returns a wrong fit: the
    visible test sees the change, but the diagnosis of the answer fits the call's own
    samples. Fitting the changed ones (no fit exists) ran the reference EM's every
    iteration: seconds of the grader's time per cell."""
    from kmeans_em_lab.checks import reference_results

    code = (
        "def EM(X):\n"
        "    X[:] = 0.0\n"
        "    X[0] = 1.0\n"
        "    return 0.5, np.array([0.0, 1.0]), np.array([1.0, 1.0])\n"
    )
    fitted = []
    real = reference_results.mle_of
    monkeypatch.setattr(reference_results, "mle_of", lambda X: fitted.append(np.array(X))
                        or real(X))  # fmt: skip
    record, source, _ = _public_record("EM", notebook(EM=code))
    found = judgement(PUBLIC + "EM", record, source)
    assert found.message and fitted  # failed, and its answer was diagnosed
    assert all(X.min() == -3.0 and X.max() == 6.0 for X in fitted)  # the test's own samples
