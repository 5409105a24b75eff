# A student deletes the cell of EM_step and its two test cells (to start that part again, or
# by mistake). nbgrader puts a deleted test cell back after the course cell before it, here
# the deleted solution cell, which it cannot find: the whole submission was not graded
# (KeyError). The grader now puts the solution cell back first, as the release has it.
# Why: EM_step (test_EM_step_public, test_EM_step_hidden): its cell is back with the release's
#   code, which raises NotImplementedError; the rest is graded as it stands.
### DELETE EM_step
### DELETE test_EM_step_public
### DELETE test_EM_step_hidden
