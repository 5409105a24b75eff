"""Collecting submissions: an LMS download (``make collect ZIP=...``) and nbgrader's exchange.

- ``nbgrader_config.py``'s ``FileNameCollectorPlugin.named_regexp`` reads the
  student id from Canvas's and Moodle's file names, and nothing from others.
- A Canvas/Moodle-style zip, collected into a scratch copy of the course: each
  good entry becomes ``submitted/<id>/lab3/lab3.ipynb`` (same bytes) with the
  release's ``data/``, ready for the grader; each bad entry (two notebooks for
  one student, an unknown name, a non-notebook) gets its line and no folder.
- Collecting again changes nothing; a different submission for a student
  already collected is reported and not written, unless ``--force``.
- For JupyterHub courses, nbgrader's exchange in a local folder:
  ``release_assignment``, a student's ``fetch_assignment`` and ``submit``,
  then ``collect`` give the same ``submitted/<student>/lab3/`` layout.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pwd
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from nbgrader.plugins import FileNameCollectorPlugin

from kmeans_em_lab.commands import collect as collect_command
from kmeans_em_lab.course import paths
from kmeans_em_lab.exchange import exchange_collect
from kmeans_em_lab.exchange.collect import CHUNK, CheckedZipCollectApp
from kmeans_em_lab.pipeline.driver import intake
from kmeans_em_lab.pipeline.shared.untrusted_text import quoted_name
from kmeans_em_lab.pipeline.worker.usage_watch import remove_folder

ROOT = paths.course_root()
RELEASE_DIR = ROOT / "release" / paths.ASSIGNMENT
RELEASE_NB = (RELEASE_DIR / paths.NOTEBOOK).read_bytes()


def notebook(tag: str) -> bytes:
    """The release notebook with one extra cell: a distinct student's work."""
    nb = json.loads(RELEASE_NB)
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "id": "note-" + hashlib.sha1(tag.encode()).hexdigest()[:8],
            "metadata": {},
            "source": tag,
        }
    )
    return json.dumps(nb, indent=1).encode()


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def course(tmp_path) -> Path:
    """A scratch course: the real nbgrader_config.py and release/, an empty submitted/."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(RELEASE_DIR, root / "release" / paths.ASSIGNMENT)
    (root / "submitted").mkdir()
    return root


def run_collect(course: Path, *downloads: Path, force: bool = False) -> int:
    args = argparse.Namespace(
        downloads=list(downloads), course_root=course, assignment=paths.ASSIGNMENT, force=force
    )
    return collect_command.main(args)


def students(course: Path) -> list[str]:
    return intake.discover(course / "submitted", paths.ASSIGNMENT)


def assert_ready_to_grade(course: Path, student: str, expected: bytes) -> None:
    folder = course / "submitted" / student / paths.ASSIGNMENT
    assert (folder / paths.NOTEBOOK).read_bytes() == expected
    for name in paths.DATA_FILES:
        assert (folder / "data" / name).read_bytes() == (RELEASE_DIR / "data" / name).read_bytes()
    inspected = intake.inspect(student, folder, paths.NOTEBOOK)
    assert inspected.problem is None and inspected.flags == [], inspected
    assert inspected.notebook == folder / paths.NOTEBOOK


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("smithjohn_12345_6789012_lab3.ipynb", ("12345", "lab3.ipynb")),
        ("smithjohn_LATE_12345_6789012_lab3-1.ipynb", ("12345", "lab3-1.ipynb")),
        ("smithjohn_late_12345_6789012_lab3.ipynb", ("12345", "lab3.ipynb")),
        ("smithjohn_12345_6789012_my_lab_3.ipynb", ("12345", "my_lab_3.ipynb")),
        ("John Smith_12345_assignsubmission_file_lab3.ipynb", ("12345", "lab3.ipynb")),
        ("Jean-Luc O'Neil_678_assignsubmission_file_lab3.ipynb", ("678", "lab3.ipynb")),
        ("John Smith_12345_assignsubmission_file_/lab3.ipynb", ("12345", "lab3.ipynb")),
        ("lab3.ipynb", None),
        ("random_notes.ipynb", None),
        ("smith_john_lab3.ipynb", None),
    ],
)
def test_named_regexp_reads_canvas_and_moodle_names(name, expected):
    regexp = paths.Course.at(ROOT).load_config().FileNameCollectorPlugin.named_regexp
    plugin = FileNameCollectorPlugin(named_regexp=regexp)
    info = plugin.collect(f"/scratch/downloaded/lab3/extracted/submissions_2024_1/{name}")
    assert ((info["student_id"], info["file_id"]) if info else None) == expected


@pytest.mark.parametrize(
    ("name", "others"),
    [
        ("Eve_22222_1__99999_assignsubmission_file_lab3.ipynb", {"99999"}),  # Moodle name
        ("eve_22222_1_33333_4_lab3.ipynb", {"1", "33333"}),  # Canvas: two more
        ("Eve_22222_1__99999_assignsubmission_file_/lab3.ipynb", set()),  # one reading only
        ("smithjohn_12345_6789012_my_lab_3.ipynb", set()),
        ("John Smith_12345_assignsubmission_file_lab3_2_3.ipynb", set()),
        ("Ann Roe_34568_assignsubmission_file_/Lab 3 final.ipynb", set()),
        # a folder Eve made in her Moodle submission, named like another student's
        ("Eve_12345_assignsubmission_file_/x_99999_assignsubmission_file_/lab3.ipynb",
         {"12345"}),
        ("moodle/Eve_12345_assignsubmission_file_/a/x_99999_assignsubmission_file_lab3.ipynb",
         {"12345"}),
    ],
)  # fmt: skip
def test_a_name_that_reads_as_two_students_is_found(name, others):
    """A display name is the student's to choose: one that holds ``_<id>_`` could make the
    file read as another student's id; every other reading is found."""
    from kmeans_em_lab.exchange.collect import other_ids

    regexp = paths.Course.at(ROOT).load_config().FileNameCollectorPlugin.named_regexp
    top = "/scratch/downloaded/lab3/extracted"
    path = f"{top}/{name}"
    first = re.match(regexp, path)["student_id"]
    assert other_ids(regexp, path, first, top) == others
    # the folders above the download's own are the instructor's: never read
    assert other_ids(regexp, f"/x/Kim_77777_assignsubmission_file_/{name}", first, "/x/Kim_"
                     "77777_assignsubmission_file_") == others  # fmt: skip


