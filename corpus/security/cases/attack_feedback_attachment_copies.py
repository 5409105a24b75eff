# Attack 43, one markdown attachment shown hundreds of times: a markdown cell of 250 uses of
# ![x](attachment:a.png) (5,500 characters, within the page's budgets) whose attachment is one
# 4 MiB string. The renderer pastes the attachment's data into every use: a gigabyte of HTML,
# built before its length was compared with the page's limit, ended the worker twice and
# left the student ungraded. The copies are counted before any is made: the cell is shown
# as its text.
# Why: full marks: the honest equivalent is the solution; the cell is shown as its text.
# Markdown repeated 250 times: ![x](attachment:a.png)
# Attachment: a.png 4194304
# ruff: noqa
# fmt: off
