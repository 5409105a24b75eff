"""The similarity check: normalisation, the page's escaping, and the calibration class.

Behaviour evidence here is computed in this process (the same recorder and JSON
as a kernel, :func:`kmeans_em_lab.similarity.classroom.answers_in_process`),
not in sandboxed kernels.
"""

from __future__ import annotations

import os

import pytest

from kmeans_em_lab.similarity import answers, normalise, page
from kmeans_em_lab.similarity.cells import Template
from kmeans_em_lab.similarity.classroom import Submission
from kmeans_em_lab.similarity.evidence import PairEvidence


def test_renaming_reformatting_and_independent_order_leave_the_tokens_unchanged():
    a = "def f(X, m):\n    total = np.sum(X)  # sum\n    n = len(m)\n    return total / n\n"
    b = (
        "def f(data, centres):\n    count = centres.shape[0]\n\n"
        "    s = np.sum(data)\n    return s/count"
    )
    assert normalise.tokens(a) == normalise.tokens(b)
    c = "def f(X, m):\n    return np.sum(X) * len(m)\n"
    assert normalise.tokens(a) != normalise.tokens(c)


def test_the_page_escapes_everything_a_student_wrote():
    evil = "<script>alert(1)</script>\x1b[2J"
    sub_a = Submission("a<b>", {"Set": f"def Set(X, m):\n    # {evil}\n    return {{}}, 0\n"})
    sub_b = Submission("c", {"Set": f"def Set(X, m):\n    # {evil}\n    return {{}}, 0\n"})
    pair = PairEvidence("a<b>", "c", 0.9, {"Set": 0.9}, 0.0, {}, (), (evil,))
    tpl = Template(
        {"Set": "def Set(X, m):\n    raise NotImplementedError()\n"}, frozenset(), frozenset()
    )
    text = page.render([pair], [sub_a, sub_b], tpl, "title")
    assert "<script>" not in text and "\x1b" not in text and "a<b>" not in text
    assert "&lt;script&gt;" in text


def test_a_forged_answer_in_the_metadata_is_replaced():
    nb = {"metadata": {"lab3": {"probes": {"Set: x": ["forged", "forged", "forged"]}}}}
    answers.store(nb, None)
    assert answers.read(nb) == {}


@pytest.mark.slow
def test_calibration_class_rewritten_copies_found_where_copydetect_misses_them():
    from lab3_dev.similarity import calibrate

    result = calibrate.run()
    found, total = result.found("rewritten", "ours")
    assert total and found == total
    assert result.found("rewritten", "copydetect")[0] == 0


@pytest.mark.slow
def test_calibration_goals():
    """The issue's goals on the generated class: at least 95% of copied pairs at or above
    the threshold, no independent pair (the common-mistake pairs included), at least
    copydetect's count of disguised copies, every rewritten copy where copydetect finds none."""
    from lab3_dev.similarity import calibrate

    result = calibrate.run()
    assert result.copied_recall("ours") >= 0.95
    assert result.false_positives("ours") == 0
    assert result.found("common mistake", "ours") == (0, 6)
    assert result.found("disguised", "ours")[0] >= result.found("disguised", "copydetect")[0]
    assert result.found("one function", "ours")[0] == result.found("one function", "ours")[1]


@pytest.mark.slow
def test_the_generated_copies_behave_as_their_originals():
    """The calibration is fair only if a copy keeps its original's behaviour: every probe
    answer of a copied function is its original's (the rewritten copies keep only the
    rare behaviour, so they are left out)."""
    from lab3_dev.similarity import calibrate, classgen

    students = classgen.build()
    answers_of = {s.student: s.answers for s in calibrate.submissions(students)}
    compared = 0
    for copy in (s for s in students if s.kind in ("disguised", "one function")):
        for original in (s for s in students if s.kind == "independent"):
            for function in classgen.FUNCTIONS:
                lineage = copy.lineage[function]
                if not lineage or lineage != original.lineage[function]:
                    continue
                mine, theirs = answers_of[copy.name], answers_of[original.name]
                # (none when the original's function runs past the in-process time limit)
                for probe in [p for p in theirs if p.startswith(function + ":")]:
                    assert mine.get(probe) == theirs[probe], (copy.name, probe)
                    compared += 1
    assert compared > 100


def test_a_square_stays_a_square_and_a_power_of_a_half_is_a_square_root():
    square = normalise.tokens("def f(x):\n    return np.sum(x ** 2)\n")
    root = normalise.tokens("def f(x):\n    return np.sum(np.sqrt(x))\n")
    half = normalise.tokens("def f(x):\n    return np.sum(x ** 0.5)\n")
    assert square != root
    assert half == root


