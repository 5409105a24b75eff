"""The instructor pipeline behind ``make grade``: parallel autograde, feedback, CSV, report.

``python -m kmeans_em_lab grade [--workers N | --scheduler ADDRESS] [--student S ...]
[--force]`` runs it (the command line is :mod:`kmeans_em_lab.commands.grade`). The
folders say where the code runs:

- :mod:`.driver`   once per run, on the instructor's machine: settings, intake, stamps,
  the release check, the course bundle, the cluster, the one writer
- :mod:`.worker`   once per submission, on a Dask worker: the watchdog, nbgrader's
  autograde in a private course, the sandboxed kernel, the judge
- :mod:`.shared`   both sides: the job's types, folders as bytes, verdicts, causes,
  gradebook reads and writes, a submission's strings escaped
- :mod:`.pages`    one submission's pages: the feedback page and the formgrader's view
- :mod:`.reports`  the class's reports: the grades CSV, the terminal table, the class page

The rule (``grader_tests/system/test_architecture.py``): the worker imports nothing
of the driver or the reports; shared and pages import nothing of the other three.
"""
