"""The similarity check: normalisation, the page's escaping, and the calibration class.

Behaviour evidence here is computed in this process (the same recorder and JSON
as a kernel, :func:`kmeans_em_lab.similarity.classroom.answers_in_process`),
not in sandboxed kernels.
"""

from __future__ import annotations

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
@pytest.mark.xfail(reason="not met yet: see README, Which submissions were written together")
def test_calibration_goals():
    from lab3_dev.similarity import calibrate

    result = calibrate.run()
    assert result.copied_recall("ours") >= 0.95
    assert result.false_positives("ours") == 0
    assert result.found("disguised", "ours")[0] >= result.found("disguised", "copydetect")[0]


def test_a_cell_longer_than_any_solution_is_compared_on_its_beginning_only():
    """One student's 3,000 independent lines must not make the comparison of a class slow:
    the code is cut at MAX_CODE_CHARS."""
    from kmeans_em_lab.similarity import normalise

    long = "".join(f"zq{i} = {i}\n" for i in range(3000))
    assert len(long) > normalise.MAX_CODE_CHARS
    assert normalise.tokens(long) == normalise.tokens(long[: normalise.MAX_CODE_CHARS])
