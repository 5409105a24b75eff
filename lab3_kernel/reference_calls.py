"""The reference helpers in the student's kernel: stand-ins that ask the grader.

A check of ``K_Means`` runs the student's ``K_Means`` with the reference
``Centroid_init``, ``Set`` and ``Update`` (one bug is not paid for twice); a
check of ``EM`` with the reference ``K_Means`` and ``EM_step``. No code of the
reference enters the kernel: each helper here is a stand-in with the lab's
signature that sends its arguments to the grader and returns the grader's
answer (:mod:`kmeans_em_lab.checks.reference_service` computes it). Student
code can call a stand-in, read its name or disassemble it: it finds a socket
and a few lines of JSON, nothing it could keep and hand in.

The plan of a cell names the helpers bound while it runs (name -> parameter
names); the grader answers those and only those, and only while that cell
runs. A helper that draws random numbers (``Centroid_init``, ``K_Means``)
uses the notebook's ``rng`` as the original would: its state travels with the
call and comes back advanced.

The exchange is one connection per call to the Unix socket named by
``$LAB3_HELPERS``: a request and a reply, each a JSON text after its length
(:func:`send_frame`, :func:`recv_frame`). Where there is no grader around
(the tests, the mutation tests, the instructor's own kernel), the caller
passes a *transport* that answers in the same process, through the same JSON.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import json
import os
import socket
import struct
import time
from collections.abc import Callable

import numpy as np

from . import wire

SOCKET_VAR = "LAB3_HELPERS"
REPLY_SECONDS = 120.0  # a reply takes a fraction of a second; past this the grader is gone
_LENGTH = struct.Struct(">I")
# exceptions a reply may name (the reference raised one of these); anything else: RuntimeError
RAISED = ("ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
          "FloatingPointError", "RuntimeError")  # fmt: skip

Transport = Callable[[bytes], bytes]


class ReferenceUnavailable(RuntimeError):
    """The grader did not answer a reference helper's call."""


# -- frames --------------------------------------------------------------------------------------


def send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_LENGTH.pack(len(payload)) + payload)


def recv_frame(sock: socket.socket, limit: int, deadline: float | None = None) -> bytes | None:
    """One frame's payload; None when the peer closed first, announced more than ``limit``,
    or had not sent it all by ``deadline`` (a ``time.monotonic()`` time; None: no deadline
    but the socket's timeout on each read)."""
    head = _recv_exactly(sock, _LENGTH.size, deadline)
    if head is None:
        return None
    (size,) = _LENGTH.unpack(head)
    if size > limit:
        return None
    return _recv_exactly(sock, size, deadline)


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            timeout = sock.gettimeout()
            sock.settimeout(left if timeout is None else min(timeout, left))
        try:
            chunk = sock.recv(min(size - got, 1 << 20))
        except TimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            raise
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def socket_transport(path: str) -> Transport:
    """Calls answered by the grader listening on the Unix socket ``path``."""

    def ask(request: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(REPLY_SECONDS)
            try:
                sock.connect(path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    send_frame(sock, request)  # refused unread when too large: the reply says so
                reply = recv_frame(sock, 1 << 31)
            except OSError as err:
                raise ReferenceUnavailable(f"the grader did not answer ({err})") from None
        if reply is None:
            raise ReferenceUnavailable("the grader did not answer")
        return reply

    return ask


def default_transport() -> Transport | None:
    path = os.environ.get(SOCKET_VAR)
    return socket_transport(path) if path else None


# -- stand-ins -----------------------------------------------------------------------------------


def notebook_rng(namespace: dict) -> np.random.Generator:
    """The notebook's ``rng`` as it is now (made with seed 0 if the notebook has none)."""
    rng = namespace.get("rng")
    if not isinstance(rng, np.random.Generator):
        rng = namespace["rng"] = np.random.default_rng(0)
    return rng


def _pcg64_state(rng: np.random.Generator) -> dict:
    """The state the grader draws from: the notebook's own when it is numpy's default
    (PCG64), else one seeded from a draw of the notebook's rng."""
    if isinstance(rng.bit_generator, np.random.PCG64):
        return rng.bit_generator.state
    return np.random.PCG64(int(rng.integers(2**63))).state


def _raised(reply: dict, name: str) -> BaseException:
    kind = reply.get("kind")
    cls = getattr(builtins, kind) if kind in RAISED else RuntimeError
    return cls(f"the reference {name}: {str(reply.get('error'))[:500]}")


def stand_in(name: str, params: list[str], random: bool, namespace: dict, transport: Transport):
    """The helper ``name(*params)``: asks the grader through ``transport``."""
    signature = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params]
    )

    def helper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        rng = notebook_rng(namespace) if random else None
        request = {
            "helper": name,
            "args": [wire.encode(value) for value in bound.args],
            "rng": _pcg64_state(rng) if rng is not None else None,
        }
        reply = json.loads(transport(json.dumps(request).encode("utf-8")))
        if "error" in reply:
            raise _raised(reply, name)
        if rng is not None and isinstance(rng.bit_generator, np.random.PCG64):
            rng.bit_generator.state = reply["rng"]  # advanced as the reference's draws did
        return wire.decode(reply["result"])

    helper.__name__ = helper.__qualname__ = name
    helper.__signature__ = signature
    helper.__doc__ = f"The reference {name}, answered by the grader."
    return helper


def stand_ins(plan: dict, namespace: dict, transport: Transport | None = None) -> dict:
    """name -> stand-in for every helper the plan binds."""
    wanted = plan.get("helpers") or {}
    if not wanted:
        return {}
    transport = transport or default_transport()
    if transport is None:
        raise ReferenceUnavailable(f"${SOCKET_VAR} is not set: no grader to answer the helpers")
    return {
        name: stand_in(name, list(spec["params"]), bool(spec["random"]), namespace, transport)
        for name, spec in wanted.items()
    }
