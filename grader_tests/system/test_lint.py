"""The code is ruff clean (the rules are in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kmeans_em_lab.course import paths


def _ruff() -> list[str]:
    beside_python = Path(sys.executable).with_name("ruff")
    if beside_python.exists():
        return [str(beside_python)]
    if shutil.which("ruff"):
        return ["ruff"]
    pytest.skip("ruff is not installed (it is in requirements.txt)")


def test_ruff_check_is_clean():
    result = subprocess.run(
        [
            *_ruff(),
            "check",
            "--no-cache",
            "kmeans_em_lab",
            "lab3_kernel",
            "lab3_dev",
            "grader_tests",
            "nbgrader_config.py",
        ],
        cwd=paths.course_root(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
