"""Lab 3 (K-Means and the EM algorithm) as an nbgrader course: the grader's side.

Where code runs decides where it lives (README, "Architecture"):

- ``lab3_kernel`` (its own package) runs inside the student's kernel, in the
  sandbox: it records the student's answers and never decides a grade;
- ``kmeans_em_lab`` (this package) runs on the instructor's side: the driver
  of ``make grade`` and its Dask workers;
- ``lab3_dev`` holds developer tools (benchmarks, mutation testing, the
  scikit-learn oracles, figures); nothing here imports it.

Subpackages, one concern each:

- :mod:`~kmeans_em_lab.course`     the course: its folders, config, points, limits, data,
  release and the example students
- :mod:`~kmeans_em_lab.reference`  the reference K-Means and EM, and the lab's contract
- :mod:`~kmeans_em_lab.checks`     the hidden tests' verdicts, judged outside the kernel
- :mod:`~kmeans_em_lab.pipeline`   ``make grade``: sandboxed autograde on Dask, feedback, reports
- :mod:`~kmeans_em_lab.exchange`   to and from students: the student bundle, an LMS download,
  grades for Canvas
- :mod:`~kmeans_em_lab.commands`   ``python -m kmeans_em_lab <command>``: one small module
  per command, each only reading its command line
- :mod:`~kmeans_em_lab.similarity` ``make similarity``: pairs of submissions worth a look
- :mod:`~kmeans_em_lab.logs`       diagnostics: the grader's log on stderr (``--log-level``)
- :mod:`~kmeans_em_lab.time_limit` a time limit on trusted code run in this process (SIGALRM)
"""

__version__ = "0.1.0"
