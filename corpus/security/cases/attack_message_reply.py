# Attack 30, replies and display ids nbclient and nbgrader read unchecked: a last cell sends,
# signed with the kernel's own key, an error reply whose name is a number and whose traceback
# is a string (nbgrader wrote it as an error the notebook could not hold), a reply of another
# type on the shell channel, and a stream whose transient is a string. Each made the
# submission "not graded", exit 1.
# Why: full marks: the honest equivalent is the solution; the notebook stops at that cell
#   (flagged), after every graded cell ran.
# ruff: noqa
# fmt: off
### AFTER em_plot
import time as _t
_k = get_ipython().kernel
_k.session.send(_k.shell_stream, "execute_reply", content={"status": "error", "ename": 5, "evalue": [1], "traceback": "tb"}, parent=_k.get_parent(), ident=_k._parent_ident["shell"])
_t.sleep(1)
_k.session.send(_k.shell_stream, "kernel_info_reply", content={}, parent=_k.get_parent(), ident=_k._parent_ident["shell"])
_k.session.send(_k.iopub_socket, "stream", content={"name": "stdout", "text": "x", "transient": "x"}, parent=_k.get_parent())
_t.sleep(1)
