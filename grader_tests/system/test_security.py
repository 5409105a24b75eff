"""The security corpus: hostile submissions, graded end to end, change nothing but their score.

Every case in ``security/cases/`` is a submission written like the validity corpus's
(:mod:`kmeans_em_lab.course.submissions`, ``# Expect:`` / ``# Why:`` headers), plus two keys
only this test reads, for what the case format cannot express:

- ``# Symlink: <path in the submission> -> <target>``: the test replaces (or adds)
  that path by a real symbolic link; ``{course}`` is the scratch course, ``{repo}``
  this repository;
- ``# Move: <cell id> ... after <cell id>``: the test moves those cells of the
  assembled notebook (a student may reorder cells; nbgrader keeps their order);
- ``# Rename: <file name>``: the notebook is saved under that name instead of the
  assignment's (before the other keys are applied, so a ``# Files:`` folder may take
  the assignment's name);
- ``# Markdown: <line>``: the case's Markdown lines, one paragraph each, make one
  markdown cell appended to the notebook (a cell a student adds);
- ``# Attachment: <name> <n>``: that markdown cell has an attachment ``<name>``, an
  ``image/png`` of ``n`` base64 characters (the format has no other way to say one);
- ``# Code repeated <n> times in <cell id>: <line>``: the line, n times over, appended to
  that cell of the assembled notebook (megabytes of code a case file cannot hold).

The attackers' names start with ``attack_``, the honest victims' with ``victim_``, so
the victims are graded after every attacker. The whole corpus is written as the
``submitted/`` folder of a scratch copy of the course (:func:`test_corpus.build_course`)
and graded twice with the sandbox on (:func:`test_corpus.grade_course`: fresh, then
``--force``), with a canary secret in the grader's environment, a TCP and a UNIX socket
listening, and a watcher for files and memory. Then, for both runs:

- every graded cell has exactly its points: 0 for the cells ``security/expected.json``
  lists as failing, the notebook's points for the others (an attacker loses exactly
  what its honest equivalent loses), and the two runs agree;
- the batch ended with exit status 0 and every student has a finished grading;
- no file changed, appeared or vanished in the scratch course (outside what the grader
  writes), in this repository's ``kmeans_em_lab/`` and ``lab3_kernel/``, in the venv's
  ``site-packages`` and ``bin`` (stat fingerprint), and no attack file appeared in /tmp;
- the gradebook holds only what the grader wrote (no manual score, extra credit, extra
  student, trigger or view);
- no secret (solution markers, hidden checks' names and code, the reference
  implementation, the canary, the course's path, another student's name) is in any
  autograded notebook or feedback file;
- nothing connected to the test's sockets; no attack process is left;
- the sandbox's limits held against the fork, memory and disk bombs (what they report).

The planted code of ``attack_package_files`` is inert outside this test's scratch course
(it checks ``LAB3_COURSE_ROOT``) and the fixture removes any of it it finds, so even a
run without the sandbox leaves the repository as it was. ``corpus/security/README.md`` has
the table of cases (generated: :mod:`kmeans_em_lab.course.corpus`).
"""

from __future__ import annotations

import contextlib
import csv
import glob
import hashlib
import html
import io
import json
import os
import re
import secrets as random_secrets
import shutil
import signal
import site
import socket
import sqlite3
import stat
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest
import test_corpus
from test_corpus import build_course, check_why, grade_course, per_function

from kmeans_em_lab.course import corpus, paths, points, submissions

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = corpus.Corpus.at("security")
CASES_DIR = CORPUS.cases_dir
VICTIMS = {"victim_solution": "solution", "victim_bug_update_nan_empty": "bug_update_nan_empty"}

COURSE_NAME = "lab3-security-course"  # the planted code is inert unless the course path says this
ATTACK_TAG = "lab3-security-attack"  # what attack_package_files' planted code is marked with
FILE_MARK = "lab3-security-"  # the name of every file an attack writes
PROCESS_MARKS = ("lab3-security-daemon", "lab3-security-forkbomb")
GRADER_WRITES = ("autograded", "feedback", "reports")  # top-level folders of the grader's outputs
TASK_LIMIT, ADDRESS_SPACE_MIB, FILE_SIZE_MIB, TMP_MIB = 64, 4096, 256, 256  # the sandbox's

_SYMLINK = re.compile(r"^#\s*Symlink:\s*(\S+)\s*->\s*(\S+)\s*$", re.M)
_MOVE = re.compile(r"^#\s*Move:\s*(.+?)\s+after\s+(\S+)\s*$", re.M)
_FIFO = re.compile(r"^#\s*Fifo:\s*(\S+)\s*$", re.M)
_FILES = re.compile(r"^#\s*Files:\s*(\d+)\s+in\s+(\S+)\s*$", re.M)
_FILE = re.compile(r"^#\s*File:\s*(\S+)\s*$", re.M)
_CELLS = re.compile(r"^#\s*Cells:\s*(\d+)\s*$", re.M)
_RENAME = re.compile(r"^#\s*Rename:\s*(\S+)\s*$", re.M)
_MARKDOWN = re.compile(r"^#\s*Markdown(?: repeated (\d+) times)?:\s?(.*)$", re.M)
_ATTACHMENT = re.compile(r"^#\s*Attachment:\s*(\S+)\s+(\d+)\s*$", re.M)
_CODE = re.compile(r"^#\s*Code repeated (\d+) times in (\S+):\s?(.*)$", re.M)


# -- the corpus ------------------------------------------------------------------------------


def load_cases() -> dict[str, submissions.Case]:
    return CORPUS.cases()


def load_failing() -> dict[str, list[str]]:
    """case -> the graded cells it fails (grade ids, in notebook order)."""
    return CORPUS.failing()


def load_expected() -> dict[str, dict[str, float]]:
    """case -> graded cell -> points (the notebook's, 0 for the cells it fails)."""
    return CORPUS.expected()


CASE_NAMES = CORPUS.names()


def case_links(name: str) -> list[tuple[str, str]]:
    """The ``# Symlink:`` lines of a case: (path in the submission, target template)."""
    return _SYMLINK.findall((CASES_DIR / f"{name}.py").read_text())


