"""``make collect ZIP=...``: an LMS download into ``submitted/<student>/lab3/``.

The download is what Canvas (*Assignments > Download Submissions*) or Moodle
(*View all submissions > Download all submissions*) gives: a zip with one file
per student, the student's id in its name. It goes through nbgrader's own zip
collection (``nbgrader zip_collect``: :class:`~nbgrader.apps.ZipCollectApp`
extracts it and its :class:`~nbgrader.plugins.FileNameCollectorPlugin` reads
each name with ``FileNameCollectorPlugin.named_regexp`` from
``nbgrader_config.py``), with these rules on top:

- every notebook is collected as ``submitted/<student>/lab3/lab3.ipynb``
  (``lab3-1.ipynb``, Canvas's name for a resubmission, included), and the
  release's other files (``data/``) are put beside it, as the grader expects;
- a bad entry gets one line and is not collected: a student with two
  notebooks, a name with no student id in it, a file that is not a notebook;
- nothing is overwritten silently: a student whose folder already holds the
  same notebook is left as is (``unchanged``), one whose folder holds a
  different submission is reported and left as is unless ``--force``.

The download is the students' files: it is unpacked by :class:`BoundedExtractor`,
not by nbgrader's extractor (which unpacks every archive inside an archive, with no
limit, and reads each member whole into memory). Only the downloaded zips are
unpacked, and of them only the notebooks, each in bounded chunks; an archive inside
the download (a student's own zip) is never unpacked: it gets its line, like a file
that is not a notebook. Before anything of a zip is written, its directory is
checked: entries and bytes against :class:`DownloadLimits`, each notebook against
``SubmissionLimits.notebook_bytes``, each path (absolute, ``..``: refused). A zip
over a limit is not unpacked at all, a notebook over its limit is left out, each
with a line naming it; the rest of the class is collected.

Exit status: 0 when every entry was collected (or unchanged), 1 when some
were not (each one named), 2 when the course or the download is unusable.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path

from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.plugins import ExtractorPlugin
from traitlets import Integer
from traitlets.config import Configurable

from kmeans_em_lab.course import paths
from kmeans_em_lab.pipeline.driver.intake import MAX_PATH_BYTES, MiB, SubmissionLimits
from kmeans_em_lab.pipeline.shared.folders import IGNORED, walk
from kmeans_em_lab.pipeline.shared.untrusted_text import quoted_name

EXPECTED_NAMES = (
    "Canvas `smithjohn_12345_6789012_lab3.ipynb`, "
    "Moodle `John Smith_12345_assignsubmission_file_lab3.ipynb`"
)
# left out without a word: what operating systems and Jupyter add to archives
JUNK = IGNORED | {"__MACOSX", "Thumbs.db"}  # and what LMS downloads and macOS zips add
SAFE_ID = re.compile(r"[A-Za-z0-9@+_-][A-Za-z0-9@+_.-]*")
# names of archives: a downloaded zip is unpacked, any archive inside a download is not
ARCHIVES = {
    ".zip", ".gz", ".tgz", ".tar", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".lz", ".lzma",
    ".7z", ".rar", ".cab", ".jar", ".whl", ".egg", ".iso",
}  # fmt: skip
CHUNK = 2**20  # bytes read from a zip member at a time
# a file name put in a folder to ask whether the folder reads as a submission by itself
ASSIGNMENT_PLACEHOLDER = "submission.ipynb"
# members compressed otherwise are left out: Python decompresses bzip2 and LZMA without
# an output bound (a small member could fill memory before its size is checked)
READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


class DownloadLimits(Configurable):
    """What one ``make collect`` unpacks from its downloaded zips together
    (``c.DownloadLimits`` in ``nbgrader_config.py``), the one place for these numbers; each
    notebook's own limit is ``SubmissionLimits.notebook_bytes``. Checked from each zip's
    directory before anything of it is written: a zip over a limit is not unpacked."""

    members = Integer(
        10_000, help="entries (files and folders) of the downloaded zips together"
    ).tag(config=True)
    total_bytes = Integer(
        2 * 2**30, help="bytes of the notebooks unpacked from the downloaded zips together"
    ).tag(config=True)


def _mib(size: int) -> str:
    return f"{size / MiB:,.1f} MiB"


class _Overrun(Exception):
    """A zip member gave more bytes than its directory entry declares."""


class BoundedExtractor(ExtractorPlugin):
    """nbgrader's extraction step within limits. In the archive folder (what the instructor
    passed): a zip is unpacked into a folder of its name, of it only the notebooks; any other
    file, and the files of a folder passed, is copied when it is a notebook. Nothing else is
    written: each file left out is in :attr:`left_out` as ``(shown, path, why)``, ``path``
    being the name the student id is read from (where it would have been), or None."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.left_out: list[tuple[str, str | None, str]] = []
        self.members = 0  # entries of the zips unpacked so far
        self.unpacked_bytes = 0  # bytes of their notebooks (as declared, each one enforced)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        self.limits = DownloadLimits(config=self.config)
        self.notebook_bytes = SubmissionLimits(config=self.config).notebook_bytes
        self._extracted = extracted_path
        for root, dirs, files in os.walk(archive_path):  # links to folders are not walked
            dirs.sort()
            rel = os.path.relpath(root, archive_path)
            linked = [d for d in dirs if os.path.islink(os.path.join(root, d))]
            for name in linked:  # left out, said: a link to a folder is not followed
                dirs.remove(name)
                files.append(name)
            for name in sorted(files):
                src = os.path.join(root, name)
                target = os.path.normpath(os.path.join(extracted_path, rel, name))
                shown = os.path.relpath(src, archive_path)
                if rel == "." and Path(name).suffix.lower() == ".zip":
                    self._unzip(src, quoted_name(shown), os.path.splitext(target)[0])
                else:
                    self._copy(src, target, top=rel == ".")

    # -- what is left out ----------------------------------------------------------------

    def _rel(self, target: str) -> str:
        return Path(os.path.relpath(target, self._extracted)).as_posix()

    def _why_not(self, target: str, size: int, top: bool = False) -> str | None:
        """Why the file that would be ``target`` (``size`` bytes) is not written: None when
        it is, '' for what operating systems add to archives (left out without a word)."""
        parts = Path(self._rel(target)).parts
        if JUNK & set(parts) or parts[-1].startswith("._"):
            return ""
        suffix = Path(target).suffix.lower()
        if suffix in ARCHIVES:
            if top:
                return "not a zip: only zip downloads are unpacked (unpack it, collect the folder)"
            return (
                "an archive inside the download: not unpacked (ask the student for the "
                "notebook itself: the names inside a student's archive are the student's, "
                "and may name another student)"
            )
        if suffix != ".ipynb":
            return "not a notebook"
        if size > self.notebook_bytes:
            return (
                f"{_mib(size)}, over the {_mib(self.notebook_bytes)} a notebook may hold "
                "(SubmissionLimits.notebook_bytes in nbgrader_config.py): not collected"
            )
        return None

    def _leave_out(self, target: str, why: str) -> None:
        if why:
            self.left_out.append((quoted_name(self._rel(target)), target, why))

    # -- files passed, zips ----------------------------------------------------------------

    def _copy(self, src: str, target: str, top: bool) -> None:
        info = os.lstat(src)
        if stat.S_ISLNK(info.st_mode):  # a folder passed may hold a student's links
            self._leave_out(target, "a symbolic link: not followed, not collected")
            return
        why = self._why_not(target, info.st_size, top)
        if why is None and not stat.S_ISREG(info.st_mode):
            why = "not a regular file"
        if why is not None:
            self._leave_out(target, why)
            return
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(src, target)

    def _unzip(self, src: str, shown: str, dest: str) -> None:
        """Unpack the notebooks of the zip ``src`` into ``dest``, if it is within limits."""
        try:
            archive = zipfile.ZipFile(src)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
            self.left_out.append(
                (shown, None, f"not a zip that can be read ({err}): nothing of it unpacked")
            )
            return
        with archive:
            entries = archive.infolist()
            members_left = self.limits.members - self.members
            if len(entries) > members_left:
                self.left_out.append(
                    (
                        shown,
                        None,
                        f"{len(entries):,} entries, over the {members_left:,} left of the "
                        f"{self.limits.members:,} a collect unpacks (DownloadLimits.members in "
                        "nbgrader_config.py): nothing of it unpacked",
                    )
                )
                return
            notes, plan = [], []
            for info in entries:
                name = info.filename
                if info.is_dir():
                    continue
                if (
                    name.startswith("/")
                    or ".." in name.split("/")
                    or len(name.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES
                ):
                    why = (
                        "a path outside the download (absolute, with .., or too long): not unpacked"
                    )
                    notes.append((f"{shown}: {quoted_name(name, always=True)}", name, why))
                    continue
                target = os.path.join(dest, *name.split("/"))
                why = self._why_not(target, info.file_size)
                if why is None and info.compress_type not in READABLE:
                    why = f"not deflate-compressed (method {info.compress_type}): not collected"
                if why is None and info.flag_bits & 0x1:
                    why = "encrypted: not collected"
                if why is None:
                    plan.append((info, target))
                elif why:
                    notes.append((quoted_name(self._rel(target)), target, why))
            size = sum(info.file_size for info, _ in plan)
            bytes_left = self.limits.total_bytes - self.unpacked_bytes
            if size > bytes_left:
                self.left_out.append(
                    (
                        shown,
                        None,
                        f"its notebooks come to {_mib(size)}, over the {_mib(bytes_left)} left "
                        f"of the {_mib(self.limits.total_bytes)} a collect unpacks "
                        "(DownloadLimits.total_bytes in nbgrader_config.py): nothing of it "
                        "unpacked",
                    )
                )
                return
            self.members += len(entries)
            self.unpacked_bytes += size
            self.left_out.extend(notes)
            for info, target in plan:
                self._write(archive, info, target)

    def _write(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: str) -> None:
        """One member into ``target``, read in chunks of :data:`CHUNK` bytes, never more than
        it declares (nor than a notebook may hold)."""
        limit = min(info.file_size, self.notebook_bytes)
        written = 0
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with os.fdopen(os.open(target, flags, 0o644), "wb") as out:
                try:
                    with archive.open(info) as member:
                        while chunk := member.read(CHUNK):
                            written += len(chunk)
                            if written > limit:
                                raise _Overrun
                            out.write(chunk)
                except BaseException:
                    out.close()
                    os.unlink(target)
                    raise
        except _Overrun:
            self._leave_out(target, "more bytes than its zip entry declares: not collected")
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, ValueError) as err:
            # RuntimeError: encrypted; NotImplementedError (a RuntimeError): unknown method
            self._leave_out(target, f"could not be unpacked ({err}): not collected")


