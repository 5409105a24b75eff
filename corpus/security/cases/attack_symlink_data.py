# Attack 11a, a data folder that is a link into the course: the submission's data/ is a symbolic
# link to the course's source/lab3 (the instructor's notebook, with solutions and hidden tests), and
# a last cell prints what it finds there (data/lab3.ipynb, data/data/...). Built by the test with a
# real symbolic link (the Symlink line below).
# Why: full marks: what the honest equivalent, a submission without a data folder, gets: the link
#   is left out (not followed), and autograde puts the course's own data files beside the
#   notebook as for every submission, so the notebook runs as the solution. Nothing of source/
#   reaches the kernel.
# Symlink: data -> {course}/source/lab3
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: read the course through the data link ---
import os

_markers = ["### BEGIN " + "SOLUTION", "### BEGIN " + "HIDDEN TESTS"]
print("ATTACK symlink_data: data is a link:", os.path.islink("data"), "listing:",
      sorted(os.listdir("data")) if os.path.isdir("data") else "no data folder")
for _root, _dirs, _files in os.walk("data", followlinks=True):
    for _name in _files:
        _path = os.path.join(_root, _name)
        try:
            _text = open(_path, encoding="utf-8", errors="replace").read()
        except OSError as _error:
            print("==", _path, _error)
            continue
        print("==", _path, len(_text), "characters")
        for _line in _text.splitlines():
            if any(m in _line for m in _markers):
                print("  ", _line[:300])
