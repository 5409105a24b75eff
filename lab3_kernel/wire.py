"""Values between the grader and the kernel, as JSON: arrays, numbers, containers.

The grader sends the test inputs with :func:`encode`; the kernel sends back what
the student's functions returned, encoded the same way. :func:`decode` is what
the grader applies to the kernel's answer, which is untrusted: it builds only
plain data (numbers, strings, lists, tuples, dicts, numeric numpy arrays and
:class:`Opaque` stand-ins), never calls a constructor named by the data, and
refuses anything deeper, longer or larger than its limits, and a dict key of a kind
whose hashes can be made to collide. Nothing is pickled.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

MAX_DEPTH = 12
MAX_ITEMS = 100_000  # elements of one list, tuple or dict
MAX_ARRAY_BYTES = 32 * 1024 * 1024  # a record larger than the grader reads is no record
MAX_TEXT = 10_000  # characters of a string or a repr
_KINDS = "biuf"  # numpy dtype kinds carried as raw bytes: bool, int, uint, float


class WireError(ValueError):
    """The data cannot be carried, or an answer is malformed."""


class Opaque:
    """Stands for a value of a type the wire does not carry (its type name and repr)."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and (self.type_name, self.text) == (
            other.type_name,
            other.text,
        )

    __hash__ = None


def _safe_repr(value) -> str:
    try:
        return repr(value)[:MAX_TEXT]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise anything
        return f"<{type(value).__name__}>"


def encode(value, _depth: int = 0):
    """``value`` as JSON-ready data (see :func:`decode` for the way back)."""
    if _depth > MAX_DEPTH:
        return {"opaque": type(value).__name__, "repr": "<nested too deeply>"}
    if value is None or isinstance(value, bool | str):
        return value[:MAX_TEXT] if isinstance(value, str) else value
    if isinstance(value, int) and type(value) is int:
        return value
    if isinstance(value, float) and type(value) is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.ndarray):
        return _encode_array(value, _depth)
    if isinstance(value, np.generic) and value.dtype.kind in _KINDS:
        return {"scalar": value.dtype.str, "b64": _b64(np.asarray(value).tobytes())}
    if isinstance(value, list | tuple) and type(value) in (list, tuple):
        items = [encode(v, _depth + 1) for v in value[:MAX_ITEMS]]
        return items if isinstance(value, list) else {"tuple": items}
    if isinstance(value, dict) and type(value) is dict:
        pairs = list(value.items())[:MAX_ITEMS]
        return {"dict": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in pairs]}
    return {"opaque": type(value).__name__, "repr": _safe_repr(value)}


# Python hashes an integer as its value modulo this prime, and strings with a salt: keys of
# those kinds below it never share a hash. A dict of keys that do (multiples of the prime,
# floats, tuples) takes time growing with the square of its size to build.
_HASH_MODULUS = 2**61 - 1


def _distinct_hash(key) -> bool:
    """Whether ``key`` may be a decoded dict's key: a string, a bool, None, or an integer
    (numpy's too) of magnitude below :data:`_HASH_MODULUS`."""
    if key is None or isinstance(key, str | bool | np.bool_):
        return True
    return isinstance(key, int | np.integer) and abs(int(key)) < _HASH_MODULUS


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encode_array(value: np.ndarray, depth: int):
    array = np.ascontiguousarray(np.ndarray.view(value, np.ndarray))
    if array.dtype.kind in _KINDS:
        if array.nbytes > MAX_ARRAY_BYTES:
            return {"opaque": "ndarray", "repr": f"<array of {array.nbytes} bytes: too large>"}
        return {"array": array.dtype.str, "shape": list(array.shape), "b64": _b64(array.tobytes())}
    if array.dtype.kind == "O" and array.size <= MAX_ITEMS:
        items = [encode(v, depth + 1) for v in array.ravel().tolist()]
        return {"objects": items, "shape": list(array.shape)}
    return {"opaque": "ndarray", "repr": _safe_repr(value)}


def dumps(value) -> str:
    return json.dumps(encode(value))


# -- the way back (untrusted input) --------------------------------------------------------------


def _dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise WireError("bad dtype")
    try:
        dtype = np.dtype(text)
    except TypeError as err:
        raise WireError("bad dtype") from err
    if dtype.kind not in _KINDS or dtype.itemsize > 16:
        raise WireError(f"dtype {dtype} is not carried")
    return dtype


