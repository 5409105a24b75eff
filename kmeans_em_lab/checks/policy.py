"""The grading policy: every number the hidden checks judge by, in one place.

The checks (:mod:`.kmeans_checks`, :mod:`.em_checks`) and the reference
results they compare with (:mod:`.reference_results`) read their seeds,
tolerances, restarts and data sizes from here; so do the mutation tests'
equivalence evidence (:mod:`lab3_dev.mutation.equivalence`) and the
scikit-learn oracles (:mod:`lab3_dev.oracles`). The README's section
"What the hidden tests check" quotes some of these numbers;
``grader_tests/checks/test_policy.py`` holds it to them.

Changing a value here changes grades: the corpus (``corpus/validity``)
and ``make mutants`` say by how much.

Units: a tolerance on centres, means or standard deviations is in the units
of the data ``X`` (the Spotify features are z-scored, so one unit is one
standard deviation of a feature); a distortion is in squared units of ``X``;
``pi`` is a probability; a log-likelihood is in nats. A relative tolerance
``rtol`` accepts ``|got - want| <= rtol * |want|``; nan and inf are never
within a tolerance (:mod:`.numbers`).

Drawn inputs: the hidden checks' inputs that are not the lab's data (an
offset added to every seed, the centre sets of ``Set`` and ``Update``, the
states ``EM_step`` steps from, the second mixture ``EM`` fits) are drawn per
submission from the course secret (:mod:`.draws`), within the ranges below,
each of which says why it keeps the checks valid. The fixed values
(:data:`CENTRE_CASES_SEED`, :data:`EM_STEP_STATES`, :data:`SECOND_MIXTURE`,
offset 0) are :data:`.draws.Draw.DEFAULT`'s: the instructor's own runs, the
tests and the mutation tests use them.
"""

from __future__ import annotations

# -- every check ----------------------------------------------------------------------------

SEEDS: tuple[int, ...] = (11, 23, 37, 41, 53)
"""Seeds of the random state each call of a student's function runs under.

Before each call the notebook's ``rng`` becomes ``np.random.default_rng(seed)``
and numpy's and Python's global random states are seeded with ``seed``, so a
submission scores the same on every run. The values are arbitrary and
distinct; the functions below take a prefix of them. The corpus tests run
the correct submissions under 50 offsets of these seeds, so no verdict
depends on a lucky draw.
"""

SEED_OFFSET_LIMIT = 2**31
"""Drawn offsets added to every seed lie in ``[0, SEED_OFFSET_LIMIT)``.

Any offset keeps the checks valid (the values of the seeds are arbitrary);
below 2**31 every seed stays below 2**32, the bound of numpy's global
``np.random.seed``."""

# -- Centroid_init --------------------------------------------------------------------------

CENTROID_INIT_SEEDS: tuple[int, ...] = SEEDS[:3]
"""Random states of the ``Centroid_init`` calls on each data set (and for K = N).

Three draws: every draw must give K distinct centres inside the data's
range, and they must not all be equal, which would show that the student
draws with a fixed seed instead of the notebook's ``rng``.
"""

# -- Set and Update -------------------------------------------------------------------------

CENTRE_CASES_SEED = 7
"""Seed of the generator that picks the centre sets ``Set`` and ``Update`` are given
(samples of the data, random points, one set leaving a cluster empty, one whose
cluster holds a single sample) in the default draw; when grading it is drawn
below :data:`CENTRE_CASES_SEED_LIMIT`."""

CENTRE_CASES_SEED_LIMIT = 2**31
"""Drawn centre-set seeds lie in ``[0, CENTRE_CASES_SEED_LIMIT)``.

Every seed gives valid sets: the empty cluster's centre is placed far from
every sample and the one-sample cluster is built around an isolated sample,
whatever the other centres are; the samples of the data are distinct, so no
two centres drawn from them tie."""

SET_UPDATE_SEED: int = SEEDS[0]
"""Random state of the ``Set`` and ``Update`` calls. Neither function draws
anything; one seed keeps a stray draw in student code reproducible."""

# -- Set ------------------------------------------------------------------------------------

SET_D_RTOL = 1e-9
"""Relative tolerance on ``Set``'s distortion D against the reference's.

Summing the same squared distances in another order (loops, ``np.sum``,
``np.linalg.norm(...) ** 2``) changes only the last bits, so 1e-9 accepts
every correct way of computing it; a wrong assignment or an unsquared
distance differs by far more."""

SET_MISTAKE_RTOL = 1e-6
"""Relative tolerance for naming a wrong D as the sum of (unsquared) distances.

Only names the mistake in the message; the verdict is :data:`SET_D_RTOL`'s."""

