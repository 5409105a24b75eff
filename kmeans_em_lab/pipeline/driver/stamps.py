"""What was graded last, so that a re-run regrades only what changed.

A stamp is a small JSON file per student, ``autograded/.grade-stamps/<assignment>/<student>.json``
(a hidden folder nbgrader does not look into, removed with ``autograded/`` by
``make clean``). It records the hash of the submitted files and the hash of
what grading depends on besides them (the source notebook, ``nbgrader_config.py``,
the pipeline's version), with the outcome (status, flags, message).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kmeans_em_lab.course import secret
from kmeans_em_lab.course.paths import Course
from kmeans_em_lab.pipeline.shared.folders import open_regular, reason, walk, write_atomically

# Bump when a change to the pipeline changes scores, or what grading writes into the
# autograded notebook and the feedback (2: causes and the feedback summary): every
# submission is regraded.
PIPELINE_VERSION = "2"


# Entries of a folder the digest reads at most, far more than a submission may hold
# (SubmissionLimits.files, 200 by default): the digest runs before intake's limits, and
# 300,000 empty files took 13 s on every run. A folder past it is digested from the
# entries read, marked as cut: it is over every course's limit, and scores 0.
MAX_DIGEST_ENTRIES = 20_000


def folder_digest(folder: Path) -> str:
    """sha256 over the relative paths and contents of the files under ``folder``.

    Walked by :func:`.folders.walk` (no link followed, :data:`.folders.IGNORED`
    left out, at most :data:`MAX_DIGEST_ENTRIES`): a link, FIFO, socket or device
    counts by its name and kind only, and a file or folder that cannot be read by
    its name and the reason; never raises on what a submission holds.
    """
    digest = hashlib.sha256()
    found = walk(Path(folder), max_entries=MAX_DIGEST_ENTRIES)
    if found.stopped:
        digest.update(b"\xffmore entries than the digest reads\0")
    for entry in sorted(found.files + found.left_out, key=lambda e: e.rel.split("/")):
        digest.update(entry.rel.encode("utf-8", "surrogateescape") + b"\0")
        if entry.why:
            digest.update(b"\xff" + entry.why.encode() + b"\0")
            continue
        try:
            with open_regular(folder, entry.rel) as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(block)
        except OSError as err:
            digest.update(b"\xffunreadable: " + reason(err).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def course_digest(root: Path, assignment: str, drawn: bool = True) -> str:
    """sha256 of what grading depends on besides the submission (``drawn``: hidden inputs
    drawn from the course secret, else the fixed ones)."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    course = Course(Path(root), assignment)
    digest.update(folder_digest(course.source).encode())
    config = course.config_file
    if config.exists():
        digest.update(config.read_bytes())
    # another secret draws other inputs
    digest.update(secret.fingerprint(root).encode() if drawn else b"fixed inputs")
    return digest.hexdigest()


def stamp_path(root: Path, assignment: str, student: str) -> Path:
    return Course(Path(root), assignment).stamps / f"{student}.json"


def read(root: Path, assignment: str, student: str) -> dict | None:
    path = stamp_path(root, assignment, student)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write(root: Path, assignment: str, student: str, stamp: dict) -> None:
    text = json.dumps(stamp, indent=1, sort_keys=True)
    write_atomically(stamp_path(root, assignment, student), text.encode())


def remove(root: Path, assignment: str, student: str) -> None:
    stamp_path(root, assignment, student).unlink(missing_ok=True)


def is_current(stamp: dict | None, submission: str, course: str) -> bool:
    """The stamp describes a finished grading of exactly these files under this course."""
    return bool(
        stamp
        and stamp.get("submission") == submission
        and stamp.get("course") == course
        and stamp.get("status") in ("graded", "zero")
    )
