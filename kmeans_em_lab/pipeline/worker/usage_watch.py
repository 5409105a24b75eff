"""What a sandboxed kernel uses outside its own limits, watched from outside: the disk of
its writable folders, and the grader's memory its messages hold.

RLIMIT_FSIZE caps each file the kernel writes, not how many: the scratch copy of
the submission, the socket folder and the record outbox are folders of the
grader's disk, bound writable into the sandbox. :class:`UsageWatch` measures
them every :data:`INTERVAL` seconds and calls its ``breach`` once when they
hold more than ``max_bytes`` or more than ``max_entries`` files and folders,
when a folder is nested more than :data:`MAX_DEPTH` deep, or when a folder the
kernel made unreadable cannot be opened again. The sandbox then kills the
kernel: what it wrote goes with the scratch folder.

- Allocated blocks are counted, not apparent sizes: a sparse file counts for
  what it takes.
- Folders are walked through file descriptors (each opened relative to its
  parent, ``O_NOFOLLOW``): links are never followed, and a path longer than
  ``PATH_MAX`` is no hiding place. A folder the kernel made unreadable
  (chmod 000) is made readable again (the grader's user owns it).
- Files deleted while still open take the disk all the same: the bytes of the
  deleted regular files the sandbox's processes hold open (``/proc/<pid>/fd``)
  count too, each file once. Deleted files on the sandbox's ``/tmp`` and
  ``/dev/shm`` (memory, capped by their own size) count as well: an over-count.

Between two measurements a kernel can write at most what the disk takes in
:data:`INTERVAL` seconds on top of the limit.

The same thread watches the grader's own memory (``max_held_bytes``): ZeroMQ takes a
kernel's message of many parts in whole before the grader sees any of it, and keeps what
a kernel sends after a forged end of its cell until the grader reads again. Past the limit
(the grader's resident set grown by that much since the kernel started) the kernel is
killed, and what it sent goes with its connection.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

INTERVAL = 0.2  # seconds between two measurements
MAX_DEPTH = 128  # folders nested deeper: a breach (each level holds a descriptor open)
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
LOCKED = (errno.EACCES, errno.EPERM)


@dataclass(frozen=True)
class Usage:
    """What some folders hold: bytes allocated and entries (files, folders, links, ...);
    ``entries`` stops counting past the limit it was measured against. ``locked``:
    folders that could not be opened even after a chmod; ``depth``: the deepest level
    reached (at most ``MAX_DEPTH + 1``)."""

    bytes: int
    entries: int
    locked: int = 0
    depth: int = 0


def open_folder(name: str, dir_fd: int | None = None, follow: bool = False) -> int:
    """A descriptor of the folder ``name`` (relative to ``dir_fd``), not through a link
    unless ``follow``; a folder without read or search permission is given 0o700 first
    (OSError if it still cannot be opened)."""
    flags = DIR_FLAGS & ~os.O_NOFOLLOW if follow else DIR_FLAGS
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as error:
        if error.errno not in LOCKED:
            raise
    unlock(name, dir_fd)
    return os.open(name, flags, dir_fd=dir_fd)


def unlock(name: str, dir_fd: int | None = None) -> None:
    """chmod 0o700 the folder ``name`` if it is one: the check and the chmod go through
    one ``O_PATH`` descriptor, so a link swapped in meanwhile is never followed."""
    try:
        fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return
    try:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.chmod(f"/proc/self/fd/{fd}", 0o700)
    except OSError:
        pass
    finally:
        os.close(fd)


def usage(folders: Sequence[Path], max_entries: int) -> Usage:
    """The :class:`Usage` of ``folders`` (never follows a link; stops past ``max_entries``
    entries or ``MAX_DEPTH`` levels; at most ``MAX_DEPTH + 1`` descriptors open)."""
    total, entries, locked, deepest = 0, 0, 0, 0
    # an open folder and the names of its subfolders not visited yet
    stack: list[tuple[int, list[str]]] = []

    def visit(name: str, dir_fd: int | None) -> None:
        nonlocal total, entries, locked, deepest
        try:  # a folder given may be a link (the grader's, a mount point inside)
            fd = open_folder(name, dir_fd, follow=dir_fd is None)
        except OSError as error:
            locked += error.errno in LOCKED  # gone, or swapped for a link: not a folder
            return
        folders: list[str] = []
        stack.append((fd, folders))
        deepest = max(deepest, len(stack) - 1)
        try:
            scan = os.scandir(fd)
        except OSError:
            return
        with scan:
            for entry in scan:
                entries += 1
                if entries > max_entries:
                    return
                try:
                    info = entry.stat(follow_symlinks=False)  # fstatat(fd, name)
                except OSError:
                    continue
                total += info.st_blocks * 512
                if stat.S_ISDIR(info.st_mode):
                    folders.append(entry.name)

    try:
        for top in folders:
            visit(str(top), None)
            while stack and entries <= max_entries and deepest <= MAX_DEPTH:
                fd, names = stack[-1]
                if names:
                    visit(names.pop(), fd)
                else:
                    os.close(stack.pop()[0])
            if entries > max_entries or deepest > MAX_DEPTH:
                break
    finally:
        for fd, _ in stack:
            os.close(fd)
    return Usage(total, entries, locked, deepest)


def deleted_open_bytes(pids: Iterable[int]) -> int:
    """Bytes allocated to the regular files deleted (no link left) but held open by the
    processes ``pids``, each file once; a process gone or not readable is skipped."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for pid in pids:
        folder = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(folder)
        except OSError:
            continue
        for fd in fds:
            path = f"{folder}/{fd}"
            try:
                if not os.readlink(path).endswith(" (deleted)"):
                    continue
                info = os.stat(path)  # the open file itself
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 0 and key not in seen:
                seen.add(key)
                total += info.st_blocks * 512
    return total


