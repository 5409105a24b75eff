# Attack 8, filling the disk: a last cell writes one file in the cwd, one in /tmp and one in
# /dev/shm until the write fails (each capped at 2 GiB, and at a tenth of the free space on a small
# disk, so that it cannot harm a machine without the sandbox), tries other places, reports the
# sizes and removes the files.
# Why: full marks: the honest equivalent is the solution; the sandbox's file-size limit (256 MiB)
#   stops the file in the cwd, the size of its /tmp and /dev/shm (256 MiB each) the other two,
#   and everywhere else is read-only; the kernel survives.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: the disk ---
import errno, os, shutil


def _fill(path):
    """Bytes written to `path` before a write failed (or the cap), and why it stopped."""
    try:
        usage = shutil.disk_usage(os.path.dirname(path))
    except OSError:
        return 0, "no such place"
    # to the end of a small filesystem (the sandbox's /tmp), at most 2 GiB of a big one, and
    # a tenth of what is free on a small disk that is not the sandbox's
    small = usage.total <= 512 * 2**20
    cap = 2 * 2**30 if small or usage.free >= 8 * 2**30 else usage.free // 10
    chunk = b"\xa5" * (8 * 2**20)
    why, written = "the cap", 0
    try:
        with open(path, "wb", buffering=0) as f:
            while written < cap:
                written += f.write(chunk)
    except OSError as error:
        why = errno.errorcode.get(error.errno, str(error.errno))
    try:
        size = os.path.getsize(path)
        os.remove(path)
    except OSError:
        size = written
    return size // 2**20, why


_sizes = {}
for _where, _path in (("cwd", os.path.abspath("lab3-security-fill.bin")),
                      ("tmp", "/tmp/lab3-security-fill.bin"),
                      ("shm", "/dev/shm/lab3-security-fill.bin")):
    _sizes[_where] = _fill(_path)
_elsewhere = {}
for _path in ("/lab3/lab3-security-fill.bin", "/lab3-security-fill.bin",
              "/var/tmp/lab3-security-fill.bin", os.path.expanduser("~/lab3-security-fill.bin")):
    try:
        with open(_path, "wb") as _f:
            _f.write(b"x")
        os.remove(_path)
        _elsewhere[_path] = "WRITABLE"
    except OSError as _error:
        _elsewhere[_path] = errno.errorcode.get(_error.errno, str(_error.errno))
print("ATTACK disk_fill: " + " ".join(f"{w}_mib={s}" for w, (s, _) in _sizes.items())
      + f" (stopped by {[why for _, why in _sizes.values()]}) elsewhere={_elsewhere}")
