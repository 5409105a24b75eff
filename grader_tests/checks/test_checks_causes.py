"""The cause codes (kmeans_em_lab/checks/causes.py) and how a judgement names them.

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
from kmeans_em_lab.checks import PUBLIC, judgement, out_of_order, record_in_process
from kmeans_em_lab.checks import causes as catalogue
from kmeans_em_lab.checks.common import Verdict
from kmeans_em_lab.course import paths, submissions
from lab3_kernel import capture, recorder

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
    ns = notebook()
    del ns["Set"]
    assert catalogue.of_refusal(recorder.refusal("Set", ns)) == "not_defined"
    sklearn = notebook(K_Means="def K_Means(X, K):\n    import sklearn.cluster\n    return 1\n")
    assert catalogue.of_refusal(recorder.refusal("K_Means", sklearn)) == "forbidden_code"
    _, moved = out_of_order(PUBLIC + "K_Means", {"Set"})
    assert catalogue.of_refusal(moved) == "tests_moved"
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    assert catalogue.of_refusal(recorder.refusal("Set", notebook())) == "tampered"


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


# the public assertions nothing more specific than "wrong_result" explains
GENERIC_PUBLIC = {"pi should be", "mu should be", "sigma should be", "the 2 centres"}


def test_every_public_assertion_maps_to_a_cause():
    found = _public_assertions()
    assert set(found) == {"Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM"}
    for function, texts in found.items():
        assert texts, function
        for text in texts:
            cause = catalogue.of_public_assertion(text)
            if any(text.startswith(prefix) for prefix in GENERIC_PUBLIC):
                continue
            assert cause != catalogue.GENERIC, f"{function}: {text!r} has no cause"


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("Update must not modify its argument m: return a new array", "input_modified"),
        ("cluster 2 is empty: its centre must stay usable (e.g. keep [50, 50]), got [nan nan]",
         "empty_cluster_nan"),
        ("C should be a dict, got ndarray", "clusters_not_dict"),
        ("the final distortion should be 8/3, got 3.0", "distortion_not_final"),
        ("D should be 1 + 4 + 0 + 4 = 9 (the SQUARED distances ...), got 5", "wrong_distortion"),
        ("the means should be -2 and 5, got [nan nan]", "not_maximum_likelihood"),
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
    assert judgement("Set", record_in_process("Set", notebook())) == checks.Judgement()


def test_missing_and_refused_records_have_their_causes():
    assert codes(judgement("Set", None)) == ["record_missing"]
    assert codes(judgement("Set", {"check": "Set", "outcomes": "cut"})) == ["record_missing"]
    refused = {"check": "Set", "refused": "Set is not defined: run the cell that defines it"}
    assert codes(judgement("Set", refused)) == ["not_defined"]


def _public_record(function: str, ns: dict) -> tuple[dict, str]:
    """The record a kernel makes for ``function``'s public test, and the cell's source."""
    nb = nbformat.read(paths.course_root() / "source" / "lab3" / "lab3.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.get("id") == f"test_{function}_public")
    recording = checks.run_public_prelude(function, ns)
    try:
        exec(checks.public_test_code(source), ns)
    except Exception:  # noqa: BLE001 - a failing test, as in the kernel
        pass
    finally:
        record = recording.finish()
    return record, source


@pytest.mark.parametrize(
    ("function", "replacement", "expected"),
    [
        ("Set", {"Set": SET_LABELS}, ["clusters_not_dict"]),
        ("Update", {"Update": UPDATE_IN_PLACE}, ["input_modified"]),
        ("EM", {"EM": "def EM(X):\n    raise NotImplementedError()\n"}, ["not_implemented"]),
    ],
)
def test_a_public_tests_judgement_names_its_causes(function, replacement, expected):
    record, source = _public_record(function, notebook(**replacement))
    assert codes(judgement(PUBLIC + function, record, source)) == expected
