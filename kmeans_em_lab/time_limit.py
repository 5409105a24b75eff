"""A time limit on code run in this process (main thread only): SIGALRM raises :class:`OutOfTime`.

For trusted code run in-process (the course's own solution and template, the
calibration class, the benchmark's reference runs); student code runs in a
sandboxed kernel under the executor's cell limits instead.
"""

from __future__ import annotations

import contextlib
import signal


class OutOfTime(BaseException):
    """Raised by the alarm: a ``BaseException``, so code catching ``Exception`` (the checks'
    harness, a student's ``try``) does not swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise :class:`OutOfTime` in the main thread after ``seconds``; the previous SIGALRM
    handler is back when the block ends."""

    def ring(*_args):
        raise OutOfTime

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