def case_moves(name: str) -> list[tuple[list[str], str]]:
    """The ``# Move:`` lines of a case: (cell ids, the cell they go after)."""
    text = (CASES_DIR / f"{name}.py").read_text()
    return [(ids.replace(",", " ").split(), after) for ids, after in _MOVE.findall(text)]


def case_extras(name: str) -> tuple[list[str], list[tuple[int, str]], int]:
    """The ``# Fifo:``, ``# Files: <n> in <folder>`` and ``# Cells: <n>`` lines of a case:
    FIFOs to make, small files to add (in a folder that replaces a file of that name),
    empty markdown cells to append to the notebook."""
    text = (CASES_DIR / f"{name}.py").read_text()
    files = [(int(n), folder) for n, folder in _FILES.findall(text)]
    return _FIFO.findall(text), files, sum(int(n) for n in _CELLS.findall(text))


def case_files(name: str) -> list[str]:
    """The ``# File: <path>`` lines of a case: one-byte files, each replacing what is there
    (a folder of the release's); ``\\n``, ``\\xNN``, ``\\uNNNN`` in a path are the
    characters they name (a space is ``\\x20``)."""
    found = _FILE.findall((CASES_DIR / f"{name}.py").read_text())
    return [path.encode("ascii").decode("unicode_escape") for path in found]


def case_markdown(name: str) -> str:
    """The markdown cell a case adds: its ``# Markdown:`` lines as paragraphs, a
    ``# Markdown repeated <n> times: <text>`` line as its text n times over ('' for none)."""
    found = _MARKDOWN.findall((CASES_DIR / f"{name}.py").read_text())
    return "\n\n".join(text * int(times or 1) for times, text in found)


def case_attachments(name: str) -> dict[str, dict[str, str]]:
    """The ``# Attachment: <name> <n>`` lines of a case: the added markdown cell's
    attachments (``n`` base64 characters of ``image/png`` each)."""
    found = _ATTACHMENT.findall((CASES_DIR / f"{name}.py").read_text())
    return {key: {"image/png": "A" * int(n)} for key, n in found}


def case_code(name: str) -> list[tuple[str, str]]:
    """The ``# Code repeated <n> times in <cell id>: <line>`` lines of a case: (cell id,
    the code appended to it)."""
    found = _CODE.findall((CASES_DIR / f"{name}.py").read_text())
    return [(cell, "\n" + (line + "\n") * int(n)) for n, cell, line in found]


def case_notebook(name: str) -> str:
    """The file name the case's notebook is saved under (``# Rename:``, else the assignment's)."""
    found = _RENAME.findall((CASES_DIR / f"{name}.py").read_text())
    return found[-1] if found else paths.NOTEBOOK


def security_config(root: Path) -> str:
    """Appended to the scratch course's config: its own SQLite gradebook, whatever the
    environment says (the test puts a canary LAB3_DB_URL in the environment)."""
    url = f"sqlite:///{root / 'gradebook.db'}?timeout=120"
    return (
        "\n# --- security corpus (grader_tests/system/test_security.py): the gradebook is this "
        "course's, whatever LAB3_DB_URL says ---\n"
        f"c.CourseDirectory.db_url = {url!r}\n"
    )


# An instructor's script of the source notebook, made beside it after the release (as
# `jupyter nbconvert --to script` does): solutions and hidden tests that no kernel may see
INSTRUCTOR_SCRIPT = "lab3.txt"


def build_security_course(root: Path, cases: dict[str, submissions.Case]) -> Path:
    """The corpus course (:func:`test_corpus.build_course`) with the cases' links and moves,
    its release recorded in its gradebook, and then :data:`INSTRUCTOR_SCRIPT` written
    beside the source notebook (nbgrader's autograde copies such files beside every
    submission: the course bundle must leave it out)."""
    from kmeans_em_lab.course import release

    root = build_course(root, cases).resolve()
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(security_config(root))
    release.generate(root, use_db=True)  # current: grading does not generate it again
    source = root / "source" / paths.ASSIGNMENT
    cells = nbformat.read(source / paths.NOTEBOOK, as_version=4).cells
    (source / INSTRUCTOR_SCRIPT).write_text("\n\n".join(c.source for c in cells))
    for name in cases:
        folder = root / "submitted" / name / paths.ASSIGNMENT
        notebook = folder / case_notebook(name)
        if notebook.name != paths.NOTEBOOK:
            (folder / paths.NOTEBOOK).rename(notebook)
        for relative, target in case_links(name):
            link = folder / relative
            if link.is_dir() and not link.is_symlink():
                shutil.rmtree(link)
            elif link.exists() or link.is_symlink():
                link.unlink()
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target.format(course=root, repo=REPO))
        fifos, many, cells = case_extras(name)
        for relative in fifos:
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(folder / relative)
        for count, relative in many:
            if (folder / relative).is_file():  # a folder where the release has a file
                (folder / relative).unlink()
            (folder / relative).mkdir(parents=True, exist_ok=True)
            for n in range(count):
                (folder / relative / f"f{n}.txt").write_bytes(b"x")
        for relative in case_files(name):
            if (folder / relative).is_dir():
                shutil.rmtree(folder / relative)
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(b"x")
        if cells or case_markdown(name) or case_code(name):
            nb = nbformat.read(notebook, as_version=4)
            nb.cells += [nbformat.v4.new_markdown_cell("") for _ in range(cells)]
            if case_markdown(name):
                nb.cells.append(nbformat.v4.new_markdown_cell(case_markdown(name)))
                if case_attachments(name):
                    nb.cells[-1]["attachments"] = case_attachments(name)
            for cell_id, code in case_code(name):
                (cell,) = [c for c in nb.cells if c.id == cell_id]
                cell.source += code
            nbformat.write(nb, notebook)
        moves = case_moves(name)
        if moves:
            nb = nbformat.read(notebook, as_version=4)
            for ids, after in moves:
                moved = [c for i in ids for c in nb.cells if c.id == i]
                assert len(moved) == len(ids), f"{name}: no cell {ids} to move"
                nb.cells = [c for c in nb.cells if c.id not in ids]
                at = next(n for n, c in enumerate(nb.cells) if c.id == after) + 1
                nb.cells[at:at] = moved
            nbformat.write(nb, notebook)
    return root


