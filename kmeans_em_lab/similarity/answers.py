"""The probes' answers: from the kernel's untrusted record to short canonical forms.

Runs in the grader right after a submission's cells (:func:`keep`), on the
record the probe cells left in the outbox: each result is decoded with
:func:`lab3_kernel.wire.decode` (plain data only, bounded), then written down in
two forms, each kept as a digest:

- **exact**: the value at 6 significant digits with its dtypes, the error it
  raised, the arguments it changed. Two answers with the same exact form are
  "the same answer";
- **loose**: the value at 4 significant digits with the order that does not
  matter removed (rows within a cluster, the centres of ``K_Means``, the
  components of ``EM``), or ``valid`` for a ``Centroid_init`` answer that is
  K distinct centres inside the data's range. An answer whose loose form is
  the reference's is *correct*: it is no evidence of anything.

and a short readable text for the instructor's page. Only these (a few
kilobytes) are saved, in the autograded notebook's metadata under the
grader's key (:func:`store`), replacing whatever a submission brought there.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from kmeans_em_lab.checks.harness import changed_arguments
from kmeans_em_lab.similarity import probes
from lab3_kernel import wire

KEY = "lab3"  # the grader's metadata key (the same as the verdicts')
FIELD = "probes"
SHOWN_CHARS = 300  # characters of an answer quoted on the page
ERROR_CHARS = 300


@dataclass(frozen=True)
class Answer:
    """One probe's answer: its digests and what the page may quote."""

    exact: str
    loose: str
    shown: str

    def to_json(self) -> list[str]:
        return [self.exact, self.loose, self.shown]

    @classmethod
    def from_json(cls, data) -> Answer | None:
        if isinstance(data, list) and len(data) == 3 and all(isinstance(x, str) for x in data):
            return cls(data[0][:64], data[1][:64], data[2][: SHOWN_CHARS + 20])
        return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:24]


def _number(x, digits: int) -> str:
    try:
        value = float(x)
    except (TypeError, ValueError, OverflowError):
        return repr(x)[:50]
    if math.isnan(value):
        return "nan"
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"


def text(value, digits: int, dtypes: bool = True, depth: int = 0) -> str:
    """``value`` written with ``digits`` significant digits (with dtypes when ``dtypes``)."""
    if depth > 6:
        return "..."
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | float | np.integer | np.floating):
        kind = ("i" if isinstance(value, int | np.integer) else "f") if dtypes else ""
        return kind + _number(value, digits)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            items = [text(v, digits, dtypes, depth + 1) for v in value.ravel()[:2000]]
            return f"O{list(value.shape)}[{' '.join(items)}]"
        flat = " ".join(_number(v, digits) for v in value.ravel()[:2000])
        kind = value.dtype.kind if dtypes else ""
        return f"{kind}{list(value.shape)}[{flat}]"
    if isinstance(value, dict):
        items = sorted((text(k, digits, dtypes, depth + 1), text(v, digits, dtypes, depth + 1))
                       for k, v in list(value.items())[:200])  # fmt: skip
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        inner = ", ".join(text(v, digits, dtypes, depth + 1) for v in value[:200])
        return ("(" + inner + ")") if isinstance(value, tuple) else ("[" + inner + "]")
    if isinstance(value, wire.Opaque):
        return f"<{value.type_name}: {value.text[:200]}>"
    if value is None or isinstance(value, str):
        return repr(value)[:200]
    return f"<{type(value).__name__}>"


# -- the order that does not matter, per function ------------------------------------------------


SORTED_COLUMNS = 64
"""Columns of an answer whose rows are put in order (the probes' data have 2 to 10): each
column is a key of the sort, and a key costs memory per row whatever its size, so an
answer of two rows and a million columns (3 MB) took gigabytes to sort. A wider answer
keeps its order."""


def _rows(a) -> np.ndarray | None:
    try:
        arr = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] > SORTED_COLUMNS:
        return None
    return arr[np.lexsort(arr.T[::-1])] if len(arr) else arr


def _order_free(function: str, value, args: tuple):
    """The answer with the order that carries no meaning removed (for the loose form)."""
    if function == "Set" and isinstance(value, tuple) and len(value) == 2:
        C, D = value
        if isinstance(C, dict):
            C = {k: (_rows(v) if _rows(v) is not None else v) for k, v in C.items()}
        return (C, D)
    if function == "K_Means" and isinstance(value, tuple) and len(value) == 2:
        rows = _rows(value[0])
        return (rows if rows is not None else value[0], value[1])
    if function == "EM" and isinstance(value, tuple) and len(value) == 3:
        pi, mu, sigma = value
        try:
            mu_a, sigma_a, pi_f = np.asarray(mu, float), np.asarray(sigma, float), float(pi)
        except (TypeError, ValueError):
            return value
        if mu_a.shape == (2,) and sigma_a.shape == (2,) and mu_a[0] > mu_a[1]:
            return (1.0 - pi_f, mu_a[::-1], sigma_a[::-1])
        return (pi_f, mu_a, sigma_a)
    if function == "Centroid_init" and _valid_init(value, args):
        return "valid"
    return value


