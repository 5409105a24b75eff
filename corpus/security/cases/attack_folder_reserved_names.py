# Attack 16d, folders where the grader writes files: the notebook is handed in renamed
# (lab3-final.ipynb, graded as lab3.ipynb with a flag) beside a folder named lab3.ipynb, and
# a folder named timestamp.txt stands where nbgrader reads the submission time. Written
# together, the grader's notebook and the folder's file cannot both exist: the submission
# was "not graded", and the error named the worker's private folders. Built by the test
# (the Rename and Files lines below).
# Why: full marks: the honest equivalent is the solution; the files under a folder named
#   like a file the grader writes are left out (flagged), the renamed notebook is graded and
#   the batch goes on.
# Rename: lab3-final.ipynb
# Files: 2 in lab3.ipynb
# Files: 1 in timestamp.txt
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: nothing to run; the folders around the notebook are the attack ---
print("ATTACK folder_reserved_names: graded")
