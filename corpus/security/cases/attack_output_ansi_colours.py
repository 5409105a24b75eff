# Attack 38, terminal colours by the megabyte: three ungraded cells each print 1 MB of ANSI
# colour codes between single letters, within every byte limit. nbconvert's colouring of an
# output takes time growing with the square of its length: one such cell held the worker
# for 80 s after the kernel was gone, fifteen for many minutes.
# Why: full marks: the honest equivalent is the solution; past the page's budget the
#   escapes are dropped and the text shown plain.
# ruff: noqa
# fmt: off
### AFTER em_plot
_u = "\x1b[31ma\x1b[32mb"
print(_u * (1_000_000 // len(_u)), end="")
### AFTER em_plot
print(_u * (1_000_000 // len(_u)), end="")
### AFTER em_plot
print(_u * (1_000_000 // len(_u)), end="")
