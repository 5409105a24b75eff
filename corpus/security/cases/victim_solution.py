# Victim: the source notebook's own solutions (the validity corpus's solution), graded after every
# attacker in the same batch (its name sorts last): an attack that reached other students shows here.
# Why: full marks: this is the reference solution, and no attacker may change that.
# ruff: noqa
# fmt: off
