# Attack 6, a fork bomb: a last cell forks (each child becomes a sleeping process named
# lab3-security-forkbomb) until fork fails, then starts threads until that fails, each capped at
# 400 so that it cannot harm a machine without the sandbox, and reports how many it got before it
# ends them all.
# Why: full marks: the honest equivalent is the solution; the sandbox's task limit (64 tasks,
#   the kernel's own threads included) stops both loops early, the kernel survives, and nothing
#   of it outlives the kernel.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: as many processes, then threads, as the system gives ---
import os, signal, threading, time

_CAP = 400
_children, _fork_error = [], ""
_start = time.monotonic()
for _ in range(_CAP):
    try:
        _pid = os.fork()
    except OSError as _error:
        _fork_error = f"{type(_error).__name__}: {_error.strerror}"
        break
    if _pid == 0:  # the child: a small sleeping process (never back into the kernel's code)
        try:
            os.execv("/bin/sleep", ["lab3-security-forkbomb", "120"])
        finally:
            os._exit(0)
    _children.append(_pid)
for _pid in _children:
    try:
        os.kill(_pid, signal.SIGKILL)
    except OSError:
        pass
for _pid in _children:
    try:
        os.waitpid(_pid, 0)
    except OSError:
        pass

_release = threading.Event()
_threads, _thread_error = [], ""
for _ in range(_CAP):
    _t = threading.Thread(target=_release.wait, daemon=True)
    try:
        _t.start()
    except RuntimeError as _error:
        _thread_error = str(_error)
        break
    _threads.append(_t)
_release.set()
for _t in _threads:
    _t.join()
print(f"ATTACK fork_bomb: processes={len(_children)} ({_fork_error or 'no error'}) "
      f"threads={len(_threads)} ({_thread_error or 'no error'}) "
      f"in {time.monotonic() - _start:.1f} s")
