"""The grader's answers to the reference helpers called in the student's kernel.

While a check of ``K_Means`` or ``EM`` runs, the kernel holds stand-ins for the
reference helpers (:mod:`lab3_kernel.reference_calls`); each call comes here
as a request and is answered by the reference itself
(:mod:`kmeans_em_lab.reference.contract`), outside the kernel. The reference's
code never enters the kernel, so student code cannot carry it home.

A request is student data: it is decoded with :func:`lab3_kernel.wire.decode`
(plain data only), refused when it names a helper the current cell does not
bind, when it is over :data:`MAX_REQUEST_BYTES`, or when its arrays would
make the reference do more than :data:`MAX_WORK` elements of work per step;
whatever the reference raises on odd arguments goes back as an error the
stand-in raises in the kernel, as the reference would have raised there.

:class:`Service` answers one cell's helpers; the worker serves it on a Unix
socket (:mod:`kmeans_em_lab.pipeline.reference_server`), the tests and the
instructor's own kernel call it in the same process.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from functools import cache

import numpy as np

from kmeans_em_lab.reference import contract
from lab3_kernel import wire

# helper -> (its object in :mod:`kmeans_em_lab.reference.contract`, draws random numbers)
HELPERS = {
    "Centroid_init": ("make_Centroid_init", True),
    "Set": ("Set", False),
    "Update": ("Update", False),
    "K_Means": ("make_K_Means", True),
    "EM_step": ("EM_step", False),
}
# The largest request a correct K_Means sends is its data (600 x 13 numbers, about 80 kB
# as JSON); a request past this is refused unread.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
# samples x features x centres (x 2 components for EM_step): the reference's work per step.
# The lab's largest is 600 x 13 x 10; past this the call is refused, so no request can
# make the grader compute for long or allocate much.
MAX_WORK = 1_000_000
# bit generators the notebook's rng may use (numpy's own; their states are plain data)
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class Refused(ValueError):
    """A request the grader does not answer (the reason goes back to the kernel)."""


@cache
def params(name: str) -> tuple[str, ...]:
    """The parameter names of helper ``name``, as the lab defines them."""
    factory, random = HELPERS[name]
    obj = getattr(contract, factory)
    if random:
        obj = obj(np.random.default_rng(0))
    return tuple(inspect.signature(obj).parameters)


def plan_entry(names) -> dict:
    """The plan's ``helpers`` for ``names``: name -> its parameters and whether it draws."""
    return {name: {"params": list(params(name)), "random": HELPERS[name][1]} for name in names}


def _rng(state) -> np.random.Generator:
    if not (isinstance(state, dict) and state.get("bit_generator") in BIT_GENERATORS):
        raise Refused("the notebook's rng is not one of numpy's generators")
    bit_generator = getattr(np.random, state["bit_generator"])()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise Refused(f"the notebook's rng has a state numpy does not accept ({err})") from None
    return np.random.Generator(bit_generator)


def _size(value) -> int:
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, list | tuple):
        return len(value)
    return 1


def work(name: str, args: list) -> int:
    """An upper bound on the elements the reference handles per step for these arguments."""
    if not args:
        return 0
    samples = _size(args[0])
    if name in ("Centroid_init", "K_Means"):
        k = args[1] if len(args) > 1 and type(args[1]) is int else 1
        return samples * max(k, 1)
    if name in ("Set", "Update"):
        return samples * _size(args[-1])
    return samples * 2  # EM_step: two components


def refusal(reason: str) -> bytes:
    """The reply to a call the grader does not answer (the stand-in raises it)."""
    return json.dumps({"error": reason, "kind": "RuntimeError"}).encode("utf-8")


class Service:
    """Answers the calls of the helpers one cell binds (``names``), nothing else."""

    def __init__(self, names=()):
        self.names = frozenset(names)

    def answer(self, request: bytes) -> bytes:
        """The reply (JSON) to one request (JSON), never an exception."""
        try:
            reply = self._answer(request)
        except Refused as err:
            return refusal(str(err))
        return json.dumps(reply).encode("utf-8")

    def _answer(self, request: bytes) -> dict:
        if len(request) > MAX_REQUEST_BYTES:
            raise Refused(f"a call of more than {MAX_REQUEST_BYTES // 2**20} MiB is not answered")
        try:
            data = json.loads(request)
        except (ValueError, RecursionError):
            raise Refused("the call is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("args"), list):
            raise Refused("the call is malformed")
        name = data.get("helper")
        if name not in self.names:
            raise Refused(f"no reference {str(name)[:40]!r} is bound in this cell")
        try:
            args = [wire.decode(value) for value in data["args"]]
        except wire.WireError as err:
            raise Refused(f"the arguments cannot be read ({err})") from None
        if len(args) != len(params(name)):
            raise Refused(f"{name} takes {len(params(name))} arguments, got {len(args)}")
        if work(name, args) > MAX_WORK:
            raise Refused(f"arguments this large are not answered (over {MAX_WORK:,} elements)")
        factory, random = HELPERS[name]
        rng = _rng(data.get("rng")) if random else None
        helper = getattr(contract, factory)(rng) if random else getattr(contract, factory)
        try:
            with np.errstate(all="ignore"):
                result = helper(*args)
        except (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError,
                FloatingPointError, RuntimeError) as err:  # fmt: skip
            return {"error": str(err)[:500], "kind": type(err).__name__}
        except (ArithmeticError, MemoryError, AttributeError) as err:
            return {"error": f"{type(err).__name__}: {str(err)[:500]}", "kind": "RuntimeError"}
        reply = {"result": wire.encode(result)}
        if rng is not None:
            reply["rng"] = rng.bit_generator.state
        return reply


def in_process(names) -> Callable[[bytes], bytes]:
    """A transport answering ``names`` in this process (no grader around)."""
    return Service(names).answer
