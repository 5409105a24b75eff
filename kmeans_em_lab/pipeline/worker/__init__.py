"""The worker: what runs once per submission, on a Dask worker (possibly another machine).

It imports nothing of the driver's (:mod:`kmeans_em_lab.pipeline.driver`): what it
needs of the course travels in the job (:mod:`kmeans_em_lab.pipeline.shared.jobs`).
Inside, nbgrader's ``autograde`` runs with the pipeline's preprocessors: the
student's code in a sandboxed kernel, the verdicts reached outside it.
Modules, one job each:

- :mod:`.config`            a worker's nbgrader configuration: the course's plus the pipeline's
  preprocessors
- :mod:`.engine_cache`      nbgrader's gradebook with one SQLAlchemy engine per database per
  worker
- :mod:`.execute`           ``ResilientExecute``: nbgrader's Execute surviving a dead or stuck
  kernel, carrying each graded cell's plan to the kernel and its record back (:mod:`.mailbox`)
- :mod:`.grader`            on a worker: nbgrader autograde and feedback in a private course
- :mod:`.incidents`         the flags read back from an autograded notebook (the grader's
  events)
- :mod:`.judge`             ``JudgeRecords``: each graded cell's verdict, reached outside the
  kernel
- :mod:`.limit_bytes`       ``LimitOutputBytes``: output limited by bytes, not only lines
- :mod:`.mailbox`           the kernel's inbox (plans) and outbox (records, read as untrusted
  data)
- :mod:`.missing_cells`     ``RestoreSolutionCells``: a deleted solution cell back as released
- :mod:`.reference_server`  the socket the kernel's reference helpers call; the grader answers
- :mod:`.sandbox`           ``SandboxedKernelManager``: every kernel in bubblewrap, with rlimits
- :mod:`.schema_cache`      nbgrader's metadata check with its schema checked once per worker
- :mod:`.score_from_verdicts` ``ScoreFromVerdicts``: a graded cell's outputs quoted, its failed
  verdict its one error, so nbgrader's scoring gives exactly the verdict
- :mod:`.task`              on a worker: one submission under the watchdog; the worker's set-up
- :mod:`.test_order`        ``RestoreTestOrder``: test cells run in the course's order
- :mod:`.usage_watch`        the sandbox's writable folders and the grader's memory
  measured from outside (the disk limits, the messages held)
- :mod:`.warm`              what the local workers' fork server imports once for them
"""
