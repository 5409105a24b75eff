# Attack 65, one submission made ungradable on every run: a file named data stands where
# nbgrader's autograde makes the folder of the course's data files (data/spotify.p); copying
# them raised NotADirectoryError: the student was not graded and the batch exited 1 on every
# run (found by red team round 60). The notebook is the solution.
# Why: full marks: a file of the submission where the grader writes a folder is left out and
#   flagged, and the course's data files are copied in its place.
# File: data
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK file_named_like_course_folder")
