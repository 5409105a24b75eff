# The source notebook's own solutions, unchanged: the baseline every other case differs from.
# Expect: Centroid_init 5, Set 15, Update 15, K_Means 20, EM_step 20, EM 25 (total 100)
# Why: full marks: this is the reference solution.
