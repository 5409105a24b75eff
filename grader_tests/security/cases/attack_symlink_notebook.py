# Attack 12, a notebook that is a link to the course's source notebook: the submission's lab3.ipynb
# is a symbolic link to the course's source/lab3/lab3.ipynb (solutions and hidden tests
# included); the data folder is a normal copy. Built by the test with a real symbolic link (the
# Symlink line below).
# Expect: Centroid_init 0, Set 0, Update 0, K_Means 0, EM_step 0, EM 0 (total 0)
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM -100: the submission holds no notebook of
#   its own, so it gets what its honest equivalent, a submission with no notebook, gets: 0 and a
#   message; the instructor's notebook must never be graded as the student's.
# Symlink: lab3.ipynb -> {course}/source/lab3/lab3.ipynb
# ruff: noqa
# fmt: off
