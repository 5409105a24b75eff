"""Folders as data: ``{relative path: bytes}`` read from a folder and written back.

This is how the course, a submission and a worker's results travel between
the driver and the Dask workers. Reading never follows a symbolic link;
writing refuses any path that would leave the folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def safe_relative(rel: str) -> Path:
    """``rel`` as a relative path that stays below its root (raises ``ValueError`` if not)."""
    path = Path(rel)
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise ValueError(f"not a relative path inside the folder: {rel!r}")
    return path


def read_files(folder: Path) -> dict[str, bytes]:
    """The regular files under ``folder`` by relative path (empty if it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``folder`` (created if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = folder / safe_relative(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def remove(path: Path) -> None:
    """``path`` gone, whatever it is (a link is removed, never followed)."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()