def listed_size(shape: tuple[int, ...]) -> int:
    """The entries ``tolist()`` or iterating builds for an array of ``shape``: its size, but
    each zero dimension counted as one (an empty array of shape (2**25, 2**25, 0) lists
    2**50 empty lists)."""
    return math.prod(max(d, 1) for d in shape)


def _shape(data) -> tuple[int, ...]:
    """An array's shape. An empty array's other dimensions count too: ``(2**25, 2**25, 0)``
    holds nothing, yet iterating over it, or ``tolist()``, would build 2**50 lists; so the
    product of the dimensions, each zero counted as one, is at most :data:`MAX_ARRAY_BYTES`,
    and at most :data:`MAX_ITEMS` for an empty array (as many as a list may hold)."""
    if not isinstance(data, list) or len(data) > 32:
        raise WireError("bad shape")
    if not all(type(d) is int and 0 <= d <= MAX_ARRAY_BYTES for d in data):
        raise WireError("bad shape")
    listed = listed_size(data)
    if listed > MAX_ARRAY_BYTES or (0 in data and listed > MAX_ITEMS):
        raise WireError("bad shape")
    return tuple(data)


def _bytes(text, size: int) -> bytes:
    if not isinstance(text, str) or len(text) > 2 * MAX_ARRAY_BYTES:
        raise WireError("bad array data")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as err:
        raise WireError("bad array data") from err
    if len(raw) != size:
        raise WireError("array data of the wrong size")
    return raw


def decode(data, _depth: int = 0):
    """The value :func:`encode` made, from untrusted JSON data; :class:`WireError` if malformed."""
    if _depth > MAX_DEPTH + 1:
        raise WireError("nested too deeply")
    if data is None or isinstance(data, bool | int | str):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, list):
        if len(data) > MAX_ITEMS:
            raise WireError("too many items")
        return [decode(v, _depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) > 3:
        raise WireError("malformed value")
    if "array" in data:
        dtype, shape = _dtype(data["array"]), _shape(data.get("shape"))
        size = math.prod(shape) * dtype.itemsize
        if size > MAX_ARRAY_BYTES:
            raise WireError("array too large")
        return np.frombuffer(_bytes(data.get("b64"), size), dtype=dtype).reshape(shape).copy()
    if "scalar" in data:
        dtype = _dtype(data["scalar"])
        raw = _bytes(data.get("b64"), dtype.itemsize)
        return np.frombuffer(raw, dtype=dtype)[0]
    if "float" in data:
        if data["float"] not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(data["float"])
    if "tuple" in data:
        items = data["tuple"]
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise WireError("bad tuple")
        return tuple(decode(v, _depth + 1) for v in items)
    if "dict" in data:
        pairs = data["dict"]
        if not isinstance(pairs, list) or len(pairs) > MAX_ITEMS:
            raise WireError("bad dict")
        out = {}
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("bad dict item")
            key = decode(pair[0], _depth + 1)
            if not _distinct_hash(key):
                raise WireError("bad dict key")
            out[key] = decode(pair[1], _depth + 1)
        return out
    if "objects" in data:
        items, shape = data["objects"], _shape(data.get("shape"))
        if not isinstance(items, list) or len(items) != math.prod(shape):
            raise WireError("bad object array")
        out = np.empty(len(items), dtype=object)
        for i, v in enumerate(items):
            out[i] = decode(v, _depth + 1)
        return out.reshape(shape)
    if "opaque" in data:
        name, text = data.get("opaque"), data.get("repr")
        if not (isinstance(name, str) and isinstance(text, str)):
            raise WireError("bad opaque value")
        return Opaque(name[:200], text[:MAX_TEXT])
    raise WireError("malformed value")


def values_in(data: bytes) -> int:
    """An upper bound on the values and containers the JSON ``data`` decodes into, counted
    from its separators before anything is decoded (megabytes of ``[]`` decode into
    hundreds of megabytes of lists)."""
    return sum(data.count(mark) for mark in (b",", b":", b"[", b"{"))


def loads(text: str | bytes):
    """:func:`decode` of a JSON text; every failure is a :class:`WireError`."""
    try:
        return decode(json.loads(text))
    except WireError:
        raise
    except (ValueError, RecursionError, TypeError) as err:
        raise WireError(f"not a valid answer ({type(err).__name__})") from None
