"""``python -m kmeans_em_lab bench``: the course's benchmarks, written to ``bench/results.md``.

The parts, one module each: :mod:`.machine` (0: the machine), :mod:`.grading`
(1a: ``make grade`` against a sequential ``nbgrader autograde``, and the
sandbox's cost; 5: memory, on 1a's runs), :mod:`.floor` (1b and 2: ``make
grade`` against executing the same notebooks, on correct submissions and on
one; CPU by process; with :mod:`.dispatch`, Dask's own cost), :mod:`.reference`
(3: the reference K-Means and EM against scikit-learn), :mod:`.cells` (4: the
hidden tests' cost against the time limits), :mod:`.probes` (4b: the similarity
probes' cost and limit), :mod:`lab3_dev.simulate` (6: the driver at class
size), :mod:`.similarity` (7: the similarity report at class size).

Shared: :mod:`.command` (the command: its options, how much each part
measures), :mod:`.course` (a scratch copy of the course), :mod:`.runs` (commands
on it, timed, and the table comparing them), :mod:`.memory` (a command's
process tree: peak RSS, CPU by process), :mod:`.timing` (side by side in
rounds), :mod:`.report` (Markdown tables, goals, the sections a run of some
parts keeps from the previous results file), :mod:`.scale` (the "Scale"
section, a model from parts 1b and 6).
"""
