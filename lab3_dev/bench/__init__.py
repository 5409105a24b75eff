"""``python -m kmeans_em_lab bench``: the course's benchmarks, written to ``bench/results.md``.

Parts (``--parts``, default all; ``1`` means 1a and 1b, ``4`` means 4 and 4b):

0. the machine (always);
1a. autograde throughput: ``make grade`` (a local Dask cluster) against a
    sequential ``nbgrader autograde`` on copies of the example submissions, and
    the sandbox's cost (the default workers with and without ``--no-sandbox``);
1b. the floor, on correct submissions only: ``make grade`` against executing
    the same autograded notebooks with ``jupyter nbconvert --execute``, as many
    at a time as cores, in the same rounds; every run's CPU by process; Dask's
    scheduling overhead per submission (a no-op job through the same dispatcher);
2. per-submission overhead: grading one submission against merely executing it,
   and the sandbox's cost on it;
3. the reference K-Means and EM against scikit-learn (same starts, same results);
4. the hidden tests' cost per graded cell against the time limits;
4b. the similarity probes: their cost in grading and their cells' time limit;
5. memory: peak RSS of the grading workers and kernels (measured during part 1a);
6. the driver at class size: ``make grade``'s driver fed 200, 2,000 and 10,000
   synthetic results on SQLite and PostgreSQL (:mod:`lab3_dev.simulate`; ``--quick``:
   200 and 2,000);
7. the similarity report for 1,000 generated students, and its calibration against
   copydetect (:mod:`.similarity`; ``--quick``: 200 students, one seed).

Every command is run as a user runs it, on a scratch copy of the course. ``--quick``
is a smoke run; the results file notes each run's wall time. The default run is
long, nearly all of it in part 1a (three rounds of nbgrader and ``make grade``
three ways on 40 copies, a quarter of which are the original lab's code, spending
the full limit of one cell in every run); split it with ``--parts``. The results
file keeps the sections of the parts not run from its previous version (marked as
kept, with that run's command and load), unless ``--fresh``.

Modules: :mod:`.command` (this command: its arguments, the parts it runs),
:mod:`.grading` (parts 1a, 2, 5), :mod:`.floor` (1b), :mod:`.dispatch` (Dask's own
cost), :mod:`.reference` (3), :mod:`.cells` (4), :mod:`.probes` (4b),
:mod:`.machine` (part 0), :mod:`.course` (the scratch course), :mod:`.runs` (commands
on it, timed, and the table comparing them), :mod:`.memory` (a command's process
tree: peak RSS, CPU by process), :mod:`.timing` (side by side in rounds),
:mod:`.report` (Markdown tables and goals), :mod:`.scale` (the "Scale" section, last,
written again by every run: a class of N on W cores, modelled from the figures of
parts 1b and 6).
"""
