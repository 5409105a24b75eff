"""A command's process tree, sampled while it runs (Linux ``/proc``): peak memory, CPU.

Each process's own high-water mark (``VmHWM``) is read at each sample, so short
peaks between samples are not missed; its CPU time is the last sampled (its
last interval before it exits is missed). Processes are sorted into roles: the
commands themselves, the grading workers, Jupyter kernels, others (a sandboxed
kernel's launchers, ``sh``, ``prlimit`` and ``bwrap``, among them).
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field

import psutil

SANDBOX_LAUNCHERS = ("sh", "prlimit", "bwrap")  # their command lines name ipykernel too


@dataclass
class ProcessPeak:
    role: str
    peak: int = 0  # bytes, VmHWM
    cpu: float = 0.0  # user + system seconds at the last sample


def classify(proc: psutil.Process, roots: list[int]) -> str:
    if proc.pid in roots:
        return "command"
    try:
        argv = proc.cmdline()
    except (psutil.Error, OSError):
        return "other"
    cmd = " ".join(argv)
    if "ipykernel" in cmd:
        return "other" if os.path.basename(argv[0]) in SANDBOX_LAUNCHERS else "kernel"
    forked = any(w in cmd for w in ("spawn_main", "--multiprocessing-fork", "forkserver"))
    worker = "multiprocessing" in cmd and forked and "resource_tracker" not in cmd
    return "worker" if worker else "other"


def _status(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in bytes from /proc/<pid>/status, None when gone or unreadable."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            found = {line[:5]: int(line.split()[1]) * 1024 for line in fh
                     if line.startswith(("VmHWM:", "VmRSS:"))}  # fmt: skip
    except (OSError, ValueError):
        return None
    return (found["VmHWM"], found["VmRSS"]) if len(found) == 2 else None


@dataclass
class TreeSampler:
    """Samples the trees under ``pids`` every ``interval`` seconds in a thread."""

    pids: list[int]
    interval: float = 0.2
    processes: dict[int, ProcessPeak] = field(default_factory=dict)
    max_total: int = 0  # largest sum of RSS over the trees at one sample

    def start(self) -> TreeSampler:
        """Sample now and every ``interval`` seconds until :meth:`stop`."""
        self._stopped = threading.Event()

        def loop() -> None:
            self.sample()
            while not self._stopped.wait(self.interval):
                self.sample()

        self._thread = threading.Thread(target=loop, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def sample(self) -> None:
        procs = []
        for pid in self.pids:
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                procs += [root, *root.children(recursive=True)]
        total = 0
        for proc in procs:
            numbers = _status(proc.pid)
            if numbers is None:
                continue
            role = classify(proc, self.pids)
            entry = self.processes.setdefault(proc.pid, ProcessPeak(role))
            if entry.role in ("worker", "other") and role != entry.role:
                # seen between fork and exec, it showed its parent's command line
                entry.role, entry.peak = role, 0
            entry.peak = max(entry.peak, numbers[0])
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                entry.cpu = times.user + times.system
            total += numbers[1]
        self.max_total = max(self.max_total, total)

    def peaks(self, role: str) -> list[int]:
        return [p.peak for p in self.processes.values() if p.role == role]

    def cpu(self, role: str) -> float:
        return sum((p.cpu for p in self.processes.values() if p.role == role), 0.0)
