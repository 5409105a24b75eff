"""The reference helpers are answered by the grader, never sent to the kernel as code.

A stand-in (:mod:`lab3_kernel.reference_calls`) calls the worker's
:class:`~kmeans_em_lab.pipeline.worker.reference_server.ReferenceServer` over its Unix
socket: its answers equal the reference's, a random helper advances the
notebook's ``rng`` exactly as the reference would, and the server answers only
the helpers of the cell being served, only plain data, and only requests of a
bounded size and cost.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import time

import numpy as np
import pytest

from kmeans_em_lab.checks import plan, reference_service
from kmeans_em_lab.pipeline.worker.reference_server import ReferenceServer
from kmeans_em_lab.reference import contract
from lab3_kernel import reference_calls, wire

X2 = np.random.default_rng(1).normal(size=(60, 3))
X1 = np.concatenate(
    [np.random.default_rng(2).normal(0, 1, 80), np.random.default_rng(3).normal(5, 1, 40)]
)


@pytest.fixture
def server():
    running = ReferenceServer()
    yield running
    running.close()


def stand_ins(server, names, namespace):
    server.serve(names)
    planned = {"helpers": reference_service.plan_entry(names)}
    return reference_calls.stand_ins(
        planned, namespace, reference_calls.socket_transport(str(server.path))
    )


def _reply(sock) -> dict:
    """The server's answer on ``sock``: one frame of JSON."""
    size = struct.unpack(">I", sock.recv(4))[0]
    data = b""
    while len(data) < size:
        data += sock.recv(size - len(data))
    return json.loads(data)


def raw_call(server, payload: bytes) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(server.path))
        sock.sendall(struct.pack(">I", len(payload)) + payload)
        return _reply(sock)


def test_stand_ins_answer_as_the_reference_does(server):
    helpers = stand_ins(server, ["Set", "Update", "EM_step"], {})
    m = X2[:4].copy()
    C, D = helpers["Set"](X2, m)
    want_C, want_D = contract.Set(X2, m)
    assert D == want_D and set(C) == set(want_C)
    assert all(np.array_equal(C[k], want_C[k]) for k in C)
    assert np.array_equal(helpers["Update"](X2, C, m=m), contract.Update(X2, C, m))
    got = helpers["EM_step"](X1, 0.4, np.array([0.0, 4.0]), np.array([1.0, 2.0]))
    want = contract.EM_step(X1, 0.4, np.array([0.0, 4.0]), np.array([1.0, 2.0]))
    assert type(got[0]) is np.float64 and all(
        np.array_equal(a, b) for a, b in zip(got, want, strict=True)
    )
    assert got[1].flags.writeable  # the student's code may change what it is given


def test_a_random_helper_draws_from_the_notebook_rng_as_the_reference_would(server):
    namespace = {"rng": np.random.default_rng(42)}
    helpers = stand_ins(server, ["Centroid_init", "K_Means"], namespace)
    own = np.random.default_rng(42)
    assert np.array_equal(helpers["Centroid_init"](X2, 3), contract.make_Centroid_init(own)(X2, 3))
    got, want = helpers["K_Means"](X2, 2), contract.make_K_Means(own)(X2, 2)
    assert np.array_equal(got[0], want[0]) and got[1] == want[1]
    assert namespace["rng"].random() == own.random()  # both streams advanced alike


def test_nothing_of_the_reference_is_in_a_plan_or_a_stand_in(server):
    sent = plan("public:EM")
    text = json.dumps(sent)
    assert "lloyd" not in text and "_component_log_densities" not in text and "def " not in text
    helper = stand_ins(server, ["EM_step"], {})["EM_step"]
    assert helper.__module__ == "lab3_kernel.reference_calls"
    assert "maximise" not in helper.__code__.co_names


def test_only_the_served_cells_helpers_are_answered(server):
    helpers = stand_ins(server, ["Set"], {})
    server.serve(["EM_step"])  # the next cell binds another helper
    with pytest.raises(RuntimeError, match="no reference 'Set' is bound"):
        helpers["Set"](X2, X2[:2])
    server.stop_serving()  # between cells: nothing, and nothing decoded
    reply = raw_call(server, json.dumps({"helper": "EM_step", "args": [], "rng": None}).encode())
    assert "no reference helper is served" in reply["error"]
    assert raw_call(server, b"not even JSON")["error"] == reply["error"]


