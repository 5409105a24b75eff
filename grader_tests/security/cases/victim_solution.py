# Victim: the source notebook's own solutions (the validity corpus's solution), graded after every
# attacker in the same batch (its name sorts last): an attack that reached other students shows here.
# Expect: Centroid_init 5, Set 15, Update 15, K_Means 20, EM_step 20, EM 25 (total 100)
# Why: full marks: this is the reference solution, and no attacker may change that.
# ruff: noqa
# fmt: off
