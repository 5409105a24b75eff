"""The hidden-test checks, in-process: verdicts, isolation, determinism, rules.

Student code is executed the way a notebook does it (a namespace whose
``__name__`` is ``__main__``), starting from the source notebook's solutions
with one function replaced at a time. The corpus (test_corpus.py) grades the
same kinds of cases end to end through nbgrader.
"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from kmeans_em_lab.checks import CHECKS, judge, record_in_process, run_hidden_checks, verdicts
from kmeans_em_lab.course import paths, submissions

SOLUTIONS = submissions.source_solutions()


def notebook(**replacements: str) -> dict:
    """A namespace holding the source solutions, with some functions replaced."""
    return submissions.run_cells(replacements.get(name, code) for name, code in SOLUTIONS.items())


def failing(ns: dict) -> set[str]:
    return {name for name, message in verdicts(ns).items() if message}


def test_the_source_solution_passes_every_check():
    assert verdicts(notebook()) == dict.fromkeys(CHECKS, "")


BUGS = {
    "distortion not squared": (
        "Set",
        """
        def Set(X, m):
            X2, m2 = np.reshape(X, (len(X), -1)), np.reshape(m, (len(m), -1))
            d = np.sqrt(((X2[:, None, :] - m2[None]) ** 2).sum(-1))
            near = d.argmin(1)
            return {k: X[near == k] for k in range(len(m))}, float(d.min(1).sum())
        """,
        {"Set"},
        "SQUARED",
    ),
    "Set returns labels": (
        "Set",
        """
        def Set(X, m):
            X2, m2 = np.reshape(X, (len(X), -1)), np.reshape(m, (len(m), -1))
            d = ((X2[:, None, :] - m2[None]) ** 2).sum(-1)
            return d.argmin(1), float(d.min(1).sum())
        """,
        {"Set"},
        "should be a dict",
    ),
    "Update gives nan on an empty cluster": (
        "Update",
        """
        def Update(X, C, m):
            return np.array([np.mean(C[k], axis=0) for k in range(len(m))])
        """,
        {"Update"},
        "never nan",
    ),
    "K_Means stops after one iteration": (
        "K_Means",
        """
        def K_Means(X, K):
            m = Centroid_init(X, K)
            C, D = Set(X, m)
            m = Update(X, C, m)
            return m, Set(X, m)[1]
        """,
        {"K_Means", "K_Means_1d"},
        "stopped too early",
    ),
    "variance around the old mean": (
        "EM_step",
        """
        def EM_step(X, pi, mu, sigma):
            g = pi * norm.pdf(X, mu[1], sigma[1])
            g = g / ((1 - pi) * norm.pdf(X, mu[0], sigma[0]) + g)
            w = np.stack([1 - g, g])
            new_mu = w @ X / w.sum(1)
            var = np.array([w[k] @ (X - mu[k]) ** 2 for k in range(2)]) / w.sum(1)
            return g.mean(), new_mu, np.sqrt(var)
        """,
        {"EM_step"},
        "around the old means",
    ),
    "pi of the wrong component": (
        "EM_step",
        """
        def EM_step(X, pi, mu, sigma):
            g = pi * norm.pdf(X, mu[1], sigma[1])
            g = g / ((1 - pi) * norm.pdf(X, mu[0], sigma[0]) + g)
            w = np.stack([1 - g, g])
            new_mu = w @ X / w.sum(1)
            var = np.array([w[k] @ (X - new_mu[k]) ** 2 for k in range(2)]) / w.sum(1)
            return 1 - g.mean(), new_mu, np.sqrt(var)
        """,
        {"EM_step"},
        "prior of component 0",
    ),
    "EM returns variances": (
        "EM",
        """
        def EM(X):
            mu, _ = K_Means(X, 2)
            near = np.abs(X[:, None] - mu).argmin(1)
            pi, sigma = np.mean(near == 1), np.array([X[near == k].std() for k in range(2)])
            for _ in range(2000):
                pi, mu, sigma = EM_step(X, pi, mu, sigma)
            return pi, mu, sigma ** 2
        """,
        {"EM"},
        "sigma_1",
    ),
    "Set mutates its input": (
        "Set",
        """
        def Set(X, m):
            X2, m2 = np.reshape(X, (len(X), -1)), np.reshape(m, (len(m), -1))
            d = ((X2[:, None, :] - m2[None]) ** 2).sum(-1)
            near = d.argmin(1)
            C = {k: X[near == k].copy() for k in range(len(m))}
            X *= 1.0000001
            return C, float(d.min(1).sum())
        """,
        {"Set"},
        "modified its input `X`",
    ),
}


@pytest.mark.parametrize("case", BUGS)
def test_a_bug_costs_its_own_function_only(case):
    function, code, expected_failures, words = BUGS[case]
    found = verdicts(notebook(**{function: code}))
    assert {name for name, msg in found.items() if msg} == expected_failures
    assert all(words in found[name] for name in expected_failures), found


def test_verdicts_are_deterministic():
    bug = BUGS["K_Means stops after one iteration"]
    ns = notebook(**{bug[0]: bug[1]})
    first = verdicts(ns)
    ns["rng"].random(1000)  # the notebook used its rng in between
    np.random.seed(None)
    assert verdicts(ns) == first and first["K_Means"]


def test_warnings_of_correct_code_are_captured_not_printed(capfd):
    ns = notebook(
        Update="""
        def Update(X, C, m):
            new_m = np.array([np.mean(C[k], axis=0) for k in range(len(m))])  # warns when empty
            return np.where(np.isnan(new_m), m, new_m)
        """
    )
    assert verdicts(ns) == dict.fromkeys(CHECKS, "")
    out, err = capfd.readouterr()
    assert "Warning" not in err and "Warning" not in out


def test_warnings_are_quoted_when_the_function_fails():
    ns = notebook(
        Update="""
        def Update(X, C, m):
            return np.array([np.mean(C[k], axis=0) for k in range(len(m))])
        """
    )
    assert "RuntimeWarning: Mean of empty slice" in verdicts(ns)["Update"]


def test_exceptions_and_exits_become_readable_failures():
    ns = notebook(Set="def Set(X, m):\n    return 1 / 0\n", Update="def Update(X, C, m):\n"
                  "    import sys\n    sys.exit(3)\n")  # fmt: skip
    found = verdicts(ns)
    assert "raised ZeroDivisionError in Set()" in found["Set"]
    assert "raised SystemExit" in found["Update"]
    assert failing(ns) == {"Set", "Update"}


def test_overwritten_notebook_variables_do_not_matter():
    ns = notebook()
    ns.update(tracks=np.zeros((3, 3)), Data={"X": np.zeros(4)})
    assert failing(ns) == set()


SKLEARN_KMEANS = """
def K_Means(X, K):
    from sklearn.cluster import KMeans
    X2 = np.reshape(X, (len(X), -1))
    km = KMeans(K, n_init=10, random_state=0).fit(X2)
    return km.cluster_centers_.reshape((K,) + X.shape[1:]), float(km.inertia_)
