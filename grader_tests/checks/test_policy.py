"""The README's "What the hidden tests check" quotes the grading policy, and only it.

Every number in that section is either one of :data:`QUOTES`, a phrase of the
README with the :mod:`kmeans_em_lab.checks.policy` value it states, or one of
:data:`NOT_POLICY` (words such as "1-D" that hold a digit but no grading
number). A quoted value that differs from the policy fails, and so does a
number the section quotes that is neither.
"""

from __future__ import annotations

import re

from kmeans_em_lab.checks import policy
from kmeans_em_lab.course import paths

HEADING = "## What the hidden tests check"

# (the README's words around the number, "{}" standing for it; the value policy.py holds)
QUOTES = (
    ("same clusters (order-free) and distortion ({} relative)", policy.SET_D_RTOL),
    ("`Update`: same means ({})", policy.UPDATE_RTOL),
    ("`K_Means`: on {} seeds", len(policy.K_MEANS_SEEDS)),
    ("the best distortion is within {}% of", policy.OPTIMUM_SLACK * 100),
    ("the reference's best of {} restarts", policy.RESTARTS),
    ("on the 1-D data the centres match within {}.", policy.CENTRES_1D_ATOL),
    ("whose distortion is within {} relative of the reference's", policy.EQUALLY_GOOD_1D),
    ("`K_Means` cluster: {} to", policy.K_MEANS_ROWS_KEPT[0] * 100),
    ("{}% of them, in a drawn order", policy.K_MEANS_ROWS_KEPT[1] * 100),
    ("equals the reference within {} in all", policy.STEP_TOL),
    ("every parameter is within {} of the maximum-likelihood fit", policy.EM_PARAM_ATOL),
    ("the log-likelihood within {} relative", policy.EM_LL_RTOL),
)

# phrases of the section whose digits are no grading number
NOT_POLICY = ("1-D", "2-D", "2-means", "pi to 1 - pi", "scores 0")

# a number as the README writes one; not a digit inside a name such as `lab3_kernel`
NUMBER = r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
STANDALONE_NUMBER = re.compile(rf"(?<![\w.]){NUMBER}")


def section(readme: str) -> str:
    """The section's text, its whitespace collapsed (a quote may wrap across lines)."""
    body = readme.split(HEADING + "\n", 1)[1].split("\n## ", 1)[0]
    return " ".join(body.split())


def _pattern(template: str) -> re.Pattern:
    before, after = template.split("{}")
    return re.compile(re.escape(before) + f"({NUMBER})" + re.escape(after))


def drift(text: str) -> list[str]:
    """How the section ``text`` differs from the policy: one line per problem, [] when none."""
    problems = []
    rest = text
    for template, value in QUOTES:
        pattern = _pattern(template)
        found = pattern.findall(text)
        if not found:
            problems.append(f"the README no longer says {template!r}: update QUOTES")
        for quoted in found:
            if abs(float(quoted) - value) > 1e-12 * abs(value):
                problems.append(
                    f"the README says {template.format(quoted)!r}, policy.py holds {value:g}"
                )
        rest = pattern.sub(" ", rest)
    for phrase in NOT_POLICY:
        rest = rest.replace(phrase, " ")
    for match in STANDALONE_NUMBER.finditer(rest):
        context = rest[max(0, match.start() - 40) : match.end() + 40]
        problems.append(
            f"the README quotes {match.group()} ({context!r}), which is no number of "
            "policy.py that QUOTES knows: add the value to policy.py and its phrase to QUOTES "
            "(or the phrase to NOT_POLICY if it is no grading number)"
        )
    return problems


def readme_section() -> str:
    return section((paths.course_root() / "README.md").read_text())


def test_the_readme_quotes_the_grading_policy():
    assert drift(readme_section()) == []


def test_a_changed_or_unknown_number_in_the_readme_is_caught():
    text = readme_section()
    assert "within 1e-3." in text  # the case below changes a real quote
    changed = text.replace("within 1e-3.", "within 1e-4.")
    assert any("policy.py holds 0.001" in p for p in drift(changed))
    unknown = text + " Restarts: 7 per run."
    assert any("quotes 7" in p for p in drift(unknown))
    gone = text.replace("best of 100 restarts", "best of many restarts")
    assert any("no longer says" in p for p in drift(gone))
