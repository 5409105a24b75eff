"""What goes to students and comes back from them.

- :mod:`.student_bundle`  ``dist/lab3-student.zip``: what students get
- :mod:`.collect`         an LMS download (Canvas, Moodle) into ``submitted/``
- :mod:`.exchange_collect` ``nbgrader collect`` from nbgrader's exchange (JupyterHub)
- :mod:`.exchange_release` ``nbgrader release_assignment`` into it, in folders no student can swap
- :mod:`.canvas`          ``reports/grades.csv`` as a Canvas gradebook import file
"""
