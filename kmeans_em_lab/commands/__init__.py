"""``python -m kmeans_em_lab <command>``: one small module per command.

Each has ``add_arguments(parser)`` and ``main(args) -> exit status``, reads its
command line and calls the package that does the work (``grade`` ->
:mod:`kmeans_em_lab.pipeline.driver.run`, ``release`` -> :mod:`kmeans_em_lab.course.release`,
``collect`` -> :mod:`kmeans_em_lab.exchange.collect`, ...). The list of
commands is ``kmeans_em_lab.__main__.COMMANDS``:

- :mod:`.grade`     ``make grade``: the class graded, feedback, CSV, class report
- :mod:`.release`   ``make release``: points texts from the metadata, then ``release/lab3``
- :mod:`.data`      ``make data``: the data files rebuilt by the seeded generator
- :mod:`.examples`  the example students under ``submitted/``
- :mod:`.bundle`    ``make student-bundle``: ``dist/lab3-student.zip``
- :mod:`.collect`   ``make collect ZIP=...``: an LMS download into ``submitted/``
- :mod:`.canvas`    ``make canvas``: grades as a Canvas import file
- :mod:`.similarity` ``make similarity``: pairs of submissions worth a look
"""
