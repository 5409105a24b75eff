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

import os
import stat

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal


def add_sticky(folder: str) -> None:
    """``chmod +t folder`` (it is the caller's, or the caller is root)."""
    os.chmod(folder, stat.S_IMODE(os.lstat(folder).st_mode) | stat.S_ISVTX)


class ProtectedExchangeReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's release, with the exchange's root and the course's ``inbound/`` sticky."""

    def ensure_root(self):
        super().ensure_root()
        try:
            add_sticky(self.root)
        except PermissionError:
            self.fail(
                f"Could not add the sticky bit to the exchange {self.root} (`chmod +t` it as "
                "its owner): without it any user can replace the course's folder in it"
            )

    def init_dest(self):
        super().init_dest()
        add_sticky(self.inbound_path)  # nbgrader checked it is the instructor's


def exchange_problem(root: str, course_id: str, groupshared: bool = False) -> str | None:
    """Why the course's folders in the exchange ``root`` cannot be trusted (None: they can):
    the root and ``inbound/`` must be folders (not links) in which only an entry's owner
    may rename it (sticky, or writable by no one else), the course's folder and
    ``inbound/`` this user's (or, ``groupshared``, of one of this user's groups) and
    writable by no other user but through ``inbound/``'s sticky bit."""
    course = os.path.join(root, course_id)
    inbound = os.path.join(course, "inbound")
    fix = (
        "run `nbgrader release_assignment` with the course's nbgrader_config.py, or "
        f"`chmod +t {for_terminal(root)} {for_terminal(inbound)}`"
    )
    for folder, mine in ((root, False), (course, True), (inbound, True)):
        shown = for_terminal(folder)
        try:
            info = os.lstat(folder)
        except OSError as err:
            return f"{shown}: {err.strerror}"
        if not stat.S_ISDIR(info.st_mode):
            return f"{shown} is not a folder (a link?): someone may have replaced it"
        if (
            mine
            and info.st_uid != os.geteuid()
            and not (groupshared and info.st_gid in os.getgroups())
        ):
            owner = f"another user (uid {info.st_uid})"
            return f"{shown} belongs to {owner}: someone may have replaced it"
        others_write = info.st_mode & (stat.S_IWOTH | (0 if groupshared else stat.S_IWGRP))
        if others_write and not info.st_mode & stat.S_ISVTX:
            return f"{shown} lets other users rename what is in it (no sticky bit): {fix}"
    return None