def _frame(helper: str) -> bytes:
    payload = json.dumps({"helper": helper, "args": [X2.tolist(), X2[:2].tolist()], "rng": None})
    return struct.pack(">I", len(payload)) + payload.encode()


def test_a_call_held_open_into_a_later_cell_is_refused(server):
    """A kernel thread that connects while a test cell binds ``Set`` and sends its call
    only in a later cell, which binds another helper, is not answered with the first
    cell's ``Set``: a call is answered with the helpers of the cell it was made in."""
    frame = _frame("Set")
    server.serve(["Set"])
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(server.path))
        sock.sendall(frame[:10])
        time.sleep(0.3)  # accepted and read in part while Set is served
        server.stop_serving()
        server.serve(["Set"])  # a later cell that binds Set again is another cell
        sock.sendall(frame[10:])
        reply = _reply(sock)
    assert "has ended" in reply["error"], reply
    assert server.stop_serving() == {}  # nothing answered
    server.serve(["Set"])
    assert "error" not in raw_call(server, frame[4:])  # a call made in this cell: answered


def test_a_call_trickled_in_is_dropped_at_its_deadline(server, monkeypatch):
    """One byte a second never reaches the idle time, but the call must arrive whole
    within ``REQUEST_SECONDS`` of its connection: past it, it is dropped unanswered, and
    the server answers the next call."""
    from kmeans_em_lab.pipeline.worker import reference_server

    monkeypatch.setattr(reference_server, "REQUEST_SECONDS", 1.0)
    frame = _frame("Set")
    server.serve(["Set"])
    start = time.monotonic()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(server.path))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for byte in frame[:20]:  # 6 s of it, if it were read to its end
                sock.sendall(bytes([byte]))
                time.sleep(0.3)
        reply = _reply(sock)
        dropped = time.monotonic() - start
    assert "took more than 1 s to send" in reply["error"], reply
    assert dropped < 6.0  # dropped at its deadline, not read to its end
    helpers = stand_ins(server, ["Set"], {})
    assert helpers["Set"](X2, X2[:2])[1] == contract.Set(X2, X2[:2])[1]


def test_the_server_counts_the_calls_it_answered_in_a_cell(server):
    """The grader's own count of the helpers a cell called (K_Means's start from
    Centroid_init is judged on it): answered calls only, reset by every cell."""
    namespace = {"rng": np.random.default_rng(0)}
    helpers = stand_ins(server, ["Centroid_init", "Set"], namespace)
    for _ in range(3):
        helpers["Centroid_init"](X2, 2)
    helpers["Set"](X2, X2[:2])
    raw_call(server, json.dumps({"helper": "Set", "args": [1]}).encode())  # refused: not counted
    assert server.stop_serving() == {"Centroid_init": 3, "Set": 1}
    server.serve(["Centroid_init"])
    assert server.stop_serving() == {}


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        (b"not json", "not valid JSON"),
        (json.dumps({"helper": "Set", "args": [{"pickle": "x"}, 1]}).encode(), "cannot be read"),
        (json.dumps({"helper": "Set", "args": [1]}).encode(), "takes 2 arguments"),
        (
            json.dumps(
                {"helper": "K_Means", "args": [[1.0, 2.0, 3.0], 2], "rng": {"bit_generator": "os"}}
            ).encode(),
            "not a PCG64 state",
        ),
    ],
)
def test_a_malformed_request_is_refused(server, request_, why):
    server.serve(["Set", "K_Means"])
    assert why in raw_call(server, request_)["error"]


