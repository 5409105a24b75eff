"""Tasks in worker processes, each with a wall-clock limit.

Workers are forked from this process (the mutants, the checks' plans and the
reference results it has prepared are inherited, not recomputed). A task that
runs past its limit has its worker killed (SIGKILL: an endless loop in numpy
ignores softer signals) and a new worker takes its place; a worker that dies
otherwise (``os._exit``, a crash, memory) fails its task.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import resource
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MEMORY_LIMIT = 4 * 1024**3  # bytes of address space per worker (a mutant's runaway array)


@dataclass
class Outcome:
    value: object = None
    error: str = ""  # the task raised (or its worker died): what happened
    timed_out: bool = False
    seconds: float = 0.0


def _serve(conn, work: Callable) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        index, task = item
        start = time.monotonic()
        try:
            value, error = work(task), ""
        except BaseException as err:  # noqa: BLE001 - reported to the parent
            value = None
            error = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
        conn.send((index, value, error, time.monotonic() - start))


class _Worker:
    def __init__(self, work: Callable):
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, work), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.deadline = 0.0
        self.started = 0.0

    def give(self, index: int, task, timeout: float) -> None:
        self.index, self.started = index, time.monotonic()
        self.deadline = self.started + timeout
        self.conn.send((index, task))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run(
    tasks: Sequence,
    work: Callable,
    *,
    workers: int,
    timeout: float | Callable[[object], float],
    done: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """``work(task)`` for every task, ``workers`` at a time; outcomes in the tasks' order.

    ``timeout``: seconds a task may run, or a function of the task giving them.
    """
    limit = timeout if callable(timeout) else (lambda _task: timeout)
    outcomes: list[Outcome | None] = [None] * len(tasks)
    todo = deque(range(len(tasks)))
    pool = [_Worker(work) for _ in range(max(1, min(workers, len(tasks))))]

    def finish(worker: _Worker, outcome: Outcome) -> None:
        outcomes[worker.index] = outcome
        if done is not None:
            done(worker.index, outcome)
        worker.index = None

    try:
        while todo or any(w.index is not None for w in pool):
            for worker in pool:
                if worker.index is None and todo:
                    index = todo.popleft()
                    worker.give(index, tasks[index], limit(tasks[index]))
            busy = [w for w in pool if w.index is not None]
            if not busy:
                continue
            now = time.monotonic()
            wait = max(0.0, min(w.deadline for w in busy) - now)
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=wait)
            for i, worker in enumerate(pool):
                if worker.index is None:
                    continue
                if worker.conn in ready:
                    try:
                        _, value, error, seconds = worker.conn.recv()
                    except (EOFError, OSError):
                        seconds = time.monotonic() - worker.started
                        code = worker.process.exitcode
                        finish(worker, Outcome(error=f"the worker died (exit code {code})",
                                               seconds=seconds))  # fmt: skip
                        worker.stop(kill=True)
                        pool[i] = _Worker(work)
                        continue
                    finish(worker, Outcome(value=value, error=error, seconds=seconds))
                elif time.monotonic() >= worker.deadline:
                    seconds = time.monotonic() - worker.started
                    finish(worker, Outcome(timed_out=True, seconds=seconds))
                    worker.stop(kill=True)
                    pool[i] = _Worker(work)
    finally:
        for worker in pool:
            worker.stop(kill=worker.index is not None)
    return outcomes  # type: ignore[return-value]
