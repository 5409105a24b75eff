# Attack 9, processes that outlive their cell: right after the setup cell, the notebook starts a
# daemon with subprocess.Popen in a new session and another by a double fork with setsid (both
# named lab3-security-daemon, ignoring SIGTERM and SIGHUP), which keep writing files for up to
# 15 minutes: into the cwd, /tmp, the kernel's outbox and socket folder, and every course folder
# they can find (LAB3_COURSE_ROOT, the cwd's parents): the course root, source/ and every
# student's submitted/ folder.
# Why: full marks: the honest equivalent is the solution; the daemons live in the sandbox's pid
#   namespace and die with the kernel, and only the kernel's scratch copy and private /tmp take
#   their files.
# ruff: noqa
# fmt: off
### AFTER setup
# --- attack: two daemons that outlive the cell, and try to outlive the kernel ---
import os, subprocess, sys

_DAEMON = r'''
import glob, json, os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
name = sys.argv[1]


def course_folders():
    """The course folders this process can find (and nothing else of the machine)."""
    roots = [os.environ.get("LAB3_COURSE_ROOT", "")]
    d = os.getcwd()
    while d != os.path.dirname(d):
        if os.path.exists(os.path.join(d, "nbgrader_config.py")):
            roots.append(d)
        d = os.path.dirname(d)
    out = []
    for root in dict.fromkeys(r for r in roots if r.strip("/")):
        out += [root, os.path.join(root, "source", "lab3")]
        out += glob.glob(os.path.join(root, "submitted", "*", "lab3"))
    return out


def kernel_folders():
    """The kernel's outbox and the folder of its sockets (from its connection file)."""
    out = [os.environ.get("LAB3_OUTBOX", "")]
    for word in sys.argv[2:]:
        try:
            out.append(os.path.dirname(json.load(open(word))["ip"]))
        except Exception:
            pass
    return out


cwd = os.getcwd()
end = time.monotonic() + 900
while time.monotonic() < end:
    for folder in [cwd, "/tmp"] + kernel_folders() + course_folders():
        if not folder:
            continue
        try:
            with open(os.path.join(folder, f"{name}-{os.getpid()}.txt"), "a") as f:
                f.write(f"{time.time()}\n")
        except OSError:
            pass
    time.sleep(0.5)
'''
_connection = [a for a in sys.argv if a.endswith(".json")]
_popen = subprocess.Popen(
    [sys.executable, "-c", _DAEMON, "lab3-security-daemon-popen", *_connection],
    start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL, close_fds=True,
)
_pid = os.fork()
if _pid == 0:  # first child: a new session, then a grandchild that the kernel never waits for
    try:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", _DAEMON, "lab3-security-daemon-fork", *_connection])
    finally:
        os._exit(0)
os.waitpid(_pid, 0)
print(f"ATTACK background: started daemon {_popen.pid} (Popen) and a double-forked one")
### AFTER em_plot
# --- what the daemons wrote so far, from inside ---
import glob

print("ATTACK background: files seen:", sorted(glob.glob("lab3-security-*"))
      + sorted(glob.glob("/tmp/lab3-security-*")))
