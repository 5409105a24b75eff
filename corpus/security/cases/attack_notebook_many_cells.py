# Attack 16c, a notebook of 100,000 cells: the solution's notebook with 100,000 empty markdown
# cells appended (the driver and every worker parse, copy and render each one). Built by the test
# (the Cells line below).
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM: the notebook is over the course's limit on
#   cells (SubmissionLimits.cells in nbgrader_config.py), so it is not graded and gets what every
#   submission over a limit gets: 0 and a plain reason, while the rest of the class is graded.
# Cells: 100000
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK notebook_many_cells: graded")