def process_tree(process) -> list[int]:
    """The pids of ``process`` (a Popen, or None) and of all its descendants."""
    if process is None:
        return []
    try:
        return [process.pid, *(p.pid for p in psutil.Process(process.pid).children(True))]
    except psutil.Error:
        return [process.pid]


def remove_folder(path: str | Path) -> list[str]:
    """Remove ``path`` and all it holds, through descriptors (as :func:`usage` walks: no
    link followed, no path length limit, folders made unreadable given 0o700 first),
    one folder open at a time. Only for folders nobody writes to any more (the walk
    goes back up through ``..``). Returns what could not be removed, logged as a warning."""
    path = os.fspath(path)
    left: list[str] = []
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return left
        fd = open_folder(path)
    except FileNotFoundError:
        return left
    except OSError as error:
        left.append(f"{path} ({error.strerror})")
        log.warning("could not remove %s", left[0])
        return left
    # per level from the top: the folder's name and its subfolders still to remove
    stack: list[tuple[str, list[str]]] = []

    def where(name: str) -> str:
        return os.path.join(path, *(folder for folder, _ in stack[1:]), name)

    def clear(name: str) -> None:  # the files of the folder fd, and its subfolders to do
        folders: list[str] = []
        stack.append((name, folders))
        with os.scandir(fd) as scan:
            for entry in scan:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.name)
                    else:
                        os.unlink(entry.name, dir_fd=fd)
                except FileNotFoundError:
                    pass
                except OSError as error:
                    left.append(f"{where(entry.name)} ({error.strerror})")

    try:
        clear(path)
        while True:
            name, folders = stack[-1]
            if folders:
                sub = folders.pop()
                try:
                    child = open_folder(sub, fd)
                except OSError as error:
                    left.append(f"{where(sub)} ({error.strerror})")
                    continue
                os.close(fd)
                fd = child
                clear(sub)
                continue
            stack.pop()
            if not stack:
                break
            parent = os.open("..", DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = parent
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError as error:
                if error.errno != errno.ENOTEMPTY:  # else what it holds is listed already
                    left.append(f"{where(name)} ({error.strerror})")
    except OSError as error:
        left.append(f"{os.path.join(path, *(f for f, _ in stack[1:]))} ({error.strerror})")
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        if not left:
            left.append(f"{path} ({error.strerror})")
    if left:
        log.warning("could not remove %d entries of %s: %s", len(left), path, "; ".join(left[:3]))
    return left


class UsageWatch:
    """A thread measuring ``folders`` (and the deleted files the processes ``pids()``
    hold open) until :meth:`stop`; ``breach(text)`` is called once, from that thread,
    with what was over the limit."""

    def __init__(
        self,
        folders: Sequence[Path],
        max_bytes: int,
        max_entries: int,
        breach: Callable[[str], None],
        interval: float = INTERVAL,
        pids: Callable[[], Iterable[int]] | None = None,
        max_held_bytes: int = -1,
    ):
        self.folders = [Path(f) for f in folders]
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.breach, self.interval, self.pids = breach, interval, pids
        # the grader's own process: what the kernel's messages take there, unread (-1: any)
        self.max_held_bytes = max_held_bytes
        self._grader = psutil.Process()
        self._baseline = self._grader.memory_info().rss
        self.over: str | None = None  # what was over the limit, once it was
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lab3-disk-watch", daemon=True)

    def start(self) -> UsageWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def check(self) -> str | None:
        """What is over the limit now, or None."""
        if self.max_held_bytes >= 0:
            held = self._grader.memory_info().rss - self._baseline
            if held > self.max_held_bytes:
                return (
                    f"its messages took more than {self.max_held_bytes // 2**20} MiB "
                    "of the grader's memory"
                )
        found = usage(self.folders, self.max_entries)
        if found.locked:
            return "a folder it made unreadable"
        if found.depth > MAX_DEPTH:
            return f"folders nested more than {MAX_DEPTH} deep"
        written = found.bytes
        if self.pids is not None and written <= self.max_bytes:
            written += deleted_open_bytes(self.pids())
        if written > self.max_bytes:
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
