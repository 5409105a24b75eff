# Attack 16b, a folder of 50,000 files: beside a normal notebook and data folder, the submission
# holds 50,000 small files under junk/ (the driver once read every file of a submission into
# memory to send it to grading). Built by the test (the Files line below).
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM: the submission is over the course's limit on
#   files (SubmissionLimits.files in nbgrader_config.py), so it is not graded and gets what every
#   submission over a limit gets: 0 and a plain reason, while the rest of the class is graded.
# Files: 50000 in junk
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK folder_many_files: graded")
