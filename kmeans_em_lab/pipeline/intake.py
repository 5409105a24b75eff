"""What a student's submission folder holds, and what can be graded from it.

One notebook named ``lab3.ipynb``: graded. Exactly one other ``.ipynb`` (e.g.
``lab3 (1).ipynb``): graded as ``lab3.ipynb``, with a flag. Anything else, an
empty folder, no notebook, several candidates, a notebook that is not valid
JSON: nothing to run, the student gets 0 and a ``problem`` saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

IGNORED = {".ipynb_checkpoints", "__pycache__", ".DS_Store", "timestamp.txt"}


@dataclass
class Submission:
    student: str
    folder: Path
    notebook: Path | None = None  # the file to grade (graded as the assignment's notebook)
    problem: str | None = None  # why nothing can be graded; the student gets 0
    flags: list[str] = field(default_factory=list)


def discover(submitted: Path, assignment: str, only: list[str] | None = None) -> list[str]:
    """Students with a ``submitted/<student>/<assignment>/`` folder, sorted.

    With ``only``, those students (an unknown one raises ``KeyError``).
    """
    found = sorted(
        p.parent.name
        for p in Path(submitted).glob(f"*/{assignment}")
        if p.is_dir() and not p.parent.name.startswith(".")
    )
    if only is None:
        return found
    missing = [s for s in only if s not in found]
    if missing:
        raise KeyError(
            f"no submission folder for {', '.join(missing)} "
            f"(looked for {Path(submitted)}/<student>/{assignment}/)"
        )
    return list(dict.fromkeys(only))


def _files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part in IGNORED for part in p.relative_to(folder).parts)
    )


def inspect(student: str, folder: Path, notebook_name: str) -> Submission:
    """Classify ``folder`` (``submitted/<student>/<assignment>``)."""
    sub = Submission(student=student, folder=Path(folder))
    files = _files(sub.folder)
    if not files:
        sub.problem = "empty submission folder: nothing to grade"
        return sub
    expected = sub.folder / notebook_name
    if expected.is_file():
        sub.notebook = expected
    else:
        candidates = sorted(p for p in sub.folder.glob("*.ipynb") if p.is_file())
        if len(candidates) == 1:
            sub.notebook = candidates[0]
            sub.flags.append(f"renamed notebook: graded '{candidates[0].name}' as {notebook_name}")
        elif candidates:
            names = ", ".join(f"'{p.name}'" for p in candidates)
            sub.problem = (
                f"no {notebook_name} but {len(candidates)} notebooks ({names}): "
                "cannot tell which one to grade"
            )
            return sub
        else:
            names = ", ".join(str(p.relative_to(sub.folder)) for p in files[:5])
            sub.problem = f"no notebook: {notebook_name} is missing (found {names})"
            return sub
    try:
        nbformat.read(sub.notebook, as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable file is the same problem
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        sub.problem = f"'{sub.notebook.name}' is not a readable notebook (invalid JSON?): {reason}"
        sub.notebook = None
    return sub