def test_a_display_name_cannot_take_another_students_id(course, tmp_path, capsys):
    """Eve, whose Moodle name is ``Eve_22222_1_``, hands in a file that reads as student
    22222's: it is not collected, and 22222's own submission is."""
    entries = {
        "Alice Smith_22222_assignsubmission_file_lab3.ipynb": notebook("alice"),
        "Eve_22222_1__99999_assignsubmission_file_lab3.ipynb": notebook("eve"),
    }
    download = make_zip(tmp_path / "moodle.zip", entries)
    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["22222"]
    assert_ready_to_grade(course, "22222", notebook("alice"))
    assert "reads as more than one student id (22222, 99999): not collected" in out


def test_a_folder_in_a_moodle_submission_cannot_take_another_students_id(course, tmp_path, capsys):
    """Moodle keeps the sub-folders a student makes in a file submission: Eve (12345) makes
    one named like student 99999's submission folder. Her notebook in it is not collected
    as 99999's; 99999's own submission is."""
    entries = {
        "Eve Attacker_12345_assignsubmission_file_/x_99999_assignsubmission_file_/lab3.ipynb":
            notebook("eve"),
        "Ann Honest_99999_assignsubmission_file_/lab3.ipynb": notebook("ann"),
    }  # fmt: skip
    download = make_zip(tmp_path / "moodle.zip", entries)
    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["99999"]
    assert_ready_to_grade(course, "99999", notebook("ann"))
    assert "reads as more than one student id (12345, 99999): not collected" in out


def test_lms_download_is_collected_and_bad_entries_are_reported(course, tmp_path, capsys):
    good = {
        "12345": "smithjohn_12345_6789012_lab3.ipynb",
        "23456": "doejane_LATE_23456_6789013_lab3-1.ipynb",  # Canvas: late, resubmitted
        "34567": "John Smith_34567_assignsubmission_file_lab3.ipynb",  # Moodle
        "34568": "Ann Roe_34568_assignsubmission_file_/Lab 3 final.ipynb",  # Moodle, in folders
    }
    bad = {
        "leeann_45678_6789014_lab3.ipynb": "45678: 2 notebooks",
        "leeann_45678_6789014_lab3 (copy).ipynb": "45678: 2 notebooks",
        "lab3_final.ipynb": "lab3_final.ipynb: unknown file name",
        "kimbob_56789_6789015_lab3.py": "(student 56789): not a notebook",
    }
    entries = {name: notebook(student) for student, name in good.items()}
    entries.update({name: notebook(name) for name in bad})
    entries["__MACOSX/._smithjohn_12345_6789012_lab3.ipynb"] = b"\x00\x05"  # macOS junk
    download = make_zip(tmp_path / "submissions.zip", entries)

    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == sorted(good)
    for student, name in good.items():
        assert_ready_to_grade(course, student, notebook(student))
        assert (
            f"collected  {student}: submitted/{student}/lab3/lab3.ipynb + data "
            f"(from {quoted_name('submissions/' + name)})" in out
        )
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 3, out
    for name, reason in bad.items():
        assert any(reason in line and name in line for line in skipped), (name, out)
    assert "collected 4 submission(s)" in out and "3 skipped" in out
    assert "MACOSX" not in out


