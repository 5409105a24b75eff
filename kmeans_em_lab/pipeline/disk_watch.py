"""The disk a sandboxed kernel may fill: its writable folders, watched from outside.

RLIMIT_FSIZE caps each file the kernel writes, not how many: the scratch copy of
the submission, the socket folder and the record outbox are folders of the
grader's disk, bound writable into the sandbox. :class:`DiskWatch` measures
them every :data:`INTERVAL` seconds (allocated blocks, not apparent sizes, so
sparse files count for what they take; links never followed; a folder the
kernel made unreadable is opened again, since the grader's user owns it) and
calls its ``breach`` once when they hold more than ``max_bytes`` or more than
``max_entries`` files and folders. The sandbox then kills the kernel: what it
wrote goes with the scratch folder.

Between two measurements a kernel can write at most what the disk takes in
:data:`INTERVAL` seconds on top of the limit.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

INTERVAL = 0.2  # seconds between two measurements


@dataclass(frozen=True)
class Usage:
    """What some folders hold: bytes allocated and entries (files, folders, links, ...);
    ``entries`` stops counting past the limit it was measured against."""

    bytes: int
    entries: int


def usage(folders: Sequence[Path], max_entries: int) -> Usage:
    """The :class:`Usage` of ``folders`` (never follows a link; stops past ``max_entries``)."""
    total, entries = 0, 0
    stack = [str(f) for f in folders]
    while stack and entries <= max_entries:
        folder = stack.pop()
        try:
            scan = os.scandir(folder)
        except PermissionError:  # chmod 000 by the kernel: the grader's user owns it
            with suppress(OSError):
                os.chmod(folder, 0o700)
            try:
                scan = os.scandir(folder)
            except OSError:
                continue
        except OSError:
            continue
        with scan:
            for entry in scan:
                entries += 1
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += info.st_blocks * 512
                if stat.S_ISDIR(info.st_mode):
                    stack.append(entry.path)
                if entries > max_entries:
                    break
    return Usage(total, entries)


class DiskWatch:
    """A thread measuring ``folders`` until :meth:`stop`; ``breach(text)`` is called once,
    from that thread, with what was over the limit."""

    def __init__(
        self,
        folders: Sequence[Path],
        max_bytes: int,
        max_entries: int,
        breach: Callable[[str], None],
        interval: float = INTERVAL,
    ):
        self.folders = [Path(f) for f in folders]
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.breach, self.interval = breach, interval
        self.over: str | None = None  # what was over the limit, once it was
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lab3-disk-watch", daemon=True)

    def start(self) -> DiskWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def check(self) -> str | None:
        """What is over the limit now, or None."""
        found = usage(self.folders, self.max_entries)
        if found.bytes > self.max_bytes:
            return f"more than {self.max_bytes // 2**20} MiB written to disk"
        if found.entries > self.max_entries:
            return f"more than {self.max_entries:,} files and folders made"
        return None

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            over = self.check()
            if over is not None:
                self.over = over
                self.breach(over)
                return
