"""``python -m kmeans_em_lab bench``: the course's benchmarks, written to ``bench/results.md``.

Parts (``--parts``, default all; ``1`` means 1a and 1b, ``4`` means 4 and 4b):

0. the machine (always);
1a. autograde throughput: ``make grade`` (a local Dask cluster) against a
    sequential ``nbgrader autograde`` on copies of the example submissions, its
    scaling with workers, a run on a separate ``dask scheduler`` with its own
    ``dask worker`` processes (``--scheduler``), and the sandbox's cost (the
    default workers with and without ``--no-sandbox``);
1b. the floor, on correct submissions only: ``make grade`` against executing
    the same autograded notebooks with ``jupyter nbconvert --execute``, as many
    at a time as cores, in the same rounds (the modelled floor of earlier runs,
    kernel start and cells summed and divided by the cores, beside it), nbgrader,
    and Dask's scheduling overhead per submission (a no-op job through the same
    dispatcher);
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

``--quick`` is a smoke run; the results file notes each run's wall time. The
default run is long, nearly all of it in part 1a (three rounds of nbgrader, the
default workers and the default workers with ``--no-sandbox``, then 1, 2, 3, 4
and 8 workers and the scheduler's workers once): a quarter of the 40 copies are
the original lab's code, and each of those spends the full limit of one cell
(test_EM_public, where its EM never ends) in every run. Split it with
``--parts`` (1a, 1b, 2, ... one command each) and, within 1a,
``--workers-list none`` (no scaling) or ``--rounds``: every run keeps the
sections it did not measure.

The results file keeps the sections of the parts not run from its previous
version (marked as kept, with that run's command and load), unless ``--fresh``.

Modules: :mod:`.command` (this command: its arguments, the parts it runs),
:mod:`.grading` (parts 1a, 2, 5), :mod:`.floor` (1b), :mod:`.dispatch`
(Dask's own cost), :mod:`.reference` (3), :mod:`.cells` (4),
:mod:`.probes` (4b),
:mod:`.memory` (peak RSS), :mod:`.machine` (part 0), :mod:`.course` (the scratch
course), :mod:`.scheduler` (a ``dask scheduler`` with its workers), :mod:`.timing`
(side-by-side timing), :mod:`.report` (Markdown tables and goals), :mod:`.scale` (the
"Scale" section, last, written again by every run: a class of N on W cores, modelled
from the figures of parts 1b and 6).
"""
