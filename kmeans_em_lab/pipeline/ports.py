"""Kernel ports that two workers can never both pick.

With the ``ipc`` transport (the default) kernels use socket files in the
worker's private folder: no TCP port at all. With ``tcp``, jupyter_client lets
the OS pick five free ports, closes them and starts the kernel, which binds
them a moment later; its ``LocalPortCache`` only guards kernels of one process,
so two workers can race for the same port. :class:`WorkerKernelManager` picks
instead from a range that belongs to one worker (ranges are disjoint, their
base drawn at random per run so that two runs on one machine rarely overlap).
"""

from __future__ import annotations

import itertools
import socket

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer

PORTS_PER_KERNEL = 5
_cursor = itertools.count()


def free_ports(ip: str, base: int, span: int, count: int = PORTS_PER_KERNEL) -> list[int]:
    """``count`` ports of ``[base, base + span)`` that can be bound now, round-robin."""
    start = next(_cursor) * count
    found: list[int] = []
    for offset in range(span):
        port = base + (start + offset) % span
        with socket.socket() as sock:
            try:
                sock.bind((ip, port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free TCP ports in {base}-{base + span - 1} on {ip}")


class WorkerKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` taking its TCP ports from this worker's own range."""

    port_base = Integer(
        0, help="first TCP port of this worker's range; 0 lets the OS pick (jupyter's default)"
    ).tag(config=True)
    port_span = Integer(200, help="size of this worker's TCP port range").tag(config=True)

    async def _async_pre_start_kernel(self, **kw):
        if self.transport == "tcp" and self.port_base > 0 and not self.has_kernel:
            self.cache_ports = False
            (
                self.shell_port,
                self.iopub_port,
                self.stdin_port,
                self.hb_port,
                self.control_port,
            ) = free_ports(self.ip, self.port_base, self.port_span)
        return await super()._async_pre_start_kernel(**kw)
