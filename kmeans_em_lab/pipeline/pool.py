"""The parent side: N long-lived workers, a watchdog, respawn, one retry per student.

:class:`Pool` hands students to idle workers one at a time (so the slowest
submissions never hold a queue behind them), waits on the workers' pipes and
process sentinels, and enforces a wall-clock limit per submission: a worker
past it is killed with its whole process tree (its kernels included, which
live in their own sessions) and replaced. A student whose attempt failed
(nbgrader error, worker killed or dead) is retried once, then reported.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait

import psutil

from .settings import Settings

MAX_ATTEMPTS = 2
MAX_START_FAILURES = 3


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and every process below it (children first seen, then killed)."""
    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=5)


@dataclass
class _Worker:
    index: int  # the worker's slot
    process: multiprocessing.Process
    conn: object
    ready: bool = False
    student: str | None = None
    started: float = 0.0
    stopping: bool = False  # told to stop (sent None)


@dataclass
class PoolEvents:
    """Callbacks for the progress display (all optional)."""

    started: Callable[[str], None] = lambda student: None
    finished: Callable[[dict], None] = lambda result: None
    retrying: Callable[[dict], None] = lambda result: None
    tick: Callable[[], None] = lambda: None


@dataclass
class Pool:
    settings: Settings
    workers: int
    deadline: float = float("inf")  # seconds one submission may take before its worker is killed
    events: PoolEvents = field(default_factory=PoolEvents)
    poll: float = 0.5

    def __post_init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._pool: list[_Worker] = []
        self._start_failures = 0
        self._fatal = ""

    # -- workers ------------------------------------------------------------------

    def _spawn(self) -> None:
        # a slot is a worker's share of per-worker resources (its log, its TCP port
        # range): a replacement worker takes the slot its predecessor freed
        used = {w.index for w in self._pool}
        slot = min(i for i in range(len(self._pool) + 1) if i not in used)
        parent, child = self._ctx.Pipe()
        log = self.settings.logs / f"worker-{slot}.log"
        process = self._ctx.Process(
            target=_worker_entry,
            args=(child, slot, self.settings, log),
            name=f"lab3-grader-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        self._pool.append(_Worker(index=slot, process=process, conn=parent))

    def _retire(self, worker: _Worker, *, kill: bool) -> None:
        if kill and worker.process.pid is not None:
            kill_tree(worker.process.pid)
        worker.process.join(timeout=5)
        try:
            worker.conn.close()
        except OSError:
            pass
        self._pool.remove(worker)

    def _tell_all_to_stop(self) -> None:
        for worker in self._pool:
            if worker.stopping:
                continue
            worker.stopping = True
            try:
                worker.conn.send(None)
            except OSError:
                pass

    def close(self, timeout: float = 10.0) -> None:
        """Wait for the workers to stop (they were told to when :meth:`run` ended);
        one still running after ``timeout`` seconds is killed with its tree."""
        self._tell_all_to_stop()
        end = time.monotonic() + timeout
        for worker in list(self._pool):
            worker.process.join(timeout=max(0.1, end - time.monotonic()))
            self._retire(worker, kill=worker.process.is_alive())

    def kill_all(self) -> None:
        for worker in list(self._pool):
            self._retire(worker, kill=True)

    def start(self, count: int | None = None) -> None:
        """Start ``count`` workers (default: all) ahead of :meth:`run`, so that their
        start-up overlaps other work; :meth:`run` starts any more it needs."""
        count = self.workers if count is None else min(count, self.workers)
        while len(self._pool) < count:
            self._spawn()

    # -- the loop -----------------------------------------------------------------

    def run(self, students: list[str]) -> dict[str, dict]:
        """Grade ``students``; returns student -> final result (``status`` ``graded``,
        ``zero`` or ``failed``, with ``message``, ``flags``, ``attempts``)."""
        self._pending = deque(students)
        self._attempts: dict[str, int] = {s: 0 for s in students}
        self._results: dict[str, dict] = {}
        try:
            while self._pending or any(w.student for w in self._pool):
                self._fill()
                if self._start_failures >= MAX_START_FAILURES and not self._pool:
                    self._give_up()
                    break
                self._receive()
                self._watchdog()
                self.events.tick()
        except BaseException:
            self.kill_all()
            raise
        # told now, waited for in close(): the caller's own work overlaps their exit
        self._tell_all_to_stop()
        return self._results

    def _fill(self) -> None:
        wanted = min(self.workers, len(self._pending) + sum(1 for w in self._pool if w.student))
        while len(self._pool) < wanted and self._start_failures < MAX_START_FAILURES:
            self._spawn()
        for worker in self._pool:
            if worker.ready and worker.student is None and self._pending:
                student = self._pending.popleft()
                self._attempts[student] += 1
                worker.conn.send(student)
                worker.student = student
                worker.started = time.monotonic()
                self.events.started(student)

    def _receive(self) -> None:
        handles = {}
        for worker in self._pool:
            handles[worker.conn] = worker
            handles[worker.process.sentinel] = worker
        for handle in wait(list(handles), timeout=self.poll):
            worker = handles[handle]
            if worker not in self._pool:
                continue
            if handle is worker.conn or worker.conn.poll():
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    self._lost(worker, "the worker process died")
                    continue
                self._message(worker, message)
            elif not worker.process.is_alive():
                self._lost(worker, "the worker process died")

    def _message(self, worker: _Worker, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self._start_failures = 0
        elif kind == "fatal":
            self._fatal = message[1]
            self._start_failures += 1
            self._retire(worker, kill=True)
        elif kind == "done":
            _, student, result = message
            worker.student = None
            self._settle(student, result)

    def _lost(self, worker: _Worker, why: str) -> None:
        student = worker.student
        code = worker.process.exitcode
        if not worker.ready:
            self._start_failures += 1
            self._fatal = self._fatal or f"a worker exited while starting (exit code {code})"
        self._retire(worker, kill=True)
        if student:
            self._settle(student, {"status": "error", "message": f"{why} (exit code {code})"})

    def _watchdog(self) -> None:
        now = time.monotonic()
        for worker in list(self._pool):
            if worker.student and now - worker.started > self.deadline:
                student = worker.student
                self._retire(worker, kill=True)
                self._settle(
                    student,
                    {
                        "status": "error",
                        "message": f"still running after {self.deadline:.0f} s "
                        "(the watchdog's limit for one submission): worker killed",
                    },
                )

    def _settle(self, student: str, result: dict) -> None:
        result = {"student": student, "flags": [], "message": "", **result}
        result["attempts"] = self._attempts[student]
        if result["status"] == "error" and self._attempts[student] < MAX_ATTEMPTS:
            self._pending.append(student)
            self.events.retrying(result)
            return
        if result["status"] == "error":
            result["status"] = "failed"
        self._results[student] = result
        self.events.finished(result)

    def _give_up(self) -> None:
        reason = self._fatal.strip().splitlines()[-1] if self._fatal.strip() else "unknown"
        while self._pending:
            student = self._pending.popleft()
            result = {
                "student": student,
                "status": "failed",
                "message": f"no grading worker could start: {reason}",
                "flags": [],
                "attempts": self._attempts[student],
            }
            self._results[student] = result
            self.events.finished(result)


def _worker_entry(conn, index, settings, log):
    from .worker import run

    run(conn, index, settings, log)
