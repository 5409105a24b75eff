"""What a graded cell does in the student's kernel: run the student's function and record it.

The grader writes a *plan* for the cell about to run into the kernel's inbox
(``$LAB3_INBOX/plan.json``): the calls to make (function, arguments, seed),
the reference helpers to bind meanwhile (their names only: stand-ins that ask
the grader, :mod:`.reference_calls`) and the names the check replaces. The cell calls

- :func:`record` (a hidden test): makes the planned calls through
  :func:`.capture.call` and writes what came back to ``$LAB3_OUTBOX/record.json``;
- :func:`record_public` (the hidden first lines of a public test): binds the
  helpers and a recording wrapper around the function under test until the
  cell ends, so the calls the visible test makes are recorded too.

No verdict is reached here: the grader judges the record outside the kernel.
The rules of :mod:`.integrity` are applied first and can only refuse (a
refusal is recorded and costs the cell its points). Without an inbox (the
instructor running the source notebook by hand), the grader's checks run
in-process instead: this package imports nothing of the grader, it loads the
module the grader's package declares as the :data:`LOCAL_GRADER` entry point
(``pyproject.toml``).
"""

from __future__ import annotations

import json
import os
import sys
import types

import numpy as np

from . import capture, reference_calls, refusals, wire

INBOX_VAR, OUTBOX_VAR = "LAB3_INBOX", "LAB3_OUTBOX"
PLAN_FILE, RECORD_FILE = "plan.json", "record.json"
LOCAL_GRADER = "lab3_kernel.local_grader"  # entry point group: who judges without an inbox


def _local_grader() -> types.ModuleType:
    """The grader's checks, in the instructor's own kernel (no grader around): the module
    of the :data:`LOCAL_GRADER` entry point (``run_hidden_checks``, ``run_public_prelude``)."""
    from importlib.metadata import entry_points

    for found in entry_points(group=LOCAL_GRADER):
        return found.load()
    raise RuntimeError(
        "the hidden tests run only when the course grades the notebook (make grade), "
        "or in a kernel where the course's package is installed (make venv)"
    )


# -- the rules, from a fresh copy of .integrity ------------------------------------------------


