"""``nbgrader release_assignment`` into nbgrader's exchange, in folders no student can swap,
and the check ``nbgrader collect`` makes of them.

nbgrader makes the exchange's root ``0777`` and the course's ``inbound/`` ``2733``, without
the sticky bit. In such a folder any user of the machine may rename what another user
owns: a student could move the course's folder aside and put one of their own in its
place (classmates then fetched the student's notebook and data files, and submitted into
the student's ``inbound/``, where the student read their work), and move a classmate's
submission back under another name (a time made later, an older draft made the latest,
a name that is never collected).

:class:`ProtectedExchangeReleaseAssignment` is nbgrader's release (``nbgrader_config.py``:
``c.ExchangeFactory.release_assignment``) that adds the sticky bit to the root and to
``inbound/``: then only an entry's owner (or the folder's) may rename or remove it.
:func:`exchange_problem` is what the course's collect checks before it reads anything.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def _trusted_owner(info: os.stat_result) -> bool:
    """A folder of root's or of this user's. Its group is never enough, ``groupshared`` or
    not: in a setgid root every folder a student makes takes the root's group (root's,
    when root made it), and a release run as root could change any folder's mode."""
    return info.st_uid in (0, os.geteuid())


def _open_folder(path: str) -> int:
    """A descriptor of the folder ``path`` itself (never a link's target), or
    ``PermissionError`` saying why it is not the instructor's to use."""
    try:
        fd = os.open(path, _FOLDER)
    except OSError as err:
        why = f"{for_terminal(path)} is not a folder (a link?): {err.strerror}"
        raise PermissionError(why) from None
    if not _trusted_owner(os.fstat(fd)):
        os.close(fd)
        raise PermissionError(f"{for_terminal(path)} belongs to another user")
    return fd


def _ancestors_problem(path: str) -> str | None:
    """Why a folder above ``path`` lets another user replace what is below it: one (or a
    link) that is not root's or this user's, or that others may write without its sticky
    bit."""
    for folder in Path(os.path.abspath(path)).parents:
        try:
            info = os.lstat(folder)
        except OSError as err:
            return f"{for_terminal(str(folder))}: {err.strerror}"
        if not _trusted_owner(info):
            return f"{for_terminal(str(folder))} belongs to another user (uid {info.st_uid})"
        opened = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)  # (a link's mode means nothing)
        if opened and not stat.S_ISLNK(info.st_mode) and not info.st_mode & stat.S_ISVTX:
            return f"{for_terminal(str(folder))} lets other users rename what is in it"
    return None


def make_folder(path: str, mode: int) -> None:
    """``path`` a folder of the instructor's with ``mode`` (made if missing), set through a
    descriptor of the folder itself: a link put in its place is refused, never followed
    (``chmod`` on a link an instructor's release made the link's target world-writable)."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    fd = _open_folder(path)
    try:
        info = os.fstat(fd)
        if info.st_uid == os.geteuid():
            os.fchmod(fd, mode)
        elif stat.S_IMODE(info.st_mode) != mode:  # root's, made by an administrator
            raise PermissionError(
                f"{for_terminal(path)} is root's with mode {stat.S_IMODE(info.st_mode):o}, not "
                f"{mode:o}: ask an administrator to `chmod {mode:o}` it"
            )
    finally:
        os.close(fd)


class ProtectedExchangeReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release, with the exchange's root and the course's ``inbound/`` sticky, and
    every folder of the course's in the exchange made or checked without following a link."""

    def ensure_root(self):
        mode = 0o1777  # sticky, never setgid: no folder made in it takes the root's group
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.root)), exist_ok=True)
        except OSError as err:
            self.fail(f"Could not make the folder of the exchange {for_terminal(self.root)}: {err}")
        problem = _ancestors_problem(self.root)
        if problem:
            self.fail(f"Not releasing into the exchange {for_terminal(self.root)}: {problem}")
        try:
            make_folder(self.root, mode)
        except PermissionError as err:
            self.fail(f"Not releasing into the exchange: {err}")

    def init_dest(self):
        # the course's folders made, or checked, before nbgrader's own steps (which follow
        # links): then no other user may rename or replace them in the sticky root
        groupshared = self.coursedir.groupshared
        if groupshared:  # nbgrader's start() checks the root only when not groupshared
            self.ensure_root()
        shared = (stat.S_IWGRP | stat.S_ISGID) if groupshared else 0
        inbound = 0o3733 | (stat.S_IRGRP if groupshared else 0)  # sticky: nbgrader's lacks it
        course = os.path.join(self.root, self.coursedir.course_id)
        try:
            make_folder(course, 0o755 | shared)
            make_folder(os.path.join(course, "outbound"), 0o755 | shared)
            make_folder(os.path.join(course, "inbound"), inbound)
        except PermissionError as err:
            self.fail(f"Not releasing: {err}")
        super().init_dest()
        make_folder(self.inbound_path, inbound)  # nbgrader's ensure_directory reset its mode


def exchange_problem(root: str, course_id: str, groupshared: bool = False) -> str | None:
    """Why the course's folders in the exchange ``root`` cannot be trusted (None: they can):
    the root and ``inbound/`` must be folders (not links) in which only an entry's owner
    may rename it (sticky, or writable by no one else), the course's folder and
    ``inbound/`` this user's (never another's for its group, ``groupshared`` or not) and
    writable by no other user but through ``inbound/``'s sticky bit."""
    course = os.path.join(root, course_id)
    inbound = os.path.join(course, "inbound")
    fix = (
        "run `nbgrader release_assignment` with the course's nbgrader_config.py, or "
        f"`chmod +t {for_terminal(root)} {for_terminal(inbound)}`"
    )
    problem = _ancestors_problem(root)
    if problem:
        return problem
    for folder, mine in ((root, False), (course, True), (inbound, True)):
        shown = for_terminal(folder)
        try:
            info = os.lstat(folder)
        except OSError as err:
            return f"{shown}: {err.strerror}"
        if not stat.S_ISDIR(info.st_mode):
            return f"{shown} is not a folder (a link?): someone may have replaced it"
        if not mine and not _trusted_owner(info):
            return (
                f"{shown} belongs to another user (uid {info.st_uid}): it may have been made for it"
            )
        if mine and info.st_uid != os.geteuid():
            owner = f"another user (uid {info.st_uid})"
            return f"{shown} belongs to {owner}: someone may have replaced it"
        # the root opened to the group needs the sticky bit too, groupshared or not
        group = 0 if groupshared and mine else stat.S_IWGRP
        others_write = info.st_mode & (stat.S_IWOTH | group)
        if others_write and not info.st_mode & stat.S_ISVTX:
            return f"{shown} lets other users rename what is in it (no sticky bit): {fix}"
    return None
