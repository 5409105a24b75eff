"""``ResilientExecute``: nbgrader's Execute that survives a dead or unresponsive kernel.

Stock nbgrader aborts the whole notebook when the kernel dies (``os._exit``, a
segfault) or ignores the interrupt sent at a cell's time limit (SIGINT
ignored): the autograded folder is deleted and the gradebook keeps whatever
scores it had before. This subclass instead records an error output in the
cell where it happened and in every later code cell ("not run: ..."), so the
notebook is saved and scored like any other: 0 for the cells not reached.

It carries the exchange with the kernel's recorder (:mod:`.mailbox`): before
a graded cell that records a check, the cell's plan goes into the kernel's
inbox; after it, the record it left is collected into ``resources`` for
:class:`.judge.JudgeRecords`, which reaches the verdict outside the kernel.
While that cell runs, the reference helpers its plan binds are answered by
the grader (:mod:`.reference_server`), never sent to the kernel as code.

What it observes itself goes into ``resources`` as the grader's own
:class:`.verdicts.Event` s (time limit, kernel death, a kernel that ignored the
interrupt, cells not run, output cut): flags and causes come from those, never
from the names or texts of the errors in a cell, which student code can raise
under any name. In graded cells it writes no error output of its own (the
verdict does, :mod:`.score_from_verdicts`); other cells get one, for the reader.

It also arranges the kernel's environment: an ``IPYTHONDIR`` whose startup
file caps output bytes inside the kernel (:mod:`lab3_kernel.output_cap`), and
BLAS thread counts of 1 (parallelism comes from the workers; one thread also
keeps floating-point results the same from run to run). While a cell runs,
every kind of output message (streams, displays and their updates, results,
errors, widget messages) counts against the cell's ``max_output_bytes``; what
comes past it is dropped as it arrives, with one note. The kernel runs in
the sandbox of its kernel manager (:mod:`.sandbox`) unless that is switched off.
"""

from __future__ import annotations

import atexit
import functools
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Float, Integer

from kmeans_em_lab import checks
from kmeans_em_lab.course import points
from kmeans_em_lab.pipeline.shared import causes, contained, verdicts
from kmeans_em_lab.pipeline.shared.course_config import setting
from kmeans_em_lab.pipeline.shared.verdicts import EVENTS, REPLIES, Event, Reply, cell_label
from kmeans_em_lab.pipeline.worker.limit_bytes import held_bytes, note, utf8_prefix
from kmeans_em_lab.pipeline.worker.mailbox import RECORDS, SERVED, Mailbox
from kmeans_em_lab.pipeline.worker.reference_server import ReferenceServer
from kmeans_em_lab.pipeline.worker.sandbox import SandboxedKernelManager
from kmeans_em_lab.similarity import answers, probes
from lab3_kernel import output_cap
from lab3_kernel.wire import values_in

# enames of the error outputs this preprocessor writes into ungraded cells, for the reader
# (never read back: the events in resources are the grader's record)
KERNEL_DIED = "KernelDied"
KERNEL_UNRESPONSIVE = "KernelUnresponsive"
OUTPUT_LOST = "OutputLost"
NOT_RUN = "CellNotRun"
CELL_TOO_LONG = "CellTooLong"
# iopub messages that carry what a cell shows (counted against the cell's byte budget)
_COUNTED = frozenset({
    "stream", "display_data", "execute_result", "update_display_data", "error",
    "comm_open", "comm_msg",
})  # fmt: skip

# The output messages nbclient acts on. Any other type (widgets' comm messages, which the
# pages leave out, and types no kernel sends) is dropped before nbclient reads it: nbclient
# logs an unknown type in full, a megabyte a message, into the submission's log.
_HANDLED = frozenset({
    "status", "execute_input", "clear_output", "stream", "display_data", "execute_result",
    "update_display_data", "error",
})  # fmt: skip

# Seconds since the last kernel message within which output still counts as arriving when
# nbclient stops waiting for a cell's output after its reply.
_STILL_ARRIVING = 1.0

_IPYTHON_DIR: Path | None = None


def _ipython_dir() -> Path:
    """This process's private IPYTHONDIR with the output-cap startup file (made once)."""
    global _IPYTHON_DIR
    if _IPYTHON_DIR is None:
        path = Path(tempfile.mkdtemp(prefix="lab3-ipython-"))
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        output_cap.write_startup_dir(path)
        _IPYTHON_DIR = path
    return _IPYTHON_DIR


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"],
    )


