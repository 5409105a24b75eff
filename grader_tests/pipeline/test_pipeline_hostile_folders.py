"""A hostile submission folder never stops the batch (README, "Sandbox and threat model").

Links (to ``/proc/self/mem``, ``/dev/zero``, nowhere, themselves, a folder
outside), FIFOs, sockets and devices: the stamps' digest, intake and the files
sent to a worker all finish, leave them out and flag them; nothing is followed,
nothing waits on a FIFO. A submission over one of the ``SubmissionLimits``
(notebook bytes, cells, files, total bytes) gets a plain problem, found from
``lstat`` sizes before anything of it is read; the rest of the class is graded
(the last test runs ``make grade``'s command on a toy course).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import stat
import sys
import time
from pathlib import Path

import nbformat
import pytest
from pipeline_fixtures import toy_course as toy
from traitlets.config import Config

from kmeans_em_lab.pipeline.driver import intake, stamps, store
from kmeans_em_lab.pipeline.driver.course_bundle import course_files
from kmeans_em_lab.pipeline.driver.intake import SubmissionLimits, course_limits
from kmeans_em_lab.pipeline.driver.settings import Settings
from kmeans_em_lab.pipeline.shared import folders
from kmeans_em_lab.pipeline.shared.folders import read_files, read_regular, walk


@pytest.fixture(autouse=True)
def never_hangs():
    """A FIFO opened for reading would block forever: fail the test instead."""
    previous = signal.signal(signal.SIGALRM, _timed_out)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _timed_out(signum, frame):
    raise TimeoutError("blocked: something opened a FIFO or followed a link")


def _nb(cells: int = 1, padding: str = "") -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"x = {i}") for i in range(cells)]
    if padding:
        nb.cells.append(nbformat.v4.new_markdown_cell(padding))
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # the same text every time
    return nbformat.writes(nb)


def _limits(**values: int) -> SubmissionLimits:
    """Limits as the course configures them (``c.SubmissionLimits`` in nbgrader_config.py)."""
    config = Config()
    for name, value in values.items():
        setattr(config.SubmissionLimits, name, value)
    return SubmissionLimits(config=config)


def _make_device(path: Path) -> bool:
    """``/dev/null``'s twin at ``path`` (root in a container that allows it), else False."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (OSError, AttributeError):
        return False
    return True


