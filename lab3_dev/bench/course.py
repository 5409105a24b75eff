"""A scratch copy of the course with N varied copies of the example submissions.

The examples are the students under ``submitted/``. Copy ``i`` of an example
gets a markdown cell naming it, so the files differ while the grades cannot.
The scratch course has its own SQLite gradebook; the commands run on it see it
as the course (``LAB3_COURSE_ROOT``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths

COURSE_ITEMS = ("nbgrader_config.py", "source", "release", "data")
OUTPUTS = ("gradebook.db", "gradebook.db-journal", "feedback", "reports")
CACHE = ".cache"  # autograded/.cache: the pipeline's template gradebook, kept by reset()
_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
GENERATE = (
    "import sys; from pathlib import Path; from kmeans_em_lab.course import release; "
    "release.generate(Path(sys.argv[1]), use_db=True)"
)
WARM_CACHE = (  # the course bundle's template gradebook, as any first make grade leaves it
    "import sys; from pathlib import Path; "
    "from kmeans_em_lab.pipeline.driver import course_bundle, settings; "
    "course_bundle.build(settings.Settings(root=Path(sys.argv[1])))"
)


@dataclass(frozen=True)
class Example:
    name: str
    folder: Path  # a submitted/<student>/lab3 folder


@dataclass(frozen=True)
class Scratch:
    base: Path  # the course is base/course, logs under base/logs
    examples: list[Example]

    @property
    def course(self) -> Path:
        return self.base / "course"

    @property
    def env(self) -> dict[str, str]:
        return environment(self.course)

    def log(self, name: str) -> Path:
        """The log file of the runs called ``name`` (appended to, round after round)."""
        (self.base / "logs").mkdir(exist_ok=True)
        return self.base / "logs" / (re.sub(r"[^\w.-]+", "-", name).strip("-") + ".log")


def examples(root: Path) -> list[Example]:
    found = sorted(paths.Course.at(root).submitted_root.glob(f"[!.]*/{paths.ASSIGNMENT}"))
    if not found:
        raise FileNotFoundError(f"no example submissions under {root / 'submitted'}")
    return [Example(p.parent.name, p) for p in found]


def correct_example(found: list[Example]) -> Example:
    """The example whose name says it is correct, else the first."""
    return next((e for e in found if "correct" in e.name.lower()), found[0])


def add_submissions(course: Path, chosen: list[Example], count: int) -> list[str]:
    """``count`` students cycling through ``chosen``; returns their ids."""
    students = []
    for i in range(count):
        example = chosen[i % len(chosen)]
        students.append(f"b{i:02d}-{example.name}")
        target = paths.Course.at(course).submitted(students[-1])
        shutil.copytree(example.folder, target, ignore=_IGNORE)
        for path in target.glob("*.ipynb"):
            nb = nbformat.read(path, as_version=4)
            text = f"*Benchmark copy {i} of the example `{example.name}`.*"
            nb.cells.append(nbformat.v4.new_markdown_cell(text, id=f"bench-copy-{i}"))
            nbformat.write(nb, path)
    return students


@contextlib.contextmanager
def scratch(count: int, correct_only: bool = False) -> Iterator[Scratch]:
    """A scratch course with ``count`` copies of the examples (of the correct one only),
    its course bundle cached as after a first ``make grade``; removed afterwards."""
    root = paths.course_root()
    base = Path(tempfile.mkdtemp(prefix="lab3-bench-"))
    try:
        found = examples(root)
        made = Scratch(base, [correct_example(found)] if correct_only else found)
        made.course.mkdir()
        for item in (i for i in COURSE_ITEMS if (root / i).exists()):
            if (root / item).is_dir():
                shutil.copytree(root / item, made.course / item, ignore=_IGNORE)
            else:
                shutil.copy2(root / item, made.course / item)
        add_submissions(made.course, made.examples, count)
        reset(made.course)
        _python(made.course, WARM_CACHE)
        yield made
    finally:
        shutil.rmtree(base, ignore_errors=True)


def environment(course: Path) -> dict[str, str]:
    """The environment for commands on the scratch course."""
    env = dict(os.environ, LAB3_COURSE_ROOT=str(course), MPLBACKEND="Agg")
    env.pop("LAB3_DB_URL", None)  # the scratch course has its own SQLite gradebook
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _python(course: Path, code: str) -> None:
    cmd = [sys.executable, "-c", code, str(course)]
    subprocess.run(cmd, cwd=course, env=environment(course), check=True, capture_output=True)


def reset(course: Path) -> None:
    """A fresh gradebook that knows the assignment, and no grading outputs (not timed);
    ``autograded/.cache`` is kept, as it is for every ``make grade`` after the first."""
    autograded = course / "autograded"
    targets = [course / name for name in OUTPUTS]
    if autograded.is_dir():
        targets += [p for p in autograded.iterdir() if p.name != CACHE]
    for path in targets:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    _python(course, GENERATE)


def tool(name: str) -> str:
    """An executable of this Python's environment (``nbgrader``, ``jupyter``)."""
    return str(Path(sys.executable).parent / name)