# -- Update ---------------------------------------------------------------------------------

UPDATE_RTOL = 1e-9
"""Relative tolerance on each new centre against the mean of its cluster.

A mean summed in another order differs in its last bits only; 1e-9 accepts
any correct mean."""

UPDATE_ATOL = 1e-12
"""Absolute tolerance (units of ``X``) on each new centre, for coordinates that
are zero or nearly so, where a relative tolerance alone accepts nothing."""

# -- K_Means --------------------------------------------------------------------------------

K_MEANS_SEEDS: tuple[int, ...] = SEEDS
"""Random states of the ``K_Means(tracks, K)`` runs: five runs, each checked for
consistency and for being a fixed point, and the best of them for its distortion
(:data:`OPTIMUM_SLACK`)."""

K_MEANS_ROWS_SEED_LIMIT = 2**31
"""The rows both ``K_Means`` checks cluster are drawn by a seed below this: a
permutation of the data set's rows, of which the first :data:`K_MEANS_ROWS_KEPT`
(a drawn fraction) are kept. The default draw keeps every row in the file's order.

A drawn subset has its own optimum, computed by the reference for the draw, so
the answers cannot be looked up in a table made from the lab's data; a start
taken from the first rows is a different start for every draw. Every check stays
valid: a correct K_Means reaches the subset's best reachable distortion
(:data:`OPTIMUM_SLACK`) as it reaches the whole data set's."""

K_MEANS_ROWS_KEPT = (0.75, 0.95)
"""The range of the drawn fraction of rows the ``K_Means`` checks keep (never all: the
whole data set in another order has the same answers)."""

K_MEANS_ROWS_CANDIDATES = 4
"""Rows drawn for the ``K_Means`` checks, in order: the checks cluster the first under
which the reference itself passes them. On a few subsets in a thousand, the best of the
1-D runs from :data:`K_MEANS_1D_SEEDS` stops in another local minimum than the subset's
best, so a correct ``K_Means`` could not pass that check; the next candidate is used
(and, should every one be such a subset, every row in the file's order, the default
draw's, which the tests check)."""

K_MEANS_1D_SEEDS: tuple[int, ...] = SEEDS[:3]
"""Random states of the ``K_Means(Data['X'], 2)`` runs; the one of lowest
distortion must find the reference centres (:data:`CENTRES_1D_ATOL`)."""

KMEANS_D_RTOL = 1e-6
"""Relative tolerance on the returned D against the distortion of the returned
centres. Wide enough for any summation order; a D computed before the last
update differs by far more."""

FIXED_POINT_TOL = 1e-6
"""How far one more assignment and update may move the returned centres, times
``1 + max |m|`` (units of ``X``).

A K_Means that stops when no centre moves by more than a small tolerance
(1e-9, say) is at a fixed point for the grader; one that stops after a fixed
number of rounds is not."""

OPTIMUM_SLACK = 0.01
"""How far the best distortion of the :data:`K_MEANS_SEEDS` runs may lie above the
reference's best of :data:`RESTARTS`, as a fraction (0.01: 1%).

K-Means ends in a local optimum that depends on its start, so one run may
miss the best; a correct K_Means (Forgy, k-means++ or uniform starts) gets
within 1% in at least one of its five runs for each of the 50 seed offsets
the corpus tests try."""

CENTRES_1D_ATOL = 1e-3
"""Absolute tolerance (units of ``X``) on the 1-D centres, sorted, against the
reference's. The 1-D mixture has one 2-means optimum; 1e-3 accepts a K_Means
that stops on a small move instead of exact equality."""

EQUALLY_GOOD_1D = 1e-5
"""1-D centres further from the reference's than :data:`CENTRES_1D_ATOL` pass all
the same when their distortion is within this fraction of the reference's: on a
drawn subset of the samples, 2-means can have neighbouring fixed points a few
thousandths apart whose distortions differ by less than 1e-5 (relative), each
as good an answer as the other."""

RESTARTS = 100
"""Restarts of the reference K-Means behind "the best reachable" distortion (and
the 1-D centres): the lowest distortion of 100 Forgy starts stands for the
optimum."""

REFERENCE_SEED = 2024
"""Seed of the generator behind the reference's :data:`RESTARTS` starts, so the
optimum the checks compare with is the same on every run."""

# -- EM_step --------------------------------------------------------------------------------

EM_STEP_SEED = 5
"""Random state of the ``EM_step`` calls. One step draws nothing; a fixed seed
keeps a stray draw reproducible."""

