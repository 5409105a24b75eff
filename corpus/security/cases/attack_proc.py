# Attack 10, other processes: a last cell lists /proc and prints, for every process it sees, its
# command line, environment, cwd, root, executable, status, open files and memory map, and the
# top of its root and cwd folders (a way into another mount namespace).
# Why: full marks: the honest equivalent is the solution; in its own pid namespace the kernel sees
#   only the sandbox's processes, so neither the course's path nor the test's canary (nor another
#   student's name) appears in what it prints.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: read every process's /proc ---
import glob, os

_pids = sorted(glob.glob("/proc/[0-9]*"), key=lambda p: -int(p.rsplit("/", 1)[1]))  # newest first
print(f"ATTACK proc: {len(_pids)} processes visible: {[p.rsplit('/', 1)[1] for p in _pids]}")


def _read(path, size=3000):
    try:
        with open(path, "rb") as f:
            return f.read(size).replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError as error:
        return f"<{type(error).__name__}>"


def _link(path):
    try:
        return os.readlink(path)
    except OSError as error:
        return f"<{type(error).__name__}>"


def _listing(path):
    try:
        return sorted(os.listdir(path))[:40]
    except OSError as error:
        return f"<{type(error).__name__}>"


for _pid in _pids:
    print(f"== {_pid}")
    for _what in ("cmdline", "environ", "status", "maps", "mountinfo", "cgroup"):
        print(f"  {_what}: {_read(f'{_pid}/{_what}', 2000)}")
    for _what in ("cwd", "root", "exe"):
        print(f"  {_what} -> {_link(f'{_pid}/{_what}')}")
    _fds = glob.glob(f"{_pid}/fd/*")
    print(f"  fds: {[_link(fd) for fd in _fds][:40]}")
    print(f"  root/: {_listing(f'{_pid}/root/')}")
    print(f"  cwd/: {_listing(f'{_pid}/cwd/')}")
    print(f"  cwd/..: {_listing(f'{_pid}/cwd/..')}")
