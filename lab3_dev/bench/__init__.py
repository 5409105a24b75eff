"""``python -m kmeans_em_lab bench``: the course's benchmarks, written to ``bench/results.md``.

Parts (``--parts``, default all; ``1`` means 1a and 1b, ``4`` means 4 and 4b):

0. the machine (always);
1a. ``make grade`` against a sequential ``nbgrader autograde`` on copies of the
    examples, and the sandbox's cost;
1b. the floor: ``make grade --force`` against executing the same autograded
    notebooks with ``jupyter nbconvert --execute``, on correct submissions; CPU
    by process; Dask's own cost per submission;
2. the same on one submission with one worker, and the sandbox's cost on it;
3. the reference K-Means and EM against scikit-learn (same starts, same results);
4. the hidden tests' cost per graded cell against the time limits;
4b. the similarity probes: their cost in grading and their cells' time limit;
5. memory: peak RSS of the grading workers and kernels (measured during part 1a);
6. the driver at class size (:mod:`lab3_dev.simulate`);
7. the similarity report for 1,000 generated students, and its calibration.

Every command runs as a user runs it, on a scratch copy of the course.
``--quick`` is a smoke run. A run of some parts keeps the other parts' sections
of the results file, marked as kept, unless ``--fresh``.

Modules: :mod:`.command` (the command: its options, how much each part
measures), :mod:`.grading` (parts 1a, 5), :mod:`.floor` (1b, 2), :mod:`.dispatch`
(Dask's own cost), :mod:`.reference` (3), :mod:`.cells` (4), :mod:`.probes` (4b),
:mod:`.similarity` (7), :mod:`.machine` (0), :mod:`.course` (the scratch course),
:mod:`.runs` (commands on it, timed, and the table comparing them),
:mod:`.memory` (a command's process tree: peak RSS, CPU by process),
:mod:`.timing` (side by side in rounds), :mod:`.report` (Markdown tables, goals,
the sections kept from an earlier run), :mod:`.scale` (the "Scale" section, a
model from parts 1b and 6).
"""