@pytest.fixture
def hostile(tmp_path) -> tuple[Path, dict[str, str]]:
    """An honest notebook and data beside every special file a folder can hold; returns the
    folder and {name: the kind its flag must give}."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("the course's secret")
    folder = tmp_path / "eve" / "lab3"
    (folder / "data").mkdir(parents=True)
    (folder / "lab3.ipynb").write_text(_nb())
    (folder / "data" / "GMM.p").write_bytes(b"\x00data")
    (folder / "timestamp.txt").write_text("2030-01-01 10:00:00 UTC\n")
    kinds = {}
    for name, target in (
        ("mem", "/proc/self/mem"),
        ("zero", "/dev/zero"),
        ("dangling", str(tmp_path / "nowhere")),
        ("loop", "loop"),
        ("data/outside", str(outside)),
        ("data/secret.txt", str(outside / "secret.txt")),
    ):
        (folder / name).symlink_to(target)
        kinds[name] = "symbolic link"
    (folder / "ping").symlink_to("pong")
    (folder / "pong").symlink_to("ping")
    kinds.update({"ping": "symbolic link", "pong": "symbolic link"})
    os.mkfifo(folder / "pipe")
    os.mkfifo(folder / "data" / "spotify.p")
    kinds.update({"pipe": "FIFO", "data/spotify.p": "FIFO"})
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sock"))
    kinds["sock"] = "socket"
    if _make_device(folder / "null"):
        kinds["null"] = "device"
    return folder, kinds


# -- the walker --------------------------------------------------------------------------


def test_the_walker_reports_everything_and_opens_only_regular_files(hostile):
    folder, kinds = hostile
    found = walk(folder)
    assert [e.rel for e in found.files] == ["data/GMM.p", "lab3.ipynb", "timestamp.txt"]
    assert {e.rel: e.why for e in found.left_out} == kinds
    assert not found.stopped and not found.unreadable
    for rel in kinds:
        assert read_regular(folder, rel) is None  # opened without following, never waited on
    assert read_files(folder) == {
        "data/GMM.p": b"\x00data",
        "lab3.ipynb": _nb().encode(),
        "timestamp.txt": b"2030-01-01 10:00:00 UTC\n",
    }


def test_a_linked_folder_is_not_walked(hostile, tmp_path):
    folder, _ = hostile
    link = tmp_path / "linked"
    link.symlink_to(folder)
    found = walk(link)
    assert not found.files and [(e.rel, e.why) for e in found.unreadable] == [
        (".", "symbolic link")
    ]
    assert walk(tmp_path / "missing").files == []
    assert read_files(link) == {} and read_files(tmp_path / "missing") == {}


def test_a_file_replaced_by_a_link_or_fifo_after_the_walk_is_skipped(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    (tmp_path / "secret").write_text("secret")
    found = walk(tmp_path)
    (tmp_path / "b").unlink()
    os.mkfifo(tmp_path / "b")
    (tmp_path / "data" / "a").unlink()
    (tmp_path / "data" / "a").symlink_to(tmp_path / "secret")
    for entry in found.files[:2]:
        assert read_regular(tmp_path, entry.rel) is None
    # a folder of the path replaced by a link: not followed either
    (tmp_path / "data" / "a").unlink()
    (tmp_path / "data").rmdir()
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a").write_text("behind a link")
    (tmp_path / "data").symlink_to(tmp_path / "real")
    assert read_regular(tmp_path, "data/a") is None
    assert read_regular(tmp_path, "real/a") == b"behind a link"


def test_read_regular_never_reads_past_its_limit(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 1001)
    assert read_regular(tmp_path, "big", limit=1000) is None
    assert read_regular(tmp_path, "big", limit=1001) == b"x" * 1001


def test_deep_nesting_is_reported_not_fatal(tmp_path):
    path = tmp_path
    for _ in range(folders.MAX_DEPTH + 5):
        path = path / "d"
    path.mkdir(parents=True)
    (path / "deep.txt").write_text("deep")
    found = walk(tmp_path)
    assert [e.why for e in found.unreadable] == ["folder nested too deep"]
    assert found.files == []
    stamps.folder_digest(tmp_path)


# -- the digest --------------------------------------------------------------------------


def _old_digest(folder: Path) -> str:
    """The digest as it was computed before the walker (plain folders only)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part in {".ipynb_checkpoints", "__pycache__"} for part in rel.parts):
            continue
        digest.update(str(rel.as_posix()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def test_the_digest_of_a_plain_folder_is_unchanged(tmp_path):
    """Stamps written before the walker stay current: nobody is regraded for it."""
    (tmp_path / "data").mkdir()
    (tmp_path / "lab3.ipynb").write_text(_nb())
    (tmp_path / "data" / "GMM.p").write_bytes(b"\x00" * 3)
    (tmp_path / "a.txt").write_text("a")  # sorted after data/ by component, as before
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"cache")
    assert stamps.folder_digest(tmp_path) == _old_digest(tmp_path)


def test_the_digest_finishes_on_a_hostile_folder_and_sees_its_changes(hostile):
    folder, _ = hostile
    began = time.monotonic()
    first = stamps.folder_digest(folder)
    assert time.monotonic() - began < 10
    assert stamps.folder_digest(folder) == first
    (folder / "mem").unlink()
    (folder / "mem").symlink_to("/proc/self/environ")  # same name, same kind: same grading
    assert stamps.folder_digest(folder) == first
    (folder / "pipe").unlink()
    assert stamps.folder_digest(folder) != first


def test_a_file_name_that_is_not_utf8_is_walked_digested_and_shown(tmp_path):
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    bad = os.fsdecode(b"bad\xff.txt")
    (folder / bad).write_text("x")
    (folder / os.fsdecode(b"linkbad\xff\x1b[2J.txt")).symlink_to("/proc/self/mem")
    (folder / os.fsdecode(b"bad\xff\x1b[2J.txt")).write_text("x")  # nbgrader's log quotes it
    assert stamps.folder_digest(folder) != stamps.folder_digest(tmp_path / "missing")
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.problem is None
    assert sub.flags == ['left out: "linkbad\\udcff\\x1b[2J.txt" (symbolic link)']
    assert set(store.submission_files(sub, "lab3.ipynb").files) == {bad, "lab3.ipynb"}
    assert sub.flags[-1] == (
        'left out: "bad\\udcff\\x1b[2J.txt" (a name holding a control character or line break)'
    )


def test_a_file_name_or_a_notebook_key_cannot_pass_for_a_flag_of_the_grader(tmp_path):
    """Flags are joined with "; ": a left-out file named ``notes; kernel died in cell ...``
    read as a second flag in the grader's words, and a notebook's extra key was quoted by
    the schema's error as the reason for its 0. A name of other than plain characters is
    shown in quotes; a schema error that quotes the notebook is not repeated."""
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    forged = 'notes; kernel died in cell test_Set_hidden (#19) "x'
    (folder / forged).symlink_to("/proc/self/mem")
    (folder / "plain_name.txt").symlink_to("/proc/self/mem")
    closes = 'a\\" (symbolic link); kernel died in cell test_EM_hidden (#40); \\"b'
    (folder / closes).symlink_to("/proc/self/mem")  # its own \" would end the quotes
    (folder / "b\u201d; kernel died; \u201cc").symlink_to("/proc/self/mem")  # look-alikes
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.flags == [
        'left out: "a\\\\\\" (symbolic link); kernel died in cell test_EM_hidden (#40); '
        '\\\\\\"b" (symbolic link), "b\\u201d; kernel died; \\u201cc" (symbolic link), '
        '"notes; kernel died in cell test_Set_hidden (#19) \\"x" (symbolic link), '
        "plain_name.txt (symbolic link)"
    ]
    raw = _raw_nb()
    raw["graded: 100/100; kernel died in cell test_EM_hidden (#49)"] = 1
    sub = intake.inspect("eve", _submit(tmp_path / "keyed", raw), "lab3.ipynb")
    assert sub.problem == (
        '"lab3.ipynb" is not a readable notebook (invalid JSON?): it does not follow '
        "nbformat 4's schema (open it in Jupyter and save it)"
    )


def test_the_digest_reads_no_more_than_its_entry_limit(tmp_path, monkeypatch):
    """The digest runs before intake's limits: 300,000 empty files took 13 s on every
    run. Past ``MAX_DIGEST_ENTRIES`` it stops reading and says so in the digest (such a
    folder is over every course's limit: 0 points, whatever it holds)."""
    opened = []
    open_regular = stamps.open_regular

    def counting(folder, rel):
        opened.append(rel)
        return open_regular(folder, rel)

    monkeypatch.setattr(stamps, "open_regular", counting)
    monkeypatch.setattr(stamps, "MAX_DIGEST_ENTRIES", 50)
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:03}.txt").write_text(str(n))
    first = stamps.folder_digest(folder)
    assert opened == []  # the listing alone was over the limit: no file read
    for n in range(260):
        (folder / f"{n:03}.txt").unlink()
    assert stamps.folder_digest(folder) != first and len(opened) == 40


def test_the_digest_of_an_unreadable_file_is_not_an_exception(tmp_path, monkeypatch):
    (tmp_path / "lab3.ipynb").write_text(_nb())
    (tmp_path / "private.txt").write_text("x")
    readable = stamps.folder_digest(tmp_path)
    _deny(monkeypatch, "private.txt")
    assert stamps.folder_digest(tmp_path) != readable


