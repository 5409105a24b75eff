"""The worker's end of the reference helpers: a Unix socket the kernel's stand-ins call.

One :class:`ReferenceServer` per notebook run, beside its :class:`.mailbox.Mailbox`:
a socket in a folder of its own, bound read-only into the sandbox at
:data:`SANDBOX_FOLDER` (connecting to a socket needs no write access to the
folder). Before each graded cell the executor names the helpers that cell
binds (:meth:`serve`); after it, none (:meth:`stop_serving`), so a call made
from any other cell is refused.

Requests are answered one at a time by one thread
(:class:`kmeans_em_lab.checks.reference_service.Service`): a kernel that opens
many connections only waits longer for its own answers, and the grader spends
at most what one call costs at a time. A connection that sends nothing for
:data:`IDLE_SECONDS`, or has not sent its whole call :data:`REQUEST_SECONDS` after
it was accepted, is dropped. A call is answered with the helpers of the cell it
was made in: one read whole only once that cell has ended is refused, as is
one made while no helper is served, or once
the cell's or the notebook's CPU budget is spent, is refused before any of it is
decoded (reading it costs the grader no more than sending it costs the kernel).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

from kmeans_em_lab.checks.reference_service import (
    MAX_NOTEBOOK_CPU_SECONDS,
    MAX_REQUEST_BYTES,
    Service,
    refusal,
)
from lab3_kernel.reference_calls import SOCKET_VAR, recv_frame, send_frame

SANDBOX_FOLDER = "/lab3/reference"
SOCKET_NAME = "helpers.sock"
IDLE_SECONDS = 5.0  # a connection silent this long is dropped
# a request must have arrived whole this long after it was accepted (a correct one, at most
# 1 MiB over a local socket, takes milliseconds); one trickled in is dropped unanswered
REQUEST_SECONDS = 10.0
MAX_SOCKET_PATH = 100  # bytes: Linux refuses a Unix socket path over 107
_POLL = 0.2  # seconds between looks at the stop flag


class ReferenceServer:
    """Answers the reference helpers' calls of one kernel, in a thread of this process."""

    def __init__(self, parent: str | Path | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="lab3-ref-", dir=parent))
        if len(os.fsencode(self.root / SOCKET_NAME)) > MAX_SOCKET_PATH:  # a deep temp folder
            os.rmdir(self.root)
            self.root = Path(tempfile.mkdtemp(prefix="lab3-ref-", dir="/tmp"))
        self.path = self.root / SOCKET_NAME
        self._service = Service()
        self.cpu_seconds = 0.0  # the grader's CPU time on this notebook's calls, all told
        self._stopped = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.path))
        self._listener.listen(8)
        self._listener.settimeout(_POLL)
        self._thread = threading.Thread(target=self._loop, name="lab3-reference", daemon=True)
        self._thread.start()

    # -- what the executor calls ------------------------------------------------------------

    def env(self, sandboxed: bool) -> dict[str, str]:
        """The kernel's variable naming the socket."""
        folder = SANDBOX_FOLDER if sandboxed else str(self.root)
        return {SOCKET_VAR: f"{folder}/{SOCKET_NAME}"}

    def binds(self) -> list[tuple[str, str, bool]]:
        """(host path, sandbox path, writable) of the socket's folder."""
        return [(str(self.root), SANDBOX_FOLDER, False)]

    def serve(self, names) -> None:
        """Answer the helpers ``names`` from now on (the cell about to run binds them)."""
        self._service = Service(names)

    def stop_serving(self) -> dict[str, int]:
        """Answer nothing from now on; the calls answered since :meth:`serve`, per helper."""
        served, self._service = self._service, Service()
        return dict(served.answered)

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=IDLE_SECONDS + 1)
        self._listener.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the thread ---------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, contextlib.suppress(Exception):  # one bad call never ends the thread
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        started = time.thread_time()
        try:
            conn.settimeout(IDLE_SECONDS)
            service = self._service
            request = recv_frame(conn, MAX_REQUEST_BYTES, time.monotonic() + REQUEST_SECONDS)
            if request is None:
                reply = refusal(
                    f"the call was cut short, took more than {REQUEST_SECONDS:g} s to send or "
                    f"is over {MAX_REQUEST_BYTES // 2**20} MiB, so it is not answered"
                )
            elif service is not self._service:  # connected in a cell that has ended since
                reply = refusal("the cell that made this call has ended, so it is not answered")
            elif unread := self._unread(service):  # refused before any of it is decoded
                reply = refusal(unread)
            else:
                reply = service.answer(request)
            send_frame(conn, reply)
        finally:
            self.cpu_seconds += time.thread_time() - started

    def _unread(self, service: Service) -> str:
        """Why a call is refused undecoded now ('' when it is decoded and answered)."""
        if not service.names:
            return "no reference helper is served in this cell"
        if self.cpu_seconds > MAX_NOTEBOOK_CPU_SECONDS:
            return (
                f"this notebook's reference calls took more than {MAX_NOTEBOOK_CPU_SECONDS:g} s "
                "of the grader's CPU time: no more are answered"
            )
        return service.spent()