def test_collecting_again_overwrites_nothing_silently(course, tmp_path, capsys):
    name = "smithjohn_12345_6789012_lab3.ipynb"
    first = make_zip(tmp_path / "first.zip", {name: notebook("first")})
    assert run_collect(course, first) == collect_command.EXIT_OK
    target = course / "submitted" / "12345" / "lab3" / "lab3.ipynb"
    stamp = target.stat().st_mtime_ns
    capsys.readouterr()

    assert run_collect(course, first) == collect_command.EXIT_OK  # the same download again
    assert "unchanged  12345" in capsys.readouterr().out
    assert target.stat().st_mtime_ns == stamp

    second = make_zip(tmp_path / "second.zip", {name: notebook("second")})
    assert run_collect(course, second) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert "SKIPPED    12345: submitted/12345/lab3/ holds a different submission" in out
    assert "--force" in out
    assert target.read_bytes() == notebook("first") and target.stat().st_mtime_ns == stamp

    assert run_collect(course, second, force=True) == collect_command.EXIT_OK
    assert "replacing the earlier submission" in capsys.readouterr().out
    assert_ready_to_grade(course, "12345", notebook("second"))


def test_missing_download_or_regexp_is_a_setup_error(course, tmp_path, capsys):
    assert run_collect(course, tmp_path / "nothing.zip") == collect_command.EXIT_SETUP
    assert "nothing.zip: no such file" in capsys.readouterr().err
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.FileNameCollectorPlugin.named_regexp = ''\n")
    download = make_zip(tmp_path / "s.zip", {"a_1_2_lab3.ipynb": notebook("a")})
    assert run_collect(course, download) == collect_command.EXIT_SETUP
    assert students(course) == []


def nbgrader(app_class, *argv: str, cwd: Path, monkeypatch) -> None:
    """``nbgrader <command> argv...`` run in ``cwd``, in this process (its start-up is slow)."""
    monkeypatch.chdir(cwd)
    app = app_class()
    app.initialize(list(argv))
    app.start()


def test_jupyterhub_exchange_release_fetch_submit_collect(course, tmp_path, monkeypatch):
    """nbgrader's exchange, with the course's nbgrader_config.py and a local exchange folder
    (on a JupyterHub, ``c.Exchange.root`` is a folder every user can reach)."""
    from nbgrader.apps import CollectApp, FetchAssignmentApp, ReleaseAssignmentApp, SubmitApp

    for name in ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter_home"))
    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    exchange = f"--Exchange.root={tmp_path / 'exchange'}"
    course_id = f"--course={paths.Course.at(ROOT).load_config().CourseDirectory.course_id}"
    lab = paths.ASSIGNMENT

    # instructor: nbgrader release_assignment lab3
    nbgrader(ReleaseAssignmentApp, lab, exchange, cwd=course, monkeypatch=monkeypatch)
    inbound = tmp_path / "exchange" / course_id.split("=", 1)[1] / "inbound"
    for folder in (tmp_path / "exchange", inbound):  # no student renames another's entries
        assert folder.stat().st_mode & stat.S_ISVTX, folder
    # student alice, in her home: nbgrader fetch_assignment lab3, work, nbgrader submit lab3
    home = tmp_path / "alice"
    home.mkdir()
    nbgrader(FetchAssignmentApp, lab, course_id, exchange, cwd=home, monkeypatch=monkeypatch)
    work = home / lab / paths.NOTEBOOK
    assert work.read_bytes() == RELEASE_NB
    work.write_bytes(notebook("alice's work"))
    # on a hub: her user name, by default; here the test's own user, who owns the folder
    alice = pwd.getpwuid(os.getuid()).pw_name
    student = f"--CourseDirectory.student_id={alice}"
    nbgrader(SubmitApp, lab, course_id, exchange, student, cwd=home, monkeypatch=monkeypatch)
    # instructor: nbgrader collect lab3
    nbgrader(CollectApp, lab, exchange, cwd=course, monkeypatch=monkeypatch)

    assert students(course) == [alice]
    assert_ready_to_grade(course, alice, notebook("alice's work"))
    assert (course / "submitted" / alice / lab / "timestamp.txt").is_file()