def describe_exit(code: int | None) -> str:
    """A kernel's exit status in words. bubblewrap reports a sandboxed kernel killed by
    signal N as exit code 128 + N (the shell's convention): named as the signal too."""
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            return f"killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"killed by signal {-code}"
    if code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            return f"exit code {code}"
        return f"exit code {code}: killed by signal {code - 128} ({name})"
    return f"exit code {code}"


class UnreadableMessage(Exception):
    """A kernel message the grader could not decode: JSON it refuses (nested too deep, an
    integer of thousands of digits), a bad signature, a header of the wrong shape. Raised
    in place of whatever decoding raised, so that it stops the notebook like any other
    message the grader cannot take, never the grading."""


MAX_MESSAGE_VALUES = 1_000_000
"""Values and containers in one kernel message's JSON parts, counted before they are
decoded (:func:`lab3_kernel.wire.values_in`): a part of 63 MiB of ``{},`` decodes into
gigabytes of dicts, and decoding holds the interpreter lock until it is done. What the
kernel may print per cell (:mod:`lab3_kernel.output_cap`) holds far fewer."""


def _json_parts(msg_list) -> list[bytes]:
    """The header, parent header, metadata and content of a message as the socket gave
    them (after the signature; what follows are binary buffers, never decoded)."""
    return [p if isinstance(p, bytes) else bytes(p.buffer) for p in list(msg_list)[1:5]]


class MessageCount:
    """Messages decoded since the current cell started and since the notebook started, and
    how many each may hold (-1: no limit): a kernel sending a million tiny signed messages
    kept the grader decoding them, most of a core, for as long as its cell ran; cells each
    sending a little less than a cell's limit did the same across the notebook."""

    def __init__(self, limit: int = -1, notebook_limit: int = -1):
        self.limit = limit
        self.notebook_limit = notebook_limit
        self.seen = 0
        self.notebook_seen = 0
        self.last = 0.0  # time.monotonic() of the last message decoded

    def over(self) -> str | None:
        """What the message just counted is one more than, in words (None: within both)."""
        if 0 <= self.limit < self.seen:
            return f"more than {self.limit:,} messages in one cell"
        if 0 <= self.notebook_limit < self.notebook_seen:
            return f"more than {self.notebook_limit:,} messages in the notebook"
        return None


def guard_decoding(session, count: MessageCount | None = None) -> None:
    """Make ``session.deserialize`` raise :class:`UnreadableMessage` when a message cannot
    be decoded, whatever the reason, holds more than :data:`MAX_MESSAGE_VALUES`, or is one
    more than ``count`` allows (idempotent). The kernel signs its messages with the
    session's key, so the student's code can send any bytes as a message."""
    if getattr(session, "_lab3_guarded", False):
        return
    decode = session.deserialize
    count = count or MessageCount()

    def deserialize(msg_list, *args, **kwargs):
        count.seen += 1
        count.notebook_seen += 1
        count.last = time.monotonic()
        if over := count.over():
            raise UnreadableMessage(over)
        try:
            values = sum(values_in(part) for part in _json_parts(msg_list))
        except Exception as err:  # noqa: BLE001 - parts of no known kind: not readable
            raise UnreadableMessage(type(err).__name__) from None
        if values > MAX_MESSAGE_VALUES:
            raise UnreadableMessage(f"a message of more than {MAX_MESSAGE_VALUES:,} values")
        try:
            msg = decode(msg_list, *args, **kwargs)
        except Exception as err:  # noqa: BLE001 - what a message can make decoding raise
            raise UnreadableMessage(type(err).__name__) from None
        if not envelope_ok(msg):
            raise UnreadableMessage("a message of the wrong shape")
        return msg

    session.deserialize = deserialize
    session._lab3_guarded = True


# message type -> what nbclient reads of its content before the grader's own checks (it
# indexes these keys, and the value must be of this type)
_READ_BEFORE_CHECKS = {
    "status": {"execution_state": str},
    "execute_reply": {"status": str},
}


