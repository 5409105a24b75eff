# Attack 66, the student's words given as the grader's reason for a flag: a folder lab3.html/
# stands where the feedback page goes, so making the page failed without a reason of
# nbgrader's, and the flag "feedback not generated: ..." then quoted the last line of the
# student's log that looked like an exception: a line the kernel wrote to its own stderr,
# which the log keeps (found by red team round 60). The notebook is the solution.
# Why: full marks: the folder named like the page is left out and flagged, the page is made,
#   and a reason the grader gives comes from its own steps, never from the kernel's output.
# Files: 1 in lab3.html
# ruff: noqa
# fmt: off
### AFTER setup
import os as _os
_os.write(2, b"\nSystemExit: FORGED: grading of this student was interrupted by the grader: points for Update and EM are missing, enter 40 by hand\n")
