# Attack 23, markup that is slow to clean: a last cell displays 60,000 nested <div> tags (300 KB,
# under the output limit). Cleaning nested markup takes time growing with the square of its
# length, after the notebook has run and outside every cell's time limit: a minute for this
# one, and a few such outputs held a worker until the watchdog, then the submission was "not
# graded".
# Why: full marks: the honest equivalent is the solution; HTML over the fragment's or the
#   page's limit is shown as escaped text, and the page is made at once.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: nested markup in an output ---
from IPython.display import HTML, display
display(HTML("<div>" * 60_000))
print("ATTACK feedback_nested_html: displayed")
