"""How a check meets the student's code: planned against the reference, judged on a record.

A check (e.g. :func:`.kmeans_checks.check_Set`) is written once, as if it
called the student's function directly through :func:`call`. It is run twice,
both times in the grader:

1. **planning** (:class:`Session` in ``"plan"`` mode): each :func:`call` is
   noted (function, arguments, seed, helpers to bind) and answered by the
   reference, so the check runs to its end and every call is known. The calls
   become the plan the kernel carries out (:mod:`lab3_kernel.recorder`);
2. **judging** (``"judge"`` mode): each :func:`call` is answered, in order, by
   what the student's function returned in the kernel (its record), and the
   check compares as usual. Its ``AssertionError`` is the verdict.

The calls' inputs never depend on earlier answers, so the plan made against the
reference is the one the student's code is run on. Both runs read the same
:class:`.draws.Draw` (the session's), whose offset is added to every seed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np

from kmeans_em_lab.checks import draws
from kmeans_em_lab.checks.verdict import one_line
from kmeans_em_lab.reference import contract, kmeans
from lab3_kernel import wire
from lab3_kernel.capture import CallReport, StudentError

# Added to every seed a check uses, on top of the draw's own offset. 0 when grading;
# the corpus tests set other values to show that correct code passes whatever the
# random state.
SEED_OFFSET = 0


class RecordError(AssertionError):
    """The kernel's record does not answer the plan (missing, cut short, malformed)."""


class Student:
    """The student's function called ``name``, as a check sees it."""

    def __init__(self, name: str):
        self.name = name


def _reference_answer(name: str, args: tuple, seed: int):
    """What the reference returns for a planned call (to let the check run on)."""
    rng = np.random.default_rng(seed)
    table = {
        "Centroid_init": lambda X, K: kmeans.init_centroids(X, K, rng),
        "Set": contract.Set,
        "Update": contract.Update,
        "K_Means": contract.make_K_Means(rng),
        "EM_step": contract.EM_step,
        "EM": contract.make_EM(rng),
    }
    return table[name](*copy.deepcopy(args))


class Session(Mapping):
    """The notebook's namespace as a check sees it: every name is the student's function.

    ``draw`` holds the inputs the check is given besides the lab's data (default: the
    draw in effect, :func:`.draws.current`)."""

    def __init__(
        self,
        mode: str,
        outcomes: list | None = None,
        draw: draws.Draw | None = None,
        served: Mapping[str, int] | None = None,
    ):
        if mode not in ("plan", "judge"):
            raise ValueError(mode)
        self.mode = mode
        self.draw = draw or draws.current()
        # the reference helpers' calls the grader answered while the cell ran (None: unknown)
        self.served = served
        self.calls: list[dict] = []
        self.substitutes: tuple[str, ...] = ()
        self._outcomes: Iterator = iter(outcomes or [])

    def __getitem__(self, name: str) -> Student:
        return Student(name)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def call(self, name: str, args: tuple, label: str, seed: int):
        if self.mode == "plan":
            seed += self.draw.seed_offset + SEED_OFFSET
            self.calls.append({
                "function": name,
                "args": wire.encode(list(args)),
                "label": label,
                "seed": seed,
                "substitute": list(self.substitutes),
            })  # fmt: skip
            return _reference_answer(name, args, seed), CallReport()
        return self._answer(label)

    def _answer(self, label: str):
        outcome = next(self._outcomes, None)
        if not isinstance(outcome, dict) or outcome.get("label") != label:
            raise RecordError(
                f"the grader found no record of the call {label}: the notebook stopped "
                "or changed the grader's recording, so this test scores 0"
            )
        if outcome.get("error") is not None:
            raise StudentError(_error_of(label, outcome["error"]))
        try:
            result = wire.decode(outcome.get("result"))
        except wire.WireError as err:
            raise RecordError(f"{label} returned what the grader cannot read ({err})") from None
        return result, _report(outcome)


# How :func:`lab3_kernel.capture.call` begins its account of a call that failed, after the
# call's label: the grader's own frame around the student's words.
_ERROR_FRAMES = (" raised ", ": expected a function, found ", " called into ")


def _error_of(label: str, error) -> str:
    """The kernel's account of call ``label`` that failed, as the grader shows it: on one
    line, and only when it starts as :func:`lab3_kernel.capture.call` starts it (with the
    grader's label), else a :class:`RecordError`: whatever else a record says there, the
    notebook wrote it."""
    text = str(error)[:2000]
    if not any(text.startswith(label + frame) for frame in _ERROR_FRAMES):
        raise RecordError(
            f"the grader's record of the call {label} was changed by the notebook, so this "
            "test scores 0"
        )
    return one_line(text)


MAX_ARGUMENTS = 8  # positions an argument can hold in the lab's functions (EM_step has 4)


def changed_arguments(mutated) -> list[int]:
    """The argument positions a record's ``mutated`` list names, each once, in order (a
    forged list of thousands, or of integers whose hashes collide, is read no further than
    :data:`MAX_ARGUMENTS` entries)."""
    if not isinstance(mutated, list):
        return []
    return sorted({i for i in mutated[:MAX_ARGUMENTS] if type(i) is int and 0 <= i < MAX_ARGUMENTS})


def _report(outcome: dict) -> CallReport:
    def texts(value, limit):  # the student's words (warnings), each on one line
        return [one_line(str(v)[:300]) for v in value[:limit]] if isinstance(value, list) else []

    mutated = outcome.get("mutated")
    stderr = str(outcome.get("stderr") or "")[-2000:]
    return CallReport(
        warnings=texts(outcome.get("warnings"), 50),
        # its lines kept apart (a verdict quotes the last), each as one_line shows it
        stderr="\n".join(one_line(line) for line in stderr.splitlines()),
        stdout_chars=outcome["stdout_chars"] if type(outcome.get("stdout_chars")) is int else 0,
        # argument positions, each once (a forged list of thousands would be judged one by one)
        mutated=changed_arguments(mutated),
    )


@contextmanager
def substituted(namespace: Session, names) -> Iterator[None]:
    """The calls made meanwhile run with the reference ``names`` bound in the kernel."""
    saved = namespace.substitutes
    namespace.substitutes = tuple(names)
    try:
        yield
    finally:
        namespace.substitutes = saved


def call(func: Student, *args, label: str, namespace: Session, seed: int):
    """``func(*args)`` as the check sees it: ``(result, CallReport)``, or a
    :class:`StudentError` when the student's code raised or broke a rule."""
    if not isinstance(func, Student):
        raise TypeError("checks call the student's functions through their Session")
    return namespace.call(func.name, args, label, seed)
