"""The course secret: the key the hidden tests' inputs are drawn with.

Each submission's hidden inputs are ``HMAC-SHA256(secret, student and submission digest)``
(:mod:`kmeans_em_lab.checks.draws`). The secret is a file beside the gradebook
(:attr:`.paths.Course.secret_file`), made on first use: 32 random bytes, mode
0600, git-ignored. The driver reads it and draws each submission's inputs
itself (:func:`kmeans_em_lab.pipeline.driver.store.submission_files`): it never
reaches a worker, a sandbox (the kernel only receives plans, which hold drawn
inputs) or git. Keep it with the gradebook: without
it, a regrade draws other inputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from kmeans_em_lab.course.paths import Course

SECRET_BYTES = 32
MIN_BYTES = 16  # a shorter file is no secret of ours


def course_secret(root: Path | str | None = None) -> bytes:
    """The secret of the course at ``root`` (default: the course root), made if missing.

    Two processes making it at once end with the same one: it is written whole to
    a private temporary file, then linked to its name, which fails if it exists.
    """
    path = Course.at(root).secret_file
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    _create(path)
    return _read(path)


def fingerprint(root: Path | str | None = None) -> str:
    """A short public token of the course's secret ('' when it has none yet): stamps carry
    it, so a new secret (new hidden inputs for everyone) means everyone is graded again.
    It reveals nothing of the secret (HMAC of a fixed text)."""
    path = Course.at(root).secret_file
    try:
        secret = _read(path)
    except FileNotFoundError:
        return ""
    return hmac.new(secret, b"lab3 stamp", hashlib.sha256).hexdigest()[:16]


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) < MIN_BYTES:
        raise ValueError(
            f"{path} holds {len(data)} bytes, not a course secret: restore it from the "
            "gradebook's backup, or delete it to draw new hidden inputs for every submission"
        )
    return data


def _create(path: Path) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(SECRET_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