def test_the_exchange_collect_takes_nothing_a_student_controls_on_trust(
    course, tmp_path, monkeypatch, capfd
):
    """Every student can write into the exchange's inbound folder. nbgrader's own collect
    followed links (the course secret, the source notebook, /proc/self/environ became
    files beside the notebook, in the sandbox), took a folder named for another student
    (a blank notebook handed in as theirs: only a warning) and logged a name's terminal
    escapes raw. The course's collect (``c.ExchangeFactory.collect``) leaves out links,
    files another user owns (a hard link to a file the student cannot read), folders not
    owned by the user they name (before each user's latest is chosen: a later
    folder named for a classmate once kept theirs from being collected), and names
    ``nbgrader submit`` does not write, saying so escaped; a ``timestamp.txt`` is written
    from the folder's checked name, never read (nbgrader's reader opened a zone file it
    named)."""
    from nbgrader.apps import CollectApp

    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    me = pwd.getpwuid(os.getuid()).pw_name
    course_id = paths.Course.at(ROOT).load_config().CourseDirectory.course_id
    inbound = tmp_path / "exchange" / course_id / "inbound"
    time = "2026-12-07 07:00:00.000000 UTC"

    def hand_in(name: str) -> Path:
        folder = inbound / name
        (folder / "data").mkdir(parents=True)
        (folder / paths.NOTEBOOK).write_bytes(notebook(name))
        for data in paths.DATA_FILES:
            shutil.copy(RELEASE_DIR / "data" / data, folder / "data" / data)
        return folder

    mine = hand_in(f"{me}+lab3+{time}+abc123")
    (mine / "timestamp.txt").write_text("2026-12-07 07:00:00 /proc/self/mem")  # a zone file
    (course / "instructor-secret.txt").write_text("SECRET of the course")
    (mine / "notes.txt").symlink_to(course / "instructor-secret.txt")
    (mine / "env.txt").symlink_to("/proc/self/environ")
    (mine / "source").symlink_to(course / "source")
    hand_in(f"victim+lab3+{time}+eeeeee")  # owned by this user, not by "victim"
    if os.geteuid() == 0:  # a classmate's later folder named for this user
        os.chown(hand_in(f"{me}+lab3+2026-12-07 23:59:00.000000 UTC+zzz999"), 65534, -1)
        # a hard link to a file of another user's, which the student cannot read (where
        # fs.protected_hardlinks is 0, anyone may link to any file)
        os.chown(course / "instructor-secret.txt", 65534, -1)
        os.link(course / "instructor-secret.txt", mine / "hard.txt")
        # and one swapped in for a file of the student's own once the folder is listed
        (mine / "late.txt").write_text("the student's own")
        listed = exchange_collect.walk

        def walk_then_swap(folder, **kwargs):
            found = listed(folder, **kwargs)
            if Path(folder) == mine:
                (mine / "late.txt").unlink()
                os.link(course / "instructor-secret.txt", mine / "late.txt")
            return found

        monkeypatch.setattr(exchange_collect, "walk", walk_then_swap)
    hand_in(f"mallory\x1b[2J\x1b[1;32mall collected OK+lab3+{time}+x")
    exchange = f"--Exchange.root={tmp_path / 'exchange'}"
    nbgrader(CollectApp, paths.ASSIGNMENT, exchange, cwd=course, monkeypatch=monkeypatch)

    assert students(course) == [me]
    folder = course / "submitted" / me / paths.ASSIGNMENT
    assert sorted(p.name for p in folder.iterdir()) == ["data", paths.NOTEBOOK, "timestamp.txt"]
    assert (folder / "timestamp.txt").read_text() == f"{time}\n"  # from the name, checked
    assert_ready_to_grade(course, me, notebook(f"{me}+lab3+{time}+abc123"))
    said = "".join(capfd.readouterr())
    assert "notes.txt (symbolic link)" in said and "source (symbolic link)" in said
    assert f"names victim but belongs to {me}" in said
    assert os.geteuid() != 0 or f'zzz999" (names {me} but belongs to ' in said
    assert os.geteuid() != 0 or "hard.txt (a file of another user)" in said
    assert os.geteuid() != 0 or "late.txt (unreadable, another user's" in said
    assert "mallory\\x1b[2J" in said and "\x1b" not in said


# A student's file name that, written as it is in a line of the collect's, reads as more
# of the collect's own words: its own quote, a look-alike quote, a line separator.
HOSTILE_NAMES = (
    'x.txt" (student 22222): not a notebook, and collected  12345: submitted.txt',
    "y.txt\u201d: not a notebook\u2028collected  12345: all OK.txt",
)
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')  # a name in the collect's quotes, escapes kept


def test_a_collect_quotes_a_student_s_file_name_in_its_own_lines(
    course, tmp_path, monkeypatch, capfd
):
    """A file name is the student's: both collects (a zip download, the exchange) show a
    name in double quotes, its own quotes and backslashes escaped, every character past
    ASCII written as its escape, so no part of it reads as a status of the collect's."""
    from nbgrader.apps import CollectApp

    entries = {f"eve_22222_1_{name}": b"x" for name in HOSTILE_NAMES}
    entries["smithjohn_12345_6789012_lab3.ipynb"] = notebook("smith")
    download = make_zip(tmp_path / "d.zip", entries)
    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capfd.readouterr().out
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == len(HOSTILE_NAMES), out
    for line in skipped:
        rest = line.removeprefix("SKIPPED    ")
        quoted = QUOTED.match(rest)
        assert quoted and rest[quoted.end() :] == " (student 22222): not a notebook", line
        assert rest.isascii(), line
    assert [line.split()[0] for line in out.splitlines()[:-1]] == ["collected", *["SKIPPED"] * 2]

    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    course_id = paths.Course.at(ROOT).load_config().CourseDirectory.course_id
    folder = tmp_path / "exchange" / course_id / "inbound" / "eve+lab3+2026-12-07 08:00:00 UTC+a"
    folder.mkdir(parents=True)
    (folder / paths.NOTEBOOK).write_bytes(notebook("eve"))
    for name in HOSTILE_NAMES:
        (folder / name).symlink_to("/proc/self/environ")
    exchange = f"--Exchange.root={tmp_path / 'exchange'}"
    owners = "--CollectApp.check_owner=False"  # the folder belongs to this test's user
    nbgrader(CollectApp, paths.ASSIGNMENT, exchange, owners, cwd=course, monkeypatch=monkeypatch)
    assert students(course) == ["12345", "eve"]
    said = "".join(capfd.readouterr())
    left_out = [line for line in said.splitlines() if "Not collected from" in line]
    assert len(left_out) == len(HOSTILE_NAMES), said
    for line in left_out:
        rest = line.split("Not collected from ", 1)[1]
        folder_name = QUOTED.match(rest)
        assert folder_name and rest[folder_name.end() :].startswith(": "), line
        rest = rest[folder_name.end() + 2 :]
        name = QUOTED.match(rest)
        assert name and rest[name.end() :] == " (symbolic link)", line
        assert line.isascii(), line


