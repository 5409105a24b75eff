"""The grader's answers to the reference helpers called in the student's kernel.

While a check of ``K_Means`` or ``EM`` runs, the kernel holds stand-ins for the
reference helpers (:mod:`lab3_kernel.reference_calls`); each call comes here
as a request and is answered by the reference itself
(:mod:`kmeans_em_lab.reference.contract`), outside the kernel. The reference's
code never enters the kernel, so student code cannot carry it home.

A request is student data: it is decoded with :func:`lab3_kernel.wire.decode`
(plain data only), refused when it names a helper the current cell does not
bind, when it is over :data:`MAX_REQUEST_BYTES`, when its arguments are not of
the lab's kinds and shapes (:func:`checked`: the reference then works on the
checked copies), or when they would make the reference handle more than
:data:`MAX_WORK` elements per step; K-Means, the one helper that iterates, stops
(and raises, as the reference does at its iteration cap) once a call has handled
:data:`MAX_CALL_WORK` elements in all; and once the grader has spent
:data:`MAX_CELL_CPU_SECONDS` answering one cell's calls (reading them included), the
cell's further calls are refused undecoded, as are a notebook's after
:data:`MAX_NOTEBOOK_CPU_SECONDS` and every call made while no helper is served;
whatever the reference raises on odd arguments goes back as an error the
stand-in raises in the kernel, as the reference would have raised there.

:class:`Service` answers one cell's helpers; the worker serves it on a Unix
socket (:mod:`kmeans_em_lab.pipeline.worker.reference_server`), the tests and the
instructor's own kernel call it in the same process.
"""

from __future__ import annotations

import inspect
import json
import operator
import time
from collections import Counter
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
# as JSON; 160 kB as lists of numbers); a request past this is refused unread.
MAX_REQUEST_BYTES = 1024 * 1024
# Its values and containers, counted before it is decoded: a correct one holds a few dozen
# (arrays travel as base64), a list-of-lists X about 8,000; megabytes of ``[]`` would
# decode into hundreds of megabytes.
MAX_REQUEST_VALUES = 100_000
# samples x features x centres (x 2 components for EM_step): the reference's work per step.
# The lab's largest is 600 x 13 x 10; past this the call is refused, so no request can
# make the grader compute for long or allocate much.
MAX_WORK = 1_000_000
# ... and in all steps of one call: the reference K-Means iterates up to 1,000 times, and
# 1,000 steps of MAX_WORK took 13 s of the grader's CPU per call. The lab's largest
# (600 x 13 x 10) may still take 640 iterations; a call at MAX_WORK, 50.
MAX_CALL_WORK = 50_000_000
# The grader's CPU time answering one cell's calls (the lab's cells take well under a
# second): past it the cell's further calls are refused, however many a notebook makes in
# the cell's time.
MAX_CELL_CPU_SECONDS = 60.0
# ... and one notebook's calls in all, reading and refusing included (a request the grader
# refuses still costs it its decoding): past it, no request of the notebook is decoded.
MAX_NOTEBOOK_CPU_SECONDS = 120.0


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
    """The notebook's rng from the state its stand-in sent: a PCG64 state of plain integers
    (the stand-in sends one whatever the notebook uses), each checked before numpy sees it."""
    inner = state.get("state") if isinstance(state, dict) else None
    if not (
        isinstance(state, dict)
        and set(state) == {"bit_generator", "state", "has_uint32", "uinteger"}
        and state["bit_generator"] == "PCG64"
        and isinstance(inner, dict)
        and set(inner) == {"state", "inc"}
        and all(type(v) is int and 0 <= v < 2**128 for v in inner.values())
        and state["has_uint32"] in (0, 1)
        and type(state["uinteger"]) is int
        and 0 <= state["uinteger"] < 2**32
    ):
        raise Refused("the notebook's rng state is not a PCG64 state")
    bit_generator = np.random.PCG64()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _array(value, what: str, ndims=(1, 2)) -> np.ndarray:
    """``value`` as a float array of one of ``ndims`` dimensions (as the reference reads it)."""
    if isinstance(value, wire.Opaque):
        raise Refused(f"{what} is a {value.type_name}, not an array of numbers")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise Refused(f"{what} is not an array of numbers") from None
    if array.ndim not in ndims:
        raise Refused(f"{what} has {array.ndim} dimensions")
    if array.ndim == 2 and array.shape[1] == 0:
        raise Refused(f"{what} has no features")
    return array


def _features(array: np.ndarray) -> int:
    """Numbers per sample (1 for 1-D data)."""
    return array.shape[1] if array.ndim == 2 else 1


def _count(value, samples: int) -> int:
    try:
        k = operator.index(value)
    except TypeError:
        raise Refused(f"K must be an integer, got {type(value).__name__}") from None
    if not 1 <= k <= samples:
        raise Refused(f"K = {k} is not between 1 and the number of samples ({samples})")
    return k


