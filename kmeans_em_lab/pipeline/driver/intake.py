"""What a student's submission folder holds, and what can be graded from it.

One notebook named ``lab3.ipynb``: graded. Exactly one other ``.ipynb`` (e.g.
``lab3 (1).ipynb``): graded as ``lab3.ipynb``, with a flag. Anything else, an
empty folder, no notebook, several candidates, a notebook that is not valid
JSON: nothing to run, the student gets 0 and a ``problem`` saying why.

Symbolic links are never followed: a link in a submission could point into
the course (the source notebook, the gradebook), or at ``/proc/self/mem`` or a
FIFO that would stop the batch. The folder is walked by :func:`.folders.walk`,
which opens nothing but regular files. A linked notebook or submission folder
is not graded; other links, FIFOs, sockets, devices and files that cannot be
read are left out, with a flag, and so are files in a folder named like a file
the grader writes there (a folder ``lab3.ipynb/`` beside a renamed notebook, a
folder ``timestamp.txt/``).

A submission is held within :class:`SubmissionLimits` (``c.SubmissionLimits``
in ``nbgrader_config.py``): the notebook's bytes and cells, the number of files
and folders, their total bytes. The counts and sizes are checked from the walk
(``lstat``) before anything is read, the cells once the notebook, under its
byte limit, is parsed. Over a limit: not graded, a ``problem`` naming the
limit; every other student is graded.

The notebook is checked against nbformat's schema by its fast validator only
(:func:`gradable`), after what nbgrader's ``ClearOutput`` would clear anyway
(the code cells' outputs and execution counts) is cleared: nbformat's own
``validate`` falls back on jsonschema for a notebook the fast validator
refuses, and jsonschema's error tree costs about 55 KB of memory and a
millisecond per bad element (a 300 KB notebook of 100,000 empty outputs held
the batch for 100 s and took 5 GB). What is sent to grading is that cleared,
checked notebook, not the file's bytes, so nbgrader in the worker never meets
what was cleared either.

File names are the student's: a flag or problem quotes them through
:func:`shown`, so no control character (a terminal's escape sequence that
clears the screen or redraws the class table) reaches the instructor's
terminal, the CSV or the reports.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbformat.corpus.words import generate_corpus_id
from nbformat.validator import get_validator
from traitlets import Integer
from traitlets.config import Configurable

from kmeans_em_lab.pipeline.shared.course_config import setting
from kmeans_em_lab.pipeline.shared.folders import read_regular, walk, why_unreadable
from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal, quoted_name
from lab3_kernel.wire import values_in

MiB = 2**20
# levels of JSON a notebook may nest once its outputs are cleared (a cell's metadata, a
# widget's state: a few levels). nbformat converts a notebook recursively: one nested some
# 600 levels deep stops nbgrader in the worker (RecursionError), so it is refused here
MAX_DEPTH = 100
# bytes of a file's path inside a submission; a longer one is left out (a worker writes it
# under its own folders, and the whole path must stay under the system's PATH_MAX)
MAX_PATH_BYTES = 1024

# nbgrader's own files in a submission folder (the submission time): sent to grading with the
# student's, but not counted as something the student handed in
NBGRADER_FILES = {"timestamp.txt"}


class SubmissionLimits(Configurable):
    """What one submission may hold (``c.SubmissionLimits`` in ``nbgrader_config.py``), the one
    place for the numbers; :func:`inspect` checks them before anything of it is read."""

    notebook_bytes = setting(
        Integer, 20 * MiB, "bytes of the notebook graded; a larger one is not graded"
    )
    cells = setting(Integer, 2000, "cells of the notebook graded; more are not graded")
    files = setting(Integer, 200, "files and folders in a submission (links and the like included)")
    total_bytes = setting(
        Integer,
        32 * MiB,
        "bytes of all the regular files of a submission together (a worker holds the "
        "files of the submissions queued for it in the memory its kernel's watch measures)",
    )
    json_values = setting(
        Integer,
        5_000_000,
        "values and containers in the notebook's JSON, counted from its separators "
        "before it is parsed (20 MiB of nested lists parsed into a gigabyte; printed numbers "
        "take several bytes each); more: not graded",
    )


def course_limits(root: Path) -> SubmissionLimits:
    """The course's :class:`SubmissionLimits` (its ``nbgrader_config.py``)."""
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config

    return SubmissionLimits(config=load_course_config(root))