@pytest.mark.parametrize(
    "how",
    [
        "root a link",
        "course a link",
        "root another user's",
        "above another user's",
        "course another user's, of my group",
        "root a link, in a group",
    ],  # fmt: skip
)
def test_the_release_refuses_exchange_folders_a_student_made_first(
    course, tmp_path, monkeypatch, capfd, how
):
    """A student who makes the exchange's root, a folder above it, or the course's folder
    in it before the first release chose what classmates fetch and where they submit, and
    with a link there nbgrader's release made the link's target (a folder of the
    instructor's) world-writable. The course's release refuses all of them, following no
    link, and changes nothing."""
    from nbgrader.apps import ReleaseAssignmentApp

    if "another" in how and os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    course_id = paths.Course.at(ROOT).load_config().CourseDirectory.course_id
    mine = tmp_path / "instructor-home"
    mine.mkdir(mode=0o755)
    above = tmp_path / "shared"
    above.mkdir()
    root = above / "exchange"
    if how.startswith("root a link"):  # (groupshared: nbgrader checks no root at all)
        root.symlink_to(mine)
    elif how == "course a link":
        root.mkdir()
        root.chmod(0o1777)
        (root / course_id).symlink_to(mine)
    elif how == "root another user's":
        root.mkdir()
        root.chmod(0o1777)
        os.chown(root, 65534, 65534)
    elif how == "above another user's":
        os.chown(above, 65534, 65534)
    else:  # in a groupshared exchange, a folder takes the group of the setgid root
        root.mkdir()
        root.chmod(0o3777)
        (root / course_id).mkdir()
        os.chown(root / course_id, 65534, os.getegid())
    shared = f"--CourseDirectory.groupshared={'group' in how}"
    with pytest.raises((SystemExit, Exception)):
        nbgrader(ReleaseAssignmentApp, paths.ASSIGNMENT, f"--Exchange.root={root}", shared,
                 cwd=course, monkeypatch=monkeypatch)  # fmt: skip
    assert stat.S_IMODE(mine.stat().st_mode) == 0o755 and list(mine.iterdir()) == []
    said = "".join(capfd.readouterr())
    assert "Not releasing" in said
    assert ("is not a folder" if "link" in how else "belongs to another user") in said


def test_the_inbound_listing_is_refused(course, tmp_path, monkeypatch, capfd):
    """``nbgrader list --inbound`` printed the names students gave their folders raw and
    opened their notebooks following links (a FIFO held it forever)."""
    from nbgrader.apps import ListApp

    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    course_id = paths.Course.at(ROOT).load_config().CourseDirectory.course_id
    inbound = tmp_path / "exchange" / course_id / "inbound"
    folder = inbound / "me\x1b[2J+lab3+2026-12-07 08:00:00.000000 UTC+abc"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "lab3.ipynb")
    with pytest.raises((SystemExit, Exception)):
        nbgrader(ListApp, "--inbound", f"--Exchange.root={tmp_path / 'exchange'}",
                 f"--course={course_id}", cwd=course, monkeypatch=monkeypatch)  # fmt: skip
    said = "".join(capfd.readouterr())
    assert "nbgrader collect lab3" in said and "\x1b" not in said


