# Attack 11b, files that are links into the course: beside a normal notebook and data folder, the
# submission holds symbolic links to the course's source notebook, its gradebook and config, a
# hidden check of the grader and the course's source/ folder, and a last cell prints what it
# reads through them (the gradebook: every student and score). Built by the test with real
# symbolic links (the Symlink lines below).
# Why: full marks: the honest equivalent is the solution (links are not part of what is graded);
#   no link is followed into the sandbox, so nothing of the course reaches the kernel.
# Symlink: notes.txt -> {course}/source/lab3/lab3.ipynb
# Symlink: backup.sqlite -> {course}/gradebook.db
# Symlink: config.txt -> {course}/nbgrader_config.py
# Symlink: checks.txt -> {repo}/kmeans_em_lab/checks/kmeans_checks.py
# Symlink: data/extra -> {course}/source
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: read what the links point to ---
import os, sqlite3

_markers = ["### BEGIN " + "SOLUTION", "### BEGIN " + "HIDDEN TESTS", "def check" + "_",
            "db_url"]
print("ATTACK symlink_files: files here:", sorted(os.listdir(".")), sorted(os.listdir("data")))
for _path in ("notes.txt", "config.txt", "checks.txt"):
    try:
        _text = open(_path, encoding="utf-8", errors="replace").read()
    except OSError as _error:
        print("==", _path, _error)
        continue
    print("==", _path, len(_text), "characters")
    for _line in _text.splitlines():
        if any(m in _line for m in _markers):
            print("  ", _line[:300])
try:
    _con = sqlite3.connect("file:backup.sqlite?mode=ro", uri=True)
    print("== backup.sqlite students:", [r[0] for r in _con.execute("SELECT id FROM student")])
    print("== backup.sqlite grades:", _con.execute(
        "SELECT count(*), sum(auto_score) FROM grade").fetchone())
except Exception as _error:
    print("== backup.sqlite", _error)
for _root, _dirs, _files in os.walk("data/extra", followlinks=True):
    print("== data/extra", _root, _files)