def _fresh_integrity() -> types.ModuleType:
    """:mod:`.integrity` loaded anew from its file: a cell that replaced its functions in
    the imported module does not switch the rules off."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "integrity.py")
    module = types.ModuleType(__package__ + ".integrity")
    module.__file__, module.__package__ = path, __package__
    with open(path, encoding="utf-8") as f:
        exec(compile(f.read(), path, "exec"), module.__dict__)
    return module


def refusal(function: str, namespace: dict, replaced=()) -> dict | str:
    """'' when ``function`` may be recorded, else why not (:func:`.refusals.refusal`)."""
    integrity = _fresh_integrity()
    own = sorted(name for name in sys.modules if name.split(".")[0] == __package__)
    tampered = integrity.tampered_functions(extra_modules=own)
    if tampered:
        return refusals.refusal(refusals.TAMPERED, tampered)
    if not callable(namespace.get(function)):
        return refusals.refusal(refusals.NOT_DEFINED)
    skip_namespace = {k: v for k, v in namespace.items() if k not in replaced}
    found = integrity.forbidden_references(namespace[function], skip_namespace)
    if found:
        return refusals.refusal(refusals.FORBIDDEN_CODE, found)
    return ""


def refusal_words(function: str, refused: dict) -> str:
    """What the student reads for a refusal this module made."""
    return refusals.words(function, refused["code"], refused["names"])


# -- hidden tests ----------------------------------------------------------------------------------


def _outcome(label: str, run) -> dict:
    try:
        result, report = run()
    except capture.StudentError as failure:
        return {"label": label, "error": str(failure)}
    return {
        "label": label,
        "result": wire.encode(result),
        "warnings": report.warnings[:50],
        "stderr": report.stderr[-2000:],
        "stdout_chars": report.stdout_chars,
        "mutated": report.mutated,
    }


def run_plan(plan: dict, namespace: dict, transport=None) -> dict:
    """Make the plan's calls on ``namespace`` (the notebook's globals); returns the record.

    The reference helpers the plan binds ask the grader (``transport``: see
    :func:`.reference_calls.stand_ins`)."""
    out = {"check": plan["check"], "refused": "", "outcomes": []}
    out["refused"] = refusal(plan["function"], namespace, plan.get("replaced", ()))
    if out["refused"]:
        return out
    bound = reference_calls.stand_ins(plan, namespace, transport)
    for step in plan["calls"]:
        func = namespace.get(step["function"])
        substitutes = {name: bound[name] for name in step.get("substitute", ())}
        args = wire.decode(step["args"])
        label = step["label"]

        def run(func=func, args=args, label=label, substitutes=substitutes, seed=step["seed"]):
            with capture.substituted(namespace, substitutes):
                return capture.call(func, *args, label=label, namespace=namespace, seed=seed,
                                    allowed=substitutes.values())  # fmt: skip

        out["outcomes"].append(_outcome(label, run))
    return out


def _folder(var: str) -> str | None:
    return os.environ.get(var) or None


def read_plan(check: str) -> dict:
    with open(os.path.join(_folder(INBOX_VAR), PLAN_FILE), encoding="utf-8") as f:
        plan = json.load(f)
    if plan.get("check") != check:
        raise RuntimeError(f"the grader's plan is for {plan.get('check')!r}, not {check!r}")
    return plan


def write_record(record: dict) -> None:
    path = os.path.join(_folder(OUTBOX_VAR), RECORD_FILE)
    with open(path + ".part", "w", encoding="utf-8") as f:
        json.dump(record, f)
    os.replace(path + ".part", path)


def record(check: str, namespace: dict) -> None:
    """A hidden test cell: record the student's answers to the grader's plan for ``check``."""
    if _folder(INBOX_VAR) is None:
        _local_grader().run_hidden_checks(check, namespace)
        return
    write_record(run_plan(read_plan(check), namespace))


# -- public tests ----------------------------------------------------------------------------------


class PublicRecording:
    """Until the cell ends: the reference helpers bound, the function under test recorded.

    :meth:`finish` puts the student's functions back and returns the record (in
    IPython it runs on ``post_run_cell``, whether the test passed or not).
    """

    def __init__(self, plan: dict, namespace: dict, transport=None):
        self.namespace, self.function = namespace, plan["function"]
        self.out = {"check": plan["check"], "refused": "", "outcomes": []}
        self.saved: dict = {}
        self.out["refused"] = refusal(self.function, namespace, plan.get("replaced", ()))
        if self.out["refused"]:
            return
        bound = reference_calls.stand_ins(plan, namespace, transport)
        bound[self.function] = self._wrap(namespace[self.function])
        missing = object()
        self.saved = {name: namespace.get(name, missing) for name in bound}
        self._missing = missing
        namespace.update(bound)

    def _wrap(self, func):
        outcomes = self.out["outcomes"]

        def recorded(*args, **kwargs):
            watched = {i: capture.snapshot(a) for i, a in enumerate(args)
                       if isinstance(a, np.ndarray | dict)}  # fmt: skip
            entry = {"label": f"call {len(outcomes) + 1} of {self.function}"}
            outcomes.append(entry)
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                entry["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                raise
            entry["result"] = wire.encode(result)
            entry["mutated_values"] = {
                str(i): wire.encode(args[i])
                for i, before in watched.items()
                if not capture.unchanged(before, args[i])
            }
            return result

        recorded.__wrapped__ = func
        return recorded

    def finish(self) -> dict:
        for name, value in self.saved.items():
            if value is self._missing:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value
        self.saved = {}
        return self.out


def record_public(function: str, namespace: dict) -> None:
    """The hidden first lines of ``function``'s public test (see :class:`PublicRecording`)."""
    if _folder(INBOX_VAR) is None:
        _local_grader().run_public_prelude(function, namespace)
        return
    recording = PublicRecording(read_plan("public:" + function), namespace)
    if recording.out["refused"]:
        write_record(recording.out)
        raise AssertionError(refusal_words(function, recording.out["refused"]))
    from IPython import get_ipython

    shell = get_ipython()

    def finish(*_args) -> None:
        shell.events.unregister("post_run_cell", finish)
        write_record(recording.finish())

    shell.events.register("post_run_cell", finish)