@pytest.mark.parametrize("how", ["link", "not sticky", "another user's"])
def test_the_exchange_collect_refuses_course_folders_a_student_could_have_swapped(
    course, tmp_path, monkeypatch, capfd, how
):
    """nbgrader's exchange root (0777) and inbound/ (2733) have no sticky bit: a student
    could move the course's folder aside and put their own in its place (classmates
    fetched the student's files and submitted into the student's inbound/), or rename a
    classmate's submission. The course's release makes both sticky; its collect refuses
    course folders that are links, another user's, or open to renames."""
    from nbgrader.apps import CollectApp

    if how == "another user's" and os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    course_id = paths.Course.at(ROOT).load_config().CourseDirectory.course_id
    root = tmp_path / "exchange"
    real = tmp_path / "elsewhere" / course_id
    (real / "inbound" / "me+lab3+2026-12-07 08:00:00.000000 UTC+abc").mkdir(parents=True)
    root.mkdir()
    if how == "link":
        (root / course_id).symlink_to(real)
    else:
        real.rename(root / course_id)
        if how == "not sticky":
            (root / course_id / "inbound").chmod(0o2733)
        else:
            os.chown(root / course_id, 65534, 65534)
    exchange = f"--Exchange.root={root}"
    owners = "--CollectApp.check_owner=False"
    with pytest.raises((SystemExit, Exception)):
        nbgrader(CollectApp, paths.ASSIGNMENT, exchange, owners, cwd=course,
                 monkeypatch=monkeypatch)  # fmt: skip
    assert students(course) == []
    said = "".join(capfd.readouterr())
    assert "Not collecting: " in said
    assert {"link": "is not a folder", "not sticky": "no sticky bit",
            "another user's": "belongs to another user"}[how] in said  # fmt: skip


def test_the_exchange_collect_reads_no_student_time_and_keeps_to_the_file_limit(
    course, tmp_path, monkeypatch, capfd
):
    """A submission collected before is updated although its ``timestamp.txt`` names a
    zone file (nbgrader's own reader opened it: the collect stopped there, or filled the
    instructor's memory); a folder of more files and folders than
    ``SubmissionLimits.files`` is not collected (300,000 empty files took minutes); a
    folder ``timestamp.txt/``, a path longer than intake reads, a folder its student
    removes once it is listed, or any error copying one folder leaves that folder out, and
    the collect goes on with the others (nbgrader's loop stopped at the first error)."""
    from nbgrader.apps import CollectApp

    monkeypatch.setenv("LAB3_DB_URL", f"sqlite:///{tmp_path / 'gradebook.db'}")
    course_id = paths.Course.at(ROOT).load_config().CourseDirectory.course_id
    inbound = tmp_path / "exchange" / course_id / "inbound"
    students_ = (("ann", 0), ("bob", 250), ("cat", 0), ("dan", 0), ("eve", 0), ("fay", 0))
    for student, files in students_:
        folder = inbound / f"{student}+lab3+2026-12-07 08:00:00.000000 UTC+abc"
        folder.mkdir(parents=True)
        (folder / paths.NOTEBOOK).write_bytes(notebook(student))
        for n in range(files):
            (folder / f"{n}.txt").write_bytes(b"")
    cat = inbound / "cat+lab3+2026-12-07 08:00:00.000000 UTC+abc"
    (cat / "timestamp.txt").mkdir()  # where the grader writes the time: the collect stopped
    (cat / "timestamp.txt" / "x").write_text("x")
    deep = cat.joinpath(*["d" * 240] * 5)  # a path longer than intake reads
    deep.mkdir(parents=True)
    (deep / "f.txt").write_text("f")
    write_files = exchange_collect.write_files

    def failing(dest, files):  # whatever else copying one folder may raise
        if "eve" in str(dest):
            raise OSError("\x1b[2Jdisk full")
        write_files(dest, files)

    monkeypatch.setattr(exchange_collect, "write_files", failing)
    listed = exchange_collect.CheckedExchangeCollect.init_src

    def listed_then_removed(self):  # fay removes her folder once the collect has listed it
        listed(self)
        shutil.rmtree(inbound / "fay+lab3+2026-12-07 08:00:00.000000 UTC+abc")

    monkeypatch.setattr(exchange_collect.CheckedExchangeCollect, "init_src", listed_then_removed)
    earlier = course / "submitted" / "ann" / paths.ASSIGNMENT
    earlier.mkdir(parents=True)
    (earlier / "timestamp.txt").write_text("2026-12-07 07:00:00 /proc/self/mem")
    exchange = f"--Exchange.root={tmp_path / 'exchange'}"
    owners = "--CollectApp.check_owner=False"  # the folders belong to this test's user
    nbgrader(CollectApp, paths.ASSIGNMENT, exchange, owners, "--update", cwd=course,
             monkeypatch=monkeypatch)  # fmt: skip
    assert (earlier / paths.NOTEBOOK).read_bytes() == notebook("ann")
    assert (earlier / "timestamp.txt").read_text() == "2026-12-07 08:00:00.000000 UTC\n"
    assert not (course / "submitted" / "bob" / paths.ASSIGNMENT).exists()
    assert students(course) == ["ann", "cat", "dan"]  # eve's copy failed: the rest collected
    cat_copy = course / "submitted" / "cat" / paths.ASSIGNMENT
    assert sorted(p.name for p in cat_copy.iterdir()) == [paths.NOTEBOOK, "timestamp.txt"]
    said = "".join(capfd.readouterr())
    assert '"bob+lab3+2026-12-07 08:00:00.000000 UTC+abc" holds more than 200 files' in said
    assert "a path of more than 1024 bytes" in said
    assert '"eve+lab3+2026-12-07 08:00:00.000000 UTC+abc" (OSError)' in said
    assert '"fay+lab3+2026-12-07 08:00:00.000000 UTC+abc" (FileNotFoundError)' in said
    assert "\x1b" not in said


