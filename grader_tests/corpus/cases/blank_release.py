# The release as a student receives it: no function written.
# Base: release
# Expect: Centroid_init 0, Set 0, Update 0, K_Means 0, EM_step 0, EM 0 (total 0)
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM -100: every function still raises
#   NotImplementedError, so every graded cell fails.
