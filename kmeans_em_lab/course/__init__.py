"""The course: what it is made of and where it lives.

- :mod:`.paths`        the course's folders and files (one place for every path)
- :mod:`.points`       the points, read from the source notebook's nbgrader metadata,
  and the nbgrader-metadata helpers (grade id, graded, points)
- :mod:`.limits`       per-cell time limits for nbgrader's ``Execute.timeout_func``
- :mod:`.secret`       the course secret beside the gradebook (the key of drawn hidden inputs)
- :mod:`.datagen`      the seeded generator of ``spotify.p`` and ``GMM.p``
- :mod:`.datasets`     loading and z-scoring the lab's data
- :mod:`.release`      ``release/lab3`` generated from ``source/lab3`` by nbgrader
- :mod:`.submissions`  submissions built from the release plus per-function code (the corpus)
- :mod:`.corpus`       the corpora of known submissions and their README tables of cases
- :mod:`.examples`     the example students under ``submitted/``
"""