def envelope_ok(msg) -> bool:
    """Whether a decoded kernel message has the shape nbclient reads it with before any of
    the grader's checks: its parts dicts, its type a string, its parent's id a string (or
    none), and the keys :data:`_READ_BEFORE_CHECKS` names."""
    if not isinstance(msg, dict):
        return False
    if not all(isinstance(msg.get(k), dict) for k in ("header", "parent_header", "metadata",
                                                      "content")):  # fmt: skip
        return False
    kind = msg.get("msg_type")
    if not isinstance(kind, str) or not isinstance(msg["parent_header"].get("msg_id", ""), str):
        return False
    content = msg["content"]
    transient = content.get("transient")  # nbclient reads its display id on every message
    if transient is not None and not (
        isinstance(transient, dict) and isinstance(transient.get("display_id", ""), str | None)
    ):
        return False
    return all(
        isinstance(content.get(key), wanted)
        for key, wanted in _READ_BEFORE_CHECKS.get(kind, {}).items()
    )


class ResilientExecute(Execute):
    """Execute that turns kernel death and unresponsive kernels into cell errors."""

    notebook_seconds = setting(
        Float,
        float("inf"),
        "seconds the notebook's cells may take together; the cells after are not run "
        "(the worker sets it from the course's cell limits: a submission that adds cells "
        "cannot hold a worker until the watchdog)",
    )
    kernel_output_bytes = setting(
        Integer,
        1_048_576,
        "bytes a cell may print inside the kernel (stdout+stderr); -1 means no cap",
    )

    max_output_bytes = setting(
        Integer, 1_048_576, "bytes of output kept per cell as messages arrive (-1 means no limit)"
    )

    max_notebook_output_bytes = setting(
        Integer,
        16 * 1_048_576,
        "bytes of output kept in the whole notebook as messages arrive (-1: no limit); "
        "past it every cell's output is cut as if its own limit were reached",
    )

    max_messages = setting(
        Integer,
        100_000,
        "messages of any kind the kernel may send while one cell runs (-1: no limit); "
        "one more stops the notebook there, as an unreadable message does (a cell's prints "
        "travel in a few messages a second: ipykernel gathers them)",
    )

    max_notebook_messages = setting(
        Integer,
        300_000,
        "messages of any kind the kernel may send while the notebook's cells run "
        "(-1: no limit); one more stops the notebook there, as ``max_messages`` does for "
        "one cell (an honest notebook sends a few hundred; a cell of 5,000 flushed prints, "
        "5,000)",
    )

    max_output_cuts = setting(
        Integer,
        3,
        "cells whose output may still be missing when nbclient stops waiting after "
        "their reply (-1: no limit); the next such cell stops the notebook there: a kernel "
        "flooding past its own queue after every cell held a worker for minutes, each cell "
        "waited out and cut",
    )

    max_display_ids = setting(
        Integer,
        1_000,
        "display ids the notebook may hold (outputs a later message can update); past "
        "it a display keeps its output but no id: nbclient walks every id of the notebook "
        "at each clear_output",
    )

    max_message_bytes = setting(
        Integer,
        64 * 1_048_576,
        "bytes of one message from the kernel; the connection drops a larger one unread "
        "(ZeroMQ's MAXMSGSIZE), so no single output can fill the grader's memory",
    )

    max_cell_chars = setting(
        Integer,
        causes.PARSED_CHARS,
        "characters of a cell's source the kernel is given (-1: no limit); a longer cell is "
        "not run, its error says why, and the notebook goes on (IPython compiles a cell's "
        "statements one by one: a million one-line statements held the kernel past its time "
        "limit in a phase that ignores the interrupt, so the score of everything after "
        "depended on the machine's load)",
    )

    run_probes = setting(
        Bool,
        False,
        "after the student's cells, run the ungraded similarity probes and keep their "
        "answers in the autograded notebook's metadata (kmeans_em_lab.similarity); the "
        "worker turns them on when the run writes the similarity report (TaskOptions.probes)",
    )

    probe_seconds = setting(
        Float,
        probes.CELL_SECONDS,
        "seconds each probe cell may run; the watchdog's deadline counts them "
        "(settings.submission_deadline)",
    )

    kernel_env = Dict(
        {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        help="environment variables set for the kernel unless already set",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute forces AsyncKernelManager as a keyword (config cannot change it)
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._halted: str | None = None
        self._started: float | None = None  # when the first code cell started
        self._running: tuple[int, NotebookNode] | None = None
        self._timed_out: set[int] = set()
        self._received: dict[int, int] = {}
        self._total = 0  # bytes of output kept in the whole notebook
        self._noted: set[int] = set()
        self._cuts = 0  # cells whose output was cut after their reply
        self._messages = MessageCount(self.max_messages, self.max_notebook_messages)
        self._mailbox = Mailbox()
        self._reference = ReferenceServer(self._mailbox.root)
        self._pending = Counter(  # functions -> their test cells not run yet
            checks.check_function(check)
            for cell in nb.cells
            if cell.cell_type == "code"
            and points.is_graded(cell)
            and (check := checks.cell_check(cell.source))
        )
        resources = {} if resources is None else resources
        resources[RECORDS], resources[EVENTS], resources[REPLIES] = {}, {}, {}
        resources[SERVED] = {}
        self._probe_cells = self._add_probe_cells(nb)
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._keep_probes(nb, resources)
            self._reference.close()
            self._mailbox.close()

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        make_client = km.client

        def client(**kwargs):  # each client decodes with its own copy of the session
            kc = make_client(**kwargs)
            guard_decoding(kc.session, self._messages)
            start = kc.start_channels

            def start_channels(*args, **kw):
                # nbclient reads neither stdin (no input) nor control (the manager interrupts
                # on its own socket): opened, they would queue whatever the kernel sends
                # there, unread, in the grader's memory
                kw.update(stdin=False, control=False)
                return start(*args, **kw)

            kc.start_channels = start_channels
            return kc

        km.client = client
        if hasattr(km, "max_message_bytes"):
            km.max_message_bytes = self.max_message_bytes
        if getattr(km, "sandbox", False):
            km.extra_binds = self._mailbox.binds() + self._reference.binds()
            km.sandbox_env = {
                **self._kernel_settings(),
                **self._mailbox.env(sandboxed=True),
                **self._reference.env(sandboxed=True),
            }
            if self.kernel_output_bytes >= 0:
                km.ipython_startup = str(_ipython_dir() / "profile_default" / "startup"
                                         / output_cap.STARTUP_FILE)  # fmt: skip
        return km

    @property
    def _sandboxed(self) -> bool:
        return bool(getattr(self.km, "sandbox", False))

    # -- the kernel's environment -------------------------------------------------

    def _kernel_settings(self) -> dict[str, str]:
        """What the kernel needs set, sandboxed or not (thread counts, the output cap)."""
        env = {key: str(value) for key, value in self.kernel_env.items()}
        if self.kernel_output_bytes >= 0:
            env[output_cap.ENV_VAR] = str(self.kernel_output_bytes)
        return env

    def _kernel_environment(self) -> dict[str, str]:
        """The environment of an unsandboxed kernel: the grader's own, plus its settings."""
        env = dict(os.environ)
        for key, value in self._kernel_settings().items():
            env.setdefault(key, value)
        env.setdefault("MPLBACKEND", "Agg")
        if self.kernel_output_bytes >= 0:
            env["IPYTHONDIR"] = str(_ipython_dir())
            env[output_cap.ENV_VAR] = str(self.kernel_output_bytes)
        env.update(self._mailbox.env(sandboxed=False))
        env.update(self._reference.env(sandboxed=False))
        return env

    @contextmanager
    def setup_kernel(self, **kwargs):
        kwargs.setdefault("env", self._kernel_environment())
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        with super().setup_kernel(**kwargs):
            yield

    # -- cells ----------------------------------------------------------------------

    def _observe(self, index: int, code: str, message: str) -> None:
        """Note an event the grader saw in cell ``index`` (see :mod:`.verdicts`)."""
        self.resources.setdefault(EVENTS, {}).setdefault(index, []).append(Event(code, message))

    def preprocess_cell(self, cell, resources, index):
        if id(cell) in self._probe_cells:
            return self._run_probe(cell, resources, index)
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        graded = points.is_graded(cell)
        self._started = self._started if self._started is not None else time.monotonic()
        if self._halted is None and time.monotonic() - self._started > self.notebook_seconds:
            self._halted = (
                f"the notebook ran past its time limit ({self.notebook_seconds:.0f} s for all "
                "its cells together)"
            )
            self.log.warning("Notebook time limit reached before cell %s", cell_label(cell, index))
        if self._halted is not None:
            message = f"not run: {self._halted}"
            self._observe(index, verdicts.NOT_RUN, message)
            cell.outputs = [] if graded else [error_output(NOT_RUN, message)]
            cell.execution_count = None
            return cell, resources
        if 0 <= self.max_cell_chars < len(cell.source):
            message = (
                f"cell {cell_label(cell, index)} not run: it holds {len(cell.source):,} "
                f"characters, more than the {self.max_cell_chars:,} the grader runs in one cell"
            )
            self._observe(index, verdicts.CELL_TOO_LONG, message)
            cell.outputs = [] if graded else [error_output(CELL_TOO_LONG, message)]
            cell.execution_count = None
            return cell, resources
        check = checks.cell_check(cell.source) if graded else None
        if check is None:
            return self._run_cell(cell, resources, index)
        pending = {function for function, count in self._pending.items() if count}
        plan, refused = checks.out_of_order(check, pending)
        self._mailbox.post(plan)
        self._reference.serve(plan["helpers"])
        try:
            return self._run_cell(cell, resources, index)
        finally:
            resources.setdefault(SERVED, {})[index] = self._reference.stop_serving()
            self._pending[checks.check_function(check)] -= 1
            record = self._mailbox.take(check)
            if refused:  # the grader's own refusal, whatever the kernel recorded
                record = {"check": check, "refused": refused, "outcomes": []}
            resources.setdefault(RECORDS, {})[index] = (check, record)

    # -- the similarity probes: ungraded cells after the student's ---------------------

    def _add_probe_cells(self, nb) -> dict[int, str]:
        """Append one ungraded probe cell per lab function (:mod:`kmeans_em_lab.similarity.probes`);
        ``id(cell) -> function``. They are removed again before anything reads the notebook."""
        self._probe_records: dict[str, dict | None] = {}
        if not self.run_probes:
            return {}
        added = {}
        for function in probes.functions():
            cell = nbformat.v4.new_code_cell(probes.cell_source(function))
            nb.cells.append(cell)
            added[id(cell)] = function
        return added

    def _get_timeout(self, cell):
        if cell is not None and id(cell) in getattr(self, "_probe_cells", {}):
            return self.probe_seconds
        return super()._get_timeout(cell)

    def _run_probe(self, cell, resources, index):
        """Run a probe cell through the mailbox like a hidden test; its record is kept aside."""
        function = self._probe_cells[id(cell)]
        if self._halted is not None:
            return cell, resources
        self._mailbox.post(probes.plan(function))
        try:
            return self._run_cell(cell, resources, index)
        finally:
            self._probe_records[function] = self._mailbox.take(probes.PREFIX + function)

    def _keep_probes(self, nb, resources) -> None:
        """Remove the probe cells and what was observed in them; write the answers they
        recorded (untrusted, decoded by :func:`kmeans_em_lab.similarity.answers.keep` in a
        child within limits, :mod:`kmeans_em_lab.pipeline.shared.contained`: a function
        whose record breaks them loses its answers) into the notebook's metadata under the
        grader's key, replacing what a submission brought."""
        if self._probe_cells:
            kept = [c for c in nb.cells if id(c) not in self._probe_cells]
            for index in range(len(kept), len(nb.cells)):
                for key in (EVENTS, REPLIES):
                    resources.get(key, {}).pop(index, None)
            nb.cells = kept
        # {} when they were on but never ran (the notebook halted first): probed, no answers
        kept = None
        if self.run_probes:
            kept = {}
            records = self._probe_records
            steps = [functools.partial(answers.keep, {f: records.get(f)}) for f in records]
            results = contained.run_steps(steps, contained.DEFAULT_LIMITS)
            for function, found in zip(records, results, strict=True):
                if isinstance(found, contained.Stopped):  # it costs its probes, never the grade
                    self.log.info("The probes' record of %s could not be read", function)
                else:
                    kept.update(found)
        answers.store(nb, kept)

    def _run_cell(self, cell, resources, index):
        label = cell_label(cell, index)
        self._running = (index, cell)
        self._messages.seen = 0
        unreadable = f"a message from the kernel could not be read in cell {label}"
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            over = getattr(self.km, "disk_over", None)  # the sandbox's disk watch killed it
            why = f"killed: {over}, over the sandbox's limit" if over else None
            self.log.error("Kernel died in cell %s", label)
            message = f"the kernel died in cell {label} ({why or describe_exit(self._exit_code())})"
            self._halt(cell, index, verdicts.KERNEL_DIED, message, KERNEL_DIED, stop=False)
        except (UnreadableMessage, RecursionError) as err:  # a message that cannot be decoded
            self.log.error("Unreadable kernel message in cell %s", label)
            why = str(err) if isinstance(err, UnreadableMessage) else ""
            self._halt(
                cell, index, verdicts.OUTPUT_FLOOD, f"{unreadable} ({why})" if why else unreadable,
                OUTPUT_LOST,
            )  # fmt: skip
        except CellTimeoutError as err:
            self.log.error("Kernel unresponsive in cell %s: %s", label, str(err).splitlines()[0])
            if index in self._timed_out:
                message = (
                    f"the kernel did not stop when interrupted at the time limit "
                    f"({self._get_timeout(cell)} s) in cell {label}"
                )
                self._halt(cell, index, verdicts.KERNEL_UNRESPONSIVE, message, KERNEL_UNRESPONSIVE)
            else:
                # the reply came (on its own channel), the rest of the output did not before
                # nbclient stopped waiting: still arriving (a slow read), or lost (the kernel's
                # queue drops a burst past its high-water mark, the idle status with it; one
                # message over max_message_bytes drops the connection). What is missing is cut
                # and the notebook goes on: a graded cell's verdict comes from its record (an
                # honest cell of 5,000 flushed prints stopped the notebook and scored 0)
                arriving = time.monotonic() - self._messages.last < _STILL_ARRIVING
                message = (
                    f"the output of cell {label} was still arriving {self.iopub_timeout} s after "
                    "the cell's reply: what came later is not shown"
                    if arriving
                    else f"the cell's output stopped reaching the grader in cell {label}: the "
                    "kernel dropped part of a burst of messages, or one message over "
                    f"{self.max_message_bytes:,} bytes dropped the connection; what is missing "
                    "is not shown"
                )
                self._observe(index, verdicts.OUTPUT_CUT, message)
                if not points.is_graded(cell):
                    cell.outputs.append(error_output(OUTPUT_LOST, message))
                self._cuts += 1
                if 0 <= self.max_output_cuts < self._cuts:
                    self._halt(
                        cell, index, verdicts.OUTPUT_FLOOD,
                        f"the output of {self._cuts} cells had not all reached the grader "
                        f"after their replies (at most {self.max_output_cuts} may be cut): the "
                        f"notebook stops at cell {label}",
                        OUTPUT_LOST,
                    )  # fmt: skip
        except Exception:  # noqa: BLE001 - see below
            # what nbclient or nbgrader raised on a kernel message of a shape the checks let
            # through (a reply of another type, ...): the notebook stops there, never the
            # grading; the traceback goes to the submission's log
            self.log.exception("A kernel message could not be handled in cell %s", label)
            self._halt(cell, index, verdicts.OUTPUT_FLOOD, unreadable, OUTPUT_LOST)
        finally:
            self._running = None
            _plain_execution_counts(cell)
        return cell, self.resources

    def _halt(self, cell, index: int, code: str, message: str, ename: str, stop=True) -> None:
        """Stop the notebook at cell ``index`` with the grader's event ``code``; the kernel is
        killed (``stop``) and an ungraded cell shows the error ``ename`` (a graded cell's
        verdict says it)."""
        self._halted = message
        if stop:
            self._stop_kernel()
        self._observe(index, code, message)
        if not points.is_graded(cell):
            cell.outputs.append(error_output(ename, message))

    async def _async_handle_timeout(self, timeout, cell=None):
        """nbclient's time limit: noted as the grader's own event before the interrupt."""
        if self._running is not None:
            index, running = self._running
            self._timed_out.add(index)
            self._observe(
                index,
                verdicts.TIME_LIMIT,
                f"time limit reached in cell {cell_label(running, index)}",
            )
        return await super()._async_handle_timeout(timeout, cell)

    def on_cell_executed(self, **kwargs):
        """The kernel's reply kept (for plain test cells); nbgrader's error output for a
        time limit written only in ungraded cells (a graded cell's verdict says it)."""
        cell, index, reply = kwargs["cell"], kwargs["cell_index"], kwargs["execute_reply"]
        content = (reply or {}).get("content") or {}
        kept = Reply(
            status=str(content.get("status", "")),
            ename=str(content.get("ename", ""))[: verdicts.MESSAGE_LIMIT],
            evalue=str(content.get("evalue", ""))[: verdicts.MESSAGE_LIMIT],
        )
        self.resources.setdefault(REPLIES, {})[index] = kept
        if index in self._timed_out and points.is_graded(cell):
            return None
        if kept.status == "error":  # nbgrader writes it as the cell's error output: text
            lines = content.get("traceback")
            lines = lines[:100] if isinstance(lines, list) else []
            text = [str(line)[: verdicts.MESSAGE_LIMIT] for line in lines]
            content = {**content, "ename": kept.ename, "evalue": kept.evalue, "traceback": text}
            kwargs["execute_reply"] = {**reply, "content": content}
        return super().on_cell_executed(**kwargs)

    def _exit_code(self) -> int | None:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is None:
            return None
        try:
            return process.wait(timeout=2)
        except (subprocess.TimeoutExpired, OSError):
            return process.poll()

    def _stop_kernel(self) -> None:
        """Kill a kernel that ignores interrupts now: it would burn a core until cleanup."""
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is None or process.poll() is not None:
            return
        try:
            pgid = getattr(provisioner, "pgid", None)
            if pgid and pgid == process.pid:  # its own group: the student's children go too
                os.killpg(pgid, signal.SIGKILL)
            else:
                process.kill()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass

    # -- output as it arrives -----------------------------------------------------

    def process_message(self, msg, cell, cell_index):
        """Every message that adds to what a cell shows counts against its byte budget:
        past ``max_output_bytes`` a stream is cut and anything else dropped, with one note
        and the grader's ``output_cut`` event."""
        msg_type = msg.get("msg_type")
        if not isinstance(msg_type, str) or msg_type not in _HANDLED:  # widgets (comm_*) too
            return None
        if msg_type in _SHAPES and not well_formed(msg):
            self.log.info("A kernel message of the wrong shape was dropped (cell %s)", cell_index)
            return None
        self._without_new_display_id(msg)
        if self.max_output_bytes >= 0 and msg.get("msg_type") in _COUNTED:
            msg = self._within_budget(msg, cell, cell_index)
            if msg is None:
                return None
        try:
            return super().process_message(msg, cell, cell_index)
        except nbformat.ValidationError as err:  # a shape well_formed let through: dropped
            self.log.info(
                "A kernel message nbformat refused was dropped (cell %s): %s",
                cell_index,
                str(getattr(err, "message", "") or type(err).__name__)[:200],
            )
            return None

    def _without_new_display_id(self, msg) -> None:
        """A display naming a new id once the notebook holds ``max_display_ids`` loses its
        id (its output stays): nbclient's clear_output walks every id of the notebook."""
        transient = (msg.get("content") or {}).get("transient")
        if not isinstance(transient, dict) or "display_id" not in transient:
            return
        display_id, known = transient["display_id"], self._display_id_map
        if isinstance(display_id, str) and display_id not in known:
            if 0 <= self.max_display_ids <= len(known):
                transient.pop("display_id")

    def _room(self, cell_index: int) -> tuple[int, bool]:
        """Bytes the cell may still show, and whether the notebook's budget is what binds."""
        room = self.max_output_bytes - self._received.get(cell_index, 0)
        if self.max_notebook_output_bytes >= 0:
            left = self.max_notebook_output_bytes - self._total
            if left < room:
                return max(left, 0), True
        return room, False

    def _shown(self, content) -> int:
        """How many outputs already show the display id a message updates (0: none)."""
        transient = content.get("transient") or {}
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        if not isinstance(display_id, str):
            return 0
        shown = self._display_id_map.get(display_id, {})
        return sum(len(indices) for indices in shown.values())

    def _keep(self, cell_index: int, size: int) -> None:
        self._received[cell_index] = self._received.get(cell_index, 0) + size
        self._total += size

    def _within_budget(self, msg, cell, cell_index):
        content = msg.get("content") or {}
        room, whole = self._room(cell_index)
        if msg["msg_type"] == "stream":
            text, size, cut = utf8_prefix(str(content.get("text", "")), room)
            self._keep(cell_index, size)
            if not cut:
                return msg
            text += self._cut(cell, cell_index, whole)
            if not text:
                return None
            return {**msg, "content": {**content, "text": text}}
        size = held_bytes(content) + held_bytes(msg.get("buffers") or [])
        # an update of a display id is copied into every output that shows that id
        size *= max(1, self._shown(content))
        if size <= room:
            self._keep(cell_index, size)
            return msg
        self._received[cell_index] = self.max_output_bytes
        text = self._cut(cell, cell_index, whole)
        if not text:
            return None
        # what did not fit is dropped; the note takes its place, on stdout
        header = {**(msg.get("header") or {}), "msg_type": "stream"}
        content = {"name": "stdout", "text": text}
        return {**msg, "header": header, "msg_type": "stream", "content": content}

    def _cut(self, cell, cell_index: int, whole: bool = False) -> str:
        """The note for the first cut in a cell ('' after it), and the grader's event;
        ``whole``: the notebook's budget, not the cell's, was reached."""
        if cell_index in self._noted:
            return ""
        self._noted.add(cell_index)
        self._observe(
            cell_index,
            verdicts.OUTPUT_CUT,
            f"output cut to the byte limit in cell {cell_label(cell, cell_index)}",
        )
        if whole:
            return note(self.max_notebook_output_bytes, "in this notebook")
        return note(self.max_output_bytes)


MAX_JSON_DEPTH = 64  # nesting of a JSON output (a figure's spec is a few levels deep)


def _shallow(value) -> bool:
    """Whether ``value`` nests at most :data:`MAX_JSON_DEPTH` levels and is strict JSON: no
    NaN or infinite number, which a notebook's strict readers refuse (walked without
    recursion)."""
    level = [value]
    for _ in range(MAX_JSON_DEPTH):
        if any(isinstance(item, float) and not math.isfinite(item) for item in level):
            return False
        level = [
            v
            for item in level
            if isinstance(item, dict | list)
            for v in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return True
    return False


# the keys whose value nbformat's schema lets be any JSON (its mimebundle's patternProperties,
# matched as jsonschema matches them: re.search); every other key's value must be a string
JSON_MIME = re.compile(r"^application/(.*\+)?json$")


def _mime_bundle(data) -> bool:
    return isinstance(data, dict) and all(
        isinstance(k, str)
        and (isinstance(v, str) or (JSON_MIME.search(k) is not None and _shallow(v)))
        for k, v in data.items()
    )


def _display_shape(content: dict) -> bool:
    transient = content.get("transient", {})
    return (
        _mime_bundle(content.get("data"))
        and isinstance(content.get("metadata"), dict)
        and _shallow(content["metadata"])
        and isinstance(transient, dict)
        and isinstance(transient.get("display_id", ""), str)
    )


# message type -> whether its content has the shape nbformat's outputs need (a kernel may
# send anything: a number as a stream's text, a list as a display id)
_SHAPES = {
    "stream": lambda c: c.get("name") in ("stdout", "stderr") and isinstance(c.get("text"), str),
    "display_data": _display_shape,
    "update_display_data": _display_shape,
    "execute_result": lambda c: (
        _display_shape(c)
        and "execution_count" in c
        and (c["execution_count"] is None or _execution_count(c["execution_count"]))
    ),
    "error": lambda c: (
        isinstance(c.get("ename"), str)
        and isinstance(c.get("evalue"), str)
        and isinstance(c.get("traceback"), list)
        and all(isinstance(line, str) for line in c["traceback"])
    ),
    "clear_output": lambda c: isinstance(c.get("wait", False), bool),
}


def well_formed(msg) -> bool:
    """Whether an output message's content has the shape nbformat's outputs need."""
    content = msg.get("content")
    return isinstance(content, dict) and bool(_SHAPES[msg["msg_type"]](content))


def _plain_execution_counts(cell) -> None:
    """The cell's and its results' execution counts as the notebook format has them (an
    integer or None): nbclient copies whatever a kernel message says, and a text there makes
    the notebook invalid, so nothing could be saved."""
    if not _execution_count(cell.get("execution_count")):
        cell["execution_count"] = None
    for output in cell.get("outputs", []):
        if "execution_count" in output and not _execution_count(output["execution_count"]):
            output["execution_count"] = None


def _execution_count(value) -> bool:
    """Whether ``value`` is an execution count the notebook format holds: an int, not negative."""
    return type(value) is int and value >= 0