# -- the download is unpacked within limits (finding N4: nested zips, no size limit) --------


def limit(course: Path, setting: str) -> None:
    """One more line in the scratch course's nbgrader_config.py."""
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.{setting}\n")


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def unpacked(monkeypatch) -> list[dict[str, int]]:
    """What each collect had unpacked (relative path: bytes) when it began screening."""
    seen = []
    original = CheckedZipCollectApp.process_extracted_files

    def measure(app):
        extracted = Path(app._format_collect_path(app.extracted_directory))
        files = [p for p in extracted.rglob("*") if p.is_file()]
        seen.append({p.relative_to(extracted).as_posix(): p.stat().st_size for p in files})
        return original(app)

    monkeypatch.setattr(CheckedZipCollectApp, "process_extracted_files", measure)
    return seen


@pytest.mark.parametrize("as_folder", [False, True], ids=["zip", "unzipped folder"])
def test_an_archive_inside_the_download_is_not_unpacked(
    course, tmp_path, capsys, unpacked, as_folder
):
    """Eve uploads a small zip of zips of zeros (the finding's download, a few MiB here):
    nothing of it is unpacked, with the limit on what a collect unpacks set low; it gets its
    line, and the rest of the class is collected."""
    limit(course, "DownloadLimits.total_bytes = 2**20")
    zeros = zip_bytes({"zeros.bin": bytes(4 * 2**20)})
    eve = zip_bytes({f"part{i}.zip": zeros for i in range(3)})
    entries = {
        "smithjohn_12345_6789012_lab3.ipynb": notebook("smith"),
        "eve_22222_888_notes.zip": eve,
        "eve_22222_888_lab3.tar.gz": zeros,
    }
    if as_folder:  # the instructor unzipped the download: the same, from a folder
        download = tmp_path / "submissions"
        download.mkdir()
        for name, data in entries.items():
            (download / name).write_bytes(data)
    else:
        download = make_zip(tmp_path / "submissions.zip", entries)

    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["12345"]
    assert_ready_to_grade(course, "12345", notebook("smith"))
    for name in ("eve_22222_888_notes.zip", "eve_22222_888_lab3.tar.gz"):
        assert (
            f"SKIPPED    submissions/{name} (student 22222): an archive inside the download: "
            "not unpacked" in out
        ), out
    assert "collected 1 submission(s)" in out and "2 skipped" in out
    [files] = unpacked
    assert list(files) == ["submissions/smithjohn_12345_6789012_lab3.ipynb"], files
    assert sum(files.values()) < 2**20


