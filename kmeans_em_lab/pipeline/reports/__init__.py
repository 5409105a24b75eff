"""The class's reports, made by the driver from what it saved: the grades CSV, the terminal
table and figure, the class page.

Imports nothing of the worker. Modules, one job each:

- :mod:`.class_page` ``reports/class_report.html``: the class report as one page
- :mod:`.export`   ``reports/grades.csv``
- :mod:`.report`   the class table in the terminal and ``reports/class_report.png``
"""
