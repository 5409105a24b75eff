# Attack 39, a line of brackets: a markdown cell the student adds holds 200,000 '[' and no
# code. nbgrader's feedback template strips "files/" from every markdown cell's HTML with
# nbconvert's pattern, which ran from every '[' to the end of the line: time growing with the
# square of the line, a worker held for minutes after its kernel was gone.
# Markdown repeated 200000 times: [
# Why: full marks: the honest equivalent is the solution; files/ is stripped in time linear
#   in the text, and the page shows the brackets.
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK markdown_brackets: graded")
