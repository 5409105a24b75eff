"""What the grader checks, and how the record of a graded cell becomes its verdict.

The notebook's graded cells hold no checks. A hidden test cell is only::

    import lab3_kernel
    lab3_kernel.record("Set", globals())

and a public test starts with a hidden region (stripped from the release)::

    import lab3_kernel
    lab3_kernel.record_public("K_Means", globals())

Before such a cell runs, the grader writes its :func:`plan` into the kernel's
inbox: for a hidden test the calls its check makes (planned against the
reference, :mod:`.harness`), for a public test the reference helpers it runs
with (:data:`PUBLIC_ISOLATION`, so a bug in ``Set`` is not paid for again in
the tests of ``K_Means``). The kernel records what the student's function
returned (:mod:`lab3_kernel.recorder`); after the cell, :func:`judge` decides
outside the kernel:

- a hidden test: the check runs again, answered by the record (:data:`CHECKS`);
- a public test: its visible code runs again in the grader, each call of the
  function under test answered by the record, so its assertions and messages
  are exactly those students see when they validate.

A missing, cut or malformed record fails the cell; a rule the kernel reports
broken (tampering, forbidden code, function not defined) fails it too. Every
failure message is the student's feedback; :func:`judgement` also names its
causes (:mod:`.cause_codes`).

A hidden test's inputs that are not the lab's data are the draw in effect
(:mod:`.draws`): :func:`plan` and :func:`judgement` read it, so the worker
sets it around one submission's grading (``with draws.using(draw): ...``);
public tests, which students see, never vary. Plans are cached under the
check, the draw and the course's data (:func:`.reference_results.course_digest`).

Modules:

- :mod:`.policy`             every seed, tolerance and restart count the checks judge by
- :mod:`.draws`              the hidden checks' inputs, drawn per submission from the course secret
- :mod:`.kmeans_checks`      the checks of ``Centroid_init``, ``Set``, ``Update``, ``K_Means``
- :mod:`.em_checks`          the checks of ``EM_step`` and ``EM``
- :mod:`.harness`            a check's calls: planned against the reference, answered by a record
- :mod:`.reference_service`  the reference helpers' answers, given outside the kernel
- :mod:`.reference_results`  the data and reference results the checks compare against
- :mod:`.verdict`            what a check says: its problems, their causes, readable numbers
- :mod:`.numbers`            the shapes an answer may take, and tolerances nan and inf never pass
- :mod:`.cause_codes`        the cause codes, each with its one-sentence meaning
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kmeans_em_lab.checks import (
    cause_codes,
    draws,
    em_checks,
    harness,
    kmeans_checks,
    reference_service,
)
from kmeans_em_lab.checks import reference_results as ref
from kmeans_em_lab.checks.verdict import CheckFailure, one_line
from lab3_kernel import recorder, refusals, wire
from lab3_kernel.capture import StudentError

# hidden-test name -> (function under test, check, names the check replaces by the reference)
CHECKS = {
    "Centroid_init": ("Centroid_init", kmeans_checks.check_Centroid_init, ()),
    "Set": ("Set", kmeans_checks.check_Set, ()),
    "Update": ("Update", kmeans_checks.check_Update, ()),
    "K_Means": ("K_Means", kmeans_checks.check_K_Means, ("Centroid_init", "Set", "Update")),
    "K_Means_1d": ("K_Means", kmeans_checks.check_K_Means_1d, ("Centroid_init", "Set", "Update")),
    "EM_step": ("EM_step", em_checks.check_EM_step, ()),
    "EM": ("EM", em_checks.check_EM, ("K_Means", "EM_step")),
}

# public test -> the helpers bound to the reference while that test runs
PUBLIC_ISOLATION = {
    "K_Means": ("Centroid_init", "Set", "Update"),
    "EM": ("K_Means", "EM_step"),
}

MESSAGE_LIMIT = 2000  # characters of a failure message kept (the student's feedback)
PUBLIC = "public:"  # plan and record names of public tests: "public:<function>"
_RECORD_CALL = re.compile(r"""lab3_kernel\.record(_public)?\(\s*["'](\w+)["']""")
_HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def cell_check(source: str) -> str | None:
    """The check a graded cell records for (``"Set"``, ``"public:K_Means"``), from its source."""
    found = _RECORD_CALL.search(source or "")
    if not found:
        return None
    public, name = found.groups()
    if public:
        return PUBLIC + name if name in {f for f, _, _ in CHECKS.values()} else None
    return name if name in CHECKS else None


def check_function(check: str) -> str:
    """The lab function a check grades (``"public:K_Means"`` and ``"K_Means_1d"``: ``K_Means``)."""
    return check.removeprefix(PUBLIC) if check.startswith(PUBLIC) else CHECKS[check][0]


def out_of_order(check: str, pending) -> tuple[dict, dict | str]:
    """The plan of a cell whose reference helpers may not be sent yet, and why it scores 0.

    A helper (e.g. the reference ``Set``) is sent only once every test cell of its
    function has run; ``pending`` holds the functions with test cells still to run.
    A notebook whose test cells were moved before them gets a plan without helpers
    or calls (so the kernel learns nothing) and this refusal (:mod:`lab3_kernel.refusals`).
    """
    early = [name for name in plan(check)["helpers"] if name in pending]
    if not early:
        return plan(check), ""
    withheld = {**plan(check), "calls": [], "helpers": {}}
    return withheld, refusals.refusal(refusals.TESTS_MOVED, early)


# -- planning ----------------------------------------------------------------------------------

KMEANS_CHECKS = ("K_Means", "K_Means_1d")  # the checks that cluster the drawn rows


def usable_draw(draw: draws.Draw) -> draws.Draw:
    """``draw`` with the first of its rows for the ``K_Means`` checks under which the
    reference passes them (:data:`.policy.K_MEANS_ROWS_CANDIDATES`), else with every row
    in the file's order; the other candidates dropped. The worker grades under it: the
    same submission gets the same rows on every regrade."""
    for rows in (draw.kmeans_rows, *draw.other_kmeans_rows):
        candidate = draw.with_kmeans_rows(rows)
        try:
            with draws.using(candidate):
                for check in KMEANS_CHECKS:  # a plan is made by running its check on the reference
                    plan(check)
        except CheckFailure:
            continue
        except Exception:  # noqa: BLE001 - a course without the lab's data (no K_Means
            # check to plan): the first rows, and a check that does run says what it misses
            return draw.with_kmeans_rows(draw.kmeans_rows)
        return candidate
    return draw.with_kmeans_rows(None)


def plan(check: str) -> dict:
    """What the kernel must do in the cell of ``check`` (JSON-ready), with the draw in
    effect (a public test's plan is the same under every draw)."""
    draw = None if check.startswith(PUBLIC) else draws.current()
    return json.loads(_plan_text(check, draw, harness.SEED_OFFSET, ref.course_digest()))


@lru_cache(maxsize=32)
def _plan_text(check: str, draw: draws.Draw | None, seed_offset: int, course: str) -> str:
    if check.startswith(PUBLIC):
        function = check.removeprefix(PUBLIC)
        replaced = PUBLIC_ISOLATION.get(function, ())
        calls, helpers = [], replaced
    else:
        function, run_check, replaced = CHECKS[check]
        session = harness.Session("plan", draw=draw)
        run_check(session)
        calls = session.calls
        used = {name for c in calls for name in c["substitute"]}
        helpers = tuple(name for name in reference_service.HELPERS if name in used)
    return json.dumps({
        "check": check,
        "function": function,
        "replaced": list(replaced),
        "calls": calls,
        "helpers": reference_service.plan_entry(helpers),
    })  # fmt: skip


# -- judging -----------------------------------------------------------------------------------


NO_MESSAGE = "this test failed, and what failed left no message: it scores 0"
"""A failure's message when what failed gave none (a forged record's empty error)."""


@dataclass(frozen=True)
class Judgement:
    """The verdict on one graded cell's record: whether it passes, its message, and the
    cause of each problem, ``(code, problem)`` pairs with codes of :data:`.cause_codes.CAUSES`.

    Only the judge's own success says ``passed`` (the default is a failure); a failure
    always has a message (:data:`NO_MESSAGE` when it was given none), so no text a record
    carries, an empty one included, can read as a pass."""

    message: str = ""
    causes: tuple[tuple[str, str], ...] = ()
    passed: bool = False

    def __post_init__(self) -> None:
        if self.passed and (self.message or self.causes):
            raise ValueError("a passing judgement has no message and no cause")
        if not self.passed and not self.message.strip():
            object.__setattr__(self, "message", NO_MESSAGE)
            causes = tuple((code, problem or NO_MESSAGE) for code, problem in self.causes)
            object.__setattr__(self, "causes", causes or ((cause_codes.GENERIC, NO_MESSAGE),))


PASSED = Judgement(passed=True)


def _failed(message: str, cause: str) -> Judgement:
    return Judgement(message, ((cause, message),))


def judgement(
    check: str, record, cell_source: str = "", served: Mapping[str, int] | None = None
) -> Judgement:
    """The verdict on ``record`` for ``check``, and its causes.

    ``record`` is the kernel's answer, decoded from JSON and untrusted;
    ``cell_source`` is the graded cell's own source (public tests replay its
    visible code); ``served``: the reference helpers' calls the grader answered
    while the cell ran (its own count; None: not known, and nothing is judged on
    it). A hidden check is judged with the draw in effect, the one its plan was
    made with.
    """
    if not (isinstance(record, dict) and record.get("check") == check):
        return _failed(
            "the grader found no record of this test: the notebook stopped or changed the "
            "grader's recording, so this test scores 0",
            "record_missing",
        )
    refused = record.get("refused")
    if refused:
        read = refusals.read(refused)
        if read is None:
            return _failed(
                "the grader's record of this test was changed by the notebook, so this test "
                "scores 0",
                "record_missing",
            )
        code, names = read
        words = refusals.words(check_function(check), code, names)
        return _failed(words, cause_codes.of_refusal(code))
    outcomes = record.get("outcomes")
    if not isinstance(outcomes, list):
        return _failed(
            "the grader's record of this test is malformed, so this test scores 0", "record_missing"
        )
    last: list = []  # a public test's last call (args, answer): what its assertion judged
    try:
        if check.startswith(PUBLIC):
            _replay_public(check.removeprefix(PUBLIC), outcomes, cell_source, last, served)
        else:
            CHECKS[check][1](harness.Session("judge", outcomes, draws.current(), served))
    except CheckFailure as failure:
        found = tuple(failure.causes) or ((cause_codes.GENERIC, str(failure)),)
        return Judgement(str(failure)[:MESSAGE_LIMIT], found)
    except harness.RecordError as failure:
        return _failed(str(failure), "record_missing")
    except StudentError as failure:
        return _failed(str(failure), cause_codes.of_student_error(str(failure)))
    except AssertionError as failure:  # a public test's message may quote the student's values
        message = (
            one_line(str(failure)[:MESSAGE_LIMIT]) or f"{check}: a public test assertion failed"
        )
        return Judgement(message, _public_causes(check, message, last))
    except Exception as err:  # noqa: BLE001 - the visible test on odd answers: a failure
        return _failed(one_line(f"{type(err).__name__}: {str(err)[:500]}"), cause_codes.GENERIC)
    return PASSED


def judge(
    check: str, record, cell_source: str = "", served: Mapping[str, int] | None = None
) -> str:
    """'' when the record passes ``check``, else the failure message (see :func:`judgement`)."""
    judged = judgement(check, record, cell_source, served)
    return "" if judged.passed else judged.message


def public_test_code(cell_source: str) -> str:
    """The visible part of a public test cell (what students run)."""
    return _HIDDEN_REGION.sub("", cell_source)


# public test -> the hidden check's conditions, applied to the answer its assertion judged
PUBLIC_DIAGNOSES = {
    "Set": kmeans_checks.public_causes_set,
    "K_Means": kmeans_checks.public_causes_k_means,
    "EM_step": em_checks.public_causes_em_step,
    "EM": em_checks.public_causes,
}
# what a public assertion's message tells only by its symptom (a value differs): the
# hidden check's conditions on the answer say why, when they find it
_SYMPTOMS = frozenset({
    cause_codes.GENERIC, "wrong_assignment", "wrong_distortion", "wrong_centres",
    "distortion_not_final", "em_not_converged", "invalid_parameters",
})  # fmt: skip


def _public_causes(check: str, message: str, last: list) -> tuple[tuple[str, str], ...]:
    """The causes of a failed public assertion: what the hidden check's conditions find on
    the answer it judged (the last call), when its message names only a symptom; else
    the cause its message names."""
    code = cause_codes.of_public_assertion(message)
    diagnose = PUBLIC_DIAGNOSES.get(check.removeprefix(PUBLIC))
    if code in _SYMPTOMS and diagnose is not None and last:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                found = diagnose(*last[-1])
            except Exception:  # noqa: BLE001 - an odd answer: its message's cause stands
                found = []
        if found:
            return tuple((found_code, message) for found_code in found)
    return ((code, message),)


def _replay_public(
    function: str,
    outcomes: list,
    cell_source: str,
    last: list,
    served: Mapping[str, int] | None = None,
) -> None:
    """Run the visible test of ``function``, each call answered by ``outcomes``; every
    call's ``(args, answer)`` is appended to ``last``.

    The reference helpers the test binds (:data:`PUBLIC_ISOLATION`) are names of the
    replay too, and each answered call makes one call of each helper while the grader's
    own count of that helper's calls in the cell (``served``; None: not known, every call
    made) lasts: a visible test that counts a helper's calls (K_Means' start from
    Centroid_init) sees at least as many as the calls answered exactly when the student's
    function made them in the kernel."""
    answers = iter(outcomes)
    helpers = PUBLIC_ISOLATION.get(function, ())
    left = {name: None if served is None else served.get(name, 0) for name in helpers}
    namespace: dict = {"np": np, "warnings": warnings, "tracks": ref.spotify_X()}

    def answer(*args, **_kwargs):
        # only data in this closure: the recorder refuses a function that closes over code
        # of the grader's package, and a visible test may record it again
        for name in helpers:
            if left[name] is None or left[name] > 0:
                if left[name] is not None:
                    left[name] -= 1
                namespace[name](*args)
        outcome = next(answers, None)
        if not isinstance(outcome, dict):
            raise harness.RecordError(
                f"the grader found no record of this call of {function}: the notebook stopped "
                "or changed the grader's recording, so this test scores 0"
            )
        if outcome.get("error") is not None:
            raise StudentError(f"{function} raised {one_line(str(outcome['error'])[:500])}")
        # the call's own arguments, for a diagnosis of its answer: the student's changes
        # (shown to the visible test below) could make that diagnosis dear (a changed X
        # with no fit: the reference EM's every iteration)
        called = copy.deepcopy(args)
        changed = outcome.get("mutated_values") or {}
        for key, value in changed.items() if isinstance(changed, dict) else ():
            if str(key).isdigit() and int(key) < len(args):
                _overwrite(args[int(key)], _small(wire.decode(value), function))
        result = _small(wire.decode(outcome.get("result")), function)
        last.append((called, result))
        return result

    namespace[function] = answer
    namespace.update({name: _served_helper for name in helpers})
    code = compile(public_test_code(cell_source), f"<public test of {function}>", "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)


def _served_helper(*_args, **_kwargs) -> None:
    """A reference helper in a public test's replay: the student's function already ran in
    the kernel, so nothing uses what it returns."""


# numbers in one answer a public test can use: its data is at most the songs (600 x 13)
MAX_PUBLIC_ELEMENTS = 100_000


def _small(value, function: str):
    """``value`` when it is small enough for the visible test to handle in the grader, else
    a :class:`harness.RecordError` (an answer far larger than its data would make the
    grader's work, not the student's). Small enough: at most :data:`MAX_PUBLIC_ELEMENTS`
    values, each string counted as long as the longest (numpy pads a list of strings to
    its longest: one of 10,000 characters among 99,000 empty ones became 4 GB), and no
    array of objects holding arrays or lists (their elements are compared, sorted and
    printed as arrays: two of shapes (50000, 1) and (1, 50000) compared as 2.5 GB)."""
    count, longest, todo = 0, 1, [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, np.ndarray):  # an empty one's other dimensions count too
            count += wire.listed_size(item.shape)
        elif isinstance(item, list | tuple):
            count += len(item)
            todo.extend(item)
        elif isinstance(item, dict):
            count += len(item)
            todo.extend(item.values())
        if count * longest > MAX_PUBLIC_ELEMENTS:
            raise harness.RecordError(
                f"{function} answered with more than {MAX_PUBLIC_ELEMENTS:,} numbers (or text "
                "that long), far more than this test's data holds, so the grader did not check "
                "it: this test scores 0"
            )
        if isinstance(item, np.ndarray) and item.dtype.kind == "O":
            for element in item.flat:  # at most MAX_PUBLIC_ELEMENTS of them
                if isinstance(element, np.ndarray | list | tuple | dict):
                    raise harness.RecordError(
                        f"{function} answered with an array of arrays or lists (dtype object), "
                        "which the grader does not check: this test scores 0"
                    )
                if isinstance(element, str):
                    todo.append(element)
    return value


def _overwrite(target, value) -> None:
    """Make the grader's copy of an argument show the change the student's call made to it."""
    if isinstance(target, np.ndarray):
        new = np.asarray(value) if not isinstance(value, wire.Opaque) else None
        if new is not None and new.shape == target.shape and new.dtype.kind in "biuf":
            target[...] = new
        else:
            target[...] = np.nan if target.dtype.kind == "f" else ~target
    elif isinstance(target, dict):
        target.clear()
        if isinstance(value, dict):
            target.update(value)


# -- in one process (tests, the instructor's own kernel) ---------------------------------------


def in_process_helpers(planned: dict):
    """The transport of a plan's reference helpers when the grader is this process."""
    return reference_service.in_process(planned.get("helpers") or ())


def record_in_process(check: str, namespace: dict) -> dict:
    """The record a kernel would send for ``check``, made here, through the same JSON."""
    return recorded_in_process(check, namespace)[0]


def recorded_in_process(check: str, namespace: dict) -> tuple[dict, dict[str, int]]:
    """:func:`record_in_process`, and the reference helpers' calls answered meanwhile
    (what the worker's reference server counts in a kernel's cell)."""
    planned = plan(check)
    service = reference_service.Service(planned.get("helpers") or ())
    made = recorder.run_plan(planned, namespace, service.answer)
    return json.loads(json.dumps(made)), dict(service.answered)


def judged_in_process(check: str, namespace: dict) -> Judgement:
    """Plan, record and judge ``check`` on a namespace in this process, as a worker would."""
    record, served = recorded_in_process(check, namespace)
    return judgement(check, record, served=served)


def run_hidden_checks(name: str, namespace: dict) -> None:
    """Plan, record and judge the hidden check ``name`` on a namespace in this process;
    ``AssertionError`` with the student's feedback when it fails."""
    judged = judged_in_process(name, namespace)
    if not judged.passed:
        raise AssertionError(judged.message)


def verdicts(namespace: dict) -> dict[str, str]:
    """Every hidden check on a namespace, in this process: '' where it passes, else its message."""
    judged = {name: judged_in_process(name, namespace) for name in CHECKS}
    return {name: "" if j.passed else j.message for name, j in judged.items()}


def run_public_prelude(function: str, namespace: dict) -> recorder.PublicRecording:
    """A public test's hidden region in the instructor's own kernel (no grader around):
    refuses what the grader would refuse and binds the reference helpers until the
    cell ends. Outside IPython the caller ends it with ``.finish()``."""
    planned = plan(PUBLIC + function)
    recording = recorder.PublicRecording(planned, namespace, in_process_helpers(planned))
    if recording.out["refused"]:
        raise AssertionError(recorder.refusal_words(function, recording.out["refused"]))
    with contextlib.suppress(ImportError):
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:

            def finish(*_args) -> None:
                shell.events.unregister("post_run_cell", finish)
                recording.finish()

            shell.events.register("post_run_cell", finish)
    return recording