# -- fingerprints of what must not change ------------------------------------------------------


def tree_hashes(root: Path, skip=lambda rel: False) -> dict[str, str]:
    """relative path -> sha256 of every file (a link: its target; a folder: 'dir'), but for
    the paths ``skip`` rejects (and what is under them) and ``__pycache__`` folders."""
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root)
        dirs[:] = [d for d in dirs if d != "__pycache__" and not skip(rel_folder / d)]
        for name in dirs + files:
            rel, path = rel_folder / name, Path(folder, name)
            if skip(rel):
                continue
            if path.is_symlink():
                out[str(rel)] = "link:" + os.readlink(path)
            elif path.is_dir():
                out[str(rel)] = "dir"
            elif not stat.S_ISREG(path.lstat().st_mode):  # a FIFO, a device: never opened
                out[str(rel)] = f"special:{stat.S_IFMT(path.lstat().st_mode):o}"
            else:
                try:
                    out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError as err:
                    out[str(rel)] = f"unreadable: {err}"
    return out


def _grader_writes(rel: Path) -> bool:
    """What the grader itself writes in the course: its outputs and the gradebook."""
    return rel.parts[0] in GRADER_WRITES or (
        len(rel.parts) == 1 and rel.name.startswith(("gradebook.db", ".lab3-secret"))
    )


def course_hashes(root: Path) -> dict[str, str]:
    """The scratch course, but for what the grader itself writes."""
    return tree_hashes(root, skip=_grader_writes)


def venv_folders() -> list[Path]:
    sites = {Path(p) for p in site.getsitepackages([sys.prefix]) if Path(p).is_dir()}
    return sorted(sites) + [Path(sys.prefix) / "bin"]


