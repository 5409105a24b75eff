"""Folders as data: ``{relative path: bytes}`` read from a folder and written back.

This is how the course, a submission and a worker's results travel between
the driver and the Dask workers. Writing refuses any path that would leave the
folder.

Reading has one walker, :func:`walk`, and one rule: **a link is never
followed**. Every submission or course folder is walked by it (the stamps'
digest, intake, the files sent to a worker, the course bundle, a worker's
results). It only ever ``lstat``\\ s, opens each folder relative to its parent
with ``O_NOFOLLOW`` and returns the regular files apart from the rest (links,
FIFOs, sockets, devices, folders it cannot list), which are never opened. A
file is then opened by :func:`open_regular`: ``O_NOFOLLOW | O_NONBLOCK``, one
path component at a time, and kept only if ``fstat`` says it is a regular
file, so a file replaced by a link or a FIFO after the walk is skipped (never
read, never waited on), not fatal.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

# What no walker of a submission or course folder looks into (Jupyter's and Python's caches,
# macOS's folder metadata): the one list, for the digest, intake, the files sent to a worker
# and the course bundle.
IGNORED = frozenset({".ipynb_checkpoints", "__pycache__", ".DS_Store"})

# Folders nested deeper than this are not walked (left out, reported): the walk holds one
# open folder per level.
MAX_DEPTH = 64

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC


def kind(mode: int) -> str:
    """What an ``lstat`` mode is, in the words of a flag."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def reason(err: OSError) -> str:
    """An ``OSError`` as a few plain words ("permission denied")."""
    return (err.strerror or type(err).__name__).lower()


@dataclass(frozen=True)
class Entry:
    """One thing found by :func:`walk`: its path relative to the folder, its ``lstat``."""

    rel: str  # "/"-separated
    stat: os.stat_result | None  # None: it vanished before it could be lstat-ed
    why: str = ""  # for what is left out: its kind, or why it could not be walked

    @property
    def size(self) -> int:
        return self.stat.st_size if self.stat is not None else 0


@dataclass
class Walk:
    """What :func:`walk` found under a folder, each list sorted by path."""

    files: list[Entry] = field(default_factory=list)  # regular files: the only ones to open
    others: list[Entry] = field(default_factory=list)  # links, FIFOs, sockets, devices
    unreadable: list[Entry] = field(default_factory=list)  # folders not walked, and why
    stopped: bool = False  # more than max_entries: the walk stopped there (lists incomplete)

    @property
    def left_out(self) -> list[Entry]:
        """Everything that is not a regular file, by path: never opened, never graded."""
        return sorted(self.others + self.unreadable, key=_order)


def _order(entry: Entry) -> list[str]:
    return entry.rel.split("/")  # the order of sorted(Path, ...): component by component


def _lstat(entry: os.DirEntry) -> os.stat_result:
    return entry.stat(follow_symlinks=False)


def walk(
    folder: Path, *, ignored: frozenset[str] | set[str] = IGNORED, max_entries: int | None = None
) -> Walk:
    """Everything under ``folder`` without following a link, ``ignored`` names left out.

    ``folder`` itself must be a real folder: a link there is not followed either
    (it is reported in ``unreadable``, as "." with the reason); a missing folder
    is empty. With ``max_entries``, the walk stops (``stopped``) as soon as it
    has seen more entries (files, folders, links, ... counted from each
    folder's listing, before any of them is ``lstat``-ed). Never raises an
    ``OSError``: what cannot be read is reported.
    """
    found = Walk()
    try:
        root = os.open(folder, _DIRECTORY)
    except FileNotFoundError:
        return found
    except OSError as err:
        why = "symbolic link" if os.path.islink(folder) else reason(err)
        found.unreadable.append(Entry(".", None, why))
        return found
    seen = 0
    stack: list[tuple[int, str, Iterator[os.DirEntry]]] = [(root, "", iter(()))]
    try:
        try:
            listing, seen, found.stopped = _listing(root, ignored, seen, max_entries)
        except OSError as err:
            found.unreadable.append(Entry(".", None, reason(err)))
            return found
        stack[-1] = (root, "", iter(listing))
        while stack and not found.stopped:
            fd, prefix, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:
                os.close(fd)
                stack.pop()
                continue
            rel = prefix + entry.name
            try:
                info = _lstat(entry)
            except OSError as err:  # gone since the listing
                found.unreadable.append(Entry(rel, None, f"unreadable: {reason(err)}"))
                continue
            if stat.S_ISREG(info.st_mode):
                found.files.append(Entry(rel, info))
            elif not stat.S_ISDIR(info.st_mode):
                found.others.append(Entry(rel, info, kind(info.st_mode)))
            elif len(stack) > MAX_DEPTH:
                found.unreadable.append(Entry(rel, info, "folder nested too deep"))
            else:
                try:
                    sub = os.open(entry.name, _DIRECTORY, dir_fd=fd)
                except OSError as err:  # permission denied, or replaced by a link since
                    found.unreadable.append(Entry(rel, info, f"unreadable folder: {reason(err)}"))
                    continue
                stack.append((sub, rel + "/", iter(())))
                try:
                    listing, seen, found.stopped = _listing(sub, ignored, seen, max_entries)
                except OSError as err:
                    found.unreadable.append(Entry(rel, info, f"unreadable folder: {reason(err)}"))
                    continue
                stack[-1] = (sub, rel + "/", iter(listing))
    finally:
        for fd, _, _ in stack:
            os.close(fd)
    for entries in (found.files, found.others, found.unreadable):
        entries.sort(key=_order)
    return found


