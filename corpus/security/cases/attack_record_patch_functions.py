# Attack 3b, the recording, patched piece by piece: the Update cell replaces lab3_kernel.record,
# lab3_kernel.recorder.refusal and run_plan's helpers, lab3_kernel.capture.call (answers without
# calling Update: the centres m it was given, "not modified"), the integrity rules, json.dump (every
# record rewritten before it is saved: no refusal, no error, nothing mutated, answers copied from
# the plan's inputs) and importlib.reload; a cell after Update's tests undoes it all. Update is
# wrong (it writes the new means into the caller's m).
# Why: Update (test_Update_public, test_Update_hidden): it modifies its input m (what the
#   honest equivalent, bug_mutates_input, loses); whatever the patched recording writes, the
#   grader judges the answers, and answers copied from the inputs are not the cluster means.
# ruff: noqa
# fmt: off
### CELL Update
def Update(X, C, m):
    """Cluster means (bug: updates m in place)."""
    for k in range(len(m)):
        if len(C[k]) > 0:
            m[k] = np.mean(C[k], axis=0)
    return m


# --- attack: patch every piece of the recording that runs in this kernel ---
import builtins as _builtins
import importlib as _importlib
import json as _json
import os as _os

import lab3_kernel as _lk
import lab3_kernel.capture as _capture
import lab3_kernel.integrity as _integrity
import lab3_kernel.recorder as _recorder
from lab3_kernel import wire as _wire

_saved = {
    (_lk, "record"): _lk.record,
    (_recorder, "refusal"): _recorder.refusal,
    (_recorder, "_fresh_integrity"): _recorder._fresh_integrity,
    (_capture, "call"): _capture.call,
    (_integrity, "tampered_functions"): _integrity.tampered_functions,
    (_integrity, "forbidden_references"): _integrity.forbidden_references,
    (_json, "dump"): _json.dump,
    (_importlib, "reload"): _importlib.reload,
}


def _plan():
    try:
        with open(_os.path.join(_os.environ["LAB3_INBOX"], "plan.json")) as f:
            return _json.load(f)
    except Exception:
        return {"calls": []}


def _fake_call(func, *args, label, namespace, seed, allowed=()):
    # no call of the student's function at all: its input m handed back, "not modified"
    return _capture.np.array(args[-1], copy=True), _capture.CallReport()


def _fake_dump(record, f, *args, **kwargs):
    if isinstance(record, dict) and "outcomes" in record:
        calls = _plan().get("calls", [])
        record = dict(record, refused="", passed=True)
        record["outcomes"] = [
            {"label": step["label"], "result": _wire.encode(_wire.decode(step["args"])[-1]),
             "warnings": [], "stderr": "", "stdout_chars": 0, "mutated": []}
            for step in calls
        ] or [dict(o, error=None, mutated=[], mutated_values={}) for o in record["outcomes"]]
        print("ATTACK record_patch_functions: rewrote the record of", record.get("check"))
    return _saved[(_json, "dump")](record, f, *args, **kwargs)


def _fake_record(check, namespace):
    _recorder.write_record(_recorder.run_plan(_recorder.read_plan(check), namespace))


_lk.record = _fake_record
_recorder.refusal = lambda *args, **kwargs: ""
_recorder._fresh_integrity = lambda: _integrity
_capture.call = _fake_call
_integrity.tampered_functions = lambda *args, **kwargs: []
_integrity.forbidden_references = lambda *args, **kwargs: []
_json.dump = _fake_dump
_importlib.reload = lambda module: module
### AFTER test_Update_hidden
# --- everything put back, for the rest of the notebook ---
for (_module, _name), _value in _saved.items():
    setattr(_module, _name, _value)
