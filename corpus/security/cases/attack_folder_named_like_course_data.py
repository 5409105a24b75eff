# Attack 64, one submission made ungradable on every run: a folder data/spotify.p/ stands where
# nbgrader's autograde copies the course's own data file over the student's; it removed the
# student's with os.remove, which raises on a folder: the student was not graded, the batch
# exited 1 on every run, and the message named the worker's private folders (found by red team
# round 60). The notebook is the solution.
# Why: full marks: a file of the submission under a name the grader writes is left out and
#   flagged, and the course's data file is copied in its place.
# Files: 1 in data/spotify.p
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK folder_named_like_course_data")
