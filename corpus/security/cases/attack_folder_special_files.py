# Attack 16a, files that stop a batch: beside a normal notebook and data folder, the submission
# holds a symbolic link to /proc/self/mem (reading it raises), one to /dev/zero (reading it never
# ends), a link to itself (a loop), a link to / (a folder outside) and a FIFO (opening it blocks
# until someone writes). Built by the test (the Symlink and Fifo lines below).
# Why: full marks: the honest equivalent is the solution; no link is followed and nothing but a
#   regular file is opened, anywhere on the driver or the worker, so these are left out (flagged)
#   and the batch goes on.
# Symlink: data/mem -> /proc/self/mem
# Symlink: data/zero -> /dev/zero
# Symlink: loop -> loop
# Symlink: everything -> /
# Fifo: data/pipe
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: nothing to run; the files around the notebook are the attack ---
print("ATTACK folder_special_files: graded")