def _same_features(X: np.ndarray, m: np.ndarray) -> None:
    """Samples and centres of as many features (the reference would broadcast one over the
    other, and the cost with it)."""
    features = [a.reshape(len(a), -1).shape[1] if len(a) else 0 for a in (X, m)]
    if len(X) and len(m) and features[0] != features[1]:
        raise Refused(f"X has {features[0]} features per sample but m has {features[1]}")


def checked(name: str, args: list) -> tuple[list, int]:
    """The arguments as the reference reads them, and the elements it handles per step;
    :class:`Refused` for arguments of another kind or shape than the lab's."""
    if name in ("Centroid_init", "K_Means"):
        X = _array(args[0], "X")
        k = _count(args[1], len(X))
        return [X, k], len(X) * _features(X) * k
    if name == "Set":
        X, m = _array(args[0], "X"), _array(args[1], "m")
        _same_features(X, m)
        return [X, m], len(X) * _features(X) * max(len(m), 1)
    if name == "Update":
        X, clusters, m = _array(args[0], "X"), args[1], _array(args[2], "m")
        _same_features(X, m)
        if not isinstance(clusters, dict):
            raise Refused(f"C must be a dict of clusters, got {type(clusters).__name__}")
        C = {key: _array(value, f"C[{key!r}]", (1, 2)) for key, value in clusters.items()}
        rows = len(X) + len(m) + sum(len(c) for c in C.values())
        return [X, C, m], rows * _features(X)
    if name == "EM_step":
        X = _array(args[0], "X", (1,))
        pi = _array(args[1], "pi", (0, 1))
        mu, sigma = _array(args[2], "mu", (1,)), _array(args[3], "sigma", (1,))
        if pi.size != 1 or mu.shape != (2,) or sigma.shape != (2,):
            raise Refused("pi must be one number, mu and sigma two numbers each")
        return [X, float(pi.reshape(-1)[0]), mu, sigma], X.size * 2
    raise Refused(f"no reference {name!r}")


def refusal(reason: str) -> bytes:
    """The reply to a call the grader does not answer (the stand-in raises it)."""
    return json.dumps({"error": reason, "kind": "RuntimeError"}).encode("utf-8")


class Service:
    """Answers the calls of the helpers one cell binds (``names``), nothing else."""

    def __init__(self, names=()):
        self.names = frozenset(names)
        # helper -> calls answered (the grader's own count: which helpers the student's
        # function really called, e.g. K_Means's start from Centroid_init)
        self.answered: Counter[str] = Counter()
        self.cpu_seconds = 0.0  # the grader's CPU time spent answering them

    def spent(self) -> str:
        """Why this cell's calls are no longer read ('' while its CPU budget lasts)."""
        if self.cpu_seconds > MAX_CELL_CPU_SECONDS:
            return (
                f"this cell's reference calls took more than {MAX_CELL_CPU_SECONDS:g} s of the "
                "grader's CPU time: no more are answered"
            )
        return ""

    def answer(self, request: bytes) -> bytes:
        """The reply (JSON) to one request (JSON), never an exception; its CPU time, the
        request's decoding included, counts against the cell's budget."""
        started = time.thread_time()
        try:
            return json.dumps(self._answer(request)).encode("utf-8")
        except Refused as err:
            return refusal(str(err))
        except Exception as err:  # noqa: BLE001 - whatever a request makes fail: a refusal
            return refusal(f"the grader could not answer this call ({type(err).__name__})")
        finally:
            self.cpu_seconds += time.thread_time() - started

    def _answer(self, request: bytes) -> dict:
        if spent := self.spent():
            raise Refused(spent)
        if len(request) > MAX_REQUEST_BYTES:
            raise Refused(f"a call of more than {MAX_REQUEST_BYTES // 2**20} MiB is not answered")
        if wire.values_in(request) > MAX_REQUEST_VALUES:
            raise Refused(f"a call of more than {MAX_REQUEST_VALUES:,} values is not answered")
        try:
            data = json.loads(request)
        except (ValueError, RecursionError):
            raise Refused("the call is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("args"), list):
            raise Refused("the call is malformed")
        name = data.get("helper")
        if not isinstance(name, str) or name not in self.names:
            raise Refused(f"no reference {str(name)[:40]!r} is bound in this cell")
        try:
            args = [wire.decode(value) for value in data["args"]]
        except wire.WireError as err:
            raise Refused(f"the arguments cannot be read ({err})") from None
        if len(args) != len(params(name)):
            raise Refused(f"{name} takes {len(params(name))} arguments, got {len(args)}")
        args, work = checked(name, args)
        if work > MAX_WORK:
            raise Refused(f"arguments this large are not answered (over {MAX_WORK:,} elements)")
        factory, random = HELPERS[name]
        self.answered[name] += 1
        rng = _rng(data.get("rng")) if random else None
        if name == "K_Means":
            helper = contract.make_K_Means(rng, max_iter=min(1000, MAX_CALL_WORK // max(work, 1)))
        elif random:
            helper = getattr(contract, factory)(rng)
        else:
            helper = getattr(contract, factory)
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
