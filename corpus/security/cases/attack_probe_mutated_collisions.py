# Attack 46, a probe record whose "mutated" list is a set of colliding integers: a last cell
# (after every graded cell, so no graded test sees a replaced recorder) replaces the recorder's
# write_record; each similarity probe record it writes holds one outcome whose "mutated" list is
# 99,000 multiples of 2**61 - 1 (Python hashes them all alike), 2.4 MB and under 100,000
# values: within the record's limits. The similarity answers made a set of the whole list, in
# time growing with its square: 13 minutes of a worker for one student. The list is read to
# its first MAX_ARGUMENTS positions, as the graded cells' records are.
# Why: full marks: the honest equivalent is the solution; the probe's answer is only evidence.
# ruff: noqa
# fmt: off
### AFTER em_plot
import os as _os
import lab3_kernel.recorder as _r
from lab3_kernel import wire as _wire
_P = 2**61 - 1
_MUTATED = [i * _P for i in range(1, 99_001)]
_LABELS = {
    "Centroid_init": "blobs, K=3", "Set": "the public test's samples",
    "Update": "the public test's clusters, one empty", "K_Means": "blobs, K=3",
    "EM_step": "the public test's state", "EM": "two separated groups",
}
def _collide_write(record):
    check = record.get("check", "") if isinstance(record, dict) else ""
    if check.startswith("probe:"):
        function = check[len("probe:"):]
        record = {"check": check, "refused": "", "outcomes": [{
            "label": _LABELS.get(function, ""), "result": _wire.encode(0.0), "error": None,
            "mutated": _MUTATED}]}
    path = _os.path.join(_os.environ["LAB3_OUTBOX"], "record.json")
    with open(path + ".part", "w") as f:
        __import__("json").dump(record, f)
    _os.replace(path + ".part", path)
_r.write_record = _collide_write
