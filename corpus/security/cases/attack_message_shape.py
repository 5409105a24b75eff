# Attack 29, kernel messages of a shape nbclient reads before the grader's checks: a last cell
# sends, signed with the kernel's own key, a stream whose parent header is a list, a status
# without its state and a widget message without its data. nbclient's AttributeError or
# KeyError escaped the executor: "not graded", exit 1.
# Why: full marks: the honest equivalent is the solution; the widget message is dropped, and
#   the notebook stops at that cell (flagged), after every graded cell ran.
# ruff: noqa
# fmt: off
### AFTER em_plot
from IPython import get_ipython as _gi
_k = _gi().kernel
_k.session.send(_k.iopub_socket, "comm_msg", content={"comm_id": "x"}, parent=_k.get_parent())
_k.session.send(_k.iopub_socket, "status", content={}, parent=_k.get_parent())
_m = _k.session.msg("stream", content={"name": "stdout", "text": "x"}, parent=_k.get_parent())
_m["parent_header"] = ["not", "a", "dict"]
_k.session.send(_k.iopub_socket, _m)
import time as _t; _t.sleep(1)