def _deny(monkeypatch, name: str) -> None:
    """Opening ``name`` fails with "permission denied" (chmod 000 does not stop root)."""
    real_open = os.open

    def open_(path, flags, *args, **kwargs):
        if os.path.basename(os.fsdecode(path)) == name:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(folders.os, "open", open_)


# -- intake and the files sent to a worker ----------------------------------------------


def test_intake_grades_the_notebook_and_flags_what_it_leaves_out(hostile):
    folder, kinds = hostile
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.problem is None and sub.notebook == folder / "lab3.ipynb"
    assert sub.notebook_bytes == _nb().encode()
    assert len(sub.flags) == 1 and sub.flags[0].startswith("left out: ")
    expected = sorted(kinds, key=lambda rel: rel.split("/"))
    listed = ", ".join(f"{rel} ({kinds[rel]})" for rel in expected[:5])
    assert sub.flags[0] == f"left out: {listed} and {len(kinds) - 5} more"
    assert sorted(sub.left_out) == sorted(kinds)
    files = store.submission_files(sub, "lab3.ipynb")
    assert set(files.files) == {"data/GMM.p", "timestamp.txt", "lab3.ipynb"}
    assert files.digest == stamps.folder_digest(folder)
    assert len(sub.flags) == 1  # nothing new went missing on the way


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-12-07 07:00:00 /proc/self/mem",  # nbgrader's parse_utc: a zone file, opened
        "2026-12-07 07:00:00 ../../../../proc/self/mem",
        "2026-12-07 07:00:00 :/proc/self/mem",
        "2026-12-07 07:00:00 /etc/passwd",
    ],
)
def test_a_timestamp_naming_a_file_is_left_out_unopened(tmp_path, monkeypatch, stamp):
    """nbgrader's ``parse_utc`` hands a timestamp's third word to dateutil's ``gettz``,
    which opens it as a zone file: ``/proc/self/mem`` raised ``OSError`` on the driver and
    stopped the batch (``/proc/kmsg`` would block it). Such a time is not read at all."""
    import dateutil.tz.tz

    opened = []
    monkeypatch.setattr(dateutil.tz.tz, "tzfile", lambda path, *a, **k: opened.append(path))
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    (folder / "timestamp.txt").write_text(stamp)
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.problem is None and opened == []
    assert sub.flags == ["left out: timestamp.txt (not a time nbgrader reads)"]


@pytest.mark.parametrize(
    "stamp",
    ["2026-12-07 07:00:00.123456 UTC", "2026-12-07 07:00:00 +0100", "2026-12-07T07:00:00",
     "2026-12-07 07:00:00 Europe/Paris", "2026-12-07 07:00:00.5 -5"],
)  # fmt: skip
def test_the_times_nbgrader_and_the_collect_write_are_read(tmp_path, stamp):
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    (folder / "timestamp.txt").write_text(stamp + "\n")
    assert intake.inspect("eve", folder, "lab3.ipynb").flags == []


def test_the_flag_names_each_kind(tmp_path):
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    (folder / "mem").symlink_to("/proc/self/mem")
    os.mkfifo(folder / "pipe")
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.flags == ["left out: mem (symbolic link), pipe (FIFO)"]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.symlink_to("/proc/self/mem"), "lab3.ipynb is a symbolic link, not a notebook"),
        (lambda p: p.symlink_to("/dev/zero"), "lab3.ipynb is a symbolic link, not a notebook"),
        (os.mkfifo, "lab3.ipynb is a FIFO, not a notebook: not graded"),
    ],
)
def test_a_notebook_that_is_not_a_regular_file_is_not_graded(tmp_path, make, problem):
    folder = tmp_path / "lab3"
    folder.mkdir()
    make(folder / "lab3.ipynb")
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.notebook is None and problem in sub.problem
    stamps.folder_digest(folder)


def test_an_unreadable_file_is_left_out_and_flagged(tmp_path, monkeypatch):
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    (folder / "private.txt").write_text("x")
    _deny(monkeypatch, "private.txt")
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.problem is None
    assert sub.flags == ["left out: private.txt (unreadable: permission denied)"]
    files = store.submission_files(sub, "lab3.ipynb")
    assert set(files.files) == {"lab3.ipynb"}
    _deny(monkeypatch, "lab3.ipynb")
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.problem == "lab3.ipynb cannot be read (permission denied): not graded"


def test_a_file_that_vanishes_before_it_is_sent_is_flagged_not_fatal(tmp_path, monkeypatch):
    folder = tmp_path / "lab3"
    folder.mkdir()
    (folder / "lab3.ipynb").write_text(_nb())
    (folder / "data.csv").write_text("1,2\n")
    (folder / "notes.txt").write_text("notes")
    sub = intake.inspect("eve", folder, "lab3.ipynb")
    assert sub.problem is None and not sub.flags
    real_walk = store.walk

    def walk_then_swap(path, **kwargs):
        found = real_walk(path, **kwargs)
        (folder / "data.csv").unlink()
        os.mkfifo(folder / "data.csv")
        (folder / "notes.txt").unlink()
        return found

    monkeypatch.setattr(store, "walk", walk_then_swap)
    files = store.submission_files(sub, "lab3.ipynb")
    assert set(files.files) == {"lab3.ipynb"}
    assert sub.flags == [
        "left out: data.csv (unreadable, or changed while read), "
        "notes.txt (unreadable, or changed while read)"
    ]


def test_a_submission_folder_behind_a_link_is_not_walked(hostile, tmp_path):
    folder, _ = hostile
    linked = tmp_path / "mallory" / "lab3"
    linked.parent.mkdir()
    linked.symlink_to(tmp_path / "outside")
    sub = intake.inspect("mallory", linked, "lab3.ipynb")
    assert sub.problem == "the submission folder is a symbolic link: not graded"
    stamps.folder_digest(linked)