def _listing(
    fd: int, ignored, seen: int, max_entries: int | None
) -> tuple[list[os.DirEntry], int, bool]:
    """The entries of the open folder ``fd`` sorted by name, the count so far, whether it is
    over ``max_entries`` (then the listing stops at once: nothing more is read)."""
    out = []
    with os.scandir(fd) as listing:
        for entry in listing:
            if entry.name in ignored:
                continue
            out.append(entry)
            seen += 1
            if max_entries is not None and seen > max_entries:
                return out, seen, True
    return sorted(out, key=lambda e: e.name), seen, False


@contextmanager
def open_regular(folder: Path, rel: str, owner: int | None = None) -> Iterator[BinaryIO]:
    """``folder/rel`` open for reading if it is a regular file (of the user id ``owner``,
    when given), else ``OSError``.

    No link is followed on the way (each folder of ``rel`` and the file itself
    are opened with ``O_NOFOLLOW``, relative to the one before), and a FIFO or
    device is never waited on (``O_NONBLOCK``, then ``fstat``). The owner is that of
    the file opened, not of one seen before under that name (which may since have been
    replaced).
    """
    parts = rel.split("/")
    fd = os.open(folder, _DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        file = os.open(parts[-1], _FILE, dir_fd=fd)
    finally:
        os.close(fd)
    try:
        info = os.fstat(file)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file but a {kind(info.st_mode)}")
        if owner is not None and info.st_uid != owner:
            raise OSError("a file of another user")
        os.set_blocking(file, True)
        handle = os.fdopen(file, "rb")
    except BaseException:
        os.close(file)
        raise
    with handle:
        yield handle


def why_unreadable(folder: Path, rel: str) -> str | None:
    """Why ``folder/rel`` cannot be read as a regular file (None: it can), opening it only."""
    try:
        with open_regular(folder, rel):
            return None
    except OSError as err:
        return reason(err) if err.strerror else str(err)


def read_regular(
    folder: Path, rel: str, limit: int | None = None, owner: int | None = None
) -> bytes | None:
    """The bytes of ``folder/rel`` (:func:`open_regular`), or None if it cannot be read as a
    regular file (of ``owner``, when given) or holds more than ``limit`` bytes (never more
    than that is read)."""
    try:
        with open_regular(folder, rel, owner) as fh:
            data = fh.read() if limit is None else fh.read(limit + 1)
    except OSError:
        return None
    return None if limit is not None and len(data) > limit else data


def safe_relative(rel: str) -> Path:
    """``rel`` as a relative path that stays below its root (raises ``ValueError`` if not)."""
    path = Path(rel)
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise ValueError(f"not a relative path inside the folder: {rel!r}")
    return path


def read_files(folder: Path) -> dict[str, bytes]:
    """The regular files under ``folder`` by relative path (empty if it does not exist);
    links and other special files are left out (:func:`walk`)."""
    files = {}
    for entry in walk(Path(folder), ignored=frozenset()).files:
        data = read_regular(folder, entry.rel)
        if data is not None:
            files[entry.rel] = data
    return files


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``folder`` (created if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = folder / safe_relative(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole or keeps what it held: written beside it, then renamed
    over it (a reader never sees half a file; its folder is created if missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def remove(path: Path) -> None:
    """``path`` gone, whatever it is (a link is removed, never followed)."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()