def stat_fingerprint(folders) -> dict[str, tuple]:
    """path -> (size, mtime_ns, mode) of every file and folder (no __pycache__): cheap."""
    out = {}
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in dirs + files:
                path = os.path.join(folder, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                out[path] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return out


def repo_fingerprint() -> dict[str, str]:
    return {
        f"{package}/{rel}": digest
        for package in ("kmeans_em_lab", "lab3_kernel")
        for rel, digest in tree_hashes(REPO / package).items()
    }


def differences(before: dict, after: dict) -> list[str]:
    changed = [
        f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]
    ]
    added = [f"added {p}" for p in sorted(after.keys() - before.keys())]
    removed = [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    return changed + added + removed


_PLANTED_BLOCK = re.compile(rf"\n?# >>> {ATTACK_TAG} >>>\n.*?# <<< {ATTACK_TAG} <<<\n", re.S)


def remove_planted_code(files) -> list[str]:
    """Take out of ``files`` whatever attack_package_files planted (only if the sandbox
    failed): its marked blocks and lines, and the files it created. Returns what it cleaned."""
    cleaned = []
    for path in map(Path, files):
        if not path.name.endswith((".py", ".pth")) or path.is_symlink() or not path.is_file():
            continue
        if path.name.startswith("lab3_security_attack"):
            path.unlink()
            cleaned.append(str(path))
            continue
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue
        if ATTACK_TAG not in text:
            continue
        new = _PLANTED_BLOCK.sub("", text)
        new = "".join(line for line in new.splitlines(True) if ATTACK_TAG not in line)
        if path.name == "sitecustomize.py" and not new.strip():
            path.unlink()
        else:
            path.write_text(new)
        cleaned.append(str(path))
    return cleaned


# -- secrets ---------------------------------------------------------------------------------


def _code_lines(text: str) -> set[str]:
    """Lines of code long and specific enough that printing them means reading the file."""
    out = set()
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 40 and not line.startswith(("#", '"', "'", 'f"', "f'", ")", "]")):
            out.add(line)
    return out


def secrets(course: Path, canary: str, students) -> dict[str, str]:
    """text -> what it is, for every text that must never reach a student's outputs."""
    out = {
        "### BEGIN SOLUTION": "the source notebook's solution marker",
        "### END SOLUTION": "the source notebook's solution marker",
        canary: "the canary secret from the grader's environment",
        str(course): "the scratch course's path",
    }
    grader_code = sorted((REPO / "kmeans_em_lab" / "checks").glob("*.py"))
    reference = [
        REPO / "kmeans_em_lab" / "reference" / f"{n}.py" for n in ("kmeans", "em", "contract")
    ]
    visible = "\n".join(  # what the student has or the kernel may see anyway
        [p.read_text() for p in (REPO / "lab3_kernel").glob("*.py")]
        + [
            cell.source
            for folder in ("release", "source")
            for cell in nbformat.read(course / folder / "lab3" / "lab3.ipynb", 4).cells
        ]
    )
    for path in grader_code + reference:
        what = (
            f"the hidden checks' code (kmeans_em_lab/checks/{path.name})"
            if path in grader_code
            else f"the reference implementation (kmeans_em_lab/{path.name})"
        )
        text = path.read_text()
        for name in re.findall(r"^\s*def (check_\w+)\(", text, re.M):
            if name not in visible:
                out[name] = f"a hidden check's name ({what})"
        if path in reference:  # what bytecode or a disassembly of the reference would name
            for name in re.findall(r"^def (\w{8,})\(", text, re.M):
                if name not in visible:
                    out[name] = f"a reference function's name ({what})"
        for line in _code_lines(text):
            if line not in visible:
                out[line] = what
    for student in students:
        out.setdefault(student, f"the name of student {student}")
    return out


def output_texts(course: Path, student: str) -> dict[str, str]:
    """The student's autograded notebook and feedback, as text to search."""
    out = {}
    notebook = course / "autograded" / student / "lab3" / "lab3.ipynb"
    if notebook.exists():
        out[str(notebook.relative_to(course))] = notebook.read_text(errors="replace")
        try:
            nb = nbformat.read(notebook, as_version=4)
            parts = []
            for cell in nb.cells:
                parts.append(cell.source)
                for output in cell.get("outputs", []):
                    parts.append(json.dumps(output, ensure_ascii=False))
                    parts.append(str(output.get("text", "")))
                    parts += [str(v) for v in output.get("data", {}).values()]
                    parts += [str(output.get("evalue", ""))] + list(output.get("traceback", []))
            out[str(notebook.relative_to(course)) + " (decoded)"] = "\n".join(parts)
        except Exception as err:  # noqa: BLE001 - an unreadable notebook is searched as text
            out[str(notebook.relative_to(course)) + " (unreadable)"] = str(err)
    for path in sorted((course / "feedback" / student).rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            out[str(path.relative_to(course))] = html.unescape(text)
            out[str(path.relative_to(course)) + " (no tags)"] = html.unescape(
                re.sub(r"<[^>]+>", "", text)
            )
    return out


def page_problems(course: Path, student: str) -> list[str]:
    """What in the student's feedback page could run or restyle it: a script or a style
    holding an attacker's marker, an event handler, a ``javascript:`` link, an embedded
    frame, a source outside the page; and a page without the grader's summary."""
    from bs4 import BeautifulSoup

    from kmeans_em_lab.pipeline.pages.feedback import START

    found = []
    for page in sorted((course / "feedback" / student).rglob("*.html")):
        text = page.read_text(errors="replace")
        soup = BeautifulSoup(text, "html.parser")
        for tag in soup.find_all(["script", "style"]):
            if "ATTACK" in tag.get_text():
                found.append(f"{page.name}: <{tag.name}> {tag.get_text()[:80]!r}")
        for tag in soup.find_all(True):
            handlers = [name for name in tag.attrs if name.lower().startswith("on")]
            found += [f"{page.name}: <{tag.name} {name}=...>" for name in handlers]
            for name in ("href", "src"):
                if str(tag.get(name, "")).strip().lower().startswith("javascript:"):
                    found.append(f"{page.name}: <{tag.name} {name}={tag[name][:60]!r}>")
            source = str(tag.get("src", "")).strip().lower()
            if source.startswith(("http:", "https:", "//", "ftp:", "file:")):
                found.append(f"{page.name}: <{tag.name} src={tag['src'][:60]!r}> (a request)")
        found += [f"{page.name}: <{t.name}>" for t in soup.find_all(["iframe", "object", "embed"])]
        if START not in text:
            found.append(f"{page.name}: no summary")
    return found + verdict_problems(course, student)


def verdict_problems(course: Path, student: str) -> list[str]:
    """The grader's verdicts in the student's autograded notebook (the error outputs of its
    graded cells, which the feedback page and the formgrader show) holding a control or
    format character of the student's: a colour would restyle or hide the grader's words
    on the page, a right-to-left override reverse them. A verdict line that starts with the
    student's words (marked ``FORGED`` by the cases that try): it would read as the
    grader's. And a quoted output of a graded cell holding a terminal escape: coloured
    red, it could pass for the verdict."""
    from kmeans_em_lab.pipeline.shared.causes import graded_code_cell
    from kmeans_em_lab.pipeline.shared.untrusted_text import for_log
    from kmeans_em_lab.pipeline.worker.score_from_verdicts import VERDICT_PREFIX

    notebook = course / "autograded" / student / paths.ASSIGNMENT / paths.NOTEBOOK
    if not notebook.exists():
        return []
    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []) if graded_code_cell(cell) else []:
            if output.get("output_type") != "error":
                quoted = str((output.get("data") or {}).get("text/plain", ""))
                if "\x1b" in quoted:
                    found.append(f"{notebook.name}: a quoted output holds {quoted[:80]!r}")
                continue
            words = [output.get("evalue", "")] + [
                line.removeprefix(VERDICT_PREFIX) for line in output.get("traceback", [])
            ]
            raw = [w for w in words if for_log(w) != w]
            found += [f"{notebook.name}: a verdict holds raw {for_log(w)[:80]!r}" for w in raw]
            forged = [line for w in words for line in w.splitlines() if _starts_forged(line)]
            found += [f"{notebook.name}: a verdict line is the student's: {f[:80]!r}"
                      for f in forged]  # fmt: skip
    return found


# words an attacker marks FORGED after a tab, a run of spaces or of characters drawn blank:
# the page's lines would break there, and the words start a line of their own
_BLANKS = "\u2800\u3164\u115f\u1160\uffa0\u17b4\u17b5"
_PUSHED_FORGED = re.compile(f"(\t| {{4,}}|[{_BLANKS}]{{3,}})[-\\s]*FORGED")


def _starts_forged(line: str) -> bool:
    """A line of a verdict an attacker wrote: its words start where a line of the grader's
    starts (a case marks them ``FORGED``), or would once the page wraps the line."""
    return bool(
        line.lstrip().removeprefix("-").lstrip().startswith("FORGED") or _PUSHED_FORGED.search(line)
    )


def attack_lines(course: Path, student: str) -> str:
    """The 'ATTACK ...' lines an attacker printed (what it reports getting)."""
    notebook = course / "autograded" / student / "lab3" / "lab3.ipynb"
    if not notebook.exists():
        return ""
    lines = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            lines += [line for line in str(text).splitlines() if line.startswith("ATTACK ")]
    return "\n".join(lines)


# -- what runs beside the grading --------------------------------------------------------------


class Listener:
    """A TCP socket on 127.0.0.1 and a UNIX socket in /tmp, listening; nobody may connect."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lab3-sectest-", dir="/tmp"))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(128)
        self.port = self.tcp.getsockname()[1]
        self.unix_path = str(self.folder / "grader.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen(128)
        for s in (self.tcp, self.unix):
            s.setblocking(False)

    def connections(self) -> list[str]:
        """The connections made so far (taken from the queue)."""
        seen = []
        for name, s in (("tcp", self.tcp), ("unix", self.unix)):
            while True:
                try:
                    conn, address = s.accept()
                except (BlockingIOError, OSError):
                    break
                seen.append(f"{name} {address!r}")
                conn.close()
        return seen

    def close(self):
        self.tcp.close()
        self.unix.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class Watcher(threading.Thread):
    """Every half second: attack files in /tmp, and the peak memory of the test's descendants."""

    PATTERNS = [f"/tmp/{'*/' * depth}{FILE_MARK}*" for depth in range(4)]
    # a kernel's own places, made for it and removed with it: its scratch copy (its cwd), its
    # mailbox (the outbox is writable by design) and its socket folder in its worker's folder
    OWN = re.compile(r"^/tmp/(lab3-kernel-[^/]+|lab3-mail-[^/]+|lab3-w-[^/]+/k[^/]+)/")
    # another pytest run's scratch course (this test run beside another one): its own
    # watcher's business, and its name starts with the mark
    OTHER_RUN = re.compile(rf"^/tmp/pytest-of-[^/]+/pytest-\d+/{COURSE_NAME}\d*(/|$)")

    def __init__(self, course: Path):
        super().__init__(daemon=True)
        self.course = str(course)
        self.files: dict[str, float] = {}
        self.peak_rss: dict[str, int] = {}
        self.stop = threading.Event()
        self.started = time.time()

    def run(self):
        me = psutil.Process()
        while not self.stop.wait(0.5):
            for pattern in self.PATTERNS:
                for path in glob.glob(pattern):
                    real = os.path.realpath(path)
                    if self.OWN.match(path) and not private_to_the_grader(path):
                        # a kernel's own place, where another user of the machine reaches
                        # what it wrote (a setuid program of the grader's user)
                        self.files.setdefault(f"{path} (reachable by other users)", time.time())
                        continue
                    if self.OWN.match(path) or real == self.course:
                        continue  # (the course itself, or pytest's link to it)
                    if self.OTHER_RUN.match(real) and not real.startswith(self.course + "/"):
                        continue
                    if real.startswith(self.course + "/autograded/"):
                        continue  # the grader's outputs (hashed apart)
                    try:
                        if os.lstat(path).st_mtime < self.started:
                            continue  # older than this test (another run's leftover)
                    except OSError:
                        pass  # gone already: it was there
                    self.files.setdefault(path, time.time())
            try:
                children = me.children(recursive=True)
            except psutil.Error:
                continue
            for child in children:
                try:
                    cmd = " ".join(child.cmdline())
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                kind = "kernel" if "ipykernel" in cmd else "worker" if "spawn" in cmd else "other"
                key = f"{kind} {child.pid}"
                self.peak_rss[key] = max(self.peak_rss.get(key, 0), rss)


def private_to_the_grader(path: str) -> bool:
    """Whether ``path``, under a folder of /tmp, is out of other users' reach: that folder
    is the grader's and opens to no one else (what is below it the kernel may open)."""
    top = "/".join(path.split("/")[:3])  # /tmp/<folder>
    try:
        info = os.lstat(top)
    except OSError:
        return True  # gone
    return info.st_uid == os.geteuid() and info.st_mode & 0o077 == 0


def attack_processes(course: Path) -> list[psutil.Process]:
    """Processes an attack left: named by it, or still in (or naming) the scratch course."""
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid == me:
            continue
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            cwd = proc.cwd()
        except psutil.Error:
            continue
        if any(m in cmd for m in PROCESS_MARKS) or cwd.startswith(str(course)):
            found.append(proc)
    return found


def kill(processes: list[psutil.Process]) -> None:
    """SIGKILL these processes (started by this test's attackers), by pid."""
    for proc in processes:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass


# -- one grading run and what it left -------------------------------------------------------------


@dataclass
class Run:
    scores: dict = field(default_factory=dict)  # student -> graded cell -> points
    stamps: dict = field(default_factory=dict)  # student -> status
    secrets_found: list = field(default_factory=list)
    attack_reports: dict = field(default_factory=dict)  # student -> its ATTACK lines
    page_problems: dict = field(default_factory=dict)  # student -> what could run on its page
    leftovers: list = field(default_factory=list)  # processes left by attacks
    children: list = field(default_factory=list)  # the test's own descendants still alive
    connections: list = field(default_factory=list)
    output_sizes: dict = field(default_factory=dict)  # output file -> bytes
    failure: str = ""  # why the pipeline did not exit with status 0
    terminal: str = ""  # what the grader printed (stdout and stderr)
    flags: dict = field(default_factory=dict)  # student -> the flags of its stamp
    csv_rows: list = field(default_factory=list)  # reports/grades.csv, as rows of cells


@dataclass
class Graded:
    course: Path
    runs: list
    course_changes: list
    repo_changes: list
    venv_changes: list
    tmp_files: dict
    gradebook: dict
    peak_rss: dict
    cleaned: list
    seconds: float


def _observe(course: Path, scores: dict, listener: Listener, secret_texts: dict) -> Run:
    from kmeans_em_lab.pipeline.driver import stamps

    run = Run(scores=scores)
    students = sorted(p.name for p in (course / "submitted").iterdir())
    for student in students:
        stamp = stamps.read(course, paths.ASSIGNMENT, student) or {}
        run.stamps[student] = stamp.get("status", "no stamp")
        run.flags[student] = list(stamp.get("flags") or [])
        texts = output_texts(course, student)
        found: dict[str, list[str]] = {}  # what -> the secrets of that kind found
        for where, text in texts.items():
            if " (" not in where:
                run.output_sizes[where] = len(text)
            for secret, what in secret_texts.items():
                if secret != student and secret in text and secret[:60] not in found.get(what, []):
                    found.setdefault(what, []).append(secret[:60])
        run.secrets_found += [
            f"{student}: {what}: {', '.join(map(repr, s[:3]))}"
            + (f" and {len(s) - 3} more" if len(s) > 3 else "")
            for what, s in found.items()
        ]
        run.attack_reports[student] = attack_lines(course, student)
        run.page_problems[student] = page_problems(course, student)
    time.sleep(1)  # a daemon's last write, a dying sandbox's last task
    run.leftovers = [f"{p.pid}: {' '.join(p.cmdline())[:200]}" for p in attack_processes(course)]
    kill(attack_processes(course))
    me = psutil.Process()
    run.children = [
        f"{c.pid}: {' '.join(c.cmdline())[:200]}"
        for c in me.children(recursive=True)
        # multiprocessing's helpers of this test process, which ran the grader in-process
        # (they end with it): the resource tracker, and the fork server the local workers
        # are forked from
        if not any(helper in " ".join(c.cmdline()) for helper in ("resource_tracker", "forkserver"))
    ]
    run.connections = listener.connections()
    with open(course / "reports" / "grades.csv", newline="", encoding="utf-8") as fh:
        run.csv_rows = list(csv.reader(fh))
    return run


def _gradebook_contents(course: Path) -> dict:
    con = sqlite3.connect(f"file:{course / 'gradebook.db'}?mode=ro", uri=True)
    try:
        return {
            "students": sorted(r[0] for r in con.execute("SELECT id FROM student")),
            "manual": con.execute(
                "SELECT count(*) FROM grade WHERE manual_score IS NOT NULL "
                "OR (extra_credit IS NOT NULL AND extra_credit != 0)"
            ).fetchone()[0],
            "schema": sorted(
                (kind, name)
                for kind, name in con.execute("SELECT type, name FROM sqlite_master")
                if kind in ("trigger", "view")
            ),
            "tables": sorted(
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ),
        }
    finally:
        con.close()


def _grade(course: Path, force: bool) -> tuple[dict, str, str]:
    """(student -> graded cell -> points, '' or why the pipeline failed, what it printed)."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            return grade_course(course, force=force, fixed_inputs=False), "", printed.getvalue()
    except AssertionError as failure:  # the exit status: the gradebook is still looked at
        from kmeans_em_lab.pipeline.shared import scores
        from kmeans_em_lab.pipeline.shared.course_config import gradebook_of, load_course_config

        config = load_course_config(course)
        table = scores.class_scores(gradebook_of(config, paths.ASSIGNMENT))
        got = {s: {g: p for g, (p, _) in row.grades.items()} for s, row in table.items()}
        return got, str(failure), printed.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    """The security corpus graded fresh, then with --force, sandboxed, under observation."""
    started = time.monotonic()
    cases = load_cases()
    course = build_security_course(tmp_path_factory.mktemp(COURSE_NAME), cases)
    canary = f"CANARY-SECRET-{random_secrets.token_hex(12)}"
    listener = Listener()
    secret_texts = secrets(course, canary, list(cases))
    course_before, repo_before = course_hashes(course), repo_fingerprint()
    venv_before = stat_fingerprint(venv_folders())
    watcher = Watcher(course)
    watcher.start()
    saved = {k: os.environ.get(k) for k in ("LAB3_DB_URL", "LAB3_SECURITY_CANARY")}
    os.environ["LAB3_DB_URL"] = f"postgresql://grader:{canary}@127.0.0.1:{listener.port}/lab3"
    os.environ["LAB3_SECURITY_CANARY"] = canary
    runs = []
    try:
        for force in (False, True):
            scores, failure, printed = _grade(course, force)
            runs.append(_observe(course, scores, listener, secret_texts))
            runs[-1].failure, runs[-1].terminal = failure, printed
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        watcher.stop.set()
        watcher.join()
        kill(attack_processes(course))
        listener.close()
        repo_after = repo_fingerprint()
        venv_after = stat_fingerprint(venv_folders())
        suspects = [p for p, v in venv_after.items() if venv_before.get(p) != v]
        suspects += [
            str(p) for d in ("kmeans_em_lab", "lab3_kernel") for p in (REPO / d).rglob("*")
        ]
        cleaned = remove_planted_code(suspects)
    return Graded(
        course=course,
        runs=runs,
        course_changes=differences(course_before, course_hashes(course)),
        repo_changes=differences(repo_before, repo_after),
        venv_changes=differences(venv_before, venv_after),
        tmp_files=watcher.files,
        gradebook=_gradebook_contents(course),
        peak_rss=watcher.peak_rss,
        cleaned=cleaned,
        seconds=time.monotonic() - started,
    )


# -- the verdicts ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_scores_exactly_the_expected_points(graded, case):
    expected = load_expected()[case]
    for n, run in enumerate(graded.runs, 1):
        got = run.scores.get(case)
        assert got == expected, (
            f"{case}, run {n}: per function {got and per_function(got)}, "
            f"not {per_function(expected)}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("case", CASE_NAMES)
def test_case_scores_the_same_when_graded_again(graded, case):
    first, second = graded.runs
    assert second.scores.get(case) == first.scores.get(case)


@pytest.mark.slow
def test_victims_score_what_the_validity_corpus_says(graded):
    """The victims are copies of validity-corpus cases: after the attackers, same points."""
    corpus = test_corpus.load_expected()
    for victim, original in VICTIMS.items():
        for run in graded.runs:
            assert run.scores[victim] == corpus[original], victim


@pytest.mark.slow
def test_every_student_was_graded_in_both_runs(graded):
    """Exit status 0, and every student's grading finished (none failed)."""
    for n, run in enumerate(graded.runs, 1):
        assert not run.failure, f"run {n}: {run.failure}"
        assert sorted(run.scores) == CASE_NAMES, f"run {n}: the gradebook's students"
        unfinished = {s: st for s, st in run.stamps.items() if st not in ("graded", "zero")}
        assert not unfinished, f"run {n}: not graded: {unfinished}"


@pytest.mark.slow
def test_the_similarity_report_is_made_in_both_runs(graded):
    """Whatever the cells hold (code slow to normalise, odd syntax), the class's similarity
    report is written: its process has a time limit, past which no one gets one."""
    assert (graded.course / "reports" / "similarity.html").is_file()
    for n, run in enumerate(graded.runs, 1):
        assert "graded students compared" in run.terminal, f"run {n}: no similarity report"
        assert "report could not be made" not in run.terminal, f"run {n}"


# cases whose notebook raises, prints or publishes what the grader's own flags look like; none
# of it is an event the grader observed, so they have no flag
NO_FLAGS = ("attack_forged_flags", "attack_score_displayhook", "attack_score_hooks")
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def raw_controls(text: str, allowed: str = "\n") -> list[str]:
    """The control and format characters (escapes, bidi overrides) of ``text``, but ``allowed``."""
    return sorted({
        repr(c) for c in text
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c not in allowed
    })  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("case", NO_FLAGS)
def test_no_flag_comes_from_what_a_notebook_printed_or_raised(graded, case):
    for n, run in enumerate(graded.runs, 1):
        assert run.flags[case] == [], f"run {n}: {case} flagged {run.flags[case]}"


# a line of a student's log that reads as nbgrader's ("[ERROR] FORGED ...", "ValueError:
# FORGED ...") and could be taken for a failed step's reason
_LOG_FORGED = re.compile(r"\s*(\[[A-Za-z]+\]\s*|[\w.]+: )?FORGED")
# a file name as the grader quotes it (untrusted_text.quoted_name): the student's words
_QUOTED_NAME = re.compile(r'"(?:[^"\\]|\\.)*"')


@pytest.mark.slow
def test_no_flag_or_reason_quotes_words_a_notebook_marked_forged(graded):
    """A flag, a reason for a 0, the terminal and the CSV are in the grader's words: what a
    case marks ``FORGED`` (in its output, its stderr, its exceptions) reaches none of them
    but inside the double quotes a file name is shown in; and no line of a student's log
    reads as nbgrader's with such words."""

    def forged(text: str) -> bool:
        return "FORGED" in _QUOTED_NAME.sub('""', text)

    for n, run in enumerate(graded.runs, 1):
        for case, flags in run.flags.items():
            assert not [f for f in flags if forged(f)], f"run {n}: {case} flagged {flags}"
        assert not forged(run.terminal), f"run {n}: the terminal quotes a FORGED line"
        assert not [c for row in run.csv_rows for c in row if forged(c)], f"run {n}: CSV"
    logs = sorted((graded.course / "reports" / "logs").glob("*.log"))
    assert logs, "no student's log"
    for log in logs:
        lines = log.read_text(errors="replace").splitlines()
        assert not [line for line in lines if _LOG_FORGED.match(line)], log.name


@pytest.mark.slow
def test_the_terminal_and_the_csv_hold_no_raw_control_character_or_formula(graded):
    for n, run in enumerate(graded.runs, 1):
        assert run.terminal.strip(), f"run {n}: nothing printed was captured"
        assert not raw_controls(run.terminal), (
            f"run {n}: the terminal got {raw_controls(run.terminal)}"
        )
        assert "HYPERLINK" not in run.terminal
        for row in run.csv_rows:
            for cell in row:
                assert not raw_controls(cell, allowed=""), f"run {n}: CSV cell {cell!r}"
                assert not cell.startswith(CSV_FORMULA_STARTS), f"run {n}: CSV cell {cell!r}"


@pytest.mark.slow
def test_no_file_changed_outside_the_attackers_scratch_folders(graded):
    found = {
        "the scratch course": graded.course_changes,
        "this repository's packages": graded.repo_changes,
        "the venv": graded.venv_changes,
        "/tmp (outside the kernels' own folders)": [
            f"{p} appeared" for p in sorted(graded.tmp_files)
        ],
        "planted code, removed after the run": graded.cleaned,
    }
    report = [
        f"{where}: {len(items)}: " + "; ".join(items[:8]) + (" ..." if len(items) > 8 else "")
        for where, items in found.items()
        if items
    ]
    assert not report, "\n".join(report)


@pytest.mark.slow
def test_the_gradebook_holds_only_what_the_grader_wrote(graded):
    from nbgrader.api import Base

    book = graded.gradebook
    assert book["students"] == CASE_NAMES
    assert book["manual"] == 0, "manual scores or extra credit were written"
    assert book["schema"] == [], f"triggers or views were added: {book['schema']}"
    assert set(book["tables"]) <= set(Base.metadata.tables) | {"alembic_version"}


@pytest.mark.slow
def test_no_secret_reaches_an_autograded_notebook_or_feedback(graded):
    found = [f"run {n}: {s}" for n, run in enumerate(graded.runs, 1) for s in run.secrets_found]
    assert not found, "\n".join(found[:40])


@pytest.mark.slow
def test_nothing_a_student_wrote_runs_on_a_feedback_page(graded):
    assert "displayed" in graded.runs[0].attack_reports["attack_feedback_script"]
    found = [
        f"run {n}: {student}: {problem}"
        for n, run in enumerate(graded.runs, 1)
        for student, problems in sorted(run.page_problems.items())
        for problem in problems
    ]
    assert not found, "\n".join(found[:40])


@pytest.mark.slow
def test_nothing_connected_to_the_tests_sockets(graded):
    for n, run in enumerate(graded.runs, 1):
        assert not run.connections, f"run {n}: connections {run.connections}"


@pytest.mark.slow
def test_no_process_outlives_the_grading(graded):
    for n, run in enumerate(graded.runs, 1):
        assert not run.leftovers, f"run {n}: processes left by attacks: {run.leftovers}"
        assert not run.children, f"run {n}: the grader's processes still alive: {run.children}"


def _reported(run: Run, student: str, key: str) -> int:
    found = re.search(rf"\b{key}=(\d+)", run.attack_reports.get(student, ""))
    assert found, f"{student} did not report {key} (its last cell did not finish?)"
    return int(found.group(1))


@pytest.mark.slow
def test_the_sandbox_limits_held_against_the_bombs(graded):
    for run in graded.runs:
        assert _reported(run, "attack_fork_bomb", "processes") < TASK_LIMIT
        assert _reported(run, "attack_fork_bomb", "threads") < TASK_LIMIT
        assert "huge=MemoryError" in run.attack_reports["attack_memory_bomb"]
        assert "stopped by MemoryError" in run.attack_reports["attack_memory_bomb"]
        assert _reported(run, "attack_memory_bomb", "list_mib") < ADDRESS_SPACE_MIB
        assert _reported(run, "attack_disk_fill", "cwd_mib") <= FILE_SIZE_MIB
        assert _reported(run, "attack_disk_fill", "tmp_mib") <= TMP_MIB
        assert _reported(run, "attack_disk_fill", "shm_mib") <= TMP_MIB
        # many files, each under the size limit: the disk watch killed the kernel
        assert "disk_many_files" not in run.attack_reports.get("attack_disk_many_files", "")
        assert any("written to disk" in f for f in run.flags["attack_disk_many_files"])
        # messages ZeroMQ held for the grader: the same watch killed the kernel
        for case in ("attack_message_many_parts", "attack_message_after_idle"):
            assert any("of the grader's memory" in f for f in run.flags[case]), run.flags[case]


@pytest.mark.slow
def test_outputs_stay_small_and_the_grader_keeps_its_memory(graded):
    """The oversized output of attack_memory_bomb is cut; no worker's memory exploded."""
    for run in graded.runs:
        large = {p: n for p, n in run.output_sizes.items() if n > 20_000_000}
        assert not large, f"oversized outputs: {large}"
    peaks = {}
    for key, rss in graded.peak_rss.items():
        kind = key.split()[0]
        peaks[kind] = max(peaks.get(kind, 0), rss)
    print(f"\npeak memory (MiB): { {k: v // 2**20 for k, v in sorted(peaks.items())} }")
    print(f"grading twice took {graded.seconds:.0f} s")
    assert peaks.get("worker", 0) < 3 * 2**30, peaks


# -- the corpus's own consistency (fast) ---------------------------------------------------------


def test_every_case_lists_the_graded_cells_it_fails():
    failing = load_failing()
    assert sorted(failing) == CASE_NAMES
    graded = list(points.cell_points())
    for case, cells in failing.items():
        assert [c for c in graded if c in cells] == cells, f"{case}: graded cells, in order, once"
    assert failing["victim_solution"] == []


def test_case_headers_agree_with_expected_json():
    failing = load_failing()
    for name, case in load_cases().items():
        assert not check_why(case.why, failing[name]), (name, check_why(case.why, failing[name]))
        assert name.startswith(("attack_", "victim_")), name
    assert max(n for n in CASE_NAMES if n.startswith("attack_")) < min(VICTIMS)


def test_victims_are_the_validity_corpus_cases():
    validity = corpus.Corpus.at("validity").cases()
    for victim, original in VICTIMS.items():
        assert load_cases()[victim].edits == validity[original].edits, victim


def test_the_extra_keys_are_well_formed(tmp_path):
    """Every Symlink and Move line is applied: the submissions hold the links and the order."""
    names = [
        n
        for n in CASE_NAMES
        if case_links(n)
        or case_moves(n)
        or any(case_extras(n))
        or case_files(n)
        or case_notebook(n) != paths.NOTEBOOK
        or case_markdown(n)
        or case_code(n)
    ]
    assert names, "no case uses Symlink, Move, Fifo, Files, File, Cells, Rename, Markdown or Code"
    course = build_security_course(tmp_path, {n: load_cases()[n] for n in names})
    for name in names:
        folder = course / "submitted" / name / paths.ASSIGNMENT
        for relative, target in case_links(name):
            assert os.readlink(folder / relative) == target.format(course=course, repo=REPO)
        assert (folder / case_notebook(name)).is_file(), name
        fifos, many, cells = case_extras(name)
        for relative in fifos:
            assert stat.S_ISFIFO((folder / relative).lstat().st_mode), name
        for count, relative in many:
            assert len(os.listdir(folder / relative)) == count, name
        for relative in case_files(name):
            assert (folder / relative).read_bytes() == b"x", name
        if cells:
            nb = nbformat.read(folder / case_notebook(name), as_version=4)
            assert len(nb.cells) >= cells, name
        if case_markdown(name):
            last = nbformat.read(folder / case_notebook(name), as_version=4).cells[-1]
            assert (last.cell_type, last.source) == ("markdown", case_markdown(name)), name
            assert last.get("attachments", {}) == case_attachments(name), name
        for cell_id, code in case_code(name):
            nb = nbformat.read(folder / case_notebook(name), as_version=4)
            assert [code in c.source for c in nb.cells if c.id == cell_id] == [True], name
        for ids, after in case_moves(name):
            order = [c.id for c in nbformat.read(folder / case_notebook(name), 4).cells]
            at = order.index(after)
            assert order[at + 1 : at + 1 + len(ids)] == ids, name


def test_a_markdown_line_can_repeat_its_text():
    assert case_markdown("attack_markdown_brackets") == "[" * 200_000
    assert case_markdown("attack_feedback_files_prefix_link").startswith("## Extra figures\n\n[")


def test_no_case_source_holds_a_secret(tmp_path):
    """The attackers print what they find: their own code must not hold a secret already
    (they spell the markers they search for in pieces)."""
    course = build_course(tmp_path, {})
    texts = secrets(course, "CANARY", [])
    for path in CASES_DIR.glob("*.py"):
        text = path.read_text()
        for secret, what in texts.items():
            if secret in ("CANARY", str(course)):
                continue
            assert secret not in text, f"{path.name} holds {what}: {secret!r}"


# -- forged records, judged in-process (fast) ---------------------------------------------------


def _forgeries(check: str) -> dict[str, object]:
    """Records a kernel could write for ``check`` without running a correct function."""
    from kmeans_em_lab import checks
    from lab3_kernel import wire

    plan = checks.plan(check)

    def outcomes(answer):
        out = []
        for step in plan["calls"]:
            args = wire.decode(step["args"])
            result = wire.encode(answer(args))
            out.append({"label": step["label"], "result": result, "mutated": []})
        return out

    base = {"check": check, "refused": ""}
    return {
        "no outcomes": {**base, "outcomes": []},
        "inputs handed back": {**base, "outcomes": outcomes(lambda a: tuple(a))},
        "first input handed back": {**base, "outcomes": outcomes(lambda a: a[0])},
        "last input handed back": {**base, "outcomes": outcomes(lambda a: a[-1])},
        "nothing returned": {**base, "outcomes": outcomes(lambda a: None)},
        "claims to pass": {**base, "outcomes": [], "passed": True, "verdict": "pass"},
        "refused for another reason": {**base, "refused": "the kernel was busy", "outcomes": []},
        "another check's record": {**base, "check": "Set" if check != "Set" else "EM"},
        "outcomes not a list": {**base, "outcomes": {"label": "x"}},
        "labels missing": {**base, "outcomes": [{} for _ in plan["calls"]]},
        "not a dict": [base],
    }


@pytest.mark.parametrize("check", ["Centroid_init", "Set", "Update", "K_Means", "K_Means_1d",
                                   "EM_step", "EM"])  # fmt: skip
def test_a_forged_hidden_record_never_passes(check):
    from kmeans_em_lab import checks

    passed = [name for name, record in _forgeries(check).items() if not checks.judge(check, record)]
    assert not passed, f"forged records of {check} that pass: {passed}"