# -- the limits --------------------------------------------------------------------------


def _folder(tmp_path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "alice" / "lab3"
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content)
    return folder


def _no_read(monkeypatch) -> None:
    """Reading a file fails the test: a limit checked from sizes reads nothing."""

    def refuse(*args, **kwargs):
        raise AssertionError("a file was read")

    monkeypatch.setattr(intake, "read_regular", refuse)


def test_a_notebook_over_its_byte_limit_is_not_read(tmp_path, monkeypatch):
    folder = _folder(tmp_path, {"lab3.ipynb": _nb(padding="x" * 5000)})
    _no_read(monkeypatch)
    sub = intake.inspect("alice", folder, "lab3.ipynb", _limits(notebook_bytes=4096))
    size = (folder / "lab3.ipynb").stat().st_size
    assert sub.problem == (
        f"lab3.ipynb is {size / 1024:.1f} KiB, over the 4 KiB limit "
        "(SubmissionLimits.notebook_bytes in nbgrader_config.py): not graded"
    )
    assert sub.notebook is None and sub.notebook_bytes is None


def test_a_renamed_notebook_over_its_limit_is_named(tmp_path):
    folder = _folder(tmp_path, {"lab3 (1).ipynb": _nb()})
    size = (folder / "lab3 (1).ipynb").stat().st_size
    sub = intake.inspect("alice", folder, "lab3.ipynb", _limits(notebook_bytes=size - 1))
    assert sub.problem == (
        f'"lab3 (1).ipynb" is {size:,} bytes, over the {size - 1:,} bytes limit '
        "(SubmissionLimits.notebook_bytes in nbgrader_config.py): not graded"
    )


def test_a_notebook_of_too_many_cells(tmp_path):
    folder = _folder(tmp_path, {"lab3.ipynb": _nb(cells=31)})
    sub = intake.inspect("alice", folder, "lab3.ipynb", _limits(cells=30))
    assert sub.problem == (
        "lab3.ipynb has 31 cells, over the limit of 30 "
        "(SubmissionLimits.cells in nbgrader_config.py): not graded"
    )
    assert intake.inspect("alice", folder, "lab3.ipynb", _limits(cells=31)).problem is None


def test_too_many_files(tmp_path, monkeypatch):
    files = {"lab3.ipynb": _nb(), **{f"data/{i}.txt": "x" for i in range(10)}}
    folder = _folder(tmp_path, files)  # 12 entries: the notebook, data/, 10 files
    _no_read(monkeypatch)
    sub = intake.inspect("alice", folder, "lab3.ipynb", _limits(files=11))
    assert sub.problem == (
        "the submission holds more than 11 files and folders, over the limit "
        "(SubmissionLimits.files in nbgrader_config.py): not graded"
    )


def test_too_many_bytes_in_all(tmp_path, monkeypatch):
    folder = _folder(tmp_path, {"lab3.ipynb": _nb(), "data/big.bin": b"\x00" * (3 * 2**20)})
    _no_read(monkeypatch)
    sub = intake.inspect(
        "alice", folder, "lab3.ipynb", _limits(total_bytes=2 * 2**20, notebook_bytes=2**20)
    )
    assert sub.problem.startswith("the submission's files total 3 MiB, over the 2 MiB limit ")
    assert sub.problem.endswith("(SubmissionLimits.total_bytes in nbgrader_config.py): not graded")


def test_a_notebook_of_too_many_json_values_is_refused_unparsed(tmp_path, monkeypatch):
    """20 MiB of nested lists parsed into a gigabyte of the driver's memory: the values are
    counted from the separators first, and past ``json_values`` the notebook is not parsed."""
    nested = '{"cells": [], "x": [' + ",".join(["[[[[]]]]"] * 20_000) + "]}"
    folder = _folder(tmp_path, {"lab3.ipynb": nested})
    parsed = []
    real = intake.json.loads
    monkeypatch.setattr(intake.json, "loads", lambda *a, **k: parsed.append(1) or real(*a, **k))
    sub = intake.inspect("alice", folder, "lab3.ipynb", _limits(json_values=50_000))
    assert sub.problem.startswith("lab3.ipynb holds more than 50,000 JSON values (100,005) ")
    assert sub.problem.endswith("(SubmissionLimits.json_values in nbgrader_config.py): not graded")
    assert parsed == []


def test_fifty_thousand_files_stop_the_count_early(tmp_path, monkeypatch):
    folder = tmp_path / "alice" / "lab3"
    (folder / "many").mkdir(parents=True)
    (folder / "lab3.ipynb").write_text(_nb())
    for i in range(50_000):
        os.close(os.open(folder / "many" / f"{i:05}", os.O_CREAT | os.O_WRONLY, 0o644))
    lstats = []
    real = folders._lstat
    monkeypatch.setattr(folders, "_lstat", lambda entry: lstats.append(entry) or real(entry))
    began = time.monotonic()
    sub = intake.inspect("alice", folder, "lab3.ipynb", _limits(files=20))
    assert time.monotonic() - began < 2
    assert "more than 20 files and folders" in sub.problem
    # the notebook and the folder "many": its 50 000 files are counted from its listing
    assert len(lstats) == 2


def test_the_limits_come_from_nbgrader_config(tmp_path):
    names = ("notebook_bytes", "cells", "files", "total_bytes", "json_values")
    course = course_limits(Path(__file__).resolve().parents[2])
    defaults = SubmissionLimits()
    assert [getattr(course, n) for n in names] == [20 * 2**20, 2000, 200, 32 * 2**20, 5_000_000]
    assert [getattr(defaults, n) for n in names] == [getattr(course, n) for n in names]
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.SubmissionLimits.files = 7\n")
    limits = course_limits(tmp_path)
    assert (limits.files, limits.cells) == (7, defaults.cells)


