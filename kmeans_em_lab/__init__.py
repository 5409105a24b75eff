"""Lab 3 (K-Means and the EM algorithm) as an nbgrader course.

Modules, one job each:

- :mod:`~kmeans_em_lab.paths`     where the course's folders and files live
- :mod:`~kmeans_em_lab.datagen`   the seeded generator of ``spotify.p`` and ``GMM.p``
- :mod:`~kmeans_em_lab.datasets`  loading and z-scoring the lab's data
- :mod:`~kmeans_em_lab.kmeans`    reference K-Means (vectorised numpy)
- :mod:`~kmeans_em_lab.em`        reference EM for the 1-D two-component mixture
- :mod:`~kmeans_em_lab.contract`  the reference behind the lab's function names
- :mod:`~kmeans_em_lab.checks`    what the hidden tests call
"""

__version__ = "0.1.0"
