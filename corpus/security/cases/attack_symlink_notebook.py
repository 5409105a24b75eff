# Attack 12, a notebook that is a link to the course's source notebook: the submission's lab3.ipynb
# is a symbolic link to the course's source/lab3/lab3.ipynb (solutions and hidden tests
# included); the data folder is a normal copy. Built by the test with a real symbolic link (the
# Symlink line below).
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM: the submission holds no notebook of
#   its own, so it gets what its honest equivalent, a submission with no notebook, gets: 0 and a
#   message; the instructor's notebook must never be graded as the student's.
# Symlink: lab3.ipynb -> {course}/source/lab3/lab3.ipynb
# ruff: noqa
# fmt: off
