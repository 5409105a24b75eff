"""Peak memory of a command's process tree, sampled while it runs (Linux ``/proc``).

Every process's own high-water mark (``VmHWM``, the kernel's record of its
peak resident set) is read at each sample, so short peaks between samples are
not missed for processes alive at the next sample. Processes are sorted into
roles: the command itself, ``multiprocessing`` workers, Jupyter kernels (a sandboxed
kernel's launchers, ``prlimit`` and ``bwrap``, count as others), others.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import psutil

ROLES = ("command", "worker", "kernel", "other")


@dataclass
class ProcessPeak:
    pid: int
    role: str
    peak: int = 0  # bytes, VmHWM
    first_rss: int = 0
    last_rss: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (monotonic s, RSS bytes)
    cpu: float = 0.0  # user + system seconds at the last sample (part 1b's CPU accounting)

    def rss_at(self, fraction: float) -> int:
        """RSS at ``fraction`` of the process's observed lifetime (0: first sample)."""
        if not self.samples:
            return 0
        t0, t1 = self.samples[0][0], self.samples[-1][0]
        when = t0 + fraction * (t1 - t0)
        return next(rss for t, rss in self.samples if t >= when)


def _status_bytes(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in bytes from /proc/<pid>/status, None when gone or unreadable."""
    hwm = rss = None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    if hwm is None or rss is None:
        return None
    return hwm, rss


# A sandboxed kernel starts as sh -> prlimit -> bwrap (which forks bwrap, pid 1 of the
# sandbox) -> python: the launchers' command lines name ipykernel too, but are not kernels.
SANDBOX_LAUNCHERS = ("sh", "prlimit", "bwrap")


def classify(proc: psutil.Process, root_pid: int) -> str:
    if proc.pid == root_pid:
        return "command"
    try:
        argv = proc.cmdline()
    except (psutil.Error, OSError):
        return "other"
    cmd = " ".join(argv)
    if "ipykernel_launcher" in cmd or "ipykernel" in cmd:
        return "other" if os.path.basename(argv[0]) in SANDBOX_LAUNCHERS else "kernel"
    if "multiprocessing" in cmd and (
        "spawn_main" in cmd or "--multiprocessing-fork" in cmd or "forkserver" in cmd
    ):  # a spawned worker, or the fork server and the workers it forked
        return "other" if "resource_tracker" in cmd else "worker"
    return "other"


@dataclass
class TreeSampler:
    """Samples the tree under ``pid`` every ``interval`` seconds in a thread."""

    pid: int
    interval: float = 0.2
    processes: dict[int, ProcessPeak] = field(default_factory=dict)
    max_total: int = 0  # largest sum of RSS over the tree at one sample

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                break

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            procs = [root] + root.children(recursive=True)
        except psutil.Error:
            return
        total = 0
        for proc in procs:
            numbers = _status_bytes(proc.pid)
            if numbers is None:
                continue
            hwm, rss = numbers
            entry = self.processes.get(proc.pid)
            if entry is None:
                entry = ProcessPeak(proc.pid, classify(proc, self.pid), first_rss=rss)
                self.processes[proc.pid] = entry
            elif entry.role in ("worker", "other"):
                # a child seen between fork and exec shows its parent's command line:
                # once it has exec'd, its role and its figures start afresh
                role = classify(proc, self.pid)
                if role != entry.role:
                    entry.role, entry.peak, entry.first_rss = role, hwm, rss
                    entry.samples.clear()
            entry.peak = max(entry.peak, hwm)
            entry.last_rss = rss
            try:
                times = proc.cpu_times()
                entry.cpu = times.user + times.system
            except psutil.Error:
                pass
            entry.samples.append((time.monotonic(), rss))
            total += rss
        self.max_total = max(self.max_total, total)

    def peaks(self, role: str) -> list[ProcessPeak]:
        return [p for p in self.processes.values() if p.role == role]

    def cpu(self, role: str) -> float:
        """CPU seconds of the processes of ``role``, as last sampled (a process's last
        ``interval`` before it exits is missed)."""
        return sum(p.cpu for p in self.peaks(role))