@dataclass
class Submission:
    student: str
    folder: Path
    notebook: Path | None = None  # the file to grade (graded as the assignment's notebook)
    problem: str | None = None  # why nothing can be graded; the student gets 0
    flags: list[str] = field(default_factory=list)
    # the notebook as checked here, outputs cleared (what is sent to grading; see gradable)
    notebook_bytes: bytes | None = field(default=None, repr=False)
    limits: SubmissionLimits | None = field(default=None, repr=False)
    left_out: list[str] = field(default_factory=list)  # relative paths flagged, never read


# A student id is a folder name the grader writes into file names, the gradebook, task keys
# and every report: LMS ids and JupyterHub user names fit; anything else is not graded.
# ASCII: no look-alike letters, no RTL; not starting with "-", which a command line (nbgrader's,
# the similarity report's) would read as an option
STUDENT_ID = re.compile(r"[\w.@+][\w.@+-]{0,99}", re.ASCII)


def unusable_id(name: str) -> str:
    """'' when ``name`` can be a student id, else why not (for the instructor)."""
    if not STUDENT_ID.fullmatch(name) or not name.isprintable():
        return (
            "not a usable student id (at most 100 ASCII letters, digits and . _ @ + -, "
            "not starting with -): "
            "rename the folder to the student's id"
        )
    return ""


def discover(
    submitted: Path,
    assignment: str,
    only: list[str] | None = None,
    rejected: list[str] | None = None,
) -> list[str]:
    """Students with a ``submitted/<student>/<assignment>/`` folder, sorted.

    A folder whose name is not a usable student id (:func:`unusable_id`) is not a
    student: it is left out, and said in ``rejected`` (escaped, with the reason).
    With ``only``, those students (an unknown one raises ``KeyError``).
    """
    found = []
    for path in sorted(Path(submitted).glob(f"*/{assignment}")):
        name = path.parent.name
        if name.startswith(".") or not path.is_dir() or path.is_symlink():
            continue
        why = unusable_id(name)
        if why:
            if rejected is not None:
                rejected.append(f"{quoted_name(str(path.relative_to(submitted)))}: {why}")
            continue
        found.append(name)
    if only is None:
        return found
    missing = [s for s in only if s not in found]
    if missing:
        raise KeyError(
            f"no submission folder for {', '.join(quoted_name(s) for s in missing)} "
            f"(looked for {Path(submitted)}/<student>/{assignment}/)"
        )
    return list(dict.fromkeys(only))


# A schema error's text the grader repeats: a path of one-word keys and indices, then the
# validator's own words (``data.cells[0] must be valid exactly by one definition (0 matches
# found)``); a key of the notebook's with a space, a quote or a brace in it is not repeated.
_SCHEMA_WORDS = re.compile(
    r"data(\.[A-Za-z_]{1,40}|\[\d{1,6}\]){0,8} must [a-z ]{1,60}( \(\d{1,6} matches found\))?",
    re.ASCII,
)


