# An honest student who prints 5,000 short lines with flush=True (a habit from scripts) in an
# ungraded cell before the tests: each flushed print is one message, and nbclient stops waiting
# for a cell's output 4 s after its reply; the grader was still reading them then, took it for a
# dropped connection, stopped the notebook there and scored every test 0 (found by red team
# round 35). Output still arriving at that point is now cut and the notebook goes on.
# Why: full marks: the honest equivalent is the solution.
# ruff: noqa
# fmt: off
### AFTER choose_features
for _i in range(5000):
    print(_i, flush=True)
