"""Which submissions were written together: evidence on pairs of students, for the instructor.

``make similarity`` (and ``make grade`` for a class of at least
:data:`kmeans_em_lab.pipeline.driver.settings.Settings.similarity_min_students` graded
students) writes ``reports/similarity.html`` from the autograded notebooks
(:func:`report`). Three kinds of evidence, each found through an index:

- :mod:`.cells`       the six solution cells, the release's template, the cells a student added
- :mod:`.normalise`   code to canonical tokens (names, literals, layout, order set aside)
- :mod:`.fingerprints` winnowed fingerprints (copydetect's winnowing) and the pair index
- :mod:`.probes`      the ungraded probe calls run after a student's cells
- :mod:`.answers`     the probes' untrusted record to canonical answers kept in the notebook
- :mod:`.behaviour`   shared unusual answers, weighed by their rarity in the class
- :mod:`.traces`      the same unusual comments, messages and added lines
- :mod:`.classroom`   the class loaded from the autograded notebooks; the reference's answers
- :mod:`.evidence`    the evidence on a pair, its score and its words
- :mod:`.page`        the instructor's page
"""

from __future__ import annotations

from pathlib import Path

FILE = "similarity.html"  # the page, in the course's reports/


def report(course, students: list[str] | None = None) -> tuple[Path, int, int]:
    """Write the course's ``reports/similarity.html``; (its path, students, pairs worth a look)."""
    from kmeans_em_lab.similarity import classroom, evidence, page

    subs = classroom.load(course, students)
    tpl = classroom.release_template(course.root)
    # the reference's answers matter only when some probes answered
    probed = any(s.answers for s in subs)
    baseline = classroom.reference(course) if probed else classroom.Baseline({}, {})
    unread: set[str] = set()  # students whose code could not be read: no code evidence
    pairs = evidence.analyse(subs, tpl, baseline, unread=unread)
    path = page.write(
        course.reports / FILE,
        pairs,
        subs,
        tpl,
        f"{course.assignment}: similar submissions",
        unread,
    )
    return path, len(subs), sum(p.worth_a_look for p in pairs)
