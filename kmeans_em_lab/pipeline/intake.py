"""What a student's submission folder holds, and what can be graded from it.

One notebook named ``lab3.ipynb``: graded. Exactly one other ``.ipynb`` (e.g.
``lab3 (1).ipynb``): graded as ``lab3.ipynb``, with a flag. Anything else, an
empty folder, no notebook, several candidates, a notebook that is not valid
JSON: nothing to run, the student gets 0 and a ``problem`` saying why.

Symbolic links are never followed: a link in a submission could point into
the course (the source notebook, the gradebook). A linked notebook or
submission folder is not graded; other links are left out, with a flag.

File names are the student's: a flag or problem quotes them through
:func:`shown`, so no control character (a terminal's escape sequence that
clears the screen or redraws the class table) reaches the instructor's
terminal, the CSV or the reports.
"""

from __future__ import annotations

import unicodedata
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


# control (C0, C1, DEL), format (e.g. right-to-left overrides), surrogate, private, unassigned,
# line and paragraph separators
UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def shown(name: str) -> str:
    """``name`` with every character of the :data:`UNPRINTABLE` categories written as an
    escape (``\\x1b``, ``\\u202e``): how a flag or problem quotes a student's file name."""
    return "".join(
        c if unicodedata.category(c) not in UNPRINTABLE else ascii(c)[1:-1] for c in name
    )


def _kept(path: Path, folder: Path) -> bool:
    return not any(part in IGNORED for part in path.relative_to(folder).parts)


def _files(folder: Path) -> list[Path]:
    """The regular files of ``folder`` (symbolic links and what lies behind them left out)."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and _kept(p, folder)
    )


def links(folder: Path) -> list[Path]:
    """The symbolic links in ``folder`` (rglob does not descend into linked folders)."""
    return sorted(p for p in folder.rglob("*") if p.is_symlink() and _kept(p, folder))


def inspect(student: str, folder: Path, notebook_name: str) -> Submission:
    """Classify ``folder`` (``submitted/<student>/<assignment>``)."""
    sub = Submission(student=student, folder=Path(folder))
    if sub.folder.is_symlink() or sub.folder.parent.is_symlink():
        sub.problem = "the submission folder is a symbolic link: not graded"
        return sub
    linked = links(sub.folder)
    if linked:
        names = ", ".join(shown(str(p.relative_to(sub.folder))) for p in linked[:5])
        sub.flags.append(f"symbolic links left out: {names}")
    files = _files(sub.folder)
    expected = sub.folder / notebook_name
    candidates = sorted(p for p in sub.folder.glob("*.ipynb") if p in files)
    if expected.is_symlink() and not candidates:
        sub.problem = f"{notebook_name} is a symbolic link, not a notebook: not graded"
        return sub
    if not files:
        sub.problem = "empty submission folder: nothing to grade"
        return sub
    if expected in files:
        sub.notebook = expected
    else:
        if len(candidates) == 1:
            sub.notebook = candidates[0]
            sub.flags.append(
                f"renamed notebook: graded '{shown(candidates[0].name)}' as {notebook_name}"
            )
        elif candidates:
            names = ", ".join(f"'{shown(p.name)}'" for p in candidates)
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
        sub.problem = (
            f"'{shown(sub.notebook.name)}' is not a readable notebook (invalid JSON?): "
            f"{shown(str(reason))}"
        )
        sub.notebook = None
    return sub
