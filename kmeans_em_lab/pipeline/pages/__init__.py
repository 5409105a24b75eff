"""The HTML pages a student or an instructor opens for one submission: the feedback page
(made on the worker, made again on the driver after a manual grade) and nbgrader's
formgrader view, both with what the student wrote made inert.

Imports nothing of the driver or the worker. Modules, one job each:

- :mod:`.feedback`      the summary that opens each student's feedback page
- :mod:`.feedback_page` the feedback pages' exporter (nbconvert's, cheaper per page, student
  HTML made inert)
- :mod:`.formgrader_view` what nbgrader's formgrader shows of a submission, made inert as on a
  feedback page (a preprocessor named in ``nbgrader_config.py``)
- :mod:`.mathml`        the pages' maths: TeX made MathML by the grader, filtered, no script
- :mod:`.page_style`    a feedback page's head: its language, no script, a readable stylesheet
- :mod:`.palette`       the pages' and figures' colours, and the contrast rule they follow
- :mod:`.pictures`      the feedback's pictures: numbers kept at judging, drawn by the grader
- :mod:`.student_html`  what a feedback page keeps of a student's HTML: markup, never code
"""