def test_the_course_bundle_walks_without_following_links(tmp_path):
    root = tmp_path / "course"
    (root / "source" / "lab3").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "source" / "lab3" / "lab3.ipynb").write_text(_nb())
    (root / "data" / "GMM.p").write_bytes(b"gmm")
    (root / "data" / "mem").symlink_to("/proc/self/mem")
    os.mkfifo(root / "data" / "pipe")
    (root / "source" / "lab3" / ".DS_Store").write_bytes(b"finder")
    files = course_files(Settings(root=root))
    assert set(files) == {"nbgrader_config.py", "source/lab3/lab3.ipynb", "data/GMM.p"}


def test_the_course_bundle_gives_kernels_only_what_the_students_were_given(tmp_path, caplog):
    """nbgrader's autograde copies every file of the source assignment beside the
    submission, into the sandbox: a script made from the source notebook after the release
    (``nbconvert --to script``) was read by a student's cell and printed into its feedback,
    solutions and all. Of the source assignment only the notebook and what the release
    holds are sent to the workers; the rest is named in the log."""
    root = tmp_path / "course"
    for folder in ("source", "release"):
        (root / folder / "lab3" / "data").mkdir(parents=True)
        (root / folder / "lab3" / "lab3.ipynb").write_text(_nb())
        (root / folder / "lab3" / "data" / "spotify.p").write_bytes(b"songs")
    (root / "data").mkdir()
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    (root / "source" / "lab3" / "lab3.txt").write_text("### BEGIN SOLUTION")
    (root / "source" / "lab3" / "notes").mkdir()
    (root / "source" / "lab3" / "notes" / "answers.md").write_text("the answers")
    files = course_files(Settings(root=root))
    assert set(files) == {
        "nbgrader_config.py", "source/lab3/lab3.ipynb", "source/lab3/data/spotify.p",
    }  # fmt: skip
    assert "lab3.txt left out: not in" in caplog.text and "answers.md left out" in caplog.text


# -- the batch: make grade's command on a toy course -------------------------------------


