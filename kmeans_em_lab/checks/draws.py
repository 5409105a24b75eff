"""The hidden tests' inputs, drawn per submission from the course secret.

A student's function can keep the arguments a hidden test calls it with and
print them into its own feedback. Inputs that were the same for everyone
could then be shared with their expected answers and hard-coded in a
resubmission. So every input of a hidden check that is not the lab's data
(an offset added to every seed, the seed of the centre sets of ``Set`` and
``Update``, the rows of the lab's data ``K_Means`` clusters, the states
``EM_step`` steps from, the second mixture ``EM`` fits) is a :class:`Draw`:

- when grading, ``Draw.for_submission(secret, digest, student)``: the course
  secret (:func:`kmeans_em_lab.course.secret.course_secret`, which never leaves
  the grader), the submission's digest and the student, through HMAC-SHA256. The same notebook
  gets the same inputs, hence the same score, on every regrade; another
  notebook (another student, a resubmission) gets other inputs. The kernel
  only ever receives plans, which hold the drawn inputs and never the secret;
- otherwise :data:`Draw.DEFAULT`, the grading policy's fixed values (the
  instructor's own notebook, the tests, the mutation tests).

Every range a value is drawn from is the grading policy's (:mod:`.policy`),
with the reason it keeps the checks valid. The draw in effect is this
process's (:func:`using`, :func:`current`): the worker sets it around the
grading of one submission, and :func:`kmeans_em_lab.checks.plan` and
:func:`kmeans_em_lab.checks.judgement` read it. It is one per process, not
per thread, because the kernel client may plan from a thread of its own; a
second thread that asks for another draw waits until the first is done.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

from kmeans_em_lab.checks import policy

# (pi, (mu_0, mu_1), (sigma_0, sigma_1)): a state of the mixture's parameters
State = tuple[float, tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Mixture:
    """A two-component 1-D Gaussian mixture and the seed of its samples."""

    seed: int
    n: int  # samples
    pi: float  # prior of component 1
    mu: tuple[float, float]
    sigma: tuple[float, float]


@dataclass(frozen=True)
class Draw:
    """The inputs of the hidden checks that are not the lab's data (hashable: a cache key)."""

    seed_offset: int  # added to every seed of :mod:`.policy`
    centre_seed: int  # the centre sets of ``Set`` and ``Update``
    em_step_states: tuple[State, ...]  # the states ``EM_step`` steps from (before K-Means')
    # candidates for ``EM``'s second data set, in order: the checks use the first whose
    # likelihood has a single maximum (:func:`.reference_results.second_mixture`)
    second_mixtures: tuple[Mixture, ...]
    # the rows the ``K_Means`` checks cluster: (seed of a permutation, fraction kept);
    # None: every row, in the file's order
    kmeans_rows: tuple[int, float] | None = None
    # the rows to cluster instead, in order, should the reference fail a ``K_Means``
    # check on ``kmeans_rows`` (:func:`kmeans_em_lab.checks.usable_draw`)
    other_kmeans_rows: tuple[tuple[int, float], ...] = ()

    DEFAULT: ClassVar[Draw]

    @classmethod
    def for_submission(cls, secret: bytes, digest: str, student: str = "") -> Draw:
        """The draw of ``student``'s submission whose digest is ``digest`` (hex), under
        ``secret``."""
        if len(secret) < 16:
            raise ValueError("a course secret has at least 16 bytes")
        message = f"{student}\0{digest}" if student else digest
        key = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()
        return cls.from_key(key)

    @classmethod
    def from_key(cls, key: bytes) -> Draw:
        """The draw that the 32 bytes ``key`` pick, each value within the policy's range."""
        pick = _Picker(key)
        return cls(
            seed_offset=pick.integer("seed_offset", policy.SEED_OFFSET_LIMIT),
            centre_seed=pick.integer("centre_seed", policy.CENTRE_CASES_SEED_LIMIT),
            em_step_states=tuple(
                _state(pick, f"state{i}") for i in range(len(policy.EM_STEP_STATES))
            ),
            second_mixtures=tuple(
                _mixture(pick, f"mixture{k}") for k in range(policy.SECOND_MIXTURE_CANDIDATES)
            ),
            kmeans_rows=_rows(pick, "kmeans_rows"),
            other_kmeans_rows=tuple(
                _rows(pick, f"kmeans_rows{k}") for k in range(1, policy.K_MEANS_ROWS_CANDIDATES)
            ),
        )

    def with_kmeans_rows(self, rows: tuple[int, float] | None) -> Draw:
        """This draw with ``rows`` for the ``K_Means`` checks, and no other candidates."""
        return dataclasses.replace(self, kmeans_rows=rows, other_kmeans_rows=())