def _valid_init(value, args: tuple) -> bool:
    """K distinct finite centres of the data's shape, inside the data's range."""
    X, K = np.asarray(args[0], dtype=float), int(args[1])
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        return False
    want = (K,) if X.ndim == 1 else (K, X.shape[1])
    if value.shape != want or not np.all(np.isfinite(value)):
        return False
    rows = value.reshape(K, -1).astype(float)
    if len(np.unique(rows, axis=0)) != K:
        return False
    low, high = X.reshape(len(X), -1).min(axis=0), X.reshape(len(X), -1).max(axis=0)
    return bool(np.all(rows >= low - 1e-12) and np.all(rows <= high + 1e-12))


def answer(function: str, outcome, args: tuple, label: str = "") -> Answer:
    """The :class:`Answer` of one recorded outcome (untrusted) to a probe with ``args``."""
    if not isinstance(outcome, dict):
        return _fixed("no answer")
    if outcome.get("error") is not None:
        message = str(outcome["error"])[:ERROR_CHARS]
        return _fixed(message.removeprefix(label).strip() if label else message)
    try:
        value = wire.decode(outcome.get("result"))
    except (wire.WireError, RecursionError, ValueError, TypeError):
        return _fixed("an answer the grader cannot read")
    changed = changed_arguments(outcome.get("mutated"))
    suffix = f" (changed argument {', '.join(map(str, changed))})" if changed else ""
    try:
        exact = text(value, 6) + suffix
        loose = text(_order_free(function, value, args), 4, dtypes=False) + suffix
        shown = text(value, 4, dtypes=False) + suffix
    except Exception:  # noqa: BLE001 - a strange value is an answer of its own
        return _fixed(f"an unusual value of type {type(value).__name__}")
    return Answer(_digest(exact), _digest(loose), _short(shown))


def _fixed(words: str) -> Answer:
    return Answer(_digest(words), _digest(words), _short(words))


def _short(words: str) -> str:
    return words if len(words) <= SHOWN_CHARS else words[:SHOWN_CHARS] + " ..."


def keep(records: dict) -> dict:
    """The answers to keep, from ``{function: record}`` (records untrusted, decoded here):
    ``{"<function>: <label>": [exact, loose, shown]}``; a refused or missing record
    leaves its probes out."""
    out = {}
    for function in probes.functions():
        record = records.get(function)
        if not (isinstance(record, dict) and record.get("check") == probes.PREFIX + function):
            continue
        if record.get("refused"):
            continue
        outcomes = record.get("outcomes")
        outcomes = outcomes if isinstance(outcomes, list) else []
        readable = [o for o in outcomes[:100] if isinstance(o, dict)]
        by_label = {o["label"]: o for o in readable if type(o.get("label")) is str}
        for probe in probes.of(function):
            if probe.label in by_label:
                found = answer(function, by_label[probe.label], probe.args, probe.label)
                out[f"{function}: {probe.label}"] = found.to_json()
    return out


def store(nb, kept: dict | None) -> None:
    """Write the kept answers into ``nb``'s metadata under the grader's key (None: the
    probes did not run), replacing whatever was there."""
    metadata = nb.setdefault("metadata", {})
    data = metadata.get(KEY)
    if not isinstance(data, dict):
        metadata[KEY] = {}
    metadata[KEY][FIELD] = kept


def probed(nb) -> bool:
    """Whether the grader ran the probes on this autograded notebook (:func:`store` wrote
    their answers, perhaps none), as opposed to grading it with them off."""
    data = (nb.get("metadata") or {}).get(KEY)
    return isinstance(data, dict) and isinstance(data.get(FIELD), dict)


def read(nb) -> dict[str, Answer]:
    """The answers :func:`store` wrote into an autograded notebook (``{}``: none)."""
    data = (nb.get("metadata") or {}).get(KEY)
    kept = data.get(FIELD) if isinstance(data, dict) else None
    if not isinstance(kept, dict):
        return {}
    out = {}
    for key, value in list(kept.items())[:500]:
        found = Answer.from_json(value)
        if isinstance(key, str) and found is not None:
            out[key[:200]] = found
    return out
