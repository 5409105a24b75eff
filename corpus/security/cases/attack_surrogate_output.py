# Attack 21b, lone surrogates in outputs: a last cell makes the kernel's session pack its
# messages with json.dumps(ensure_ascii=True), so a lone surrogate goes as a JSON escape, which
# the grader's client decodes into a string no UTF-8 file can hold; then it prints one and
# displays one. The autograded notebook could not be written: "not graded", exit 1.
# Why: full marks: the honest equivalent is the solution; the notebook's strings are made
#   writable (U+FFFD) before anything writes them.
# ruff: noqa
# fmt: off
### AFTER em_plot
import json as _json
from jupyter_client.jsonutil import json_default as _jd
_k = get_ipython().kernel
def _pack(obj):
    return _json.dumps(obj, default=_jd, ensure_ascii=True, allow_nan=False).encode("ascii")
_k.session.pack = _pack
for _s in (getattr(_k, "iopub_socket", None),):
    pass
import sys
print("surrogate:" + chr(0xD800) + "end")
sys.stdout.flush()
from IPython.display import display
display({"text/plain": "disp" + chr(0xDFFF)}, raw=True)