def _rows(pick: _Picker, name: str) -> tuple[int, float]:
    return (
        pick.integer(f"{name}.seed", policy.K_MEANS_ROWS_SEED_LIMIT),
        pick.grid(f"{name}.kept", *policy.K_MEANS_ROWS_KEPT),
    )


def _state(pick: _Picker, name: str) -> State:
    (low_min, low_max), (high_min, high_max) = policy.EM_STEP_MEANS
    low = pick.grid(f"{name}.mu_low", low_min, low_max)
    high = pick.grid(f"{name}.mu_high", high_min, high_max)
    mu = (low, high) if pick.integer(f"{name}.order", 2) else (high, low)
    sigma = (pick.grid(f"{name}.sigma_0", *policy.EM_STEP_SIGMA),
             pick.grid(f"{name}.sigma_1", *policy.EM_STEP_SIGMA))  # fmt: skip
    return (pick.grid(f"{name}.pi", *policy.EM_STEP_PI), mu, sigma)


def _mixture(pick: _Picker, name: str) -> Mixture:
    low, high = policy.SECOND_MIXTURE_N
    mu_0 = pick.grid(f"{name}.mu_0", *policy.SECOND_MIXTURE_MU_0)
    sigma = (pick.grid(f"{name}.sigma_0", *policy.SECOND_MIXTURE_SIGMA_0),
             pick.grid(f"{name}.sigma_1", *policy.SECOND_MIXTURE_SIGMA_1))  # fmt: skip
    separation = pick.grid(f"{name}.separation", *policy.SECOND_MIXTURE_SEPARATION)
    gap = round(separation * (sigma[0] + sigma[1]) / policy.DRAW_STEP) * policy.DRAW_STEP
    return Mixture(
        seed=pick.integer(f"{name}.seed", policy.SECOND_MIXTURE_SEED_LIMIT),
        n=low + pick.integer(f"{name}.n", high - low + 1),
        pi=pick.grid(f"{name}.pi", *policy.SECOND_MIXTURE_PI),
        mu=(mu_0, round(mu_0 + gap, 10)),
        sigma=sigma,
    )


class _Picker:
    """Numbers picked by name from a key: each one HMAC-SHA256(key, name), so a value
    depends on its name only (no order of drawing, no library's random stream)."""

    def __init__(self, key: bytes):
        self._key = key

    def integer(self, name: str, limit: int) -> int:
        """An integer in ``[0, limit)``."""
        block = hmac.new(self._key, name.encode("utf-8"), hashlib.sha256).digest()
        return int.from_bytes(block, "big") % limit  # 256 bits: no bias worth the name

    def grid(self, name: str, low: float, high: float) -> float:
        """A multiple of :data:`.policy.DRAW_STEP` in ``[low, high]``."""
        steps = round((high - low) / policy.DRAW_STEP)
        return round(low + self.integer(name, steps + 1) * policy.DRAW_STEP, 10)


def _default() -> Draw:
    seed, n, pi, mu, sigma = policy.SECOND_MIXTURE
    return Draw(
        seed_offset=0,
        centre_seed=policy.CENTRE_CASES_SEED,
        em_step_states=policy.EM_STEP_STATES,
        second_mixtures=(Mixture(seed=seed, n=n, pi=pi, mu=mu, sigma=sigma),),
    )


Draw.DEFAULT = _default()

# -- the draw in effect in this process ------------------------------------------------------

_current: Draw = Draw.DEFAULT
_held = threading.RLock()


def current() -> Draw:
    """The draw the checks plan and judge with now (:data:`Draw.DEFAULT` outside :func:`using`)."""
    return _current


@contextmanager
def using(draw: Draw) -> Iterator[Draw]:
    """Plan and judge with ``draw`` until the block ends (nests; other threads wait)."""
    global _current
    if not isinstance(draw, Draw):
        raise TypeError(f"expected a Draw, got {type(draw).__name__}")
    with _held:
        saved, _current = _current, draw
        try:
            yield draw
        finally:
            _current = saved
