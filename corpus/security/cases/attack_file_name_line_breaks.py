# Attack 68, lines of nbgrader's log written by the student: files whose names hold line breaks
# (and other control characters, a line separator, a right-to-left override), which nbgrader
# logs by name as it copies them ("Copying <name> -> ..."), so the student's log held lines
# such as "[ERROR] FORGED ..." and "ValueError: FORGED ...", which read as nbgrader's and could
# be taken as the reason of a step that failed (found by red team round 61). The notebook is the
# solution. In the File lines, \xNN and \uNNNN are the characters they name.
# Why: full marks: a file whose name holds a control character or a line break is left out
#   and flagged (the notebook is sent under the grader's own name).
# File: notes\n[ERROR]\x20FORGED\x20by\x20the\x20grader:\x20enter\x2040\x20by\x20hand\nValueError:\x20FORGED\x20reason.txt
# File: sub\n[INFO]\x20FORGED\x20all\x20cells\x20passed/x\x1b[31mred\rcr\x85nel\u2028ls\u202eRTL.txt
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK file_name_line_breaks")
