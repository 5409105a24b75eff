"""A scratch copy of the course with N varied copies of the example submissions.

The examples are the students under ``submitted/`` (each ``submitted/<student>/lab3``
folder as it is). Without any, the grading corpus stands in: a correct
vectorised solution, the original lab's code, a partial and a blank submission.
Copy ``i`` of an example gets a markdown cell naming the copy, so that the
files differ while the grades cannot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from kmeans_em_lab.course import paths, submissions

CORPUS = Path("corpus") / "validity" / "cases"
FALLBACK_CASES = ("vectorised", "original_lab", "partial_kmeans_only", "blank_release")
# Example names that say "complete and correct": part 2 grades one of them.
CORRECT_HINTS = ("correct", "complete", "solution", "vectorised", "full", "good")
COURSE_ITEMS = ("nbgrader_config.py", "source", "release", "data")
_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")


@dataclass(frozen=True)
class Example:
    name: str
    folder: Path  # a submitted/<student>/lab3 folder


def collect_examples(root: Path, staging: Path) -> tuple[list[Example], str]:
    """The example submissions and where they came from."""
    found = sorted(
        p
        for p in paths.Course.at(root).submitted_root.glob(f"*/{paths.ASSIGNMENT}")
        if p.is_dir() and not p.parent.name.startswith(".")
    )
    if found:
        return [Example(p.parent.name, p) for p in found], "the students under submitted/"
    examples = []
    release = root / "release" / paths.ASSIGNMENT / paths.NOTEBOOK
    for case in FALLBACK_CASES:
        code = root / CORPUS / f"{case}.py"
        if not code.exists():
            continue
        folder = staging / case / paths.ASSIGNMENT
        submissions.write_submission(submissions.parse(code.read_text()), folder, release)
        examples.append(Example(case, folder))
    if not examples:
        raise FileNotFoundError(f"no example submissions under {root / 'submitted'} nor {CORPUS}")
    return examples, f"grading corpus cases ({', '.join(e.name for e in examples)}); " + (
        "submitted/ has no students yet"
    )


def correct_example(examples: list[Example]) -> Example:
    """The example that looks complete and correct by its name, else the first."""
    for hint in CORRECT_HINTS:
        for example in examples:
            if hint in example.name.lower():
                return example
    return examples[0]


def copy_course(root: Path, dest: Path) -> Path:
    """``dest`` holding the course's config, source, release and data (no submissions)."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in COURSE_ITEMS:
        src = root / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=_IGNORE, dirs_exist_ok=True)
        elif src.exists():
            shutil.copy2(src, dest / item)
    return dest


def _vary(folder: Path, copy: int, example: str) -> None:
    """Append a markdown cell naming the copy to each readable notebook in ``folder``."""
    for path in folder.glob("*.ipynb"):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable example stays as it is
            continue
        cell = nbformat.v4.new_markdown_cell(
            f"*Benchmark copy {copy} of the example `{example}`.*", id=f"bench-copy-{copy}"
        )
        nb.cells.append(cell)
        nbformat.write(nb, path)


def add_submissions(course: Path, examples: list[Example], count: int) -> list[str]:
    """``count`` students cycling through ``examples``; returns their ids."""
    students = []
    for i in range(count):
        example = examples[i % len(examples)]
        student = f"b{i:02d}-{example.name}"
        target = paths.Course.at(course).submitted(student)
        shutil.copytree(example.folder, target, ignore=_IGNORE)
        _vary(target, i, example.name)
        students.append(student)
    return students


def environment(course: Path) -> dict[str, str]:
    """The environment for commands on the scratch course."""
    env = dict(os.environ)
    env["LAB3_COURSE_ROOT"] = str(course)
    env.pop("LAB3_DB_URL", None)  # the scratch course has its own SQLite gradebook
    env["MPLBACKEND"] = "Agg"
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


OUTPUTS = ("gradebook.db", "gradebook.db-journal", "autograded", "feedback", "reports")


CACHE = ".cache"  # autograded/.cache: the pipeline's template gradebook, kept by reset()


def reset(course: Path) -> None:
    """A fresh gradebook that knows the assignment, and no grading outputs (not timed).

    The pipeline's cache (``autograded/.cache``: the course bundle's template
    gradebook, keyed by the course's digest) is kept, as it is for every ``make
    grade`` after the first; :func:`warm_cache` fills it before the timed runs.
    """
    for name in OUTPUTS:
        path = course / name
        if name == "autograded" and path.is_dir():
            for child in path.iterdir():
                if child.name == CACHE:
                    continue
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    code = (
        "import sys; from pathlib import Path; from kmeans_em_lab.course import release; "
        "release.generate(Path(sys.argv[1]), use_db=True)"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(course)],
        cwd=course,
        env=environment(course),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def warm_cache(course: Path) -> float:
    """Build the course bundle once (its template gradebook is cached); the seconds it took."""
    code = (
        "import sys, time; from pathlib import Path; "
        "from kmeans_em_lab.pipeline.driver import course_bundle, settings; "
        "from kmeans_em_lab.pipeline.worker.config import skip_slow_optional_imports; "
        "skip_slow_optional_imports(); start = time.perf_counter(); "
        "course_bundle.build(settings.Settings(root=Path(sys.argv[1]))); "
        "print(time.perf_counter() - start)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(course)],
        cwd=course,
        env=environment(course),
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def tool(name: str) -> str:
    """An executable of the venv (``nbgrader``, ``jupyter``), else from PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)
