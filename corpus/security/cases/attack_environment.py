# Attack 5, the grader's environment and the network: a last cell prints os.environ, its own and
# every other process's /proc/<pid>/environ and cmdline, /proc/1/cmdline and its mounts, then
# tries the network: every TCP listener in /proc/net/tcp and tcp6 (on 127.0.0.1 and ::1), every
# other port of 127.0.0.1 from 1024 up, every UNIX socket under /tmp (from /proc/net/unix and a
# walk of /tmp), and two addresses outside.
# Why: full marks: the honest equivalent is the solution; the kernel's environment is cleared, it
#   sees only the sandbox's processes and has no network but its own loopback, so the test's
#   canary never reaches the output and nothing connects to the test's listening sockets.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: the environment, other processes, the network ---
import glob, os, socket, stat, time

print("ATTACK environment: os.environ =", dict(os.environ))
for _pid in sorted(glob.glob("/proc/[0-9]*"), key=lambda p: int(p.rsplit("/", 1)[1])):
    for _what in ("environ", "cmdline"):
        try:
            _text = open(f"{_pid}/{_what}", "rb").read().replace(b"\0", b" ")
            print(f"{_pid}/{_what}:", _text.decode("utf-8", "replace")[:3000])
        except OSError as _error:
            print(f"{_pid}/{_what}: {type(_error).__name__}")
try:
    print("mounts:", open("/proc/self/mountinfo").read()[:6000])
except OSError as _error:
    print("mounts:", _error)


def _listeners(path, family):
    found = []
    try:
        lines = open(path).read().splitlines()[1:]
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "0A":  # LISTEN
            found.append((family, int(fields[1].rsplit(":", 1)[1], 16)))
    return found


def _connect(family, address, timeout=0.5):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(address)
        return True
    except OSError:
        return False
    finally:
        s.close()


_connected = []
_targets = _listeners("/proc/net/tcp", socket.AF_INET) + _listeners("/proc/net/tcp6", socket.AF_INET6)
for _family, _port in _targets:
    _host = "127.0.0.1" if _family == socket.AF_INET else "::1"
    if _connect(_family, (_host, _port)):
        _connected.append(f"{_host}:{_port}")
_swept, _end = 0, time.monotonic() + 8
for _port in range(1024, 65536):  # and every other port of the loopback (for 8 s at most)
    if time.monotonic() > _end:
        break
    _swept += 1
    if _port not in {p for _, p in _targets}:
        if _connect(socket.AF_INET, ("127.0.0.1", _port), timeout=0.05):
            _connected.append(f"127.0.0.1:{_port}")
_unix = set()
try:
    for _line in open("/proc/net/unix").read().splitlines()[1:]:
        _fields = _line.split()
        if len(_fields) >= 8 and _fields[-1].startswith("/tmp/"):
            _unix.add(_fields[-1])
except OSError:
    pass
for _root, _dirs, _files in os.walk("/tmp"):
    for _name in _files:
        try:
            if stat.S_ISSOCK(os.lstat(os.path.join(_root, _name)).st_mode):
                _unix.add(os.path.join(_root, _name))
        except OSError:
            pass
for _path in sorted(_unix):
    if _connect(socket.AF_UNIX, _path):
        _connected.append(_path)
for _address in (("1.1.1.1", 53), ("93.184.215.14", 80)):
    if _connect(socket.AF_INET, _address, timeout=1.0):
        _connected.append("%s:%d" % _address)
print(f"ATTACK environment: listeners seen {_targets}, ports swept {_swept}, "
      f"UNIX sockets {sorted(_unix)}, connected to {_connected}")