@pytest.mark.slow
def test_a_hostile_folder_never_stops_the_batch(tmp_path):
    from test_pipeline import FULL, class_table, grade, grades_of

    root = toy.build_course(tmp_path / "course", timeout=3)
    honest = toy.make_submission(root, "ok").stat().st_size
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(
            f"c.SubmissionLimits.notebook_bytes = {honest + 10_000}\n"
            "c.SubmissionLimits.files = 20\n"
            "c.SubmissionLimits.cells = 40\n"
            f"c.SubmissionLimits.total_bytes = {honest + 50_000}\n"
        )
    hostile = toy.make_submission(root, "hostile").parent
    (hostile / "mem").symlink_to("/proc/self/mem")
    (hostile / "zero").symlink_to("/dev/zero")
    (hostile / "loop").symlink_to("loop")
    (hostile / "dangling").symlink_to(root / "nowhere")
    (hostile / "source").symlink_to(root / "source")
    os.mkfifo(hostile / "pipe")
    (hostile / "figure.html").write_text("<script>alert('a page of the student's')</script>")
    big = toy.make_submission(root, "bignb")
    nb = nbformat.read(big, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * 20_000))
    nbformat.write(nb, big)
    cells = toy.make_submission(root, "manycells")
    nb = nbformat.read(cells, as_version=4)
    nb.cells += [nbformat.v4.new_markdown_cell("more") for _ in range(40)]
    nbformat.write(nb, cells)
    many = toy.make_submission(root, "manyfiles").parent
    for i in range(30):
        (many / f"{i}.txt").write_text("x")
    heavy = toy.make_submission(root, "heavy").parent
    (heavy / "data.bin").write_bytes(b"\x00" * 100_000)
    late = toy.make_submission(root, "late").parent  # a zone file nbgrader would open
    (late / "timestamp.txt").write_text("2026-12-07 07:00:00 /proc/self/mem")

    run = grade(root, "--workers", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    table = class_table(root)
    assert grades_of(table, "ok") == FULL and grades_of(table, "hostile") == FULL
    assert grades_of(table, "late") == FULL
    assert "late: 4/4 in" in run.stderr and "left out: timestamp.txt (not a time" in run.stderr
    assert "left out: dangling (symbolic link), loop (symbolic link), mem (symbolic link)" in (
        run.stdout
    )
    for student, limit in (
        ("bignb", "SubmissionLimits.notebook_bytes"),
        ("manycells", "SubmissionLimits.cells"),
        ("manyfiles", "SubmissionLimits.files"),
        ("heavy", "SubmissionLimits.total_bytes"),
    ):
        assert set(grades_of(table, student).values()) == {0.0}, student
        assert f"{student} [zero]: " in run.stdout and limit in run.stdout, student
    again = grade(root, "--workers", "1")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "7 unchanged since last graded" in again.stdout
    assert_hand_run_feedback_holds_the_page_alone(root, "hostile")


@pytest.mark.slow
def test_a_submission_the_driver_cannot_read_is_not_graded_and_the_rest_are(
    tmp_path, monkeypatch, capsys
):
    """Whatever reading one submission raises on the driver (a case no check foresaw),
    that student is "not graded" with the exception's type, and every other is graded:
    the batch once ended there, after the scores of everyone to grade were cleared."""
    import argparse

    from test_pipeline import FULL, class_table, grades_of

    from kmeans_em_lab.commands import grade as cli

    root = toy.build_course(tmp_path / "course", timeout=3)
    for student in ("ada", "boom", "zed"):
        toy.make_submission(root, student)
    inspect = intake.inspect

    def failing(student, *args, **kwargs):
        if student == "boom":
            raise OSError("\x1b[2Ja message that quotes the submission")
        return inspect(student, *args, **kwargs)

    monkeypatch.setattr(intake, "inspect", failing)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("LAB3_COURSE_ROOT", str(root))
    monkeypatch.delenv("LAB3_DB_URL", raising=False)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    status = cli.main(parser.parse_args(["--course-root", str(root), "--workers", "1"]))
    printed = capsys.readouterr()
    assert status == 1  # a student not graded: the instructor looks
    table = class_table(root)
    assert grades_of(table, "ada") == FULL and grades_of(table, "zed") == FULL
    shown = printed.out + printed.err
    assert "the grader could not read the submission (OSError)" in shown
    assert "could not be graded (0 recorded, see above): boom" in shown
    assert "\x1b[2J" not in printed.out + printed.err


def assert_hand_run_feedback_holds_the_page_alone(root: Path, student: str) -> None:
    """The autograded folder holds the notebook alone, so nbgrader's generate_feedback run
    by hand, which copies what lies beside the notebook,
    puts no page of the student's (figure.html) beside the feedback page."""
    from nbgrader.apps import NbGraderAPI

    from kmeans_em_lab.course import paths
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config

    course = paths.Course(root)
    assert [p.name for p in course.autograded(student).iterdir()] == [toy.NOTEBOOK]
    api = NbGraderAPI(config=load_course_config(root))
    assert api.generate_feedback(toy.ASSIGNMENT, student, force=True)["success"]
    assert [p.name for p in course.feedback(student).iterdir()] == ["lab3.html"]


def test_a_folder_whose_name_is_no_student_id_is_left_out_and_said(tmp_path):
    submitted = tmp_path / "submitted"
    names = [
        "ada_correct",
        "12345",
        "jane.doe@uni",
        "stu\udcff\udcfedent",
        "x" * 252,
        "a\x1b[2Jb",
        "\u05d0\u05d3\u05d4_1",
        "\u0430da_correct",
        "-x",
        "--help",
    ]  # right-to-left; a Cyrillic look-alike; options to a command line
    # fmt: skip
    for name in names:
        (submitted / name / "lab3").mkdir(parents=True)
    rejected: list[str] = []
    assert intake.discover(submitted, "lab3", rejected=rejected) == [
        "12345",
        "ada_correct",
        "jane.doe@uni",
    ]
    assert len(rejected) == 7 and all("not a usable student id" in r for r in rejected)
    assert all(r.isprintable() for r in rejected)


def test_a_file_whose_path_is_too_long_for_a_worker_is_left_out(tmp_path):
    folder = tmp_path / "submitted" / "deep" / "lab3"
    nested = folder.joinpath(*["d" * 250] * 5)
    nested.mkdir(parents=True)
    (nested / "f.txt").write_text("x")
    (folder / "lab3.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    sub = intake.inspect("deep", folder, "lab3.ipynb")
    assert not sub.problem and any("(path too long)" in f for f in sub.flags)
    assert all(len(f) < 400 for f in sub.flags)
    assert list(store.submission_files(sub, "lab3.ipynb").files) == ["lab3.ipynb"]


def test_a_folder_named_like_a_file_the_grader_writes_is_left_out(tmp_path):
    """A folder ``lab3.ipynb/`` beside a renamed notebook, a folder ``timestamp.txt/``: the
    grader writes files under those names, so what the folders hold is left out, flagged."""
    folder = tmp_path / "submitted" / "ada" / "lab3"
    for name in ("lab3.ipynb", "timestamp.txt", "data"):
        (folder / name).mkdir(parents=True)
        (folder / name / "f.txt").write_text("x")
    (folder / "lab3-final.ipynb").write_text(_nb())
    sub = intake.inspect("ada", folder, "lab3.ipynb")
    assert not sub.problem, sub.problem
    assert sub.notebook == folder / "lab3-final.ipynb"
    assert sorted(sub.left_out) == ["lab3.ipynb/f.txt", "timestamp.txt/f.txt"]
    assert any("lab3.ipynb/f.txt (in a folder named like a file" in f for f in sub.flags)
    sent = store.submission_files(sub, "lab3.ipynb").files
    assert sorted(sent) == ["data/f.txt", "lab3.ipynb"]
    assert sent["lab3.ipynb"] == _nb().encode()


def test_files_that_stand_where_the_grader_writes_are_never_sent():
    """No folder can hold a file and a folder of one name: a path under another path of the
    submission, under a file the grader writes (the course's data, the page), or a file
    where the grader needs a folder (``data``) is left out, with why."""
    files = {"a": b"", "a/b": b"", "a/b/c": b"", "ab/c": b"", "x/y": b"", "x/y/z": b""}
    assert list(store.collisions(files, frozenset())) == ["a/b", "a/b/c", "x/y/z"]
    written = frozenset({"lab3.ipynb", "data/spotify.p", "lab3.html", "timestamp.txt"})
    files = {"data": b"", "data/spotify.p/n": b"", "lab3.html/f": b"", "data2/x": b"",
             "lab3.html": b"", "datax": b""}  # fmt: skip
    found = store.collisions(files, written)
    assert found == {
        "data": "a file named like a folder the grader writes",
        "data/spotify.p/n": "in a folder named like a file the grader writes",
        "lab3.html/f": "in a folder named like a file the grader writes",
    }


def test_a_submission_s_folder_where_the_course_writes_a_file_is_left_out(tmp_path):
    """A folder ``data/spotify.p/`` stands where autograde copies the course's data file,
    ``lab3.html/`` where the page goes, a file ``data`` where the data's folder goes: each
    is left out and flagged, and the rest of the submission is sent."""
    from kmeans_em_lab.course import paths
    from kmeans_em_lab.pipeline.driver import course_bundle
    from kmeans_em_lab.pipeline.driver.settings import Settings

    written = course_bundle.written_beside_submission(Settings(root=paths.course_root()))
    assert {"lab3.ipynb", "data/spotify.p", "data/GMM.p", "lab3.html"} <= written
    for odd in ("data/spotify.p/notes.txt", "lab3.html/f.txt", "data"):
        folder = tmp_path / odd.replace("/", "_") / "lab3"
        (folder / odd).parent.mkdir(parents=True)
        (folder / odd).write_text("x")
        (folder / "lab3.ipynb").write_text(_nb())
        (folder / "notes.md").write_text("mine")
        sub = intake.inspect("ada", folder, "lab3.ipynb")
        sent = store.submission_files(sub, "lab3.ipynb", written=written)
        assert sorted(sent.files) == ["lab3.ipynb", "notes.md"], odd
        assert any(odd in f and "named like a" in f for f in sub.flags), sub.flags


def test_a_failure_names_no_folder_of_the_worker(tmp_path, monkeypatch):
    from kmeans_em_lab.pipeline.worker import task

    monkeypatch.setattr(task, "_SCRATCH", tmp_path / "lab3-w-x")
    text = task.without_worker_paths(f"IsADirectoryError: [Errno 21] '{tmp_path}/lab3-w-x/c/f'")
    assert str(tmp_path) not in text and "'<worker>/c/f'" in text


@pytest.mark.parametrize(
    "break_it",
    [
        lambda nb: nb.cells[0].__setitem__("source", 5),
        lambda nb: nb.cells[0].__setitem__("cell_type", "foo"),
    ],
)
def test_a_notebook_outside_nbformats_schema_is_a_plain_problem(tmp_path, break_it):
    folder = tmp_path / "submitted" / "odd" / "lab3"
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    raw = dict(nb)
    raw["cells"] = [dict(c) for c in nb.cells]
    break_it(type("NB", (), {"cells": raw["cells"]}))
    (folder / "lab3.ipynb").write_text(json.dumps(raw))
    sub = intake.inspect("odd", folder, "lab3.ipynb")
    assert sub.problem and "not a readable notebook" in sub.problem


# -- a notebook that would cost the driver's validation (finding N1) -----------------------


class FallbackReached(BaseException):  # not an Exception: intake's own handler cannot hide it
    pass


@pytest.fixture
def no_jsonschema_fallback(monkeypatch):
    """nbformat's jsonschema validator, the one its fast validator falls back on for a refused
    notebook (an error tree of ~55 KB and a millisecond per bad element), raises if anything
    reaches it; the calls. (One cell or output checked against the schema, as ``new_code_cell``
    does, still goes through jsonschema under the fast validator's name: left alone.)"""
    from nbformat import json_compat

    calls: list[str] = []
    iter_errors, validate = (
        json_compat.JsonSchemaValidator.iter_errors,
        json_compat.JsonSchemaValidator.validate,
    )

    def refusing(method):
        def refuse(self, *args, **kwargs):
            if self.name == "jsonschema":
                calls.append(method.__name__)
                raise FallbackReached("nbformat's jsonschema fallback reached")
            return method(self, *args, **kwargs)

        return refuse

    monkeypatch.setattr(json_compat.JsonSchemaValidator, "iter_errors", refusing(iter_errors))
    monkeypatch.setattr(json_compat.JsonSchemaValidator, "validate", refusing(validate))
    return calls


def _raw_nb(**cell_fields) -> dict:
    """A notebook's JSON: one code cell ``print('hello')``, ``cell_fields`` set on it."""
    nb = json.loads(_nb())
    nb["cells"][0]["source"] = "print('hello')"
    nb["cells"][0].update(cell_fields)
    return nb


def _submit(tmp_path, raw: dict) -> Path:
    folder = tmp_path / "submitted" / "mallory" / "lab3"
    folder.mkdir(parents=True)
    (folder / "lab3.ipynb").write_text(json.dumps(raw, separators=(",", ":")))
    return folder


def _junk_output(n: int) -> dict:
    junk = {"cell_type": "code", "source": 1, "outputs": 2, "execution_count": "x"}
    return {"output_type": "stream", "name": "stdout", "text": [junk] * n}


@pytest.mark.parametrize(
    "cell_fields",
    [
        {"outputs": [{}] * 100_000},  # the reproducer: 300 KB, once 100 s and 5 GB
        {"outputs": [_junk_output(100_000)]},  # 100,000 cells' worth inside one output
        {"outputs": [{}] * 1000, "execution_count": "many"},
        {"metadata": {f"k{i}": {"v": [i]} for i in range(100_000)}},  # the schema allows it
    ],
    ids=["empty-outputs", "junk-in-an-output", "bad-count", "wide-metadata"],
)
def test_a_notebook_s_outputs_are_cleared_before_it_is_checked(
    tmp_path, no_jsonschema_fallback, cell_fields
):
    """What nbgrader's ClearOutput clears anyway is cleared before nbformat's schema is
    checked, by its fast validator alone; the cleared notebook is what goes to grading, so
    nbgrader in the worker never reads the junk either."""
    import tracemalloc

    folder = _submit(tmp_path, _raw_nb(**cell_fields))
    tracemalloc.start()
    try:
        sub = intake.inspect("mallory", folder, "lab3.ipynb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sub.problem is None and sub.notebook == folder / "lab3.ipynb"
    assert peak < 200 * 2**20  # the fallback's error tree took 5 GB for the first case
    files = store.submission_files(sub, "lab3.ipynb")
    sent = nbformat.reads(files.files["lab3.ipynb"].decode("utf-8"), as_version=4)
    nbformat.validate(sent)  # what the worker's nbgrader does, fast validator only
    (cell,) = sent.cells
    assert cell.source == "print('hello')" and cell.outputs == []
    assert cell.execution_count is None
    assert no_jsonschema_fallback == []


def _bogus_cell_keys(raw: dict) -> None:
    raw["cells"][0].update({f"bogus{i}": i for i in range(100_000)})


def _deep(levels: int):
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("break_it", "why"),
    [
        (_bogus_cell_keys, "cells[0]"),  # outside the cell's schema
        (lambda raw: raw["cells"].append({"cell_type": "markdown", "metadata": {},
                                          "source": "", "outputs": [{}] * 100_000}),
         "cells[1]"),  # outputs in a markdown cell: nothing clears them
        (lambda raw: raw["cells"][0]["metadata"].update(nbgrader=_deep(150)),
         "nested more than 100 levels"),
        (lambda raw: raw["metadata"].update(language_info={"name": "python", "x": _deep(600)}),
         "nested more than"),
        (lambda raw: raw.update(nbformat=3), "notebook format 3, not 4"),
        (lambda raw: raw.update(nbformat_minor="5"), "no notebook format version"),
        (lambda raw: raw.update(cells={"0": {}}), "cells must be array"),
    ],
)  # fmt: skip
def test_a_notebook_outside_the_schema_is_refused_at_its_first_error(
    tmp_path, no_jsonschema_fallback, break_it, why
):
    """Refused by the fast validator, which stops at the first error: a short problem for
    that student (graded 0), never nbformat's jsonschema fallback on the student's data."""
    raw = _raw_nb()
    break_it(raw)
    folder = _submit(tmp_path, raw)
    sub = intake.inspect("mallory", folder, "lab3.ipynb")
    assert sub.problem and "not a readable notebook" in sub.problem
    assert why in sub.problem and len(sub.problem) < 400
    assert sub.notebook is None and sub.notebook_bytes is None
    assert no_jsonschema_fallback == []


def test_metadata_is_kept_to_what_grading_reads(tmp_path, no_jsonschema_fallback):
    """Megabytes of ``[]`` in the notebook's or a cell's metadata cost a worker gigabytes
    each time nbconvert copies the notebook: only the kernel, the language, nbgrader's cell
    metadata and small attachments go to grading, each within MAX_METADATA_VALUES."""
    raw = _raw_nb()
    raw["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    raw["metadata"]["x"] = [[]] * 200_000
    raw["metadata"]["language_info"] = {"name": "python", "x": [[]] * 5_000}
    raw["cells"][0]["metadata"] = {"nbgrader": {"grade": False}, "tags": [[]] * 200_000}
    many = {f"a{i}.png": {"image/png": ""} for i in range(2000)}
    raw["cells"].append(
        {"cell_type": "markdown", "metadata": {}, "source": "", "attachments": many}
    )
    folder = _submit(tmp_path, raw)
    sub = intake.inspect("mallory", folder, "lab3.ipynb")
    assert sub.problem is None
    sent = json.loads(sub.notebook_bytes)
    assert sent["metadata"] == {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    assert sent["cells"][0]["metadata"] == {"nbgrader": {"grade": False}}
    assert "attachments" not in sent["cells"][-1]
    assert len(sub.notebook_bytes) < 100_000
    assert no_jsonschema_fallback == []


def test_nan_and_infinity_reach_grading_as_null(tmp_path, no_jsonschema_fallback):
    """``NaN``, ``Infinity`` and ``1e999`` (a float too large: infinite) in a kept
    attachment reached the autograded notebook, which JupyterLab's strict reader then
    refused whole: the instructor could not open it. They are read as ``null``, and the
    notebook sent to grading is strict JSON."""
    raw = _raw_nb()
    raw["cells"].append({
        "cell_type": "markdown", "id": "cell-nan", "metadata": {}, "source": "",
        "attachments": {"a.json": {"application/json": {
            "v": "NAN", "w": "INF", "x": "-INF", "y": "BIG", "z": "-BIG", "f": 1.5}}},
    })  # fmt: skip
    folder = tmp_path / "mallory" / "lab3"
    folder.mkdir(parents=True)
    text = json.dumps(raw, separators=(",", ":"))
    text = text.replace('"NAN"', "NaN").replace('"-INF"', "-Infinity").replace('"INF"', "Infinity")
    text = text.replace('"-BIG"', "-1e999").replace('"BIG"', "1e999")  # floats: infinite
    (folder / "lab3.ipynb").write_text(text)
    sub = intake.inspect("mallory", folder, "lab3.ipynb")
    assert sub.problem is None
    sent = json.loads(sub.notebook_bytes, parse_constant=lambda name: pytest.fail(name))
    kept = sent["cells"][-1]["attachments"]["a.json"]["application/json"]
    assert kept == {**dict.fromkeys("vwxyz"), "f": 1.5}
    assert no_jsonschema_fallback == []


def test_a_clean_notebook_is_sent_as_it_was_submitted(tmp_path, no_jsonschema_fallback):
    """Nothing to clear or repair: the file's own bytes go to grading."""
    folder = _submit(tmp_path, json.loads(_nb(cells=3)))
    sub = intake.inspect("mallory", folder, "lab3.ipynb")
    assert sub.problem is None
    assert sub.notebook_bytes == (folder / "lab3.ipynb").read_bytes()
    assert no_jsonschema_fallback == []


def test_a_file_written_atomically_is_whole_or_as_it_was(tmp_path, monkeypatch):
    """Stamps, logs and the cached gradebook: a write that fails halfway leaves the old
    file and no partial one beside it."""
    from kmeans_em_lab.pipeline.shared import folders

    path = tmp_path / "new" / "stamp.json"
    folders.write_atomically(path, b"first")
    assert path.read_bytes() == b"first"

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(folders.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        folders.write_atomically(path, b"second")
    assert path.read_bytes() == b"first" and sorted(p.name for p in path.parent.iterdir()) == [
        "stamp.json"
    ]
