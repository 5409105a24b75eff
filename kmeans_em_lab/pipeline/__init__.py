"""The instructor pipeline behind ``make grade``: parallel autograde, feedback, CSV, report.

``python -m kmeans_em_lab grade [--workers N | --scheduler ADDRESS] [--student S ...]
[--force]`` runs it (:mod:`.run`, the driver; the command line is
:mod:`kmeans_em_lab.commands.grade`). Modules, one job each:

- :mod:`.run`          the driver: release check, cluster, dispatch, saving, reports
- :mod:`.settings`     what a run grades and how (course root, workers, limits, config)
- :mod:`.prepare`      the release is current, the gradebook knows the assignment and students
- :mod:`.intake`       what a submission folder holds (notebook, renamed, missing, invalid)
- :mod:`.stamps`       hashes of what was graded, so a re-run regrades only what changed
- :mod:`.scores`       gradebook reads and writes (zeroing a student, scores per cell)
- :mod:`.sandbox`      ``SandboxedKernelManager``: every kernel in bubblewrap, with rlimits
- :mod:`.disk_watch`   the sandbox's writable folders measured from outside (the disk limits)
- :mod:`.execute`      ``ResilientExecute``: nbgrader's Execute surviving a dead or stuck kernel,
  carrying each graded cell's plan to the kernel and its record back (:mod:`.records`)
- :mod:`.records`      the kernel's inbox (plans) and outbox (records, read as untrusted data)
- :mod:`.reference_server` the socket the kernel's reference helpers call; the grader answers
- :mod:`.verdicts`     the grader's own word per cell: events it observed, each graded
  cell's verdict (what scores are made of), under the grader's metadata key
- :mod:`.judge`        ``JudgeRecords``: each graded cell's verdict, reached outside the kernel
- :mod:`.score_from_verdicts` ``ScoreFromVerdicts``: a graded cell's outputs quoted, its
  failed verdict its one error, so nbgrader's scoring gives exactly the verdict
- :mod:`.causes`       why a graded cell lost points: written into the autograded notebook,
  read back per cell, per function, counted over the class
- :mod:`.pictures`     the feedback's pictures: numbers kept at judging, drawn by the grader
- :mod:`.limit_bytes`  ``LimitOutputBytes``: output limited by bytes, not only lines
- :mod:`.forged_metadata` ``ForgetForgedMetadata``: a submission's nbgrader metadata made the
  course's (or removed) before nbgrader reads it
- :mod:`.test_order`   ``RestoreTestOrder``: test cells run in the course's order
- :mod:`.missing_cells` ``RestoreSolutionCells``: a deleted solution cell back as released
- :mod:`.schema_cache` nbgrader's metadata check with its schema checked once per worker
- :mod:`.engine_cache` nbgrader's gradebook with one SQLAlchemy engine per database per worker
- :mod:`.incidents`    the flags read back from an autograded notebook (the grader's events)
- :mod:`.course_bundle` the course as bytes for the workers (config, source, data, template
  gradebook): workers share no folder with the driver
- :mod:`.folders`      folders as ``{path: bytes}`` and back (what travels to and from workers)
- :mod:`.cluster`      Dask: a LocalCluster or a scheduler; tasks out, results in, retry once,
  a submission that kills workers given up
- :mod:`.warm`         what the local workers' fork server imports once for them
- :mod:`.task`         on a worker: one submission under the watchdog; the worker's set-up
- :mod:`.grader`       on a worker: nbgrader autograde and feedback in a private course
- :mod:`.store`        on the driver, the one writer: files, gradebook scores, stamps
- :mod:`.progress`     the progress bar on stderr (plain lines when not a terminal)
- :mod:`.grouping`     graded cells -> lab functions (``test_<Function>_<what>``)
- :mod:`.feedback`     the summary that opens each student's feedback page
- :mod:`.feedback_page` the feedback pages' exporter (nbconvert's, cheaper per page,
  student HTML made inert)
- :mod:`.formgrader_view` what nbgrader's formgrader shows of a submission, made inert as
  on a feedback page (a preprocessor named in ``nbgrader_config.py``)
- :mod:`.student_html`  what a feedback page keeps of a student's HTML: markup, never code
- :mod:`.mathml`       the pages' maths: TeX made MathML by the grader, filtered, no script
- :mod:`.page_style`   a feedback page's head: its language, no script, a readable stylesheet
- :mod:`.palette`      the pages' and figures' colours, and the contrast rule they follow
- :mod:`.untrusted_text` a submission's strings escaped for the terminal, a CSV cell, a log
- :mod:`.export`       ``reports/grades.csv``
- :mod:`.report`       the class table in the terminal and ``reports/class_report.png``
- :mod:`.class_page`   ``reports/class_report.html``: the class report as one page
"""
