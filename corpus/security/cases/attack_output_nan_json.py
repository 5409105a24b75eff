# Attack 32, NaN and Infinity in outputs: messages signed with the kernel's key whose
# application/json data and metadata hold NaN and Infinity, which json.dumps writes and a
# notebook's strict readers (a browser's JSON.parse) refuse; they reached the autograded notebook.
# Why: full marks: the honest equivalent is the solution (the two messages are dropped).
# ruff: noqa
# fmt: off
### AFTER demo_init
import time as _t
_k = get_ipython().kernel
_c = b'{"data": {"application/json": {"a": NaN, "b": [Infinity, -Infinity]}, "application/vnd.x+json": NaN, "text/plain": "ATTACK nan"}, "metadata": {"application/json": {"x": NaN}, "image/png": {"width": NaN}}, "transient": {}}'
_k.session.send(_k.iopub_socket, 'display_data', content=_c, parent=_k.get_parent())
_c2 = b'{"data": {"application/json": {"v": [NaN, Infinity]}, "text/plain": "r"}, "metadata": {}, "execution_count": 1}'
_k.session.send(_k.iopub_socket, 'execute_result', content=_c2, parent=_k.get_parent())
_t.sleep(1)
print("ATTACK sent")
