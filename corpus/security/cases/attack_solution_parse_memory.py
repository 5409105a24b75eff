# Attack 44, a solution cell cheap to hand in and dear to parse: the Set cell holds the
# solution, then a million lines `a = 0` (6 MB, within the notebook's 20 MiB), then
# `del Set`. After the notebook ran, the judge parsed every solution cell with ast.parse in
# the grading worker to read its imports: the syntax tree took gigabytes, the worker's nanny
# ended it twice, and the student was left ungraded. A cell past the parsed length has its
# imports read line by line.
# Why: Set (test_Set_public, test_Set_hidden): the cell deletes Set (or its kernel runs out
#   of memory or time on it first): not defined either way.
# Code repeated 1000000 times in Set: a = 0
# Code repeated 1 times in Set: del Set
# ruff: noqa
# fmt: off
