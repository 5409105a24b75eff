# Attack 44, a solution cell cheap to hand in and dear to parse: the Set cell holds the
# solution, then a million lines `a = 0` (6 MB, within the notebook's 20 MiB), then
# `del Set`. After the notebook ran, the judge parsed every solution cell with ast.parse in
# the grading worker to read its imports: the syntax tree took gigabytes, the worker's nanny
# ended it twice, and the student was left ungraded. A cell past the parsed length has its
# imports read line by line. Run, the cell held the kernel past its time limit, and on a
# busy machine the interrupt came while IPython compiled it, which ignores it: the notebook
# was stopped there and every later function scored 0. A cell past the grader's length
# (ResilientExecute.max_cell_chars) is not run.
# Why: Set (test_Set_public, test_Set_hidden): the cell is too long to run, so Set is not
#   defined; the notebook goes on.
# Code repeated 1000000 times in Set: a = 0
# Code repeated 1 times in Set: del Set
# ruff: noqa
# fmt: off
