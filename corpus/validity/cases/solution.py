# The source notebook's own solutions, unchanged: the baseline every other case differs from.
# Why: full marks: this is the reference solution.
