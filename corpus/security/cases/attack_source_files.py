# Attack 57, files the instructor keeps beside the source notebook: nbgrader's autograde copies
# every file of source/lab3 beside the submission, so a script made from the source notebook after
# the release (jupyter nbconvert --to script writes lab3.txt beside it) reached the kernel's working
# directory, and a cell of its own printed it, solutions and hidden tests, into its feedback. The
# workers now get of source/lab3 only the notebook and what the release holds; the test's course
# holds such a script (test_security.INSTRUCTOR_SCRIPT).
# Why: full marks: the honest equivalent is the solution.
# ruff: noqa
# fmt: off
### AFTER setup
import os as _os
print("working directory:", _os.getcwd(), sorted(_os.listdir(".")))
for _folder, _dirs, _files in _os.walk("."):
    for _name in sorted(_files):
        _path = _os.path.join(_folder, _name)
        if _name.endswith(".ipynb") or _path.startswith("./data"):
            continue
        with open(_path, errors="replace") as _fh:
            print("FILE", _path, _fh.read())
