# Attack 8b, filling the disk one file at a time: a last cell writes files of 128 MiB each (under
# the sandbox's file-size limit) into the cwd, the kernel's copy of the submission on the
# grader's disk, until 3 GiB (at most a tenth of what is free), reports how much it wrote and
# removes the files.
# Why: full marks: the honest equivalent is the solution; the grader measures the kernel's
#   writable folders from outside and kills the kernel past its disk limit (512 MiB), in this
#   ungraded cell, after every graded one: the attack never reports, the files go with the
#   kernel's folder and the batch goes on.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: many files, each under the file-size limit ---
import os, shutil

_free = shutil.disk_usage(".").free
_cap = min(3 * 2**30, _free // 10)
_chunk = b"\x5a" * (8 * 2**20)
_written, _names = 0, []
try:
    while _written < _cap:
        _name = f"lab3-security-many-{len(_names)}.bin"
        _names.append(_name)
        with open(_name, "wb", buffering=0) as _f:
            for _ in range(16):
                _written += _f.write(_chunk)
except OSError as _error:
    print("stopped by", type(_error).__name__)
finally:
    for _name in _names:
        try:
            os.remove(_name)
        except OSError:
            pass
print(f"ATTACK disk_many_files: written_mib={_written // 2**20}")