def test_a_request_too_costly_or_too_large_is_refused_unanswered(server):
    helpers = stand_ins(server, ["Set"], {})
    big = np.zeros((20_000, 3))
    with pytest.raises(RuntimeError, match="arguments this large are not answered"):
        helpers["Set"](big, np.zeros((100, 3)))
    with pytest.raises(RuntimeError, match="is over 1 MiB, so it is not answered"):
        helpers["Set"](np.zeros((200_000, 3)), np.zeros((1, 3)))
    with socket.socket(socket.AF_UNIX) as sock:  # announces more than the limit
        sock.connect(str(server.path))
        sock.sendall(struct.pack(">I", reference_service.MAX_REQUEST_BYTES + 1))
        size = struct.unpack(">I", sock.recv(4))[0]
        assert b"is not answered" in sock.recv(size)


def test_a_k_means_call_stops_at_its_work_for_the_whole_call(server, monkeypatch):
    """The reference K-Means iterates: a call at the per-step limit that never settles
    (heavy-tailed data, many centres) ran its 1,000 steps, 13 s of the grader's CPU, and a
    notebook could repeat it for the cell's whole time. It now stops once the call has
    handled ``MAX_CALL_WORK`` elements, and says so as the reference does at its cap."""
    from kmeans_em_lab.reference import kmeans

    steps = []
    real = kmeans.assign_labels
    monkeypatch.setattr(kmeans, "assign_labels", lambda *a: steps.append(1) or real(*a))
    X = np.exp(np.random.default_rng(0).normal(size=20_000) * 3)
    K = reference_service.MAX_WORK // len(X)
    service = reference_service.Service(["K_Means"])
    state = np.random.default_rng(0).bit_generator.state
    request = {"helper": "K_Means", "args": [wire.encode(X), K], "rng": state}
    reply = json.loads(service.answer(json.dumps(request).encode()))
    allowed = reference_service.MAX_CALL_WORK // reference_service.MAX_WORK
    assert reply["kind"] == "RuntimeError" and f"in {allowed} iterations" in reply["error"]
    assert len(steps) == allowed
    steps.clear()
    own = np.random.default_rng(5)  # the lab's size: the reference's own 1,000 steps
    lab = {"helper": "K_Means", "args": [wire.encode(X2), 3], "rng": own.bit_generator.state}
    answered = json.loads(service.answer(json.dumps(lab).encode()))
    assert "result" in answered and 0 < len(steps) < 1000


def test_a_cells_calls_stop_being_answered_past_its_cpu_budget(monkeypatch):
    """However many calls a notebook makes in a cell's time, the grader answers them for at
    most ``MAX_CELL_CPU_SECONDS`` of its CPU time; the next cell starts afresh."""
    monkeypatch.setattr(reference_service, "MAX_CELL_CPU_SECONDS", 0.0)
    request = json.dumps({"helper": "Set", "args": [wire.encode(X2), wire.encode(X2[:3])]})
    service = reference_service.Service(["Set"])
    assert "result" in json.loads(service.answer(request.encode()))
    refused = json.loads(service.answer(request.encode()))
    assert "result" not in refused and "no more are answered" in json.dumps(refused)
    assert service.answered["Set"] == 1
    next_cell = reference_service.Service(["Set"])
    assert "result" in json.loads(next_cell.answer(request.encode()))


def test_a_notebooks_calls_stop_being_decoded_past_its_cpu_budget(server, monkeypatch):
    """Refusing costs the grader too (a request's decoding): past ``MAX_NOTEBOOK_CPU_SECONDS``
    of its CPU time on one notebook's calls, reading and refusing included, no request of
    that notebook is decoded, in any later cell either."""
    from kmeans_em_lab.pipeline.worker import reference_server

    monkeypatch.setattr(reference_server, "MAX_NOTEBOOK_CPU_SECONDS", 0.0)
    decoded = []
    real = reference_service.wire.values_in
    monkeypatch.setattr(reference_service.wire, "values_in", lambda r: decoded.append(1) or real(r))
    helpers = stand_ins(server, ["Set"], {})
    assert helpers["Set"](X2, X2[:2])[1] == contract.Set(X2, X2[:2])[1]
    assert len(decoded) == 1
    for names in (["Set"], ["EM_step"]):
        server.serve(names)
        with pytest.raises(RuntimeError, match="this notebook's reference calls took more"):
            helpers["Set"](X2, X2[:2])
    assert len(decoded) == 1