def _unreadable(err: Exception) -> str:
    """Why a notebook could not be read, in the grader's words. The parser's own errors say
    where (``Expecting value: line 1 column 1``); a schema error's text can quote the
    notebook (``data must not contain {'...'} properties``), and is repeated only when it
    is a path and plain words (:data:`_SCHEMA_WORDS`)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, json.JSONDecodeError | UnicodeDecodeError | RecursionError) or (
        type(err) is ValueError
    ):
        return text if len(text) <= 200 else text[:197] + "..."
    schema = "it does not follow nbformat 4's schema (open it in Jupyter and save it)"
    return f"{schema}: {text}" if _SCHEMA_WORDS.fullmatch(text) else schema


def size(n: int) -> str:
    """Bytes as a flag says them: ``312 MiB``, ``1.5 KiB``, ``800 bytes``."""
    for unit, scale in (("GiB", 2**30), ("MiB", MiB), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{n:,} bytes"


def _over(n: int, limit: int) -> str:
    """ "``n``, over the ``limit``": both in bytes if rounding would make them look equal."""
    if size(n) == size(limit):
        return f"{n:,} bytes, over the {limit:,} bytes limit"
    return f"{size(n)}, over the {size(limit)} limit"


# A submission time as nbgrader and the course's collect write it: a date, a time, and a
# zone given as an offset or a name. nbgrader's parse_utc hands a third word to
# dateutil's gettz, which opens it as a zone file when it names a regular file: an absolute
# path (/proc/self/mem raised on the driver; /proc/kmsg blocks) or one with ".." in it.
# A zone name here holds no dot, colon or leading slash: gettz looks it up in its zone folders.
TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
    r"( ?(Z|[+-]\d{2}:?\d{2}|[+-]?\d{1,4}|[A-Za-z][\w+-]{0,40}(/[\w+-]{1,40}){0,3}))?",
    re.ASCII,
)


def submission_time(text: str):
    """The UTC time (a naive ``datetime``) nbgrader's ``parse_utc`` reads from ``text``
    (a ``timestamp.txt``, an exchange folder's name), or None when ``text`` is not of the
    shape :data:`TIMESTAMP` or nbgrader cannot read it."""
    from nbgrader.utils import parse_utc

    text = text.strip()
    if not TIMESTAMP.fullmatch(text):
        return None
    try:
        return parse_utc(text)
    except Exception:  # noqa: BLE001 - whatever parsing raises: nbgrader could not read it
        return None


def read_submission_time(folder: Path, rel: str = "timestamp.txt"):
    """:func:`submission_time` of the file ``rel`` under ``folder`` (no link followed, at
    most 200 bytes read); None when it is missing, unreadable or not a time."""
    data = read_regular(folder, rel, limit=200)
    try:
        return None if data is None else submission_time(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _nbgrader_reads(folder: Path, rel: str) -> bool:
    """Whether nbgrader can read ``timestamp.txt`` (a bad one stops its autograde): empty,
    or a time :func:`submission_time` reads."""
    data = read_regular(folder, rel, limit=200)
    if data is None:
        return False
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False
    return not text or submission_time(text) is not None


def _short(rel: str, most: int = 80) -> str:
    return rel if len(rel) <= most else rel[: most - 3] + "..."


def left_out_flag(items: list[tuple[str, str]], most: int = 5) -> str:
    """The flag for what was left out of grading: ``left out: data (symbolic link), ...``."""
    names = ", ".join(f"{quoted_name(_short(rel))} ({why})" for rel, why in items[:most])
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return f"left out: {names}{more}"


def _cells(raw) -> int:
    """The number of cells of a notebook's JSON (nbformat 4, or 3's worksheets)."""
    if not isinstance(raw, dict):
        return 0
    if isinstance(raw.get("cells"), list):
        return len(raw["cells"])
    sheets = raw.get("worksheets")
    if isinstance(sheets, list):
        return sum(len(w.get("cells") or []) for w in sheets if isinstance(w, dict))
    return 0


def _clear_outputs(raw: dict) -> bool:
    """What nbgrader's ``ClearOutput`` clears before a notebook runs, cleared in place: the
    outputs and execution counts of the code cells of a notebook's JSON (nbformat 4).
    Whether anything changed."""
    changed = False
    for cell in raw["cells"] if isinstance(raw.get("cells"), list) else ():
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            if cell.get("outputs", 0) != [] or cell.get("execution_count", 0) is not None:
                changed = True
            cell["outputs"] = []
            cell["execution_count"] = None
    return changed


# What of a submission's metadata goes to grading (the rest is the editor's, and autograde
# removes it anyway): the notebook's kernel and language, a cell's nbgrader metadata
# (made the course's at autograde) and a markdown cell's attachments, each only while it
# holds at most MAX_METADATA_VALUES values (the kernel's and nbgrader's hold a dozen): a
# few MiB of [] would cost a worker gigabytes each time nbconvert copies the notebook.
NOTEBOOK_METADATA = ("kernelspec", "language_info")
CELL_METADATA = ("nbgrader",)
MAX_METADATA_VALUES = 1000


def _values_over(value, limit: int) -> bool:
    """Whether ``value`` holds more than ``limit`` values, containers included (walked
    without recursion, stopping once past ``limit``)."""
    todo, count = [value], 0
    while todo:
        item = todo.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False


def _kept(mapping: dict, keys: tuple[str, ...]) -> dict:
    return {
        k: v for k, v in mapping.items() if k in keys and not _values_over(v, MAX_METADATA_VALUES)
    }


def _trim_metadata(raw: dict) -> bool:
    """The notebook's and its cells' metadata kept to what grading reads
    (:data:`NOTEBOOK_METADATA`, :data:`CELL_METADATA`, small attachments), in place.
    Whether anything changed."""
    changed = False
    if isinstance(raw.get("metadata"), dict):
        kept = _kept(raw["metadata"], NOTEBOOK_METADATA)
        changed = kept != raw["metadata"]
        raw["metadata"] = kept
    for cell in raw["cells"] if isinstance(raw.get("cells"), list) else ():
        if not isinstance(cell, dict):
            continue
        if isinstance(cell.get("metadata"), dict):
            kept = _kept(cell["metadata"], CELL_METADATA)
            changed = changed or kept != cell["metadata"]
            cell["metadata"] = kept
        if "attachments" in cell and _values_over(cell["attachments"], MAX_METADATA_VALUES):
            del cell["attachments"]
            changed = True
    return changed


def _repair_ids(raw: dict) -> bool:
    """Cell ids given where missing or repeated, as nbformat's ``validate`` does before it
    checks a notebook of format 4.5 or later (the schema wants them). Whether any was."""
    seen: set = set()
    changed = False
    for cell in raw["cells"] if isinstance(raw.get("cells"), list) else ():
        if not isinstance(cell, dict):
            continue
        if "id" not in cell or (isinstance(cell["id"], str) and cell["id"] in seen):
            cell["id"] = generate_corpus_id()
            changed = True
        if isinstance(cell["id"], str):
            seen.add(cell["id"])
    return changed


def _deeper_than(value, levels: int) -> bool:
    """Whether ``value`` nests more than ``levels`` levels of lists and objects (walked level
    by level, without recursion)."""
    level = [value]
    for _ in range(levels):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return any(isinstance(item, dict | list) for item in level)


def gradable(raw, data: bytes, rewrite: bool = False) -> bytes:
    """The notebook to send to grading, from a submitted notebook's bytes ``data`` and their
    parsed JSON ``raw`` (changed in place): code cells' outputs and execution counts cleared
    (:func:`_clear_outputs`), metadata kept to what grading reads (:func:`_trim_metadata`),
    cell ids repaired, then checked against nbformat 4's schema by
    the fast validator alone. ``data`` itself when that changed nothing, else the checked
    JSON, compact (also when ``rewrite``: ``raw`` was parsed with a change, see
    :func:`parse`). Raises ``ValueError`` (or nbformat's ``ValidationError``, at the first
    error) for anything else.

    Never ``nbformat.reads`` or ``nbformat.validate`` here: on a notebook the fast validator
    refuses, they fall back on jsonschema, whose error tree is built for every bad element
    before it raises (about 55 KB and a millisecond each)."""
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    major, minor = raw.get("nbformat"), raw.get("nbformat_minor")
    if type(major) is not int or type(minor) is not int or minor < 0:
        raise ValueError("no notebook format version (nbformat, nbformat_minor)")
    if major != 4:
        raise ValueError(f"notebook format {major}, not 4 (open it in Jupyter and save it)")
    changed = _clear_outputs(raw)
    changed = _trim_metadata(raw) or changed
    if minor >= 5:
        changed = _repair_ids(raw) or changed
    validator = get_validator(4, minor, name="fastjsonschema")
    if validator is None:
        raise ValueError(f"no schema for notebook format 4.{minor}")
    validator.validate(raw)  # fastjsonschema: stops at the first error, no error tree
    if _deeper_than(raw, MAX_DEPTH):
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    if not changed and not rewrite:  # what was checked is what the worker's nbgrader reads
        return data
    text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # an escaped lone surrogate: kept escaped, as it came
        return json.dumps(raw, separators=(",", ":"), allow_nan=False).encode("ascii")


def parse(data: bytes) -> tuple[object, bool]:
    """A submitted notebook's JSON, and whether parsing changed it: ``NaN``, ``Infinity``
    and ``-Infinity``, which Python's parser takes but JSON has not, and numbers too large
    for a float (``1e999``, which Python reads as infinite), are read as ``null``: written
    back, they are words JupyterLab's reader refuses, and with them the whole notebook. A
    notebook Jupyter wrote has none; one kept in an attachment made the autograded
    notebook one the instructor could not open."""
    replaced = []

    def constant(name: str) -> None:
        replaced.append(name)

    def number(text: str) -> float | None:
        value = float(text)
        if math.isfinite(value):
            return value
        replaced.append(text)
        return None

    raw = json.loads(data.decode("utf-8"), parse_constant=constant, parse_float=number)
    return raw, bool(replaced)


def inspect(
    student: str, folder: Path, notebook_name: str, limits: SubmissionLimits | None = None
) -> Submission:
    """Classify ``folder`` (``submitted/<student>/<assignment>``) within ``limits`` (default:
    :class:`SubmissionLimits`' defaults; ``make grade`` passes the course's)."""
    limits = limits if limits is not None else SubmissionLimits()
    sub = Submission(student=student, folder=Path(folder), limits=limits)
    if sub.folder.is_symlink() or sub.folder.parent.is_symlink():
        sub.problem = "the submission folder is a symbolic link: not graded"
        return sub
    found = walk(sub.folder, max_entries=limits.files)
    if found.stopped:
        sub.problem = (
            f"the submission holds more than {limits.files:,} files and folders, over the "
            "limit (SubmissionLimits.files in nbgrader_config.py): not graded"
        )
        return sub
    root = next((e for e in found.unreadable if e.rel == "."), None)
    if root is not None:
        sub.problem = f"the submission folder cannot be read ({root.why}): not graded"
        return sub
    left_out = [(e.rel, e.why) for e in found.left_out]
    readable = []
    # the grader writes the notebook and nbgrader's files under these names: a folder
    # named like one of them would stand where a file must go
    reserved = {notebook_name, *NBGRADER_FILES}
    for entry in found.files:
        if len(entry.rel.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
            left_out.append((entry.rel, "path too long"))
            continue
        if "/" in entry.rel and entry.rel.split("/", 1)[0] in reserved:
            left_out.append((entry.rel, "in a folder named like a file the grader writes"))
            continue
        why = why_unreadable(sub.folder, entry.rel)
        if why:
            left_out.append((entry.rel, f"unreadable: {why}"))
        elif entry.rel in NBGRADER_FILES and not _nbgrader_reads(sub.folder, entry.rel):
            left_out.append((entry.rel, "not a time nbgrader reads"))
        else:
            readable.append(entry)
    left_out.sort(key=lambda item: item[0].split("/"))
    sub.left_out = [rel for rel, _ in left_out]
    if left_out:
        sub.flags.append(left_out_flag(left_out))
    files = [e for e in readable if not NBGRADER_FILES & set(e.rel.split("/"))]
    candidates = [e for e in readable if "/" not in e.rel and e.rel.endswith(".ipynb")]
    expected = next((e for e in readable if e.rel == notebook_name), None)
    not_graded = dict(left_out).get(notebook_name)
    if not_graded and not candidates:
        if not_graded.startswith("unreadable"):
            why = not_graded.removeprefix("unreadable: ")
            sub.problem = f"{notebook_name} cannot be read ({why}): not graded"
        else:
            sub.problem = f"{notebook_name} is a {not_graded}, not a notebook: not graded"
        return sub
    if not files:
        sub.problem = "empty submission folder: nothing to grade"
        return sub
    label = notebook_name
    if expected is None:
        if len(candidates) == 1:
            expected = candidates[0]
            label = quoted_name(expected.rel, always=True)
            sub.flags.append(f"renamed notebook: graded {label} as {notebook_name}")
        elif candidates:
            names = ", ".join(quoted_name(e.rel, always=True) for e in candidates)
            sub.problem = (
                f"no {notebook_name} but {len(candidates)} notebooks ({names}): "
                "cannot tell which one to grade"
            )
            return sub
        else:
            names = ", ".join(quoted_name(e.rel) for e in files[:5])
            sub.problem = f"no notebook: {notebook_name} is missing (found {names})"
            return sub
    # the limits, from the walk's sizes: nothing has been read yet
    if expected.size > limits.notebook_bytes:
        sub.problem = (
            f"{label} is {_over(expected.size, limits.notebook_bytes)} "
            "(SubmissionLimits.notebook_bytes in nbgrader_config.py): not graded"
        )
        return sub
    total = sum(e.size for e in readable)
    if total > limits.total_bytes:
        sub.problem = (
            f"the submission's files total {_over(total, limits.total_bytes)} "
            "(SubmissionLimits.total_bytes in nbgrader_config.py): not graded"
        )
        return sub
    data = read_regular(sub.folder, expected.rel, limit=limits.notebook_bytes)
    if data is None:
        sub.problem = f"{label} changed or vanished while it was read: not graded"
        return sub
    values = values_in(data)
    if values > limits.json_values:
        sub.problem = (
            f"{label} holds more than {limits.json_values:,} JSON values ({values:,}) "
            "(SubmissionLimits.json_values in nbgrader_config.py): not graded"
        )
        return sub
    notebook = None
    try:
        raw, replaced = parse(data)
        cells = _cells(raw)
        if cells <= limits.cells:
            notebook = gradable(raw, data, rewrite=replaced)
        del raw
    except Exception as err:  # noqa: BLE001 - any unreadable file is the same problem
        sub.problem = (
            f"{quoted_name(expected.rel, always=True)} is not a readable notebook (invalid JSON?): "
            f"{for_terminal(_unreadable(err))}"
        )
        return sub
    if cells > limits.cells:
        sub.problem = (
            f"{label} has {cells:,} cells, over the limit of {limits.cells:,} "
            "(SubmissionLimits.cells in nbgrader_config.py): not graded"
        )
        return sub
    sub.notebook = sub.folder / expected.rel
    sub.notebook_bytes = notebook
    return sub
