"""``make student-bundle``: what students get, ``dist/lab3-student.zip`` and its folder.

The command line only: the work is :mod:`kmeans_em_lab.exchange.student_bundle`.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from kmeans_em_lab.exchange.student_bundle import build


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument("--course-root", type=Path, default=None, help="course folder")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")


def main(args: argparse.Namespace) -> int:
    try:
        folder, archive = build(args.course_root, args.out)
    except (FileNotFoundError, RuntimeError) as err:  # no release, or one with solutions
        print(f"student-bundle: {err}", file=sys.stderr)
        return 2
    with zipfile.ZipFile(archive) as zf:
        count = len(zf.namelist())
    print(f"student bundle: {archive} ({count} files, {archive.stat().st_size // 1024} KiB)")
    print(f"         folder: {folder}")
    return 0
