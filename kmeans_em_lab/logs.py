"""Diagnostics: the grader's log, for when an instructor needs to know what happened.

A command's own output (what ``make grade`` prints: the progress, the class
table, where the reports are) is the product and goes to stdout. Beside it, the
grader's modules log what helps explain a run: which cluster graded it, each
submission as it comes back (attempt, worker time, flags), retries, a
submission sent again because the worker it waited on died, what the driver
saved. That log goes to stderr, at :data:`DEFAULT_LEVEL` unless asked for more:

- ``--log-level info`` (or ``debug``) on any command, e.g.
  ``make grade ARGS="--log-level info"``;
- or the environment variable :data:`ENV_VAR` (``LAB3_LOG_LEVEL=info make grade``).

What happened inside one submission's grading (nbgrader's own log, the
kernel's last output) is kept per student in ``reports/logs/``.

A record may quote a submission (a flag, a message): every line goes out through
:func:`kmeans_em_lab.pipeline.shared.untrusted_text.for_log`, so no escape sequence reaches the
terminal.
"""

from __future__ import annotations

import logging
import os
import sys

LOGGER = "kmeans_em_lab"  # every grader module logs under it (logging.getLogger(__name__))
ENV_VAR = "LAB3_LOG_LEVEL"
DEFAULT_LEVEL = "warning"
LEVELS = ("debug", "info", "warning", "error")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "lab3-diagnostics"


class _Escaped(logging.Formatter):
    """The standard format, with every non-printing character but newlines and tabs escaped."""

    def format(self, record: logging.LogRecord) -> str:
        from kmeans_em_lab.pipeline.shared.untrusted_text import for_log

        return for_log(super().format(record))


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a record comes (not the one
    of when it was made: a caller may have replaced and closed that one since)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def level_from(option: str | None = None) -> int:
    """The level asked for: ``option``, else :data:`ENV_VAR`, else :data:`DEFAULT_LEVEL`.

    Raises ``ValueError`` naming the accepted levels for anything else."""
    name = (option or os.environ.get(ENV_VAR) or DEFAULT_LEVEL).strip().lower()
    if name not in LEVELS:
        source = "--log-level" if option else ENV_VAR
        raise ValueError(f"{source}: no log level {name!r} (one of {', '.join(LEVELS)})")
    return getattr(logging, name.upper())


def configure(option: str | None = None) -> int:
    """Send the grader's log to stderr at the level asked for; returns that level.

    Called once per command; calling it again changes the level, never adds a
    second handler."""
    level = level_from(option)
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    handler = next((h for h in logger.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = _Stderr()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(_Escaped(FORMAT))
        logger.addHandler(handler)
    return level