EM_STEP_STATES: tuple[tuple[float, tuple[float, float], tuple[float, float]], ...] = (
    (0.5, (1.0, -1.0), (1.0, 1.0)),
    (0.3, (1.3, -1.8), (0.7, 1.5)),
    (0.8, (-2.5, 0.5), (2.0, 0.5)),
)
"""The default draw's states ``(pi, (mu_0, mu_1), (sigma_0, sigma_1))`` ``EM_step`` steps
from on the lab's samples, before the state K-Means reaches on them (which is the
lab's data's own, never drawn). When grading, as many states are drawn within
:data:`EM_STEP_PI`, :data:`EM_STEP_MEANS` and :data:`EM_STEP_SIGMA`."""

EM_STEP_PI: tuple[float, float] = (0.2, 0.8)
"""Range of a drawn state's ``pi``: both components weigh, so every mistake of the
M-step shows in both; away from 0.5, so the prior of the wrong component differs."""

EM_STEP_MEANS: tuple[tuple[float, float], tuple[float, float]] = ((-3.0, 0.0), (0.5, 2.0))
"""Ranges of a drawn state's two means, a low one and a high one (in either order):
inside the lab's samples (from about their 5th to their 95th percentile) and at
least 0.5 apart, so the two components differ and a step moves both means
(variances around the old means differ from the right ones)."""

EM_STEP_SIGMA: tuple[float, float] = (0.5, 2.0)
"""Range of a drawn state's standard deviations. At least 0.5, so no lab sample lies
further than about 20 standard deviations from a mean and every density is far from
underflow: a correct step computed with ``norm.pdf`` (no logarithms) equals the
reference's; at most 2, the spread of the lab's samples."""

DRAW_STEP = 0.01
"""Drawn real numbers (states and second mixtures) are multiples of 0.01, so the
call a failure message prints is the call that was made, to the last digit."""

STEP_TOL = 1e-6
"""Tolerance on each of the five parameters after one step, times
``max(1, |expected|)``: absolute for values below 1, relative above.

Densities from ``scipy.stats.norm`` or from the formula, in any summation
order, agree far closer; reading the pdf off a grid, variances around the old
means or returning variances differ by far more. ``nan`` never passes."""

MISTAKE_RTOL = 1e-6
"""Relative tolerance for naming a known mistake: a wrong step whose five
parameters equal a mistake's result as closely as a right step equals the
reference's is said, in the message, to look like that mistake."""

MISTAKE_ATOL = 1e-9
"""Absolute tolerance for naming a known mistake (see :data:`MISTAKE_RTOL`),
for parameters near zero."""

# -- EM -------------------------------------------------------------------------------------

EM_SEED = 17
"""Random state of the ``EM`` calls: EM starts from K-Means, whose initial centres
are drawn with the notebook's ``rng``."""

EM_PARAM_ATOL = 0.01
"""Absolute tolerance on each parameter of the fit against the maximum-likelihood
fit, after matching the components: units of ``X`` for ``mu`` and ``sigma``, a
probability for ``pi``. Accepts any sound stopping rule (parameters or
log-likelihood that stop changing); an EM that stops on a wrongly computed
log-likelihood misses it on the second mixture (:data:`SECOND_MIXTURE`)."""

EM_LL_RTOL = 1e-3
"""Relative tolerance on the fit's log-likelihood against the maximum."""

EM_FIXED_POINT_TOL = 1e-4
"""How far one more reference EM step may move each parameter of a fit that missed
the maximum-likelihood fit for that fit to count as converged (a fixed point of
EM), in the units of :data:`EM_PARAM_ATOL`. It tells the two ways to miss the fit
apart: converged elsewhere (another local maximum, from another start than
K-Means'), or stopped before converging (the stopping rule).

EM stopped by the lab's rule (the log-likelihood rises by less than 1e-10 of
itself) leaves at most about 2e-5 to move, on the lab's data and on every second
mixture; stopped by 1e-6 instead, 5e-4 to 9e-4. Below 1e-4 the steps shrink so
fast (about 4% a step on the second mixtures) that EM is within about 0.0025 of
where it converges: a fit still that far from the maximum-likelihood one has
converged elsewhere."""

SECOND_MIXTURE: tuple[int, int, float, tuple[float, float], tuple[float, float]] = (
    2,
    245,
    0.29,
    (1.5, 3.9),
    (0.8, 0.6),
)
"""A second data set for EM's hidden test, not the lab's: (seed, samples, pi,
(mu_0, mu_1), (sigma_0, sigma_1)).

Its samples lie mostly above 0 and its components overlap, so an EM that
stops on a wrong criterion, or starts from clusters computed wrongly, misses
its fit. The default draw's, checked on these 245 samples (under every seed
offset the corpus tests try); when grading, mixtures are drawn from the ranges
below."""

