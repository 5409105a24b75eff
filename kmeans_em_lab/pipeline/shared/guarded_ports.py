"""Dask's listeners, guarded against other users of the machine.

Every process of the local cluster listens on 127.0.0.1, which every user of the
machine reaches (a hub whose students' servers run there):

- **TLS**: the cluster refuses whoever has not the run's key, but Dask's listener
  waited for a connection's handshake with no time limit: another user holding
  thousands of idle connections used up the driver's file descriptors, and grading
  stalled, then stopped. Here a handshake must finish within
  :data:`HANDSHAKE_SECONDS`, and past :data:`MAX_PENDING` connections waiting for one
  the oldest is closed: a listener never holds more than that many. The cluster's own
  connections finish their handshake in milliseconds (:func:`install`).
- **HTTP**: each scheduler and worker also runs a web server. The local cluster's serves
  no page (its routes are emptied), yet it kept an idle connection open for an hour:
  in the local cluster it closes every connection as it accepts it
  (:func:`refuse_http`).
"""

from __future__ import annotations

import asyncio
import resource
from collections import OrderedDict

from distributed.comm import registry
from distributed.comm.tcp import TLSBackend, TLSListener
from tornado.httpserver import HTTPServer

# a connection's TLS handshake must finish within it: Dask's own client gives up connecting
# then (distributed.comm.timeouts.connect)
HANDSHAKE_SECONDS = 30.0
MAX_PENDING = 64  # connections a listener holds while they wait for their handshake
OPEN_FILES = 65_536  # the soft limit on open files raised to this (within the hard one)


class GuardedTLSListener(TLSListener):
    """:class:`~distributed.comm.tcp.TLSListener` whose handshakes are timed and counted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: OrderedDict = OrderedDict()  # streams waiting, the oldest first

    async def _prepare_stream(self, stream, address):
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


class RefusingHTTPServer(HTTPServer):
    """Dask's web server, closing every connection as it accepts it."""

    def handle_stream(self, stream, address) -> None:
        stream.close()


def install() -> None:
    """Every ``tls://`` listener this process opens from now on is guarded; its soft limit
    on open files is raised (as ``dask scheduler`` does), for the cluster's own
    connections."""
    registry.backends["tls"] = GuardedTLSBackend()
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