def _same_bytes(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()


def other_ids(named_regexp: str, path: str, student: str, top: str = "") -> set[str]:
    """The student ids other than ``student`` that ``path`` also reads as:

    - when the name before the id is taken to be longer: an LMS display name is the
      student's to choose, and one such as ``Eve_22222_1_`` makes
      ``Eve_22222_1__99999_...`` read as 22222;
    - by a folder above it (below ``top``, the download's own folder) that reads as a
      submission by itself: Moodle keeps the sub-folders a student makes in their
      submission, so ``Eve_22222_assignsubmission_file_/x_99999_assignsubmission_file_/``
      holds Eve's files, not 99999's.
    """
    match = re.match(named_regexp, path)
    if match is None or "lms_name" not in match.groupdict():
        return set()
    begin = match.start("lms_name")
    found = set()
    for at in range(begin + 1, len(path)):
        if path[at] == "_":
            other = re.match(named_regexp, f"{path[:begin]}X{path[at:]}")
            if other and other.start("lms_name") == begin and other["student_id"] != student:
                found.add(other["student_id"])
    above = Path(path[:begin])
    if top and above.is_relative_to(top):
        folder = Path(top)
        for part in above.relative_to(top).parts:
            folder = folder / part
            other = re.match(named_regexp, f"{folder}/{ASSIGNMENT_PLACEHOLDER}")
            own_name = other and other.start("lms_name") > len(str(folder.parent))
            if own_name and other["student_id"] != student:
                found.add(other["student_id"])
    return found


class CheckedZipCollectApp(ZipCollectApp):
    """``nbgrader zip_collect`` that collects notebooks as ``<assignment>.ipynb`` and never
    overwrites a submission silently. Its report: :attr:`collected`, :attr:`unchanged`,
    :attr:`problems` (one line each)."""

    name = "lab3-collect"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.collected: list[str] = []
        self.unchanged: list[str] = []
        self.problems: list[str] = []
        self._notes: dict[str, str] = {}  # student -> what to say when collected

    # -- helpers -------------------------------------------------------------------------

    @property
    def notebook(self) -> str:
        return f"{self.coursedir.assignment_id}.ipynb"

    def _student_dir(self, student: str) -> Path:
        return Path(
            self.coursedir.format_path(
                self.coursedir.submitted_directory, student, self.coursedir.assignment_id
            )
        )

    def _rel(self, path: str | Path) -> str:
        """A path as the instructor knows it: inside the download, or inside the course."""
        extracted = self._format_collect_path(self.extracted_directory)
        path = Path(path)
        for base in (Path(extracted), Path(self.coursedir.root)):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return str(path)

    def _shown(self, path: str | Path) -> str:
        """:meth:`_rel` as a line of the collect quotes it (:func:`.quoted_name`)."""
        return quoted_name(self._rel(path))

    def _release_files(self) -> list[Path]:
        """The release's files other than notebooks (the data), relative to the release."""
        release = Path(
            self.coursedir.format_path(
                self.coursedir.release_directory, ".", self.coursedir.assignment_id
            )
        )
        return [
            Path(entry.rel)
            for entry in walk(release, ignored=JUNK).files
            if not entry.rel.endswith(".ipynb")
        ]

    def _who(self, path: str | None) -> str:
        """`` (student <id>)`` when ``path`` reads as a student's file, else ''."""
        named_regexp = getattr(self.collector_plugin_inst, "named_regexp", "")
        match = re.match(named_regexp, path) if named_regexp and path else None
        return f" (student {quoted_name(match['student_id'])})" if match else ""

    # -- nbgrader's steps, checked -------------------------------------------------------

    def init_plugins(self):
        super().init_plugins()
        # whatever the configuration says: nbgrader's own extractor unpacks archives inside
        # archives with no limit, before anything is screened
        self.extractor_plugin_inst = BoundedExtractor(parent=self)
        # what the folders passed held that was not copied (links, FIFOs, ...: collect())
        self.extractor_plugin_inst.left_out.extend(getattr(self, "folders_left_out", []))

    def process_extracted_files(self):
        """nbgrader's step, also when nothing was unpacked (what was left out is said)."""
        extracted = self._format_collect_path(self.extracted_directory)
        src_files = sorted(
            os.path.join(root, name) for root, _, names in os.walk(extracted) for name in names
        )
        self._transfer_files(self._collect_files(src_files))

    def _collect_files(self, src_files):
        """Screen the extracted files, then let nbgrader collect those that are safe to."""
        named_regexp = getattr(self.collector_plugin_inst, "named_regexp", "")
        top = self._format_collect_path(self.extracted_directory)
        for shown, path, why in getattr(self.extractor_plugin_inst, "left_out", []):
            self.problems.append(f"{shown}{self._who(path)}: {why}")
        by_student: dict[str, list[str]] = {}
        for path in src_files:
            shown = self._shown(path)
            parts = Path(self._rel(path)).parts
            if JUNK & set(parts) or parts[-1].startswith("._"):
                continue
            if Path(path).suffix.lower() != ".ipynb":
                self.problems.append(f"{shown}{self._who(path)}: not a notebook")
                continue
            info = self.collector_plugin_inst.collect(path)
            student = (info or {}).get("student_id")
            if not student:
                self.problems.append(
                    f"{shown}: unknown file name, no student id in it (expected e.g. "
                    f"{EXPECTED_NAMES})"
                )
                continue
            if not SAFE_ID.fullmatch(student):
                self.problems.append(
                    f"{shown}: student id {quoted_name(student, always=True)} is not a folder name"
                )
                continue
            others = other_ids(named_regexp, path, student, top)
            if others:
                readings = ", ".join(quoted_name(r) for r in sorted({student, *others}))
                self.problems.append(
                    f"{shown}: the file name reads as more than one student id ({readings}): "
                    "not collected; copy it by hand to the right student's folder"
                )
                continue
            by_student.setdefault(student, []).append(path)

        accepted = []
        for student, files in sorted(by_student.items()):
            names = ", ".join(self._shown(f) for f in files)
            folder = self._student_dir(student)
            target = folder / self.notebook
            if len(files) > 1:
                self.problems.append(
                    f"{student}: {len(files)} notebooks ({names}): copy the one to grade "
                    f"to {self._shown(target)}"
                )
                continue
            note = f"from {names}"
            if folder.is_dir() and any(folder.iterdir()):
                if _same_bytes(target, Path(files[0])):
                    self.unchanged.append(f"{student}: {self._shown(target)} (from {names})")
                    continue
                if not self.force:
                    self.problems.append(
                        f"{student}: {self._shown(folder)}/ holds a different submission, "
                        f"not overwritten with {names} (collect with --force to replace it)"
                    )
                    continue
                note += ", replacing the earlier submission"
            self._notes[student] = note
            accepted.append(files[0])

        data = super()._collect_files(accepted) if accepted else {}
        for record in data.values():
            record["dest_files"] = [
                os.path.join(os.path.dirname(dest), self.notebook) for dest in record["dest_files"]
            ]
            record["file_ids"] = [self.notebook] * len(record["file_ids"])
        return data

    def _transfer_files(self, collected_data):
        super()._transfer_files(collected_data)
        release = self.coursedir.format_path(
            self.coursedir.release_directory, ".", self.coursedir.assignment_id
        )
        extra = self._release_files()
        for student in sorted(collected_data or {}):
            folder = self._student_dir(student)
            for rel in extra:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                if not (folder / rel).exists():
                    shutil.copy2(Path(release) / rel, folder / rel)
            with_data = f" + {', '.join(sorted({r.parts[0] for r in extra}))}" if extra else ""
            self.collected.append(
                f"{student}: {self._shown(folder / self.notebook)}{with_data} "
                f"({self._notes.get(student, '')})"
            )


def _copy_folder(download: Path, target: Path, course_root: Path) -> list:
    """A folder passed (an unpacked download, perhaps a student's own archive unpacked by
    hand) copied for nbgrader's steps: walked by :func:`.folders.walk` (no link followed, no
    recursion, at most ``DownloadLimits.members`` entries), its notebooks within
    ``SubmissionLimits.notebook_bytes`` copied; every other regular file becomes an empty
    sparse file of its size (nothing written, nothing read: :class:`BoundedExtractor` says
    why it is left out, by its name and size). Links, FIFOs, devices, folders too deep or
    unreadable are not copied: returned as left out, ``(shown, path, why)``."""
    from traitlets.config import Config

    from kmeans_em_lab.pipeline.shared import folders
    from kmeans_em_lab.pipeline.shared.course_config import load_course_config

    config = load_course_config(course_root) if course_root else Config()
    members = DownloadLimits(config=config).members
    notebook_bytes = SubmissionLimits(config=config).notebook_bytes
    found = folders.walk(download, ignored=frozenset(), max_entries=members)
    shown = quoted_name(target.name)
    if found.stopped:
        why = (
            f"more than the {members:,} entries a collect unpacks (DownloadLimits.members in "
            "nbgrader_config.py): nothing of it collected"
        )
        return [(shown, None, why)]
    left_out = [
        (quoted_name(f"{target.name}/{e.rel}"), f"{target.name}/{e.rel}", f"{e.why}: not collected")
        for e in found.left_out
    ]
    for entry in found.files:
        dest = target / folders.safe_relative(entry.rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = None
        if entry.rel.lower().endswith(".ipynb") and entry.size <= notebook_bytes:
            data = folders.read_regular(download, entry.rel, limit=entry.size)
        with open(dest, "wb") as out:
            if data is not None:
                out.write(data)
            else:  # sparse: its size for the extractor's rules, no byte on the disk
                out.truncate(entry.size)
    return left_out


def collect(
    downloads: list[Path],
    course_root: Path | None = None,
    assignment: str = paths.ASSIGNMENT,
    force: bool = False,
) -> CheckedZipCollectApp:
    """Collect ``downloads`` (zips, notebooks or folders of them) into the course's
    ``submitted/``; the app's ``collected``/``unchanged``/``problems`` say what happened.

    Raises ``FileNotFoundError`` for a missing download or course, ``SystemExit`` when
    nbgrader stops (its error is logged).
    """
    course = paths.Course.at(course_root, assignment)
    root = course.root
    if not course.config_file.is_file():
        raise FileNotFoundError(f"{course.config_file} is missing: is {root} a course?")
    release = course.release
    if not release.is_dir():
        raise FileNotFoundError(f"{release} is missing: run `make release`")
    downloads = [Path(download).expanduser() for download in downloads]
    for download in downloads:
        if not download.exists():
            raise FileNotFoundError(f"{download}: no such file")
    with tempfile.TemporaryDirectory(prefix="lab3-collect-") as scratch:
        # nbgrader works in {downloaded}/{assignment}/{archive,extracted}: here a scratch folder
        structure = os.path.join(scratch, "{downloaded}", "{assignment_id}", "{collect_step}")
        archive = Path(scratch) / "downloaded" / assignment / "archive"
        archive.mkdir(parents=True)
        left_out: list[tuple[str, str | None, str]] = []  # of the folders passed
        for download in downloads:
            download = download.resolve()
            target = archive / download.name
            n = 1
            while target.exists():
                n += 1
                target = archive / f"{download.stem}-{n}{download.suffix}"
            if download.is_dir():
                left_out += _copy_folder(download, target, root)
            else:
                shutil.copy2(download, target)
        argv = [
            assignment,
            f"--ZipCollectApp.collect_directory_structure={structure}",
            f"--CourseDirectory.root={root}",
            "--log-level=ERROR",  # each file's fate is reported by the app's own lines
        ]
        if force:
            argv.append("--force")
        app = CheckedZipCollectApp()
        with contextlib.chdir(root):  # nbgrader reads nbgrader_config.py from here
            app.initialize(argv)
            app.folders_left_out = left_out
            if not getattr(app.config.FileNameCollectorPlugin, "named_regexp", ""):
                app.fail(
                    "nbgrader_config.py sets no FileNameCollectorPlugin.named_regexp: "
                    "see README.md, Collecting submissions"
                )
            app.start()
    return app