def test_a_notebook_declared_over_its_limit_is_never_read(course, tmp_path, capsys, monkeypatch):
    """A member whose zip entry declares more than ``SubmissionLimits.notebook_bytes`` is left
    out from the zip's directory: never opened. The others are read in bounded chunks."""
    limit(course, "SubmissionLimits.notebook_bytes = 200_000")
    big = "eve_33333_888_lab3.ipynb"
    entries = {
        "smithjohn_12345_6789012_lab3.ipynb": notebook("smith"),
        big: notebook("x" * 300_000),
    }
    download = make_zip(tmp_path / "submissions.zip", entries)
    opened, reads = [], []
    original_open, original_read = zipfile.ZipFile.open, zipfile.ZipExtFile.read

    def spy_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original_open(self, name, *args, **kwargs)

    def spy_read(self, n=-1):
        reads.append(n)
        return original_read(self, n)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy_read)
    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["12345"]
    assert_ready_to_grade(course, "12345", notebook("smith"))
    assert big not in opened and "smithjohn_12345_6789012_lab3.ipynb" in opened
    assert reads and all(0 < n <= CHUNK for n in reads), reads
    assert re.search(
        rf"SKIPPED    submissions/{big} \(student 33333\): 0\.3 MiB, over the 0\.2 MiB a "
        r"notebook may hold \(SubmissionLimits\.notebook_bytes in nbgrader_config\.py\)",
        out,
    ), out


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ("DownloadLimits.total_bytes = {one_and_a_half_notebooks}", "DownloadLimits.total_bytes"),
        ("DownloadLimits.members = 2", "DownloadLimits.members"),
    ],
)
def test_a_download_over_the_limit_is_refused_by_name(course, tmp_path, capsys, setting, why):
    """A zip whose directory says it unpacks to more than a collect may is not unpacked at
    all, with a line naming it; another download of the same collect is collected."""
    limit(course, setting.format(one_and_a_half_notebooks=len(notebook("s0")) * 3 // 2))
    over = make_zip(
        tmp_path / "class.zip",
        {f"s{n}_1000{n}_1_lab3.ipynb": notebook(f"s{n}") for n in range(3)},
    )
    within = make_zip(tmp_path / "late.zip", {"late_20000_1_lab3.ipynb": notebook("late")})
    assert run_collect(course, over, within) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["20000"]
    assert_ready_to_grade(course, "20000", notebook("late"))
    [line] = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert line.startswith("SKIPPED    class.zip: ") and line.endswith("nothing of it unpacked")
    assert f"({why} in nbgrader_config.py)" in line


def test_paths_outside_the_download_are_refused(course, tmp_path, capsys, unpacked):
    outside = ["../evil_11111_1_lab3.ipynb", "/tmp/abs_11112_1_lab3.ipynb"]
    outside.append("Ann_11113_assignsubmission_file_/../../../x_11113_1_lab3.ipynb")
    entries = {name: notebook(name) for name in outside}
    entries["smithjohn_12345_6789012_lab3.ipynb"] = notebook("smith")
    download = make_zip(tmp_path / "submissions.zip", entries)
    assert sorted(zipfile.ZipFile(download).namelist()) == sorted(entries)

    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["12345"]
    for name, student in zip(outside, ("11111", "11112", "11113"), strict=True):
        assert (
            f'SKIPPED    submissions.zip: "{name}" (student {student}): a path outside the '
            "download (absolute, with .., or too long): not unpacked" in out
        ), out
    [files] = unpacked
    assert list(files) == ["submissions/smithjohn_12345_6789012_lab3.ipynb"], files
    assert not (tmp_path / "evil_11111_1_lab3.ipynb").exists()


def test_links_in_a_folder_passed_are_never_followed(course, tmp_path, capsys, unpacked):
    """A folder the instructor passes (an unpacked download, a student's archive unpacked by
    hand) may hold a student's symbolic links: one named like a submission that points at
    the course's source notebook (solutions and hidden tests), links to folders that loop.
    None is followed: each is left out and said, the copy ends, the others are collected."""
    source = course / "source" / paths.ASSIGNMENT / paths.NOTEBOOK
    source.parent.mkdir(parents=True)
    source.write_bytes(notebook("the solutions"))
    download = tmp_path / "submissions"
    download.mkdir()
    (download / "smithjohn_12345_6789012_lab3.ipynb").write_bytes(notebook("smith"))
    (download / "eve_22222_888_lab3.ipynb").symlink_to(source)
    (download / "a").symlink_to(".")
    (download / "b").symlink_to(download)
    assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    out = capsys.readouterr().out
    assert students(course) == ["12345"]
    assert_ready_to_grade(course, "12345", notebook("smith"))
    assert (
        "SKIPPED    submissions/eve_22222_888_lab3.ipynb (student 22222): symbolic link: "
        "not collected" in out
    ), out
    for name in ("a", "b"):
        assert f"SKIPPED    submissions/{name}: symbolic link: not collected" in out, out


def test_a_folder_passed_is_copied_within_limits_whatever_it_holds(
    course, tmp_path, capsys, monkeypatch
):
    """A folder passed may hold what no zip download does: a FIFO, folders nested a
    thousand deep, a sparse file of gigabytes. None stops the collection or fills the disk:
    the FIFO and the deep folders are left out and said, the big file is not copied (only
    notebooks within their limit are), and the other students are collected."""
    download = tmp_path / "submissions"
    download.mkdir()
    (download / "smithjohn_12345_6789012_lab3.ipynb").write_bytes(notebook("smith"))
    os.mkfifo(download / "eve_22222_888_lab3.ipynb")
    deep = download / "deep"
    fd = os.open(download, os.O_RDONLY)
    for _ in range(1200):  # deeper than any path: made level by level through descriptors
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    os.rename(download / "d", deep)
    with open(download / "eve_22222_888_video.mp4", "wb") as big:
        big.truncate(4 * 2**30)  # sparse: 4 GiB that take no disk
    on_disk = []  # bytes the scratch copy of the download takes, when screening begins
    original = CheckedZipCollectApp.process_extracted_files

    def measure(app):
        archive = Path(app._format_collect_path(app.archive_directory))
        on_disk.append(sum(p.lstat().st_blocks * 512 for p in archive.rglob("*")))
        return original(app)

    monkeypatch.setattr(CheckedZipCollectApp, "process_extracted_files", measure)
    try:
        assert run_collect(course, download) == collect_command.EXIT_SKIPPED
    finally:  # pytest removes old temporary folders recursively: not this one
        remove_folder(deep)
    assert on_disk and on_disk[0] < 2**20, on_disk
    out = capsys.readouterr().out
    assert students(course) == ["12345"]
    assert_ready_to_grade(course, "12345", notebook("smith"))
    assert "SKIPPED    submissions/eve_22222_888_lab3.ipynb (student 22222): FIFO" in out, out
    assert "submissions/deep/" in out and "too deep: not collected" in out, out
    assert "SKIPPED    submissions/eve_22222_888_video.mp4 (student 22222): not a notebook" in out