"""


def test_scikit_learn_scores_zero_for_that_function():
    found = verdicts(notebook(K_Means=SKLEARN_KMEANS))
    assert "sklearn" in found["K_Means"] and "scores 0" in found["K_Means"]
    assert failing(notebook(K_Means=SKLEARN_KMEANS)) == {"K_Means", "K_Means_1d"}


def test_hidden_imports_of_forbidden_code_are_caught_at_run_time():
    sneaky = SKLEARN_KMEANS.replace(
        "from sklearn.cluster import KMeans",
        "KMeans = getattr(__import__('importlib').import_module('skl' + 'earn.cluster'), 'KMeans')",
    )
    assert "called into sklearn" in verdicts(notebook(K_Means=sneaky))["K_Means"]


def test_the_reference_implementation_is_off_limits():
    ns = notebook(
        Set="""
        def Set(X, m):
            from kmeans_em_lab.reference.kmeans import assign
            return assign(X, m)
        """
    )
    assert failing(ns) == {"Set"}
    assert "kmeans_em_lab" in verdicts(ns)["Set"]


def test_monkeypatched_numpy_fails_the_check(monkeypatch):
    ns = notebook()
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    found = verdicts(ns)
    assert all("numpy.allclose" in message for message in found.values())


def test_a_patched_recorder_is_refused(monkeypatch):
    from lab3_kernel import capture

    ns = notebook(Set="def Set(X, m):\n    return {}, 0.0\n")
    monkeypatch.setattr(capture, "call", lambda *a, **k: ({}, capture.CallReport()))
    assert "lab3_kernel.capture.call" in verdicts(ns)["Set"]


def test_the_verdict_comes_from_the_record_not_from_the_kernel():
    """Whatever the kernel claims, only results that pass the check earn the cell."""
    ns = notebook(Set="def Set(X, m):\n    return {}, 0.0\n")
    honest = record_in_process("Set", ns)
    assert judge("Set", honest)
    assert judge("Set", {**honest, "refused": ""})  # claiming no refusal changes nothing
    assert "no record" in judge("Set", None)
    assert "no record" in judge("Set", {**honest, "check": "Update"})
    cut = {**honest, "outcomes": honest["outcomes"][:2]}
    assert "no record of the call" in judge("Set", cut)
    good = record_in_process("Set", notebook())
    assert judge("Set", good) == ""
    forged = {**good, "outcomes": [{**o, "result": {"opaque": "x", "repr": "1"}}
                                   for o in good["outcomes"]]}  # fmt: skip
    assert judge("Set", forged)


def test_a_missing_function_is_reported_by_name():
    ns = notebook()
    del ns["EM_step"]
    assert "EM_step is not defined" in verdicts(ns)["EM_step"]


def test_checks_restore_the_students_helpers():
    ns = notebook()
    student_set = ns["Set"]
    run_hidden_checks("K_Means", ns)
    assert ns["Set"] is student_set


def test_a_public_answer_far_larger_than_the_test_s_data_is_not_replayed():
    """The visible test runs again in the grader: an answer of millions of numbers (a forged
    record under the size limit) would make the grader sort and print them."""
    import base64

    from kmeans_em_lab import checks

    big = {"array": "|b1", "shape": [6_000_000], "b64": base64.b64encode(bytes(6_000_000)).decode()}
    record = {"check": "public:Set", "refused": "", "outcomes": [
        {"label": "call 1 of Set", "result": {"tuple": [{"dict": [[0, big]]}, 9.0]}}]}  # fmt: skip
    nb = nbformat.read(paths.Course.at().source_notebook, as_version=4)
    source = next(c.source for c in nb.cells if c.get("id") == "test_Set_public")
    found = checks.judgement("public:Set", record, source)
    assert "more than 100,000 numbers" in found.message
    assert [code for code, _ in found.causes] == ["record_missing"]


def test_a_forged_list_of_changed_arguments_is_judged_once_per_argument():
    """A record may claim any list under ``mutated``; only argument positions count, each
    once (30,000 claimed positions were once judged one by one, quadratically)."""
    from kmeans_em_lab.checks import harness, judgement

    record = record_in_process("Set", notebook())
    for outcome in record["outcomes"]:
        outcome["mutated"] = list(range(30_000)) + [0, 0]
    found = judgement("Set", record)
    assert [code for code, _ in found.causes] == ["input_modified"]
    assert "#30000" not in found.message and len(found.message) < 5000
    report = harness._report({"mutated": [0, 0, *range(30_000)], "stdout_chars": 0})
    assert report.mutated == [0, 1, 2, 3, 4, 5]  # argument positions, each once


def test_dict_keys_whose_hashes_could_collide_are_refused():
    """Python hashes an integer as its value modulo 2**61 - 1: a record's dict of 30,000 keys
    i * (2**61 - 1) took seconds to decode, every time the grader read it. Keys must be
    strings, bools, None or integers below that modulus (numpy's too)."""
    import numpy as np
    import pytest

    from lab3_kernel import wire

    prime = 2**61 - 1
    for key in (prime, -prime, 3 * prime, 0.5, [1, 2], {"tuple": [1, 2]}):
        with pytest.raises(wire.WireError, match="bad dict key"):
            wire.decode({"dict": [[key, 0]]})
    plain = {0: "a", -5: "b", prime - 1: "c", "k": 1, True: 2, None: 3, np.int64(7): 4}
    assert wire.decode(wire.encode(plain)) == plain


def test_an_empty_array_with_huge_other_dimensions_is_refused():
    """``np.empty((2**25, 2**25, 0))`` holds no byte, yet ``tolist()`` on it (a public test's
    failure message does that) builds 2**50 lists: the dimensions count, zeros as ones."""
    import numpy as np
    import pytest

    from lab3_kernel import wire

    for shape in ([2**25, 2**25, 0], [wire.MAX_ITEMS + 1, 0], [0, 2**13, 2**13]):
        with pytest.raises(wire.WireError, match="bad shape"):
            wire.decode({"array": "<f8", "shape": shape, "b64": ""})
        with pytest.raises(wire.WireError, match="bad shape"):
            wire.decode({"objects": [], "shape": shape})
    for shape in ((0,), (0, 2), (wire.MAX_ITEMS, 0), (3, 0, 5)):
        empty = wire.decode(wire.encode(np.empty(shape)))
        assert empty.shape == shape and empty.size == 0


def test_a_public_replay_counts_an_empty_arrays_dimensions():
    """The visible test runs in the grader on the student's answers: an empty answer of
    huge dimensions (from a kernel that does not use this wire) is refused before any
    expression of the test's message touches it."""
    import numpy as np
    import pytest

    from kmeans_em_lab.checks import MAX_PUBLIC_ELEMENTS, _small, harness

    with pytest.raises(harness.RecordError, match="numbers"):
        _small({0: np.empty((2**25, 2**25, 0))}, "Set")
    with pytest.raises(harness.RecordError):
        _small([np.empty((MAX_PUBLIC_ELEMENTS + 1, 0))], "Set")
    assert _small({0: np.empty((0, 2)), 1: np.zeros((5, 2))}, "Set")


def test_a_public_replay_refuses_an_array_of_arrays():
    """The visible test compares, sorts and prints the elements of an object array as what
    they hold: two bool arrays of shapes (50000, 1) and (1, 50000) (100 KB, two "numbers")
    were compared as a 2.5 GB array. An array of numbers or strings stays an answer."""
    import numpy as np
    import pytest

    from kmeans_em_lab.checks import _small, harness

    pair = np.empty(2, dtype=object)
    pair[0], pair[1] = np.zeros((50, 1), dtype=bool), np.zeros((1, 50), dtype=bool)
    for answer in (pair, (0.5, pair, [1.0, 1.0]), {0: [pair]}):
        with pytest.raises(harness.RecordError, match="array of arrays or lists"):
            _small(answer, "EM")
    listed = np.empty(1, dtype=object)
    listed[0] = [1.0, 2.0]
    with pytest.raises(harness.RecordError, match="array of arrays or lists"):
        _small(listed, "EM")
    plain = np.array([1.0, "a", None], dtype=object)
    assert _small((plain, np.array([1.0, 2.0])), "EM")[0] is plain


def test_a_public_replay_counts_strings_as_long_as_the_longest():
    """numpy pads a list of strings to its longest when the visible test takes its shape:
    one string of 10,000 characters among 98,990 empty ones (300 KB on the wire) became a
    4 GB array in the grader. Each string counts as long as the longest."""
    import numpy as np
    import pytest

    from kmeans_em_lab.checks import MAX_PUBLIC_ELEMENTS, _small, harness

    padded = ["x" * 10_000] + [""] * (MAX_PUBLIC_ELEMENTS // 10_000)
    for answer in (padded, {0: padded}, np.array(padded, dtype=object)):
        with pytest.raises(harness.RecordError, match="text"):
            _small(answer, "Update")
    assert _small(["x" * 10_000] + [""] * 5, "Update")  # a short list of text is an answer
    assert _small([1.0] * (MAX_PUBLIC_ELEMENTS - 1), "Update")
