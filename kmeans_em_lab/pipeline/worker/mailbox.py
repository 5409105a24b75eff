"""The grader's side of the exchange with a kernel: plans in, records out.

One :class:`Mailbox` per notebook run: an *inbox* the kernel only reads (the
plan of the graded cell about to run, :func:`kmeans_em_lab.checks.plan`) and an
*outbox* it writes (the record of that cell, :mod:`lab3_kernel.recorder`).
Inside the sandbox they appear at :data:`SANDBOX_INBOX` and
:data:`SANDBOX_OUTBOX`.

The outbox is written by student code, so :meth:`Mailbox.take` reads it as
hostile: no symbolic link followed, only a regular file, at most
:data:`MAX_RECORD_BYTES` and :data:`MAX_RECORD_VALUES`, never blocking (a FIFO is
refused), and the folder is
emptied before every graded cell so a file planted earlier is never taken for
a later cell's record.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

from kmeans_em_lab.pipeline.shared.untrusted_text import without_lone_surrogates
from lab3_kernel.recorder import INBOX_VAR, OUTBOX_VAR, PLAN_FILE, RECORD_FILE
from lab3_kernel.refusals import RECORD_TOO_BIG, refusal
from lab3_kernel.wire import values_in

RECORDS = "lab3_records"  # resources key: cell index -> (check, record or None)
# resources key: cell index -> the reference helpers' calls the grader answered in that cell
SERVED = "lab3_served"
SANDBOX_INBOX = "/lab3/inbox"
SANDBOX_OUTBOX = "/lab3/outbox"
# The largest record of a correct solution is well under 1 MiB (the hidden test of Set, whose
# answers hold every sample of the data); a record past this cap is refused, not read.
MAX_RECORD_BYTES = 8 * 1024 * 1024
# Values a record may decode into, counted before it is decoded (every ``,``, ``:``, ``[``
# and ``{``: one more value or container each). A correct solution's records hold a few
# hundred (arrays travel as one base64 string each); the cap keeps what one record becomes
# in the grader's memory to a few MiB, where 8 MiB of nested brackets would be hundreds.
MAX_RECORD_VALUES = 100_000


class Mailbox:
    """The inbox and outbox of one kernel, in a private temporary folder."""

    def __init__(self, parent: str | Path | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="lab3-mail-", dir=parent))
        self.inbox, self.outbox = self.root / "inbox", self.root / "outbox"
        self.inbox.mkdir()
        self.outbox.mkdir()  # the sandbox's user is the grader's user outside: 0700 will do

    def env(self, sandboxed: bool) -> dict[str, str]:
        """The kernel's variables naming its inbox and outbox."""
        if sandboxed:
            return {INBOX_VAR: SANDBOX_INBOX, OUTBOX_VAR: SANDBOX_OUTBOX}
        return {INBOX_VAR: str(self.inbox), OUTBOX_VAR: str(self.outbox)}

    def binds(self) -> list[tuple[str, str, bool]]:
        """(host path, sandbox path, writable) of the two folders."""
        return [(str(self.inbox), SANDBOX_INBOX, False), (str(self.outbox), SANDBOX_OUTBOX, True)]

    def post(self, plan: dict) -> None:
        """The plan of the next graded cell in; anything left in the outbox out."""
        self._empty_outbox()
        part = self.inbox / (PLAN_FILE + ".part")
        part.write_text(json.dumps(plan))
        part.replace(self.inbox / PLAN_FILE)

    def take(self, check: str = "") -> dict | None:
        """The record the kernel left for the cell of ``check`` that just ran (None: none,
        or unreadable; a refusal when it is over :data:`MAX_RECORD_BYTES`).

        The plan is withdrawn too: the next cell gets its own or none.
        """
        (self.inbox / PLAN_FILE).unlink(missing_ok=True)
        path = self.outbox / RECORD_FILE
        try:
            too_big = path.lstat().st_size > MAX_RECORD_BYTES
        except OSError:
            too_big = False
        try:
            data = None if too_big else read_untrusted(path, MAX_RECORD_BYTES)
        except OSError:
            data = None
        self._empty_outbox()
        if data is not None and values_in(data) > MAX_RECORD_VALUES:
            too_big, data = True, None
        if too_big:
            return {"check": check, "refused": refusal(RECORD_TOO_BIG), "outcomes": []}
        if data is None:
            return None
        try:
            # a JSON escape or surrogatepass bytes can hold a lone surrogate: never kept
            record = without_lone_surrogates(json.loads(data))
        except (ValueError, RecursionError):
            return None
        return record if isinstance(record, dict) else None

    def _empty_outbox(self) -> None:
        """The files the kernel left in the outbox removed; its folders stay (the kernel may
        still be writing into them, and the disk watch counts them) until :meth:`close`."""
        try:
            os.chmod(self.outbox, 0o700)  # the kernel owns it too: it may have locked it
            for entry in list(os.scandir(self.outbox)):
                if not entry.is_dir(follow_symlinks=False):
                    Path(entry.path).unlink(missing_ok=True)
        except OSError:  # left as it is: take() reads what is there as untrusted, as always
            pass

    def close(self) -> None:
        """Everything removed once the kernel is gone, through descriptors: no recursion, so
        folders the kernel nested thousands deep go too (:func:`.usage_watch.remove_folder`)."""
        from kmeans_em_lab.pipeline.worker.usage_watch import remove_folder

        try:
            remove_folder(self.root)  # what it cannot remove, it logs
        except Exception:  # noqa: BLE001 - cleaning up never fails a submission
            pass


def read_untrusted(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes, else None.

    Opened without following a symbolic link and without blocking (a FIFO
    planted by student code cannot hang the grader).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
