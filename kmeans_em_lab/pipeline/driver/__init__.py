"""The driver: what runs once per ``make grade``, on the instructor's machine.

It reads the command line's settings, finds the submissions, checks the
release, packs the course for the workers, hands the submissions to the
cluster and, as the one writer, saves each result (files, gradebook, stamps).
Nothing here runs on a worker. Modules, one job each:

- :mod:`.cluster`     Dask: a LocalCluster or a scheduler; tasks out, results in, retry once, a
  submission that kills workers given up
- :mod:`.course_bundle` the course as bytes for the workers (config, source, data, template
  gradebook): workers share no folder with the driver
- :mod:`.intake`      what a submission folder holds (notebook, renamed, missing, invalid)
- :mod:`.prepare`     the release is current, the gradebook knows the assignment and students
- :mod:`.progress`    the progress bar on stderr (plain lines when not a terminal)
- :mod:`.run`         the driver: release check, cluster, dispatch, saving, reports
- :mod:`.settings`    what a run grades and how (course root, workers, limits, config)
- :mod:`.stamps`      hashes of what was graded, so a re-run regrades only what changed
- :mod:`.store`       on the driver, the one writer: files, gradebook scores, stamps
- :mod:`.timeline`    moments of a run (each phase, each result saved), for whoever measures it
"""
