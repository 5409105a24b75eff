# Attack 21c, a lone surrogate as raw bytes in the record: the Set cell makes the recorder
# write its record with ensure_ascii=False and the bytes encoded with surrogatepass (ED A0 80,
# not a JSON escape); Set is not written and raises with chr(0xD800) in its message. Decoded,
# the record held a string no UTF-8 file can hold: "not graded", exit 1.
# Why: Set (test_Set_public, test_Set_hidden): not written; every record's strings are made
#   writable (U+FFFD), however they were encoded.
# ruff: noqa
# fmt: off
### CELL Set
import json as _json, types as _types
import lab3_kernel.recorder as _rec

def _raw_dump(obj, f, **_kw):
    f.flush()
    f.buffer.write(_json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass"))

_rec.json = _types.SimpleNamespace(dump=_raw_dump, load=_json.load, loads=_json.loads, dumps=_json.dumps)


def Set(X, m):
    """Not written: raises, with a message no UTF-8 file can hold."""
    raise ValueError("not written " + chr(0xD800))