def test_a_request_of_too_many_values_is_refused_unread(server):
    """Megabytes of ``[]`` decode into hundreds of megabytes of lists: counted first."""
    import tracemalloc

    server.serve(["Set"])
    args = "[" + ",".join(["[]"] * (reference_service.MAX_REQUEST_VALUES + 1)) + "]"
    request_ = b'{"helper": "Set", "args": [' + args.encode() + b", 1]}"
    assert len(request_) < reference_service.MAX_REQUEST_BYTES
    tracemalloc.start()
    try:
        reply = raw_call(server, request_)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "values is not answered" in reply["error"]
    assert peak < 20 * len(request_)  # the bytes, not their lists (about 60 bytes per [])
    assert server.stop_serving() == {}


def test_the_references_own_errors_reach_the_caller_as_the_same_kind(server):
    helpers = stand_ins(server, ["Update"], {})
    with pytest.raises(KeyError, match="the reference Update"):
        helpers["Update"](X2, {0: X2[:3]}, X2[:2])  # no cluster 1


def _mt19937_state(pos: int) -> dict:
    state = np.random.MT19937(1).state
    return {**state, "state": {"key": state["state"]["key"].tolist(), "pos": pos}}


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        # a state numpy accepts unchecked, then reads out of bounds (the grader would crash)
        (
            {"helper": "K_Means", "args": [[1.0, 2.0, 3.0], 2], "rng": _mt19937_state(2 * 10**9)},
            "not a PCG64 state",
        ),
        ({"helper": ["K_Means"], "args": []}, "is bound in this cell"),  # a name, not a string
        ({"helper": "Set", "args": [{"opaque": "Weird", "repr": "x"}, [[1.0]]]}, "a Weird"),
        ({"helper": "EM_step", "args": [[1.0, 2.0], [0.5, 0.5], [0.0, 1.0], [1.0]]}, "two numbers"),
    ],
)
def test_a_hostile_request_gets_a_refusal_and_the_server_keeps_answering(server, request_, why):
    server.serve(["K_Means", "Set", "EM_step"])
    reply = raw_call(server, json.dumps(request_).encode())
    assert reply["kind"] == "RuntimeError" and why in reply["error"]
    helpers = stand_ins(server, ["Set"], {})
    assert helpers["Set"](X2, X2[:2])[1] == contract.Set(X2, X2[:2])[1]  # still answering


def test_the_cost_of_a_call_is_read_from_the_arguments_as_the_reference_reads_them(server):
    """K as a numpy integer, data wrapped in a list: the checked arrays decide the cost."""
    helpers = stand_ins(server, ["K_Means", "Set", "EM_step"], {})
    X = np.zeros(50_000)
    with pytest.raises(RuntimeError, match="arguments this large are not answered"):
        helpers["K_Means"](X, np.int64(100))
    with pytest.raises(RuntimeError, match="50000 features per sample"):
        helpers["Set"]([np.zeros(50_000)], np.zeros((1000, 1)))
    with pytest.raises(RuntimeError, match="1 features per sample but m has 2000"):
        helpers["Set"](np.zeros(50_000), np.zeros((1, 2000)))  # broadcast: 1e8 elements
    with pytest.raises(RuntimeError, match="X has no features"):  # 20000 x 20000 distances
        helpers["Set"](np.zeros((20_000, 0)), np.zeros((20_000, 0)))
    with pytest.raises(RuntimeError, match="is not answered"):  # over the size of a call
        helpers["Set"](np.zeros(2_000_000), np.zeros(2))
    with pytest.raises(RuntimeError, match="mu is not an array of numbers"):
        helpers["EM_step"](X1, 0.5, [np.zeros(10), 1.0], [1.0, 1.0])
    assert len(helpers["K_Means"](X1, np.int64(2))[0]) == 2  # a numpy K is a K


def test_a_notebook_rng_of_another_generator_still_draws(server):
    namespace = {"rng": np.random.Generator(np.random.MT19937(5))}
    helpers = stand_ins(server, ["Centroid_init"], namespace)
    centres = helpers["Centroid_init"](X2, 3)
    assert centres.shape == (3, 3) and len({tuple(c) for c in centres}) == 3
