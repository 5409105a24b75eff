"""What both sides use: the job's types, folders as bytes, the grader's verdicts and causes,
gradebook reads and writes, and the escaping of a submission's strings.

Imports nothing of the driver, the worker, the pages or the reports. Modules, one job each:

- :mod:`.causes`        why a graded cell lost points: written into the autograded notebook,
  read back per cell, per function, counted over the class
- :mod:`.contained`     the grader's own work on a submission's data (judging its records,
  making its page) in a forked child within CPU-time and memory limits
- :mod:`.course_config` the course's nbgrader config, gradebook URL and course id, as both sides
  read them
- :mod:`.folders`       folders as ``{path: bytes}`` and back (what travels to and from workers)
- :mod:`.forged_metadata` ``ForgetForgedMetadata``: a submission's nbgrader metadata made the
  course's (or removed) before nbgrader reads it
- :mod:`.grouping`      graded cells -> lab functions (``test_<Function>_<what>``)
- :mod:`.guarded_ports` Dask's listeners against other users of the machine: TLS handshakes
  timed and capped, the local cluster's web servers closing every connection
- :mod:`.jobs`          what travels between the driver and a worker: the course bundle, a
  submission, the run's options, the typed ``GradingResult``
- :mod:`.scores`        gradebook reads and writes (zeroing a student, scores per cell)
- :mod:`.untrusted_text` a submission's strings escaped for the terminal, a CSV cell, a log
- :mod:`.verdicts`      the grader's own word per cell: events it observed, each graded cell's
  verdict (what scores are made of), under the grader's metadata key
"""
