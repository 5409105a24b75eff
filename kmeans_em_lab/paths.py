"""Where the course's folders and files live.

The package is installed in editable mode from the course repository, so the
course root is the folder above this package. ``LAB3_COURSE_ROOT`` overrides
it (for a copy of the course elsewhere, e.g. the benchmark's scratch course).
"""

from __future__ import annotations

import os
from pathlib import Path

ASSIGNMENT = "lab3"
NOTEBOOK = "lab3.ipynb"
DATA_FILES = ("spotify.p", "GMM.p")


def course_root() -> Path:
    env = os.environ.get("LAB3_COURSE_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The one source of truth for the data files."""
    return course_root() / "data"


def assignment_data_dirs() -> list[Path]:
    """The copies nbgrader needs beside the notebook (source and release)."""
    root = course_root()
    return [root / "source" / ASSIGNMENT / "data", root / "release" / ASSIGNMENT / "data"]
