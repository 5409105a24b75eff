# Attack 3c, the outbox: the K_Means cell starts a thread that watches the grader's inbox and,
# while a plan for K_Means is there, keeps putting its own record.json in the outbox (every
# millisecond, after the real recorder has written): a symbolic link to a forged record for the
# public test, a forged regular file (answers copied from the plan's inputs: the first K samples
# as centres, distortion 0) for the hidden test, a FIFO for the 1-D hidden test. A cell after
# K_Means's tests stops it. K_Means is wrong (one assignment and one update, then it stops).
# Why: K_Means (test_K_Means_public, test_K_Means_hidden, test_K_Means_hidden_1d): one
#   iteration is not a fixed point (what the honest equivalent, bug_kmeans_one_iteration, loses);
#   the grader reads no symbolic link or FIFO, and forged answers are judged like real ones.
# ruff: noqa
# fmt: off
### CELL K_Means
def K_Means(X, K):
    """One round of Lloyd's algorithm (bug: no loop)."""
    m = Centroid_init(X, K)
    C, D = Set(X, m)
    m = Update(X, C, m)
    return m, D


# --- attack: a thread that keeps replacing the record in the outbox ---
import json as _json
import os as _os
import stat as _stat
import threading as _threading
import time as _time

from lab3_kernel import wire as _wire

_lab3_stop = _threading.Event()
_lab3_forged = {}
_lab3_texts = {}


def _lab3_forger():
    inbox, outbox = _os.environ.get("LAB3_INBOX"), _os.environ.get("LAB3_OUTBOX")
    if not (inbox and outbox):
        return
    plan_path, record = _os.path.join(inbox, "plan.json"), _os.path.join(outbox, "record.json")
    forged_file = _os.path.abspath("forged-record.json")
    seen, plan = None, {}
    while not _lab3_stop.is_set():
        try:
            info = _os.stat(plan_path)
            if (info.st_ino, info.st_mtime_ns) != seen:  # a new plan: read it once
                with open(plan_path) as f:
                    plan = _json.load(f)
                seen = (info.st_ino, info.st_mtime_ns)
        except Exception:
            _time.sleep(0.001)
            continue
        check = plan.get("check")
        if plan.get("function") != "K_Means":
            _time.sleep(0.001)
            continue
        if check not in _lab3_texts:  # made once per plan
            outcomes = []
            for step in plan.get("calls", []):
                X, K = _wire.decode(step["args"])
                outcomes.append({"label": step["label"], "result": _wire.encode((X[:K], 0.0)),
                                 "warnings": [], "stderr": "", "stdout_chars": 0, "mutated": []})
            _lab3_texts[check] = _json.dumps(
                {"check": check, "refused": "", "outcomes": outcomes, "passed": True})
        text = _lab3_texts[check]
        try:
            if check == "public:K_Means":  # a symbolic link to a forged record
                with open(forged_file, "w") as f:
                    f.write(text)
                if not _os.path.islink(record):
                    try:
                        _os.remove(record)
                    except FileNotFoundError:
                        pass
                    _os.symlink(forged_file, record)
            elif check == "K_Means":  # a forged regular file, rewritten again and again
                with open(record + ".forged", "w") as f:
                    f.write(text)
                _os.replace(record + ".forged", record)
            else:  # a FIFO where the record should be
                try:
                    fifo = _stat.S_ISFIFO(_os.lstat(record).st_mode)
                except FileNotFoundError:
                    fifo = False
                if not fifo:
                    try:
                        _os.remove(record)
                    except FileNotFoundError:
                        pass
                    _os.mkfifo(record)
            _lab3_forged[check] = _lab3_forged.get(check, 0) + 1
        except OSError:
            pass
        _time.sleep(0.001)


_lab3_thread = _threading.Thread(target=_lab3_forger, daemon=True)
_lab3_thread.start()
### AFTER test_K_Means_hidden_1d
# --- the forger stopped, for the rest of the notebook ---
_lab3_stop.set()
_lab3_thread.join(5)
print("ATTACK record_outbox: forged records written", _lab3_forged)
