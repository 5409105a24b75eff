"""nbgrader's gradebook, with one SQLAlchemy engine per database instead of one per use.

Every ``nbgrader.api.Gradebook`` creates its own engine, and a submission's
grading opens the worker's private gradebook many times (nbgrader's autograde
converter and several of its preprocessors, the grader's own preprocessors, the
scores read back). Each new engine starts with an empty cache of compiled SQL,
so every query nbgrader makes is compiled again for every submission: most of
the gradebook's share of a worker's own time (a worker's profile shows
it). :func:`install` makes nbgrader's ``create_engine`` return
the engine it made before for the same URL and options, so statements are
compiled once per worker. ``Gradebook.close`` still disposes of the engine's
pool (its connections are closed, a new pool opens on the next use); what the
gradebook reads and writes is unchanged. A worker calls it before grading.
"""

from __future__ import annotations

import threading

_LOCK = threading.Lock()


class CachedCreateEngine:
    """``sqlalchemy.create_engine`` as nbgrader's gradebook calls it, one engine per
    ``(url, options)``."""

    def __init__(self, create) -> None:
        self._create = create
        self._engines: dict[tuple, object] = {}

    def __call__(self, url, *args, **kwargs):
        try:
            key = (str(url), args, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:  # options that cannot be a key: a new engine, as before
            return self._create(url, *args, **kwargs)
        with _LOCK:
            engine = self._engines.get(key)
            if engine is None:
                engine = self._engines[key] = self._create(url, *args, **kwargs)
        return engine


def install() -> None:
    """Use :class:`CachedCreateEngine` in nbgrader's gradebook (idempotent)."""
    from nbgrader import api

    if not isinstance(api.create_engine, CachedCreateEngine):
        api.create_engine = CachedCreateEngine(api.create_engine)
