"""The process tree of a command, sampled while it runs (Linux ``/proc``): peak memory, CPU.

Every process's own high-water mark (``VmHWM``, the kernel's record of its
peak resident set) is read at each sample, so short peaks between samples are
not missed for processes alive at the next sample; its CPU time is the last
sampled (its last interval before it exits is missed). Processes are sorted
into roles: the commands themselves, the grading workers, Jupyter kernels (a
sandboxed kernel's launchers, ``prlimit`` and ``bwrap``, count as others), others.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import psutil

# A sandboxed kernel starts as sh -> prlimit -> bwrap (which forks bwrap, pid 1 of the
# sandbox) -> python: the launchers' command lines name ipykernel too, but are not kernels.
SANDBOX_LAUNCHERS = ("sh", "prlimit", "bwrap")


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
    if "multiprocessing" in cmd and (
        "spawn_main" in cmd or "--multiprocessing-fork" in cmd or "forkserver" in cmd
    ):  # a spawned worker, or the fork server and the workers it forked
        return "other" if "resource_tracker" in cmd else "worker"
    return "other"


def _peak_rss(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in bytes from /proc/<pid>/status, None when gone or unreadable."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    found[line[:5]] = int(line.split()[1]) * 1024
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
        stopped = self._stopped = threading.Event()

        def loop() -> None:
            while True:
                self.sample()
                if stopped.wait(self.interval):
                    return

        self._thread = threading.Thread(target=loop, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def sample(self) -> None:
        procs = []
        for pid in self.pids:
            try:
                root = psutil.Process(pid)
                procs += [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
        total = 0
        for proc in procs:
            numbers = _peak_rss(proc.pid)
            if numbers is None:
                continue
            entry = self.processes.setdefault(proc.pid, ProcessPeak(classify(proc, self.pids)))
            if entry.role in ("worker", "other"):
                # a child seen between fork and exec shows its parent's command line:
                # once it has exec'd, its role and its peak start afresh
                role = classify(proc, self.pids)
                if role != entry.role:
                    entry.role, entry.peak = role, 0
            entry.peak = max(entry.peak, numbers[0])
            try:
                times = proc.cpu_times()
                entry.cpu = times.user + times.system
            except psutil.Error:
                pass
            total += numbers[1]
        self.max_total = max(self.max_total, total)

    def peaks(self, role: str) -> list[int]:
        return [p.peak for p in self.processes.values() if p.role == role]

    def cpu(self, role: str) -> float:
        return sum(p.cpu for p in self.processes.values() if p.role == role)
