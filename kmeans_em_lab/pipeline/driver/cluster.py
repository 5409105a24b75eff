"""Grading on Dask: a LocalCluster by default, any Dask scheduler with ``--scheduler``.

:func:`connect` starts a ``LocalCluster`` of worker processes (one thread and
one ``kernel`` resource each: one submission's kernel per process) or joins an
existing scheduler. :class:`Dispatcher` sends each submission as a task
(:func:`.task.run_task`) that needs one ``kernel`` and hands every result to
the driver's callback as it arrives, then releases it (a result held by a
worker that later dies would otherwise be computed again).

Faults, and who handles them:

- the job fails (nbgrader error, watchdog): the task returns ``status`` ``error``;
  the dispatcher submits it once more, then reports it ``failed``;
- a worker dies mid-submission: Dask reruns the task on another worker; a
  submission that kills :data:`WORKER_DEATHS` workers is given up
  (``KilledWorker``) and reported ``failed`` with the reason. Dask also counts
  a death against the tasks merely waiting on that worker for its kernel
  slot: a submission given up that had not started on :data:`WORKER_DEATHS`
  workers (the ``lab3-started`` events) was such a bystander, and is submitted
  again (at most :data:`MAX_REQUEUES` times) instead of failing;
- nothing started or finished for longer than any task may run
  (:func:`stall_limit`: a task no worker starts, as one whose dependency Dask
  lost): the tasks still waited for are given up (``failed``, graded by the
  next run); a second such wait in a row gives up the rest of the class too;
- a driver stopped half way: results already saved have their stamps, so the
  next run grades only the others. Task keys are made from the stamps'
  digests (student, submission, course, attempt), so a key names one grading.

At most twice the cluster's kernel slots are in the cluster at once (the
slots asked of the scheduler every :data:`SLOTS_REFRESH` seconds: workers may
come and go), and submissions are read as they are sent, so a class of
thousands sits neither in the scheduler's memory nor in the driver's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kmeans_em_lab.pipeline.driver.settings import Settings
from kmeans_em_lab.pipeline.shared.jobs import (
    ERROR,
    FAILED,
    CourseBundle,
    GradingResult,
    SubmissionFiles,
    TaskOptions,
)
from kmeans_em_lab.pipeline.worker.task import LOCKED_MARGIN, QUIET_ENV, STARTED_TOPIC, run_task

log = logging.getLogger(__name__)

RESOURCE = "kernel"  # Dask worker resource: one per submission being graded
MAX_ATTEMPTS = 2  # gradings of one submission that returned an error
WORKER_DEATHS = 2  # workers one submission may take down before it is given up
MAX_REQUEUES = 3  # times a bystander of other submissions' worker deaths is submitted again
POLL = 0.1  # seconds between looks at the finished tasks (and progress redraws)
SLOTS_REFRESH = 5.0  # seconds between asks of the scheduler for its kernel slots
# seconds, past the longest a task may run (:func:`stall_limit`), with no task started or
# finished before the driver gives up on the tasks it still waits for
STALL_MARGIN = 120.0


def stall_limit(options: TaskOptions) -> float:
    """Seconds without a task started or finished after which nothing the cluster holds
    will come back: a task's watchdog ends it, at worst with its worker, within its
    deadline, grace and last resort (:mod:`.task`), and a worker that died is replaced
    and starts the next; :data:`STALL_MARGIN` more for that. Without a deadline, never."""
    return options.deadline + options.grace + LOCKED_MARGIN + STALL_MARGIN


@dataclass
class Events:
    """Callbacks for the progress display (all optional)."""

    started: Callable[[str], None] = lambda student: None
    finished: Callable[[dict], None] = lambda outcome: None  # GradingResult.outcome()
    retrying: Callable[[dict], None] = lambda outcome: None
    tick: Callable[[], None] = lambda: None


def _dask_config() -> dict:
    return {
        # Dask's count of worker deaths a task may cause is the number it survives
        "distributed.scheduler.allowed-failures": WORKER_DEATHS - 1,
        # the task's own watchdog decides when a submission is stuck
        "distributed.scheduler.worker-ttl": None,
        "distributed.worker.daemon": False,
        "distributed.admin.large-graph-warning-threshold": "64MiB",
        # local workers are forked from one server that has imported the grader
        "distributed.worker.multiprocessing-method": "forkserver",
        # Dask's sampling profiler (the dashboard's Profile page) reads every thread's stack
        # 100 times a second, a few percent of each worker's CPU; grading never reads it
        "distributed.worker.profile.enabled": False,
        # a worker holds no data to spill, and one paused would wait on its own memory:
        # past 95% of WORKER_MEMORY its nanny ends it, and nothing else
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": 0.95,
        # the scheduler's and the workers' web pages (task names are student ids, the
        # workers' logs) served to no one: any user of the machine reaches 127.0.0.1
        "distributed.scheduler.http.routes": [],
        "distributed.worker.http.routes": [],
    }


WORKER_MEMORY = "2GiB"
"""The memory of one grading worker process (``dask worker --memory-limit``), of which it
normally uses under 200 MiB (``bench/results.md``, part 5). What a kernel sends is capped
per message part and per cell as the grader reads it, but ZeroMQ receives a message of
many parts whole, and keeps what a kernel sends after a forged end of its cell until it
is read: past this the worker's nanny ends the worker, and the submission, tried once
more elsewhere, is not graded. The rest of the class is graded."""


FORK_SERVER_PRELOAD = ["kmeans_em_lab.pipeline.worker.warm", "distributed"]


def _preload_fork_server() -> None:
    """Have the fork server import :mod:`.warm` (before it starts; later calls change nothing)."""
    from distributed.utils import get_mp_context

    get_mp_context().set_forkserver_preload(FORK_SERVER_PRELOAD)


def connect(settings: Settings, workers: int | None = None) -> tuple[object, object | None]:
    """``(client, cluster)``: a client of ``settings.scheduler`` (cluster None), else of a
    new LocalCluster of ``workers`` processes (default ``settings.workers``).

    The client is not made the default one (it may be used from another thread than
    the one that made it); close both with :func:`disconnect`."""
    import dask
    from distributed import Client, LocalCluster
    from distributed.security import Security

    from kmeans_em_lab.pipeline.shared import guarded_ports

    dask.config.set(_dask_config())  # for this process's scheduler and its local workers
    if settings.scheduler:
        # waits distributed.comm.timeouts.connect (30 s) for the scheduler
        client = Client(settings.scheduler, set_as_default=False)
        log.info("connected to the Dask scheduler %s", settings.scheduler)
        return client, None
    _preload_fork_server()
    # the scheduler and the nannies listen in this process: other users of the machine
    # reach their ports, and may hold connections without ever finishing a handshake (the
    # local workers, forked from the fork server, are guarded by .warm)
    guarded_ports.install(local=True)
    guarded_ports.refuse_http()
    # Dask's folder for the scheduler and the workers, which it puts first on their
    # sys.path: by default /tmp/dask-scratch-space, which any user of the machine can make
    # first and fill with modules; a private folder (0700) of this run's instead
    scratch = tempfile.mkdtemp(prefix="lab3-dask-")
    dask.config.set({"temporary-directory": scratch})  # the scheduler's (in this process)
    # a scheduler runs whatever a client that reaches it sends, and any user of this
    # machine can reach 127.0.0.1: every connection of the local cluster is TLS with a
    # key made for this run and held in memory, and one without it is refused
    security = Security.temporary()
    cluster = LocalCluster(
        n_workers=workers or settings.workers,
        threads_per_worker=1,
        processes=True,
        resources={RESOURCE: 1},
        host="127.0.0.1",
        protocol="tls://",
        security=security,
        dashboard_address=None,  # no dashboard (its web server keeps no route: _dask_config)
        # the scheduler's web server on a port of the system's choosing, not Dask's 8787,
        # which another cluster, or another user of the machine, may hold (Dask then warns)
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        local_directory=scratch,
        silence_logs=logging.ERROR,
        preload=["kmeans_em_lab.pipeline.worker.task"],
        memory_limit=WORKER_MEMORY,
        # the driver's environment now: a worker forked from the fork server would
        # otherwise have the server's, from when it started (an earlier run in this process)
        env={**os.environ, QUIET_ENV: "1"},
    )
    cluster.lab3_scratch = scratch  # removed by disconnect
    try:
        client = Client(cluster, security=security, set_as_default=False)
    except BaseException:
        disconnect(None, cluster)
        raise
    log.info(
        "local Dask cluster: %d worker process(es) at %s",
        len(cluster.workers),
        cluster.scheduler_address,
    )
    return client, cluster


def disconnect(client, cluster) -> None:
    """Leave the scheduler; stop the local cluster (its workers and their kernels) and
    remove its folder, from this process's ``sys.path`` too (where the scheduler put it:
    once the folder is gone, another user could make one of that name)."""
    if client is not None:
        with contextlib.suppress(Exception):
            client.close(timeout=10)
    if cluster is not None:
        workers = _worker_processes(cluster)
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)
        _end(workers)
        scratch = getattr(cluster, "lab3_scratch", None)
        if scratch is not None:
            sys.path[:] = [p for p in sys.path if not _inside(p, scratch)]
            shutil.rmtree(scratch, ignore_errors=True)


def _worker_processes(cluster) -> list:
    """The local cluster's worker processes (its nannies' children), as psutil handles."""
    import psutil

    found = []
    for nanny in list(getattr(cluster, "workers", {}).values()):
        with contextlib.suppress(Exception):
            if nanny.pid:
                found.append(psutil.Process(nanny.pid))
    return found


def _end(processes: list, grace: float = 5.0) -> None:
    """End the worker processes the cluster's close left running (a worker that lost its
    scheduler, or that does not stop within close's time): this process's exit waits for
    every child it started, so one left running held ``make grade`` after its last line."""
    import psutil

    _, alive = psutil.wait_procs(processes, timeout=0)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(alive, timeout=grace)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=grace)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + os.sep)


class SetupError(RuntimeError):
    """No cluster to grade on: the scheduler cannot be reached, workers cannot start."""


class Background:
    """The cluster and its client, started in a thread while the driver prepares the run."""

    def __init__(self, settings: Settings, submissions: int):
        from concurrent.futures import ThreadPoolExecutor

        self.settings = settings
        self.workers = min(settings.workers, max(1, submissions))
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="lab3-cluster")
        self._started = self._thread.submit(connect, settings, self.workers)

    def client(self):
        """The client, once the cluster is up (raises :class:`SetupError` if it cannot be)."""
        try:
            client, _ = self._started.result()
        except Exception as err:  # noqa: BLE001 - any failure to start is the same problem
            where = (
                f"the Dask scheduler {self.settings.scheduler}"
                if self.settings.scheduler
                else "a local Dask cluster"
            )
            raise SetupError(
                f"could not start grading on {where}: {type(err).__name__}: {err}"
            ) from err
        if self.settings.scheduler and self.settings.sandbox:
            problems = sandbox_problems(client)
            if problems:
                raise SetupError(
                    "the sandbox cannot start on some workers: "
                    + "; ".join(
                        f"{worker}: {problem}" for worker, problem in sorted(problems.items())
                    )
                )
        if kernel_slots(client) < 1:
            raise SetupError(
                f"no worker of {self.settings.scheduler} offers a '{RESOURCE}' "
                f"resource: start them with `dask worker ... --resources "
                f"{RESOURCE}=1`"
            )
        return client

    def describe(self) -> str:
        if self.settings.scheduler:
            return f"the Dask scheduler {self.settings.scheduler} ({self._slots()} kernel slot(s))"
        return f"a local Dask cluster of {self.workers} worker process(es)"

    def _slots(self) -> int:
        try:
            return kernel_slots(self._started.result()[0])
        except Exception:  # noqa: BLE001 - only for the message
            return 0

    def close(self) -> None:
        """Stop the local cluster (workers and their kernels) or leave the scheduler."""
        try:
            client, cluster = self._started.result()
        except Exception:  # noqa: BLE001 - nothing was started
            return
        finally:
            self._thread.shutdown(wait=False)
        disconnect(client, cluster)


def sandbox_problems(client) -> dict[str, str]:
    """Worker address -> why bubblewrap cannot start there (workers where it can: absent)."""
    from kmeans_em_lab.pipeline.worker.sandbox import check_sandbox

    return {w: p for w, p in client.run(check_sandbox).items() if p}


def kernel_slots(client) -> int:
    """Kernels the cluster can run at once (its workers' ``kernel`` resources)."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    return int(sum(w.get("resources", {}).get(RESOURCE, 0) for w in workers.values()))


def task_key(
    submission: SubmissionFiles, bundle: CourseBundle, attempt: int, requeue: int = 0
) -> str:
    key = f"lab3-grade-{submission.student}-{submission.digest[:16]}-{bundle.digest[:16]}"
    return f"{key}-{attempt}" + (f"-r{requeue}" if requeue else "")


def _course(bundle: CourseBundle) -> CourseBundle:
    return bundle


@dataclass
class Dispatcher:
    client: object
    bundle: CourseBundle
    settings: Settings
    options: TaskOptions
    events: Events = field(default_factory=Events)

    def run(
        self, submissions: Iterable[SubmissionFiles], save: Callable[[GradingResult], dict]
    ) -> dict[str, dict]:
        """Grade ``submissions`` (taken from the iterable as tasks are sent); ``save`` is
        given each final result (``graded``, or ``failed``: given up on) as it arrives and
        returns its outcome, what to keep of it. Returns student -> that outcome."""
        from distributed import as_completed

        started: queue.Queue = queue.Queue()
        self.client.subscribe_topic(STARTED_TOPIC, lambda event: started.put(event[1]))
        # The course travels as a task's result, not scattered data: when the workers
        # holding it die, the scheduler computes it again instead of cancelling every
        # submission that needs it.
        bundle = self.client.submit(
            _course, self.bundle, key=f"lab3-course-{self.bundle.digest[:32]}", pure=False
        )
        todo = iter(submissions)
        pending = next(todo, None)
        running: dict = {}  # future -> (submission, attempt, requeue)
        slots, asked = 0, float("-inf")
        finished = as_completed([], loop=self.client.loop)
        results: dict[str, dict] = {}
        self._starts: dict[str, int] = {}  # task key -> workers it started on

        def submit(submission: SubmissionFiles, attempt: int, requeue: int = 0) -> None:
            future = self._submit(bundle, submission, attempt, requeue)
            running[future] = (submission, attempt, requeue)
            finished.add(future)

        def given_up(submission: SubmissionFiles, attempt: int) -> GradingResult:
            result = GradingResult.not_graded(
                submission.student,
                FAILED,
                f"nothing started or finished on the cluster for {limit:.0f} s: given up on, "
                "not graded (the next make grade grades it)",
            )
            result.attempts, result.submission = attempt, submission.digest
            result.sandbox = self.options.sandbox
            return result

        limit = stall_limit(self.options)
        quiet_since, stalls = time.monotonic(), 0
        try:
            while pending is not None or running:
                if pending is not None and time.monotonic() - asked > SLOTS_REFRESH:
                    slots, asked = kernel_slots(self.client), time.monotonic()
                while pending is not None and len(running) < max(4, 2 * slots):
                    submit(pending, 1)
                    pending = next(todo, None)
                done = finished.next_batch(block=False)
                # (submission, attempt, requeue, its result) of each task that ended
                ended = []
                for future in done:
                    if future not in running:  # one given up on below, ended since
                        continue
                    submission, attempt, requeue = running.pop(future)
                    result = self._collect(future, submission, attempt, started)
                    ended.append((submission, attempt, requeue, result))
                if self._drain(started) or ended:
                    quiet_since, stalls = time.monotonic(), 0
                elif running and time.monotonic() - quiet_since > limit:
                    # nothing started or finished for longer than any task may run: what
                    # the cluster still holds will not come back (a task no worker starts)
                    stalls += 1
                    log.warning("the cluster made no progress for %.0f s", limit)
                    for future, (submission, attempt, requeue) in list(running.items()):
                        future.cancel()
                        del running[future]
                        ended.append((submission, attempt, requeue, given_up(submission, attempt)))
                    while stalls > 1 and pending is not None:  # twice in a row: the cluster's
                        ended.append((pending, 0, 0, given_up(pending, 0)))
                        pending = next(todo, None)
                    quiet_since = time.monotonic()
                for submission, attempt, requeue, result in ended:
                    if result.bystander and requeue < MAX_REQUEUES:
                        log.warning(
                            "%s: the worker it waited on died before it started; sent again",
                            submission.student,
                        )
                        submit(submission, attempt, requeue + 1)
                        continue
                    if result.status == ERROR and attempt < MAX_ATTEMPTS:
                        log.warning(
                            "%s: attempt %d lost (%s); trying once more",
                            submission.student,
                            attempt,
                            result.message,
                        )
                        self.events.retrying(result.outcome())
                        submit(submission, attempt + 1)
                        continue
                    if result.status == ERROR:
                        result.status = FAILED
                    seconds, notes = result.seconds, result.flags or [result.message]
                    log.info(
                        "%s: %s, attempt %d%s%s",
                        submission.student,
                        result.status,
                        attempt,
                        "" if seconds is None else f", {seconds} s on the worker",
                        "".join(f"; {note}" for note in notes if note),
                    )
                    outcome = save(result)
                    results[submission.student] = outcome
                    self.events.finished(outcome)
                self.events.tick()
                if not ended:
                    time.sleep(POLL)
        finally:
            for future in running:
                future.cancel()
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(STARTED_TOPIC)
        return results

    def _submit(self, bundle, submission: SubmissionFiles, attempt: int, requeue: int):
        return self.client.submit(
            run_task,
            self.settings.job,
            bundle,
            submission,
            self.options,
            key=task_key(submission, self.bundle, attempt, requeue),
            resources={RESOURCE: 1},
            pure=False,
        )

    def _collect(self, future, submission: SubmissionFiles, attempt: int, started) -> GradingResult:
        from distributed import KilledWorker

        try:
            result = future.result()
            if not isinstance(result, GradingResult):
                raise TypeError(f"the worker sent {type(result).__name__}, not a GradingResult")
        except KilledWorker:
            self._drain(started)
            log.warning(
                "%s: Dask gave up on it after worker deaths (started on %d worker(s))",
                submission.student,
                self._starts.get(future.key, 0),
            )
            result = GradingResult.not_graded(
                submission.student,
                FAILED,
                f"the grading worker died {WORKER_DEATHS} times on this submission "
                "(a kernel that kills its worker, or the watchdog's last resort): not graded",
                bystander=self._starts.get(future.key, 0) < WORKER_DEATHS,
            )
        except Exception as err:  # noqa: BLE001 - a lost task: reported, retried once
            result = GradingResult.not_graded(
                submission.student, ERROR, f"{type(err).__name__}: {err}"
            )
        finally:
            future.release()  # a result held by a worker that dies later is not recomputed
        result.attempts = attempt
        result.submission = submission.digest
        result.sandbox = self.options.sandbox
        return result

    def _drain(self, started: queue.Queue) -> int:
        """The tasks' start events counted and shown; returns how many there were."""
        count = 0
        while True:
            try:
                event = started.get_nowait()
            except queue.Empty:
                return count
            count += 1
            key = event.get("key")
            if key is not None:
                self._starts[key] = self._starts.get(key, 0) + 1
            self.events.started(event.get("student", "?"))


@dataclass(frozen=True)
class Backend:
    """What grades a run's submissions: ``cluster(settings, submissions)`` starts it in the
    background (:class:`Background`'s interface: ``client()``, ``describe()``, ``close()``)
    and ``dispatcher(client, bundle, settings, options, events)`` hands it the work
    (:class:`Dispatcher`'s: ``run(submissions, save)``). ``make grade``'s is Dask's; the
    benchmark's class-size simulation gives the driver a stand-in of its own."""

    cluster: Callable[[Settings, int], Background] = Background
    dispatcher: Callable[..., Dispatcher] = Dispatcher
