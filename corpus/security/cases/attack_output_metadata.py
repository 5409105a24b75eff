# Attack 13b, the feedback page through an output's metadata: a cell after the demo of
# Centroid_init displays images whose metadata (sent by the kernel, beside the image) holds a
# width nbconvert's template writes unquoted ("1 onerror=..." becomes an event handler), a file
# name it would take as the image's source (an outside address, fetched when the page opens),
# and other keys no page needs.
# Why: full marks: the honest equivalent is the solution; the page keeps of an output's
#   metadata only an image's width and height as plain numbers.
# ruff: noqa
# fmt: off
### AFTER demo_init
from IPython.display import display as _display

_PNG = "iVBORw0KGgo="
_display({"image/png": _PNG, "text/plain": "ATTACK figure 1"}, raw=True,
         metadata={"image/png": {"width": "1 onerror=document.title='ATTACK-ran'", "height": 40}})
_display({"image/png": _PNG, "text/plain": "ATTACK figure 2"}, raw=True,
         metadata={"filenames": {"image/png": "http://127.0.0.1:9/ATTACK-beacon.png"},
                   "isolated": True, "needs_background": "light"})
_display({"image/jpeg": "/9j/4AAQ", "text/plain": "ATTACK figure 3"}, raw=True,
         metadata={"width": "2 onload=alert(1)", "image/jpeg": {"width": "3 onload=alert(1)"}})
print("ATTACK displayed")
