"""Dask's listeners, guarded against other users of the machine.

Every process of the local cluster listens on 127.0.0.1, which every user of the
machine reaches (a hub whose students' servers run there):

- **TLS**: the cluster refuses whoever has not the run's key, but Dask's listener
  waited for a connection's handshake with no time limit: another user holding
  thousands of idle connections used up the driver's file descriptors, and grading
  stalled, then stopped. Here a connection must finish its handshake within
  :data:`HANDSHAKE_SECONDS`, and past :data:`MAX_PENDING` connections waiting for one
  the oldest is closed: a listener never holds more than that many (:func:`install`).
  In the local cluster, whose processes all belong to the user running ``make grade``,
  a connection is also closed as it is accepted unless it comes from a connected socket
  of this machine of that user (its owner read from the kernel's socket table,
  :func:`peer_uid`; a peer closed already reads as root's there): a flood of other
  users' connections, held or closed at once, never takes a place the cluster's own
  need. A cluster of the administrator's (``--scheduler``) may run its scheduler and
  workers as different users, so its workers keep the cap and the time limit only.
- **HTTP**: each scheduler and worker also runs a web server. The local cluster's serves
  no page (its routes are emptied), yet it kept an idle connection open for an hour:
  in the local cluster it closes every connection as it accepts it
  (:func:`refuse_http`).
"""

from __future__ import annotations

import asyncio
import errno
import os
import resource
import socket
import struct
from collections import OrderedDict

from distributed.comm import registry
from distributed.comm.tcp import TLSBackend, TLSListener
from tornado.httpserver import HTTPServer

# a connection's TLS handshake must finish within it: Dask's own client gives up connecting
# then (distributed.comm.timeouts.connect)
HANDSHAKE_SECONDS = 30.0
MAX_PENDING = 64  # connections a listener holds while they wait for their handshake
OPEN_FILES = 65_536  # the soft limit on open files raised to this (within the hard one)


# the kernel's socket table (sock_diag over netlink, linux/inet_diag.h): one socket's entry
_SOCK_DIAG, _BY_FAMILY, _REQUEST, _ERROR = 4, 20, 1, 2
_ALL_STATES, _NO_COOKIE = 0xFFFFFFFF, 0xFFFFFFFF
_STATE_AT = 16 + 1  # nlmsghdr, then inet_diag_msg: family, state
_UID_AT = 16 + 4 + 48 + 12  # nlmsghdr, then inet_diag_msg: family..retrans, id, 3 counters
_ESTABLISHED = 1  # a TCP state (linux/tcp_states.h)
UNREADABLE = -1  # peer_uid: the socket table cannot be read here


def peer_uid(connection: socket.socket) -> int | None:
    """The owner of the socket at the other end of TCP ``connection`` when that socket is
    one of this machine's (IPv4) and still connected; None when there is no such socket
    here (another host's, or one closed already: the kernel keeps a closed socket's
    entry a while with no owner, which reads as root's); :data:`UNREADABLE` when the
    table cannot be read (no netlink here)."""
    try:
        if connection.family != socket.AF_INET:
            return None
        local, peer = connection.getsockname(), connection.getpeername()
    except OSError:  # reset already
        return None
    sockid = (
        struct.pack("!HH", peer[1], local[1])
        + socket.inet_aton(peer[0]) + bytes(12)
        + socket.inet_aton(local[0]) + bytes(12)
        + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
    )  # fmt: skip
    request = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, _ALL_STATES)
    request += sockid
    header = struct.pack("=LHHLL", 16 + len(request), _BY_FAMILY, _REQUEST, 1, 0)
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _SOCK_DIAG) as table:
            table.settimeout(1.0)
            table.sendto(header + request, (0, 0))
            answer = table.recv(8192)
        _, kind = struct.unpack_from("=LH", answer)
        if kind == _ERROR:
            (errno_,) = struct.unpack_from("=i", answer, 16)
            return None if -errno_ == errno.ENOENT else UNREADABLE
        if answer[_STATE_AT] != _ESTABLISHED:
            return None
        return struct.unpack_from("=I", answer, _UID_AT)[0]
    except (OSError, struct.error, IndexError):
        return UNREADABLE


class GuardedTLSListener(TLSListener):
    """:class:`~distributed.comm.tcp.TLSListener` whose handshakes are timed and counted."""

    other_users_refused = False  # close a connection from another user's local socket

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: OrderedDict = OrderedDict()  # streams waiting, the oldest first

    async def _prepare_stream(self, stream, address):
        if self.other_users_refused and stream.socket is not None:
            owner = peer_uid(stream.socket)
            if owner != os.geteuid() and owner != UNREADABLE:  # not a connected peer of ours
                stream.close()
                return None
        self._pending[stream] = None
        while len(self._pending) > MAX_PENDING:
            oldest, _ = self._pending.popitem(last=False)
            oldest.close()  # its handshake fails: Dask drops it
        try:
            return await asyncio.wait_for(
                super()._prepare_stream(stream, address), HANDSHAKE_SECONDS
            )
        except TimeoutError:
            stream.close()
            return None
        finally:
            self._pending.pop(stream, None)


class GuardedTLSBackend(TLSBackend):
    _listener_class = GuardedTLSListener


class LocalTLSListener(GuardedTLSListener):
    """A guarded listener that also closes, as it accepts it, any connection but one from a
    connected socket of this machine of its own user: for the local cluster, all of whose
    processes are the grader's."""

    other_users_refused = True


class LocalTLSBackend(TLSBackend):
    _listener_class = LocalTLSListener


class RefusingHTTPServer(HTTPServer):
    """Dask's web server, closing every connection as it accepts it."""

    def handle_stream(self, stream, address) -> None:
        stream.close()


def install(*, local: bool = False) -> None:
    """Every ``tls://`` listener this process opens from now on is guarded, and with
    ``local`` (a process of the local cluster) also closes other users' connections at
    once; the soft limit on open files is raised (as ``dask scheduler`` does), for the
    cluster's own connections."""
    registry.backends["tls"] = LocalTLSBackend() if local else GuardedTLSBackend()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def refuse_http() -> None:
    """Every Dask web server this process starts from now on closes each connection at
    once: for the local cluster's processes only (a cluster of the administrator's may
    serve its health and metrics pages)."""
    import distributed.node

    distributed.node.HTTPServer = RefusingHTTPServer
