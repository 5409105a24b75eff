# Attack 31, a JSON list in an output: IPython's own JSON display of a list of numbers
# (nbformat lets application/json hold any JSON). The byte limit joined the list as if it
# were lines of text, the TypeError failed the notebook: "not graded", exit 1.
# Why: full marks: the honest equivalent is the solution (the list is kept, counted as its JSON).
# ruff: noqa
# fmt: off
### AFTER demo_init
from IPython.display import JSON as _JSON, display as _display
_display(_JSON([1, 2, 3]))