SECOND_MIXTURE_N: tuple[int, int] = (1500, 2500)
"""Range of a drawn second mixture's number of samples.

Around 2000 samples, the behaviour of EM on them (how fast it converges, where a
wrong stopping rule leaves it) follows the mixture's parameters below rather than
the luck of the sample: with about 250 samples, a quarter of the mixtures drawn
within the same parameters let a wrong stopping rule reach the fit, or trap a
random start. The lab's own data has 5000 samples, so a student's EM runs no longer."""

SECOND_MIXTURE_PI: tuple[float, float] = (0.25, 0.35)
"""Range of a drawn second mixture's ``pi``, the share of its high component.

Away from 0.5: a log-likelihood that swaps the priors must differ from the right
one. With the high component the smaller, most samples lie in the low one, near
1.5 (all ranges here were measured together: boxes with the high component the
larger, or the low one the narrower, let both wrong stopping rules of the corpus
reach the fit)."""

SECOND_MIXTURE_MU_0: tuple[float, float] = (1.3, 1.7)
"""Range of the low component's mean: the samples lie mostly above 0, so a
log-likelihood whose density takes a mean as its scale is finite (and wrong)
instead of nan."""

SECOND_MIXTURE_SIGMA_0: tuple[float, float] = (0.7, 0.9)
"""Range of the low (larger) component's standard deviation."""

SECOND_MIXTURE_SIGMA_1: tuple[float, float] = (0.5, 0.7)
"""Range of the high (smaller) component's standard deviation: narrower than the low
one's (see :data:`SECOND_MIXTURE_PI`)."""

SECOND_MIXTURE_SEPARATION: tuple[float, float] = (1.45, 1.65)
"""Range of the distance between the two means in units of ``sigma_0 + sigma_1``
(the default draw's is 1.71).

The components overlap, so EM from K-Means' start takes about 100 to 400 steps to
its fit and an EM that stops on a wrong criterion stops well short of it: over 130
mixtures drawn within these ranges, both wrong stopping rules of the corpus
(``bug_em_loglik_*``) missed the fit by at least 0.029, three times
:data:`EM_PARAM_ATOL`, in every order of the start's components. Above about 1.8
they reach it; below, EM converges ever more slowly, which asks more of a sound
stopping rule than the lab's data does."""

SECOND_MIXTURE_CANDIDATES = 8
"""Second mixtures drawn per submission, in order; the checks use the first whose
likelihood has a single maximum (:data:`PROBE_STARTS`). About one mixture in forty
drawn within the ranges above has a second maximum (4 of 150 measured); when all
eight have one (about once in 10**12 draws) the default draw's mixture is used."""

PROBE_STARTS = 16
"""Random starts EM is run from to tell whether a drawn mixture has a single maximum.

Such a start (two samples as means, both standard deviations the samples', ``pi``
uniform in 0.2..0.8) stands for a student's EM that does not start from K-Means:
it must reach the maximum-likelihood fit, within half of :data:`EM_PARAM_ATOL`,
from all of them. Some mixtures in the ranges above have a second maximum (a
narrow component on the low mode, a wide one over both) that catches up to a third
of such starts; they are not used. The starts are drawn with :data:`REFERENCE_SEED`."""

PROBE_TOL = 1e-10
"""Stopping rule of the probe runs (:data:`PROBE_STARTS`), as in :data:`MLE_TOL`:
a student's usual tolerance, far tighter than :data:`EM_PARAM_ATOL` needs."""

SECOND_MIXTURE_SEED_LIMIT = 2**31
"""Drawn seeds of a second mixture's samples lie in ``[0, SECOND_MIXTURE_SEED_LIMIT)``."""

MLE_TOL = 1e-14
"""Stopping rule of the reference EM behind the maximum-likelihood fits: it stops
when a step raises the log-likelihood by less than ``MLE_TOL`` times its size.

EM converges linearly: 1e-12 stops about 3e-5 short of the maximum on the
lab's 5000 samples, 1e-14 within about 3e-6, tight enough to compare
maximum-likelihood estimates to 1e-5 (the scikit-learn oracles) and far
inside :data:`EM_PARAM_ATOL`."""

MLE_MAX_ITER = 100_000
"""Most EM steps the reference may take for a maximum-likelihood fit; it raises
an error rather than return a fit short of :data:`MLE_TOL`."""
