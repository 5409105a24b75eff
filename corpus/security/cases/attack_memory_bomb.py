# Attack 7, a memory bomb: a last cell asks numpy for 64 GiB at once, then appends 64 MiB blocks
# to a list until that fails: the first 512 MiB written, so really in memory, the rest only
# reserved, as address space (capped at 6 GiB, and the written part at a third of the machine's
# available memory, so that it cannot harm a machine without the sandbox), reports how far it
# got and frees it all; then it sends the grader 24 MB of display data and 24 MB on stdout past
# the kernel's output cap (calling the unwrapped methods).
# Why: full marks: the honest equivalent is the solution; the sandbox's address-space limit
#   (4 GiB) makes both allocations fail with MemoryError, the kernel survives, and the grader cuts
#   the oversized output, so the batch goes on.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: memory ---
import gc, sys

_huge = "not tried"
try:
    _block = np.empty(2**33)  # 64 GiB of float64, never written
    _huge = "allocated"
    del _block
except MemoryError:
    _huge = "MemoryError"

_available = 8 * 2**30
try:
    for _line in open("/proc/meminfo"):
        if _line.startswith("MemAvailable:"):
            _available = int(_line.split()[1]) * 1024
except OSError:
    pass
_cap = 6 * 2**30
_written_cap = min(512 * 2**20, _available // 3)  # writing a page costs time: a few are enough
_chunk = 64 * 2**20
_blocks, _stop = [], "the cap"
try:
    while len(_blocks) * _chunk < _cap:
        _block = np.empty(_chunk, dtype=np.uint8)
        if len(_blocks) * _chunk < _written_cap:
            _block.fill(1)  # written, so really in memory
        _blocks.append(_block)
except MemoryError:
    _stop = "MemoryError"
_list_mib = len(_blocks) * _chunk // 2**20
_block = _blocks = None
gc.collect()
print(f"ATTACK memory_bomb: huge={_huge} list_mib={_list_mib} (stopped by {_stop}, "
      f"cap {_cap // 2**20} MiB)")

# --- attack: oversized output past the kernel's cap, at the grader ---
from IPython import get_ipython

_shell = get_ipython()
try:
    type(_shell.display_pub).publish(_shell.display_pub, {"text/plain": "D" * 24_000_000})
except Exception as _error:
    print("display:", repr(_error))
try:
    type(sys.stdout).write(sys.stdout, "S" * 24_000_000)
    sys.stdout.flush()
except Exception as _error:
    print("stdout:", repr(_error))
