# Attack 24, markdown that is slow to render: a last cell displays, as Markdown, "\begin{a}"
# repeated 100,000 times (no \end: nbconvert's maths pattern scans to the end from each one,
# holding the interpreter lock, so the watchdog's thread could not even run). It held workers
# for tens of minutes after the notebook had run; the student was "not graded" and make grade
# exited 1. (Code slow to highlight, a.a.a..., is limited the same way: a unit test.)
# Why: full marks: the honest equivalent is the solution; markdown past the page's limits is
#   shown as its text, and the page is made at once.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: slow to render ---
from IPython.display import Markdown, display
display(Markdown("\\begin{a}" * 100_000))
print("ATTACK feedback_slow_markdown: displayed")
