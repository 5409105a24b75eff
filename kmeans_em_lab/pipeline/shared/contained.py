"""The grader's own reading of a submission's records, in a forked child within limits.

After the kernel is gone the worker still reads what the submission left in the
grader's mailbox: the records of its tests (:class:`.judge.JudgeRecords` judges
them) and the answers of its similarity probes. Each reader caps what it
accepts, but a record's shape is the student's to choose, and one the caps
missed could hold the worker for minutes or take its memory, and with it every
other submission the worker was grading.

:func:`run_steps` runs such reading as *steps* (one per graded cell, one per
probed function) in a child forked from the worker, so that whatever a step
costs, it costs the child:

- an address-space limit (``RLIMIT_AS``): the worker's own size at the fork plus
  :attr:`Limits.memory_bytes`;
- a CPU-time limit per step (``RLIMIT_CPU``, moved on before each step): CPU time,
  unlike the clock, does not depend on how loaded the machine is, so a step that
  passes on a quiet machine passes on a busy one;
- a wall-clock deadline per step, a backstop for a child that waits on nothing.

The child sends each finished step's value back as one JSON line. When it dies,
the step it was running is the one that broke a limit: that step's result is a
:class:`Stopped` (the caller turns it into that step's own failure), and the
next steps run in a new child. A run without trouble costs one fork.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import resource
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# why a step was stopped (Stopped.why)
CPU_TIME = "cpu_time"
MEMORY = "memory"
WALL_TIME = "wall_time"
CRASHED = "crashed"

_EXIT_MEMORY = 71  # the child's exit status after a MemoryError
_EXIT_ERROR = 72  # ... after any other exception a step let out
MAX_LINE_BYTES = 16 * 2**20  # one step's value; the grader's own data, far smaller


@dataclass(frozen=True)
class Limits:
    """What one step may cost the child."""

    cpu_seconds: float  # CPU time of one step
    memory_bytes: int  # address space above the worker's own at the fork
    wall_seconds: float  # clock time of one step (a backstop: the CPU limit comes first)


DEFAULT_LIMITS = Limits(cpu_seconds=10.0, memory_bytes=2 * 2**30, wall_seconds=600.0)
"""The limits of the grader's reading (the lab's records take well under a second of CPU
time and a few MiB each); :class:`.judge.JudgeRecords` makes them configurable."""


@dataclass(frozen=True)
class Stopped:
    """A step during which the child was stopped or died, and why (:data:`CPU_TIME`,
    :data:`MEMORY`, :data:`WALL_TIME` or :data:`CRASHED`)."""

    why: str


def cost(stopped: Stopped, limits: Limits) -> str:
    """What the step ``stopped`` took, in words ("more than 10 s of the grader's CPU time")."""
    return {
        CPU_TIME: f"more than {limits.cpu_seconds:g} s of the grader's CPU time",
        MEMORY: f"more than {limits.memory_bytes // 2**20} MiB of the grader's memory",
        WALL_TIME: f"more than {limits.wall_seconds:g} s",
    }.get(stopped.why, "more than the grader allows (the process doing it failed)")


def run_steps(steps: Sequence[Callable[[], Any]], limits: Limits) -> list[Any]:
    """Each step's value (anything :func:`json.dumps` takes, returned as :func:`json.loads`
    gives it back), in order, the steps run one after another in a forked child within
    ``limits``; a step during which the child died is a :class:`Stopped`, and the steps
    after it run in a new child."""
    results: list[Any] = []
    while len(results) < len(steps):
        done, stopped = _child(steps, len(results), limits)
        results += done
        if stopped is not None:
            results.append(stopped)
    return results


def _child(steps, start: int, limits: Limits) -> tuple[list, Stopped | None]:
    """Run ``steps[start:]`` in one child: their values, and how the child stopped early."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns on fork in a threaded process: the
        warnings.simplefilter("ignore", DeprecationWarning)  # child uses no other thread's state
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (its work is seen through the parent)
        os.close(read_end)
        _run_in_child(steps, start, limits, write_end)
    os.close(write_end)
    values, killed = _read_values(read_end, pid, limits.wall_seconds)
    _, status = os.waitpid(pid, 0)
    if start + len(values) == len(steps) and os.waitstatus_to_exitcode(status) == 0:
        return values, None
    return values, Stopped(WALL_TIME if killed else _why(status))


def _why(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code == -signal.SIGXCPU:
        return CPU_TIME
    if code == _EXIT_MEMORY:
        return MEMORY
    return CRASHED


def _read_values(fd: int, pid: int, wall_seconds: float) -> tuple[list, bool]:
    """The JSON lines the child wrote until it closed the pipe, and whether it was killed
    for keeping one step past ``wall_seconds``."""
    values, pending = [], b""
    deadline = time.monotonic() + wall_seconds
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return values, True
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return values, False
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                values.append(json.loads(line))
                deadline = time.monotonic() + wall_seconds
            if len(pending) > MAX_LINE_BYTES:
                os.kill(pid, signal.SIGKILL)
                return values, False
    finally:
        os.close(fd)


def _run_in_child(steps, start: int, limits: Limits, fd: int) -> None:  # pragma: no cover
    """The child: confine itself, run the steps, write their values, and exit (never return)."""
    code = _EXIT_ERROR
    try:
        _confine(limits)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for step in steps[start:]:
                _cpu_budget(limits.cpu_seconds)
                out.write(json.dumps(step()) + "\n")
                out.flush()
        code = 0
    except MemoryError:
        code = _EXIT_MEMORY
    except BaseException:  # noqa: BLE001 - any other failure stops the step: the parent says so
        code = _EXIT_ERROR
    finally:
        os._exit(code)


def _confine(limits: Limits) -> None:  # pragma: no cover - runs in the child
    """Limits on the child, and nothing of the worker's threads' state it could wait on:
    fresh standard streams (another thread may have held the old ones' locks at the fork),
    logging off."""
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    faulthandler.disable()  # a crash of the child is its step's failure, not the worker's log
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the child's life
    logging.disable(logging.CRITICAL)
    pages = int(open("/proc/self/statm").read().split()[0]) if os.path.exists("/proc") else 0
    size = pages * os.sysconf("SC_PAGE_SIZE")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = size + limits.memory_bytes
    resource.setrlimit(
        resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard)
    )


def _cpu_budget(seconds: float) -> None:  # pragma: no cover - runs in the child
    """The CPU-time limit set to what the child used so far plus ``seconds``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(
        resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard)
    )