def test_every_cell_with_a_docstring_is_normalised():
    """A docstring inside a function used to make the whole cell fall back to raw tokens."""
    code = 'def f(X):\n    """Doc."""\n    a = len(X)\n    b = np.sum(X)\n    return a, b\n'
    assert normalise.canonical_code(code) is not None


def test_a_helper_returning_one_expression_is_written_back_where_it_is_called():
    inline = "def f(X, m):\n    d = np.sum((X - m) ** 2, axis=1)\n    return d\n"
    helper = (
        "def g(a, b):\n    return np.sum((a - b) ** 2, axis=1)\n\n"
        "def f(X, m):\n    d = g(X, m)\n    return d\n"
    )
    assert normalise.tokens(helper) == normalise.tokens(inline)


def test_a_list_built_by_a_loop_is_the_comprehension():
    loop = "def f(X):\n    out = []\n    for x in X:\n        out.append(x * 2)\n    return out\n"
    comp = "def f(X):\n    out = [x * 2 for x in X]\n    return out\n"
    assert normalise.tokens(loop) == normalise.tokens(comp)


def test_independent_lines_in_any_order_that_keeps_their_dependencies_are_one_order():
    """``a``; ``b`` (needs a); ``c`` (independent of both) in either order: the same tokens."""
    one = (
        "def f(X):\n    a = np.argmin(X)\n    b = X[a]\n    c = float(np.min(X))\n    return b, c\n"
    )
    two = (
        "def f(X):\n    a = np.argmin(X)\n    c = float(np.min(X))\n    b = X[a]\n    return b, c\n"
    )
    assert normalise.tokens(one) == normalise.tokens(two)
    dependent = (
        "def f(X):\n    b = X[a]\n    a = np.argmin(X)\n    c = float(np.min(X))\n    return b, c\n"
    )
    assert normalise.tokens(dependent) != normalise.tokens(one)


def test_fingerprints_are_the_same_in_every_process():
    """copydetect's own k-gram hash is Python's salted ``hash``: scores changed from run to run."""
    import subprocess
    import sys

    script = (
        "from kmeans_em_lab.similarity import fingerprints, normalise\n"
        "code = 'def f(X, m):\\n    return np.sum((X - m) ** 2, axis=1) / len(X) + m.mean()\\n'\n"
        "print(sorted(fingerprints.fingerprints(normalise.tokens(code))))\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1 and runs != {"[]\n"}


def _class(answers_by_student: dict[str, str]):
    from kmeans_em_lab.similarity import behaviour

    ref = answers.Answer("ref", "ref", "ref")
    given = {s: {"EM_step: p": answers.Answer(a, a, a)} for s, a in answers_by_student.items()}
    return behaviour.class_answers(given, {"EM_step: p": ref}, {})


def test_a_rare_wrong_answer_is_evidence_and_a_common_mistake_is_none():
    from kmeans_em_lab.similarity import behaviour

    students = {f"s{i}": "ref" for i in range(20)}
    rare = _class(students | {"a": "odd", "b": "odd"})
    assert behaviour.shared(rare, "a", "b")[0].bits > 2.5  # log2(23 / 3)
    common = _class(students | {f"m{i}": "old means" for i in range(6)})
    assert behaviour.group_limit(26) < 6
    assert behaviour.shared(common, "m0", "m1") == []
    assert ("m0", "m1") not in behaviour.candidate_pairs(common)


def test_a_short_shared_line_counts_less_than_a_shared_function():
    from kmeans_em_lab.similarity import evidence, fingerprints

    short = fingerprints.CodeOverlap({"Update": (6, 8, 8), "Set": (0, 40, 40)})
    whole = fingerprints.CodeOverlap({"EM_step": (30, 30, 30), "Set": (0, 40, 40)})
    assert evidence._code_score(short)[0] < 0.3 <= 0.5 < evidence._code_score(whole)[0]


def test_a_cell_longer_than_any_solution_is_compared_on_its_beginning_only():
    """One student's 3,000 independent lines must not make the comparison of a class slow:
    the code is cut at MAX_CODE_CHARS."""
    from kmeans_em_lab.similarity import normalise

    long = "".join(f"zq{i} = {i}\n" for i in range(3000))
    assert len(long) > normalise.MAX_CODE_CHARS
    assert normalise.tokens(long) == normalise.tokens(long[: normalise.MAX_CODE_CHARS])


def test_helpers_written_back_cannot_grow_a_cell_without_bound():
    """A helper that repeats its parameter, called within itself 16 deep, would write back
    2**16 copies: the written-back code is bounded (MAX_INLINED_NODES)."""
    code = "def h(x):\n    return x + x\n\ndef f(y):\n    return " + "h(" * 16 + "y" + ")" * 16
    found = normalise.tokens(code + "\n")
    assert 0 < len(found) < 2 * normalise.MAX_INLINED_NODES
    assert found.count("v") < 2**15
